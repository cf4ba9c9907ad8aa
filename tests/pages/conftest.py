"""Fixtures of the page tests."""

from datetime import time

import pytest

from tests.factories import make_provider, make_service


@pytest.fixture
def taiyuan_lawyer(db):
    """A Taiyuan lawyer (Asia/Shanghai) with a free consultation, weekdays 09:00-11:00, Chinese and English."""
    service = make_service(code="free-consultation", duration_minutes=30, legal_aid_free=True)
    return make_provider(
        "wang@example.com",
        zone="Asia/Shanghai",
        services=[service],
        weekly=[(d, time(9), time(11)) for d in range(1, 6)],
        languages=["zh-hans", "en"],
        practice_areas=["family", "labour"],
    )
