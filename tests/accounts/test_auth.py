"""Register and token endpoints, with failed-login throttling."""

import pytest

from accounts.models import User
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW = {
    "email": "Ana@Example.com",
    "password": "a-long-enough-passphrase",
    "full_name": "Ana Li",
    "timezone": "America/New_York",
    "language": "zh-hans",
}


def test_register_returns_id_email_and_a_working_token(api):
    response = api.post("/api/v1/auth/register/", NEW, format="json")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "token"}
    assert body["email"] == "ana@example.com"
    user = User.objects.get(pk=body["id"])
    assert (user.timezone, user.language, user.role) == ("America/New_York", "zh-hans", "client")
    me = api.get("/api/v1/appointments/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.status_code == 200


def test_register_twice_is_409(api):
    api.post("/api/v1/auth/register/", NEW, format="json")
    again = api.post("/api/v1/auth/register/", {**NEW, "email": "ana@example.com"}, format="json")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "email_taken")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"timezone": "Moon/Base"}, "invalid", "timezone"),
        ({"timezone": "EST5EDT,M3.2.0,M11.1.0"}, "invalid", "timezone"),
        ({"email": "not-an-email"}, "invalid", "email"),
        ({"language": "fr"}, "invalid", "language"),
        ({"phone": "12345"}, "invalid", "phone"),
        ({"password": "short"}, "weak_password", "password"),
    ],
)
def test_register_bad_fields_are_400_and_store_nothing(api, change, code, field):
    response = api.post("/api/v1/auth/register/", {**NEW, **change}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], field in error["fields"]) == (code, True)
    assert User.objects.count() == 0


def test_phone_is_stored_in_e164(api):
    response = api.post("/api/v1/auth/register/", {**NEW, "phone": "+86 138 0013 8000"}, format="json")
    assert User.objects.get(pk=response.json()["id"]).phone == "+8613800138000"


def test_token_for_correct_password(api):
    user = make_user("tok@example.com")
    response = api.post("/api/v1/auth/token/", {"email": "TOK@example.com", "password": PASSWORD}, format="json")
    assert response.json() == {"token": user.auth_token.key}


def test_unknown_email_and_wrong_password_answer_the_same(api):
    make_user("known@example.com")
    wrong = api.post("/api/v1/auth/token/", {"email": "known@example.com", "password": "nope-nope-nope"}, format="json")
    unknown = api.post(
        "/api/v1/auth/token/", {"email": "ghost@example.com", "password": "nope-nope-nope"}, format="json"
    )
    assert (wrong.status_code, wrong.json()) == (unknown.status_code, unknown.json())
    assert wrong.json()["error"]["code"] == "invalid_credentials"


def test_repeated_failed_logins_are_locked_out_even_with_the_right_password(api, settings):
    make_user("victim@example.com")
    codes = [
        api.post(
            "/api/v1/auth/token/", {"email": "victim@example.com", "password": "guess-guess"}, format="json"
        ).json()["error"]["code"]
        for _ in range(settings.LOGIN_FAILURE_LIMIT)
    ]
    assert codes == ["invalid_credentials"] * (settings.LOGIN_FAILURE_LIMIT - 1) + ["too_many_attempts"]
    blocked = api.post("/api/v1/auth/token/", {"email": "victim@example.com", "password": PASSWORD}, format="json")
    assert (blocked.status_code, blocked.json()["error"]["code"]) == (429, "too_many_attempts")


def test_lockout_is_per_address_so_a_stranger_cannot_lock_the_owner_out(api, settings):
    make_user("victim@example.com")
    for _ in range(settings.LOGIN_FAILURE_LIMIT + 2):
        api.post(
            "/api/v1/auth/token/",
            {"email": "victim@example.com", "password": "guess-guess"},
            format="json",
            REMOTE_ADDR="203.0.113.9",
        )
    owner = api.post(
        "/api/v1/auth/token/",
        {"email": "victim@example.com", "password": PASSWORD},
        format="json",
        REMOTE_ADDR="198.51.100.7",
    )
    assert owner.status_code == 200


def test_unknown_email_is_locked_out_the_same_way(api, settings):
    answers = {
        api.post(
            "/api/v1/auth/token/", {"email": "ghost@example.com", "password": "guess-guess"}, format="json"
        ).status_code
        for _ in range(settings.LOGIN_FAILURE_LIMIT + 1)
    }
    assert answers == {400, 429}


def test_login_page_locks_out_too(settings):
    from django.test import Client

    make_user("page@example.com")
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"email": "page@example.com", "password": "guess-guess"})
    blocked = client.post("/accounts/login/", {"email": "page@example.com", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.content.decode()
