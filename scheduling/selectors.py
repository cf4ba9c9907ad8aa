"""Reads shared by the scheduling API, pages and services."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from accounts.models import User
from config.errors import NotFound

from . import slots as engine
from .models import ACTIVE_STATUSES, Appointment, Provider, ServiceType


def provider_list(
    *, kind: str | None = None, language: str | None = None, practice_area: str | None = None
) -> list[Provider]:
    """Active providers, optionally filtered; languages and practice areas match exactly.

    Filtering on the JSON lists happens in Python: SQLite has no JSON ``contains``.
    """
    qs = Provider.objects.filter(is_active=True).select_related("user", "organization").prefetch_related("services")
    if kind:
        qs = qs.filter(kind=kind)
    providers = list(qs)
    if language:
        providers = [p for p in providers if language in p.languages]
    if practice_area:
        providers = [p for p in providers if practice_area in p.practice_areas]
    return providers


def provider_get(*, provider_id) -> Provider:
    """An active provider by id; ``NotFound`` (404) otherwise, including for malformed ids."""
    try:
        return Provider.objects.select_related("user", "organization").get(pk=int(provider_id), is_active=True)
    except (Provider.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def service_get(*, service_id) -> ServiceType:
    try:
        return ServiceType.objects.get(pk=int(service_id))
    except (ServiceType.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("No such service.") from None


def provider_rules(provider: Provider) -> tuple[list[engine.WeeklyWindow], dict[date, list[engine.Window]]]:
    """The provider's weekly windows and date overrides as slot-engine values."""
    weekly = [
        engine.WeeklyWindow(rule.weekday, rule.start_time, rule.end_time) for rule in provider.availability_rules.all()
    ]
    overrides: dict[date, list[engine.Window]] = {}
    for item in provider.availability_overrides.all():
        windows = overrides.setdefault(item.date, [])
        if item.available:
            windows.append(engine.Window(item.start_time, item.end_time))
    return weekly, overrides


def service_rules(service: ServiceType) -> engine.ServiceRules:
    return engine.ServiceRules(
        duration=service.duration_minutes,
        interval=service.interval_minutes,
        buffer_before=service.buffer_before_minutes,
        buffer_after=service.buffer_after_minutes,
        minimum_notice=service.minimum_notice_minutes,
        booking_window_days=service.booking_window_days,
    )


def busy_intervals(
    *, provider: Provider, start: datetime, end: datetime, exclude_id: int | None = None
) -> list[tuple[datetime, datetime]]:
    """Blocked (buffer-widened) UTC intervals of the provider's active appointments touching ``[start, end)``."""
    qs = Appointment.objects.filter(
        provider=provider, status__in=ACTIVE_STATUSES, blocked_start__lt=end, blocked_end__gt=start
    )
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.values_list("blocked_start", "blocked_end"))


def provider_slot_list(
    *,
    provider: Provider,
    service: ServiceType,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
    exclude_appointment_id: int | None = None,
    include_busy: bool = True,
) -> list[engine.Slot]:
    """Open slots of ``provider`` for ``service`` starting in UTC ``[range_start, range_end)``."""
    zone = ZoneInfo(provider.timezone)
    weekly, overrides = provider_rules(provider)
    rules = service_rules(service)
    pad = timedelta(days=1)
    busy = (
        busy_intervals(
            provider=provider, start=range_start - pad, end=range_end + pad, exclude_id=exclude_appointment_id
        )
        if include_busy
        else []
    )
    return engine.slot_list(
        zone=zone,
        weekly=weekly,
        overrides=overrides,
        rules=rules,
        busy=busy,
        now=now,
        range_start=range_start,
        range_end=range_end,
    )


def appointment_list_for_user(*, user: User) -> QuerySet[Appointment]:
    """Appointments where ``user`` is the client or the provider; all of them for staff."""
    qs = Appointment.objects.select_related("provider__user", "provider__organization", "service", "client")
    if user.is_staff_member:
        return qs.order_by("start")
    return qs.filter(Q(client=user) | Q(provider__user=user)).order_by("start")


def appointment_get_for_user(*, user: User, appointment_id) -> Appointment:
    """One appointment the user takes part in (or any, for staff); ``NotFound`` (404) for missing and not-yours alike."""
    try:
        return appointment_list_for_user(user=user).get(pk=int(appointment_id))
    except (Appointment.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def appointment_get_for_participant(*, user: User, appointment_id) -> Appointment:
    """One appointment where ``user`` is the client or the provider (staff included only as such).

    ``NotFound`` (404) for missing and not-yours alike: invites name both
    participants and their mailboxes, so only they may fetch them.
    """
    qs = Appointment.objects.select_related("provider__user", "provider__organization", "service", "client")
    try:
        return qs.filter(Q(client=user) | Q(provider__user=user)).get(pk=int(appointment_id))
    except (Appointment.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None
