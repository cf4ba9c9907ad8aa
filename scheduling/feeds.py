"""Calendar feeds: the secret per-user feed address, its rotation, and what a feed holds.

A feed is ``/calendar/<token>.ics`` (no login; the token is the secret). It holds
the owner's appointments as provider and as client from ``FEED_PAST`` ago on,
cancelled ones left out (case I7). ``feed_validators`` gives an ETag and a
Last-Modified from one aggregate query, so a client polling an unchanged feed
gets a 304 without the feed being built.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet

from accounts.models import User

from . import invites
from .models import Appointment, AppointmentStatus, CalendarFeed

FEED_PAST = timedelta(days=90)
FEED_FORMAT = "1"
FEED_CACHE_SECONDS = 6 * 3600
FEED_CACHE_MAX_BYTES = 32 * 1024 * 1024  # bump when the feed's rendering changes, so every ETag changes
TOKEN_BYTES = 32


def calendar_feed_get(*, user: User) -> CalendarFeed:
    """The user's feed, created with a fresh secret token on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_rotate(*, user: User, now: datetime) -> CalendarFeed:
    """Replace the user's feed token: the old address answers 404 from now on."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return CalendarFeed.objects.create(user=user)
        feed.token = secrets.token_urlsafe(TOKEN_BYTES)
        feed.rotated_at = now
        feed.save(update_fields=["token", "rotated_at"])
    return feed


def calendar_feed_links(*, feed: CalendarFeed) -> dict:
    """``{"url": "https://.../calendar/<token>.ics", "webcal_url": "webcal://.../calendar/<token>.ics"}``."""
    url = f"{settings.SITE_URL}/calendar/{feed.token}.ics"
    return {"url": url, "webcal_url": "webcal://" + url.split("://", 1)[1]}


def feed_get_by_token(*, token: str) -> CalendarFeed | None:
    """The feed with this token and an active owner, or ``None`` (the view answers a bare 404)."""
    if not token or len(token) > 64:
        return None
    return CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()


def _owned(user: User, now: datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(Q(client=user) | Q(provider__user=user), end__gte=now - FEED_PAST)


def feed_validators(*, feed: CalendarFeed, now: datetime) -> tuple[str, datetime]:
    """(strong ETag, Last-Modified) of the feed as it would be built now, from one aggregate query.

    Every service write bumps ``updated_at`` (a cancellation too, though the
    cancelled row leaves the feed), so the newest ``updated_at`` over all the
    owner's rows plus the count of rows in the window identify the content.
    """
    user = feed.user
    agg = _owned(user, now).aggregate(last=Max("updated_at"), rows=Count("id"))
    last = max(filter(None, (agg["last"], feed.rotated_at)))
    key = "|".join(
        str(part) for part in (FEED_FORMAT, feed.token, user.full_name, user.language, agg["rows"], last.isoformat())
    )
    return f'"{hashlib.sha256(key.encode()).hexdigest()[:40]}"', last


def feed_name(user: User) -> str:
    return (
        f"Lexmeet：{user.full_name}"
        if invites.language_of(user.language) == "zh-hans"
        else f"Lexmeet: {user.full_name}"
    )


def _has_room() -> bool:
    return any(rel.one_to_one and rel.name == "room" for rel in Appointment._meta.related_objects)


def feed_entries(*, feed: CalendarFeed, now: datetime) -> Iterator[tuple[invites.InviteData, str]]:
    """(invite data, the owner's role) for each active appointment of the feed, by start.

    Reads plain ``values()`` rows (no model instances): a 10,000-event feed
    must render in well under a second (bench/feed.py).
    """
    user = feed.user
    fields = [*invites.INVITE_FIELDS, "provider__user_id"]
    has_room = _has_room()
    if has_room:
        fields.append("room__room_id")  # the video app's one room per appointment, when installed
    rows = _owned(user, now).exclude(status=AppointmentStatus.CANCELLED).order_by("start", "pk").values(*fields)
    site_url, default_from = settings.SITE_URL, settings.DEFAULT_FROM_EMAIL
    for row in rows.iterator(chunk_size=2000):
        role = invites.PROVIDER if row["provider__user_id"] == user.pk else invites.CLIENT
        room_id = row["room__room_id"] if has_room else None
        yield invites.invite_data_from_row(row, site_url=site_url, default_from=default_from, room_id=room_id), role


def feed_render(*, feed: CalendarFeed, now: datetime) -> bytes:
    """The feed's iCalendar bytes (see :func:`invites.feed_build`)."""
    return invites.feed_build(entries=feed_entries(feed=feed, now=now), name=feed_name(feed.user))


def feed_body(*, feed: CalendarFeed, etag: str, now: datetime) -> bytes:
    """The feed's bytes, from the cache (shared through Redis when configured) while its ETag holds.

    Many calendar clients poll without ``If-None-Match``; the ETag names the
    content, so a cached body under it is always current.
    """
    key = f"lexmeet:feed:{etag.strip(chr(34))}"
    body = cache.get(key)
    if body is None:
        body = feed_render(feed=feed, now=now)
        if len(body) <= FEED_CACHE_MAX_BYTES:
            cache.set(key, body, FEED_CACHE_SECONDS)
    return body
