"""The lawyer list names languages and practice areas (in the page's language) instead of showing their codes."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_lawyer_list_names_languages_and_practice_areas(taiyuan_lawyer):
    english = Client().get("/providers/", {"kind": "lawyer"}).content.decode()
    assert "Languages: 简体中文, English · Areas: Family and marriage, Labour disputes" in english
    chinese = Client(headers={"accept-language": "zh-hans"}).get("/providers/", {"kind": "lawyer"}).content.decode()
    assert "语言: 简体中文, English · 领域: 婚姻家庭, 劳动争议" in chinese


def test_a_practice_area_without_a_name_is_shown_as_its_code(taiyuan_lawyer):
    taiyuan_lawyer.practice_areas = ["maritime"]
    taiyuan_lawyer.save(update_fields=["practice_areas"])
    assert "Areas: maritime" in Client().get("/providers/", {"kind": "lawyer"}).content.decode()
