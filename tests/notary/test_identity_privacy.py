"""Identity document numbers are never kept in full: not in any table, log line, audit or journal row, or answer."""

import logging

import pytest
from django.apps import apps
from django.core import serializers
from django.test import Client

from notary import selectors
from notary.identity import document_number_hash, document_number_normalise
from notary.models import AuditEvent, IdentityCheck, JournalEntry
from tests.factories import make_user, sign_in
from tests.notary.conftest import IDENTITY_PASS, act, in_session_case

pytestmark = pytest.mark.django_db

FULL = IDENTITY_PASS["document_number"]  # "E12345678"
DIGITS = "12345678"  # what a leak would contain however it was formatted


def every_row_as_text() -> str:
    """Every row of every table, serialized: what a database dump would show."""
    return "\n".join(serializers.serialize("json", model.objects.all()) for model in apps.get_models())


@pytest.fixture
def session(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    yield case_id
    traveller.stop()


@pytest.fixture
def logs(caplog):
    """Every record of every logger at DEBUG during the test, formatted with its arguments."""
    caplog.set_level(logging.DEBUG)
    return caplog


def test_the_full_number_is_in_no_table_after_a_whole_notarization(notarized):
    dump = every_row_as_text()
    assert "*****5678" in dump  # the masked form is there, so the dump really holds the check
    assert DIGITS not in dump
    assert FULL not in dump
    check = IdentityCheck.objects.get()
    assert check.document_number_masked == "*****5678"
    assert check.document_number_hash == document_number_hash(
        number=FULL, document_type="passport", issuing_country="CN"
    )


def test_audit_and_journal_payloads_hold_only_the_masked_number(notarized):
    audit = AuditEvent.objects.get(action="notary.identity.passed")
    assert audit.data == {"document_type": "passport", "issuing_country": "CN", "method": "face_comparison"}
    entry = JournalEntry.objects.get()
    assert entry.identity_evidence["attempts"][0]["document_number_masked"] == "*****5678"
    texts = [str(e.data) for e in AuditEvent.objects.all()] + [str(entry.identity_evidence)]
    assert [t for t in texts if DIGITS in t] == []


def test_no_log_record_carries_the_number(logs, notarized):
    records = logs.get_records("setup")  # the whole notarization ran in the fixture
    # One request line each (lexmeet.request), so the check is not vacuous.
    case_id, _ = notarized
    assert f"POST /api/v1/notary/cases/{case_id}/verify_identity/ 200" in [r.getMessage() for r in records]
    assert [r.getMessage() for r in records if DIGITS in r.getMessage() or DIGITS in str(r.__dict__)] == []


def test_api_answers_journal_exports_and_admin_pages_show_only_the_masked_number(notarized, as_notary, as_applicant):
    case_id, _ = notarized
    answers = {
        "case as notary": as_notary.get(f"/api/v1/notary/cases/{case_id}/"),
        "case as applicant": as_applicant.get(f"/api/v1/notary/cases/{case_id}/"),
        "journal": as_notary.get(f"/api/v1/notary/cases/{case_id}/journal/"),
        "journal.csv": as_notary.get("/api/v1/notary/journal.csv"),
    }
    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 200)
    assert "*****5678" in answers["journal"].content.decode()
    assert "*****5678" in answers["journal.csv"].content.decode()
    assert [name for name, r in answers.items() if DIGITS in r.content.decode()] == []

    admin = make_user("root@example.com", role="staff", is_staff=True, is_superuser=True)
    browser = sign_in(Client(), admin)  # staff: second factor included
    entry = JournalEntry.objects.get()
    pages = [
        f"/admin/notary/case/{case_id}/change/",
        f"/admin/notary/journalentry/{entry.pk}/change/",
        "/admin/notary/auditevent/",
        "/admin/notary/journalentry/",
    ]
    statuses = {page: browser.get(page).status_code for page in pages}
    assert statuses == dict.fromkeys(pages, 200)
    assert [page for page in pages if DIGITS in browser.get(page).content.decode()] == []


def test_a_refused_number_is_not_echoed_back(as_notary, session):
    response = act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, "document_number": "E1234567<script>"})
    assert response.status_code == 400
    assert "1234567" not in response.content.decode()


def test_the_number_is_masked_as_issued_without_spaces_or_dashes(as_notary, session):
    # No jurisdiction can switch masking off any more (Jurisdiction.mask_document_number is gone).
    act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, "document_number": "G 9876-5432"})
    assert IdentityCheck.objects.values_list("document_number_masked", flat=True).get() == "*****5432"


def test_the_keyed_hash_matches_the_same_document_however_it_was_typed(as_notary, session, office):
    act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, "result": "fail"})
    act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, "document_number": "e 1234-5678"})
    act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, "document_number": "E12345679"})
    found = selectors.identity_checks_for_document(
        office_id=office.pk, document_type="passport", issuing_country="CN", document_number="E12345678"
    )
    assert [(c.result, c.document_number_masked) for c in found] == [("fail", "*****5678"), ("pass", "*****5678")]
    assert (
        selectors.identity_checks_for_document(
            office_id=office.pk + 1000, document_type="passport", issuing_country="CN", document_number="E12345678"
        ).count()
        == 0
    )


def test_the_hash_is_keyed_not_a_plain_digest(settings):
    import hashlib

    digest = document_number_hash(number=FULL, document_type="passport", issuing_country="CN")
    assert len(digest) == 64
    assert digest not in {hashlib.sha256(v.encode()).hexdigest() for v in (FULL, "CN:passport:E12345678")}
    settings.IDENTITY_HASH_KEY = "another-key-for-identity-numbers"
    assert document_number_hash(number=FULL, document_type="passport", issuing_country="CN") != digest
    assert document_number_normalise(" e-1234 5678 ") == "E12345678"
