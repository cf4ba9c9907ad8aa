"""Host sites (consulate model): the slots offered are the intersection of the notary's and the site's availability.

The notary's slots come from the scheduling core's slot engine; a slot is kept when
its ``[start, end)`` lies inside one of the site's windows (wall-clock in the site's
own zone, RFC 5545 §3.3.5 like every rule) and overlaps none of the site's
bookings. Booking holds both: the appointment under ``appointment_no_overlap`` and
the site under ``host_site_booking_no_overlap`` in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone as dj_timezone

from config.errors import NotFound
from scheduling import selectors as scheduling_selectors
from scheduling import slots as engine
from scheduling.models import Appointment, AppointmentStatus, Provider, ServiceType
from scheduling.services import NotAvailable, SlotTaken, constraint_name

from .models import HostSite, HostSiteBooking

NO_OVERLAP_CONSTRAINT = "host_site_booking_no_overlap"


def _hm(value: str) -> time:
    return time.fromisoformat(value)


def host_site_rules(site: HostSite) -> tuple[list[engine.WeeklyWindow], dict[date, list[engine.Window]]]:
    """The site's weekly windows and date overrides as slot-engine values."""
    weekly = [engine.WeeklyWindow(w["weekday"], _hm(w["start"]), _hm(w["end"])) for w in site.weekly]
    overrides: dict[date, list[engine.Window]] = {}
    for item in site.overrides:
        windows = overrides.setdefault(date.fromisoformat(item["date"]), [])
        if item.get("available"):
            windows.append(engine.Window(_hm(item["start"]), _hm(item["end"])))
    return weekly, overrides


def site_open(
    *, start: datetime, end: datetime, zone: ZoneInfo, weekly: list[engine.WeeklyWindow], overrides: dict
) -> bool:
    """Whether UTC ``[start, end)`` lies inside one of the site's windows (pure)."""
    for day in engine.local_date_range(start, end, zone):
        for window in engine.windows_for_date(day, weekly, overrides):
            window_start, window_end = engine.window_instants(day, window, zone)
            if window_start <= start and end <= window_end:
                return True
    return False


def intersect(
    slots: list[engine.Slot],
    *,
    zone: ZoneInfo,
    weekly: list[engine.WeeklyWindow],
    overrides: dict,
    busy: list[tuple[datetime, datetime]],
) -> list[engine.Slot]:
    """The notary's ``slots`` that the site can host: inside its hours and overlapping none of ``busy`` (pure)."""
    return [
        slot
        for slot in slots
        if site_open(start=slot.start, end=slot.end, zone=zone, weekly=weekly, overrides=overrides)
        and not any(s < slot.end and e > slot.start for s, e in busy)
    ]


def _busy(site: HostSite, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    qs = HostSiteBooking.objects.filter(
        host_site=site,
        released_at__isnull=True,
        appointment__status=AppointmentStatus.CONFIRMED,
        start__lt=end,
        end__gt=start,
    )
    return list(qs.values_list("start", "end"))


def host_site_get(*, host_site_id) -> HostSite:
    try:
        return HostSite.objects.select_related("organization").get(pk=int(host_site_id))
    except (HostSite.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound("No such host site.") from None


def host_site_slot_list(
    *,
    site: HostSite,
    provider: Provider,
    service: ServiceType,
    range_start: datetime,
    range_end: datetime,
    now: datetime,
) -> list[engine.Slot]:
    """Slots starting in UTC ``[range_start, range_end)`` that both the notary and the site can take."""
    slots = scheduling_selectors.provider_slot_list(
        provider=provider, service=service, range_start=range_start, range_end=range_end, now=now
    )
    weekly, overrides = host_site_rules(site)
    return intersect(
        slots,
        zone=ZoneInfo(site.organization.timezone),
        weekly=weekly,
        overrides=overrides,
        busy=_busy(site, range_start - timedelta(days=1), range_end + timedelta(days=1)),
    )


def host_site_book(*, site: HostSite, appointment: Appointment, now: datetime | None = None) -> HostSiteBooking:
    """Hold ``site`` for ``appointment`` (inside the booking transaction).

    Raises ``NotAvailable`` (400) outside the site's hours and ``SlotTaken`` (409)
    when another booking holds the site; bookings of cancelled appointments are
    released first.
    """
    now = now or dj_timezone.now()
    weekly, overrides = host_site_rules(site)
    zone = ZoneInfo(site.organization.timezone)
    if not site_open(start=appointment.start, end=appointment.end, zone=zone, weekly=weekly, overrides=overrides):
        raise NotAvailable("The host site is closed at this time.")
    with transaction.atomic():
        HostSiteBooking.objects.filter(
            host_site=site, released_at__isnull=True, start__lt=appointment.end, end__gt=appointment.start
        ).exclude(appointment__status=AppointmentStatus.CONFIRMED).update(released_at=now)
        if _busy(site, appointment.start, appointment.end):
            raise SlotTaken("The host site is booked at this time.")
        try:
            with transaction.atomic():
                return HostSiteBooking.objects.create(
                    host_site=site, appointment=appointment, start=appointment.start, end=appointment.end
                )
        except IntegrityError as exc:
            if constraint_name(exc) == NO_OVERLAP_CONSTRAINT:
                raise SlotTaken("The host site is booked at this time.") from exc
            raise
