"""Logs are JSON lines without secrets: real requests go through the configured handler and are read back."""

import io
import json
import logging
from datetime import time

import pytest
import time_machine
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from config.logs import JsonFormatter, RedactFilter, mask_phone, redact
from tests.factories import PASSWORD, make_provider, make_service, make_user
from tests.video.conftest import make_room

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def log_lines():
    """The settings' console handler (JSON formatter, redact filter), writing into a buffer at INFO."""
    root = logging.getLogger()
    handler = next(h for h in root.handlers if isinstance(h.formatter, JsonFormatter))
    buffer = io.StringIO()
    old_stream, old_level = handler.setStream(buffer), root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: buffer.getvalue().splitlines()
    finally:
        handler.setStream(old_stream)
        root.setLevel(old_level)


def token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    return api


def test_the_console_handler_formats_json_and_redacts():
    handler = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    assert [type(f) for f in handler.filters] == [RedactFilter]


def test_a_failed_login_logs_one_json_line_without_the_password(log_lines):
    response = Client().post(
        "/api/v1/auth/token/",
        {"email": "nobody@example.com", "password": "Hunter2-wrong-horse"},
        content_type="application/json",
        HTTP_X_REQUEST_ID="req-login-1",
    )
    assert response.status_code == 400
    assert response["X-Request-ID"] == "req-login-1"
    lines = log_lines()
    records = [json.loads(line) for line in lines]  # axes' lines too: every line is JSON
    assert {r["logger"] for r in records} == {"axes.handlers.database", "lexmeet.request"}
    assert {r["request_id"] for r in records} == {"req-login-1"}
    requests = [r for r in records if r["logger"] == "lexmeet.request"]
    assert [(r["level"], r["message"], r["status"]) for r in requests] == [
        ("WARNING", "POST /api/v1/auth/token/ 400", 400)
    ]
    assert set(requests[0]) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "path",
        "status",
        "duration_ms",
    }
    assert requests[0]["time"].endswith("Z") and len(requests[0]["time"]) == 24
    assert [secret for secret in ("Hunter2", "nobody@example.com") if secret in "\n".join(lines)] == []


@time_machine.travel("2021-11-01T12:00Z", tick=False)
def test_booking_feed_and_room_ticket_leave_no_token_ticket_or_credential_in_the_log(log_lines, settings):
    settings.TURN_URLS, settings.TURN_SECRET = ["turn:turn.example.org:3478"], "turn-shared-secret-1234"
    service = make_service(code="consult-30", duration_minutes=30)
    lawyer = make_provider(
        "lawyer@example.com", zone="Europe/Berlin", services=[service], weekly=[(d, time(9), time(17)) for d in (1, 2)]
    )
    client = make_user("client@example.com", timezone="America/New_York", phone="+12125550123")
    api = token_client(client)
    key = Token.objects.get(user=client).key

    booked = api.post(
        "/api/v1/appointments/",
        {"provider": lawyer.pk, "service": service.pk, "start": "2021-11-02T10:00:00+01:00"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="booking-1",
    )
    assert booked.status_code == 201, booked.json()
    feed = api.get("/api/v1/me/feed/").json()
    feed_token = feed["url"].rsplit("/", 1)[1].removesuffix(".ics")
    assert Client().get(f"/calendar/{feed_token}.ics").status_code == 200
    assert Client().get(f"/calendar/{feed_token}x.ics").status_code == 404
    room = make_room(start=None, prefix="r-")
    room_body = token_client(room.client).get(f"/api/v1/rooms/{room.room.room_id}/").json()
    ticket, credential = room_body["ticket"], room_body["ice_servers"][-1]["credential"]
    # The same secrets, handed to a logger the careless way: in a dict, a query string, a header, a traceback.
    log = logging.getLogger("lexmeet.test")
    log.info("room answer %s", room_body)
    log.warning("feed fetched: /calendar/%s.ics?token=%s&ticket=%s", feed_token, key, ticket)
    log.warning("headers: {'Authorization': 'Token %s', 'X-Phone': '%s'}", key, client.phone)
    try:
        raise ValueError(f"password={PASSWORD} otp=123456 secret={settings.TURN_SECRET}")
    except ValueError:
        log.exception("failed")

    lines = log_lines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    requests = [r["message"] for r in records if r["logger"] == "lexmeet.request"]
    assert requests == [
        "POST /api/v1/appointments/ 201",
        "GET /api/v1/me/feed/ 200",
        "GET /calendar/[redacted].ics 200",
        "GET /calendar/[redacted].ics 404",
        f"GET /api/v1/rooms/{room.room.room_id}/ 200",
    ]
    assert [r.get("user_id") for r in records if r["logger"] == "lexmeet.request"] == [
        client.pk,
        client.pk,
        None,
        None,
        room.client.pk,
    ]
    assert len({r["request_id"] for r in records if r["logger"] == "lexmeet.request"}) == 5
    text = "\n".join(lines)
    secrets = {
        "api token": key,
        "feed token": feed_token,
        "ticket": ticket,
        "turn credential": credential,
        "turn secret": settings.TURN_SECRET,
        "password": PASSWORD,
        "otp": "123456",
        "phone": "2125550123",
    }
    assert [name for name, value in secrets.items() if value in text] == []
    careless = {r["message"] for r in records if r["logger"] == "lexmeet.test"}
    assert "headers: {'Authorization': '[redacted]', 'X-Phone': '+1********23'}" in careless
    assert "feed fetched: /calendar/[redacted].ics?token=[redacted]&ticket=[redacted]" in careless, careless
    failure = next(r for r in records if r["message"] == "failed")
    assert failure["exc"].endswith("ValueError: password=[redacted] otp=[redacted] secret=[redacted]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def.ghi-123", "Authorization: [redacted]"),
        ("token 0123456789abcdef0123456789abcdef01234567", "token [redacted]"),
        (
            '{"password": "a b c", "email": "zhang.wei@example.com"}',
            '{"password": "[redacted]", "email": "z***@example.com"}',
        ),
        ("GET /calendar/AbC_-12.ics HTTP/1.1", "GET /calendar/[redacted].ics HTTP/1.1"),
        ("webcal://x.example/calendar/AbC_-12.ics", "webcal://x.example/calendar/[redacted].ics"),
        ("document_number=E12345678 result=pass", "document_number=[redacted] result=pass"),
        ("call +86 138 0013 8000 now", "call +86*********00 now"),
        ("ticket eyJ1IjoxLCJyIjoiYWJjIn0:1tQx:abcdEFGH", "ticket [redacted]"),
        ("sha256 " + "a" * 64, "sha256 " + "a" * 64),  # hashes are not tokens
        ("booked 2021-11-02T10:00:00+01:00 for 30 min", "booked 2021-11-02T10:00:00+01:00 for 30 min"),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


def test_mask_phone_keeps_country_code_and_last_two_digits():
    assert (mask_phone("+12125550123"), mask_phone("+8613800138000")) == ("+1********23", "+86*********00")


def test_login_with_a_real_account_logs_the_user_id_not_the_email(log_lines):
    user = make_user("someone@example.com")
    response = Client().post(
        "/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    text = "\n".join(log_lines())
    assert response.json()["token"] not in text
    assert "someone@example.com" not in text
