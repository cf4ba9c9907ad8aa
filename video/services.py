"""Video room rules: creation with the appointment, join/leave presence, lobby, host controls.

Every function here is synchronous and short; the consumer calls them through
``database_sync_to_async`` on connect, on host actions and on disconnect, never
per ICE candidate (STYLE rule 9). Presence lives in ``Participant`` rows so any
Daphne process sees the same room (DESIGN.md, Scale-out). Each change that
needs several rows runs in one transaction with the room row locked, so two
connections of one room register one after the other.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext

from accounts.models import User
from config.errors import DomainError, Forbidden, InvalidInput, NotFound
from scheduling.models import Appointment, ProviderKind

from . import tickets
from .models import (
    AttendanceEvent,
    AttendanceKind,
    Participant,
    ParticipantRole,
    Presence,
    RevokeReason,
    Room,
    RoomState,
    room_group_name,
)

logger = logging.getLogger(__name__)

DEFAULT_RECONNECT_GRACE_SECONDS = 20
GUEST_SESSION_KEY = "video_guests"  # {room_id: [participant id, invite nonce]} of the rooms opened as a guest
INVITABLE_ROLES = (ParticipantRole.INTERPRETER, ParticipantRole.WITNESS, ParticipantRole.CONSULAR_OFFICER)

# Rules other apps add about who may be invited into an appointment's room, so video does not
# import them: each takes (appointment=, role=) and returns a refusal text or None. The notary
# app registers the jurisdiction's interpreter rule here (case N3).
INVITE_POLICIES: list = []

# What other apps say about recording a room's session, for the room page: each takes
# (appointment=, user=, role=) and returns None or {"case_page": str, "recording": dict | None}
# (notary.recordings.room_recording_context). The first answer that is not None wins.
RECORDING_CONTEXTS: list = []


def room_recording_context(*, participant) -> dict | None:
    """The recording context of the room page for ``participant``, or ``None`` (no hook answers)."""
    for hook in RECORDING_CONTEXTS:
        found = hook(appointment=participant.room.appointment, user=participant.user, role=participant.role)
        if found is not None:
            return found
    return None


class ParticipantNotAllowed(DomainError):
    status, code, message = 409, "participant_not_allowed", "This person cannot join this session."


def reconnect_grace_seconds() -> float:
    """How long a dropped socket keeps its place (``VIDEO_RECONNECT_GRACE_SECONDS``, default 20 s)."""
    return float(getattr(settings, "VIDEO_RECONNECT_GRACE_SECONDS", DEFAULT_RECONNECT_GRACE_SECONDS))


# --- errors: each carries the WebSocket close code of the contract ------------------


class RoomRefused(DomainError):
    close_code = 4403


class NoSuchRoom(RoomRefused):
    status, code, message, close_code = 404, "not_found", "Not found.", 4404


class NotParticipant(RoomRefused):
    # 404 over HTTP (missing and not-yours answer alike), 4403 on the socket.
    status, code, message, close_code = 404, "not_found", "Not found.", 4403


class ParticipantRemoved(RoomRefused):
    status, code, message, close_code = 403, "removed", "The host removed you from this room.", 4403


class RoomNotOpen(RoomRefused):
    status, code, message, close_code = 409, "room_not_open", "The room opens 15 minutes before the start.", 4409


class RoomFull(RoomRefused):
    status, code, message, close_code = 409, "room_full", "The room is full.", 4409


class RoomEnded(RoomRefused):
    status, code, message, close_code = 409, "room_ended", "This session has ended.", 4410


class UnknownPeer(DomainError):
    status, code, message = 404, "unknown_peer", "No such peer in this room."


# --- values handed to the consumer ------------------------------------------------


@dataclass(frozen=True)
class Peer:
    """A participant as the consumer caches it: public fields plus where to reach its socket."""

    peer_id: str
    role: str
    name: str
    audio_muted: bool
    video_muted: bool
    presence: str
    connection_id: str
    channel_name: str

    @property
    def connection(self) -> str:
        """An opaque public name of this peer's current socket (``connection_id`` itself stays server-side).

        ``joined.peers`` and ``peer-joined`` carry it: a client tells a repeated announcement
        of the same socket from a new socket (a reload) of the same peer.
        """
        return hashlib.blake2s(self.connection_id.encode(), digest_size=8).hexdigest() if self.connection_id else ""

    def public(self, **extra) -> dict:
        """The contract's peer object: ``{peer_id, role, name, muted: {audio, video}}``."""
        data = {
            "peer_id": self.peer_id,
            "role": self.role,
            "name": self.name,
            "muted": {"audio": self.audio_muted, "video": self.video_muted},
        }
        data.update(extra)
        return data


