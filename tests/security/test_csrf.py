"""CSRF: every write that a session cookie authenticates is refused (403) without the CSRF token.

Routes come from the URL conf (a new route cannot escape): each is POSTed, and the
API's PUT/PATCH/DELETE too, by a browser that holds a signed-in (OTP-verified) staff
session and the CSRF cookie but sends no token. Pages also refuse anonymous writes
(sign-in, sign-up, password reset, language). Only three endpoints take no session at
all, so CSRF does not apply: register, token and a guest's invite exchange, whose invite
token is the credential (``authentication_classes = []``).
"""

import re

import pytest
from django.test import Client
from django.test.client import MULTIPART_CONTENT
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.factories import make_user, sign_in

pytestmark = pytest.mark.django_db

# Answered on the body alone (no session): sign-up, tokens, guest tickets, browsers' CSP reports.
SESSIONLESS = {"/api/v1/auth/register/", "/api/v1/auth/token/", "/api/v1/rooms/1/guest/", "/csp-report/"}
ADMIN = ["/admin/", "/admin/login/", "/admin/logout/", "/admin/accounts/user/1/change/", "/admin/password_change/"]


def _sample(pattern: str) -> str:
    """A concrete path for a route: converters and named groups become ``1`` (the check runs before the view)."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", pattern)
    path = re.sub(r"<(?:\w+:)?\w+>", "1", path)
    path = path.replace("\\.", ".").lstrip("^").rstrip("$")
    return path


def routes() -> list[str]:
    found = []

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if str(entry.pattern).startswith("admin/"):
                    continue  # the admin's own routes: a representative sample below
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                found.append("/" + _sample(prefix + str(entry.pattern)))

    walk(get_resolver().url_patterns, "")
    return sorted(set(found) | set(ADMIN))


ROUTES = routes()


def test_the_route_list_covers_pages_api_and_admin():
    assert len(ROUTES) > 60
    for path in (
        "/accounts/login/",
        "/accounts/otp/",
        "/providers/1/book/",
        "/api/v1/appointments/",
        "/api/v1/notary/cases/1/documents/",
        "/api/v1/notary/cases/1/recording/",
        "/calendar/1.ics",
        "/admin/",
    ):
        assert path in ROUTES, path


@pytest.fixture
def staff_browser():
    user = make_user("csrf.staff@example.com", role="staff", is_staff=True, is_superuser=True)
    browser = sign_in(Client(enforce_csrf_checks=True), user)
    browser.get("/accounts/preferences/")  # the page sets the CSRF cookie; the writes below send no token
    assert "csrftoken" in browser.cookies
    return browser


def _content_type(path: str) -> str:
    """The body type the route parses (the CSRF check reads the body, so it must be one the view takes)."""
    from rest_framework.parsers import MultiPartParser

    view = getattr(resolve(path).func, "cls", None)
    if view is not None and any(issubclass(p, MultiPartParser) for p in view.parser_classes):
        return MULTIPART_CONTENT
    return "application/json" if path.startswith("/api/") else "application/x-www-form-urlencoded"


def test_every_session_write_without_the_token_is_403(staff_browser):
    answers = {}
    for path in ROUTES:
        if path in SESSIONLESS:
            continue
        methods = ["post", "put", "patch", "delete"] if path.startswith("/api/") else ["post"]
        content_type = _content_type(path)
        body = {"kind": "passport"} if content_type == MULTIPART_CONTENT else ""
        for method in methods:
            response = getattr(staff_browser, method)(path, body, content_type=content_type)
            if response.status_code != 403:
                answers[f"{method.upper()} {path}"] = response.status_code
    assert answers == {}


def test_api_csrf_refusal_is_in_the_error_shape(staff_browser):
    response = staff_browser.post("/api/v1/appointments/", {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_anonymous_page_writes_without_the_token_are_403():
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")
    pages = [p for p in ROUTES if not p.startswith("/api/") and p not in SESSIONLESS]
    assert {p: browser.post(p, {}).status_code for p in pages} == dict.fromkeys(pages, 403)


def test_the_sessionless_endpoints_ignore_the_session(staff_browser):
    response = staff_browser.post(
        "/api/v1/auth/token/", {"email": "x@example.com", "password": "y"}, content_type="application/json"
    )
    assert response.status_code == 400  # answered on the body alone; the session cookie grants nothing here
