"""N5 and the whole path: a New York applicant takes a power of attorney from draft to a verified certificate."""

import hashlib
import io
import re

import pytest
import time_machine
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from notary.models import AuditEvent, Certificate, JournalEntry
from tests.conftest import client_for
from tests.notary.conftest import PDF, act, in_session_case

pytestmark = pytest.mark.django_db


def pdf_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


def pdf_string(text: str) -> bytes:
    """``text`` as a PDF literal string (ISO 32000-1 §7.3.4.2: backslash and parentheses escaped)."""
    return ("(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")").encode()


def validate(data: bytes):
    trust_root = load_cert_from_pemder(str(settings.NOTARY_KEY_DIR / "ca.pem"))
    signature = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    return validate_pdf_signature(signature, ValidationContext(trust_roots=[trust_root]))


def test_whole_path_ends_in_a_notarized_case_with_one_journal_entry(notarized, notary, applicant):
    case_id, body = notarized
    assert body["status"] == "notarized"
    assert body["notarized_at"] == "2026-01-06T01:30:00Z"
    certificate = body["certificate"]
    assert certificate["number"] == f"CN-RVN-2026-{notary.pk:04d}-000001"
    assert certificate["verify_url"] == f"https://lexmeet.example/verify/{certificate['verification_code']}/"
    assert certificate["status"] == "valid"
    entry = JournalEntry.objects.get()
    sha = hashlib.sha256(PDF).hexdigest()
    assert (entry.entry_number, entry.outcome, entry.act_type, entry.matter_type) == (
        1,
        "notarized",
        "signature_witnessing",
        "cn-power-of-attorney",
    )
    assert (entry.notary_timezone, entry.signer_timezone) == ("Asia/Shanghai", "America/New_York")
    assert (entry.signer_location, entry.notary_location) == (
        "Flushing, Queens, New York, US",
        "Taiyuan Notary Office, room 3",
    )
    assert entry.documents == [
        {"kind": kind, "title": f"{kind}.pdf", "version": 1, "sha256": sha}
        for kind in ["agent_id", "passport", "poa_draft", "residence_abroad_proof"]
    ]
    assert entry.identity_evidence["attempts"][0]["document_number_masked"] == "*****5678"
    assert entry.identity_evidence["consent_at"] == "2026-01-06T01:02:00Z"
    assert (entry.signer_name, f"{entry.fee}", entry.currency) == ("Zhang Wei", "200.00", "CNY")
    actions = list(AuditEvent.objects.filter(case_id=case_id).values_list("action", flat=True))
    assert actions[0] == "notary.case.draft"
    assert actions[-5:] == [
        "notary.case.in_session",
        "notary.consent.recording",
        "notary.identity.passed",
        "notary.recording.chunk",
        "notary.case.notarized",
    ]


def test_n5_certificate_pdf_carries_the_facts_and_a_signature_pyhanko_validates(notarized, as_applicant, as_notary):
    case_id, body = notarized
    response = as_applicant.get(f"/api/v1/notary/cases/{case_id}/certificate.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    data = pdf_bytes(response)
    assert data == pdf_bytes(as_notary.get(f"/api/v1/notary/cases/{case_id}/certificate.pdf"))
    number = body["certificate"]["number"]
    for text in [
        f"Certificate number: {number}",
        " Office: Taiyuan Notary Office",
        " Notary: notary.li",
        " Matter: ",
        " / Power of attorney",
        "Notarized at (UTC): 2026-01-06 01:30:00 UTC (UTC+0000)",
        "Notarized at (Asia/Shanghai): 2026-01-06 09:30:00 CST (UTC+0800)",
        f"passport v1: {hashlib.sha256(PDF).hexdigest()}",
        body["certificate"]["verify_url"],
        "Matter code: cn-power-of-attorney",
    ]:
        assert pdf_string(text) in data, text
    # The QR code is drawn as vector modules: hundreds of filled rectangles.
    assert len(re.findall(rb" re f", data)) > 200
    status = validate(data)
    assert (status.intact, status.valid, status.trusted) == (True, True, True)
    assert status.bottom_line is True
    assert Certificate.objects.get().pdf_sha256 == hashlib.sha256(data).hexdigest()


def test_n5_verify_page_says_valid_then_revoked_and_a_wrong_code_reveals_nothing(notarized, as_notary, api):
    case_id, body = notarized
    code = body["certificate"]["verification_code"]
    response = api.get(f"/verify/{code}/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json() == {
        "certificate_number": body["certificate"]["number"],
        "matter_type": "cn-power-of-attorney",
        "matter_type_name": "Power of attorney",
        "matter_type_name_zh": "委托",
        "notary_office": "Taiyuan Notary Office",
        "notarized_at": "2026-01-06T01:30:00Z",
        "document_sha256": [hashlib.sha256(PDF).hexdigest()] * 4,
        "signer_initials": "Z.W.",
        "status": "valid",
        "revoked_at": None,
        "revocation_reason": None,
    }
    page = api.get(f"/verify/{code}/")
    assert page.status_code == 200
    assert "Valid" in page.content.decode() and body["certificate"]["number"] in page.content.decode()

    wrong = api.get(f"/verify/{code[:-1]}x/", HTTP_ACCEPT="application/json")
    unknown_url = api.get("/no-such-page/", HTTP_ACCEPT="application/json")
    assert (wrong.status_code, wrong.content) == (404, unknown_url.content)
    assert api.get("/verify/short/", HTTP_ACCEPT="application/json").content == unknown_url.content

    with time_machine.travel("2026-02-01T00:00:00Z", tick=False):
        revoked = act(as_notary, case_id, "revoke", reason_code="issued_in_error")
    assert revoked.json()["status"] == "revoked"
    after = api.get(f"/verify/{code}/", HTTP_ACCEPT="application/json").json()
    assert (after["status"], after["revoked_at"], after["revocation_reason"]) == (
        "revoked",
        "2026-02-01T00:00:00Z",
        "issued_in_error",
    )
    amendment = JournalEntry.objects.get(entry_number=2)
    assert (amendment.outcome, amendment.amends.entry_number, amendment.reason_code) == (
        "revoked",
        1,
        "issued_in_error",
    )


def test_journal_is_the_notarys_and_an_other_offices_notary_gets_404(notarized, as_applicant, as_notary, other_notary):
    case_id, _ = notarized
    journal = as_notary.get(f"/api/v1/notary/cases/{case_id}/journal/")
    assert journal.status_code == 200
    assert [(e["entry_number"], e["outcome"], e["fee"]) for e in journal.json()] == [(1, "notarized", "200.00")]
    assert as_applicant.get(f"/api/v1/notary/cases/{case_id}/journal/").status_code == 403
    outsider = client_for(other_notary.user)
    for path in ("journal/", "certificate.pdf", ""):
        assert outsider.get(f"/api/v1/notary/cases/{case_id}/{path}").status_code == 404


def test_terminate_journals_a_refusal_without_a_certificate(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    try:
        response = act(as_notary, case_id, "terminate", reason_code="third_party_present", note="Someone prompted.")
    finally:
        traveller.stop()
    assert (response.json()["status"], response.json()["certificate"]) == ("terminated", None)
    entry = JournalEntry.objects.get()
    assert (entry.outcome, entry.reason_code, f"{entry.fee}") == ("terminated", "third_party_present", "0.00")
