"""Security headers on every response: CSP without inline scripts, framing, sniffing, referrer, permissions."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "media-src": "'self' blob: mediastream:",
    "connect-src": "'self' ws://127.0.0.1:8000",
    "worker-src": "'self' blob:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "report-uri": "/csp-report/",
}


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/services/", "/no-such-page/"])
def test_every_response_carries_the_security_headers(path):
    response = Client().get(path)
    assert directives(response.headers["Content-Security-Policy"]) == POLICY
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Permissions-Policy"] == (
        "camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=()"
    )


def test_only_the_api_docs_page_allows_inline_styles_and_no_page_inline_scripts():
    docs = Client().get("/api/v1/docs/")
    assert docs.status_code == 200
    assert directives(docs.headers["Content-Security-Policy"]) == {**POLICY, "style-src": "'self' 'unsafe-inline'"}
    assert "<script>" not in docs.content.decode()
    script = Client().get("/api/v1/docs/?script=")
    assert (script.status_code, script.headers["Content-Type"]) == (200, "application/javascript")


def test_cookies_are_http_only_and_lax():
    from django.conf import settings

    assert (settings.SESSION_COOKIE_HTTPONLY, settings.SESSION_COOKIE_SAMESITE) == (True, "Lax")
    assert (settings.CSRF_COOKIE_HTTPONLY, settings.CSRF_COOKIE_SAMESITE) == (True, "Lax")
    assert (settings.LANGUAGE_COOKIE_HTTPONLY, settings.LANGUAGE_COOKIE_SAMESITE) == (True, "Lax")
