"""Session recording chunks with a SHA-256 manifest linked to the journal, and the journal CSV export."""

import csv
import hashlib
import io
import json

import pytest

from notary.models import JournalEntry, RecordingChunk
from tests.notary.conftest import IDENTITY_PASS, WEBM_HEAD, WEBM_NEXT, act, in_session_case, send_chunk

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    yield case_id
    traveller.stop()


def test_recording_needs_consent_then_chunks_are_hashed_into_the_journal(as_applicant, as_notary, session):
    early = send_chunk(as_notary, session, 0, WEBM_HEAD)
    assert (early.status_code, early.json()["error"]["code"]) == (409, "invalid_transition")
    act(as_applicant, session, "consent", signer_location="New York, US")
    not_webm = send_chunk(as_notary, session, 0, b"%PDF-1.4 not a video")
    assert (not_webm.status_code, not_webm.json()["error"]["code"]) == (400, "unsupported_type")
    first = send_chunk(as_notary, session, 0, WEBM_HEAD)
    assert first.status_code == 201
    assert first.json() == {"index": 0, "size": 64, "sha256": hashlib.sha256(WEBM_HEAD).hexdigest()}
    again = send_chunk(as_notary, session, 0, WEBM_HEAD)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "chunk_exists")
    assert send_chunk(as_notary, session, 1, WEBM_NEXT).status_code == 201
    assert send_chunk(as_applicant, session, 2, WEBM_NEXT).status_code == 403
    manifest = as_notary.get(f"/api/v1/notary/cases/{session}/recording/").json()
    chunks = [
        {"index": 0, "size": 64, "sha256": hashlib.sha256(WEBM_HEAD).hexdigest()},
        {"index": 1, "size": 64, "sha256": hashlib.sha256(WEBM_NEXT).hexdigest()},
    ]
    expected = hashlib.sha256(json.dumps(chunks, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    assert manifest == {"chunks": chunks, "sha256": expected}
    act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    assert act(as_notary, session, "notarize").status_code == 200
    entry = JournalEntry.objects.get()
    assert (entry.recording_ref, entry.recording_sha256) == (f"recording:case-{session}:2-chunks", expected)
    assert RecordingChunk.objects.count() == 2


def test_journal_csv_export_is_the_notarys_own(as_applicant, as_notary, session):
    act(as_applicant, session, "consent", signer_location="New York, US")
    act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    send_chunk(as_notary, session, 0, WEBM_HEAD)
    act(as_notary, session, "notarize")
    response = as_notary.get("/api/v1/notary/journal.csv")
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["entry_number"], r["outcome"], r["matter_type"], r["fee"]) for r in rows] == [
        ("1", "notarized", "cn-power-of-attorney", "200.00")
    ]
    assert json.loads(rows[0]["identity_evidence"])["attempts"][0]["document_number_masked"] == "*****5678"
    assert as_applicant.get("/api/v1/notary/journal.csv").status_code == 404


def test_journal_pdf_export_lists_each_entry(as_applicant, as_notary, session):
    act(as_applicant, session, "consent", signer_location="New York, US")
    act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    send_chunk(as_notary, session, 0, WEBM_HEAD)
    act(as_notary, session, "notarize")
    response = as_notary.get("/api/v1/notary/journal.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    entry = JournalEntry.objects.get()
    assert (
        b"(#1  2026-01-06T01:02:00Z  signature_witnessing / cn-power-of-attorney  outcome: notarized"
        in response.content
    )
    assert f"(row hash {entry.row_hash})".encode() in response.content
    assert as_applicant.get("/api/v1/notary/journal.pdf").status_code == 404
