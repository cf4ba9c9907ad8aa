"""The signaling protocol (DESIGN.md, Video): frame limits, message schema and close codes.

Pure functions, no Django: :func:`frame_parse` turns one WebSocket frame into a
:class:`Frame` with only the known fields of its type (so a client cannot
smuggle ``from`` or ``seq`` into what the server relays), or raises
:class:`ProtocolError` with an error code and, for frames that break the
transport rules, the close code to use. :class:`RateLimiter` is a token bucket
over an injected clock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

MAX_FRAME_BYTES = 64 * 1024
MAX_PEER_ID_CHARS = 20
MAX_CANDIDATE_CHARS = 2048

# Close codes of the contract, plus one extension.
CLOSE_MALFORMED = 4400
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403  # not a participant, kicked or denied, or a foreign Origin
CLOSE_NO_ROOM = 4404
CLOSE_NOT_OPEN_OR_FULL = 4409
CLOSE_ENDED = 4410
CLOSE_TOO_LARGE = 4413
CLOSE_RATE_LIMITED = 4429
# Extension: a newer socket of the same participant (another tab, or a reconnection) took
# over. Clients must not reconnect automatically on it, or two tabs would take turns.
CLOSE_REPLACED = 4001
# Extension: the channel layer (Redis) cannot be reached; preceded by ``error {code:
# "signaling_unavailable"}``. Clients reconnect with backoff; joins answer the same until it is back.
# (RFC 6455's 1013 "Try Again Later" would fit, but servers may only send 1000 or 3000-4999.)
CLOSE_UNAVAILABLE = 4503

RELAYED = frozenset({"offer", "answer", "candidate"})
HOST_ONLY = frozenset({"admit", "deny", "kick", "end"})
LOBBY_ALLOWED = frozenset({"ping", "leave"})


class ProtocolError(Exception):
    """A frame the server refuses: ``code`` for the ``error`` message, ``close_code`` to close instead."""

    def __init__(self, code: str, message: str, close_code: int | None = None):
        super().__init__(message)
        self.code, self.message, self.close_code = code, message, close_code


@dataclass(frozen=True)
class Frame:
    type: str
    fields: dict


def _peer_id(value) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_PEER_ID_CHARS:
        raise ProtocolError("invalid_frame", "A peer id is a short string.")
    return value


def _text(value, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProtocolError("invalid_frame", f"'{name}' must be a non-empty string.")
    return value


def _candidate(value):
    """An RTCIceCandidateInit (``candidate``, ``sdpMid``, ``sdpMLineIndex``, ``usernameFragment``) or ``None``."""
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("candidate"), str):
        raise ProtocolError("invalid_frame", "'candidate' must be an RTCIceCandidateInit object or null.")
    if len(value["candidate"]) > MAX_CANDIDATE_CHARS:
        raise ProtocolError("invalid_frame", "The candidate is too long.")
    clean = {"candidate": value["candidate"]}
    mid = value.get("sdpMid")
    if mid is not None and not isinstance(mid, str):
        raise ProtocolError("invalid_frame", "'sdpMid' must be a string or null.")
    index = value.get("sdpMLineIndex")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 1024):
        raise ProtocolError("invalid_frame", "'sdpMLineIndex' must be a small integer or null.")
    clean["sdpMid"], clean["sdpMLineIndex"] = mid, index
    ufrag = value.get("usernameFragment")
    if ufrag is not None:
        if not isinstance(ufrag, str) or len(ufrag) > 256:
            raise ProtocolError("invalid_frame", "'usernameFragment' must be a string.")
        clean["usernameFragment"] = ufrag
    return clean


def _bool(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise ProtocolError("invalid_frame", f"'{name}' must be true or false.")
    return value


def _auth(d):
    return {"ticket": _text(d.get("ticket"), "ticket")}


def _sdp(d):
    return {"to": _peer_id(d.get("to")), "sdp": _text(d.get("sdp"), "sdp")}


def _cand(d):
    if "candidate" not in d:
        raise ProtocolError("invalid_frame", "'candidate' is required (null ends the candidates).")
    return {"to": _peer_id(d.get("to")), "candidate": _candidate(d["candidate"])}


def _mute(d):
    if d.get("kind") not in ("audio", "video"):
        raise ProtocolError("invalid_frame", "'kind' must be 'audio' or 'video'.")
    return {"kind": d["kind"], "muted": _bool(d.get("muted"), "muted")}


def _target(d):
    return {"peer_id": _peer_id(d.get("peer_id"))}


def _empty(d):
    return {}


SCHEMA: dict[str, Callable[[dict], dict]] = {
    "auth": _auth,
    "offer": _sdp,
    "answer": _sdp,
    "candidate": _cand,
    "mute": _mute,
    "leave": _empty,
    "ping": _empty,
    "admit": _target,
    "deny": _target,
    "kick": _target,
    "end": _empty,
}


def frame_parse(text: str | None, binary: bytes | None = None) -> Frame:
    """Validate one client frame.

    Binary frames, frames that are not a JSON object and frames without a
    string ``type`` close with 4400; over 64 KiB (UTF-8 bytes) with 4413. An
    unknown type or a bad field is an ``error`` (``unknown_type``,
    ``invalid_frame``) and the socket stays open.
    """
    if binary is not None or text is None:
        raise ProtocolError("malformed", "Frames are JSON text.", CLOSE_MALFORMED)
    if len(text) > MAX_FRAME_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_FRAME_BYTES:
        raise ProtocolError("too_large", "Frames are at most 64 KiB.", CLOSE_TOO_LARGE)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise ProtocolError("malformed", "The frame is not JSON.", CLOSE_MALFORMED) from None
    if not isinstance(data, dict) or not isinstance(data.get("type"), str):
        raise ProtocolError("malformed", 'A frame is a JSON object with a "type".', CLOSE_MALFORMED)
    kind = data["type"]
    validator = SCHEMA.get(kind)
    if validator is None:
        raise ProtocolError("unknown_type", f"Unknown message type {kind[:40]!r}.")
    return Frame(kind, validator(data))


class RateLimiter:
    """Token bucket: ``burst`` frames at once, refilled at ``per_second``; ``clock`` returns seconds."""

    def __init__(self, *, burst: int, per_second: float, clock: Callable[[], float]):
        self.burst, self.per_second, self.clock = burst, per_second, clock
        self.tokens = float(burst)
        self.stamp = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True
