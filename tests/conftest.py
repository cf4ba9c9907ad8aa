"""Shared fixtures: users, a provider with hours, API clients, and backend markers."""

import os
from datetime import time
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import make_provider, make_service, make_user

# Tests under these directories (or in these files) carry the `reliability` marker: `make
# reliability` runs them (`pytest -m reliability`) and lists them with their figures in
# docs/reliability.md. Mark a test elsewhere with `@pytest.mark.reliability` to list it too.
RELIABILITY_PATHS = (
    "tests/faults",
    "tests/security",
    "tests/scheduling/test_concurrency_postgres.py",
    "tests/scheduling/test_booking_lock_postgres.py",
    "tests/scheduling/test_hostile_input.py",
    "tests/scheduling/test_bad_input.py",
    "tests/scheduling/test_slots_properties.py",
)


def pytest_collection_modifyitems(config, items):
    """`postgres`/`redis` tests skip, with the reason, when their backend is not configured."""
    pg = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    redis = bool(os.environ.get("REDIS_URL"))
    root = Path(str(config.rootpath))
    reliability_paths = [root / p for p in RELIABILITY_PATHS]
    for item in items:
        path = Path(str(item.path))
        if any(path.is_relative_to(p) for p in reliability_paths):
            item.add_marker(pytest.mark.reliability)
        if "postgres" in item.keywords and not pg:
            item.add_marker(pytest.mark.skip(reason="postgres: DATABASE_URL is not a PostgreSQL URL"))
        if "redis" in item.keywords and not redis:
            item.add_marker(pytest.mark.skip(reason="redis: REDIS_URL is unset"))


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def api():
    return APIClient()


def client_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.fixture
def client_user(db):
    return make_user("client@example.com", timezone="America/New_York")


@pytest.fixture
def other_user(db):
    return make_user("other@example.com", timezone="Europe/Berlin")


@pytest.fixture
def staff_user(db):
    return make_user("staff@example.com", role="staff", is_staff=True)


@pytest.fixture
def consultation(db):
    return make_service(code="consult-30", duration_minutes=30)


@pytest.fixture
def berlin_lawyer(db, consultation):
    """Europe/Berlin lawyer, Monday-Friday 09:00-17:00, offering a 30-minute consultation."""
    return make_provider(
        "lawyer.berlin@example.com",
        zone="Europe/Berlin",
        services=[consultation],
        weekly=[(d, time(9), time(17)) for d in range(1, 6)],
    )


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"
