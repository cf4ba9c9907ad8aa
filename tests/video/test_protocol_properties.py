"""Property tests of the WebSocket protocol validator (video/protocol.py; issue 7, part 3).

Whatever a client sends, ``frame_parse`` either returns a well-formed :class:`Frame` or raises
:class:`ProtocolError` with the contract's close code (4400 malformed, 4413 too large) or none (an
``error`` message, the socket stays open); never another exception. Valid messages round-trip and
keep only their type's fields; frames over 64 KiB are refused before they are parsed.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from video.protocol import (
    CLOSE_MALFORMED,
    CLOSE_TOO_LARGE,
    MAX_CANDIDATE_CHARS,
    MAX_FRAME_BYTES,
    MAX_PEER_ID_CHARS,
    SCHEMA,
    Frame,
    ProtocolError,
    frame_parse,
)

# `make fuzz` multiplies the examples (FUZZ_SCALE=10); CI runs the default budget.
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))

# The fields each type keeps (DESIGN.md, Video: client -> server messages, plus the ticket frame).
FIELDS = {
    "auth": {"ticket"},
    "offer": {"to", "sdp"},
    "answer": {"to", "sdp"},
    "candidate": {"to", "candidate"},
    "mute": {"kind", "muted"},
    "leave": set(),
    "ping": set(),
    "admit": {"peer_id"},
    "deny": {"peer_id"},
    "kick": {"peer_id"},
    "end": set(),
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
types = st.sampled_from(sorted(SCHEMA)) | st.text(max_size=12)
# Objects that look like frames: a known or random type, known field names with any values, and extras.
field_names = st.sampled_from(["to", "sdp", "candidate", "kind", "muted", "peer_id", "ticket", "from", "seq"])
frame_like = st.builds(
    lambda kind, known, extra: {**extra, **known, "type": kind},
    types,
    st.dictionaries(field_names, json_values, max_size=4),
    st.dictionaries(st.text(max_size=8), json_values, max_size=2),
)


def check_outcome(text: str) -> Frame | ProtocolError:
    """Parse ``text``; the result must be a well-formed frame or a ProtocolError, nothing else."""
    try:
        frame = frame_parse(text)
    except ProtocolError as error:
        assert error.close_code in (None, CLOSE_MALFORMED, CLOSE_TOO_LARGE)
        assert isinstance(error.code, str) and error.code and isinstance(error.message, str) and error.message
        if error.close_code is None:
            assert error.code in ("unknown_type", "invalid_frame")
        return error
    assert frame.type in SCHEMA
    assert set(frame.fields) <= FIELDS[frame.type] | {"usernameFragment"}
    assert "from" not in frame.fields and "seq" not in frame.fields
    json.dumps(frame.fields)  # what is relayed serialises again
    return frame


@settings(max_examples=200 * SCALE, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values | frame_like)
def test_any_json_value_is_a_frame_or_a_protocol_error(value):
    outcome = check_outcome(json.dumps(value))
    shaped = isinstance(value, dict) and isinstance(value.get("type"), str)
    if not shaped:
        assert isinstance(outcome, ProtocolError) and outcome.close_code == CLOSE_MALFORMED
    elif value["type"] not in SCHEMA:
        assert isinstance(outcome, ProtocolError) and (outcome.code, outcome.close_code) == ("unknown_type", None)
    elif isinstance(outcome, ProtocolError):
        assert (outcome.code, outcome.close_code) == ("invalid_frame", None)


@settings(max_examples=300 * SCALE)
@given(text=st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_any_text_is_a_frame_or_a_protocol_error(text):
    check_outcome(text)


@given(data=st.binary(max_size=100))
def test_binary_frames_close_with_4400(data):
    with pytest.raises(ProtocolError) as info:
        frame_parse(None, data)
    assert info.value.close_code == CLOSE_MALFORMED


# --- valid messages round-trip --------------------------------------------------------------

peer_ids = st.text(min_size=1, max_size=MAX_PEER_ID_CHARS)
non_empty = st.text(min_size=1, max_size=60)
candidates = st.none() | st.fixed_dictionaries(
    {
        "candidate": st.text(max_size=60) | st.just("a" * MAX_CANDIDATE_CHARS),
        "sdpMid": st.none() | st.text(max_size=10),
        "sdpMLineIndex": st.none() | st.integers(0, 1023),
    },
    optional={"usernameFragment": st.text(max_size=20) | st.just("u" * 256)},
)
VALID = {
    "auth": st.fixed_dictionaries({"ticket": non_empty}),
    "offer": st.fixed_dictionaries({"to": peer_ids, "sdp": non_empty}),
    "answer": st.fixed_dictionaries({"to": peer_ids, "sdp": non_empty}),
    "candidate": st.fixed_dictionaries({"to": peer_ids, "candidate": candidates}),
    "mute": st.fixed_dictionaries({"kind": st.sampled_from(["audio", "video"]), "muted": st.booleans()}),
    "leave": st.just({}),
    "ping": st.just({}),
    "admit": st.fixed_dictionaries({"peer_id": peer_ids}),
    "deny": st.fixed_dictionaries({"peer_id": peer_ids}),
    "kick": st.fixed_dictionaries({"peer_id": peer_ids}),
    "end": st.just({}),
}
valid_messages = st.sampled_from(sorted(VALID)).flatmap(lambda t: VALID[t].map(lambda f: (t, f)))


@settings(max_examples=200 * SCALE)
@given(message=valid_messages, smuggled=st.dictionaries(st.sampled_from(["from", "seq", "x"]), json_values))
def test_valid_messages_round_trip_and_keep_only_their_fields(message, smuggled):
    kind, fields = message
    frame = frame_parse(json.dumps({**smuggled, **fields, "type": kind}, ensure_ascii=False))
    expected = dict(fields)
    if kind == "candidate" and fields["candidate"] is not None:
        expected["candidate"] = {"sdpMid": None, "sdpMLineIndex": None, **fields["candidate"]}
    assert frame == Frame(kind, expected)
    # What the server relays parses back to the same frame.
    assert frame_parse(json.dumps({"type": frame.type, **frame.fields})) == frame


def test_a_known_type_with_a_wrong_field_is_an_error_and_the_socket_stays_open():
    with pytest.raises(ProtocolError) as info:
        frame_parse(json.dumps({"type": "mute", "kind": "screen", "muted": True}))
    assert (info.value.code, info.value.close_code) == ("invalid_frame", None)


# --- size -------------------------------------------------------------------------------------


@settings(max_examples=30 * SCALE, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(extra=st.integers(1, 3 * 1024), char=st.sampled_from(["a", "é", "中", "😀"]))
def test_frames_over_64_kib_close_with_4413_even_when_valid(extra, char):
    width = len(char.encode())
    prefix = '{"type": "offer", "to": "7", "sdp": "'
    room = MAX_FRAME_BYTES - len(prefix) - 2
    fits = prefix + char * (room // width) + '"}'
    assert len(fits.encode()) <= MAX_FRAME_BYTES
    assert frame_parse(fits).type == "offer"
    over = prefix + char * (room // width + extra) + '"}'
    assert len(over.encode()) > MAX_FRAME_BYTES
    with pytest.raises(ProtocolError) as info:
        frame_parse(over)
    assert (info.value.code, info.value.close_code) == ("too_large", CLOSE_TOO_LARGE)


def test_deeply_nested_json_closes_with_4400_not_a_recursion_error():
    with pytest.raises(ProtocolError) as info:
        frame_parse("[" * 30_000 + "]" * 30_000)
    assert info.value.close_code == CLOSE_MALFORMED