def peer_of(participant: Participant) -> Peer:
    return Peer(
        peer_id=participant.peer_id,
        role=participant.role,
        name=participant.display_name,
        audio_muted=participant.audio_muted,
        video_muted=participant.video_muted,
        presence=participant.presence,
        connection_id=participant.connection_id,
        channel_name=participant.channel_name,
    )


@dataclass
class JoinResult:
    room_id: str
    room_pk: int
    closes_at: datetime
    me: Peer
    participant_pk: int
    lobby: bool
    resumed: bool  # this connection replaces a live or reconnecting one of the same participant
    replaced: Peer | None  # the connection it replaces, to be told to close
    peers: list[Peer] = field(default_factory=list)  # others in the room (online or reconnecting)
    waiting: list[Peer] = field(default_factory=list)  # others in the lobby (for the host)
    expired: list[Peer] = field(default_factory=list)  # reconnecting peers whose grace ran out
    ice_servers: list[dict] = field(default_factory=list)


# --- rooms ------------------------------------------------------------------------


def room_create_for_appointment(*, appointment: Appointment) -> Room:
    """Create the appointment's room with its host (the provider) and its client.

    The lobby is on for notarizations (the provider is a notary): the notary
    admits the client after seeing them. The participant limit is the service's
    ``max_participants`` (default 4). Call inside the booking transaction.
    """
    provider = appointment.provider
    lobby = provider.kind == ProviderKind.NOTARY
    room = Room.objects.create(
        appointment=appointment, lobby_enabled=lobby, max_participants=appointment.service.max_participants
    )
    people = [Participant(room=room, user_id=provider.user_id, role=ParticipantRole.HOST, admitted=True)]
    if appointment.client_id != provider.user_id:  # a provider booking themselves (a test call) is just the host
        people.append(
            Participant(room=room, user_id=appointment.client_id, role=ParticipantRole.CLIENT, admitted=not lobby)
        )
    Participant.objects.bulk_create(people)
    return room


def room_get_for_user(*, user: User, room_id: str) -> Participant:
    """The user's participation in room ``room_id`` (room and appointment loaded).

    Raises ``NotFound`` (404) when the room is missing or the user is not one of
    its participants, alike; ``ParticipantRemoved`` (403) once kicked or denied.
    """
    if not isinstance(room_id, str) or len(room_id) > 64:
        raise NotFound()
    participant = (
        Participant.objects.select_related("room__appointment__provider__user", "room__appointment__service", "user")
        .filter(room__room_id=room_id, user_id=user.pk)
        .first()
    )
    if participant is None:
        raise NotFound()
    if participant.revoked_at is not None:
        raise ParticipantRemoved()
    return participant


def room_join_info(*, participant: Participant, now: datetime | None = None) -> dict:
    """A fresh join ticket and the ICE servers for ``participant``.

    Raises ``RoomEnded`` (409) once the host ended the room, it closed (end plus
    grace) or its appointment was cancelled: no new tickets from then on.
    """
    now = now or dj_timezone.now()
    room = participant.room
    if room.state_at(now) in (RoomState.ENDED, RoomState.CLOSED, RoomState.CANCELLED):
        raise RoomEnded()
    return {
        "ticket": tickets.ticket_issue(
            user_id=participant.user_id, participant_id=participant.pk, room_id=room.room_id, now=now
        ),
        "ice_servers": tickets.ice_servers(participant_id=participant.pk, expires_at=room.closes_at),
    }


