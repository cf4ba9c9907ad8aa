"""Signaling consumer cases V1 and V3-V7 of cases/video.md, over the real ASGI stack (WebsocketCommunicator)."""

from __future__ import annotations

import asyncio
from unittest.mock import ANY

import pytest
from channels.layers import channel_layers

from tests.factories import make_user
from tests.video.conftest import make_room
from tests.video.ws import open_socket, open_with_ticket, recv, recv_type, run_async, silent, until_closed
from video.models import AttendanceEvent, Participant, ParticipantRole, Presence, Room
from video.services import participant_revoke

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _signaling_settings(settings):
    settings.STUN_URLS = []
    settings.VIDEO_AUTH_TIMEOUT_SECONDS = 0.3
    channel_layers.backends = {}
    yield
    channel_layers.backends = {}


async def joined(room_id, user):
    comm = await open_socket(room_id, user=user)
    await recv_type(comm, "joined")
    return comm


def run(scenario):
    run_async(scenario)


def peer(p: Participant, name: str, state: str | None = "online", **extra) -> dict:
    data = {"peer_id": str(p.pk), "role": p.role, "name": name, "muted": {"audio": False, "video": False}}
    if state is not None:
        data["state"] = state
    if state is not None or "resumed" in extra:  # in joined.peers or peer-joined: which socket of theirs
        data["connection"] = ANY
    data.update(extra)
    return data


def add_participant(room: Room, email: str, role=ParticipantRole.INTERPRETER, **fields) -> Participant:
    user = make_user(email, full_name=email.split("@")[0])
    return Participant.objects.create(room=room, user=user, role=role, admitted=not room.lobby_enabled, **fields)


# --- joining ---------------------------------------------------------------------------


def test_host_then_client_join_and_see_each_other(open_room):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        assert await recv(host) == {
            "type": "joined",
            "peer_id": str(hp.pk),
            "role": "host",
            "peers": [],
            "ice_servers": [],
            "resumed": False,
            "waiting": [],
        }
        client = await open_with_ticket(room.room_id, open_room.client)
        assert await recv(client) == {
            "type": "joined",
            "peer_id": str(cp.pk),
            "role": "client",
            "peers": [peer(hp, "lawyer")],
            "ice_servers": [],
            "resumed": False,
        }
        assert await recv(host) == {"type": "peer-joined", "peer": peer(cp, "Chen Client", None, resumed=False)}
        await client.send_json_to({"type": "ping"})
        assert await recv(client) == {"type": "pong"}
        await client.send_json_to({"type": "mute", "kind": "audio", "muted": True})
        updated = peer(cp, "Chen Client", None)
        updated["muted"]["audio"] = True
        assert await recv(host) == {"type": "peer-updated", "peer": updated}
        await client.send_json_to({"type": "leave"})
        assert await until_closed(client) == ([], 1000)
        assert await recv(host) == {"type": "peer-left", "peer_id": str(cp.pk), "reason": "left"}
        await host.disconnect()

    run(scenario)
    assert list(AttendanceEvent.objects.values_list("participant_id", "kind", "reason")) == [
        (hp.pk, "join", ""),
        (cp.pk, "join", ""),
        (cp.pk, "leave", "left"),
        (hp.pk, "leave", "left"),
    ]


