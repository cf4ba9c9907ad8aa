"""Retention: case files are purged after the jurisdiction's period (20 years in China), never under legal hold."""

from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command

from notary.models import AuditEvent, Case, Document
from notary.retention import add_years
from tests.notary.conftest import IDENTITY_PASS, act, in_session_case, record

pytestmark = pytest.mark.django_db


def test_add_years_keeps_the_date_or_falls_back_from_29_february():
    from datetime import UTC, datetime

    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 10) == datetime(2034, 2, 28, tzinfo=UTC)
    assert add_years(datetime(2026, 1, 6, 1, 30, tzinfo=UTC), 20) == datetime(2046, 1, 6, 1, 30, tzinfo=UTC)


def test_purge_waits_20_years_respects_legal_hold_and_is_idempotent(
    as_applicant, as_notary, office, notary, notary_service, capsys
):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    act(as_applicant, case_id, "consent", signer_location="New York, US")
    act(as_notary, case_id, "verify_identity", **IDENTITY_PASS)
    record(as_notary, case_id)
    with time_machine.travel("2026-01-06T01:30:00Z", tick=False):
        assert act(as_notary, case_id, "notarize").status_code == 200
    traveller.stop()
    files = [Path(settings.MEDIA_ROOT) / "notary" / "documents" / d.storage_name for d in Document.objects.all()]
    assert len(files) == 4 and all(f.exists() for f in files)

    def purge(at):
        with time_machine.travel(at, tick=False):
            call_command("purge_expired")
        return capsys.readouterr().out.strip()

    assert purge("2046-01-06T01:29:59Z") == "purged 0 files of 0 cases; 0 cases under legal hold kept"
    Case.objects.filter(pk=case_id).update(legal_hold=True)
    assert purge("2046-01-06T01:30:00Z") == "purged 0 files of 0 cases; 1 cases under legal hold kept"
    assert all(f.exists() for f in files)
    Case.objects.filter(pk=case_id).update(legal_hold=False)
    assert (
        purge("2046-01-06T01:30:00Z") == "purged 5 files of 1 cases; 0 cases under legal hold kept"
    )  # 4 documents, 1 recording chunk
    assert not any(f.exists() for f in files)
    assert purge("2046-02-01T00:00:00Z") == "purged 0 files of 0 cases; 0 cases under legal hold kept"
    assert AuditEvent.objects.filter(action="notary.retention.purged", case_id=case_id).count() == 1
    document = Document.objects.first()
    assert as_applicant.get(f"/api/v1/notary/cases/{case_id}/documents/{document.pk}/file/").status_code == 404
    call_command("audit_verify")
