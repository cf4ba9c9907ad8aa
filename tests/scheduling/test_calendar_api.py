"""invite.ics, the feed links, rotation and the feed itself (DESIGN.md; cases S7, I3, I7)."""

import re
from datetime import UTC, datetime, time
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client

from scheduling.models import Appointment
from tests.conftest import client_for
from tests.factories import make_provider, make_service, make_user
from tests.scheduling.ical_check import (
    assert_wire_format,
    icalendar_events,
    libical_parse,
    unfold,
    vobject_calendar,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """These tests are about calendars: a cheap hasher instead of Argon2 for the accounts they create."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def book(api, provider, service, start, **extra):
    response = api.post(
        "/api/v1/appointments/",
        {"provider": provider.pk, "service": service.pk, "start": start, **extra},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def ics_value(ics: bytes, name: str) -> list[str]:
    return [line.split(":", 1)[1] for line in unfold(ics) if line.split(":", 1)[0].split(";", 1)[0] == name]


@time_machine.travel("2020-12-01T00:00Z", tick=False)
def test_s7_melbourne_booking_invite_is_utc(client_user, settings):
    settings.SITE_URL = "https://lexmeet.example"
    service = make_service(code="c30", duration_minutes=30)
    provider = make_provider(
        "mel@example.com", zone="Australia/Melbourne", services=[service], weekly=[(1, time(9), time(17))]
    )
    body = book(client_for(client_user), provider, service, "2020-12-28T10:00:00+11:00")
    response = client_for(client_user).get(body["ics_url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    ics = response.content
    assert_wire_format(ics)
    assert ics_value(ics, "DTSTART") == ["20201227T230000Z"]
    assert ics_value(ics, "DTEND") == ["20201227T233000Z"]
    appointment = Appointment.objects.get(pk=body["id"])
    assert ics_value(ics, "UID") == [f"{appointment.uid}@lexmeet.example"]
    assert ics_value(ics, "DTSTAMP") == ["20201201T000000Z"]
    [lib] = libical_parse([ics])
    assert lib["events"][0]["dtstart"] == "20201227T230000Z"


@pytest.mark.parametrize(
    ("zone", "offset_start"),
    [
        ("Asia/Kolkata", "2024-09-02T13:30:00+05:30"),  # 08:00Z = 10:00 Berlin
        ("America/New_York", "2024-09-02T04:30:00-04:00"),  # 08:30Z
        ("Europe/Berlin", "2024-09-02T11:00:00+02:00"),  # 09:00Z
        ("Australia/Melbourne", "2024-09-02T19:30:00+10:00"),  # 09:30Z
        ("America/Sao_Paulo", "2024-09-02T07:00:00-03:00"),  # 10:00Z
    ],
)
@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_dtstart_equals_start_utc_for_bookers_in_every_zone(berlin_lawyer, consultation, zone, offset_start):
    booker = make_user(f"booker@{zone.replace('/', '-').lower()}.example", timezone=zone)
    body = book(client_for(booker), berlin_lawyer, consultation, offset_start, client_timezone=zone)
    ics = client_for(booker).get(body["ics_url"]).content
    compact = body["start_utc"].replace("-", "").replace(":", "")
    assert ics_value(ics, "DTSTART") == [compact]
    _, [event] = icalendar_events(ics)
    assert event.start == datetime.fromisoformat(body["start_utc"])
    assert f"({zone}, UTC" in str(event["DESCRIPTION"])
    assert "(Europe/Berlin, UTC+02:00)" in str(event["DESCRIPTION"])
    assert vobject_calendar(ics).vevent.dtstart.value == datetime.fromisoformat(body["start_utc"]).astimezone(UTC)
    # The provider's own copy shows the same instant.
    provider_ics = client_for(berlin_lawyer.user).get(body["ics_url"]).content
    assert ics_value(provider_ics, "DTSTART") == [compact]


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_invite_is_for_participants_only_and_404_otherwise(
    client_user, other_user, staff_user, berlin_lawyer, consultation, api
):
    body = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
    missing = client_for(other_user).get("/api/v1/appointments/999999/invite.ics")
    foreign = client_for(other_user).get(body["ics_url"])
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}
    assert client_for(staff_user).get(body["ics_url"]).status_code == 404
    assert api.get(body["ics_url"]).status_code == 401
    assert client_for(client_user).get("/api/v1/appointments/abc/invite.ics").status_code == 404
    accepted = client_for(client_user).get(body["ics_url"], HTTP_ACCEPT="text/calendar")
    assert accepted.status_code == 200 and accepted.content.startswith(b"BEGIN:VCALENDAR\r\n")


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_invite_after_cancel_is_method_cancel(client_user, berlin_lawyer, consultation):
    api = client_for(client_user)
    body = book(api, berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
    before = api.get(body["ics_url"]).content
    assert api.post(f"/api/v1/appointments/{body['id']}/cancel/", {}, format="json").status_code == 200
    response = api.get(body["ics_url"])
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=CANCEL"
    after = response.content
    assert ics_value(after, "METHOD") == ["CANCEL"]
    assert ics_value(after, "STATUS") == ["CANCELLED"]
    assert ics_value(after, "SEQUENCE") == ["1"]
    assert ics_value(after, "UID") == ics_value(before, "UID")


# --- feeds -------------------------------------------------------------------------------------------


def feed_path(links: dict) -> str:
    return urlsplit(links["url"]).path


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_feed_links_rotation_and_wrong_tokens(client_user, berlin_lawyer, consultation, settings):
    settings.SITE_URL = "https://lexmeet.example"
    api = client_for(client_user)
    links = api.get("/api/v1/me/feed/").json()
    token = client_user.calendar_feed.token
    assert links == {
        "url": f"https://lexmeet.example/calendar/{token}.ics",
        "webcal_url": f"webcal://lexmeet.example/calendar/{token}.ics",
    }
    assert api.get("/api/v1/me/feed/").json() == links  # stable until rotated
    anonymous = Client()
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 200
    rotated = api.post("/api/v1/me/feed/rotate/").json()
    assert rotated["url"] != links["url"]
    answers = {
        path: anonymous.get(path) for path in (f"/calendar/{token}.ics", "/calendar/not-a-token.ics", "/nowhere/")
    }
    assert {response.status_code for response in answers.values()} == {404}
    # The site's plain 404 page; it differs only by the requested path and the (masked) CSRF token
    # of its language switcher.
    pages = {
        re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode().replace(path, "PATH"))
        for path, response in answers.items()
    }
    assert len(pages) == 1
    old = answers[f"/calendar/{token}.ics"]
    assert "ETag" not in old and "Last-Modified" not in old
    assert anonymous.get(feed_path(rotated)).status_code == 200
    assert Client().get("/api/v1/me/feed/").status_code == 401


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_provider_and_client_feeds_hold_their_appointments_without_cancelled(
    client_user, other_user, berlin_lawyer, consultation
):
    kept = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
    gone = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T09:00:00Z")
    theirs = book(client_for(other_user), berlin_lawyer, consultation, "2024-09-03T09:00:00Z")
    client_for(client_user).post(f"/api/v1/appointments/{gone['id']}/cancel/", {}, format="json")
    uid = {b["id"]: Appointment.objects.get(pk=b["id"]).uid for b in (kept, gone, theirs)}

    client_feed = Client().get(feed_path(client_for(client_user).get("/api/v1/me/feed/").json()))
    provider_feed = Client().get(feed_path(client_for(berlin_lawyer.user).get("/api/v1/me/feed/").json()))
    assert client_feed["Content-Type"] == "text/calendar; charset=utf-8"
    for response in (client_feed, provider_feed):
        assert_wire_format(response.content)
        assert ics_value(response.content, "METHOD") == []
        assert ics_value(response.content, "ATTENDEE") == ics_value(response.content, "ORGANIZER") == []
        assert ics_value(response.content, "REFRESH-INTERVAL") == ["PT1H"]
    assert [u.split("@")[0] for u in ics_value(client_feed.content, "UID")] == [uid[kept["id"]]]
    assert [u.split("@")[0] for u in ics_value(provider_feed.content, "UID")] == [uid[kept["id"]], uid[theirs["id"]]]
    assert ics_value(client_feed.content, "X-WR-CALNAME") == ["Lexmeet: client"]
    lib_client, lib_provider = libical_parse([client_feed.content, provider_feed.content])
    assert len(lib_client["events"]) == 1 and len(lib_provider["events"]) == 2
    assert len(vobject_calendar(provider_feed.content).vevent_list) == 2


def test_feed_etag_last_modified_and_304(client_user, berlin_lawyer, consultation):
    with time_machine.travel("2024-08-20T00:00Z", tick=False):
        book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z")
        path = feed_path(client_for(berlin_lawyer.user).get("/api/v1/me/feed/").json())
        first = Client().get(path)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert modified == "Tue, 20 Aug 2024 00:00:00 GMT"
    with time_machine.travel("2024-08-21T00:00Z", tick=False):
        again = Client().get(path)
        assert again.content == first.content and again["ETag"] == etag
        assert Client().get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert Client().get(path, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304
        assert Client().get(path, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
        book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T09:00:00Z")
        changed = Client().get(path, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag and changed["Last-Modified"] == "Wed, 21 Aug 2024 00:00:00 GMT"
    assert len(ics_value(changed.content, "UID")) == 2
    with time_machine.travel("2024-08-22T00:00Z", tick=False):
        appointment = Appointment.objects.order_by("start").first()
        client_for(client_user).post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
        cancelled = Client().get(path, HTTP_IF_NONE_MATCH=changed["ETag"])
    assert cancelled.status_code == 200 and len(ics_value(cancelled.content, "UID")) == 1


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_feed_answers_head_and_refuses_post(client_user):
    path = feed_path(client_for(client_user).get("/api/v1/me/feed/").json())
    assert Client().head(path).status_code == 200
    assert Client().post(path).status_code == 405


@time_machine.travel("2024-08-20T00:00Z", tick=False)
def test_feed_rows_and_model_instances_give_the_same_invite_data(client_user, berlin_lawyer, consultation, settings):
    from scheduling import feeds, invites

    settings.SITE_URL = "https://lexmeet.example"
    settings.DEFAULT_FROM_EMAIL = "Lexmeet Office <office@lexmeet.example>"
    body = book(client_for(client_user), berlin_lawyer, consultation, "2024-09-02T08:00:00Z", notes="a;b")
    appointment = Appointment.objects.select_related(
        "provider__user", "provider__organization", "service", "client"
    ).get(pk=body["id"])
    from_model = invites.invite_data(appointment, site_url=settings.SITE_URL, default_from=settings.DEFAULT_FROM_EMAIL)
    feed = feeds.calendar_feed_get(user=client_user)
    [(from_row, role)] = list(feeds.feed_entries(feed=feed, now=datetime(2024, 8, 20, tzinfo=UTC)))
    assert role == invites.CLIENT
    assert from_row == from_model
    # The provider's office has no mailbox in the factories: ORGANIZER falls back to DEFAULT_FROM_EMAIL.
    assert (from_model.organizer_name, from_model.organizer_email) == (
        "Office of lawyer.berlin@example.com",
        "office@lexmeet.example",
    )
    room_url = (
        f"https://lexmeet.example/rooms/{appointment.room.room_id}/"  # the video app's room, made with the booking
    )
    assert from_model.room_url == room_url
    ics = invites.invite_build(data=from_model, role=invites.CLIENT, now=datetime(2024, 8, 20, tzinfo=UTC))
    assert ics_value(ics, "CONFERENCE") == [room_url]
    assert ics_value(ics, "LOCATION") == ics_value(ics, "URL") == [room_url]
    berlin_lawyer.organization.email = "kanzlei@example.de"
    berlin_lawyer.organization.save(update_fields=["email"])
    ics = client_for(client_user).get(body["ics_url"]).content
    assert ics_value(ics, "ORGANIZER") == ["mailto:kanzlei@example.de"]
