"""The notary's case page in Chinese, in real Chromium: labelled identity form, translated choices, axe-clean.

The identity check is recorded through the page itself (static/js/notary.js posts the
form's fields to the API), so the labels sit on the controls the API reads.
"""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, csp_violations, watch_page
from tests.conftest import client_for
from tests.factories import make_service, make_user, session_key_for
from tests.notary.conftest import _notary, act, in_session_case, make_office

pytestmark = pytest.mark.django_db(transaction=True)


def test_chinese_notary_records_an_identity_check_through_the_labelled_form(live_server, new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTARY_KEY_DIR = tmp_path / "keys"
    # Transactional tests before this one flushed what migration 0002 loaded.
    call_command("load_jurisdictions", stdout=StringIO())
    service = make_service(
        code="remote-notarization",
        provider_kind="notary",
        duration_minutes=45,
        minimum_notice_minutes=1440,
        slot_interval_minutes=60,
    )
    office = make_office()
    notary = _notary("notary.li@example.com", office, service)
    as_applicant = client_for(make_user("zhang.wei@example.com", timezone="America/New_York"))
    case_id, traveller = in_session_case(as_applicant, client_for(notary.user), office, notary, service)
    try:
        assert (
            act(as_applicant, case_id, "consent", signer_location="Flushing, Queens, New York, US").status_code == 200
        )
    finally:
        traveller.stop()
    notary.user.language = "zh-hans"
    notary.user.save(update_fields=["language"])
    page = new_page(timezone_id="Asia/Shanghai", locale="zh-CN")
    problems = watch_page(page)
    page.context.add_cookies([{"name": "sessionid", "value": session_key_for(notary.user), "url": live_server.url}])
    page.goto(f"{live_server.url}/notary/cases/{case_id}/")
    assert page.locator("#case-status").inner_text() == "视频公证进行中"
    assert page.locator("#consent-at").inner_text() == "2026年1月6日 星期二 09:02 (Asia/Shanghai)"
    assert axe_violations(page) == []
    form = page.locator("form[data-action=verify_identity]")
    assert form.get_by_label("证件类型").locator("option").all_inner_texts() == [
        "护照",
        "身份证",
        "居留证件",
        "驾驶证",
        "旅行证件",
    ]
    form.get_by_label("证件类型").select_option(label="护照")
    form.get_by_label("签发国家（两位字母代码，如 CN）").fill("CN")
    form.get_by_label("证件号码").fill("E12345678")
    form.get_by_label("有效期至").fill("2031-05-31")
    form.get_by_label("核验方式").select_option(label="与证件照片进行人脸比对")
    form.get_by_label("核验结果").select_option(label="通过")
    with page.expect_navigation():
        form.get_by_role("button", name="记录身份核验结果").click()
    expect(page.locator("main")).to_contain_text("身份核验: 已核验 (1 次尝试)")
    check = notary.notary_cases.get().identity_checks.get()
    assert (check.document_type, check.method, check.result) == ("passport", "face_comparison", "pass")
    expect(page.get_by_role("button", name="出具公证书")).to_be_visible()
    assert problems == [] and csp_violations(page) == []
