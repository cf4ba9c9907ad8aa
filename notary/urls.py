from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view

from . import api

ACTIONS = list(api.ACTIONS)


def _action_view(action: str):
    """The ``CaseActionApi`` of one transition, its OpenAPI request body being that action's input (or none)."""
    view = type(f"Case{action.title().replace('_', '')}Api", (api.CaseActionApi,), {"action": action})
    request = api.ACTIONS[action][0]
    return extend_schema_view(post=extend_schema(request=request, responses=dict))(view).as_view()


urlpatterns = [
    path("notary/matter-types/", api.MatterTypeListApi.as_view(), name="notary-matter-types"),
    path("notary/host-sites/", api.HostSiteListApi.as_view(), name="notary-host-sites"),
    path(
        "notary/host-sites/<str:host_site_id>/slots/", api.HostSiteSlotListApi.as_view(), name="notary-host-site-slots"
    ),
    path("notary/journal.csv", api.JournalCsvApi.as_view(), name="notary-journal-csv"),
    path("notary/journal.pdf", api.JournalPdfApi.as_view(), name="notary-journal-pdf"),
    path("notary/cases/", api.CaseListCreateApi.as_view(), name="notary-case-list"),
    path("notary/cases/<str:case_id>/", api.CaseDetailApi.as_view(), name="notary-case-detail"),
    path("notary/cases/<str:case_id>/documents/", api.DocumentUploadApi.as_view(), name="notary-document-upload"),
    path(
        "notary/cases/<str:case_id>/documents/<str:document_id>/file/",
        api.DocumentFileApi.as_view(),
        name="notary-document-file",
    ),
    path("notary/cases/<str:case_id>/certificate.pdf", api.CertificatePdfApi.as_view(), name="notary-certificate-pdf"),
    path("notary/cases/<str:case_id>/recording/", api.RecordingApi.as_view(), name="notary-recording"),
    path("notary/cases/<str:case_id>/journal/", api.CaseJournalApi.as_view(), name="notary-case-journal"),
] + [
    path(
        f"notary/cases/<str:case_id>/{action}/",
        _action_view(action),
        name=f"notary-case-{action.replace('_', '-')}",
    )
    for action in ACTIONS
]