def _invite_role_check(*, room: Room, role: str) -> None:
    """``role`` may be invited to ``room``: an invitable role that no registered policy refuses."""
    if role not in INVITABLE_ROLES:
        raise Forbidden("Only an interpreter, a witness or a consular officer can be invited.")
    for policy in INVITE_POLICIES:
        refusal = policy(appointment=room.appointment, role=role)
        if refusal:
            raise ParticipantNotAllowed(refusal)


def _invite_room_lock(*, room: Room, by: User | None, now: datetime) -> Room:
    """The room, locked (inside a transaction), once ``by`` is its host (``None``: the system) and it is not over."""
    room = Room.objects.select_for_update().select_related("appointment").get(pk=room.pk)
    if (
        by is not None
        and not room.participants.filter(user=by, role=ParticipantRole.HOST, revoked_at__isnull=True).exists()
    ):
        raise Forbidden("Only the host invites people.")
    if room.state_at(now) in (RoomState.ENDED, RoomState.CLOSED, RoomState.CANCELLED):
        raise RoomEnded()
    return room


def participant_invite(*, room: Room, by: User, user: User, role: str) -> Participant:
    """The host invites ``user`` as interpreter, witness or consular officer.

    Raises ``Forbidden`` (403) for anyone but the host or for another role,
    ``ParticipantNotAllowed`` (409) when a registered policy refuses the role (an
    interpreter where the notarial matter forbids one, case N3), ``RoomFull`` (409)
    past the room's participant limit, ``RoomEnded`` (409).
    Inviting someone already in the room returns their participation unchanged.
    """
    _invite_role_check(room=room, role=role)
    with transaction.atomic():
        room = _invite_room_lock(room=room, by=by, now=dj_timezone.now())
        existing = room.participants.filter(user=user).first()
        if existing is not None:
            return existing
        if room.participants.filter(revoked_at__isnull=True).count() >= room.max_participants:
            raise RoomFull()
        return Participant.objects.create(
            room=room, user=user, role=role, admitted=not room.lobby_enabled, invited_by=by
        )


def participant_invite_guest(
    *, room: Room, by: User | None, name: str, email: str, role: str, now: datetime | None = None
) -> tuple[Participant, str]:
    """Invite someone without an account as a guest: ``(participant, invite token)``; the link is emailed.

    ``by`` is the host (``None`` when the system adds the person, e.g. a host site's consular
    officer at booking). The guest joins under ``name`` through the lobby (always: the host
    sees who it is before letting them in), with the link
    ``{SITE_URL}/rooms/{room_id}/join/{token}/`` emailed to ``email`` after commit (no email
    when ``email`` is blank). Inviting the same email again re-sends a fresh link and makes
    the earlier ones worthless (new ``invite_nonce``); a guest the host removed stays removed.
    Raises what ``participant_invite`` raises, and ``InvalidInput`` (400) for a blank name.
    Peers do this the same way: Jitsi's and Zoom's guest links (a room-bound link, a name, a lobby).
    """
    now = now or dj_timezone.now()
    name = (name or "").strip()
    email = (email or "").strip().lower()
    if not name:
        raise InvalidInput(fields={"name": ["Give the name the others will see."]})
    _invite_role_check(room=room, role=role)
    with transaction.atomic():
        room = _invite_room_lock(room=room, by=by, now=now)
        participant = room.participants.filter(user__isnull=True, guest_email=email).first() if email else None
        if participant is not None:
            if participant.revoked_at is not None:
                raise ParticipantRemoved("The host removed this guest from the room.")
            participant.guest_name = name
            participant.invite_nonce = secrets.token_hex(8)
            participant.save(update_fields=["guest_name", "invite_nonce"])
        else:
            if room.participants.filter(revoked_at__isnull=True).count() >= room.max_participants:
                raise RoomFull()
            participant = Participant.objects.create(
                room=room,
                user=None,
                guest_name=name,
                guest_email=email,
                invite_nonce=secrets.token_hex(8),
                role=role,
                admitted=False,
                invited_by=by,
            )
        token = tickets.invite_issue(
            participant_id=participant.pk, room_id=room.room_id, nonce=participant.invite_nonce
        )
        if email:
            _email_invite_after_commit(participant=participant, room=room, token=token, by=by)
    return participant, token


