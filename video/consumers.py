"""The signaling consumer (DESIGN.md, Video, WebSocket ``/ws/rooms/{room_id}/``).

Thin: frames are validated by :mod:`video.protocol`, rules live in
:mod:`video.services` and run on connect, host actions, mute and disconnect
only. Membership is cached at connect (``self.peers``: peer id -> where its
socket is) and kept current by the room group's presence events, so relaying
an offer, answer or ICE candidate touches no database.

Cross-process: every socket of a room joins the channel-layer group
``video.<room_id>`` (presence and control events); offers, answers and
candidates go with ``channel_layer.send`` straight to the named peer's
channel, never to the group, so a full channel raises ``ChannelFull`` and the
sender gets ``error {code: "backpressure"}`` instead of a silent drop (group
sends drop silently in channels_redis and the in-memory layer).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import secrets
from datetime import datetime
from time import monotonic
from urllib.parse import urlparse

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull, StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.utils import timezone as dj_timezone

from config.errors import DomainError

from . import protocol, services, tickets
from .models import RevokeReason, room_group_name

logger = logging.getLogger(__name__)

try:  # channels_redis raises redis-py's errors when Redis cannot be reached
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    LAYER_UNAVAILABLE: tuple[type[BaseException], ...] = (_RedisConnectionError, _RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover - the in-memory layer has no such failure
    LAYER_UNAVAILABLE = (OSError,)

# ``json.dumps(data, separators=...)`` builds a new JSONEncoder on every call; this is the same encoder, built once.
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _setting(name: str, default):
    return getattr(settings, name, default)


def session_passed_otp(user, session) -> bool:
    """A notary's or staff member's session cookie opens a room only after the second factor (accounts/otp.py)."""
    from accounts.otp import otp_session_is_verified, user_requires_otp

    return not user_requires_otp(user) or otp_session_is_verified(user=user, session=session)


def origin_allowed(scope) -> bool:
    """No ``Origin`` (a non-browser client with a ticket) or one of ``ALLOWED_HOSTS``/``CSRF_TRUSTED_ORIGINS``.

    A browser always sends ``Origin`` on a WebSocket handshake, so a page of
    another site cannot ride on a visitor's session cookie (cross-site WebSocket hijacking).
    """
    origin = None
    for name, value in scope.get("headers", []):
        if name == b"origin":
            origin = value.decode("latin1")
    if origin is None:
        return True
    parsed = urlparse(origin)
    if parsed.hostname is None:
        return False
    patterns = list(settings.ALLOWED_HOSTS) + list(_setting("CSRF_TRUSTED_ORIGINS", []))
    return OriginValidator(None, patterns).validate_origin(parsed)


class RoomConsumer(AsyncWebsocketConsumer):
    """One socket of one participant in one room; states: authenticating -> lobby -> joined -> closed."""

    state: str = "new"

    async def __call__(self, scope, receive, send):
        """As ``AsyncConsumer.__call__``, with :func:`dispatch_in_turn` instead of Channels' ``await_many_dispatch``."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send
        try:
            await dispatch_in_turn([receive, self.channel_receive], self.dispatch)
        except StopConsumer:
            pass
        except LAYER_UNAVAILABLE as exc:
            await self.layer_lost(exc)

    async def layer_lost(self, exc: BaseException):
        """The channel layer (Redis) failed: say so, close 4503, and keep the participant's place.

        The participant becomes ``reconnecting`` (as after a network drop) so that the
        client's return, once Redis is back, resumes its place; without Redis no
        presence event can reach the other sockets, which get the same error.
        """
        logger.warning("video: channel layer unavailable, closing socket 4503: %r", exc)
        for timer in self.timers:
            timer.cancel()
        was, self.state = self.state, "closed"
        if self.participant_pk is not None and not self.left and was in ("lobby", "joined"):
            self.left = True
            try:
                await database_sync_to_async(services.participant_disconnect)(
                    participant_pk=self.participant_pk,
                    connection_id=self.connection_id,
                    dropped=True,
                    reason="signaling_unavailable",
                )
            except Exception:  # noqa: BLE001 - the socket must still get its answer
                logger.exception("video: recording the drop after a channel-layer failure failed")
        try:
            if not getattr(self, "accepted", False):  # the layer failed before the handshake was answered
                await self.base_send({"type": "websocket.accept"})
            await self.send_json(
                {
                    "type": "error",
                    "code": "signaling_unavailable",
                    "message": "Signaling is briefly unavailable; reconnect in a few seconds.",
                }
            )
            await self.base_send({"type": "websocket.close", "code": protocol.CLOSE_UNAVAILABLE})
        except Exception:  # noqa: BLE001 - the client may already be gone
            pass

    async def dispatch(self, message):
        """As ``AsyncConsumer.dispatch`` without its per-message ``aclose_old_connections()``.

        Channels >= 4.2 hops to a worker thread before every handler to close stale
        database connections: one thread round trip per ICE candidate. Every ORM call
        here goes through ``database_sync_to_async``, which closes them itself.
        """
        kind = message["type"]
        name = _HANDLER_NAMES.get(kind)
        if name is None:
            name = _HANDLER_NAMES[kind] = get_handler_name(message)
        handler = getattr(self, name, None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    # --- connection ---------------------------------------------------------------

    async def connect(self):
        self.room_id: str = self.scope["url_route"]["kwargs"]["room_id"]
        self.group = room_group_name(self.room_id)
        self.connection_id = secrets.token_hex(8)
        self.peers: dict[str, dict] = {}  # peer_id -> {"channel", "connection_id", "presence", "role"}
        self.seq: dict[str, int] = {}
        self.participant_pk: int | None = None
        self.peer_id = self.role = None
        self.left = False
        self.timers: list[asyncio.TimerHandle] = []
        self.close_timer: asyncio.TimerHandle | None = None
        self.limiter = protocol.RateLimiter(
            burst=_setting("VIDEO_RATE_BURST", 300), per_second=_setting("VIDEO_RATE_PER_SECOND", 100), clock=monotonic
        )
        await self.accept()
        self.accepted = True
        if not origin_allowed(self.scope):
            await self.refuse(protocol.CLOSE_FORBIDDEN, "forbidden_origin", "This origin may not open rooms.")
            return
        # A browser that opened this room through a guest invite link (video.views.guest_join) joins as that
        # guest, even when someone is signed in on it; otherwise a signed-in user joins as themself.
        try:
            guest = await database_sync_to_async(services.guest_participant_from_session)(
                session=self.scope.get("session"), room_id=self.room_id
            )
        except services.RoomRefused as exc:
            await self.refuse(exc.close_code, exc.code, exc.message)
            return
        if guest is not None:
            await self.join(guest=(guest.pk, guest.invite_nonce))
            return
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            if not await database_sync_to_async(session_passed_otp)(user, self.scope.get("session")):
                await self.refuse(
                    protocol.CLOSE_UNAUTHENTICATED,
                    "otp_required",
                    "Confirm your one-time code at /accounts/otp/ first.",
                )
                return
            await self.join(user_id=user.pk)
            return
        self.state = "authenticating"
        loop = asyncio.get_running_loop()
        self.timers.append(
            loop.call_later(
                _setting("VIDEO_AUTH_TIMEOUT_SECONDS", 5), lambda: asyncio.ensure_future(self.auth_timeout())
            )
        )

    async def auth_timeout(self):
        if self.state == "authenticating":
            await self.refuse(protocol.CLOSE_UNAUTHENTICATED, "unauthenticated", "Send an auth frame first.")

    async def refuse(self, close_code: int, code: str, message: str):
        """Close with ``close_code`` after an ``error`` frame (the close reason is not always visible to pages)."""
        if self.state == "closed":
            return
        if self.state in ("lobby", "joined") and not self.left:
            await self.leave(reason=code, dropped=False)  # a refused socket leaves now, it does not linger
        self.state = "closed"
        await self.send_json({"type": "error", "code": code, "message": message})
        await self.close(code=close_code)

    async def join(self, *, user_id: int | None = None, guest: tuple[int, str | None] | None = None):
        """Register this socket as ``user_id``'s, or a guest's (``(participant id, invite nonce or None)``)."""
        self.state = "joining"
        await self.channel_layer.group_add(self.group, self.channel_name)
        try:
            # Not thread-sensitive: joins of different rooms run in parallel worker threads instead of
            # queueing behind every other ORM call of the process (200-room join storm: p99 -40%).
            result = await database_sync_to_async(services.participant_connect, thread_sensitive=False)(
                room_id=self.room_id,
                user_id=user_id,
                guest=guest,
                connection_id=self.connection_id,
                channel_name=self.channel_name,
            )
        except services.RoomRefused as exc:
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.refuse(exc.close_code, exc.code, exc.message)
            return
        self.participant_pk, self.peer_id, self.role = result.participant_pk, result.me.peer_id, result.me.role
        # What every relayed frame of this socket starts with, up to its seq (stamped per frame in relay()).
        self.relay_heads = {
            kind: f'{{"type":{_dumps(kind)},"from":{_dumps(self.peer_id)},"seq":' for kind in protocol.RELAYED
        }
        self.room_pk = result.room_pk
        self.schedule_room_close(result.closes_at)
        if result.replaced is not None:
            await self.safe_send(
                result.replaced.channel_name, {"type": "video.replaced", "connection_id": result.replaced.connection_id}
            )
        for peer in result.expired:
            await self.broadcast({"type": "peer-left", "peer_id": peer.peer_id, "reason": "timeout"}, peer)
        if result.lobby:
            self.state = "lobby"
            await self.send_json({"type": "lobby"})
            await self.broadcast({"type": "peer-waiting", "peer": result.me.public()}, result.me, audience="hosts")
            return
        await self.enter(result)

    async def enter(self, result: services.JoinResult):
        self.state = "joined"
        self.peers = {p.peer_id: self._ref(p) for p in result.peers}
        joined = {
            "type": "joined",
            "peer_id": self.peer_id,
            "role": self.role,
            "peers": [p.public(state=p.presence, connection=p.connection) for p in result.peers],
            "ice_servers": result.ice_servers,
            "resumed": result.resumed,
        }
        if self.role == "host":
            joined["waiting"] = [p.public() for p in result.waiting]
        await self.send_json(joined)
        me = result.me.public(resumed=result.resumed, connection=result.me.connection)
        await self.broadcast({"type": "peer-joined", "peer": me}, result.me)

    def schedule_room_close(self, closes_at):
        """(Re)set the timer that closes this socket when the room's time is up (``closes_at``, UTC-aware)."""
        if self.close_timer is not None:
            self.close_timer.cancel()
        delay = (closes_at - dj_timezone.now()).total_seconds()
        loop = asyncio.get_running_loop()
        self.close_timer = loop.call_later(max(delay, 0), lambda: asyncio.ensure_future(self.room_time_up()))
        self.timers.append(self.close_timer)

    async def room_time_up(self):
        if self.state in ("lobby", "joined"):
            await self.leave(reason="room_closed", dropped=False)
            self.state = "closed"
            await self.send_json({"type": "room-ended", "reason": "time_up"})
            await self.close(code=protocol.CLOSE_ENDED)

    async def disconnect(self, code):
        for timer in self.timers:
            timer.cancel()
        was = self.state
        self.state = "closed"
        try:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        except LAYER_UNAVAILABLE:
            pass  # the group entry expires with the layer's group_expiry
        if self.participant_pk is None or self.left or was not in ("lobby", "joined"):
            return
        # 1000/1001 are clean closes (hang up, tab closed); anything else, or no code, is a drop.
        await self.leave(reason="left", dropped=code not in (1000, 1001))

    async def leave(self, *, reason: str, dropped: bool):
        self.left = True
        outcome = await database_sync_to_async(services.participant_disconnect)(
            participant_pk=self.participant_pk, connection_id=self.connection_id, dropped=dropped, reason=reason
        )
        if outcome is None:
            return
        what, peer = outcome
        if what == "reconnecting":
            await self.broadcast({"type": "peer-reconnecting", "peer_id": peer.peer_id}, peer)
            asyncio.ensure_future(
                expire_after_grace(self.channel_layer, self.group, self.participant_pk, self.connection_id)
            )
        else:
            audience = "hosts" if what == "left-lobby" else "members"
            await self.broadcast(
                {"type": "peer-left", "peer_id": peer.peer_id, "reason": reason}, peer, audience=audience
            )

    # --- frames from the client -----------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.state == "closed":
            return
        if not self.limiter.allow():
            await self.refuse(protocol.CLOSE_RATE_LIMITED, "rate_limited", "Too many frames.")
            return
        try:
            frame = protocol.frame_parse(text_data, bytes_data)
        except protocol.ProtocolError as exc:
            if exc.close_code is not None:
                await self.refuse(exc.close_code, exc.code, exc.message)
            else:
                await self.error(exc.code, exc.message)
            return
        if self.state == "authenticating":
            await self.on_auth(frame)
        elif frame.type == "auth":
            await self.error("already_authenticated", "This socket is already authenticated.")
        elif self.state == "lobby" and frame.type not in protocol.LOBBY_ALLOWED:
            await self.error("not_admitted", "Wait until the host admits you.")
        elif self.state in ("lobby", "joined"):
            await getattr(self, "on_" + frame.type)(frame)

    async def on_auth(self, frame: protocol.Frame):
        if frame.type != "auth":
            await self.refuse(protocol.CLOSE_UNAUTHENTICATED, "unauthenticated", "Send an auth frame first.")
            return
        try:
            ticket = tickets.ticket_verify(frame.fields["ticket"], room_id=self.room_id, now=dj_timezone.now())
        except tickets.TicketInvalid:
            await self.refuse(protocol.CLOSE_UNAUTHENTICATED, "invalid_ticket", "The ticket is invalid or expired.")
            return
        if ticket.user_id is not None:
            await self.join(user_id=ticket.user_id)
        else:
            await self.join(guest=(ticket.participant_id, None))

    async def on_ping(self, frame):
        await self.send_json({"type": "pong"})

    async def on_leave(self, frame):
        await self.leave(reason="left", dropped=False)
        self.state = "closed"
        await self.close(code=1000)

    async def relay(self, frame: protocol.Frame):
        to = frame.fields["to"]
        peer = self.peers.get(to)
        if peer is None:
            await self.error("unknown_peer", "No such peer in this room.")
            return
        if peer["presence"] != "online":
            await self.error("peer_unavailable", "This peer is reconnecting.", ref={"type": frame.type, "to": to})
            return
        seq = self.seq.get(to, 0) + 1
        # The frame is already validated and holds only its known fields: encode it once, here, as
        # {"type", "from", "seq", <fields but "to">}; the peer's socket forwards the text as is.
        body = _dumps({k: v for k, v in frame.fields.items() if k != "to"})
        text = self.relay_heads[frame.type] + str(seq) + ("," + body[1:] if len(body) > 2 else "}")
        try:
            await self.channel_layer.send(
                peer["channel"], {"type": "video.relay", "connection_id": peer["connection_id"], "text": text}
            )
        except ChannelFull:
            await self.error(
                "backpressure",
                "The peer is not keeping up; this message was not delivered. Send it again shortly.",
                ref={"type": frame.type, "to": to},
            )
            return
        self.seq[to] = seq

    on_offer = on_answer = on_candidate = relay

    async def on_mute(self, frame):
        peer = await database_sync_to_async(services.participant_mute)(
            participant_pk=self.participant_pk, connection_id=self.connection_id, **frame.fields
        )
        if peer is not None:
            await self.broadcast({"type": "peer-updated", "peer": peer.public()}, peer)

    async def host_only(self) -> bool:
        if self.role != "host":
            await self.error("forbidden", "Only the host can do this.")
            return False
        return True

    async def on_admit(self, frame):
        if not await self.host_only():
            return
        peer = await self.host_call(services.participant_admit, peer_id=frame.fields["peer_id"])
        if peer is not None and peer.presence == "lobby":
            await self.safe_send(peer.channel_name, {"type": "video.admitted", "connection_id": peer.connection_id})

    async def on_deny(self, frame):
        await self.revoke(frame, RevokeReason.DENIED)

    async def on_kick(self, frame):
        await self.revoke(frame, RevokeReason.KICKED)

    async def revoke(self, frame, reason: str):
        if not await self.host_only():
            return
        peer = await self.host_call(services.participant_revoke, peer_id=frame.fields["peer_id"], reason=reason)
        if peer is None:
            return
        if peer.channel_name:
            await self.safe_send(
                peer.channel_name, {"type": "video.revoked", "connection_id": peer.connection_id, "reason": reason}
            )
        audience = "hosts" if peer.presence == "lobby" else "members"
        await self.broadcast({"type": "peer-left", "peer_id": peer.peer_id, "reason": reason}, peer, audience=audience)

    async def on_end(self, frame):
        if not await self.host_only():
            return
        room = await database_sync_to_async(self._end)()
        if room is not None:
            await self.channel_layer.group_send(self.group, {"type": "video.ended", "reason": "host_ended"})

    def _end(self):
        return services.room_end(room_pk=self.room_pk, host_pk=self.participant_pk)

    async def host_call(self, fn, **kwargs):
        def call():
            return fn(room_pk=self.room_pk, host_pk=self.participant_pk, **kwargs)

        try:
            return await database_sync_to_async(call)()
        except DomainError as exc:
            await self.error(exc.code, exc.message)
            return None

    # --- events from the channel layer ------------------------------------------------

    async def video_event(self, message):
        """A presence event for the room group; ``peer`` carries where that peer's socket is.

        This socket joined the group before the join's snapshot (``joined.peers``) was taken, so
        that no event falls between the two; events broadcast in between arrive after ``joined``
        and say what the snapshot already said. Those are dropped here: a socket hears of each
        connection of a peer once, in ``joined.peers`` or in ``peer-joined``, never both (two pages
        opened at once were both told, and each waited for the other's offer). The same goes for
        a ``peer-reconnecting`` or ``peer-left`` of a connection older than the one this socket knows.
        """
        event, peer = message["event"], message["peer"]
        if self.state not in ("lobby", "joined") or peer["peer_id"] == self.peer_id:
            return
        if self.state == "joined" and not self.note_presence(event["type"], peer):
            return
        if self.state != "joined" or (message["audience"] == "hosts" and self.role != "host"):
            return
        await self.send_json(event)

    def note_presence(self, kind: str, peer: dict) -> bool:
        """Update ``self.peers`` from a presence event; False when the event repeats or predates what it knows."""
        peer_id, known = peer["peer_id"], self.peers.get(peer["peer_id"])
        same = known is not None and known["connection_id"] == peer["connection_id"]
        stale = known is not None and bool(peer["connection_id"]) and not same
        if kind == "peer-joined":
            if same and known["presence"] == "online":
                return False
            self.peers[peer_id] = {**peer, "presence": "online"}
        elif kind == "peer-left":
            if stale:
                return False
            self.peers.pop(peer_id, None)
            self.seq.pop(peer_id, None)
        elif kind == "peer-reconnecting" and known is not None:
            if not same or known["presence"] == "reconnecting":
                return False
            known["presence"] = "reconnecting"
        return True

    async def video_relay(self, message):
        """An offer, answer or candidate for this socket, already encoded by the sender's consumer (see relay())."""
        if self.state == "joined" and message["connection_id"] == self.connection_id:
            await self.base_send({"type": "websocket.send", "text": message["text"]})

    async def video_admitted(self, message):
        if self.state != "lobby" or message["connection_id"] != self.connection_id:
            return
        result = await database_sync_to_async(services.participant_enter)(
            participant_pk=self.participant_pk, connection_id=self.connection_id
        )
        if result is not None:
            await self.send_json({"type": "admitted"})
            await self.enter(result)

    async def video_revoked(self, message):
        if message["connection_id"] != self.connection_id or self.state == "closed":
            return
        self.left = True
        self.state = "closed"
        await self.send_json({"type": "kicked", "reason": message["reason"]})
        await self.close(code=protocol.CLOSE_FORBIDDEN)

    async def video_replaced(self, message):
        if message["connection_id"] != self.connection_id or self.state == "closed":
            return
        self.left = True
        await self.refuse(protocol.CLOSE_REPLACED, "replaced", "This room was opened in another tab or window.")

    async def video_ended(self, message):
        """The host ended the room, or its appointment was cancelled or moved out of the present.

        ``room-ended {reason}`` (with the new ``opens_at``/``closes_at`` after a reschedule), then
        close 4410, or 4409 after a reschedule: the room opens again at the new time.
        """
        if self.state not in ("lobby", "joined"):
            return
        self.left = True
        self.state = "closed"
        event = {k: v for k, v in message.items() if k != "type"}
        await self.send_json({"type": "room-ended", **event})
        rescheduled = message["reason"] == "rescheduled"
        await self.close(code=protocol.CLOSE_NOT_OPEN_OR_FULL if rescheduled else protocol.CLOSE_ENDED)

    async def video_recording(self, message):
        """The session's recording started or stopped (``video.services.room_recording_announce``): ``recording``."""
        if self.state in ("lobby", "joined"):
            await self.send_json({"type": "recording", **{k: v for k, v in message.items() if k != "type"}})

    async def video_rescheduled(self, message):
        """The appointment moved but the room stays open now: close at the new time."""
        if self.state in ("lobby", "joined"):
            self.schedule_room_close(datetime.fromisoformat(message["closes_at"]))

    # --- helpers --------------------------------------------------------------------

    @staticmethod
    def _ref(peer: services.Peer) -> dict:
        return {
            "peer_id": peer.peer_id,
            "channel": peer.channel_name,
            "connection_id": peer.connection_id,
            "presence": peer.presence,
            "role": peer.role,
        }

    async def broadcast(self, event: dict, peer: services.Peer, *, audience: str = "members"):
        await self.channel_layer.group_send(
            self.group,
            {
                "type": "video.event",
                "event": event,
                "peer": self._ref(peer),
                "audience": audience,
                "sender": self.connection_id,
            },
        )

    async def safe_send(self, channel: str, message: dict):
        try:
            await self.channel_layer.send(channel, message)
        except ChannelFull:
            logger.warning("video: control message to a full channel was dropped: %s", message["type"])

    async def error(self, code: str, message: str, **extra):
        await self.send_json({"type": "error", "code": code, "message": message, **extra})

    async def send_json(self, data: dict):
        await self.base_send({"type": "websocket.send", "text": _dumps(data)})


_HANDLER_NAMES: dict[str, str] = {}  # message type -> handler method name (get_handler_name's checks run once per type)


async def dispatch_in_turn(sources, dispatch):
    """Feed what each awaitable ``source()`` returns to ``dispatch``, one message at a time, until one fails.

    Same contract as ``channels.utils.await_many_dispatch`` (each source read in order,
    ``dispatch`` never runs twice at once, the first exception, e.g. ``StopConsumer``,
    ends it and stops every source), without its per-message ``asyncio.wait`` and new
    task: one long-lived task per source takes turns through a lock, so a message
    reaches its handler in the event-loop step that delivered it instead of three
    steps later.
    """
    turn = asyncio.Lock()
    stopped = False

    async def pump(source):
        nonlocal stopped
        while True:
            message = await source()
            async with turn:
                if stopped:
                    return
                try:
                    await dispatch(message)
                except BaseException:
                    stopped = True
                    raise
            # Let other tasks run before the next message, as a new task per message did: a burst
            # already queued for this socket must not run in one event-loop step (the peer's
            # consumer takes each relay off its channel as it comes). After the dispatch, so no latency.
            await asyncio.sleep(0)

    tasks = [asyncio.ensure_future(pump(source)) for source in sources]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def expire_after_grace(layer, group: str, participant_pk: int, connection_id: str):
    """After the reconnection grace, a socket that did not come back leaves (``peer-left``, reason ``timeout``).

    Runs in the process that saw the drop; if that process dies, the next join
    to the room expires stale entries (``services.participant_connect``).
    """
    await asyncio.sleep(services.reconnect_grace_seconds())
    try:
        peer = await database_sync_to_async(services.participant_expire)(
            participant_pk=participant_pk, connection_id=connection_id
        )
    except Exception:  # noqa: BLE001 - a background task must not die silently
        logger.exception("video: expiring a reconnecting participant failed")
        return
    if peer is not None:
        await layer.group_send(
            group,
            {
                "type": "video.event",
                "event": {"type": "peer-left", "peer_id": peer.peer_id, "reason": "timeout"},
                "peer": RoomConsumer._ref(peer),
                "audience": "members",
                "sender": "",
            },
        )
