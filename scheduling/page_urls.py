from django.urls import path

from . import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/hours/", views.hours_editor, name="hours-editor"),
    path("providers/", views.provider_search, name="provider-search"),
    path("providers/<str:provider_id>/", views.provider_page, name="provider-page"),
    path("providers/<str:provider_id>/book/", views.book, name="provider-book"),
    path("appointments/", views.my_appointments, name="my-appointments"),
    path("appointments/<str:appointment_id>/", views.appointment_page, name="appointment-page"),
    path("appointments/<str:appointment_id>/cancel/", views.appointment_cancel_page, name="appointment-cancel-page"),
    path(
        "appointments/<str:appointment_id>/reschedule/",
        views.appointment_reschedule_page,
        name="appointment-reschedule-page",
    ),
]
