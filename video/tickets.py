"""Join tickets and ICE server configuration (pure functions of their inputs and an explicit ``now``).

Tickets: ``django.core.signing`` with a dedicated salt, payload ``{"u": user id,
"r": room id, "exp": unix seconds}``; a ticket opens only the room it names,
only for its user, and only until ``exp`` (default 120 s after issue).

TURN: coturn's shared-secret REST scheme ("use-auth-secret",
draft-uberti-behave-turn-rest-00 §2.2): username ``"<unix expiry>:<participant id>"``,
credential ``base64(HMAC-SHA1(secret, username))``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing

TICKET_SALT = "lexmeet.video.ticket"
DEFAULT_TICKET_TTL_SECONDS = 120


class TicketInvalid(Exception):
    """Bad signature, wrong room, or expired; the consumer answers 4401."""


@dataclass(frozen=True)
class Ticket:
    user_id: int
    room_id: str
    expires: int  # unix seconds


def ticket_ttl_seconds() -> int:
    return int(getattr(settings, "VIDEO_TICKET_TTL_SECONDS", DEFAULT_TICKET_TTL_SECONDS))


def ticket_issue(*, user_id: int, room_id: str, now: datetime, ttl_seconds: int | None = None) -> str:
    """A signed ticket for ``user_id`` into ``room_id``, valid ``ttl_seconds`` after UTC-aware ``now``."""
    ttl = ticket_ttl_seconds() if ttl_seconds is None else ttl_seconds
    payload = {"u": user_id, "r": room_id, "exp": int(now.timestamp()) + ttl}
    return signing.dumps(payload, salt=TICKET_SALT, compress=False)


def ticket_verify(ticket: object, *, room_id: str, now: datetime) -> Ticket:
    """The ticket's claims if it is genuine, names ``room_id`` and has not expired at ``now``.

    Raises :class:`TicketInvalid` otherwise (the same error for every reason, so a
    caller learns nothing about other rooms).
    """
    if not isinstance(ticket, str) or not ticket or len(ticket) > 1024:
        raise TicketInvalid("no ticket")
    try:
        payload = signing.loads(ticket, salt=TICKET_SALT)
    except signing.BadSignature:
        raise TicketInvalid("bad signature") from None
    if not isinstance(payload, dict):
        raise TicketInvalid("bad payload")
    user_id, ticket_room, expires = payload.get("u"), payload.get("r"), payload.get("exp")
    if not isinstance(user_id, int) or not isinstance(expires, int) or not isinstance(ticket_room, str):
        raise TicketInvalid("bad payload")
    if not hmac.compare_digest(ticket_room, room_id):
        raise TicketInvalid("another room")
    if now.timestamp() >= expires:
        raise TicketInvalid("expired")
    return Ticket(user_id=user_id, room_id=ticket_room, expires=expires)


def turn_credentials(*, participant_id: int, expires_at: datetime, secret: str) -> tuple[str, str]:
    """``(username, credential)`` per coturn's REST scheme; ``expires_at`` is UTC-aware.

    >>> turn_credentials(participant_id=7, expires_at=datetime(2024, 5, 6, 12, tzinfo=UTC), secret="s")
    ('1714996800:7', ...)
    """
    username = f"{int(expires_at.timestamp())}:{participant_id}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(*, participant_id: int, expires_at: datetime) -> list[dict]:
    """RTCIceServer dicts: STUN from ``STUN_URLS``, TURN from ``TURN_URLS`` when ``TURN_SECRET`` is set.

    TURN credentials expire at ``expires_at`` (the room's close: appointment end plus grace).
    """
    servers: list[dict] = []
    if settings.STUN_URLS:
        servers.append({"urls": list(settings.STUN_URLS)})
    if settings.TURN_URLS and settings.TURN_SECRET:
        username, credential = turn_credentials(
            participant_id=participant_id, expires_at=expires_at, secret=settings.TURN_SECRET
        )
        servers.append({"urls": list(settings.TURN_URLS), "username": username, "credential": credential})
    return servers
