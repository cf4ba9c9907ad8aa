"""Activate the viewer's time zone and language for every request.

Zone: the signed-in user's IANA zone; otherwise the ``tz`` cookie the pages set
from the browser (``Intl.DateTimeFormat().resolvedOptions().timeZone``);
otherwise UTC. Language: the signed-in user's preference wins over the
``django_language`` cookie and the Accept-Language header.
"""

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
