"""Appointment emails: booked, rescheduled, cancelled and the 24 h / 1 h reminders.

Each email goes to one participant in their language and zone, as
``multipart/mixed`` [``multipart/alternative`` [text/plain, ``text/calendar;
method=...; charset=utf-8``], ``invite.ics``] (iMIP, RFC 6047 §2.4), so calendar
clients offer to add or update the event and everyone else gets the file.

Delivery is at most once per (appointment, kind, sequence, recipient): an
:class:`~scheduling.models.AppointmentNotice` row is claimed in the database
before the mail server is contacted. Sending happens after commit (the
services call :func:`notices_after_commit`); a failing mail server is logged,
the row is marked ``failed`` and ``manage.py send_reminders`` retries it, so
it never rolls back or loses a booking.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from . import invites
from .models import Appointment, AppointmentNotice, AppointmentStatus, NoticeKind, NoticeStatus

logger = logging.getLogger(__name__)

REMINDERS = (  # (kind, elapsed time before the start); the shorter one wins when both are due
    (NoticeKind.REMINDER_1H, timedelta(hours=1)),
    (NoticeKind.REMINDER_24H, timedelta(hours=24)),
)
REMINDER_KINDS = {kind for kind, _ in REMINDERS}
MAX_ATTEMPTS = 8
STALE_CLAIM = timedelta(minutes=15)  # a "sending" row older than this lost its sender (crash): retry it
ROLES = (invites.CLIENT, invites.PROVIDER)

SUBJECTS = {
    "en": {
        NoticeKind.BOOKED: "Appointment confirmed: {summary}, {when}",
        NoticeKind.RESCHEDULED: "Appointment moved: {summary}, now {when}",
        NoticeKind.CANCELLED: "Appointment cancelled: {summary}, {when}",
        NoticeKind.REMINDER_24H: "Reminder, in 24 hours: {summary}, {when}",
        NoticeKind.REMINDER_1H: "Reminder, in 1 hour: {summary}, {when}",
    },
    "zh-hans": {
        NoticeKind.BOOKED: "预约已确认：{summary}，{when}",
        NoticeKind.RESCHEDULED: "预约已改期：{summary}，新时间 {when}",
        NoticeKind.CANCELLED: "预约已取消：{summary}，{when}",
        NoticeKind.REMINDER_24H: "提醒（24小时后）：{summary}，{when}",
        NoticeKind.REMINDER_1H: "提醒（1小时后）：{summary}，{when}",
    },
}
INTROS = {
    "en": {
        NoticeKind.BOOKED: "Your appointment is booked.",
        NoticeKind.RESCHEDULED: "Your appointment has moved to a new time.",
        NoticeKind.CANCELLED: "Your appointment has been cancelled.",
        NoticeKind.REMINDER_24H: "Your appointment starts in 24 hours.",
        NoticeKind.REMINDER_1H: "Your appointment starts in 1 hour.",
    },
    "zh-hans": {
        NoticeKind.BOOKED: "您的预约已成功。",
        NoticeKind.RESCHEDULED: "您的预约已改到新的时间。",
        NoticeKind.CANCELLED: "您的预约已取消。",
        NoticeKind.REMINDER_24H: "您的预约将在24小时后开始。",
        NoticeKind.REMINDER_1H: "您的预约将在1小时后开始。",
    },
}
FOOTERS = {
    "en": "The calendar invitation is attached (invite.ics); times in it are in UTC and your calendar shows them in your zone.",
    "zh-hans": "日历邀请见附件（invite.ics）；其中时间为UTC，您的日历会按您的时区显示。",
}


class InviteEmail(EmailMultiAlternatives):
    """An email whose ``text/calendar`` alternative carries the iTIP ``method`` parameter (RFC 6047 §2.4)."""

    def __init__(self, *args, ics_method: str, **kwargs):
        self.ics_method = ics_method
        super().__init__(*args, **kwargs)

    def _create_mime_attachment(self, content, mimetype):
        part = super()._create_mime_attachment(content, mimetype)
        if mimetype == "text/calendar":
            # Written out whole, unquoted, the way Outlook and Gmail send it.
            part.replace_header("Content-Type", f"text/calendar; method={self.ics_method}; charset=utf-8")
        return part


def recipients(appointment: Appointment) -> list[str]:
    """The roles to email about ``appointment``: both, less an inactive account (a deleted client has no address)."""
    users = {invites.CLIENT: appointment.client, invites.PROVIDER: appointment.provider.user}
    return [role for role in ROLES if users[role].is_active]


def _load(appointment_id: int) -> Appointment | None:
    return (
        Appointment.objects.select_related("provider__user", "provider__organization", "service", "client")
        .filter(pk=appointment_id)
        .first()
    )


def _data(appointment: Appointment) -> invites.InviteData:
    return invites.invite_data(appointment, site_url=settings.SITE_URL, default_from=settings.DEFAULT_FROM_EMAIL)


def message_build(*, appointment: Appointment, kind: str, role: str, now: datetime) -> InviteEmail:
    """The email about ``appointment`` for the participant ``role``, in their language and zone.

    Subject and body are built from names and notes that users typed: every
    header value goes through :func:`invites.clean_header` (one line, no control
    characters), so a CRLF in a name cannot inject a header.
    """
    data = _data(appointment)
    me = data.client if role == invites.CLIENT else data.provider
    language = invites.language_of(me.language)
    summary, description = invites.event_texts(data, role)
    if data.cancelled:
        summary = summary.removeprefix(invites.TEXTS[language]["cancelled"])
    when = invites.format_span(data.start, data.end, me.zone, language)
    subject = invites.clean_header(SUBJECTS[language][kind].format(summary=summary, when=when))[:250]
    body = f"{INTROS[language][kind]}\n\n{description}\n\n{FOOTERS[language]}\n"
    ics = invites.invite_build(data=data, role=role, now=now)
    method = "CANCEL" if data.cancelled else "REQUEST"
    message = InviteEmail(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[me.email],
        reply_to=[data.organizer_email],
        ics_method=method,
    )
    message.attach_alternative(ics.decode(), "text/calendar")
    message.attach("invite.ics", ics, "application/ics")
    return message


def _claim(*, appointment: Appointment, kind: str, role: str, now: datetime) -> AppointmentNotice | None:
    """Insert the notice row for the appointment's current sequence; ``None`` if someone already has it."""
    try:
        with transaction.atomic():
            return AppointmentNotice.objects.create(
                appointment=appointment,
                kind=kind,
                sequence=appointment.sequence,
                recipient=role,
                status=NoticeStatus.SENDING,
                claimed_at=now,
            )
    except IntegrityError:
        return None


