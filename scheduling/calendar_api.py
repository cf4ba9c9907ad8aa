"""Calendar endpoints (DESIGN.md, Scheduling): invite.ics, the owner's feed links and rotation, the feed itself."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone as dj_timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_http_methods
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from . import feeds, invites, selectors

ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


class ICalendarRenderer(BaseRenderer):
    """Lets a client that sends ``Accept: text/calendar`` reach the view; errors still go out as JSON text."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return JSONRenderer().render(data)


class AppointmentInviteApi(APIView):
    """The appointment's invite for the requesting participant (METHOD:REQUEST, or CANCEL once cancelled)."""

    renderer_classes = [JSONRenderer, ICalendarRenderer]

    @extend_schema(responses={(200, "text/calendar"): OpenApiTypes.BINARY})
    def get(self, request, appointment_id):
        appointment = selectors.appointment_get_for_participant(user=request.user, appointment_id=appointment_id)
        role = invites.CLIENT if appointment.client_id == request.user.pk else invites.PROVIDER
        data = invites.invite_data(appointment, site_url=settings.SITE_URL, default_from=settings.DEFAULT_FROM_EMAIL)
        body = invites.invite_build(data=data, role=role, now=dj_timezone.now())
        method = "CANCEL" if data.cancelled else "REQUEST"
        response = HttpResponse(body, content_type=f"text/calendar; charset=utf-8; method={method}")
        response["Content-Disposition"] = f'attachment; filename="lexmeet-{appointment.pk}.ics"'
        response["Cache-Control"] = "private, no-store"
        return response


class FeedLinksOutput(serializers.Serializer):
    url = serializers.URLField()
    webcal_url = serializers.CharField()


class MeFeedApi(APIView):
    """The signed-in user's secret feed links (created on first use)."""

    @extend_schema(responses=FeedLinksOutput)
    def get(self, request):
        feed = feeds.calendar_feed_get(user=request.user)
        return Response(feeds.calendar_feed_links(feed=feed))


class MeFeedRotateApi(APIView):
    """Replace the feed token; the old address answers 404 from now on."""

    @extend_schema(request=None, responses=FeedLinksOutput)
    def post(self, request):
        feed = feeds.calendar_feed_rotate(user=request.user, now=dj_timezone.now())
        return Response(feeds.calendar_feed_links(feed=feed))


@require_http_methods(["GET", "HEAD"])
def calendar_feed(request, feed_token):
    """``GET /calendar/<token>.ics``: no login; a wrong or rotated token is the site's plain 404.

    Answers 304 when ``If-None-Match`` / ``If-Modified-Since`` match, before the feed is built.
    """
    feed = feeds.feed_get_by_token(token=feed_token)
    if feed is None:
        raise Http404()
    now = dj_timezone.now()
    etag, last_modified = feeds.feed_validators(feed=feed, now=now)
    last_modified_ts = int(last_modified.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=last_modified_ts)
    if not_modified is not None:
        not_modified["Cache-Control"] = "private, max-age=0, must-revalidate"
        return not_modified
    body = feeds.feed_body(feed=feed, etag=etag, now=now)
    response = HttpResponse(body, content_type=ICS_CONTENT_TYPE)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified_ts)
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["Content-Disposition"] = 'inline; filename="lexmeet.ics"'
    response["X-Robots-Tag"] = "noindex"
    return response