def invite_url(*, room_id: str, token: str) -> str:
    """The absolute link of a guest invite (``SITE_URL`` + the join page)."""
    return f"{settings.SITE_URL}{reverse('video-guest-join', kwargs={'room_id': room_id, 'token': token})}"


def _email_invite_after_commit(*, participant: Participant, room: Room, token: str, by: User | None) -> None:
    """After commit, email the guest their link (in the language active now, times in UTC)."""
    url = invite_url(room_id=room.room_id, token=token)
    host = by.full_name if by is not None else room.appointment.provider.user.full_name
    subject = gettext("Invitation to a video session")
    body = gettext(
        "%(host)s invites you to a video session as %(role)s.\n\n"
        "When: %(start)s to %(end)s (UTC). The room opens 15 minutes before.\n"
        "Join with this link (no account needed; keep it to yourself): %(url)s\n\n"
        "You will wait in the lobby until the host lets you in."
    ) % {
        "host": host,
        "role": participant.get_role_display().lower(),
        "start": room.appointment.start.astimezone(UTC).strftime("%Y-%m-%d %H:%M"),
        "end": room.appointment.end.astimezone(UTC).strftime("%H:%M"),
        "url": url,
    }
    to = participant.guest_email
    transaction.on_commit(lambda: send_mail(subject, body, None, [to], fail_silently=True))


def guest_participant_get(*, room_id: str, token: str, now: datetime | None = None) -> Participant:
    """The guest participant an invite ``token`` admits to room ``room_id``.

    Raises ``NotFound`` (404) for a token that is not genuine, names another room or
    another participant, or was replaced by a newer invite (the same answer for each);
    ``ParticipantRemoved`` (403) once the host removed the guest; ``RoomEnded`` (409) once
    the room is over (ended, closed or cancelled: the link expires with the room).
    """
    now = now or dj_timezone.now()
    try:
        invite = tickets.invite_verify(token, room_id=room_id)
    except tickets.InviteInvalid:
        raise NotFound() from None
    participant = (
        Participant.objects.select_related("room__appointment__provider__user", "room__appointment__service")
        .filter(pk=invite.participant_id, room__room_id=room_id, user__isnull=True)
        .first()
    )
    if participant is None or not hmac.compare_digest(participant.invite_nonce, invite.nonce):
        raise NotFound()
    if participant.revoked_at is not None:
        raise ParticipantRemoved()
    if participant.room.state_at(now) in (RoomState.ENDED, RoomState.CLOSED, RoomState.CANCELLED):
        raise RoomEnded()
    return participant


def guest_participant_from_session(*, session, room_id: str) -> Participant | None:
    """The guest participant this browser session opened room ``room_id`` as, or ``None``.

    The join page stores ``{room_id: [participant id, invite nonce]}`` under ``GUEST_SESSION_KEY``.
    The participant is re-read, so a kick or a newer invite ends the session's access.
    """
    entry = (session.get(GUEST_SESSION_KEY) or {}).get(room_id) if session is not None else None
    if not isinstance(entry, list) or len(entry) != 2:
        return None
    participant = (
        Participant.objects.select_related("room__appointment__provider__user", "room__appointment__service")
        .filter(pk=entry[0], room__room_id=room_id, user__isnull=True, invite_nonce=entry[1])
        .first()
    )
    if participant is None:
        return None
    if participant.revoked_at is not None:
        raise ParticipantRemoved()
    return participant


def guest_session_remember(*, session, participant: Participant) -> None:
    """Remember in the browser session that it opened ``participant``'s room as that guest."""
    entries = dict(session.get(GUEST_SESSION_KEY) or {})
    entries[participant.room.room_id] = [participant.pk, participant.invite_nonce]
    session[GUEST_SESSION_KEY] = entries


# --- presence ---------------------------------------------------------------------


