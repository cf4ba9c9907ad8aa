"""A client exports everything held about them, and deletes their account except what notarial retention keeps."""

from datetime import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from notary.documents import document_path
from notary.models import AuditEvent, Case, Document
from scheduling.models import Appointment, CalendarFeed, IdempotencyRecord
from tests.conftest import client_for
from tests.factories import PASSWORD, make_provider, make_service
from tests.notary.conftest import create_case, in_session_case, submitted_case, upload
from video.models import Participant

pytestmark = pytest.mark.django_db

LATER = "2026-01-07T00:00:00Z"  # the day after the notarization (2026-01-06T01:30Z)


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    return api


def book(api, provider, service, start, notes, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = api.post(
        "/api/v1/appointments/",
        {"provider": provider.pk, "service": service.pk, "start": start, "notes": notes},
        format="json",
        **headers,
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


@pytest.fixture
def world(notarized, applicant, as_applicant, office, stranger):
    """The applicant of a notarized case (id 1) also has a draft (2), a submitted case (3), a consultation
    on 8 January with a lawyer, a calendar feed and a browser session; a stranger has their own of each."""
    notarized_id, _ = notarized
    traveller = time_machine.travel(LATER, tick=False)
    traveller.start()
    consult = make_service(code="consult-30", duration_minutes=30)
    lawyer = make_provider(
        "lawyer.chen@example.com",
        zone="Europe/Berlin",
        services=[consult],
        weekly=[(d, time(9), time(17)) for d in range(1, 6)],
    )
    mine = book(token_client(applicant), lawyer, consult, "2026-01-08T10:00:00+01:00", "About my landlord", key="k1")
    theirs = book(token_client(stranger), lawyer, consult, "2026-01-08T11:00:00+01:00", "Stranger's notes")
    draft = create_case(as_applicant, office)
    assert upload(as_applicant, draft, "passport").status_code == 201
    submitted = submitted_case(as_applicant, office)
    stranger_case = create_case(client_for(stranger), office)
    for user in (applicant, stranger):
        assert token_client(user).get("/api/v1/me/feed/").status_code == 200
    browser = Client()
    browser.force_login(applicant)
    yield {
        "notarized": notarized_id,
        "draft": draft,
        "submitted": submitted,
        "consult": mine,
        "stranger_consult": theirs,
        "stranger_case": stranger_case,
        "lawyer": lawyer,
        "browser": browser,
    }
    traveller.stop()


def delete(api, password=PASSWORD):
    return api.post("/api/v1/me/delete/", {"password": password}, format="json")


# --- export ----------------------------------------------------------------------------------


def test_export_holds_everything_about_me_and_no_secret(world, applicant, stranger):
    response = token_client(applicant).get("/api/v1/me/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="lexmeet-data-{applicant.pk}.json"'
    body = response.json()
    assert list(body) == [
        "export_version",
        "exported_at",
        "profile",
        "appointments",
        "notices",
        "rooms",
        "attendance",
        "cases",
        "journal_entries",
        "audit_events",
        "calendar_feed",
        "api_token",
    ]
    assert body["exported_at"] == "2026-01-07T00:00:00Z"
    assert body["profile"] == {
        "id": applicant.pk,
        "email": "zhang.wei@example.com",
        "full_name": "Zhang Wei",
        "timezone": "America/New_York",
        "language": "en",
        "phone": "",
        "role": "client",
        "legal_aid_group": "none",
        "date_joined": applicant.date_joined.strftime("%Y-%m-%dT%H:%M:%SZ"),  # made before the clock was set
        "last_login": "2026-01-07T00:00:00Z",
    }
    notary_appointment = Case.objects.get(pk=world["notarized"]).appointment_id
    assert [(a["id"], a["service"], a["status"], a["start_utc"], a["notes"]) for a in body["appointments"]] == [
        (notary_appointment, "remote-notarization", "confirmed", "2026-01-06T01:00:00Z", ""),
        (world["consult"], "consult-30", "confirmed", "2026-01-08T09:00:00Z", "About my landlord"),
    ]
    assert body["appointments"][1]["provider"] == {"id": world["lawyer"].pk, "name": "lawyer.chen"}
    assert [(c["id"], c["status"], len(c["documents"])) for c in body["cases"]] == [
        (world["notarized"], "notarized", 4),
        (world["draft"], "draft", 1),
        (world["submitted"], "submitted", 4),
    ]
    notarized = body["cases"][0]
    passport = Document.objects.get(case_id=world["notarized"], kind="passport")
    assert notarized["documents"][1] == {
        "id": passport.pk,
        "kind": "passport",
        "version": 1,
        "filename": "passport.pdf",
        "content_type": "application/pdf",
        "size": 45,  # tests.notary.conftest.PDF
        "sha256": passport.sha256,
        "uploaded_at": "2026-01-05T00:00:00Z",
        "purged_at": None,
    }
    assert [(c["document_number_masked"], c["result"]) for c in notarized["identity_checks"]] == [("*****5678", "pass")]
    assert notarized["certificate"]["status"] == "valid"
    assert [(e["entry_number"], e["outcome"], e["signer_name"]) for e in body["journal_entries"]] == [
        (1, "notarized", "Zhang Wei")
    ]
    assert [r["role"] for r in body["rooms"]] == ["client", "client"]
    assert body["attendance"] == []
    assert {e["action"] for e in body["audit_events"]} >= {"notary.case.draft", "notary.consent.recording"}
    assert body["calendar_feed"] == {"created_at": "2026-01-07T00:00:00Z", "rotated_at": "2026-01-07T00:00:00Z"}
    assert body["api_token"] == {"created_at": Token.objects.get(user=applicant).created.strftime("%Y-%m-%dT%H:%M:%SZ")}
    text = response.content.decode()
    secrets = [Token.objects.get(user=applicant).key, CalendarFeed.objects.get(user=applicant).token, "E12345678"]
    assert [s for s in secrets if s in text] == []
    assert [s for s in ("stranger@example.com", "Stranger's notes") if s in text] == []


def test_export_needs_a_signed_in_user():
    response = Client().get("/api/v1/me/export/")
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


def test_preferences_page_links_the_export(applicant):
    browser = Client()
    browser.force_login(applicant)
    page = browser.get("/accounts/preferences/").content.decode()
    assert 'href="/api/v1/me/export/"' in page
    assert 'action="/accounts/delete/"' in page


# --- deletion --------------------------------------------------------------------------------


def test_delete_reports_exactly_what_was_erased_and_what_was_kept(world, applicant, django_capture_on_commit_callbacks):
    api = token_client(applicant)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(api)
    assert response.status_code == 200, response.json()
    body = response.json()
    notary_appointment = Case.objects.get(pk=world["notarized"]).appointment_id
    submitted_appointment = None  # the submitted case was never booked
    assert submitted_appointment is None
    assert body["status"] == "deleted"
    assert body["user"] == applicant.pk
    assert body["deleted"] == {
        "draft_cases": [world["draft"]],
        "draft_documents": 1,
        "cases_withdrawn": [world["submitted"]],
        "appointments_cancelled": [world["consult"]],
        "appointment_notes_erased": 1,
        "idempotency_records": 1,
        "attendance_events": 1,  # the room's end, logged as the deleted client cancelled the consultation
        "room_participations": 1,
        "api_tokens": 1,
        "calendar_feeds": 1,
        "sessions": 1,
        "login_records": 1,  # django-axes logged the password confirmation itself
        "profile": "anonymised",
    }
    certificate = Case.objects.get(pk=world["notarized"]).certificate.number
    audit_count = AuditEvent.objects.filter(actor_id=applicant.pk).count()
    assert body["kept"] == [
        {
            "what": "notary_case",
            "case": world["notarized"],
            "status": "notarized",
            "items": {"documents": 4, "recording_chunks": 1, "identity_checks": 1, "room_attendance_events": 0},
            "rule": "cn-overseas: a notarization case file is kept 20 years after the case ends (notary/retention.py)",
            "until": "2046-01-06T01:30:00Z",
            "legal_hold": False,
        },
        {
            "what": "journal_entries",
            "case": world["notarized"],
            "count": 1,
            "rule": "The notarial journal is permanent and append-only (RULONA §19; database triggers refuse deletion)",
            "until": None,
        },
        {
            "what": "certificate",
            "case": world["notarized"],
            "number": certificate,
            "rule": "A certificate stays verifiable by anyone who holds it (/verify/, the signer's initials only)",
            "until": None,
        },
        {
            "what": "notary_case",
            "case": world["submitted"],
            "status": "withdrawn",
            "items": {"documents": 4, "recording_chunks": 0, "identity_checks": 0, "room_attendance_events": 0},
            "rule": "cn-overseas: a notarization case file is kept 20 years after the case ends (notary/retention.py)",
            "until": "2046-01-07T00:00:00Z",
            "legal_hold": False,
        },
        {
            "what": "appointments",
            "count": 2,
            "rule": "Times, status and service stay on the provider's calendar, without notes, "
            "linked to the anonymised account",
            "until": None,
        },
        {
            "what": "audit_events",
            "count": audit_count,
            "rule": "The audit log is append-only and hash-chained (notary/audit.py); its rows hold ids and actions, "
            "not names",
            "until": None,
        },
    ]
    assert audit_count == 17
    assert Appointment.objects.get(pk=notary_appointment).status == "confirmed"


def test_the_account_is_anonymised_and_every_credential_revoked(world, applicant, django_capture_on_commit_callbacks):
    key = Token.objects.get(user=applicant).key
    feed = CalendarFeed.objects.get(user=applicant).token
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(token_client(applicant)).status_code == 200
    user = User.objects.get(pk=applicant.pk)
    assert (
        user.email,
        user.full_name,
        user.phone,
        user.legal_aid_group,
        user.is_active,
        user.has_usable_password(),
    ) == (
        f"deleted-{applicant.pk}@deleted.invalid",
        "Deleted user",
        "",
        "none",
        False,
        False,
    )
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert stale.get("/api/v1/me/export/").status_code == 401
    assert world["browser"].get("/api/v1/me/export/").status_code == 401  # the session is gone
    assert Client().get(f"/calendar/{feed}.ics").status_code == 404
    login = Client().post(
        "/api/v1/auth/token/", {"email": "zhang.wei@example.com", "password": PASSWORD}, content_type="application/json"
    )
    assert (login.status_code, login.json()["error"]["code"]) == (400, "invalid_credentials")
    assert Session.objects.count() == 0
    assert IdempotencyRecord.objects.filter(user=applicant).count() == 0
    assert list(Appointment.objects.filter(client=applicant).values_list("notes", flat=True)) == ["", ""]


def test_the_provider_is_told_of_the_cancellation_and_nobody_writes_to_the_deleted_address(
    world, applicant, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(token_client(applicant)).status_code == 200
    consult = Appointment.objects.get(pk=world["consult"])
    assert (consult.status, consult.cancel_reason, consult.sequence) == (
        "cancelled",
        "The client deleted their account.",
        1,
    )
    assert [(m.to, "METHOD:CANCEL" in m.alternatives[0][0]) for m in mail.outbox] == [
        (["lawyer.chen@example.com"], True)
    ]


def test_files_of_deleted_drafts_go_and_kept_case_files_stay(world, applicant, django_capture_on_commit_callbacks):
    draft_file = document_path(Document.objects.get(case_id=world["draft"]))
    kept_files = [
        document_path(d) for d in Document.objects.filter(case_id__in=[world["notarized"], world["submitted"]])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(token_client(applicant)).status_code == 200
    assert not draft_file.exists()
    assert Case.objects.filter(pk=world["draft"]).count() == 0
    assert [p.exists() for p in kept_files] == [True] * 8
    assert Participant.objects.filter(user=applicant).count() == 1  # in the notarial session only


def test_another_users_data_is_untouched(world, applicant, stranger, django_capture_on_commit_callbacks):
    before = token_client(stranger).get("/api/v1/me/export/").json()
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(token_client(applicant)).status_code == 200
    after = token_client(stranger).get("/api/v1/me/export/").json()
    assert after == before
    assert Appointment.objects.get(pk=world["stranger_consult"]).notes == "Stranger's notes"
    assert Case.objects.get(pk=world["stranger_case"]).status == "draft"
    assert User.objects.get(pk=stranger.pk).is_active is True


def test_the_audit_chain_still_verifies(world, applicant, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert delete(token_client(applicant)).status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.action, event.actor_id, event.target) == ("accounts.user.deleted", None, f"user:{applicant.pk}")
    assert event.data == {
        "draft_cases": [world["draft"]],
        "cases_withdrawn": [world["submitted"]],
        "cases_kept": [world["notarized"], world["submitted"]],
        "appointments_cancelled": [world["consult"]],
    }
    call_command("audit_verify")
    assert capsys.readouterr().out.startswith("intact: ")


def test_a_wrong_password_deletes_nothing(world, applicant):
    response = delete(token_client(applicant), password="not-my-password")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_credentials")
    assert User.objects.get(pk=applicant.pk).email == "zhang.wei@example.com"
    assert Case.objects.filter(pk=world["draft"]).count() == 1


def test_only_a_signed_in_client_deletes_only_themself(world, applicant):
    anonymous = Client().post("/api/v1/me/delete/", {"password": PASSWORD}, content_type="application/json")
    assert anonymous.status_code == 401
    lawyer = delete(token_client(world["lawyer"].user))
    assert (lawyer.status_code, lawyer.json()["error"]["code"]) == (403, "deletion_not_self_service")
    assert User.objects.filter(is_active=False).count() == 0


def test_a_session_under_way_blocks_deletion(as_applicant, as_notary, office, notary, notary_service, applicant):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    try:
        response = delete(token_client(applicant))
    finally:
        traveller.stop()
    assert (response.status_code, response.json()["error"]) == (
        409,
        {
            "code": "case_in_session",
            "message": "A notarization session is under way; delete the account once it has ended.",
            "fields": {"cases": [case_id]},
        },
    )
    assert User.objects.get(pk=applicant.pk).is_active is True


def test_a_legal_hold_keeps_the_case_without_an_end_date(world, applicant):
    Case.objects.filter(pk=world["notarized"]).update(legal_hold=True)
    body = delete(token_client(applicant)).json()
    held = body["kept"][0]
    assert (held["case"], held["until"], held["legal_hold"]) == (world["notarized"], None, True)
    assert held["rule"].endswith("; under a legal hold nothing is purged until the hold is lifted")


def test_the_page_deletes_signs_out_and_lists_what_was_kept(world, applicant, django_capture_on_commit_callbacks):
    browser = world["browser"]
    wrong = browser.post("/accounts/delete/", {"password": "not-it"})
    assert wrong.status_code == 400
    assert "Email or password is wrong." in wrong.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        page = browser.post("/accounts/delete/", {"password": PASSWORD})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your account is deleted" in html
    assert 'Until <time datetime="2046-01-06T01:30:00Z">' in html
    assert browser.get("/accounts/preferences/").status_code == 302  # signed out
    assert User.objects.get(pk=applicant.pk).is_active is False


def test_the_data_section_of_preferences_is_in_chinese_too(applicant):
    applicant.language = "zh-hans"
    applicant.save(update_fields=["language"])
    browser = Client()
    browser.force_login(applicant)
    page = browser.get("/accounts/preferences/").content.decode()
    assert [text in page for text in ("您的数据", "下载我们保存的关于您的全部数据（JSON）", "删除我的账户")] == [
        True
    ] * 3
