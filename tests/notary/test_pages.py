"""The applicant's case page, the notary's queue and 404 for outsiders."""

import pytest
import time_machine
from django.test import Client

from tests.factories import sign_in
from tests.notary.conftest import BOOKED_AT, create_case, submitted_case

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
        "<code>passport</code>, <code>residence_abroad_proof</code>, <code>poa_draft</code>, <code>agent_id</code>"
        in html
    )
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
