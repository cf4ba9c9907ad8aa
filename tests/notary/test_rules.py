"""Jurisdiction rules ship as data: China's overseas programme and a US RULONA profile."""

import pytest
from django.core.management import call_command

from notary.models import Jurisdiction, MatterType, ReasonCode

pytestmark = pytest.mark.django_db


def test_chinese_overseas_programme_has_its_15_matter_types_without_interpreters():
    matters = MatterType.objects.filter(jurisdiction__code="cn-overseas")
    assert matters.count() == 15
    assert set(matters.values_list("interpreter_allowed", flat=True)) == {False}
    poa = matters.get(code="cn-power-of-attorney")
    assert poa.required_documents == ["passport", "residence_abroad_proof", "poa_draft", "agent_id"]
    assert poa.paper_original_required is True
    assert matters.get(code="cn-birth").paper_original_required is False


def test_eligibility_and_retention_are_data():
    china = Jurisdiction.objects.get(code="cn-overseas")
    assert china.eligibility == {"nationality": ["CN"], "min_days_abroad": 180, "destination_countries": ["CN"]}
    assert (china.retention_years, china.max_identity_failures, china.identity_lock_hours) == (20, 2, 24)
    us = Jurisdiction.objects.get(code="us-rulona")
    assert (us.retention_years, us.identity_second_factor) == (10, "knowledge_based")
    assert MatterType.objects.filter(jurisdiction=us, interpreter_allowed=True).count() == 4


def test_reason_codes_per_kind():
    codes = set(
        ReasonCode.objects.filter(jurisdiction__code="cn-overseas", kind="termination").values_list("code", flat=True)
    )
    assert {"identity_not_verified", "third_party_present", "consent_refused"} <= codes


def test_load_jurisdictions_is_idempotent(capsys):
    call_command("load_jurisdictions")
    assert capsys.readouterr().out.strip() == "2 jurisdictions, 19 matter_types, 29 reason_codes, 20 document_kinds"
    assert MatterType.objects.count() == 19


def test_matter_types_api_lists_flags(api):
    body = api.get("/api/v1/notary/matter-types/").json()
    poa = next(m for m in body if m["code"] == "cn-power-of-attorney")
    assert poa == {
        "code": "cn-power-of-attorney",
        "name": "Power of attorney",
        "name_zh": "委托",
        "jurisdiction": "cn-overseas",
        "act_type": "signature_witnessing",
        "required_documents": ["passport", "residence_abroad_proof", "poa_draft", "agent_id"],
        "interpreter_allowed": False,
        "paper_original_required": True,
        "host_site_required": False,
        "fee": "200.00",
        "currency": "CNY",
        "retention_years": 20,
    }