def _deliver(notice: AppointmentNotice, appointment: Appointment, now: datetime) -> bool:
    """Send one claimed notice; record ``sent`` or ``failed`` (never raises)."""
    notice.attempts += 1
    try:
        message_build(appointment=appointment, kind=notice.kind, role=notice.recipient, now=now).send()
    except Exception as exc:  # noqa: BLE001 - any mail failure is logged and retried, never fatal
        logger.warning(
            "appointment %s: %s email to %s failed (attempt %s): %r",
            appointment.pk,
            notice.kind,
            notice.recipient,
            notice.attempts,
            exc,
        )
        notice.status, notice.last_error = NoticeStatus.FAILED, repr(exc)[:500]
        notice.save(update_fields=["status", "last_error", "attempts"])
        return False
    notice.status, notice.sent_at, notice.last_error = NoticeStatus.SENT, dj_timezone.now(), ""
    notice.save(update_fields=["status", "sent_at", "last_error", "attempts"])
    return True


def notices_send(*, appointment_id: int, kind: str, now: datetime | None = None) -> int:
    """Email both participants about the appointment's current version; returns how many were sent.

    A (kind, sequence, recipient) already claimed is skipped, so a second call
    sends nothing. Never raises: failures are logged and left for
    :func:`notices_retry`.
    """
    now = now or dj_timezone.now()
    try:
        appointment = _load(appointment_id)
        if appointment is None:
            return 0
        sent = 0
        for role in recipients(appointment):
            notice = _claim(appointment=appointment, kind=kind, role=role, now=now)
            if notice is not None:
                sent += _deliver(notice, appointment, now)
        return sent
    except Exception:  # noqa: BLE001 - runs after commit: the write it follows must stand
        logger.exception("appointment %s: %s notices failed", appointment_id, kind)
        return 0


def notices_after_commit(*, appointment: Appointment, kind: str) -> None:
    """Schedule :func:`notices_send` for after the current transaction commits (nothing if it rolls back)."""
    appointment_id = appointment.pk
    transaction.on_commit(lambda: notices_send(appointment_id=appointment_id, kind=kind), robust=True)


