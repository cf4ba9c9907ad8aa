from django.urls import path

from . import api, calendar_api

urlpatterns = [
    path("services/", api.ServiceListCreateApi.as_view(), name="service-list"),
    path("organizations/", api.OrganizationListCreateApi.as_view(), name="organization-list"),
    path("providers/", api.ProviderListCreateApi.as_view(), name="provider-list"),
    path("providers/<str:provider_id>/", api.ProviderDetailApi.as_view(), name="provider-detail"),
    path("providers/<str:provider_id>/schedule/", api.ProviderScheduleApi.as_view(), name="provider-schedule"),
    path("providers/<str:provider_id>/slots/", api.ProviderSlotListApi.as_view(), name="provider-slots"),
    path("appointments/", api.AppointmentListCreateApi.as_view(), name="appointment-list"),
    path(
        "appointments/<str:appointment_id>/invite.ics",
        calendar_api.AppointmentInviteApi.as_view(),
        name="appointment-invite",
    ),
    path("me/feed/", calendar_api.MeFeedApi.as_view(), name="me-feed"),
    path("me/feed/rotate/", calendar_api.MeFeedRotateApi.as_view(), name="me-feed-rotate"),
    path("appointments/<str:appointment_id>/", api.AppointmentDetailApi.as_view(), name="appointment-detail"),
    path("appointments/<str:appointment_id>/cancel/", api.AppointmentCancelApi.as_view(), name="appointment-cancel"),
    path(
        "appointments/<str:appointment_id>/reschedule/",
        api.AppointmentRescheduleApi.as_view(),
        name="appointment-reschedule",
    ),
]
