"""Settings: production mode refuses a default secret and passes `check --deploy`."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "PYTEST_VERSION", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secret_key_refuses_to_start():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "(lexmeet.E001) SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_the_server_refuses_to_load_without_a_real_secret():
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "PYTEST_VERSION"}}
    for secret, message in [
        ("", "SECRET_KEY must be set when DEBUG is off."),
        (
            "dev-only-insecure-secret-key-never-use-in-production",
            "SECRET_KEY is the development default; set a real one.",
        ),
    ]:
        env = {**clean, "DEBUG": "0", **({"SECRET_KEY": secret} if secret else {})}
        result = subprocess.run(
            [sys.executable, "-c", "import config.asgi"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode != 0
        assert f"ImproperlyConfigured: {message}" in result.stderr


def test_offline_commands_run_in_a_bare_checkout_without_a_secret():
    result = manage("makemigrations", "--check", "--dry-run", DEBUG="0")
    assert (result.returncode, result.stdout.strip()) == (0, "No changes detected"), result.stderr


def test_production_settings_pass_check_deploy_at_warning_level():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY="x7!k2-Pq9z" * 6,
        ALLOWED_HOSTS="lexmeet.example.org",
        SITE_URL="https://lexmeet.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_migrations_match_models():
    result = manage("makemigrations", "--check", "--dry-run", DEBUG="1")
    assert result.returncode == 0, result.stdout + result.stderr


def production(settings, **values):
    """Our checks as they see a production process (DEBUG off, not under test)."""
    settings.DEBUG, settings.TESTING = False, False
    settings.ALLOWED_HOSTS = ["lexmeet.example.org"]
    settings.SITE_URL = "https://lexmeet.example.org"
    settings.CSRF_TRUSTED_ORIGINS = ["https://lexmeet.example.org"]
    for name, value in values.items():
        setattr(settings, name, value)


def check_ids() -> list[str]:
    from config import checks

    return [error.id for check in (checks.allowed_hosts_check, checks.https_origins_check) for error in check()]


def test_correct_production_settings_pass_our_checks(settings):
    production(settings)
    assert check_ids() == []


def test_wildcard_allowed_host_is_an_error_with_debug_off(settings):
    production(settings, ALLOWED_HOSTS=["lexmeet.example.org", "*"])
    assert check_ids() == ["lexmeet.E002"]
    production(settings, ALLOWED_HOSTS=[".example.org"])
    assert check_ids() == ["lexmeet.E002"]


def test_plain_http_trusted_origin_is_an_error_with_debug_off(settings):
    production(settings, CSRF_TRUSTED_ORIGINS=["https://lexmeet.example.org", "http://lexmeet.example.org"])
    assert check_ids() == ["lexmeet.E003"]


def test_plain_http_site_url_is_an_error_with_debug_off(settings):
    production(settings, SITE_URL="http://lexmeet.example.org")
    assert check_ids() == ["lexmeet.E004"]


def test_debug_mode_allows_wildcards_and_plain_http(settings):
    production(settings, DEBUG=True, ALLOWED_HOSTS=["*"], SITE_URL="http://127.0.0.1:8000")
    settings.CSRF_TRUSTED_ORIGINS = ["http://127.0.0.1:8000"]
    assert check_ids() == []


def test_production_process_with_wildcard_host_and_plain_http_fails_check():
    result = manage(
        "check",
        "--deploy",
        DEBUG="0",
        SECRET_KEY="x7!k2-Pq9z" * 6,
        ALLOWED_HOSTS="*",
        SITE_URL="http://lexmeet.example.org",
    )
    assert result.returncode == 1
    for line in (
        "(lexmeet.E002) ALLOWED_HOSTS has wildcard entries with DEBUG off: *.",
        "(lexmeet.E003) CSRF_TRUSTED_ORIGINS has non-https origins with DEBUG off: http://lexmeet.example.org.",
        "(lexmeet.E004) SITE_URL must be an https URL with DEBUG off (it is 'http://lexmeet.example.org').",
    ):
        assert line in result.stderr, result.stderr