def _log(room: Room | int, participant: Participant | None, kind: str, now: datetime, *, by=None, reason="") -> None:
    room_pk = room if isinstance(room, int) else room.pk
    AttendanceEvent.objects.create(
        room_id=room_pk, participant=participant, kind=kind, at=now, by_id=getattr(by, "pk", by), reason=reason
    )


def _go_offline(participant: Participant, now: datetime) -> None:
    participant.presence = Presence.OFFLINE
    participant.presence_at = now
    participant.connection_id = ""
    participant.channel_name = ""
    participant.save(update_fields=["presence", "presence_at", "connection_id", "channel_name"])


def _expire_stale(room: Room, now: datetime) -> list[Peer]:
    """Reconnecting participants whose grace ran out: offline, with a ``leave`` (reason ``timeout``)."""
    cutoff = now - timedelta(seconds=reconnect_grace_seconds())
    expired = []
    for participant in room.participants.select_related("user").filter(
        presence=Presence.RECONNECTING, presence_at__lte=cutoff
    ):
        expired.append(peer_of(participant))
        _go_offline(participant, now)
        _log(room, participant, AttendanceKind.LEAVE, now, reason="timeout")
    return expired


def _refuse_unless_open(room: Room, now: datetime) -> None:
    state = room.state_at(now)
    if state in (RoomState.ENDED, RoomState.CLOSED, RoomState.CANCELLED):
        raise RoomEnded()
    if state == RoomState.SCHEDULED:
        raise RoomNotOpen()


def participant_connect(
    *,
    room_id: str,
    user_id: int | None = None,
    guest: tuple[int, str | None] | None = None,
    connection_id: str,
    channel_name: str,
    now: datetime | None = None,
) -> JoinResult:
    """Register a new socket of ``user_id`` in room ``room_id``; it enters the room or its lobby.

    Refusals (each with its close code): ``NoSuchRoom`` 4404, ``NotParticipant``
    and ``ParticipantRemoved`` 4403, ``RoomNotOpen`` and ``RoomFull`` 4409,
    ``RoomEnded`` 4410. A participant who already has a socket (a second tab, or
    a return within the reconnection grace) keeps their place: the new socket
    replaces the old one (``resumed``; ``replaced`` names the old one) and no
    second ``join`` is logged. The room row is locked, so concurrent joins of
    one room are serialized and the participant limit holds. A guest connects as
    ``guest=(participant id, invite nonce)`` (the nonce from their invite link, or
    ``None`` for a ticket issued after checking it); a stale nonce is ``NotParticipant``.
    """
    now = now or dj_timezone.now()
    with transaction.atomic():
        room = Room.objects.select_for_update().select_related("appointment").filter(room_id=room_id).first()
        if room is None:
            raise NoSuchRoom()
        if guest is not None:
            participant = room.participants.filter(pk=guest[0], user__isnull=True).first()
            if participant is not None and guest[1] is not None and participant.invite_nonce != guest[1]:
                participant = None
        else:
            participant = room.participants.select_related("user").filter(user_id=user_id).first()
        if participant is None:
            raise NotParticipant()
        if participant.revoked_at is not None:
            raise ParticipantRemoved()
        _refuse_unless_open(room, now)
        expired = _expire_stale(room, now)
        if expired:
            participant.refresh_from_db()
        others = [
            p
            for p in room.participants.select_related("user").exclude(pk=participant.pk)
            if p.presence != Presence.OFFLINE
        ]
        previous = peer_of(participant) if participant.presence != Presence.OFFLINE else None
        if previous is None and len(others) + 1 > room.max_participants:
            raise RoomFull()
        lobby = participant.waits_in_lobby
        resumed = previous is not None and previous.presence in (Presence.ONLINE, Presence.RECONNECTING)
        participant.presence = Presence.LOBBY if lobby else Presence.ONLINE
        participant.presence_at = now
        participant.connection_id = connection_id
        participant.channel_name = channel_name
        participant.save(update_fields=["presence", "presence_at", "connection_id", "channel_name"])
        if not lobby and not resumed:
            _log(room, participant, AttendanceKind.JOIN, now)
    return JoinResult(
        room_id=room.room_id,
        room_pk=room.pk,
        closes_at=room.closes_at,
        me=peer_of(participant),
        participant_pk=participant.pk,
        lobby=lobby,
        resumed=resumed,
        # A reconnecting socket is already gone; only a live one (other tab, half-open) is told to close.
        replaced=previous if previous is not None and previous.presence in (Presence.ONLINE, Presence.LOBBY) else None,
        peers=[peer_of(p) for p in others if p.presence in (Presence.ONLINE, Presence.RECONNECTING)],
        waiting=[peer_of(p) for p in others if p.presence == Presence.LOBBY] if participant.is_host else [],
        expired=expired,
        ice_servers=tickets.ice_servers(participant_id=participant.pk, expires_at=room.closes_at),
    )


