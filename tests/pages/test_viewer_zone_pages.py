"""The viewer's zone on the pages without JavaScript: the browser's ``tz`` cookie, the account, ``?tz=``; sign-up's fields.

The browser side (site.js storing the cookie, the reload, the sign-up pre-fill) is in
tests/browser/test_browser_zone.py.
"""

import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.test import Client

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
NOW = "2026-01-05T00:00Z"  # Monday 08:00 in Taiyuan, 01:00 in Berlin


def week_page(client, provider, **params) -> str:
    return client.get(f"/providers/{provider.pk}/", {"week": "2026-01-05", **params}).content.decode()


def heading(page: str) -> str:
    return re.search(r'<h2 id="slots-heading"[^>]*>([^<]*)</h2>', page).group(1)


def zone_marker(page: str) -> tuple[str, str]:
    found = re.search(r'<h2 id="slots-heading" data-zone="([^"]*)" data-zone-source="([^"]*)">', page)
    return found.group(1), found.group(2)


def anonymous_slot_text(page: str, start_utc: str) -> str:
    link = re.search(rf'data-start-utc="{start_utc}">(.*?)</a>', page, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", link).split())


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("cookie", ["Europe/Berlin", "Europe%2FBerlin"])
def test_anonymous_visitor_with_a_berlin_cookie_sees_berlin_times(taiyuan_lawyer, cookie):
    """``Europe%2FBerlin`` is what the older site.js stored (encodeURIComponent); both read as Berlin."""
    client = Client()
    client.cookies["tz"] = cookie
    page = week_page(client, taiyuan_lawyer)
    assert heading(page) == "Open times, shown in Europe/Berlin"
    assert zone_marker(page) == ("Europe/Berlin", "cookie")
    # Taiyuan Tuesday 09:00 is 01:00Z, 02:00 in Berlin (CET).
    assert anonymous_slot_text(page, "2026-01-06T01:00:00Z") == "02:00 Tue 09:00 Asia/Shanghai"
    assert "Time zone: Europe/Berlin" in page


@time_machine.travel(NOW, tick=False)
def test_anonymous_visitor_without_a_cookie_gets_utc_marked_as_a_guess(taiyuan_lawyer):
    page = week_page(Client(), taiyuan_lawyer)
    assert heading(page) == "Open times, shown in UTC"
    assert zone_marker(page) == ("UTC", "default")
    assert anonymous_slot_text(page, "2026-01-06T01:00:00Z") == "01:00 Tue 09:00 Asia/Shanghai"


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("cookie", ["Mars/Olympus_Mons", "../../etc/passwd", "localtime"])
def test_a_cookie_that_is_not_a_zone_falls_back_to_utc(taiyuan_lawyer, cookie):
    client = Client()
    client.cookies["tz"] = cookie
    assert zone_marker(week_page(client, taiyuan_lawyer)) == ("UTC", "default")


@time_machine.travel(NOW, tick=False)
def test_zone_chosen_on_the_page_wins_over_the_cookie(taiyuan_lawyer):
    client = Client()
    client.cookies["tz"] = "Europe/Berlin"
    page = week_page(client, taiyuan_lawyer, tz="America/New_York")
    assert heading(page) == "Open times, shown in America/New_York"
    assert zone_marker(page) == ("America/New_York", "query")
    assert anonymous_slot_text(page, "2026-01-06T01:00:00Z") == "20:00 Tue 09:00 Asia/Shanghai"


@time_machine.travel(NOW, tick=False)
def test_signed_in_user_keeps_the_account_zone_whatever_the_browser_cookie_says(taiyuan_lawyer):
    client = Client()
    client.cookies["tz"] = "Europe/Berlin"
    user = make_user("ny@example.com", timezone="America/New_York")
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    page = week_page(client, taiyuan_lawyer)
    assert zone_marker(page) == ("America/New_York", "account")
    assert re.search(r'data-start-utc="2026-01-06T01:00:00Z">\s*20:00\s', page)
    changed = week_page(client, taiyuan_lawyer, tz="Europe/Berlin")
    assert zone_marker(changed) == ("Europe/Berlin", "query")
    assert re.search(r'data-start-utc="2026-01-06T01:00:00Z">\s*02:00\s', changed)


class _Elements(HTMLParser):
    """Every start tag's attributes, by id, plus the text inside elements with an id (one level)."""

    def __init__(self):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.text: dict[str, str] = {}
        self._open: list[str] = []
        self.datalist: list[str] = []
        self._in_datalist = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "datalist":
            self._in_datalist = True
        elif tag == "option" and self._in_datalist:
            self.datalist.append(attrs["value"])
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs}
            if tag not in ("input", "option"):
                self._open.append(attrs["id"])
                self.text[attrs["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "datalist":
            self._in_datalist = False
        if tag == "div" and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            self.text[element_id] += data


def parsed(html: str) -> _Elements:
    elements = _Elements()
    elements.feed(html)
    return elements


def test_signup_password_help_text_is_the_element_its_aria_describedby_names():
    page = parsed(Client().get("/accounts/signup/").content.decode())
    described_by = page.by_id["id_password"]["aria-describedby"]
    assert described_by == "id_password_helptext"
    assert page.text[described_by].strip() == "At least 10 characters."


def test_preferences_help_text_is_the_element_its_aria_describedby_names():
    client = Client()
    user = make_user("ny@example.com", timezone="America/New_York")
    assert client.post("/accounts/login/", {"email": user.email, "password": PASSWORD}).status_code == 302
    page = parsed(client.get("/accounts/preferences/").content.decode())
    described_by = page.by_id["id_legal_aid_group"]["aria-describedby"]
    assert page.text[described_by].strip() == "If you belong to one of these groups, legal aid services are free."


def test_signup_zone_field_offers_every_accepted_zone_and_is_marked_for_the_browser_prefill():
    page = parsed(Client().get("/accounts/signup/").content.decode())
    field = page.by_id["id_timezone"]
    assert field["value"] == "UTC"  # without JavaScript (and no cookie) it stays as before
    assert "data-browser-zone-prefill" in field
    assert page.datalist[:2] == ["Asia/Shanghai", "America/New_York"]  # the common zones first
    assert {"Europe/Madrid", "America/Argentina/Buenos_Aires", "UTC"} <= set(page.datalist)
    assert len(page.datalist) == len(set(page.datalist))
    assert "localtime" not in page.datalist and "Factory" not in page.datalist


def test_signup_zone_field_starts_at_the_browser_cookie_zone():
    client = Client()
    client.cookies["tz"] = "Europe/Madrid"
    assert parsed(client.get("/accounts/signup/").content.decode()).by_id["id_timezone"]["value"] == "Europe/Madrid"


def test_signup_form_sent_back_with_errors_keeps_the_typed_zone_and_is_not_prefilled_again():
    response = Client().post("/accounts/signup/", {"email": "not-an-email", "timezone": "UTC", "language": "en"})
    field = parsed(response.content.decode()).by_id["id_timezone"]
    assert field["value"] == "UTC" and "data-browser-zone-prefill" not in field
