"""Content-Security-Policy violation reports: ``POST /csp-report/``.

Browsers send one when a page breaks the policy (``config/settings.py``,
``CONTENT_SECURITY_POLICY``): the ``report-uri`` format (CSP Level 2, section 7.4: a
JSON object ``{"csp-report": {...}}``, ``Content-Type: application/csp-report``) and
the Reporting API's (W3C Reporting, section 2.3: a JSON list of ``{"type":
"csp-violation", "body": {...}}``, ``Content-Type: application/reports+json``). Each
violation becomes one WARNING line on the ``lexmeet.csp`` logger, so a script that the
policy blocks in production (an injection, a browser extension, our own regression)
shows up in the logs.

The line keeps what an operator needs and nothing a reader of logs should not have:
the directive, the disposition, what was blocked as a keyword (``inline``, ``eval``)
or an origin, and the page as its URL *pattern* (``/rooms/<str:room_id>/join/<str:token>/``),
never the concrete path or query, which can carry guest invites and reset tokens.

Answers: 204 (accepted, also for report types other than CSP violations); 400
``invalid_report`` (not JSON or not a report); 405 for other methods; 413
``too_large`` past 64 KiB; 415 ``unsupported_media_type``; 429 ``rate_limited`` past
the ``csp_report`` rate per client address. CSRF-exempt: browsers send reports
with no token, and the endpoint only writes a log line.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from django.http import HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .errors import error_body
from .throttles import page_throttle

logger = logging.getLogger("lexmeet.csp")

MAX_BYTES = 64 * 1024
MAX_REPORTS = 20  # per request (the Reporting API batches)
MEDIA_TYPES = ("application/csp-report", "application/reports+json", "application/json")
_KEYWORDS = {"inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "data", "blob"}


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def page_pattern(url: str, host: str) -> str:
    """The URL pattern of one of our pages (``/notary/cases/<str:case_id>/``), else the origin only.

    ``url`` as a browser reports it (absolute); ``host`` this request's host, so only our
    own pages are resolved. Query strings and fragments never appear.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "-"
    if parts.netloc != host:
        return f"{parts.scheme}://{parts.netloc}"
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        return "(unrouted path)"
    return "/" + match.route


def blocked_source(value: str, host: str) -> str:
    """What was blocked: a CSP keyword (``inline``, ``eval``) or an origin; our own files by path."""
    value = (value or "").strip()
    if value in _KEYWORDS or not value:
        return value or "-"
    parts = urlsplit(value)
    if parts.scheme in ("data", "blob", "mediastream", "filesystem"):
        return parts.scheme
    if not parts.netloc:
        return parts.scheme or "-"
    if parts.netloc == host and parts.path.startswith("/static/"):
        return parts.path
    return f"{parts.scheme}://{parts.netloc}"


def _violations(payload) -> list[dict]:
    """The violation bodies of either format, with the Reporting API's names (``effectiveDirective``...)."""
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        old = payload["csp-report"]
        return [
            {
                "documentURL": old.get("document-uri"),
                "effectiveDirective": old.get("effective-directive") or old.get("violated-directive"),
                "blockedURL": old.get("blocked-uri"),
                "sourceFile": old.get("source-file"),
                "lineNumber": old.get("line-number"),
                "disposition": old.get("disposition", "enforce"),
            }
        ]
    if isinstance(payload, list) and all(isinstance(r, dict) for r in payload):
        return [
            r["body"]
            for r in payload[:MAX_REPORTS]
            if r.get("type") == "csp-violation" and isinstance(r.get("body"), dict)
        ]
    raise ValueError("not a CSP report")


@csrf_exempt
@require_POST
def csp_report(request):
    """Log the violations of one report (see the module docstring); 204 on success."""
    wait = page_throttle(request, "csp_report")
    if wait is not None:
        response = _error("rate_limited", f"Too many reports. Try again in {wait} seconds.", 429)
        response["Retry-After"] = str(wait)
        return response
    media_type = request.content_type or ""
    if media_type not in MEDIA_TYPES:
        return _error("unsupported_media_type", "Send application/csp-report or application/reports+json.", 415)
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        length = 0
    if length > MAX_BYTES:
        return _error("too_large", f"A report is at most {MAX_BYTES} bytes.", 413)
    body = request.read(MAX_BYTES + 1)
    if len(body) > MAX_BYTES:
        return _error("too_large", f"A report is at most {MAX_BYTES} bytes.", 413)
    try:
        violations = _violations(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        return _error("invalid_report", "The body is not a CSP violation report.", 400)
    host = request.get_host()
    for v in violations:
        line = v.get("lineNumber")
        logger.warning(
            "csp violation: directive=%s disposition=%s blocked=%s page=%s source=%s line=%s",
            str(v.get("effectiveDirective") or "-")[:64],
            str(v.get("disposition") or "enforce")[:16],
            blocked_source(str(v.get("blockedURL") or ""), host)[:200],
            page_pattern(str(v.get("documentURL") or ""), host)[:200],
            blocked_source(str(v.get("sourceFile") or ""), host)[:200],
            line if isinstance(line, int) else "-",
        )
    return HttpResponse(status=204)
