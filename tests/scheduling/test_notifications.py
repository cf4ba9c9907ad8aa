"""Appointment emails (case I6), reminders (case S11) and a failing mail server."""

import smtplib
import threading
from datetime import UTC, datetime, time, timedelta
from email import message_from_bytes, policy

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from scheduling import notifications
from scheduling.models import Appointment, AppointmentNotice
from tests.conftest import client_for
from tests.factories import make_provider, make_service, make_user
from tests.scheduling.ical_check import assert_wire_format, libical_parse, unfold, vobject_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests are about calendars: a cheap hasher instead of Argon2 for the accounts they create."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def book(api, provider, service, start, **extra):
    response = api.post(
        "/api/v1/appointments/",
        {"provider": provider.pk, "service": service.pk, "start": start, **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def parts(message):
    """The parsed email: (root, text/plain part, text/calendar alternative, invite.ics attachment)."""
    parsed = message_from_bytes(message.message().as_bytes(linesep="\r\n"), policy=policy.default)  # as SMTP sends it
    assert parsed.get_content_type() == "multipart/mixed"
    alternative, attachment = parsed.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    text, calendar = alternative.get_payload()
    return parsed, text, calendar, attachment


def ics_lines(ics: bytes, name: str) -> list[str]:
    return [line for line in unfold(ics) if line.split(":", 1)[0].split(";", 1)[0] == name]


@pytest.fixture
def chinese_client(db):
    return make_user("wang@example.com", timezone="America/Los_Angeles", language="zh-hans", full_name="王小明")


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_i6_booking_emails_each_participant_with_an_imip_part_and_the_file(
    chinese_client, berlin_lawyer, consultation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(client_for(chinese_client), berlin_lawyer, consultation, "2024-09-02T08:00:00Z", language="zh-hans")
    assert [m.to for m in mail.outbox] == [["wang@example.com"], ["lawyer.berlin@example.com"]]
    to_client, to_provider = mail.outbox

    assert (
        to_client.subject
        == "预约已确认：consult-30：lawyer.berlin（律师），2024年9月2日 周一 01:00-01:30（America/Los_Angeles，UTC-07:00）"
    )
    root, text, calendar, attachment = parts(to_client)
    assert b"\r\nContent-Type: text/calendar; method=REQUEST; charset=utf-8\r\n" in to_client.message().as_bytes(
        linesep="\r\n"
    )
    assert root["Reply-To"] == "no-reply@lexmeet.local"  # the office has no mailbox: DEFAULT_FROM_EMAIL
    assert (calendar.get_content_type(), calendar.get_param("method"), calendar.get_content_charset()) == (
        "text/calendar",
        "REQUEST",
        "utf-8",
    )
    assert text.get_content_type() == "text/plain"
    body = text.get_content().replace("\r\n", "\n")
    assert body.startswith("您的预约已成功。\n\n服务：consult-30\n")
    assert "时间：2024年9月2日 周一 01:00-01:30（America/Los_Angeles，UTC-07:00）" in body
    assert "lawyer.berlin当地时间：2024年9月2日 周一 10:00-10:30（Europe/Berlin，UTC+02:00）" in body
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "application/ics"
    file_bytes = attachment.get_payload(decode=True)
    assert calendar.get_payload(decode=True) == file_bytes
    assert_wire_format(file_bytes)
    assert ics_lines(file_bytes, "METHOD") == ["METHOD:REQUEST"]  # equal to the part's method
    assert ics_lines(file_bytes, "DTSTART") == ["DTSTART:20240902T080000Z"]
    vobject_calendar(file_bytes)
    libical_parse([file_bytes])

    assert to_provider.subject == (
        "Appointment confirmed: consult-30 with 王小明, Mon 2 Sep 2024, 10:00-10:30 (Europe/Berlin, UTC+02:00)"
    )
    _, provider_text, provider_calendar, _ = parts(to_provider)
    assert (
        provider_text.get_content()
        .replace("\r\n", "\n")
        .startswith("Your appointment is booked.\n\nService: consult-30\nWith: 王小明\n")
    )
    assert provider_calendar.get_param("method") == "REQUEST"
    assert set(AppointmentNotice.objects.values_list("kind", "sequence", "recipient", "status")) == {
        ("booked", 0, "client", "sent"),
        ("booked", 0, "provider", "sent"),
    }


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_i6_reschedule_and_cancel_emails_carry_request_then_cancel(
    client_user, berlin_lawyer, consultation, django_capture_on_commit_callbacks
):
    api = client_for(client_user)
    with django_capture_on_commit_callbacks(execute=True):
        body = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/appointments/{body['id']}/reschedule/", {"start": "2024-09-02T09:00:00Z"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/appointments/{body['id']}/cancel/", {}, format="json")
    subjects = [m.subject.split(":")[0] for m in mail.outbox if m.to == ["client@example.com"]]
    assert subjects == ["Appointment confirmed", "Appointment moved", "Appointment cancelled"]
    booked, moved, cancelled = [m for m in mail.outbox if m.to == ["client@example.com"]]
    files = []
    for message, method, sequence in ((booked, "REQUEST", 0), (moved, "REQUEST", 1), (cancelled, "CANCEL", 2)):
        _, _, calendar, attachment = parts(message)
        ics = attachment.get_payload(decode=True)
        assert calendar.get_param("method") == method
        assert ics_lines(ics, "METHOD") == [f"METHOD:{method}"]
        assert ics_lines(ics, "SEQUENCE") == [f"SEQUENCE:{sequence}"]
        files.append(ics)
    assert len({tuple(ics_lines(ics, "UID")) for ics in files}) == 1
    assert ics_lines(files[1], "DTSTART") == ["DTSTART:20240902T090000Z"]
    assert ics_lines(files[2], "STATUS") == ["STATUS:CANCELLED"]
    assert [p["method"] for p in libical_parse(files)] == ["REQUEST", "REQUEST", "CANCEL"]


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_crlf_in_names_cannot_inject_headers(berlin_lawyer, consultation, django_capture_on_commit_callbacks):
    eve = make_user("eve@example.com", full_name="Eve\r\nBcc: victim@example.com\r\n\r\nbody", timezone="UTC")
    notes = "x\r\nBcc: victim@example.com ;,\\ \x07\x1b" * 100
    with django_capture_on_commit_callbacks(execute=True):
        book(client_for(eve), berlin_lawyer, consultation, "2024-09-02T08:00:00Z", notes=notes[:2000])
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        raw = message.message().as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed["Bcc"] is None
        assert message.recipients() == message.to
        assert "\n" not in message.subject and "\r" not in message.subject
        assert_wire_format(parts(message)[3].get_payload(decode=True))
    assert mail.outbox[1].subject.startswith("Appointment confirmed: consult-30 with Eve Bcc: victim@example.com body,")


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_a_failing_mail_server_never_loses_the_booking_and_the_reminder_run_retries(
    client_user, berlin_lawyer, consultation, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(client_user).post(
            "/api/v1/appointments/",
            {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2024-09-02T08:00:00Z"},
            format="json",
        )
    assert response.status_code == 201
    assert Appointment.objects.filter(pk=response.json()["id"], status="confirmed").exists()
    assert list(AppointmentNotice.objects.values_list("status", "attempts")) == [("failed", 1), ("failed", 1)]
    assert "booked email to client failed (attempt 1)" in caplog.text
    assert mail.outbox == []

    call_command("send_reminders")  # the server is still down: nothing lost, one more attempt recorded
    assert list(AppointmentNotice.objects.values_list("status", "attempts")) == [("failed", 2), ("failed", 2)]

    monkeypatch.undo()
    call_command("send_reminders")
    assert sorted(m.to[0] for m in mail.outbox) == ["client@example.com", "lawyer.berlin@example.com"]
    assert set(AppointmentNotice.objects.values_list("status", flat=True)) == {"sent"}
    call_command("send_reminders")
    assert len(mail.outbox) == 2


# --- reminders ------------------------------------------------------------------------------------


@pytest.fixture
def ny_appointment(client_user):
    """S11: Sun 2024-03-10 10:00 America/New_York (14:00Z), the morning DST starts; booked on 03-01."""
    service = make_service(code="ny60", duration_minutes=60)
    provider = make_provider(
        "ny@example.com", zone="America/New_York", services=[service], weekly=[(7, time(9), time(17))]
    )
    with time_machine.travel("2024-03-01T12:00Z", tick=False):
        body = book(client_for(client_user), provider, service, "2024-03-10T10:00:00-04:00")
    mail.outbox.clear()
    return Appointment.objects.get(pk=body["id"])


def test_s11_reminder_24h_is_due_24_real_hours_before(ny_appointment):
    assert ny_appointment.start == datetime(2024, 3, 10, 14, 0, tzinfo=UTC)
    assert notifications.reminder_due_at(start=ny_appointment.start, lead=timedelta(hours=24)) == datetime(
        2024, 3, 9, 14, 0, tzinfo=UTC
    )
    with time_machine.travel("2024-03-09T13:59Z", tick=False):
        call_command("send_reminders")
    assert mail.outbox == []
    with time_machine.travel("2024-03-09T14:00Z", tick=False):
        call_command("send_reminders")
        call_command("send_reminders")  # every minute from cron: still once
    assert sorted(m.to[0] for m in mail.outbox) == ["client@example.com", "ny@example.com"]
    client_mail = next(m for m in mail.outbox if m.to == ["client@example.com"])
    assert client_mail.subject == (
        "Reminder, in 24 hours: ny60 with ny (lawyer), Sun 10 Mar 2024, 10:00-11:00 (America/New_York, UTC-04:00)"
    )
    with time_machine.travel("2024-03-10T12:59Z", tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 2
    with time_machine.travel("2024-03-10T13:00Z", tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 4
    assert mail.outbox[-1].subject.startswith("Reminder, in 1 hour: ")
    with time_machine.travel("2024-03-10T13:59Z", tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 4
    assert sorted(AppointmentNotice.objects.values_list("kind", "recipient")) == [
        ("reminder_1h", "client"),
        ("reminder_1h", "provider"),
        ("reminder_24h", "client"),
        ("reminder_24h", "provider"),
    ]


def test_reminders_skip_cancelled_and_late_runs_send_only_the_nearest(ny_appointment, client_user):
    with time_machine.travel("2024-03-10T13:30Z", tick=False):  # cron was down: only the 1 h reminder
        call_command("send_reminders")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder, in 1 hour"] * 2
    mail.outbox.clear()
    with time_machine.travel("2024-03-09T00:00Z", tick=False):
        other = Appointment.objects.get(pk=ny_appointment.pk)
        other.status = "cancelled"
        other.save(update_fields=["status"])
    with time_machine.travel("2024-03-09T14:00Z", tick=False):
        assert notifications.reminders_send() == {"reminders": 0, "retried": 0}


def test_reschedule_gets_reminders_for_the_new_time(ny_appointment, client_user, django_capture_on_commit_callbacks):
    with time_machine.travel("2024-03-09T14:00Z", tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 2
    with time_machine.travel("2024-03-09T15:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        client_for(client_user).post(
            f"/api/v1/appointments/{ny_appointment.pk}/reschedule/", {"start": "2024-03-10T15:00:00Z"}, format="json"
        )
    assert [m.subject.split(":")[0] for m in mail.outbox[2:]] == ["Appointment moved"] * 2
    del mail.outbox[2:]
    with time_machine.travel("2024-03-09T15:00Z", tick=False):
        # Moved at the very minute its new 24 h reminder falls due: the reschedule email said it all.
        call_command("send_reminders")
    assert len(mail.outbox) == 2
    with time_machine.travel("2024-03-10T14:00Z", tick=False):
        call_command("send_reminders")
    assert len(mail.outbox) == 4
    assert set(AppointmentNotice.objects.filter(kind="reminder_1h").values_list("sequence", flat=True)) == {1}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_overlapping_reminder_runs_send_each_reminder_once(client_user):
    service = make_service(code="ny60", duration_minutes=60)
    provider = make_provider(
        "ny@example.com", zone="America/New_York", services=[service], weekly=[(7, time(9), time(17))]
    )
    with time_machine.travel("2024-03-01T12:00Z", tick=False):
        book(client_for(client_user), provider, service, "2024-03-10T10:00:00-04:00")
    mail.outbox.clear()
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(6)
    errors = []

    def run():
        try:
            barrier.wait()
            notifications.reminders_send(now=datetime(2024, 3, 9, 14, 0, tzinfo=UTC))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(m.to[0] for m in mail.outbox) == ["client@example.com", "ny@example.com"]
    assert AppointmentNotice.objects.filter(kind="reminder_24h").count() == 2


def test_a_failed_24h_reminder_is_not_resent_once_the_1h_one_is_due(ny_appointment, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    with time_machine.travel("2024-03-09T14:00Z", tick=False):
        call_command("send_reminders")
    assert set(AppointmentNotice.objects.values_list("kind", "status")) == {("reminder_24h", "failed")}
    monkeypatch.undo()
    with time_machine.travel("2024-03-09T14:05Z", tick=False):
        call_command("send_reminders")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder, in 24 hours"] * 2
    mail.outbox.clear()
    AppointmentNotice.objects.update(status="failed")  # pretend they failed again
    with time_machine.travel("2024-03-10T13:10Z", tick=False):
        call_command("send_reminders")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Reminder, in 1 hour"] * 2


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_a_replayed_booking_sends_no_second_email(
    client_user, berlin_lawyer, consultation, django_capture_on_commit_callbacks
):
    api = client_for(client_user)
    payload = {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2024-09-02T08:00:00Z"}
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/v1/appointments/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert response.status_code == 201
    assert len(mail.outbox) == 2


def test_send_reminders_command_reports_counts(ny_appointment):
    from io import StringIO

    out = StringIO()
    with time_machine.travel("2024-03-09T14:00Z", tick=False):
        call_command("send_reminders", stdout=out)
    assert out.getvalue() == "reminders sent: 2, failed emails re-sent: 0\n"


def test_booked_inside_the_24h_window_gets_only_the_1h_reminder(client_user, django_capture_on_commit_callbacks):
    service = make_service(code="ny60", duration_minutes=60)
    provider = make_provider(
        "ny@example.com", zone="America/New_York", services=[service], weekly=[(7, time(9), time(17))]
    )
    with time_machine.travel("2024-03-09T20:00Z", tick=False), django_capture_on_commit_callbacks(execute=True):
        book(client_for(client_user), provider, service, "2024-03-10T10:00:00-04:00")
    assert [m.subject.split(":")[0] for m in mail.outbox] == ["Appointment confirmed"] * 2
    with time_machine.travel("2024-03-09T20:01Z", tick=False):
        assert notifications.reminders_send() == {"reminders": 0, "retried": 0}
    with time_machine.travel("2024-03-10T13:00Z", tick=False):
        assert notifications.reminders_send() == {"reminders": 2, "retried": 0}
    assert [m.subject.split(":")[0] for m in mail.outbox[2:]] == ["Reminder, in 1 hour"] * 2
