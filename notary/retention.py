"""Retention: case files (documents, recordings) are kept for the jurisdiction's period, then purged.

Source: cases/notary.md (recordings and journal at least 10 years under RULONA,
Chinese case files at least 20 years; a legal hold stops any purge). The period
runs from the case's end (notarization, or its last change in another final
state). Journal entries, audit events and certificates are never purged here:
they are append-only, and the database refuses their deletion.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone as dj_timezone

from .audit import audit_append
from .documents import document_path, storage_root
from .models import Case, CaseStatus, Document, RecordingChunk

FINAL_STATES = (
    CaseStatus.NOTARIZED,
    CaseStatus.REVOKED,
    CaseStatus.TERMINATED,
    CaseStatus.REJECTED,
    CaseStatus.WITHDRAWN,
)


def add_years(moment: datetime, years: int) -> datetime:
    """``moment`` plus whole calendar years; 29 February becomes 28 February in a common year."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, day=28)


def retention_ends(case: Case) -> datetime:
    start = case.notarized_at or case.updated_at
    return add_years(start, case.matter_type.jurisdiction.retention_years)


@dataclass
class PurgeReport:
    purged_cases: list[int] = field(default_factory=list)
    held_cases: list[int] = field(default_factory=list)
    files: int = 0


def purge_expired(*, now: datetime | None = None) -> PurgeReport:
    """Delete the files of final cases whose retention has ended, unless under legal hold.

    Idempotent: purged rows keep their hashes and get ``purged_at``; a second run
    finds nothing. Each purged case gets one ``notary.retention.purged`` audit event.
    """
    now = now or dj_timezone.now()
    report = PurgeReport()
    candidates = Case.objects.filter(status__in=FINAL_STATES).select_related("matter_type__jurisdiction")
    for case in candidates.iterator():
        if retention_ends(case) > now:
            continue
        documents = list(Document.objects.filter(case=case, purged_at__isnull=True))
        chunks = list(RecordingChunk.objects.filter(case=case, purged_at__isnull=True))
        if not documents and not chunks:
            continue
        if case.legal_hold:
            report.held_cases.append(case.pk)
            continue
        with transaction.atomic():
            for document in documents:
                document_path(document).unlink(missing_ok=True)
            for chunk in chunks:
                (storage_root() / "recordings" / chunk.storage_name).unlink(missing_ok=True)
            Document.objects.filter(pk__in=[d.pk for d in documents]).update(purged_at=now)
            RecordingChunk.objects.filter(pk__in=[c.pk for c in chunks]).update(purged_at=now)
            audit_append(
                action="notary.retention.purged",
                case=case,
                target=f"case:{case.pk}",
                data={"documents": len(documents), "recording_chunks": len(chunks)},
                at=now,
            )
        report.purged_cases.append(case.pk)
        report.files += len(documents) + len(chunks)
    return report