def participant_enter(*, participant_pk: int, connection_id: str, now: datetime | None = None) -> JoinResult | None:
    """Move an admitted participant's lobby socket into the room; ``None`` if that socket is no longer current."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        room = Room.objects.select_for_update().select_related("appointment").get(participants__pk=participant_pk)
        participant = room.participants.select_related("user").get(pk=participant_pk)
        if participant.connection_id != connection_id or participant.presence != Presence.LOBBY:
            return None
        if not participant.admitted or participant.revoked_at is not None:
            return None
        participant.presence = Presence.ONLINE
        participant.presence_at = now
        participant.save(update_fields=["presence", "presence_at"])
        _log(room, participant, AttendanceKind.JOIN, now)
        others = room.participants.select_related("user").exclude(pk=participant.pk)
        peers = [peer_of(p) for p in others if p.presence in (Presence.ONLINE, Presence.RECONNECTING)]
    return JoinResult(
        room_id=room.room_id,
        room_pk=room.pk,
        closes_at=room.closes_at,
        me=peer_of(participant),
        participant_pk=participant.pk,
        lobby=False,
        resumed=False,
        replaced=None,
        peers=peers,
        ice_servers=tickets.ice_servers(participant_id=participant.pk, expires_at=room.closes_at),
    )


def participant_disconnect(
    *, participant_pk: int, connection_id: str, dropped: bool, reason: str = "left", now: datetime | None = None
) -> tuple[str, Peer] | None:
    """A socket of the participant went away.

    ``dropped`` (no close frame, or an abnormal close): an in-room participant
    becomes ``reconnecting`` and keeps their place for the grace period; returns
    ``("reconnecting", peer)``. Otherwise, or from the lobby, they go offline
    (a ``leave`` is logged for in-room participants); returns ``("left", peer)``
    or ``("left-lobby", peer)``. ``None`` when ``connection_id`` is no longer
    the participant's current socket (it was replaced, kicked, or the room ended).
    """
    now = now or dj_timezone.now()
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=participant_pk, connection_id=connection_id)
            .exclude(presence=Presence.OFFLINE)
            .first()
        )
        if participant is None:
            return None
        if dropped and participant.presence == Presence.ONLINE:
            participant.presence = Presence.RECONNECTING
            participant.presence_at = now
            participant.save(update_fields=["presence", "presence_at"])
            return "reconnecting", peer_of(participant)
        was_lobby = participant.presence == Presence.LOBBY
        peer = peer_of(participant)
        _go_offline(participant, now)
        if not was_lobby:
            _log(participant.room_id, participant, AttendanceKind.LEAVE, now, reason=reason)
        return ("left-lobby" if was_lobby else "left"), peer


def participant_expire(*, participant_pk: int, connection_id: str, now: datetime | None = None) -> Peer | None:
    """End the grace of a reconnecting socket that did not come back; the peer if it was still waiting."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        participant = (
            Participant.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(pk=participant_pk, connection_id=connection_id, presence=Presence.RECONNECTING)
            .first()
        )
        if participant is None:
            return None
        peer = peer_of(participant)
        _go_offline(participant, now)
        _log(participant.room_id, participant, AttendanceKind.LEAVE, now, reason="timeout")
    return peer


