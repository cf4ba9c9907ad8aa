"""The WebSocket server stack runs with its native accelerators and without compression (bench/README.md (c))."""

import autobahn.websocket
from autobahn.websocket.utf8validator import Utf8Validator
from autobahn.websocket.xormasker import create_xor_masker


def test_autobahn_validates_utf8_and_unmasks_frames_in_native_code():
    # A source build without a compiler, or AUTOBAHN_USE_NVX=0, falls back to pure Python: for a
    # 250-byte frame on this (loaded) machine, unmasking 102 us instead of 19 us, UTF-8 91 us instead of 5 us.
    assert autobahn.websocket.USES_NVX is True
    assert type(Utf8Validator()).__module__ == "autobahn.nvx._utf8validator"
    assert type(create_xor_masker(b"abcd", 250)).__module__ == "autobahn.nvx._xormasker"
