"""The booking pages, driven with Django's test client: search, week view, book, mine, cancel, reschedule."""

import re

import pytest
import time_machine
from django.test import Client

from scheduling.models import Appointment
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NOW = "2026-01-05T00:00Z"  # Monday 08:00 in Taiyuan, Sunday 19:00 in New York


def signed_in(user) -> Client:
    client = Client()
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_home_and_search_pages_render_for_anonymous_visitors(taiyuan_lawyer):
    client = Client()
    assert "Remote notarization" in client.get("/").content.decode()
    page = client.get("/providers/", {"kind": "lawyer", "language": "en"}).content.decode()
    assert "wang" in page and f"/providers/{taiyuan_lawyer.pk}/" in page


@time_machine.travel(NOW, tick=False)
def test_new_york_client_sees_taiyuan_slots_in_new_york_time_with_both_zones(taiyuan_lawyer):
    client = signed_in(make_user("ny@example.com", timezone="America/New_York"))
    page = client.get(f"/providers/{taiyuan_lawyer.pk}/", {"week": "2026-01-05"}).content.decode()
    assert "Open times, shown in America/New_York" in page
    # Taiyuan Tuesday 09:00 (01:00Z) is New York Monday 20:00.
    button = re.search(
        r'data-start-utc="2026-01-06T01:00:00Z">\s*20:00\s*<span class="other-zone">Tue 09:00 Asia/Shanghai', page
    )
    assert button, page


@time_machine.travel(NOW, tick=False)
def test_book_then_provider_sees_it_in_shanghai_time_then_cancel(taiyuan_lawyer):
    ny = make_user("ny@example.com", timezone="America/New_York")
    client = signed_in(ny)
    service = taiyuan_lawyer.services.get()
    booked = client.post(
        f"/providers/{taiyuan_lawyer.pk}/book/",
        {"service": service.pk, "start": "2026-01-06T01:00:00Z", "tz": "America/New_York"},
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.start.isoformat(), appointment.client_timezone) == (
        "2026-01-06T01:00:00+00:00",
        "America/New_York",
    )
    mine = client.get(booked["Location"]).content.decode()
    assert "Monday 5 January 2026, 20:00–20:30 (America/New_York)" in mine
    lawyer_view = signed_in(taiyuan_lawyer.user).get("/appointments/").content.decode()
    assert "Tuesday 6 January 2026, 09:00–09:30 (Asia/Shanghai)" in lawyer_view
    assert client.post(f"/appointments/{appointment.pk}/cancel/", {"reason": "sorry"}).status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.sequence) == ("cancelled", 1)


@time_machine.travel(NOW, tick=False)
def test_reschedule_through_the_pages_keeps_the_appointment(taiyuan_lawyer):
    client = signed_in(make_user("ny@example.com", timezone="America/New_York"))
    service = taiyuan_lawyer.services.get()
    client.post(f"/providers/{taiyuan_lawyer.pk}/book/", {"service": service.pk, "start": "2026-01-06T01:00:00Z"})
    appointment = Appointment.objects.get()
    chooser = client.get(f"/providers/{taiyuan_lawyer.pk}/", {"reschedule": appointment.pk, "week": "2026-01-05"})
    assert f'action="/appointments/{appointment.pk}/reschedule/"' in chooser.content.decode()
    moved = client.post(f"/appointments/{appointment.pk}/reschedule/", {"start": "2026-01-06T02:00:00Z"})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start.isoformat(), appointment.sequence) == ("2026-01-06T02:00:00+00:00", 1)


