"""The browser's time zone in real Chromium: anonymous week pages and the sign-up field follow it; accounts keep theirs.

Each Playwright context runs in its own zone (``timezone_id``), which is what
``Intl.DateTimeFormat().resolvedOptions().timeZone`` reports to static/js/site.js.
"""

from datetime import time

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, csp_violations, watch_page
from tests.browser.test_booking_journey import sign_in
from tests.factories import make_provider, make_service, make_user

pytestmark = pytest.mark.django_db(transaction=True)
NOW = "2026-01-05T00:00Z"  # Monday 08:00 in Taiyuan


@pytest.fixture
def lawyer(db):
    service = make_service(code="free-consultation", duration_minutes=30, legal_aid_free=True)
    return make_provider(
        "wang@example.com",
        zone="Asia/Shanghai",
        services=[service],
        weekly=[(d, time(9), time(10)) for d in range(1, 8)],  # every day, 01:00-02:00 UTC
    )


def slot_text(page, start_utc: str) -> str:
    return " ".join(page.locator(f'[data-start-utc="{start_utc}"]').inner_text().split())


@pytest.mark.parametrize(
    ("zone", "wall_time"),
    [("Europe/Berlin", "02:00 Tue 09:00 Asia/Shanghai"), ("America/New_York", "20:00 Tue 09:00 Asia/Shanghai")],
)
def test_anonymous_first_visit_shows_the_week_in_the_browsers_zone(live_server, new_page, lawyer, zone, wall_time):
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id=zone)
        problems = watch_page(page)
        page.goto(f"{live_server.url}/providers/{lawyer.pk}/?week=2026-01-05")  # no cookie yet: rendered in UTC
        expect(page.locator("#slots-heading")).to_have_text(f"Open times, shown in {zone}")  # after the reload
        assert page.locator("#slots-heading").get_attribute("data-zone-source") == "cookie"
        assert page.url == f"{live_server.url}/providers/{lawyer.pk}/?week=2026-01-05"
        assert slot_text(page, "2026-01-06T01:00:00Z") == wall_time
        assert {c["name"]: c["value"] for c in page.context.cookies()}["tz"] == zone
        page.reload()
        expect(page.locator("#slots-heading")).to_have_text(f"Open times, shown in {zone}")
        assert slot_text(page, "2026-01-06T01:00:00Z") == wall_time
        assert page.locator("header .zone").inner_text() == f"Time zone: {zone}"
        assert problems == [] and csp_violations(page) == []


def test_anonymous_berlin_week_across_the_spring_forward_sunday(live_server, new_page, lawyer):
    """Berlin moves to CEST at 01:00Z on Sunday 29 March 2026: the same 01:00Z slot reads 02:00, then 03:00."""
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="Europe/Berlin")
        page.goto(f"{live_server.url}/providers/{lawyer.pk}/?week=2026-03-23")
        expect(page.locator("#slots-heading")).to_have_text("Open times, shown in Europe/Berlin")
        assert slot_text(page, "2026-03-28T01:00:00Z") == "02:00 Sat 09:00 Asia/Shanghai"
        assert slot_text(page, "2026-03-29T01:00:00Z") == "03:00 Sun 09:00 Asia/Shanghai"
        sunday = page.locator('section[aria-label="Sunday 29 March 2026"]')
        assert sunday.locator("a").first.inner_text().split()[0] == "03:00"


def test_signed_in_user_keeps_the_account_zone_in_a_berlin_browser_until_changed_on_the_page(
    live_server, new_page, lawyer
):
    make_user("ny@example.com", timezone="America/New_York")
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="Europe/Berlin")
        sign_in(page, base, "ny@example.com")
        page.goto(f"{base}/providers/{lawyer.pk}/?week=2026-01-05")
        heading = page.locator("#slots-heading")
        expect(heading).to_have_text("Open times, shown in America/New_York")
        page.wait_for_load_state("load")
        assert heading.get_attribute("data-zone-source") == "account"  # no reload to the browser's zone
        assert slot_text(page, "2026-01-06T01:00:00Z") == "20:00 Tue 09:00 Asia/Shanghai"
        page.select_option("#f-tz", "Europe/Berlin")
        page.click("form.filters button[type=submit]")
        expect(heading).to_have_text("Open times, shown in Europe/Berlin")
        assert slot_text(page, "2026-01-06T01:00:00Z") == "02:00 Tue 09:00 Asia/Shanghai"
        page.locator('button[data-start-utc="2026-01-06T01:00:00Z"]').click()
        page.wait_for_url("**/appointments/*/?booked=1")
        # The booking keeps the zone chosen on the page as the client's zone for the invite.
        from scheduling.models import Appointment

        assert Appointment.objects.get().client_timezone == "Europe/Berlin"


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Madrid"])
def test_signup_prefills_the_browsers_zone_and_it_stays_editable(live_server, new_page, zone):
    page = new_page(timezone_id=zone)
    problems = watch_page(page)
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.locator("#id_timezone")).to_have_value(zone)
    assert page.locator("[data-browser-zone]").inner_text() == zone
    assert page.locator("#id_password").get_attribute("aria-describedby") == "id_password_helptext"
    assert page.locator("#id_password_helptext").inner_text() == "At least 10 characters."
    assert axe_violations(page) == []
    page.fill("#id_full_name", "Zhang Wei")
    page.fill("#id_email", "zhang@example.com")
    page.fill("#id_password", "a long enough passphrase 42")
    page.fill("#id_timezone", "Asia/Shanghai")  # the visitor may still choose another zone
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    from accounts.models import User

    assert User.objects.get(email="zhang@example.com").timezone == "Asia/Shanghai"
    assert problems == []


def test_signup_by_a_new_york_visitor_who_changes_nothing_gets_new_york(live_server, new_page):
    page = new_page(timezone_id="America/New_York")
    page.goto(f"{live_server.url}/accounts/signup/")
    expect(page.locator("#id_timezone")).to_have_value("America/New_York")
    page.fill("#id_full_name", "Zhang Wei")
    page.fill("#id_email", "zhang@example.com")
    page.fill("#id_password", "a long enough passphrase 42")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    from accounts.models import User

    assert User.objects.get(email="zhang@example.com").timezone == "America/New_York"
