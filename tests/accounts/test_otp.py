"""Two-factor authentication (TOTP) for notaries and staff: token endpoint, page sign-in, enrolment, admin, rooms."""

import re
from base64 import b32decode

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD, make_otp_device, make_user, otp_code, session_key_for, sign_in

pytestmark = pytest.mark.django_db


def token(api, email, **extra):
    return api.post("/api/v1/auth/token/", {"email": email, "password": PASSWORD, **extra}, format="json")


def error(response):
    return response.status_code, response.json()["error"]["code"]


@pytest.fixture
def notary():
    user = make_user("notary@example.com", role="notary")
    make_otp_device(user)
    return user


def test_notary_token_needs_the_current_code(api, notary):
    assert error(token(api, notary.email)) == (401, "otp_required")
    assert error(token(api, notary.email, otp="000000")) == (400, "otp_invalid")
    TOTPDevice.objects.filter(user=notary).update(throttling_failure_count=0)
    ok = token(api, notary.email, otp=otp_code(notary))
    assert ok.json() == {"token": notary.auth_token.key}


def test_a_code_works_once(api, notary):
    code = otp_code(notary)
    assert token(api, notary.email, otp=code).status_code == 200
    assert error(token(api, notary.email, otp=code)) == (400, "otp_invalid")


def test_wrong_codes_are_throttled_even_before_the_right_one(api, notary, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 600  # the wait after one failure: 600 s (default 1 s)
    assert error(token(api, notary.email, otp="12345")) == (400, "otp_invalid")
    code = otp_code(notary)  # resets the throttle: make it fail once more, then try the right code at once
    assert error(token(api, notary.email, otp="000000" if code != "000000" else "111111")) == (400, "otp_invalid")
    assert error(token(api, notary.email, otp=code)) == (429, "too_many_attempts")


def test_staff_needs_the_code_and_an_unenrolled_one_is_told_to_enrol(api, staff_user):
    assert error(token(api, staff_user.email, otp="123456")) == (401, "otp_enrolment_required")
    make_otp_device(staff_user)
    assert token(api, staff_user.email, otp=otp_code(staff_user)).status_code == 200


def test_wrong_password_answers_the_same_with_or_without_otp(api, notary):
    wrong = api.post("/api/v1/auth/token/", {"email": notary.email, "password": "nope-nope-nope"}, format="json")
    assert error(wrong) == (400, "invalid_credentials")


@pytest.mark.parametrize("role", ["client", "lawyer"])
def test_clients_and_lawyers_need_no_code(api, role):
    user = make_user(f"{role}@example.com", role=role)
    assert token(api, user.email).json() == {"token": user.auth_token.key}


def test_notary_page_sign_in_has_a_second_step_before_anything_else(notary):
    browser = Client()
    first = browser.post("/accounts/login/", {"email": notary.email, "password": PASSWORD, "next": "/notary/cases/"})
    assert (first.status_code, first["Location"]) == (302, "/accounts/otp/?next=%2Fnotary%2Fcases%2F")
    for path in ("/", "/notary/cases/", "/appointments/", "/admin/"):
        response = browser.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/otp/?next="), path
    api = browser.get("/api/v1/notary/cases/")
    assert (api.status_code, api.json()["error"]["code"]) == (403, "otp_required")
    page = browser.get("/accounts/otp/?next=/notary/cases/")
    assert "Enter the 6-digit code from your authenticator app." in page.content.decode()
    wrong = browser.post("/accounts/otp/", {"code": "12x456", "next": "/notary/cases/"})
    assert "The code is wrong or expired." in wrong.content.decode()
    done = browser.post("/accounts/otp/", {"code": otp_code(notary), "next": "/notary/cases/"})
    assert (done.status_code, done["Location"]) == (302, "/notary/cases/")
    assert browser.get("/notary/cases/").status_code == 200
    assert browser.get("/api/v1/notary/cases/").status_code == 200


def test_notary_without_a_device_enrols_with_the_qr_code_first():
    user = make_user("new.notary@example.com", role="notary")
    browser = Client()
    browser.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    assert browser.get("/notary/cases/")["Location"] == "/accounts/otp/?next=%2Fnotary%2Fcases%2F"
    page = browser.get("/accounts/otp/").content.decode()
    assert '<svg width="' in page and "<title>QR code</title>" in page
    secret = re.search(r'<code id="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    assert browser.get("/accounts/otp/").content.decode().count(secret) == 1  # same secret on reload
    totp = TOTP(b32decode(secret))
    done = browser.post("/accounts/otp/", {"code": f"{totp.token():06d}", "next": "/notary/cases/"})
    assert (done.status_code, done["Location"]) == (302, "/notary/cases/")
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed is True
    assert browser.get("/notary/cases/").status_code == 200


def test_admin_is_behind_the_second_factor(staff_user):
    make_otp_device(staff_user)
    password_only = Client()
    password_only.post("/accounts/login/", {"email": staff_user.email, "password": PASSWORD})
    assert password_only.get("/admin/")["Location"] == "/accounts/otp/?next=%2Fadmin%2F"
    login = Client().get("/admin/login/?next=/admin/")
    assert (login.status_code, login["Location"]) == (302, "/accounts/login/?next=%2Fadmin%2F")
    assert sign_in(Client(), staff_user).get("/admin/").status_code == 200


def test_shared_helpers_give_verified_sessions(notary):
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    assert sign_in(Client(), notary).get("/notary/cases/").status_code == 200
    session = SessionStore(session_key=session_key_for(notary))
    assert session[DEVICE_ID_SESSION_KEY] == TOTPDevice.objects.get(user=notary).persistent_id


def test_otp_page_sends_others_on(client_user):
    response = sign_in(Client(), client_user).get("/accounts/otp/?next=/appointments/")
    assert (response.status_code, response["Location"]) == (302, "/appointments/")


def test_demo_notaries_and_staff_get_the_published_demo_secret_and_demo_otp_prints_its_code(api, settings):
    import io

    import time_machine
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from accounts.otp import DEMO_OTP_KEY

    settings.DEBUG = True
    make_user("notary.li@demo.lexmeet.local", role="notary", password=None)  # with a token, from before OTP
    seeded = io.StringIO()
    call_command("seed_demo", stdout=seeded)
    # No API token that skips the second factor: none printed for notaries and staff, an old one deleted.
    assert sorted(Token.objects.values_list("user__email", flat=True)) == [
        "client.berlin@demo.lexmeet.local",
        "client.elderly@demo.lexmeet.local",
        "client.ny@demo.lexmeet.local",
        "lawyer.chen@demo.lexmeet.local",
        "lawyer.wang@demo.lexmeet.local",
        "lawyer.zhao@demo.lexmeet.local",
    ]
    for line in seeded.getvalue().splitlines():
        if "notary." in line or "staff@" in line:
            assert "token (sign in with otp)" in line, line
    enrolled = sorted(TOTPDevice.objects.filter(key=DEMO_OTP_KEY, confirmed=True).values_list("user__email", flat=True))
    assert enrolled == ["notary.li@demo.lexmeet.local", "notary.sun@demo.lexmeet.local", "staff@demo.lexmeet.local"]
    with time_machine.travel("2026-11-29T10:00:00Z", tick=False):
        out = io.StringIO()
        call_command("demo_otp", "notary.li@demo.lexmeet.local", stdout=out)
        code = out.getvalue().strip()
        assert code == "741930"  # RFC 6238 (HMAC-SHA1, 30 s, 6 digits), key b"lexmeet-demo-only-20", T = 1795946400
        response = api.post(
            "/api/v1/auth/token/",
            {"email": "notary.li@demo.lexmeet.local", "password": "lexmeet-demo-2026", "otp": code},
            format="json",
        )
        assert response.status_code == 200
    with pytest.raises(CommandError, match="has no demo authenticator"):
        call_command("demo_otp", "client.ny@demo.lexmeet.local")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="demo_otp only runs with DEBUG on."):
        call_command("demo_otp", "notary.li@demo.lexmeet.local")
