"""Notary API (DESIGN.md, public contract v1, Notary): thin views over notary services and selectors."""

from .cases import (
    ACTIONS,
    CaseActionApi,
    CaseDetailApi,
    CaseListCreateApi,
    DocumentFileApi,
    DocumentUploadApi,
    MatterTypeListApi,
    StrictMultiPartParser,
    case_data,
    certificate_data,
)
from .records import (
    CaseJournalApi,
    CertificatePdfApi,
    HostSiteListApi,
    HostSiteSlotListApi,
    JournalCsvApi,
    JournalPdfApi,
    RecordingApi,
    initials,
    journal_row,
    verification_data,
)

__all__ = [
    "ACTIONS",
    "CaseActionApi",
    "CaseDetailApi",
    "CaseJournalApi",
    "CaseListCreateApi",
    "CertificatePdfApi",
    "DocumentFileApi",
    "DocumentUploadApi",
    "HostSiteListApi",
    "HostSiteSlotListApi",
    "JournalCsvApi",
    "JournalPdfApi",
    "MatterTypeListApi",
    "RecordingApi",
    "StrictMultiPartParser",
    "case_data",
    "certificate_data",
    "initials",
    "journal_row",
    "verification_data",
]
