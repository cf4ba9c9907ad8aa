"""Request rate limits (DRF throttles) shared by the API and the pages.

Counters live in Django's default cache: the Redis cache when ``REDIS_URL`` is set, so
every Daphne process counts against the same budget; the process's memory otherwise.
Rates come from ``settings.THROTTLE_RATES`` (environment ``THROTTLE_<SCOPE>``), read at
each request. A client over its rate gets 429 ``{"error": {"code": "rate_limited", ...}}``
with ``Retry-After`` (seconds) from the API, and the 429 page (same header) from a page.

Scopes: ``login`` (password sign-in, API and page, per client address), ``register``
(sign-up, per address), ``booking`` (book and reschedule, per user), ``upload``
(case documents, per user), ``recording`` (session recording chunks, per user),
``csp_report`` (browsers' CSP violation reports, per address).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

from django.conf import settings
from django.shortcuts import render
from rest_framework.throttling import ScopedRateThrottle as DrfScopedRateThrottle

from .errors import error_body


class ScopedRateThrottle(DrfScopedRateThrottle):
    """DRF's scoped throttle with its rates read from ``settings.THROTTLE_RATES`` at request time."""

    def get_rate(self):
        return settings.THROTTLE_RATES.get(self.scope)


class PostOnlyThrottle(ScopedRateThrottle):
    """The scope counts writes only (a view's GET stays unlimited)."""

    def allow_request(self, request, view):
        if request.method != "POST":
            return True
        return super().allow_request(request, view)


def page_throttle(request, scope: str) -> int | None:
    """Count one request of a page against ``scope``; return None, or the seconds to wait when over the rate."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def page_rate_limited(request, wait: int):
    """The 429 answer of a page (JSON when the client asks for it), with ``Retry-After``."""
    from django.http import JsonResponse

    if "application/json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            error_body("rate_limited", f"Too many requests. Try again in {wait} seconds."), status=429
        )
    else:
        response = render(request, "429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response
