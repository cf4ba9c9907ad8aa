"""The lawyer list names languages and practice areas (in the page's language) instead of showing their codes."""

from datetime import time

import pytest
from django.test import Client

from tests.factories import make_provider, make_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def taiyuan_lawyer():
    service = make_service(code="free-consultation", duration_minutes=30, legal_aid_free=True)
    return make_provider(
        "wang@example.com",
        zone="Asia/Shanghai",
        services=[service],
        weekly=[(d, time(9), time(11)) for d in range(1, 6)],
        languages=["zh-hans", "en"],
        practice_areas=["family", "labour"],
    )


def test_lawyer_list_names_languages_and_practice_areas(taiyuan_lawyer):
    english = Client().get("/providers/", {"kind": "lawyer"}).content.decode()
    assert "Languages: 简体中文, English · Areas: Family and marriage, Labour disputes" in english
    chinese = Client(headers={"accept-language": "zh-hans"}).get("/providers/", {"kind": "lawyer"}).content.decode()
    assert "语言: 简体中文, English · 领域: 婚姻家庭, 劳动争议" in chinese


def test_a_practice_area_without_a_name_is_shown_as_its_code(taiyuan_lawyer):
    taiyuan_lawyer.practice_areas = ["maritime"]
    taiyuan_lawyer.save(update_fields=["practice_areas"])
    assert "Areas: maritime" in Client().get("/providers/", {"kind": "lawyer"}).content.decode()
