"""Scheduling writes: schedules, providers, bookings, cancellation and rescheduling.

Every rule is checked again on write. The database is the last guard: on
PostgreSQL the exclusion constraint ``appointment_no_overlap`` refuses two
active appointments of one provider whose buffered intervals overlap; on
SQLite every transaction is ``BEGIN IMMEDIATE`` (settings), so the overlap
check and the insert below run with writers serialized.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from accounts.models import Role, User
from accounts.services import user_register
from config.errors import DomainError, Forbidden, InvalidInput
from video.services import room_create_for_appointment, room_on_appointment_cancelled, room_on_appointment_rescheduled

from . import notifications, selectors
from .models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    AvailabilityOverride,
    AvailabilityRule,
    IdempotencyRecord,
    Organization,
    Provider,
    ProviderKind,
    ServiceType,
)

NO_OVERLAP_CONSTRAINT = "appointment_no_overlap"


class SlotTaken(DomainError):
    status, code, message = 409, "slot_taken", "This time is already booked."


class NotAvailable(DomainError):
    status, code, message = 400, "not_available", "This time is not an offered slot."


class ServiceNotOffered(DomainError):
    status, code, message = 400, "service_not_offered", "This provider does not offer this service."


class CannotBookSelf(DomainError):
    status, code, message = 400, "cannot_book_self", "Providers cannot book their own time as a client."


class IdempotencyKeyReused(DomainError):
    status, code, message = 422, "idempotency_key_reused", "This Idempotency-Key was used with a different request."


class InvalidState(DomainError):
    status, code, message = 409, "invalid_state", "The appointment cannot change in its current state."


class CaseRequired(DomainError):
    status, code, message = (
        400,
        "case_required",
        "A notarization session is booked for an accepted notarization case: book it from the case's page.",
    )


def service_requires_case(service: ServiceType) -> bool:
    """Whether a booking of ``service`` must name a notarization case (``case``).

    A notary's service is the session of a notarial act (DESIGN.md, Notary: ``accepted ->
    scheduled`` when an appointment with a notary of the office is booked with ``case``),
    so it is booked for an accepted case; legal consultations are not.
    """
    return service.provider_kind == ProviderKind.NOTARY


def constraint_name(exc: IntegrityError) -> str | None:
    """The violated constraint's name (psycopg's diagnostics), or ``None`` on backends without it."""
    diag = getattr(getattr(exc, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None)


# --- schedules ----------------------------------------------------------------


@dataclass(frozen=True)
class WeeklyInput:
    weekday: int
    start: time
    end: time


@dataclass(frozen=True)
class OverrideInput:
    date: date
    available: bool
    start: time | None = None
    end: time | None = None


def schedule_replace(
    *, provider: Provider, timezone: str, weekly: list[WeeklyInput], overrides: list[OverrideInput]
) -> Provider:
    """Replace the provider's zone, weekly rules and date overrides in one transaction.

    ``weekly``: ISO weekdays (1-7) with wall-clock times; ``overrides`` keyed by
    provider-local date: ``available=False`` closes the date, otherwise each
    entry is one replacement window. Raises ``InvalidInput`` when one date is
    both closed and open or an open override lacks hours. Existing
    appointments are kept as they are.
    """
    ZoneInfo(timezone)
    by_date: dict[date, set[bool]] = {}
    for item in overrides:
        by_date.setdefault(item.date, set()).add(item.available)
        if item.available and (item.start is None or item.end is None):
            raise InvalidInput(
                f"The override for {item.date} needs start and end.", fields={"overrides": [str(item.date)]}
            )
    mixed = sorted(str(day) for day, kinds in by_date.items() if len(kinds) > 1)
    if mixed:
        raise InvalidInput("A date cannot be both closed and open.", fields={"overrides": mixed})
    with transaction.atomic():
        provider.timezone = timezone
        provider.save(update_fields=["timezone"])
        provider.availability_rules.all().delete()
        provider.availability_overrides.all().delete()
        AvailabilityRule.objects.bulk_create(
            AvailabilityRule(provider=provider, weekday=w.weekday, start_time=w.start, end_time=w.end) for w in weekly
        )
        AvailabilityOverride.objects.bulk_create(
            AvailabilityOverride(
                provider=provider,
                date=o.date,
                available=o.available,
                start_time=o.start if o.available else None,
                end_time=o.end if o.available else None,
            )
            for o in overrides
        )
    return provider


def provider_create(
    *,
    email: str,
    password: str,
    full_name: str,
    kind: str,
    timezone: str,
    organization: Organization | None = None,
    languages: list[str] | None = None,
    practice_areas: list[str] | None = None,
    services: list[ServiceType] | None = None,
) -> Provider:
    """Create a lawyer's or notary's account and provider profile (staff only, checked by the API)."""
    with transaction.atomic():
        user = user_register(
            email=email,
            password=password,
            full_name=full_name,
            timezone=timezone,
            role=Role.NOTARY if kind == "notary" else Role.LAWYER,
        )
        provider = Provider.objects.create(
            user=user,
            kind=kind,
            organization=organization,
            timezone=timezone,
            languages=languages or [],
            practice_areas=practice_areas or [],
        )
        provider.services.set(services or [])
    return provider


# --- bookings -----------------------------------------------------------------


def _slot_refusal(*, provider: Provider, service: ServiceType, start: datetime, now: datetime) -> str | None:
    """Why ``start`` is not an offered slot, ignoring other bookings; ``None`` if it is one."""
    if start.second or start.microsecond:
        return "Slots start on whole minutes."
    offered = selectors.provider_slot_list(
        provider=provider,
        service=service,
        range_start=start,
        range_end=start + timedelta(minutes=1),
        now=now,
        include_busy=False,
    )
    if offered and offered[0].start == start:
        return None
    if start < now:
        return "This time is in the past."
    if start < now + timedelta(minutes=service.minimum_notice_minutes):
        return f"Bookings need at least {service.minimum_notice_minutes} minutes' notice."
    last_day = now.astimezone(ZoneInfo(provider.timezone)).date() + timedelta(days=service.booking_window_days)
    if start.astimezone(ZoneInfo(provider.timezone)).date() > last_day:
        return f"Bookings open at most {service.booking_window_days} days ahead."
    return "This time is outside the provider's hours or off the slot grid."


def _check_free(
    *,
    provider: Provider,
    start: datetime,
    end: datetime,
    blocked_start: datetime,
    blocked_end: datetime,
    exclude_id=None,
) -> None:
    """Raise ``SlotTaken`` if the session overlaps another, ``NotAvailable`` if only the buffers do."""
    qs = Appointment.objects.filter(
        provider=provider, status__in=ACTIVE_STATUSES, blocked_start__lt=blocked_end, blocked_end__gt=blocked_start
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    clashes = list(qs.values_list("start", "end"))
    if not clashes:
        return
    if any(s < end and e > start for s, e in clashes):
        raise SlotTaken()
    raise NotAvailable("This time is too close to another appointment (buffer time).")


def _lock_calendar(provider: Provider) -> None:
    """Serialize the writes to one provider's calendar: lock the provider row until the transaction ends.

    PostgreSQL: without it, concurrent inserts that all passed :func:`_check_free` meet in
    the exclusion constraint, find each other's uncommitted rows and wait on each other;
    the deadlock detector then aborts all but one with ``deadlock detected`` (40P01), one per
    ``deadlock_timeout`` (PostgreSQL, src/backend/executor/execIndexing.c, "Exclusion
    Constraints"): 500s after seconds instead of 409s (found by bench/booking_concurrency.py).
    With the lock, each booking checks after the previous one committed. SQLite ignores
    ``FOR UPDATE``; its BEGIN IMMEDIATE already serializes writers.
    """
    list(Provider.objects.select_for_update().filter(pk=provider.pk).values_list("pk", flat=True))


def _blocked(service: ServiceType, start: datetime) -> tuple[datetime, datetime, datetime]:
    end = start + timedelta(minutes=service.duration_minutes)
    return (
        end,
        start - timedelta(minutes=service.buffer_before_minutes),
        end + timedelta(minutes=service.buffer_after_minutes),
    )


def request_fingerprint(payload: dict) -> str:
    """SHA-256 of the canonical JSON of a request body (sorted keys)."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class BookingResult:
    appointment: Appointment
    body: dict | None  # the stored response body when an Idempotency-Key was given
    replayed: bool = False


def _replay(record: IdempotencyRecord, fingerprint: str) -> BookingResult:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return BookingResult(appointment=record.appointment, body=json.loads(record.response_body), replayed=True)


def appointment_book(
    *,
    client: User,
    provider: Provider,
    service: ServiceType,
    start: datetime,
    client_timezone: str,
    language: str = "en",
    notes: str = "",
    idempotency_key: str | None = None,
    fingerprint: str = "",
    render: Callable[[Appointment], dict] | None = None,
    case_id=None,
    host_site_id=None,
    now: datetime | None = None,
) -> BookingResult:
    """Book ``service`` with ``provider`` at UTC-aware ``start`` for ``client``.

    Re-checks that ``start`` is an offered slot (hours, grid, minimum notice,
    booking window) and free (with buffers), then inserts. With an
    ``idempotency_key`` the first answer (``render(appointment)``) is stored
    and a replay with the same key and ``fingerprint`` returns it unchanged.

    A notary's service needs ``case_id``, the client's accepted notarization case
    (``CaseRequired`` 400 without one, ``service_requires_case``); ``host_site_id`` only
    comes with a case. The notary app checks the case (``notary.services.case_booking_prepare``:
    404 for a case that is not the client's, 409 unless accepted, 400 for a notary of
    another office) and moves it to ``scheduled`` inside the booking transaction, so a
    refusal there undoes the booking.

    Raises ``ServiceNotOffered``/``NotAvailable``/``CaseRequired`` (400), ``SlotTaken``
    (409), ``IdempotencyKeyReused`` (422). Nothing is stored when it raises. After
    commit both participants get the booking email with the invite (a replay sends
    nothing; see ``notifications``).
    """
    now = now or dj_timezone.now()
    start = start.astimezone(UTC)
    if not provider.services.filter(pk=service.pk).exists():
        raise ServiceNotOffered()
    if provider.user_id == client.pk:
        raise CannotBookSelf()
    if idempotency_key:
        record = (
            IdempotencyRecord.objects.filter(user=client, key=idempotency_key).select_related("appointment").first()
        )
        if record is not None and record.appointment_id is not None:
            return _replay(record, fingerprint)
    after_create = _case_hook(
        client=client, provider=provider, service=service, case_id=case_id, host_site_id=host_site_id
    )
    refusal = _slot_refusal(provider=provider, service=service, start=start, now=now)
    if refusal:
        raise NotAvailable(refusal)
    end, blocked_start, blocked_end = _blocked(service, start)
    ZoneInfo(client_timezone)

    with transaction.atomic():
        record = None
        if idempotency_key:
            # Claim the key first: a concurrent twin waits on the unique index
            # until this transaction ends, then replays what it stored.
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=client, key=idempotency_key, fingerprint=fingerprint, appointment=None, response_body="{}"
                    )
            except IntegrityError:
                existing = IdempotencyRecord.objects.select_related("appointment").get(user=client, key=idempotency_key)
                return _replay(existing, fingerprint)
        _lock_calendar(provider)
        _check_free(provider=provider, start=start, end=end, blocked_start=blocked_start, blocked_end=blocked_end)
        try:
            with transaction.atomic():
                appointment = Appointment.objects.create(
                    provider=provider,
                    service=service,
                    client=client,
                    start=start,
                    end=end,
                    blocked_start=blocked_start,
                    blocked_end=blocked_end,
                    client_timezone=client_timezone,
                    language=language,
                    notes=notes,
                )
        except IntegrityError as exc:
            if constraint_name(exc) == NO_OVERLAP_CONSTRAINT:
                raise SlotTaken() from exc
            raise
        room_create_for_appointment(appointment=appointment)
        if after_create is not None:
            after_create(appointment)
        notifications.notices_after_commit(appointment=appointment, kind="booked")
        body = None
        if record is not None:
            body = render(appointment) if render else {"id": appointment.pk}
            record.appointment = appointment
            record.response_body = json.dumps(body)
            record.save(update_fields=["appointment", "response_body"])
    return BookingResult(appointment=appointment, body=body)


