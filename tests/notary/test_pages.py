"""The applicant's case page, the notary's queue and 404 for outsiders."""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client

from notary import services
from tests.factories import sign_in
from tests.notary.conftest import (
    BOOKED_AT,
    IDENTITY_PASS,
    act,
    create_case,
    in_session_case,
    submitted_case,
)

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    sign_in(client, user)
    return client


@time_machine.travel(BOOKED_AT, tick=False)
def test_applicant_case_page_shows_status_and_what_is_missing(as_applicant, applicant, office):
    case_id = create_case(as_applicant, office)
    page = browser(applicant).get(f"/notary/cases/{case_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<strong id="case-status">Draft</strong>' in html
    assert (
        "Missing: Passport, Proof of residence abroad (visa, residence permit), "
        "Draft of the power of attorney, The agent&#x27;s ID card</p>" in html
    )
    assert '<option value="residence_abroad_proof">Proof of residence abroad (visa, residence permit)</option>' in html
    assert "(0 attempts;" not in html and "(0 attempts)" in html
    assert 'data-action="submit"' in html and 'data-action="notarize"' not in html


@time_machine.travel(BOOKED_AT, tick=False)
def test_notary_queue_lists_submitted_cases_and_outsiders_get_404(as_applicant, office, notary, other_notary, stranger):
    case_id = submitted_case(as_applicant, office)
    queue = browser(notary.user).get("/notary/cases/").content.decode()
    assert f'<a href="/notary/cases/{case_id}/">{case_id}</a>' in queue
    assert 'data-action="accept"' in browser(notary.user).get(f"/notary/cases/{case_id}/").content.decode()
    for outsider in (stranger, other_notary.user):
        assert browser(outsider).get(f"/notary/cases/{case_id}/").status_code == 404
        assert f"/notary/cases/{case_id}/" not in browser(outsider).get("/notary/cases/").content.decode()


def chinese(user):
    user.language = "zh-hans"
    user.timezone = "Asia/Shanghai"
    user.save(update_fields=["language", "timezone"])
    return browser(user)


def text_of(html: str) -> str:
    """The page's text, tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class _Controls(HTMLParser):
    """The identity form's controls: name -> (label text, option (value, text) pairs), and its placeholders."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.label = None
        self.controls: dict[str, dict] = {}
        self.placeholders: list[str] = []
        self._select = None
        self._option = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("data-action") == "verify_identity":
            self.inside = True
        if not self.inside:
            return
        if tag == "label":
            self.label = ""
        elif tag in ("input", "select"):
            self.controls[attrs["name"]] = {"label": (self.label or "").strip(), "options": []}
            if "placeholder" in attrs:
                self.placeholders.append(attrs["placeholder"])
            if tag == "select":
                self._select = attrs["name"]
        elif tag == "option":
            self._option = [attrs.get("value"), ""]

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "option" and self._option is not None:
            self.controls[self._select]["options"].append(tuple(self._option))
            self._option = None
        elif tag == "label":
            self.label = None

    def handle_data(self, data):
        if self._option is not None:
            self._option[1] += data
        elif self.label is not None and self._select is None:
            self.label += data

    def close_select(self):
        self._select = None


def identity_form(html: str) -> _Controls:
    parser = _Controls()
    # A select's options are read until its </select>; the label text comes before the control.
    for chunk in re.split(r"(</select>)", html):
        parser.feed(chunk)
        if chunk == "</select>":
            parser.close_select()
    return parser


def test_chinese_notary_in_session_sees_a_verb_labelled_identity_form_and_chinese_status(
    as_applicant, as_notary, office, notary, notary_service
):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    try:
        html = chinese(notary.user).get(f"/notary/cases/{case_id}/").content.decode()
    finally:
        traveller.stop()
    assert '<button data-action="notarize">出具公证书</button>' in html
    assert '<strong id="case-status">视频公证进行中</strong>' in html
    form = identity_form(html)
    assert {name: control["label"] for name, control in form.controls.items()} == {
        "document_type": "证件类型",
        "issuing_country": "签发国家（两位字母代码，如 CN）",
        "document_number": "证件号码",
        "expires_on": "有效期至",
        "method": "核验方式",
        "result": "核验结果",
    }
    assert form.controls["document_type"]["options"] == [
        ("passport", "护照"),
        ("national_id", "身份证"),
        ("residence_permit", "居留证件"),
        ("driver_licence", "驾驶证"),
        ("travel_document", "旅行证件"),
    ]
    assert form.controls["method"]["options"] == [
        ("face_comparison", "与证件照片进行人脸比对"),
        ("knowledge_based", "知识问答核验"),
        ("credential_analysis", "证件真伪核验"),
        ("consular_officer", "领事官员在场核验"),
    ]
    assert form.controls["result"]["options"] == [("pass", "通过"), ("fail", "未通过")]
    assert form.placeholders == []
    assert 'placeholder="note"' not in html and '<label>备注（可选） <input name="note"' in html
    # Every value the form offers is one the API accepts.
    assert [v for v, _ in form.controls["document_type"]["options"]] == list(services.DOCUMENT_TYPES)
    assert [v for v, _ in form.controls["method"]["options"]] == list(services.METHODS)


def test_consent_time_document_kinds_and_attempts_in_each_viewers_zone_and_language(
    as_applicant, as_notary, office, notary, notary_service, applicant
):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    try:
        assert (
            act(as_applicant, case_id, "consent", signer_location="Flushing, Queens, New York, US").status_code == 200
        )
        assert act(as_notary, case_id, "verify_identity", **IDENTITY_PASS).status_code == 200
        english = text_of(browser(applicant).get(f"/notary/cases/{case_id}/").content.decode())
        zh = text_of(chinese(notary.user).get(f"/notary/cases/{case_id}/").content.decode())
    finally:
        traveller.stop()
    # Consent at SESSION_AT, 2026-01-06 01:02 UTC: Monday evening in New York, Tuesday morning in Taiyuan.
    assert "(1 attempt) · Consent to recording: Monday 5 January 2026, 20:02 (America/New_York)" in english
    assert "(1 次尝试) · 录音录像同意: 2026年1月6日 星期二 09:02 (Asia/Shanghai)" in zh
    assert "2026-01-06T01:02:00Z" not in english.replace('datetime="2026-01-06T01:02:00Z"', "")
    assert "Passport v1" in english and "Proof of residence abroad (visa, residence permit) v1" in english
    assert "护照 v1" in zh and "境外居留证明 v1" in zh and "residence_abroad_proof v1" not in zh
    assert "状态: 视频公证进行中" in zh


@time_machine.travel(BOOKED_AT, tick=False)
def test_chinese_queue_and_case_list_show_statuses_in_chinese(as_applicant, office, notary, applicant):
    case_id = submitted_case(as_applicant, office)
    queue = chinese(notary.user).get("/notary/cases/").content.decode()
    assert '<td class="status-submitted">已提交</td>' in queue
    mine = browser(applicant).get("/notary/cases/").content.decode()
    assert '<td class="status-submitted">Submitted</td>' in mine
    assert case_id


@time_machine.travel(BOOKED_AT, tick=False)
def test_rejected_case_shows_the_reason_by_name(as_applicant, as_notary, office, notary, applicant):
    case_id = submitted_case(as_applicant, office)
    reason = office.notary_office.jurisdiction.reason_codes.filter(kind="refusal").first()
    assert act(as_notary, case_id, "reject", reason_code=reason.code, note="see file").status_code == 200
    html = browser(applicant).get(f"/notary/cases/{case_id}/").content.decode()
    assert f"Reason: {reason.label_zh} · {reason.label} see file" in text_of(html)


def test_identity_lock_is_shown_in_the_viewers_zone_after_two_failures(
    as_applicant, as_notary, office, notary, notary_service, applicant
):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    try:
        failed = {**IDENTITY_PASS, "result": "fail"}
        assert act(as_notary, case_id, "verify_identity", **failed).status_code == 200
        assert act(as_notary, case_id, "verify_identity", **failed).status_code == 200
        page = text_of(browser(applicant).get(f"/notary/cases/{case_id}/").content.decode())
    finally:
        traveller.stop()
    # Two failures at 01:02Z lock the checks for 24 hours: until 01:02Z on the 7th, 20:02 on the 6th in New York.
    assert "Identity: not verified (2 attempts; locked until Tuesday 6 January 2026, 20:02 (America/New_York)" in page


@time_machine.travel(BOOKED_AT, tick=False)
def test_the_case_page_shows_what_the_applicant_declared_and_the_session_time_in_each_viewers_zone(
    as_applicant, as_notary, applicant, notary, notary_service, office
):
    """The notary decides eligibility from the declaration, so her page shows it; the booking reads as a time."""
    from tests.notary.conftest import SLOT, book

    case_id = submitted_case(as_applicant, office)
    assert act(as_notary, case_id, "accept").status_code == 200
    assert book(as_applicant, notary, notary_service, SLOT, case_id).status_code == 201
    for user, when in (
        (notary.user, "Tuesday 6 January 2026, 09:00 (Asia/Shanghai)"),
        (applicant, "Monday 5 January 2026, 20:00 (America/New_York)"),
    ):
        html = unescape(browser(user).get(f"/notary/cases/{case_id}/").content.decode())
        declared = re.search(r'<dl class="declared" id="case-declared">(.*?)</dl>', html, re.S).group(1)
        assert re.findall(r"<dd>(.*?)</dd>", declared) == [
            "US",
            '<time datetime="2020-09-01">2020-09-01</time>',
            "CN",
            "CN",
            "Power of attorney to sell a flat in Taiyuan",
        ]
        assert re.search(r'<time id="appointment-at" datetime="[^"]+">([^<]+)</time>', html).group(1) == when