def reminder_due_at(*, start: datetime, lead: timedelta) -> datetime:
    """When a reminder ``lead`` before ``start`` is due: elapsed time, so 24 h before 2024-03-10T14:00Z
    (10:00 New York, the morning DST starts) is 2024-03-09T14:00Z, not 15:00Z (case S11; DESIGN.md Time)."""
    return start - lead


def reminders_due(*, appointment: Appointment, now: datetime, announced_at: datetime | None = None) -> list[str]:
    """The reminder kinds to send now: the shortest lead that is due (a late run sends only the nearest).

    ``announced_at``: when the booking or reschedule email of the appointment's
    current SEQUENCE was claimed, if any. A version announced after its
    reminder fell due gets no such reminder (that email just told the time).
    """
    if appointment.status != AppointmentStatus.CONFIRMED or appointment.start <= now:
        return []
    for kind, lead in REMINDERS:
        due = reminder_due_at(start=appointment.start, lead=lead)
        if due <= now:
            return [] if announced_at is not None and announced_at >= due else [kind]
    return []


def announced_at(*, appointment_ids: list[int]) -> dict[tuple[int, int], datetime]:
    """{(appointment id, sequence): when its booking/reschedule email was first claimed}."""
    found: dict[tuple[int, int], datetime] = {}
    rows = AppointmentNotice.objects.filter(
        appointment_id__in=appointment_ids, kind__in=[NoticeKind.BOOKED, NoticeKind.RESCHEDULED]
    ).values_list("appointment_id", "sequence", "claimed_at")
    for appointment_id, sequence, claimed_at in rows:
        key = (appointment_id, sequence)
        found[key] = min(claimed_at, found.get(key, claimed_at))
    return found


def notices_retry(*, now: datetime) -> int:
    """Re-send failed (and stale-claimed) notices that still describe the appointment's current version."""
    sent = 0
    candidates = (
        AppointmentNotice.objects.filter(attempts__lt=MAX_ATTEMPTS)
        .filter(Q(status=NoticeStatus.FAILED) | Q(status=NoticeStatus.SENDING, claimed_at__lt=now - STALE_CLAIM))
        .filter(appointment__start__gt=now)
        .order_by("claimed_at")[:500]
    )
    for notice in list(candidates):
        appointment = _load(notice.appointment_id)
        if appointment is None or appointment.sequence != notice.sequence:
            continue  # a newer version (reschedule, cancellation) has its own email
        if notice.kind != NoticeKind.CANCELLED and appointment.status != AppointmentStatus.CONFIRMED:
            continue
        if notice.kind in REMINDER_KINDS:
            when = announced_at(appointment_ids=[appointment.pk]).get((appointment.pk, appointment.sequence))
            if notice.kind not in reminders_due(appointment=appointment, now=now, announced_at=when):
                continue  # e.g. a failed 24 h reminder once the 1 h one is due
        # Re-claim: only the run whose conditional update matches may send.
        claimed = AppointmentNotice.objects.filter(
            pk=notice.pk, status=notice.status, claimed_at=notice.claimed_at
        ).update(status=NoticeStatus.SENDING, claimed_at=now)
        if claimed != 1:
            continue
        notice.status, notice.claimed_at = NoticeStatus.SENDING, now
        sent += _deliver(notice, appointment, now)
    return sent


def reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send the due 24 h / 1 h reminders and retry failed emails; safe to run every minute, even twice at once.

    Returns ``{"reminders": n, "retried": m}`` (emails sent).
    """
    now = now or dj_timezone.now()
    longest = max(lead for _, lead in REMINDERS)
    upcoming = (
        Appointment.objects.select_related("provider__user", "provider__organization", "service", "client")
        .filter(status=AppointmentStatus.CONFIRMED, start__gt=now, start__lte=now + longest)
        .order_by("start")
    )
    reminders = 0
    upcoming = list(upcoming)
    announced = announced_at(appointment_ids=[a.pk for a in upcoming])
    for appointment in upcoming:
        when = announced.get((appointment.pk, appointment.sequence))
        for kind in reminders_due(appointment=appointment, now=now, announced_at=when):
            for role in ROLES:
                notice = _claim(appointment=appointment, kind=kind, role=role, now=now)
                if notice is not None:
                    reminders += _deliver(notice, appointment, now)
    return {"reminders": reminders, "retried": notices_retry(now=now)}