def test_relay_goes_only_to_the_named_peer_with_from_and_seq(open_room):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant
    ip = add_participant(room, "interpreter@example.com")

    async def scenario():
        host, interp, client = [await joined(room.room_id, u) for u in (open_room.host, ip.user, open_room.client)]
        (
            await recv_type(host, "peer-joined"),
            await recv_type(host, "peer-joined"),
            await recv_type(interp, "peer-joined"),
        )
        await client.send_json_to({"type": "offer", "to": str(hp.pk), "sdp": "v=0 offer", "from": "spoofed", "seq": 99})
        await client.send_json_to(
            {
                "type": "candidate",
                "to": str(hp.pk),
                "candidate": {"candidate": "candidate:1", "sdpMid": "0", "sdpMLineIndex": 0},
            }
        )
        await client.send_json_to({"type": "candidate", "to": str(hp.pk), "candidate": None})
        assert await recv(host) == {"type": "offer", "from": str(cp.pk), "seq": 1, "sdp": "v=0 offer"}
        assert await recv(host) == {
            "type": "candidate",
            "from": str(cp.pk),
            "seq": 2,
            "candidate": {"candidate": "candidate:1", "sdpMid": "0", "sdpMLineIndex": 0},
        }
        assert await recv(host) == {"type": "candidate", "from": str(cp.pk), "seq": 3, "candidate": None}
        await host.send_json_to({"type": "answer", "to": str(cp.pk), "sdp": "v=0 answer"})
        assert await recv(client) == {"type": "answer", "from": str(hp.pk), "seq": 1, "sdp": "v=0 answer"}
        assert await silent(interp)
        for comm in (host, interp, client):
            await comm.disconnect()

    run(scenario)


# --- V1: refusals ----------------------------------------------------------------------


def test_v1_every_wrong_join_is_refused_with_its_code_and_sees_no_event(open_room):
    room = open_room.room
    other = make_room(prefix="other-")
    stranger = make_user("stranger@example.com")
    kicked = add_participant(room, "kicked@example.com")
    participant_revoke(room_pk=room.pk, host_pk=open_room.host_participant.pk, peer_id=str(kicked.pk), reason="kicked")

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        await recv_type(host, "joined")

        anonymous = await open_socket(room.room_id)
        assert await until_closed(anonymous) == (
            [{"type": "error", "code": "unauthenticated", "message": "Send an auth frame first."}],
            4401,
        )
        anonymous_talks = await open_socket(room.room_id, origin=None)
        await anonymous_talks.send_json_to({"type": "offer", "to": "1", "sdp": "x"})
        assert (await until_closed(anonymous_talks))[1] == 4401

        not_participant = await open_socket(room.room_id, user=stranger)
        assert await until_closed(not_participant) == (
            [{"type": "error", "code": "not_found", "message": "Not found."}],
            4403,
        )
        stranger_ticket = await open_with_ticket(room.room_id, stranger)
        assert (await until_closed(stranger_ticket))[1] == 4403

        other_room_ticket = await open_with_ticket(room.room_id, open_room.client, ticket_room=other.room.room_id)
        assert await until_closed(other_room_ticket) == (
            [{"type": "error", "code": "invalid_ticket", "message": "The ticket is invalid or expired."}],
            4401,
        )
        expired = await open_with_ticket(room.room_id, open_room.client, age=121)
        assert (await until_closed(expired))[1] == 4401

        kicked_back = await open_with_ticket(room.room_id, kicked.user)
        assert await until_closed(kicked_back) == (
            [{"type": "error", "code": "removed", "message": "The host removed you from this room."}],
            4403,
        )
        foreign = await open_socket(room.room_id, user=open_room.client, origin=b"https://evil.example.com")
        assert await until_closed(foreign) == (
            [{"type": "error", "code": "forbidden_origin", "message": "This origin may not open rooms."}],
            4403,
        )
        missing = await open_socket("no-such-room", user=open_room.client)
        assert (await until_closed(missing))[1] == 4404

        assert await silent(host)
        await host.disconnect()

    run(scenario)
    assert list(AttendanceEvent.objects.filter(kind="join").values_list("participant_id", flat=True)) == [
        open_room.host_participant.pk
    ]


def test_v1_room_not_open_yet_is_4409(db):
    from datetime import timedelta

    from django.utils import timezone

    setup = make_room(start=timezone.now() + timedelta(minutes=30))

    async def scenario():
        early = await open_socket(setup.room.room_id, user=setup.client)
        assert await until_closed(early) == (
            [{"type": "error", "code": "room_not_open", "message": "The room opens 15 minutes before the start."}],
            4409,
        )

    run(scenario)


