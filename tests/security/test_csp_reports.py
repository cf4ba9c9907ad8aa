"""``POST /csp-report/``: browsers' CSP violation reports become one redacted log line each."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

GUEST_PAGE = "http://testserver/rooms/AbC123/join/eyJpbnZpdGUiOjF9:1t2u3v:sEcReTsIgNaTuRe/?lang=en"


def post(body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client(enforce_csrf_checks=True).post("/csp-report/", data, content_type=content_type, **extra)


def csp_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lexmeet.csp"]


def test_a_report_uri_report_is_logged_with_the_page_pattern_not_its_token(caplog):
    report = {
        "csp-report": {
            "document-uri": GUEST_PAGE,
            "referrer": "",
            "violated-directive": "script-src-elem",
            "effective-directive": "script-src-elem",
            "original-policy": "default-src 'self'; script-src 'self'",
            "disposition": "enforce",
            "blocked-uri": "https://evil.example/x.js?session=abc",
            "status-code": 200,
            "source-file": "http://testserver/static/js/room.js?v=3",
            "line-number": 41,
        }
    }
    with caplog.at_level(logging.WARNING, logger="lexmeet.csp"):
        response = post(report)
    assert (response.status_code, response.content) == (204, b"")
    assert csp_lines(caplog) == [
        "csp violation: directive=script-src-elem disposition=enforce blocked=https://evil.example"
        " page=/rooms/<str:room_id>/join/<str:token>/ source=/static/js/room.js line=41"
    ]


def test_a_reporting_api_batch_logs_each_csp_violation_and_skips_other_types(caplog):
    batch = [
        {
            "type": "csp-violation",
            "age": 10,
            "url": "http://testserver/notary/cases/17/",
            "body": {
                "documentURL": "http://testserver/notary/cases/17/",
                "effectiveDirective": "script-src-elem",
                "blockedURL": "inline",
                "disposition": "enforce",
                "sourceFile": "http://testserver/notary/cases/17/",
                "lineNumber": 3,
            },
        },
        {"type": "deprecation", "body": {"id": "x"}},
        {
            "type": "csp-violation",
            "body": {
                "documentURL": "https://elsewhere.example/page?token=1",
                "effectiveDirective": "img-src",
                "blockedURL": "data:image/png;base64,AAAA",
                "disposition": "report",
            },
        },
    ]
    with caplog.at_level(logging.WARNING, logger="lexmeet.csp"):
        response = post(batch, content_type="application/reports+json")
    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "csp violation: directive=script-src-elem disposition=enforce blocked=inline"
        " page=/notary/cases/<str:case_id>/ source=http://testserver line=3",
        "csp violation: directive=img-src disposition=report blocked=data page=https://elsewhere.example source=- line=-",
    ]


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        ("{not json", "application/csp-report", 400, "invalid_report"),
        ('"a string"', "application/csp-report", 400, "invalid_report"),
        ('{"other": 1}', "application/json", 400, "invalid_report"),
        ("[1, 2]", "application/reports+json", 400, "invalid_report"),
        (b"\xff\xfe", "application/csp-report", 400, "invalid_report"),
        ("{}", "text/plain", 415, "unsupported_media_type"),
        ('{"csp-report": {"x": "' + "a" * 70_000 + '"}}', "application/csp-report", 413, "too_large"),
    ],
)
def test_what_is_not_a_report_gets_a_4xx_in_the_error_shape(body, content_type, status, code, caplog):
    with caplog.at_level(logging.WARNING, logger="lexmeet.csp"):
        response = post(body, content_type=content_type)
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert csp_lines(caplog) == []


def test_only_post():
    assert Client().get("/csp-report/").status_code == 405


def test_reports_are_rate_limited_per_address(settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "csp_report": "3/minute"}
    report = {"csp-report": {"document-uri": "http://testserver/", "effective-directive": "img-src"}}
    answers = [post(report).status_code for _ in range(4)]
    assert answers == [204, 204, 204, 429]
    limited = post(report)
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_csp_report_uri_overrides_the_endpoint_or_turns_reports_off():
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('report-uri'))"
    env_cases = {"https://reports.example/csp": "https://reports.example/csp", "": "None"}
    for value, expected in env_cases.items():
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CSP_REPORT_URI": value}
        out = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.strip() == expected