def _case_hook(
    *, client: User, provider: Provider, service: ServiceType, case_id, host_site_id
) -> Callable[[Appointment], None] | None:
    """The notary app's in-transaction hook for a booking with ``case`` (``None`` without one), or the refusal."""
    if host_site_id is not None and case_id is None:
        raise InvalidInput("A host site is booked for a notarization case.", fields={"host_site": ["Needs case."]})
    if case_id is None:
        if service_requires_case(service):
            raise CaseRequired(fields={"case": ["Required for a notarization session."]})
        return None
    # The notary app builds on scheduling, not the other way round: imported when used.
    from notary.services import case_booking_prepare

    return case_booking_prepare(client=client, case_id=case_id, provider=provider, host_site_id=host_site_id)


def _can_act(appointment: Appointment, user: User) -> bool:
    return user.is_staff_member or appointment.client_id == user.pk or appointment.provider.user_id == user.pk


def _lock(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().select_related("provider", "service").get(pk=appointment.pk)


def appointment_cancel(
    *, appointment: Appointment, by: User, reason: str = "", now: datetime | None = None
) -> Appointment:
    """Cancel an active appointment before it ends; its time is released and SEQUENCE rises by one.

    Raises ``Forbidden`` (403) for anyone but the client, the provider or staff,
    ``InvalidState`` (409) if it is not active or has already ended. After commit
    both participants get a METHOD:CANCEL email, and everyone in the video room gets
    ``room-ended {reason: "cancelled"}`` (``video.services.room_on_appointment_cancelled``).
    """
    now = now or dj_timezone.now()
    if not _can_act(appointment, by):
        raise Forbidden()
    with transaction.atomic():
        current = _lock(appointment)
        if current.status not in ACTIVE_STATUSES:
            raise InvalidState("This appointment is already cancelled or finished.")
        if current.end <= now:
            raise InvalidState("This appointment has already ended.")
        current.status = AppointmentStatus.CANCELLED
        current.cancel_reason = reason[:500]
        current.cancelled_at = now
        current.cancelled_by = by
        current.sequence += 1
        current.save(
            update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by", "sequence", "updated_at"]
        )
        room_on_appointment_cancelled(appointment=current, by=by, now=now)
        notifications.notices_after_commit(appointment=current, kind="cancelled")
    return current


def appointment_reschedule(
    *, appointment: Appointment, by: User, start: datetime, now: datetime | None = None
) -> Appointment:
    """Move an active appointment to UTC-aware ``start`` atomically: same row, same UID, SEQUENCE + 1.

    The new time must be an offered, free slot (its own old time excluded); the
    old time is released in the same transaction. Raises ``Forbidden`` (403),
    ``InvalidState`` (409), ``NotAvailable`` (400) or ``SlotTaken`` (409);
    on any error the appointment is unchanged. After commit both participants
    get the updated invite (same UID, higher SEQUENCE); people in the video room are
    sent out if its new window no longer includes now (``video.services.room_on_appointment_rescheduled``).
    """
    now = now or dj_timezone.now()
    start = start.astimezone(UTC)
    if not _can_act(appointment, by):
        raise Forbidden()
    if start == appointment.start:
        raise NotAvailable("The appointment is already at this time.")
    refusal = _slot_refusal(provider=appointment.provider, service=appointment.service, start=start, now=now)
    if refusal:
        raise NotAvailable(refusal)
    with transaction.atomic():
        current = _lock(appointment)
        if current.status not in ACTIVE_STATUSES:
            raise InvalidState("Only a confirmed appointment can be rescheduled.")
        if current.start <= now:
            raise InvalidState("This appointment has already started.")
        end, blocked_start, blocked_end = _blocked(current.service, start)
        _lock_calendar(current.provider)
        _check_free(
            provider=current.provider,
            start=start,
            end=end,
            blocked_start=blocked_start,
            blocked_end=blocked_end,
            exclude_id=current.pk,
        )
        current.start, current.end = start, end
        current.blocked_start, current.blocked_end = blocked_start, blocked_end
        current.sequence += 1
        try:
            with transaction.atomic():
                current.save(update_fields=["start", "end", "blocked_start", "blocked_end", "sequence", "updated_at"])
        except IntegrityError as exc:
            if constraint_name(exc) == NO_OVERLAP_CONSTRAINT:
                raise SlotTaken() from exc
            raise
        room_on_appointment_rescheduled(appointment=current, now=now)
        notifications.notices_after_commit(appointment=current, kind="rescheduled")
    return current
