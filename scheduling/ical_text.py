"""RFC 5545 content-line text: cleaning, TEXT escaping, parameter quoting, folding, UTC DATE-TIME.

Pure functions shared by the invite builder (scheduling/invites.py) and the
emails. Folding works on UTF-8 bytes and never cuts inside a character.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# C0 controls but TAB/LF, DEL, C1 controls and lone surrogates: not allowed in
# TEXT (RFC 5545 §3.3.11 TSAFE-CHAR excludes CONTROL) and not valid UTF-8.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_PARAM_BAD = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with CRLF/CR as LF, TAB as a space and every other control character dropped."""
    if value.isprintable():  # the common case: no control character at all
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL.sub("", value)


def clean_param(value: str) -> str:
    """A parameter value every parser reads alike: one line, no ``"`` (as ``'``) and no ``^`` (as ``ˆ``)."""
    value = value.replace("\r\n", " ").replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _PARAM_BAD.sub("", value).replace('"', "'").replace("^", "\u02c6").strip()


def clean_header(value: str) -> str:
    """A value safe in an email header: one line, no control characters (no header injection)."""
    return " ".join(clean_param(value).split())


def one_line(value: str) -> str:
    """A name as one line of text: control characters dropped, runs of whitespace as one space."""
    return " ".join(clean_text(value).split())


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11 TEXT escaping of a cleaned value: ``\\`` ``;`` ``,`` and newlines."""
    return clean_text(value).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def quote_param(value: str) -> str:
    """A parameter value, DQUOTE-quoted when it holds ``:`` ``;`` or ``,`` (RFC 5545 §3.2)."""
    value = clean_param(value)
    if any(c in value for c in ":;,"):
        return f'"{value}"'
    return value


def fold_bytes(line: bytes, limit: int = 75) -> bytes:
    """Fold one UTF-8 content line at ``limit`` octets (RFC 5545 §3.1), never inside a character.

    Continuation lines start with one space, which counts toward the limit. A
    cut never lands on a UTF-8 continuation byte (``0b10xxxxxx``) and, like
    icalendar, never between a backslash and the character it escapes (some
    clients misread ``\\`` CRLF SPACE ``n``).
    """
    size = len(line)
    if size <= limit:
        return line
    parts = []
    pos, width = 0, limit
    while pos < size:
        cut = pos + width
        if cut >= size:
            parts.append(line[pos:])
            break
        while line[cut] & 0xC0 == 0x80:  # inside a multi-byte character: cut before it
            cut -= 1
        run = 0
        while line[cut - 1 - run] == 0x5C and cut - 1 - run > pos:  # backslashes ending the chunk
            run += 1
        if run % 2:
            cut -= 1
        parts.append(line[pos:cut])
        pos, width = cut, limit - 1
    return b"\r\n ".join(parts)


def fold(line: str, limit: int = 75) -> str:
    """:func:`fold_bytes` for a ``str`` line."""
    return fold_bytes(line.encode(), limit).decode()


def ical_utc(value: datetime) -> str:
    """``20201227T230000Z``: an aware instant as an RFC 5545 UTC DATE-TIME."""
    v = value if value.tzinfo is UTC else value.astimezone(UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"
