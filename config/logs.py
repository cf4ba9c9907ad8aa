"""Logs as JSON lines, with secrets, tokens and personal numbers taken out before they are written.

``JsonFormatter`` writes one JSON object per record on one line:
``{"time": "2026-11-29T13:00:00.123Z", "level": "INFO", "logger": "lexmeet.request",
"message": "...", "request_id": "..."}`` plus ``exc`` (the traceback) and the
request fields (``method``, ``path``, ``status``, ``duration_ms``, ``user_id``)
where present.

``RedactFilter`` (on the handler, so it sees every propagated record) rewrites
the message, the traceback and the request path with ``redact``: credentials in
``Authorization`` headers, values of keys such as ``password``, ``token``,
``ticket``, ``otp``, ``credential``, ``secret`` and ``document_number``, DRF
token keys, signed tickets, calendar feed tokens in URLs, the configured
secrets themselves, phone numbers (country code and last two digits kept) and
email addresses (first character and domain kept).

``request_id`` comes from ``RequestLogMiddleware`` (config/middleware.py)
through a context variable, so every record logged while serving a request
carries it.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime

import phonenumbers

request_id_var: ContextVar[str | None] = ContextVar("lexmeet_request_id", default=None)

REDACTED = "[redacted]"

_SECRET_KEYS = (
    r"[a-z_]*password|passwd|pwd|[a-z_]*token|ticket|otp|otp_code|totp|credential|credentials|[a-z_]*secret"
    r"|api_key|apikey|sessionid|csrftoken|csrfmiddlewaretoken|authorization|document_number|signature"
)
# key=value, key: value, "key": "value", 'key': 'value' (JSON, query strings, dict reprs, headers).
_KEY_VALUE = re.compile(
    rf"""(?ix)
    (?P<key>["']?\b(?:{_SECRET_KEYS})\b["']?\s*[:=]\s*)
    (?:
        (?P<quote>["'])(?P<quoted>(?:\\.|(?!(?P=quote)).)*)(?P=quote)
      | (?P<bare>(?:(?:Token|Bearer|Basic)\s+)?(?:\[redacted\]|[^\s"'&,;)}}\]]+))
    )
    """
)
_AUTH_SCHEME = re.compile(r"(?i)\b(Token|Bearer|Basic)\s+[A-Za-z0-9._~+/=:-]{8,}")
_FEED_URL = re.compile(r"(/calendar/)[A-Za-z0-9_-]+(\.ics)")
_DRF_TOKEN = re.compile(r"(?<![0-9a-fA-F])[0-9a-f]{40}(?![0-9a-fA-F])")
# django.core.signing output (join tickets, password-reset tokens) and JWTs: base64 JSON "eyJ...".
_SIGNED = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}(?:[:.][A-Za-z0-9_=-]+)+")
_EMAIL = re.compile(r"\b([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_MAYBE_PHONE = re.compile(r"\+\d")


def _configured_secrets() -> list[str]:
    """The deployment's own secrets, to be removed wherever they appear (long enough to be unambiguous)."""
    try:
        from django.conf import settings

        values = [
            settings.SECRET_KEY,
            getattr(settings, "TURN_SECRET", ""),
            getattr(settings, "EMAIL_HOST_PASSWORD", ""),
            getattr(settings, "IDENTITY_HASH_KEY", ""),
        ]
    except Exception:  # settings not configured (a bare import): nothing configured to hide
        return []
    return [v for v in values if v and len(v) >= 8]


def mask_phone(number: str) -> str:
    """``+12125550123`` -> ``+1*******23``: the country code and the last two digits stay."""
    digits = "".join(ch for ch in number if ch.isdigit())
    try:
        country = str(phonenumbers.parse(number, None).country_code)
    except phonenumbers.NumberParseException:
        country = digits[:1]
    rest = digits[len(country) :]
    return "+" + country + "*" * max(len(rest) - 2, 1) + rest[-2:]


def _mask_phones(text: str) -> str:
    if not _MAYBE_PHONE.search(text):
        return text
    matches = list(phonenumbers.PhoneNumberMatcher(text, None, leniency=phonenumbers.Leniency.POSSIBLE))
    for match in reversed(matches):
        text = text[: match.start] + mask_phone(match.raw_string) + text[match.end :]
    return text


def _key_value(match: re.Match) -> str:
    if match.group("quote"):
        return f"{match.group('key')}{match.group('quote')}{REDACTED}{match.group('quote')}"
    return f"{match.group('key')}{REDACTED}"


def redact(text: str) -> str:
    """``text`` with secrets, tokens, phone numbers and email addresses taken out (see the module docstring)."""
    if not text:
        return text
    for secret in _configured_secrets():
        text = text.replace(secret, REDACTED)
    text = _FEED_URL.sub(rf"\1{REDACTED}\2", text)
    text = _AUTH_SCHEME.sub(rf"\1 {REDACTED}", text)
    text = _KEY_VALUE.sub(_key_value, text)
    text = _SIGNED.sub(REDACTED, text)
    text = _DRF_TOKEN.sub(REDACTED, text)
    text = _mask_phones(text)
    text = _EMAIL.sub(r"\1***@\2", text)
    return text


class RedactFilter(logging.Filter):
    """Rewrite each record's message, traceback and path with ``redact``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_lexmeet_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what we have rather than lose the record
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        if isinstance(getattr(record, "path", None), str):
            record.path = redact(record.path)
        record._lexmeet_redacted = True
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``time`` (UTC, ms), ``level``, ``logger``, ``message``, ``request_id`` ..."""

    EXTRA_FIELDS = ("method", "path", "status", "duration_ms", "user_id")

    def format(self, record: logging.LogRecord) -> str:
        at = datetime.fromtimestamp(record.created, tz=UTC)
        payload = {
            "time": at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for name in self.EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                payload[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            payload["exc"] = record.exc_text
        if record.stack_info:
            payload["stack"] = record.stack_info
        return json.dumps(payload, ensure_ascii=False, default=str)
