"""Fault: the mail server refuses every message (5xx) when a booking is made.

Real processes: a Daphne process whose ``EMAIL_BACKEND`` is Django's SMTP backend pointed at a
local SMTP server of this test that answers ``554`` to ``MAIL FROM``. The booking answers 201
and is kept; both booking emails are recorded ``failed``; once the server accepts,
``manage.py send_reminders`` (cron) re-sends them. Lost: nothing.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from email import message_from_bytes, policy

import httpx

from tests.faults.conftest import START_TIMEOUT
from tests.faults.services import SmtpServer
from tests.video.live import Daphne, live_env, manage


def notices(db_path, appointment_id: int) -> list[tuple]:
    """The appointment's email notices as stored: ``[(kind, recipient, status, attempts)]``, sorted."""
    with closing(sqlite3.connect(db_path)) as db:
        rows = db.execute(
            "SELECT kind, recipient, status, attempts FROM scheduling_appointmentnotice WHERE appointment_id = ?",
            (appointment_id,),
        ).fetchall()
    return sorted(rows)


def test_mail_server_refusing_keeps_the_booking_and_the_email_is_sent_when_it_accepts(
    faults_sqlite, tmp_path, record_property
):
    db_path, seeds = faults_sqlite
    seeded = seeds["mail"]
    with SmtpServer() as smtp:
        env = {
            **live_env(db_path, redis=False),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp.port),
            "EMAIL_TIMEOUT": "5",
        }
        server = Daphne(env, tmp_path / "daphne.log", start_timeout=START_TIMEOUT)
        try:
            auth = {"Authorization": f"Token {seeded['tokens'][0]}"}
            booked = httpx.post(
                f"http://127.0.0.1:{server.port}/api/v1/appointments/",
                json={"provider": seeded["provider"], "service": seeded["service"], "start": seeded["slots"][0]},
                headers=auth,
                timeout=30,
            )
            assert booked.status_code == 201, booked.text
            appointment_id = booked.json()["id"]
            refused = smtp.refused
            while_refusing = notices(db_path, appointment_id)

            smtp.accept = True
            retry_out = manage(env, "send_reminders")
            after = notices(db_path, appointment_id)
            stored = httpx.get(
                f"http://127.0.0.1:{server.port}/api/v1/appointments/{appointment_id}/", headers=auth, timeout=30
            )
        finally:
            server.stop()

    assert refused == 2  # the client's and the provider's booking email, each refused once
    assert while_refusing == [("booked", "client", "failed", 1), ("booked", "provider", "failed", 1)]
    assert retry_out.strip() == "reminders sent: 0, failed emails re-sent: 2"
    assert after == [("booked", "client", "sent", 2), ("booked", "provider", "sent", 2)]
    subjects = sorted(message_from_bytes(raw, policy=policy.default)["Subject"] for raw in smtp.messages)
    assert len(subjects) == 2 and all(s.startswith("Appointment confirmed: ") for s in subjects), subjects
    assert (stored.status_code, stored.json()["status"]) == (200, "confirmed")
    record_property("smtp_refusals", refused)
    record_property("emails_resent_by_send_reminders", 2)
    record_property("lost", 0)