# --- lobby -----------------------------------------------------------------------------


def test_lobby_admit_and_deny_in_a_notarization(db):
    setup = make_room(kind="notary")
    room, hp, cp = setup.room, setup.host_participant, setup.client_participant
    witness = add_participant(room, "witness@example.com", role=ParticipantRole.WITNESS)

    async def scenario():
        client = await open_socket(room.room_id, user=setup.client)
        assert await recv(client) == {"type": "lobby"}
        host = await open_socket(room.room_id, user=setup.host)
        joined = await recv_type(host, "joined")
        assert (joined["peers"], joined["waiting"]) == ([], [peer(cp, "Chen Client", None)])

        await client.send_json_to({"type": "offer", "to": str(hp.pk), "sdp": "x"})
        assert (await recv(client))["code"] == "not_admitted"
        await client.send_json_to({"type": "admit", "peer_id": str(cp.pk)})
        assert (await recv(client))["code"] == "not_admitted"

        await host.send_json_to({"type": "admit", "peer_id": str(cp.pk)})
        assert await recv(client) == {"type": "admitted"}
        assert (await recv(client))["peers"] == [peer(hp, "notary")]
        assert await recv(host) == {"type": "peer-joined", "peer": peer(cp, "Chen Client", None, resumed=False)}

        wit = await open_socket(room.room_id, user=witness.user)
        assert await recv(wit) == {"type": "lobby"}
        assert await recv(host) == {"type": "peer-waiting", "peer": peer(witness, "witness", None)}
        assert await silent(client)
        await client.send_json_to({"type": "deny", "peer_id": str(witness.pk)})
        assert await recv(client) == {"type": "error", "code": "forbidden", "message": "Only the host can do this."}
        await host.send_json_to({"type": "deny", "peer_id": str(witness.pk)})
        assert await until_closed(wit) == ([{"type": "kicked", "reason": "denied"}], 4403)
        assert await recv(host) == {"type": "peer-left", "peer_id": str(witness.pk), "reason": "denied"}
        assert await silent(client)
        again = await open_socket(room.room_id, user=witness.user)
        assert (await until_closed(again))[1] == 4403
        await host.disconnect()
        await client.disconnect()

    run(scenario)
    kinds = list(AttendanceEvent.objects.values_list("participant_id", "kind"))
    assert kinds[:4] == [(hp.pk, "join"), (cp.pk, "admit"), (cp.pk, "join"), (witness.pk, "deny")]


# --- V4: bad frames --------------------------------------------------------------------


