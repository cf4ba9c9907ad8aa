"""Activate the viewer's time zone and language for every request.

Zone: the signed-in user's IANA zone; otherwise the ``tz`` cookie the pages set
from the browser (``Intl.DateTimeFormat().resolvedOptions().timeZone``);
otherwise UTC. Language: the signed-in user's preference wins over the
``django_language`` cookie and the Accept-Language header.
"""

from django.http.response import HttpResponseRedirectBase
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from accounts.validators import zone_get


def viewer_zone_name(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.timezone
    candidate = request.COOKIES.get("tz", "")
    try:
        zone_get(candidate)
    except ValueError:
        return "UTC"
    return candidate


class ViewerMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer_zone = viewer_zone_name(request)
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
