"""Server-rendered scheduling pages: search, a provider's week of slots, booking, my appointments.

Pages call the same services and selectors as the API. Every time is shown in
the viewer's zone (``request.viewer_zone``, see config/middleware.py) with the
zone's name, and in the provider's zone too when the two differ.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.forms import COMMON_ZONES
from accounts.validators import zone_get
from config.errors import DomainError

from . import selectors, services
from .models import ProviderKind
from .slots import booker_day_bounds


def _zone_param(request) -> str:
    candidate = request.GET.get("tz") or request.viewer_zone
    try:
        zone_get(candidate)
    except ValueError:
        return request.viewer_zone
    return candidate


def _week_start(request, zone: ZoneInfo) -> date:
    today = dj_timezone.now().astimezone(zone).date()
    try:
        chosen = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return today
    return max(min(chosen, today + timedelta(days=730)), today - timedelta(days=7))


def provider_search(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in ProviderKind.values else None
    language = request.GET.get("language") or None
    practice_area = request.GET.get("practice_area") or None
    legal_aid = request.GET.get("legal_aid") == "1"
    providers = selectors.provider_list(kind=kind, language=language, practice_area=practice_area)
    if legal_aid:
        providers = [p for p in providers if any(s.legal_aid_free for s in p.services.all())]
    return render(
        request,
        "scheduling/provider_search.html",
        {
            "providers": providers,
            "kind": kind or "",
            "language": language or "",
            "practice_area": practice_area or "",
            "legal_aid": legal_aid,
        },
    )


def provider_page(request, provider_id):
    """A week of open slots in the viewer's zone; ``?service=``, ``?week=YYYY-MM-DD``, ``?tz=``, ``?reschedule=``."""
    try:
        provider = selectors.provider_get(provider_id=provider_id)
    except DomainError:
        return render(request, "404.html", status=404)
    offered = list(provider.services.all())
    service = next((s for s in offered if str(s.pk) == request.GET.get("service")), offered[0] if offered else None)
    tz_name = _zone_param(request)
    zone = ZoneInfo(tz_name)
    provider_zone = ZoneInfo(provider.timezone)
    week = _week_start(request, zone)
    reschedule = None
    if request.GET.get("reschedule") and request.user.is_authenticated:
        try:
            reschedule = selectors.appointment_get_for_user(user=request.user, appointment_id=request.GET["reschedule"])
        except DomainError:
            reschedule = None
        else:
            service = reschedule.service
    days = []
    if service is not None:
        range_start, range_end = booker_day_bounds(week, week + timedelta(days=6), zone)
        found = selectors.provider_slot_list(
            provider=provider,
            service=service,
            range_start=range_start,
            range_end=range_end,
            now=dj_timezone.now(),
            exclude_appointment_id=reschedule.pk if reschedule else None,
        )
        by_day: dict[date, list] = {week + timedelta(days=n): [] for n in range(7)}
        for slot in found:
            local = slot.start.astimezone(zone)
            by_day.setdefault(local.date(), []).append(
                {
                    "local": local,
                    "provider_local": slot.start.astimezone(provider_zone),
                    "start_utc": slot.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        days = sorted(by_day.items())
    return render(
        request,
        "scheduling/provider_page.html",
        {
            "provider": provider,
            "services": offered,
            "service": service,
            "days": days,
            "tz_name": tz_name,
            "zones": sorted(set(COMMON_ZONES) | {tz_name, provider.timezone}),
            "zones_differ": zone.utcoffset(datetime.now()) != provider_zone.utcoffset(datetime.now())
            or tz_name != provider.timezone,
            "week": week,
            "prev_week": week - timedelta(days=7),
            "next_week": week + timedelta(days=7),
            "reschedule": reschedule,
            "free_for_viewer": bool(
                service
                and service.legal_aid_free
                and request.user.is_authenticated
                and request.user.legal_aid_group != "none"
            ),
        },
    )


def _parse_utc(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


@login_required
@require_POST
def book(request, provider_id):
    try:
        provider = selectors.provider_get(provider_id=provider_id)
        service = selectors.service_get(service_id=request.POST.get("service"))
    except DomainError:
        return render(request, "404.html", status=404)
    start = _parse_utc(request.POST.get("start", ""))
    try:
        if start is None:
            raise services.NotAvailable(_("Choose a time from the list."))
        result = services.appointment_book(
            client=request.user,
            provider=provider,
            service=service,
            start=start,
            client_timezone=_safe_zone(request),
            language=request.user.language,
            notes=request.POST.get("notes", "")[:2000],
        )
    except DomainError as exc:
        return render(
            request, "scheduling/booking_failed.html", {"provider": provider, "error": exc.message}, status=exc.status
        )
    return redirect(f"/appointments/{result.appointment.pk}/?booked=1")


def _safe_zone(request) -> str:
    candidate = request.POST.get("tz", "")
    try:
        zone_get(candidate)
    except ValueError:
        return request.viewer_zone
    return candidate


@login_required
def my_appointments(request):
    now = dj_timezone.now()
    appointments = list(selectors.appointment_list_for_user(user=request.user))
    upcoming = [a for a in appointments if a.end > now and a.status == "confirmed"]
    past = [a for a in appointments if a not in upcoming]
    return render(
        request,
        "scheduling/my_appointments.html",
        {
            "upcoming": upcoming,
            "past": list(reversed(past)),
            "now": now,
        },
    )


@login_required
def appointment_page(request, appointment_id):
    try:
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
    except DomainError:
        return render(request, "404.html", status=404)
    return render(
        request,
        "scheduling/appointment.html",
        {
            "a": appointment,
            "booked": request.GET.get("booked") == "1",
            "provider_zone": appointment.provider.timezone,
            "room_id": getattr(getattr(appointment, "room", None), "room_id", None),
        },
    )


@login_required
@require_POST
def appointment_cancel_page(request, appointment_id):
    try:
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        services.appointment_cancel(
            appointment=appointment, by=request.user, reason=request.POST.get("reason", "")[:500]
        )
    except DomainError as exc:
        return render(request, "scheduling/booking_failed.html", {"error": exc.message}, status=exc.status)
    return redirect(f"/appointments/{appointment_id}/")


@login_required
@require_POST
def appointment_reschedule_page(request, appointment_id):
    start = _parse_utc(request.POST.get("start", ""))
    try:
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        if start is None:
            raise services.NotAvailable(_("Choose a time from the list."))
        services.appointment_reschedule(appointment=appointment, by=request.user, start=start)
    except DomainError as exc:
        return render(request, "scheduling/booking_failed.html", {"error": exc.message}, status=exc.status)
    return redirect(f"/appointments/{appointment_id}/?booked=1")