def test_v4_bad_frames_get_an_error_or_a_close_and_others_keep_going(open_room, monkeypatch):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant
    other = make_room(prefix="other-")
    monkeypatch.setattr("video.consumers.monotonic", lambda: 1000.0)

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        foreign = await open_socket(other.room.room_id, user=other.client)
        await recv_type(foreign, "joined")

        client = await open_socket(room.room_id, user=open_room.client)
        await recv_type(client, "joined"), await recv_type(host, "peer-joined")
        await client.send_json_to({"type": "shout", "to": str(hp.pk)})
        assert await recv(client) == {
            "type": "error",
            "code": "unknown_type",
            "message": "Unknown message type 'shout'.",
        }
        await client.send_json_to({"type": "offer", "to": str(other.client_participant.pk), "sdp": "v=0"})
        assert await recv(client) == {"type": "error", "code": "unknown_peer", "message": "No such peer in this room."}
        await client.send_json_to({"type": "offer", "to": str(hp.pk)})
        assert await recv(client) == {
            "type": "error",
            "code": "invalid_frame",
            "message": "'sdp' must be a non-empty string.",
        }
        await client.send_json_to({"type": "candidate", "to": str(hp.pk), "candidate": "a string"})
        assert (await recv(client))["code"] == "invalid_frame"
        await client.send_to(text_data="not json")
        assert await until_closed(client) == (
            [{"type": "error", "code": "malformed", "message": "The frame is not JSON."}],
            4400,
        )
        assert await recv(host) == {"type": "peer-left", "peer_id": str(cp.pk), "reason": "malformed"}

        binary = await open_socket(room.room_id, user=open_room.client)
        await recv_type(binary, "joined")
        await binary.send_to(bytes_data=b"\x00\x01")
        assert (await until_closed(binary))[1] == 4400

        big = await open_socket(room.room_id, user=open_room.client)
        await recv_type(big, "joined")
        await big.send_json_to({"type": "offer", "to": str(hp.pk), "sdp": "a" * (64 * 1024)})
        assert await until_closed(big) == (
            [{"type": "error", "code": "too_large", "message": "Frames are at most 64 KiB."}],
            4413,
        )

        flood = await open_socket(room.room_id, user=open_room.client)
        await recv_type(flood, "joined")
        for _ in range(500):
            await flood.send_json_to({"type": "ping"})
        messages, code = await until_closed(flood)
        assert code == 4429
        assert messages == [{"type": "pong"}] * 300 + [
            {"type": "error", "code": "rate_limited", "message": "Too many frames."}
        ]

        # The host and the other room were never disturbed by any of it.
        host_saw = []
        while not await silent(host, 0.3):
            host_saw.append((await recv(host))["type"])
        assert host_saw == ["peer-joined", "peer-left"] * 3
        assert await silent(foreign)
        await host.send_json_to({"type": "ping"})
        assert await recv(host) == {"type": "pong"}
        await host.disconnect()
        await foreign.disconnect()

    run(scenario)


def test_protocol_refuses_frames_of_the_wrong_shape():
    from video import protocol

    cases = [
        ((None, b"x"), ("malformed", 4400)),
        (("[1,2]", None), ("malformed", 4400)),
        (('{"type": 5}', None), ("malformed", 4400)),
        (('{"type": "mute", "kind": "screen", "muted": true}', None), ("invalid_frame", None)),
        (('{"type": "mute", "kind": "audio", "muted": "yes"}', None), ("invalid_frame", None)),
        (('{"type": "kick", "peer_id": 5}', None), ("invalid_frame", None)),
        (('{"type": "auth"}', None), ("invalid_frame", None)),
        (('{"type": "x", "pad": "' + "é" * 33000 + '"}', None), ("too_large", 4413)),
    ]
    for (text, binary), expected in cases:
        with pytest.raises(protocol.ProtocolError) as info:
            protocol.frame_parse(text, binary)
        assert (info.value.code, info.value.close_code) == expected, text
    frame = protocol.frame_parse('{"type": "answer", "to": "7", "sdp": "v=0", "from": "9", "seq": 3}')
    assert (frame.type, frame.fields) == ("answer", {"to": "7", "sdp": "v=0"})


def test_rate_limiter_refills_at_its_rate():
    from video.protocol import RateLimiter

    now = [0.0]
    limiter = RateLimiter(burst=3, per_second=2, clock=lambda: now[0])
    assert [limiter.allow() for _ in range(4)] == [True, True, True, False]
    now[0] = 0.5
    assert [limiter.allow(), limiter.allow()] == [True, False]


# --- V3: ordering and backpressure -----------------------------------------------------


def _slow_host(monkeypatch, gate: asyncio.Event, host_peer_id: str):
    from video.consumers import RoomConsumer

    original = RoomConsumer.video_relay

    async def slow(self, message):
        if self.peer_id == host_peer_id:
            await gate.wait()
        await original(self, message)

    monkeypatch.setattr(RoomConsumer, "video_relay", slow)


def _burst(to: str) -> list[dict]:
    frames = [{"type": "offer", "to": to, "sdp": "v=0 offer"}]
    frames += [
        {"type": "candidate", "to": to, "candidate": {"candidate": f"candidate:{i}", "sdpMid": "0", "sdpMLineIndex": 0}}
        for i in range(150)
    ]
    return frames


