"""Rate limits (config/throttles.py): each scope answers 429 rate_limited with Retry-After once its rate is spent.

The rates are lowered per test (``settings.THROTTLE_RATES``); time stands still, so
Retry-After is the whole window. The defaults are generous: the rest of the suite,
which signs in, books and uploads many times, never meets them.
"""

import pytest
import time_machine
from django.test import Client

from tests.conftest import client_for
from tests.factories import PASSWORD, make_user, sign_in

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T10:00:00Z"


@pytest.fixture
def rates(settings):
    def lower(**scopes):
        settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, **scopes}

    return lower


def assert_rate_limited(response, retry_after="60"):
    assert response.status_code == 429
    assert response["Retry-After"] == retry_after
    assert response.json()["error"]["code"] == "rate_limited"


def test_default_rates_are_generous(settings):
    assert settings.THROTTLE_RATES == {
        "login": "30/minute",
        "register": "20/hour",
        "booking": "60/minute",
        "upload": "120/hour",
        "recording": "60/minute",
        "csp_report": "120/minute",
    }


@time_machine.travel(NOW, tick=False)
def test_token_endpoint_is_rate_limited_per_address_whatever_the_email(api, rates):
    rates(login="3/minute")
    make_user("a@example.com")
    for email in ("a@example.com", "b@example.com", "c@example.com"):
        assert (
            api.post("/api/v1/auth/token/", {"email": email, "password": "x-x-x-x-x"}, format="json").status_code == 400
        )
    assert_rate_limited(
        api.post("/api/v1/auth/token/", {"email": "a@example.com", "password": PASSWORD}, format="json")
    )
    other_address = api.post(
        "/api/v1/auth/token/",
        {"email": "a@example.com", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert other_address.status_code == 200
    spoofed = api.post(
        "/api/v1/auth/token/",
        {"email": "a@example.com", "password": PASSWORD},
        format="json",
        HTTP_X_FORWARDED_FOR="192.0.2.44",
    )
    assert spoofed.status_code == 429  # no proxy configured: X-Forwarded-For is not the client's address


@time_machine.travel(NOW, tick=False)
def test_login_page_shares_the_login_budget(api, rates):
    rates(login="2/minute")
    api.post("/api/v1/auth/token/", {"email": "a@example.com", "password": "x-x-x-x-x"}, format="json")
    page = Client()
    assert page.post("/accounts/login/", {"email": "a@example.com", "password": "x-x-x-x-x"}).status_code == 200
    blocked = page.post("/accounts/login/", {"email": "a@example.com", "password": "x-x-x-x-x"})
    assert (blocked.status_code, blocked["Retry-After"]) == (429, "60")
    assert "Please wait 60 seconds and try again." in blocked.content.decode()


@time_machine.travel(NOW, tick=False)
def test_registration_is_rate_limited_on_the_api_and_the_page(api, rates):
    rates(register="1/hour")
    body = {"email": "n1@example.com", "password": "a-long-enough-passphrase", "full_name": "N", "timezone": "UTC"}
    assert api.post("/api/v1/auth/register/", body, format="json").status_code == 201
    assert_rate_limited(api.post("/api/v1/auth/register/", {**body, "email": "n2@example.com"}, format="json"), "3600")
    page = Client().post("/accounts/signup/", {**body, "email": "n3@example.com", "language": "en"})
    assert (page.status_code, page["Retry-After"]) == (429, "3600")


@time_machine.travel(NOW, tick=False)
def test_booking_and_rescheduling_share_a_per_user_budget(rates, client_user, other_user):
    rates(booking="2/minute")
    me = client_for(client_user)
    assert me.post("/api/v1/appointments/", {}, format="json").status_code == 400
    assert me.post("/api/v1/appointments/999999/reschedule/", {"start": NOW}, format="json").status_code == 404
    assert_rate_limited(me.post("/api/v1/appointments/", {}, format="json"))
    assert me.get("/api/v1/appointments/").status_code == 200  # reading is not limited
    page = sign_in(Client(), client_user).post("/providers/1/book/", {"service": "1", "start": NOW})
    assert (page.status_code, page["Retry-After"]) == (429, "60")
    assert client_for(other_user).post("/api/v1/appointments/", {}, format="json").status_code == 400


@time_machine.travel(NOW, tick=False)
def test_document_uploads_and_recording_chunks_are_rate_limited_per_user(rates, client_user):
    rates(upload="2/hour", recording="1/minute")
    me = client_for(client_user)
    for _ in range(2):
        assert me.post("/api/v1/notary/cases/999999/documents/", {}, format="multipart").status_code == 404
    assert_rate_limited(me.post("/api/v1/notary/cases/999999/documents/", {}, format="multipart"), "3600")
    assert me.post("/api/v1/notary/cases/999999/recording/", {}, format="multipart").status_code == 404
    assert_rate_limited(me.post("/api/v1/notary/cases/999999/recording/", {}, format="multipart"))
    assert me.get("/api/v1/notary/cases/999999/recording/").status_code == 404  # the manifest read is not limited


@pytest.mark.redis
def test_the_counters_live_in_redis_shared_by_every_process(settings):
    """Another process (another Daphne) sees what this one counted: the cache is Redis."""
    import os
    import subprocess
    import sys

    from django.core.cache import cache

    assert (
        settings.CACHES["default"]["BACKEND"] == "config.cache.ResilientRedisCache"
    )  # Django's RedisCache, misses while Redis is down
    cache.set("throttle_login_203.0.113.5", [1.0, 2.0], 60)
    code = "from django.core.cache import cache; print(cache.get('throttle_login_203.0.113.5'))"
    other = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env={**os.environ, "DEBUG": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert other.stdout.strip().splitlines()[-1] == "[1.0, 2.0]", other.stderr
