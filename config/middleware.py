"""Activate the viewer's time zone and language for every request.

Zone: the signed-in user's IANA zone; otherwise the ``tz`` cookie the pages set
from the browser (``Intl.DateTimeFormat().resolvedOptions().timeZone``, see
static/js/site.js); otherwise UTC. ``request.viewer_zone_source`` says which of
the three it was (``"account"``, ``"cookie"``, ``"default"``). Language: the signed-in user's preference wins over the
``django_language`` cookie and the Accept-Language header.
"""

import logging
import re
import time
import uuid
from urllib.parse import unquote

from django.http.response import HttpResponseRedirectBase
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from accounts.validators import zone_get

from .logs import request_id_var

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def viewer_zone_choose(request) -> tuple[str, str]:
    """The viewer's zone name and where it came from: ``"account"``, ``"cookie"`` or ``"default"`` (UTC).

    The cookie is percent-decoded: browsers that ran an older site.js stored
    ``Europe%2FBerlin`` (``encodeURIComponent``), which Django's cookie parser keeps as is.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.timezone, "account"
    candidate = unquote(request.COOKIES.get("tz", ""))
    try:
        zone_get(candidate)
    except ValueError:
        return "UTC", "default"
    return candidate, "cookie"


class ViewerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_zone, request.viewer_zone_source = viewer_zone_choose(request)
        timezone.activate(zone_get(request.viewer_zone))
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class HttpResponsePermanentRedirectKeepMethod(HttpResponseRedirectBase):
    status_code = 308


class ApiSlashMiddleware:
    """``POST /api/v1/appointments`` (no trailing slash) is redirected with 308, keeping method and body.

    Django's APPEND_SLASH cannot redirect a POST without losing its body (in DEBUG it
    raises a RuntimeError, a 500); 308 (RFC 9110 §15.4.9) tells the client to repeat
    the same request at the slashed URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith("/api/") and not path.endswith("/") and request.method not in ("GET", "HEAD"):
            try:
                match = resolve(path + "/")
            except Resolver404:
                pass
            else:
                if match.url_name == "api-not-found":  # only the catch-all: nothing to redirect to
                    return self.get_response(request)
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirectKeepMethod(request.path + "/" + (f"?{query}" if query else ""))
        return self.get_response(request)


class RequestLogMiddleware:
    """Give each request an id and log one line for it on ``lexmeet.request`` (JSON, see config/logs.py).

    The id is the caller's ``X-Request-ID`` when it is a plain token of at most
    64 characters (a proxy's), else a new random one; it is sent back in the
    ``X-Request-ID`` header and carried by every record logged meanwhile. The
    line holds the method, the path with its query (redacted by the logging
    filter: feed tokens, tickets ...), the status, the duration in ms and the
    user id, never bodies or headers. 5xx log at ERROR, 4xx at WARNING.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        offered = request.headers.get("X-Request-ID", "")
        request_id = offered if REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            status = response.status_code
            user = getattr(request, "user", None)
            level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
            logging.getLogger("lexmeet.request").log(
                level,
                "%s %s %s",
                request.method,
                request.get_full_path(),
                status,
                extra={
                    "method": request.method,
                    "path": request.get_full_path(),
                    "status": status,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class PermissionsPolicyMiddleware:
    """Adds ``Permissions-Policy`` (``settings.PERMISSIONS_POLICY``) to every response.

    Only our own pages may ask for the camera and microphone (the video room);
    an embedded third-party frame could not, whatever it loads.
    """

    def __init__(self, get_response):
        from django.conf import settings

        self.get_response = get_response
        self.value = settings.PERMISSIONS_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.value)
        return response
