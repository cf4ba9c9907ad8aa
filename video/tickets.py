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
    user_id: int | None  # None for a guest's ticket
    room_id: str
    expires: int  # unix seconds
    participant_id: int | None = None  # a guest's participant (who has no user)


def ticket_ttl_seconds() -> int:
    return int(getattr(settings, "VIDEO_TICKET_TTL_SECONDS", DEFAULT_TICKET_TTL_SECONDS))


def ticket_issue(
    *,
    user_id: int | None,
    room_id: str,
    now: datetime,
    ttl_seconds: int | None = None,
    participant_id: int | None = None,
) -> str:
    """A signed ticket for ``user_id`` (or, for a guest, ``participant_id``) into ``room_id``.

    Valid ``ttl_seconds`` after UTC-aware ``now``.
    """
    ttl = ticket_ttl_seconds() if ttl_seconds is None else ttl_seconds
    payload = {"r": room_id, "exp": int(now.timestamp()) + ttl}
    if user_id is not None:
        payload["u"] = user_id
    else:
        payload["p"] = participant_id
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
    user_id, participant_id = payload.get("u"), payload.get("p")
    ticket_room, expires = payload.get("r"), payload.get("exp")
    if not isinstance(user_id, int) and not isinstance(participant_id, int):
        raise TicketInvalid("bad payload")
    if not isinstance(expires, int) or not isinstance(ticket_room, str):
        raise TicketInvalid("bad payload")
    if not hmac.compare_digest(ticket_room, room_id):
        raise TicketInvalid("another room")
    if now.timestamp() >= expires:
        raise TicketInvalid("expired")
    if isinstance(user_id, int):
        return Ticket(user_id=user_id, room_id=ticket_room, expires=expires)
    return Ticket(user_id=None, room_id=ticket_room, expires=expires, participant_id=participant_id)


# --- guest invites ------------------------------------------------------------------

INVITE_SALT = "lexmeet.video.invite"


class InviteInvalid(Exception):
    """Not a genuine invite of this room; the caller answers the same for every reason."""


@dataclass(frozen=True)
class Invite:
    participant_id: int
    room_id: str
    nonce: str


def invite_issue(*, participant_id: int, room_id: str, nonce: str) -> str:
    """The token of a guest's invite link: signed, bound to the room and to one guest participant.

    It carries no expiry of its own: it works while the room does (until it ends, closes at
    its end plus grace, or its appointment is cancelled), which the server checks on use,
    so a reschedule moves it too. ``nonce`` is the participant's ``invite_nonce``: a new one
    (a re-sent invite) makes older links worthless; a kick revokes the participant itself.
    """
    return signing.dumps({"p": participant_id, "r": room_id, "n": nonce}, salt=INVITE_SALT, compress=False)


def invite_verify(token: object, *, room_id: str) -> Invite:
    """The invite's claims if ``token`` is genuine and names ``room_id``; :class:`InviteInvalid` otherwise."""
    if not isinstance(token, str) or not token or len(token) > 512:
        raise InviteInvalid("no token")
    try:
        payload = signing.loads(token, salt=INVITE_SALT)
    except signing.BadSignature:
        raise InviteInvalid("bad signature") from None
    if not isinstance(payload, dict):
        raise InviteInvalid("bad payload")
    participant_id, invite_room, nonce = payload.get("p"), payload.get("r"), payload.get("n")
    if not isinstance(participant_id, int) or not isinstance(invite_room, str) or not isinstance(nonce, str):
        raise InviteInvalid("bad payload")
    if not hmac.compare_digest(invite_room, room_id):
        raise InviteInvalid("another room")
    return Invite(participant_id=participant_id, room_id=invite_room, nonce=nonce)


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