def participant_mute(*, participant_pk: int, connection_id: str, kind: str, muted: bool) -> Peer | None:
    """Record that the participant muted or unmuted ``kind`` (``"audio"``/``"video"``); the updated peer."""
    column = "audio_muted" if kind == "audio" else "video_muted"
    updated = Participant.objects.filter(pk=participant_pk, connection_id=connection_id).update(**{column: muted})
    if not updated:
        return None
    return peer_of(Participant.objects.select_related("user").get(pk=participant_pk))


# --- host controls ----------------------------------------------------------------


def _host_and_target(room_pk: int, host_pk: int, peer_id: str) -> tuple[Room, Participant, Participant]:
    room = Room.objects.select_for_update().select_related("appointment").get(pk=room_pk)
    host = room.participants.filter(pk=host_pk, role=ParticipantRole.HOST, revoked_at__isnull=True).first()
    if host is None:
        raise Forbidden("Only the host can do this.")
    try:
        target = room.participants.select_related("user").get(pk=int(peer_id))
    except (Participant.DoesNotExist, TypeError, ValueError, OverflowError):
        raise UnknownPeer() from None
    if target.pk == host.pk or target.is_host:
        raise Forbidden("The host cannot do this to a host.")
    return room, host, target


def participant_admit(*, room_pk: int, host_pk: int, peer_id: str, now: datetime | None = None) -> Peer:
    """The host admits a participant waiting in the lobby (kept for later reconnections); the peer."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        room, host, target = _host_and_target(room_pk, host_pk, peer_id)
        if target.revoked_at is not None:
            raise UnknownPeer()
        if not target.admitted:
            target.admitted = True
            target.save(update_fields=["admitted"])
            _log(room, target, AttendanceKind.ADMIT, now, by=host.user_id)
    return peer_of(target)


def participant_revoke(*, room_pk: int, host_pk: int, peer_id: str, reason: str, now: datetime | None = None) -> Peer:
    """The host denies a waiting participant or kicks one from the room (``reason`` ``denied``/``kicked``).

    Membership is revoked on the server: every later connection of theirs,
    with any ticket, is refused 4403. Returns the peer as it was (with its
    socket's channel, to close it).
    """
    now = now or dj_timezone.now()
    with transaction.atomic():
        room, host, target = _host_and_target(room_pk, host_pk, peer_id)
        if target.revoked_at is not None:
            raise UnknownPeer()
        peer = peer_of(target)
        target.revoked_at = now
        target.revoked_reason = reason
        target.admitted = False
        target.save(update_fields=["revoked_at", "revoked_reason", "admitted"])
        kind = AttendanceKind.DENY if reason == RevokeReason.DENIED else AttendanceKind.KICK
        _log(room, target, kind, now, by=host.user_id)
        if target.presence in (Presence.ONLINE, Presence.RECONNECTING):
            _log(room, target, AttendanceKind.LEAVE, now, reason=reason)
        if target.presence != Presence.OFFLINE:
            _go_offline(target, now)
    return peer


def room_end(*, room_pk: int, host_pk: int, now: datetime | None = None) -> Room:
    """The host ends the session: ``ended_at`` is set, every present participant's ``leave`` is logged.

    From then on tickets are refused (409 over HTTP, 4410 on the socket).
    """
    now = now or dj_timezone.now()
    with transaction.atomic():
        room = Room.objects.select_for_update().select_related("appointment").get(pk=room_pk)
        host = room.participants.filter(pk=host_pk, role=ParticipantRole.HOST, revoked_at__isnull=True).first()
        if host is None:
            raise Forbidden("Only the host can end the room.")
        if room.ended_at is None:
            room.ended_at = now
            room.ended_by_id = host.user_id
            room.save(update_fields=["ended_at", "ended_by"])
            _log(room, host, AttendanceKind.END, now, by=host.user_id)
        for participant in room.participants.exclude(presence=Presence.OFFLINE):
            if participant.presence != Presence.LOBBY:
                _log(room, participant, AttendanceKind.LEAVE, now, reason="room_ended")
            _go_offline(participant, now)
    return room


# --- the appointment changes under a live room ------------------------------------


def room_recording_announce(*, appointment_id: int, state: str, reason: str = "") -> None:
    """After commit, tell every socket of the appointment's room that its recording ``started`` or ``stopped``.

    Called by the app that records (notary.recordings, notary.services.session); sockets send
    ``recording {state, reason?}``: every participant's page shows whether the session is being
    recorded now from this, not from a guess of its own.
    """
    room_id = Room.objects.filter(appointment_id=appointment_id).values_list("room_id", flat=True).first()
    if room_id is None:
        return
    message = {"type": "video.recording", "state": state}
    if reason:
        message["reason"] = reason
    room_broadcast_after_commit(room_id=room_id, message=message)


def room_broadcast_after_commit(*, room_id: str, message: dict) -> None:
    """After the current transaction commits, send ``message`` to every socket of room ``room_id``.

    Through the channel layer's group, so sockets on every Daphne process get it (Redis layer).
    ``message`` is a consumer event (``{"type": "video.ended", ...}``).
    """

    def send():
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(room_group_name(room_id), message)
        except Exception:  # noqa: BLE001 - the change is committed; a layer outage must not turn it into a 500
            logger.exception("video: telling room %s's sockets about %s failed", room_id, message["type"])

    transaction.on_commit(send)


def _close_everyone(room: Room, now: datetime, *, reason: str) -> None:
    """Log a ``leave`` (``reason``) for each participant in the room and take everyone, lobby too, offline."""
    for participant in room.participants.exclude(presence=Presence.OFFLINE):
        if participant.presence != Presence.LOBBY:
            _log(room, participant, AttendanceKind.LEAVE, now, reason=reason)
        _go_offline(participant, now)


def room_on_appointment_cancelled(*, appointment: Appointment, by: User, now: datetime | None = None) -> None:
    """The appointment was cancelled: its room ends for the people in it. Call inside the cancel transaction.

    Logs an ``end`` (reason ``cancelled``, by the canceller) and a ``leave`` for each
    participant present; after commit every socket of the room, on any process, gets
    ``room-ended {reason: "cancelled"}`` and is closed 4410. From then on the room refuses
    tickets (its state is ``cancelled``).
    """
    now = now or dj_timezone.now()
    room = Room.objects.select_for_update().filter(appointment_id=appointment.pk).first()
    if room is None:
        return
    canceller = room.participants.filter(user_id=by.pk).first()
    _log(room, canceller, AttendanceKind.END, now, by=by.pk, reason="cancelled")
    _close_everyone(room, now, reason="cancelled")
    room_broadcast_after_commit(room_id=room.room_id, message={"type": "video.ended", "reason": "cancelled"})


def room_on_appointment_rescheduled(*, appointment: Appointment, now: datetime | None = None) -> None:
    """The appointment moved (``appointment`` holds the new times). Call inside the reschedule transaction.

    The room moves with it (its window is derived from the appointment). If the new window
    no longer includes ``now``, the people in the room leave (``leave``, reason
    ``rescheduled``) and after commit every socket gets ``room-ended {reason:
    "rescheduled", opens_at, closes_at}`` (the new window, UTC) and is closed 4409 (not open
    yet): the room is not over, it opens again at the new time. If ``now`` is still inside
    the new window, the sockets stay and only move their closing time
    (``video.rescheduled``). A reschedule must start after ``now``, so the new window can
    only lie ahead of ``now`` or around it.
    """
    now = now or dj_timezone.now()
    room = Room.objects.select_for_update().filter(appointment_id=appointment.pk).first()
    if room is None:
        return
    room.appointment = appointment
    window = {"opens_at": _iso(room.opens_at), "closes_at": _iso(room.closes_at)}
    if room.state_at(now) == RoomState.OPEN:
        message = {"type": "video.rescheduled", **window}
    else:
        _close_everyone(room, now, reason="rescheduled")
        message = {"type": "video.ended", "reason": "rescheduled", **window}
    room_broadcast_after_commit(room_id=room.room_id, message=message)


def _iso(value: datetime) -> str:
    """UTC ISO 8601 with ``Z`` (the API's form, ``scheduling.api.iso_utc``)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
