"""Every main page works under our Content-Security-Policy: no violation, no console error.

Chromium enforces the policy the server sends (the contexts do not bypass CSP); an
init script records ``securitypolicyviolation`` events, and console errors and
uncaught exceptions are collected too. The video room and the notary's recorder
run under the same policy in test_video_room.py and test_notary_recording.py.
"""

from datetime import timedelta

import pytest
from django.utils import timezone as dj_timezone

from tests.browser.conftest import csp_violations, watch_page
from tests.factories import PASSWORD, make_user
from tests.video.conftest import make_room

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_email", email)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{base}/")


def visit_all(page, base, paths) -> dict[str, list[str]]:
    problems = watch_page(page)
    found = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
        assert "script-src 'self'" in response.headers["content-security-policy"]
        seen = problems + csp_violations(page)
        if seen:
            found[path] = list(seen)
        problems.clear()
    return found


def test_public_pages_have_no_csp_violation_or_console_error(live_server, new_page):
    setup = make_room(start=dj_timezone.now().replace(microsecond=0) + timedelta(days=2))
    base = live_server.url
    paths = [
        "/",
        "/providers/?kind=lawyer",
        "/providers/?kind=notary",
        f"/providers/{setup.host.provider.pk}/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
        "/api/v1/docs/",
        "/admin/login/",
    ]
    assert visit_all(new_page(), base, paths) == {}


def test_signed_in_pages_have_no_csp_violation_or_console_error(live_server, new_page):
    setup = make_room(start=dj_timezone.now().replace(microsecond=0) + timedelta(days=2))
    appointment = setup.room.appointment
    base = live_server.url

    client_page = new_page(timezone_id="America/New_York")
    sign_in(client_page, base, setup.client.email)
    client_paths = [
        "/appointments/",
        f"/appointments/{appointment.pk}/",
        f"/providers/{setup.host.provider.pk}/",
        "/accounts/preferences/",
        f"/rooms/{setup.room.room_id}/",  # not open yet: the waiting page
    ]
    assert visit_all(client_page, base, client_paths) == {}

    lawyer_page = new_page(timezone_id="Europe/Berlin")
    sign_in(lawyer_page, base, setup.host.email)
    assert visit_all(lawyer_page, base, ["/dashboard/", "/dashboard/hours/", "/appointments/"]) == {}

    make_user("applicant@example.com")
    applicant = new_page()
    sign_in(applicant, base, "applicant@example.com")
    assert visit_all(applicant, base, ["/notary/cases/", "/notary/cases/new/"]) == {}


def test_notary_enrols_a_second_factor_and_staff_reaches_the_admin_without_csp_violations(live_server, new_page):
    from base64 import b32decode

    from django_otp.oath import TOTP

    from tests.factories import session_key_for

    base = live_server.url
    make_user("new.notary@example.com", role="notary")
    page = new_page()
    problems = watch_page(page)
    page.goto(f"{base}/accounts/login/?next=/notary/cases/")
    page.fill("#id_email", "new.notary@example.com")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url(f"{base}/accounts/otp/?next=%2Fnotary%2Fcases%2F")
    assert page.locator("#otp-qr svg").is_visible()
    secret = page.locator("#otp-secret").inner_text()
    page.fill("#id_code", f"{TOTP(b32decode(secret)).token():06d}")
    page.click("#otp-submit")
    page.wait_for_url(f"{base}/notary/cases/")
    assert problems + csp_violations(page) == []

    staff = make_user("admin@example.com", role="staff", is_staff=True, is_superuser=True)
    admin = new_page()
    admin.context.add_cookies([{"name": "sessionid", "value": session_key_for(staff), "url": base}])
    assert (
        visit_all(admin, base, ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{staff.pk}/change/"]) == {}
    )


def test_a_violation_in_chromium_is_reported_to_the_server_and_logged(live_server, new_page, caplog):
    """A real browser's report (``report-uri``) reaches /csp-report/ and becomes one log line, without the query."""
    import logging
    import time

    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/appointments/")
    with caplog.at_level(logging.WARNING, logger="lexmeet.csp"):
        page.evaluate(
            "() => { const s = document.createElement('script'); s.textContent = 'window.injected = 1';"
            " document.body.appendChild(s); }"
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not [r for r in caplog.records if r.name == "lexmeet.csp"]:
            time.sleep(0.1)
    assert page.evaluate("() => window.injected") is None  # blocked, not run
    lines = [r.getMessage() for r in caplog.records if r.name == "lexmeet.csp"]
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "csp violation: directive=script-src-elem disposition=enforce blocked=inline page=/accounts/login/ "
    ), lines[0]
