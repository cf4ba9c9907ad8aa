"""Cases through the API: N1, N2, N3, N4, N7, bad uploads, eligibility and the booking hook."""

from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from notary.models import AuditEvent, Case, Document, IdentityCheck, JournalEntry
from scheduling.models import Appointment
from tests.conftest import client_for
from tests.notary.conftest import (
    BOOKED_AT,
    IDENTITY_PASS,
    JPEG,
    PDF,
    PNG,
    POA_DOCS,
    SLOT,
    act,
    book,
    case_payload,
    create_case,
    in_session_case,
    submitted_case,
    upload,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    yield case_id
    traveller.stop()


# --- create and eligibility ----------------------------------------------------------


@time_machine.travel(BOOKED_AT, tick=False)
def test_create_answers_a_draft(as_applicant, office):
    response = as_applicant.post(
        "/api/v1/notary/cases/",
        {
            "office": office.pk,
            "matter_type": "cn-power-of-attorney",
            "destination_country": "CN",
            "residence_country": "US",
            "resident_abroad_since": "2020-09-01",
            "nationality": "CN",
            "description": "Sell a flat",
            "language": "en",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["matter_type"], body["office"]) == ("draft", "cn-power-of-attorney", office.pk)
    assert body["missing_documents"] == POA_DOCS
    assert (body["documents"], body["appointment"], body["certificate"]) == ([], None, None)


@time_machine.travel(BOOKED_AT, tick=False)
def test_programme_needs_a_prc_national_abroad_for_180_days(as_applicant, office):
    response = as_applicant.post(
        "/api/v1/notary/cases/",
        {
            "office": office.pk,
            "matter_type": "cn-declaration",
            "destination_country": "DE",
            "residence_country": "US",
            "resident_abroad_since": "2025-09-01",
            "nationality": "US",
        },
        format="json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_eligible"
    assert error["fields"] == {
        "nationality": ["This programme is for nationals of CN."],
        "resident_abroad_since": ["The applicant must have lived abroad at least 180 days."],
        "destination_country": ["Certificates of this programme are for use in CN."],
    }
    assert Case.objects.count() == 0


@time_machine.travel(BOOKED_AT, tick=False)
def test_someone_living_in_china_cannot_use_the_overseas_programme(as_applicant, office):
    response = as_applicant.post("/api/v1/notary/cases/", case_payload(office, residence_country="CN"), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "residence_country": ["This programme is for applicants living abroad."]
    }
    assert Case.objects.count() == 0


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_matter_of_another_jurisdiction_is_refused(as_applicant, office):
    response = as_applicant.post(
        "/api/v1/notary/cases/",
        {
            "office": office.pk,
            "matter_type": "us-jurat",
            "destination_country": "CN",
            "residence_country": "US",
            "nationality": "CN",
            "resident_abroad_since": "2020-01-01",
        },
        format="json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "matter_not_offered")


# --- N1 ------------------------------------------------------------------------------------


@time_machine.travel(BOOKED_AT, tick=False)
def test_n1_submit_without_a_required_document_names_the_missing_kinds(as_applicant, office):
    case_id = create_case(as_applicant, office)
    assert upload(as_applicant, case_id, "passport").status_code == 201
    assert upload(as_applicant, case_id, "poa_draft").status_code == 201
    response = act(as_applicant, case_id, "submit")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "missing_documents"
    assert error["fields"] == {"missing_documents": ["residence_abroad_proof", "agent_id"]}
    assert error["message"] == (
        "Missing documents: Proof of residence abroad (visa, residence permit), The agent's ID card."
    )
    chinese = as_applicant.post(f"/api/v1/notary/cases/{case_id}/submit/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["error"]["message"] == "缺少材料：境外居留证明、受托人身份证。"
    assert Case.objects.get(pk=case_id).status == "draft"


# --- uploads -----------------------------------------------------------------------------


@time_machine.travel(BOOKED_AT, tick=False)
def test_upload_sniffs_type_hashes_and_keeps_versions_outside_the_web_root(as_applicant, office):
    import hashlib

    case_id = create_case(as_applicant, office)
    first = upload(as_applicant, case_id, "passport", PNG, name="passport.pdf").json()
    assert first["content_type"] == "image/png"
    assert (first["size"], first["sha256"]) == (len(PNG), hashlib.sha256(PNG).hexdigest())
    second = upload(as_applicant, case_id, "passport", JPEG, name="passport-scan.jpg").json()
    assert (second["version"], second["content_type"]) == (2, "image/jpeg")
    body = as_applicant.get(f"/api/v1/notary/cases/{case_id}/").json()
    assert [(d["kind"], d["version"]) for d in body["documents"]] == [("passport", 2)]
    assert [(d["kind"], d["version"]) for d in body["document_versions"]] == [("passport", 1), ("passport", 2)]
    stored = Document.objects.get(pk=second["id"])
    path = Path(settings.MEDIA_ROOT) / "notary" / "documents" / stored.storage_name
    assert path.read_bytes() == JPEG
    assert "passport" not in stored.storage_name
    download = as_applicant.get(f"/api/v1/notary/cases/{case_id}/documents/{second['id']}/file/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == JPEG
    assert download["Content-Type"] == "image/jpeg"
    assert AuditEvent.objects.filter(action="notary.document.read", case_id=case_id).count() == 1


@pytest.mark.parametrize(
    ("content", "name", "status", "code"),
    [
        (b"MZ\x90\x00 this is an exe", "scan.pdf", 400, "unsupported_type"),
        (b"<html><script>", "scan.png", 400, "unsupported_type"),
        (b"", "empty.pdf", 400, "empty_file"),
        (PDF, "../../etc/passwd.pdf", 400, "invalid_filename"),
        (PDF, "..\\..\\boot.pdf", 400, "invalid_filename"),
        (PDF, ".hidden.pdf", 400, "invalid_filename"),
    ],
)
@time_machine.travel(BOOKED_AT, tick=False)
def test_bad_uploads_are_refused_and_nothing_is_stored(as_applicant, office, content, name, status, code):
    case_id = create_case(as_applicant, office)
    response = upload(as_applicant, case_id, "passport", content, name=name)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert Document.objects.count() == 0
    folder = Path(settings.MEDIA_ROOT) / "notary" / "documents" / str(case_id)
    assert not folder.exists() or list(folder.iterdir()) == []


@time_machine.travel(BOOKED_AT, tick=False)
def test_upload_over_the_size_limit_is_413(as_applicant, office, settings):
    settings.NOTARY_MAX_UPLOAD_BYTES = 1000
    case_id = create_case(as_applicant, office)
    response = upload(as_applicant, case_id, "passport", PDF + b"0" * 1000)
    assert (response.status_code, response.json()["error"]["code"]) == (413, "file_too_large")
    assert Document.objects.count() == 0


@time_machine.travel(BOOKED_AT, tick=False)
def test_unknown_document_kind_is_refused(as_applicant, office):
    case_id = create_case(as_applicant, office)
    response = upload(as_applicant, case_id, "selfie")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


def test_documents_are_locked_once_the_session_starts(as_applicant, session):
    response = upload(as_applicant, session, "passport")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "documents_locked")


# --- review and booking ---------------------------------------------------------------------


@time_machine.travel(BOOKED_AT, tick=False)
def test_request_info_then_resubmit_then_reject_with_a_code(as_applicant, as_notary, office):
    case_id = submitted_case(as_applicant, office)
    asked = act(as_notary, case_id, "request_info", message="Please upload a clearer passport scan.")
    assert (asked.status_code, asked.json()["status"], asked.json()["info_request"]) == (
        200,
        "needs_info",
        "Please upload a clearer passport scan.",
    )
    assert upload(as_applicant, case_id, "passport", PNG).status_code == 201
    assert act(as_applicant, case_id, "submit").json()["status"] == "submitted"
    unknown = act(as_notary, case_id, "reject", reason_code="because")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown_reason_code")
    rejected = act(as_notary, case_id, "reject", reason_code="unlawful_content", note="The draft is not lawful.")
    assert (rejected.json()["status"], rejected.json()["reason_code"]) == ("rejected", "unlawful_content")
    again = act(as_notary, case_id, "accept")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "invalid_transition")


@time_machine.travel(BOOKED_AT, tick=False)
def test_the_applicant_cannot_accept_their_own_case(as_applicant, office):
    case_id = submitted_case(as_applicant, office)
    response = act(as_applicant, case_id, "accept")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


@time_machine.travel(BOOKED_AT, tick=False)
def test_booking_with_an_accepted_case_schedules_it(as_applicant, as_notary, office, notary, notary_service):
    case_id = submitted_case(as_applicant, office)
    too_early = book(as_applicant, notary, notary_service, SLOT, case_id)
    assert (too_early.status_code, too_early.json()["error"]["code"]) == (409, "invalid_transition")
    assert Appointment.objects.count() == 0
    act(as_notary, case_id, "accept")
    booked = book(as_applicant, notary, notary_service, SLOT, case_id)
    assert booked.status_code == 201
    assert (booked.json()["start_utc"], booked.json()["start"]) == ("2026-01-06T01:00:00Z", "2026-01-05T20:00:00-05:00")
    case = as_applicant.get(f"/api/v1/notary/cases/{case_id}/").json()
    assert (case["status"], case["appointment"]) == ("scheduled", booked.json()["id"])


@time_machine.travel(BOOKED_AT, tick=False)
def test_booking_a_notary_of_another_office_or_someone_elses_case_is_refused(
    as_applicant, as_notary, office, other_notary, notary, notary_service, stranger
):
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    wrong_office = book(as_applicant, other_notary, notary_service, SLOT, case_id)
    assert (wrong_office.status_code, wrong_office.json()["error"]["fields"]) == (
        400,
        {"provider": ["Book a notary of the case's office."]},
    )
    not_mine = book(client_for(stranger), notary, notary_service, SLOT, case_id)
    assert (not_mine.status_code, not_mine.json()["error"]["code"]) == (404, "not_found")
    assert Appointment.objects.count() == 0
    assert Case.objects.get(pk=case_id).status == "accepted"


@time_machine.travel(BOOKED_AT, tick=False)
def test_start_session_before_the_room_opens_is_409(as_applicant, as_notary, office, notary, notary_service):
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    book(as_applicant, notary, notary_service, SLOT, case_id)
    response = act(as_notary, case_id, "start_session", notary_location="Taiyuan")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_transition")
    assert response.json()["error"]["message"] == "The appointment room is not open."


@time_machine.travel(BOOKED_AT, tick=False)
def test_withdraw_before_the_session(as_applicant, office):
    case_id = submitted_case(as_applicant, office)
    assert act(as_applicant, case_id, "withdraw").json()["status"] == "withdrawn"
    assert act(as_applicant, case_id, "submit").status_code == 409


# --- N2, N3, N4 ------------------------------------------------------------------------------


def test_n2_notarize_before_identity_or_consent_is_409_and_journals_nothing(as_applicant, as_notary, session):
    before = act(as_notary, session, "notarize")
    assert (before.status_code, before.json()["error"]["code"]) == (409, "invalid_transition")
    assert before.json()["error"]["message"] == "The signer's identity has not been verified."
    assert act(as_notary, session, "verify_identity", **IDENTITY_PASS).status_code == 200
    no_consent = act(as_notary, session, "notarize")
    assert (no_consent.status_code, no_consent.json()["error"]["code"]) == (409, "invalid_transition")
    assert no_consent.json()["error"]["message"] == "The signer has not consented to recording in this session."
    assert JournalEntry.objects.count() == 0
    assert Case.objects.get(pk=session).status == "in_session"


def test_n2_consent_before_the_session_is_409(as_applicant, office):
    with time_machine.travel(BOOKED_AT, tick=False):
        case_id = submitted_case(as_applicant, office)
        response = act(as_applicant, case_id, "consent", signer_location="New York, US")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_transition")


def test_n3_an_interpreter_is_refused_where_the_jurisdiction_forbids_one(as_notary, session):
    response = act(as_notary, session, "participants", role="interpreter", full_name="Ms Interpreter")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "interpreter_not_allowed"
    assert error["message"] == (
        "China: overseas remote video notarization programme does not allow interpreters for "
        "Power of attorney: the applicant must speak to the notary directly."
    )
    witness = act(as_notary, session, "participants", role="consular_officer", full_name="Consul Wang")
    assert witness.status_code == 200
    # The same rule, asked by the video app for the case's appointment room.
    from notary.services import appointment_interpreter_refusal

    appointment = Case.objects.get(pk=session).appointment
    assert appointment_interpreter_refusal(appointment=appointment) == error["message"]
    # And the room itself refuses to let the host invite one.
    from tests.factories import make_user

    make_user("interpreter@example.com")
    make_user("witness@example.com")
    url = f"/api/v1/rooms/{appointment.room.room_id}/participants/"
    refused = as_notary.post(url, {"email": "interpreter@example.com", "role": "interpreter"}, format="json")
    assert (refused.status_code, refused.json()["error"]) == (
        409,
        {"code": "participant_not_allowed", "message": error["message"], "fields": {}},
    )
    assert not appointment.room.participants.filter(user__email="interpreter@example.com").exists()
    assert as_notary.post(url, {"email": "witness@example.com", "role": "witness"}, format="json").status_code == 201


def test_n4_third_failed_identity_check_is_locked_until_24h_after_the_second(as_notary, session):
    fail = {**IDENTITY_PASS, "result": "fail"}
    assert act(as_notary, session, "verify_identity", **fail).status_code == 200
    with time_machine.travel("2026-01-06T01:10:00Z", tick=False):
        assert act(as_notary, session, "verify_identity", **fail).status_code == 200
    with time_machine.travel("2026-01-06T01:11:00Z", tick=False):
        third = act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "identity_locked"
    assert third.json()["error"]["fields"] == {"locked_until": "2026-01-07T01:10:00Z"}
    assert IdentityCheck.objects.filter(case_id=session).count() == 2
    with time_machine.travel("2026-01-07T01:09:59Z", tick=False):
        assert act(as_notary, session, "verify_identity", **IDENTITY_PASS).status_code == 429
    with time_machine.travel("2026-01-07T01:10:00Z", tick=False):
        after = act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    assert after.status_code == 200
    assert after.json()["identity"] == {"passed": True, "attempts": 3, "locked_until": None}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("expires_on", "2026-02-30", "invalid"),
        ("expires_on", "2025-12-31", "invalid_identity_document"),
        ("expires_on", "2199-01-01", "invalid_identity_document"),
        ("issuing_country", "China", "invalid"),
        ("document_number", "E1234567<script>", "invalid"),
    ],
)
def test_identity_forms_with_impossible_values_are_400_and_change_nothing(as_notary, session, field, value, code):
    response = act(as_notary, session, "verify_identity", **{**IDENTITY_PASS, field: value})
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    assert IdentityCheck.objects.count() == 0


def test_identity_number_is_stored_masked(as_notary, session):
    act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    assert IdentityCheck.objects.get().document_number_masked == "*****5678"


# --- N7 ----------------------------------------------------------------------------------------


@time_machine.travel(BOOKED_AT, tick=False)
def test_n7_another_client_and_another_offices_notary_get_404_everywhere(as_applicant, office, other_notary, stranger):
    case_id = submitted_case(as_applicant, office)
    document_id = Document.objects.filter(case_id=case_id).first().pk
    paths = [
        f"/api/v1/notary/cases/{case_id}/",
        f"/api/v1/notary/cases/{case_id}/documents/{document_id}/file/",
        f"/api/v1/notary/cases/{case_id}/certificate.pdf",
        f"/api/v1/notary/cases/{case_id}/journal/",
        "/api/v1/notary/cases/999999/",
        "/api/v1/notary/cases/abc/",
    ]
    for outsider in (client_for(stranger), client_for(other_notary.user)):
        for path in paths:
            response = outsider.get(path)
            assert (path, response.status_code, response.json()) == (
                path,
                404,
                {"error": {"code": "not_found", "message": "Not found.", "fields": {}}},
            )
        for action in ("accept", "withdraw", "notarize"):
            assert act(outsider, case_id, action).status_code == 404
        assert upload(outsider, case_id, "passport").status_code == 404
        assert outsider.get("/api/v1/notary/cases/").json() == []
    assert Case.objects.get(pk=case_id).status == "submitted"


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_notary_does_not_see_drafts_and_sees_submitted_cases(as_applicant, as_notary, office):
    draft = create_case(as_applicant, office)
    assert as_notary.get(f"/api/v1/notary/cases/{draft}/").status_code == 404
    submitted = submitted_case(as_applicant, office)
    assert [c["id"] for c in as_notary.get("/api/v1/notary/cases/").json()] == [submitted]


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_cancelled_appointment_can_be_booked_again_and_withdraw_cancels_it(
    as_applicant, as_notary, office, notary, notary_service
):
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    first = book(as_applicant, notary, notary_service, SLOT, case_id).json()
    twice = book(as_applicant, notary, notary_service, "2026-01-06T10:00:00+08:00", case_id)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "invalid_transition")
    as_applicant.post(f"/api/v1/appointments/{first['id']}/cancel/", {}, format="json")
    second = book(as_applicant, notary, notary_service, "2026-01-06T10:00:00+08:00", case_id)
    assert second.status_code == 201
    assert as_applicant.get(f"/api/v1/notary/cases/{case_id}/").json()["appointment"] == second.json()["id"]
    assert act(as_applicant, case_id, "withdraw").json()["status"] == "withdrawn"
    assert Appointment.objects.get(pk=second.json()["id"]).status == "cancelled"


def test_only_the_booked_notary_starts_the_session(as_applicant, as_notary, office, notary, notary_service):
    from tests.notary.conftest import SESSION_AT, _notary

    colleague = client_for(_notary("notary.zhou@example.com", office, notary_service).user)
    with time_machine.travel(BOOKED_AT, tick=False):
        case_id = submitted_case(as_applicant, office)
        act(as_notary, case_id, "accept")
        book(as_applicant, notary, notary_service, SLOT, case_id)
    with time_machine.travel(SESSION_AT, tick=False):
        refused = act(colleague, case_id, "start_session", notary_location="Taiyuan")
        assert (refused.status_code, refused.json()["error"]["code"]) == (403, "forbidden")
        assert act(as_notary, case_id, "start_session", notary_location="Taiyuan").json()["status"] == "in_session"


@time_machine.travel(BOOKED_AT, tick=False)
def test_stated_locations_are_required_for_the_journal(as_applicant, office):
    case_id = submitted_case(as_applicant, office)
    for action, field in (("start_session", "notary_location"), ("consent", "signer_location")):
        response = act(as_applicant, case_id, action, **{field: "  "})
        assert (response.status_code, list(response.json()["error"]["fields"])) == (400, [field])
    assert Case.objects.get(pk=case_id).status == "submitted"


def test_a_host_site_without_a_case_is_refused(as_applicant, notary, notary_service):
    response = as_applicant.post(
        "/api/v1/appointments/",
        {"provider": notary.pk, "service": notary_service.pk, "start": "2030-01-07T01:00:00Z", "host_site": 999},
        format="json",
    )
    assert (response.status_code, response.json()["error"]["fields"]) == (400, {"host_site": ["Needs case."]})


def test_notarize_without_a_recording_is_409_and_writes_no_journal(as_applicant, as_notary, session):
    from notary.models import JournalEntry

    act(as_applicant, session, "consent", signer_location="New York, US")
    act(as_notary, session, "verify_identity", **IDENTITY_PASS)
    response = act(as_notary, session, "notarize")
    assert (response.status_code, response.json()["error"]["code"], response.json()["error"]["fields"]) == (
        409,
        "invalid_transition",
        {"recording": ["Missing."]},
    )
    assert JournalEntry.objects.count() == 0
    assert Case.objects.get(pk=session).status == "in_session"