def test_v3_candidates_before_the_offer_lands_and_a_burst_of_150_arrive_in_order(open_room, monkeypatch, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1500}}
    }
    hp, cp = open_room.host_participant, open_room.client_participant
    gate = asyncio.Event()
    _slow_host(monkeypatch, gate, str(hp.pk))

    async def scenario():
        host = await open_socket(open_room.room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        client = await open_socket(open_room.room.room_id, user=open_room.client)
        await recv_type(client, "joined"), await recv_type(host, "peer-joined")
        for frame in _burst(str(hp.pk)):
            await client.send_json_to(frame)
        await client.send_json_to({"type": "ping"})
        assert await recv(client) == {"type": "pong"}  # all 151 relayed, no error before the pong
        gate.set()
        received = [await recv(host) for _ in range(151)]
        assert received[0] == {"type": "offer", "from": str(cp.pk), "seq": 1, "sdp": "v=0 offer"}
        assert [m["seq"] for m in received] == list(range(1, 152))
        assert [m["candidate"]["candidate"] for m in received[1:]] == [f"candidate:{i}" for i in range(150)]
        assert await silent(client)
        await host.disconnect()
        await client.disconnect()

    run(scenario)


def test_v3_a_full_peer_channel_answers_backpressure_never_a_silent_drop(open_room, monkeypatch, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 100}}
    }
    hp, cp = open_room.host_participant, open_room.client_participant
    gate = asyncio.Event()
    _slow_host(monkeypatch, gate, str(hp.pk))

    async def scenario():
        host = await open_socket(open_room.room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        client = await open_socket(open_room.room.room_id, user=open_room.client)
        await recv_type(client, "joined"), await recv_type(host, "peer-joined")
        for frame in _burst(str(hp.pk)):
            await client.send_json_to(frame)
        errors = [await recv(client) for _ in range(50)]
        assert errors[0] == {
            "type": "error",
            "code": "backpressure",
            "message": "The peer is not keeping up; this message was not delivered. Send it again shortly.",
            "ref": {"type": "candidate", "to": str(hp.pk)},
        }
        assert all(e["code"] == "backpressure" for e in errors)
        gate.set()
        received = [await recv(host) for _ in range(101)]
        # 1 offer being handled + 100 queued (the capacity); every one that was accepted arrives, in order.
        assert [m["seq"] for m in received] == list(range(1, 102))
        assert await silent(host)
        # Once the peer caught up, the sender's retry goes through with the next seq.
        await client.send_json_to({"type": "candidate", "to": str(hp.pk), "candidate": None})
        assert await recv(host) == {"type": "candidate", "from": str(cp.pk), "seq": 102, "candidate": None}
        await host.disconnect()
        await client.disconnect()

    run(scenario)


# --- V5: drops and reconnection --------------------------------------------------------


def test_v5_drop_shows_reconnecting_and_a_return_within_grace_replaces_the_socket(open_room):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        client = await open_socket(room.room_id, user=open_room.client)
        await recv_type(client, "joined"), await recv_type(host, "peer-joined")
        await client.disconnect(code=1006)  # no close frame
        assert await recv(host) == {"type": "peer-reconnecting", "peer_id": str(cp.pk)}
        back = await open_with_ticket(room.room_id, open_room.client)
        joined = await recv(back)
        assert (joined["resumed"], joined["peers"]) == (True, [peer(hp, "lawyer")])
        assert await recv(host) == {"type": "peer-joined", "peer": peer(cp, "Chen Client", None, resumed=True)}
        await host.send_json_to({"type": "offer", "to": str(cp.pk), "sdp": "v=0 restart"})
        assert await recv(back) == {"type": "offer", "from": str(hp.pk), "seq": 1, "sdp": "v=0 restart"}

        # A half-open socket the server never saw drop is replaced by the new one.
        newest = await open_socket(room.room_id, user=open_room.client)
        assert (await recv(newest))["resumed"] is True
        assert await until_closed(back) == (
            [{"type": "error", "code": "replaced", "message": "This room was opened in another tab or window."}],
            4001,
        )
        assert await recv(host) == {"type": "peer-joined", "peer": peer(cp, "Chen Client", None, resumed=True)}
        assert await silent(host)  # never a peer-left
        await newest.disconnect()
        await host.disconnect()

    run(scenario)
    assert list(AttendanceEvent.objects.filter(participant=cp).values_list("kind", flat=True)) == ["join", "leave"]


def test_v5_no_return_within_grace_means_peer_left(open_room, settings):
    settings.VIDEO_RECONNECT_GRACE_SECONDS = 0.3
    cp = open_room.client_participant

    async def scenario():
        host = await open_socket(open_room.room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        client = await open_socket(open_room.room.room_id, user=open_room.client)
        await recv_type(client, "joined"), await recv_type(host, "peer-joined")
        await client.disconnect(code=1006)
        assert await recv(host) == {"type": "peer-reconnecting", "peer_id": str(cp.pk)}
        assert await recv(host, timeout=3) == {"type": "peer-left", "peer_id": str(cp.pk), "reason": "timeout"}
        await host.disconnect()

    run(scenario)
    cp.refresh_from_db()
    assert cp.presence == Presence.OFFLINE
    assert list(AttendanceEvent.objects.filter(participant=cp).values_list("kind", "reason")) == [
        ("join", ""),
        ("leave", "timeout"),
    ]


# --- V6: host ends the room ------------------------------------------------------------


def test_v6_end_closes_everyone_4410_refuses_tickets_and_logs_attendance(open_room):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant
    ip = add_participant(room, "interpreter@example.com")

    async def scenario():
        host = await joined(room.room_id, open_room.host)
        client = await open_with_ticket(room.room_id, open_room.client)
        await recv_type(client, "joined")
        interp = await joined(room.room_id, ip.user)
        (
            await recv_type(host, "peer-joined"),
            await recv_type(host, "peer-joined"),
            await recv_type(client, "peer-joined"),
        )
        await client.send_json_to({"type": "end"})
        assert await recv(client) == {"type": "error", "code": "forbidden", "message": "Only the host can do this."}
        await host.send_json_to({"type": "end"})
        for comm in (host, client, interp):
            assert await until_closed(comm) == ([{"type": "room-ended", "reason": "host_ended"}], 4410)
        late = await open_with_ticket(room.room_id, open_room.client)
        assert await until_closed(late) == (
            [{"type": "error", "code": "room_ended", "message": "This session has ended."}],
            4410,
        )

    run(scenario)
    log = list(AttendanceEvent.objects.values_list("participant_id", "kind", "reason"))
    assert log[:3] == [(hp.pk, "join", ""), (cp.pk, "join", ""), (ip.pk, "join", "")]
    assert log[3] == (hp.pk, "end", "")
    assert sorted(log[4:]) == sorted(
        [(hp.pk, "leave", "room_ended"), (cp.pk, "leave", "room_ended"), (ip.pk, "leave", "room_ended")]
    )
    room.refresh_from_db()
    assert room.ended_at is not None


def test_kick_revokes_membership_on_the_server(open_room):
    room, hp = open_room.room, open_room.host_participant
    ip = add_participant(room, "interpreter@example.com")

    async def scenario():
        host, client, interp = [await joined(room.room_id, u) for u in (open_room.host, open_room.client, ip.user)]
        (
            await recv_type(host, "peer-joined"),
            await recv_type(host, "peer-joined"),
            await recv_type(client, "peer-joined"),
        )
        await host.send_json_to({"type": "kick", "peer_id": str(hp.pk)})
        assert (await recv(host))["code"] == "forbidden"
        await host.send_json_to({"type": "kick", "peer_id": str(ip.pk)})
        assert await until_closed(interp) == ([{"type": "kicked", "reason": "kicked"}], 4403)
        assert await recv(host) == {"type": "peer-left", "peer_id": str(ip.pk), "reason": "kicked"}
        assert await recv(client) == {"type": "peer-left", "peer_id": str(ip.pk), "reason": "kicked"}
        await client.send_json_to({"type": "offer", "to": str(ip.pk), "sdp": "v=0"})
        assert (await recv(client))["code"] == "unknown_peer"
        back = await open_with_ticket(room.room_id, ip.user)
        assert (await until_closed(back))[1] == 4403
        await host.disconnect()
        await client.disconnect()

    run(scenario)


# --- V7: capacity and a second tab -----------------------------------------------------


def test_v7_fifth_participant_is_refused_4409(open_room):
    room = open_room.room
    extra = [add_participant(room, f"p{i}@example.com") for i in range(3)]  # 5 people may join, 4 fit

    async def scenario():
        sockets = [
            await joined(room.room_id, u) for u in (open_room.host, open_room.client, extra[0].user, extra[1].user)
        ]
        fifth = await open_socket(room.room_id, user=extra[2].user)
        assert await until_closed(fifth) == (
            [{"type": "error", "code": "room_full", "message": "The room is full."}],
            4409,
        )
        await sockets[3].send_json_to({"type": "leave"})
        await until_closed(sockets[3])
        now_fits = await open_socket(room.room_id, user=extra[2].user)
        assert len((await recv(now_fits))["peers"]) == 3
        for comm in sockets[:3] + [now_fits]:
            await comm.disconnect()

    run(scenario)


def test_v7_second_tab_replaces_the_first_without_a_ghost(open_room):
    room, hp, cp = open_room.room, open_room.host_participant, open_room.client_participant

    async def scenario():
        host = await open_socket(room.room_id, user=open_room.host)
        await recv_type(host, "joined")
        tab1 = await open_socket(room.room_id, user=open_room.client)
        await recv_type(tab1, "joined"), await recv_type(host, "peer-joined")
        tab2 = await open_socket(room.room_id, user=open_room.client)
        assert await recv(tab2) == {
            "type": "joined",
            "peer_id": str(cp.pk),
            "role": "client",
            "peers": [peer(hp, "lawyer")],
            "ice_servers": [],
            "resumed": True,
        }
        assert await until_closed(tab1) == (
            [{"type": "error", "code": "replaced", "message": "This room was opened in another tab or window."}],
            4001,
        )
        assert await recv(host) == {"type": "peer-joined", "peer": peer(cp, "Chen Client", None, resumed=True)}
        assert await silent(host)
        await host.send_json_to({"type": "offer", "to": str(cp.pk), "sdp": "v=0"})
        assert (await recv(tab2))["sdp"] == "v=0"
        await tab2.disconnect()
        assert await recv(host) == {"type": "peer-left", "peer_id": str(cp.pk), "reason": "left"}
        await host.disconnect()

    run(scenario)
    assert Participant.objects.filter(room=room, presence=Presence.ONLINE).count() == 0
    assert list(AttendanceEvent.objects.filter(participant=cp).values_list("kind", flat=True)) == ["join", "leave"]


def test_recording_announcement_reaches_every_socket_of_the_room(open_room):
    """``video.services.room_recording_announce`` (after commit) -> ``recording {state, reason?}`` on each socket."""
    from channels.db import database_sync_to_async
    from django.db import transaction

    from video.services import room_recording_announce

    room = open_room.room

    def announce(**kwargs):
        with transaction.atomic():
            room_recording_announce(appointment_id=room.appointment_id, **kwargs)

    async def scenario():
        host = await joined(room.room_id, open_room.host)
        client = await joined(room.room_id, open_room.client)
        await recv_type(host, "peer-joined")
        await database_sync_to_async(announce)(state="started")
        for comm in (host, client):
            assert await recv(comm) == {"type": "recording", "state": "started"}
        await database_sync_to_async(announce)(state="stopped", reason="notarized")
        for comm in (host, client):
            assert await recv(comm) == {"type": "recording", "state": "stopped", "reason": "notarized"}
            await comm.disconnect()

    run(scenario)