@time_machine.travel(NOW, tick=False)
def test_taken_slot_shows_a_clear_message_and_books_nothing(taiyuan_lawyer):
    service = taiyuan_lawyer.services.get()
    signed_in(make_user("a@example.com")).post(
        f"/providers/{taiyuan_lawyer.pk}/book/", {"service": service.pk, "start": "2026-01-06T01:00:00Z"}
    )
    second = signed_in(make_user("b@example.com")).post(
        f"/providers/{taiyuan_lawyer.pk}/book/", {"service": service.pk, "start": "2026-01-06T01:00:00Z"}
    )
    assert second.status_code == 409
    assert "already booked" in second.content.decode()
    assert Appointment.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_another_users_appointment_page_and_actions_are_404(taiyuan_lawyer):
    service = taiyuan_lawyer.services.get()
    signed_in(make_user("a@example.com")).post(
        f"/providers/{taiyuan_lawyer.pk}/book/", {"service": service.pk, "start": "2026-01-06T01:00:00Z"}
    )
    appointment = Appointment.objects.get()
    stranger = signed_in(make_user("b@example.com"))
    assert stranger.get(f"/appointments/{appointment.pk}/").status_code == 404
    assert stranger.post(f"/appointments/{appointment.pk}/cancel/").status_code == 404
    assert (
        stranger.post(f"/appointments/{appointment.pk}/reschedule/", {"start": "2026-01-06T02:00:00Z"}).status_code
        == 404
    )
    appointment.refresh_from_db()
    assert appointment.status == "confirmed"


def test_booking_requires_sign_in(taiyuan_lawyer):
    response = Client().post(f"/providers/{taiyuan_lawyer.pk}/book/", {"service": 1, "start": "2026-01-06T01:00:00Z"})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_signup_page_creates_account_in_chosen_zone_and_logs_in():
    client = Client()
    response = client.post(
        "/accounts/signup/",
        {
            "full_name": "Chen Jie",
            "email": "chen@example.com",
            "password": "a-long-enough-passphrase",
            "timezone": "Europe/Berlin",
            "language": "zh-hans",
            "legal_aid_group": "elderly",
        },
    )
    assert response.status_code == 302
    page = client.get("/appointments/").content.decode()
    assert "我的预约" in page
    assert "Europe/Berlin" in page


def test_signup_with_unknown_zone_shows_the_error():
    response = Client().post(
        "/accounts/signup/",
        {
            "full_name": "X",
            "email": "x@example.com",
            "password": "a-long-enough-passphrase",
            "timezone": "Mars/Base",
            "language": "en",
        },
    )
    assert response.status_code == 200
    assert "Choose a time zone" in response.content.decode()


def test_login_page_refuses_wrong_password_without_saying_which_part():
    make_user("known@example.com")
    page = Client().post("/accounts/login/", {"email": "known@example.com", "password": "wrong-wrong"})
    assert "Email or password is wrong." in page.content.decode()


def test_open_redirect_after_login_is_refused():
    user = make_user("r@example.com")
    response = Client().post("/accounts/login/?next=https://evil.example/", {"email": user.email, "password": PASSWORD})
    assert response["Location"] == "/"


def test_chinese_ui_through_language_switch(taiyuan_lawyer):
    client = Client()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "远程公证" in client.get("/").content.decode()


def test_join_button_appears_when_the_room_opens_and_the_feed_link_is_offered(taiyuan_lawyer):
    ny = make_user("ny@example.com", timezone="America/New_York")
    service = taiyuan_lawyer.services.get()
    with time_machine.travel(NOW, tick=False):
        client = signed_in(ny)
        client.post(f"/providers/{taiyuan_lawyer.pk}/book/", {"service": service.pk, "start": "2026-01-06T01:00:00Z"})
        appointment = Appointment.objects.get()
        early = client.get("/appointments/").content.decode()
    assert "The video room opens Monday 5 January 2026, 19:45." in early
    from scheduling.models import CalendarFeed

    assert f"/calendar/{CalendarFeed.objects.get(user=ny).token}.ics" in early and "webcal://" in early
    with time_machine.travel("2026-01-06T00:50Z", tick=False):
        page = client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert f'href="/rooms/{appointment.room.room_id}/"' in page


def test_signed_in_user_switches_language_in_the_header_and_it_is_remembered():
    user = make_user("lang@example.com", language="en")
    client = signed_in(user)
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "远程公证" in client.get("/").content.decode()
    user.refresh_from_db()
    assert user.language == "zh-hans"
