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
from config.throttles import page_rate_limited, page_throttle

from . import selectors, services
from .feeds import calendar_feed_get, calendar_feed_links
from .models import ProviderKind
from .slots import booker_day_bounds, is_supported_instant


def _zone_param(request) -> tuple[str, str]:
    """The zone a page shows times in, and its source: ``"query"`` (``?tz=``, chosen on the page) or the viewer's.

    The viewer's zone is the account's, else the browser's (``tz`` cookie), else UTC
    (``request.viewer_zone_source``: ``"account"``, ``"cookie"``, ``"default"``).
    """
    candidate = request.GET.get("tz", "")
    try:
        zone_get(candidate)
    except ValueError:
        return request.viewer_zone, request.viewer_zone_source
    return candidate, "query"


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
    tz_name, zone_source = _zone_param(request)
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
            "zone_source": zone_source,
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
    """A form's ISO instant with offset as UTC, or ``None`` if absent, naive, malformed or out of range."""
    try:
        parsed = datetime.fromisoformat(value)
        parsed = parsed.astimezone(UTC) if parsed.tzinfo else None
    except (TypeError, ValueError, OverflowError):
        return None
    return parsed if parsed is not None and is_supported_instant(parsed) else None


@login_required
@require_POST
def book(request, provider_id):
    if wait := page_throttle(request, "booking"):
        return page_rate_limited(request, wait)
    try:
        provider = selectors.provider_get(provider_id=provider_id)
    except DomainError:
        return render(request, "404.html", status=404)
    try:
        service = selectors.service_get(service_id=request.POST.get("service"))
    except DomainError:
        return render(
            request,
            "scheduling/booking_failed.html",
            {"provider": provider, "error": _("Choose a service.")},
            status=400,
        )
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
            "feed": calendar_feed_links(feed=calendar_feed_get(user=request.user)),
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
            "now": dj_timezone.now(),
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
    if wait := page_throttle(request, "booking"):
        return page_rate_limited(request, wait)
    start = _parse_utc(request.POST.get("start", ""))
    try:
        appointment = selectors.appointment_get_for_user(user=request.user, appointment_id=appointment_id)
        if start is None:
            raise services.NotAvailable(_("Choose a time from the list."))
        services.appointment_reschedule(appointment=appointment, by=request.user, start=start)
    except DomainError as exc:
        return render(request, "scheduling/booking_failed.html", {"error": exc.message}, status=exc.status)
    return redirect(f"/appointments/{appointment_id}/?booked=1")


def _provider_of(user):
    return getattr(user, "provider", None) if user.is_authenticated else None


@login_required
def dashboard(request):
    """The provider's day: today's and upcoming sessions in their own zone, links to hours and feed."""
    provider = _provider_of(request.user)
    if provider is None:
        return redirect("/appointments/")
    zone = ZoneInfo(provider.timezone)
    now = dj_timezone.now()
    today = now.astimezone(zone).date()
    upcoming = [
        a
        for a in selectors.appointment_list_for_user(user=request.user)
        if a.provider_id == provider.pk and a.status == "confirmed" and a.end > now
    ]
    return render(
        request,
        "scheduling/dashboard.html",
        {
            "provider": provider,
            "now": now,
            "feed": calendar_feed_links(feed=calendar_feed_get(user=request.user)),
            "today": [a for a in upcoming if a.start.astimezone(zone).date() == today],
            "later": [a for a in upcoming if a.start.astimezone(zone).date() != today],
        },
    )


@login_required
def hours_editor(request):
    """Weekly hours and date overrides in the provider's zone, with a preview of the next 7 days' slots."""
    from .forms import OverrideFormSet, WeeklyFormSet

    provider = _provider_of(request.user)
    if provider is None:
        return redirect("/appointments/")
    saved = request.GET.get("saved") == "1"
    error = None
    if request.method == "POST":
        weekly = WeeklyFormSet(request.POST, prefix="weekly")
        overrides = OverrideFormSet(request.POST, prefix="override")
        tz_name = request.POST.get("timezone", provider.timezone)
        try:
            zone_get(tz_name)
        except ValueError:
            error = _("Choose a time zone such as Asia/Shanghai or America/New_York.")
        if error is None and weekly.is_valid() and overrides.is_valid():
            keep = lambda fs: [f.cleaned_data for f in fs if f.cleaned_data and not f.cleaned_data.get("DELETE")]  # noqa: E731
            try:
                services.schedule_replace(
                    provider=provider,
                    timezone=tz_name,
                    weekly=[services.WeeklyInput(d["weekday"], d["start"], d["end"]) for d in keep(weekly)],
                    overrides=[
                        services.OverrideInput(d["date"], d["available"], d.get("start"), d.get("end"))
                        for d in keep(overrides)
                    ],
                )
            except DomainError as exc:
                error = exc.message
            else:
                return redirect("/dashboard/hours/?saved=1")
    else:
        weekly = WeeklyFormSet(
            prefix="weekly",
            initial=[
                {"weekday": r.weekday, "start": r.start_time, "end": r.end_time}
                for r in provider.availability_rules.all()
            ],
        )
        overrides = OverrideFormSet(
            prefix="override",
            initial=[
                {
                    "date": o.date,
                    "available": "open" if o.available else "closed",
                    "start": o.start_time,
                    "end": o.end_time,
                }
                for o in provider.availability_overrides.all()
            ],
        )
    zone = ZoneInfo(provider.timezone)
    preview = []
    service = provider.services.first()
    if service is not None:
        today = dj_timezone.now().astimezone(zone).date()
        range_start, range_end = booker_day_bounds(today, today + timedelta(days=6), zone)
        found = selectors.provider_slot_list(
            provider=provider, service=service, range_start=range_start, range_end=range_end, now=dj_timezone.now()
        )
        by_day: dict[date, list] = {today + timedelta(days=n): [] for n in range(7)}
        for slot in found:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot.start.astimezone(zone))
        preview = sorted(by_day.items())
    return render(
        request,
        "scheduling/hours_editor.html",
        {
            "provider": provider,
            "weekly": weekly,
            "overrides": overrides,
            "saved": saved,
            "error": error,
            "preview": preview,
            "service": service,
            "zones": sorted(set(COMMON_ZONES) | {provider.timezone}),
        },
    )
