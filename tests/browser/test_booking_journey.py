"""Real Chromium on the booking pages: time zones, keyboard-only booking, Chinese UI, reschedule, cancel, axe.

Set LEXMEET_SCREENSHOTS=docs/screenshots to refresh the README's screenshots.
"""

import os
from datetime import time
from pathlib import Path

import pytest
import time_machine

from tests.browser.conftest import axe_violations
from tests.factories import PASSWORD, make_provider, make_service, make_user

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("LEXMEET_SCREENSHOTS")
NOW = "2026-01-05T00:00Z"  # Monday 08:00 in Taiyuan, Sunday 19:00 in New York


def shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email) if page.get_by_label("Email").count() else page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{base}/")


@pytest.fixture
def taiyuan(db):
    service = make_service(code="free-consultation", duration_minutes=30, legal_aid_free=True, name_zh="免费法律咨询")
    lawyer = make_provider(
        "wang@example.com",
        zone="Asia/Shanghai",
        services=[service],
        weekly=[(d, time(9), time(11)) for d in range(1, 6)],
        languages=["zh-hans", "en"],
        practice_areas=["labour"],
    )
    return lawyer, service


def test_new_york_client_books_reschedules_and_cancels_and_lawyer_sees_shanghai_time(live_server, new_page, taiyuan):
    lawyer, _ = taiyuan
    make_user("ny@example.com", timezone="America/New_York", full_name="Zhang Wei")
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="America/New_York")
        page.goto(f"{base}/")
        shot(page, "home")
        page.goto(f"{base}/providers/?kind=lawyer")
        shot(page, "search")
        sign_in(page, base, "ny@example.com")
        page.goto(f"{base}/providers/{lawyer.pk}/?week=2026-01-05")
        slot = page.locator('button[data-start-utc="2026-01-06T01:00:00Z"]')
        assert " ".join(slot.inner_text().split()) == "20:00 Tue 09:00 Asia/Shanghai"
        shot(page, "provider-week")
        slot.click()
        page.wait_for_url("**/appointments/*/?booked=1")
        assert "Booked." in page.locator("[role=status]").inner_text()
        assert "Monday 5 January 2026, 20:00–20:30 (America/New_York)" in page.inner_text("main")
        shot(page, "appointment")

        lawyer_page = new_page(timezone_id="Asia/Shanghai")
        sign_in(lawyer_page, base, "wang@example.com")
        lawyer_page.goto(f"{base}/appointments/")
        assert "Tuesday 6 January 2026, 09:00–09:30 (Asia/Shanghai)" in lawyer_page.inner_text("main")

        page.click("text=Reschedule")
        page.click('button[data-start-utc="2026-01-06T02:00:00Z"]')
        page.wait_for_url("**/appointments/*/?booked=1")
        assert "Monday 5 January 2026, 21:00–21:30 (America/New_York)" in page.inner_text("main")

        page.fill("#reason", "Found help locally")
        page.click("text=Cancel this appointment")
        page.wait_for_load_state()
        assert page.locator("[data-status]").get_attribute("data-status") == "cancelled"


def test_booking_with_the_keyboard_only(live_server, new_page, taiyuan):
    lawyer, _ = taiyuan
    make_user("kb@example.com", timezone="Europe/Berlin")
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="Europe/Berlin")
        page.goto(f"{base}/accounts/login/")
        page.keyboard.press("Tab")  # the skip link comes first
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        page.focus("#id_email")
        page.keyboard.type("kb@example.com")
        page.keyboard.press("Tab")
        page.keyboard.type(PASSWORD)
        page.keyboard.press("Enter")
        page.wait_for_url(f"{base}/")
        page.goto(f"{base}/providers/{lawyer.pk}/?week=2026-01-05")
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.dataset.startUtc") == "2026-01-05T01:00:00Z":
                break
        else:
            pytest.fail("no slot button reachable with Tab")
        page.keyboard.press("Enter")
        page.wait_for_url("**/appointments/*/?booked=1")
        assert "Monday 5 January 2026, 02:00–02:30 (Europe/Berlin)" in page.inner_text("main")


def test_chinese_ui_end_to_end_for_an_elderly_client(live_server, new_page, taiyuan):
    lawyer, _ = taiyuan
    make_user("elder@example.com", timezone="Asia/Shanghai", language="zh-hans", legal_aid_group="elderly")
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="Asia/Shanghai", locale="zh-CN")
        page.goto(f"{base}/accounts/login/")
        page.fill("#id_email", "elder@example.com")
        page.fill("#id_password", PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_url(f"{base}/")
        assert "远程公证" in page.inner_text("main")
        page.click("#large-text")
        assert page.evaluate("document.documentElement.classList.contains('large-text')")
        page.goto(f"{base}/providers/{lawyer.pk}/?week=2026-01-05")
        assert "可预约时间（按 Asia/Shanghai 显示）" in page.inner_text("main")
        assert "免费" in page.inner_text("main")
        shot(page, "provider-week-zh")
        page.click('button[data-start-utc="2026-01-06T01:00:00Z"]')
        page.wait_for_url("**/appointments/*/?booked=1")
        assert "预约成功" in page.inner_text("[role=status]")
        assert "09:00" in page.inner_text("main")


def test_main_pages_have_no_serious_accessibility_violations(live_server, new_page, taiyuan):
    lawyer, _ = taiyuan
    make_user("a11y@example.com", timezone="America/New_York")
    base = live_server.url
    with time_machine.travel(NOW, tick=True):
        page = new_page(timezone_id="America/New_York")
        found = {}
        for path in [
            "/",
            "/providers/?kind=lawyer",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password-reset/",
        ]:
            page.goto(base + path)
            found[path] = axe_violations(page)
        sign_in(page, base, "a11y@example.com")
        for path in [
            f"/providers/{lawyer.pk}/?week=2026-01-05",
            "/appointments/",
            "/accounts/preferences/",
            "/notary/cases/",
            "/notary/cases/new/",
        ]:
            page.goto(base + path)
            found[path] = axe_violations(page)
        page.goto(f"{base}/providers/{lawyer.pk}/?week=2026-01-05")
        page.click('button[data-start-utc="2026-01-06T01:00:00Z"]')
        page.wait_for_url("**/appointments/*/?booked=1")
        found["appointment"] = axe_violations(page)
        page.goto(f"{base}/notary/cases/new/")
        page.click("main form button[type=submit]")  # nothing filled in: every refusal on its field
        page.wait_for_selector("main .errorlist")
        found["new case, refused"] = axe_violations(page)
        assert {path: v for path, v in found.items() if v} == {}


def test_the_axe_check_itself_catches_an_unlabelled_field(new_page):
    page = new_page()
    page.set_content(
        '<html lang="en"><head><title>x</title></head><body><main><input type="text"></main></body></html>'
    )
    assert [v["id"] for v in axe_violations(page)] == ["label"]
