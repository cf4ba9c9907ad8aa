"""The room page's recording context: only the host notary of a notarization case in session records.

Everyone in the room of such a case is told the session is recorded; the applicant gets a link to the
case page (where consent is given); non-hosts, consultation rooms and rooms without a live case get no
``room-recording`` config and no recorder script.
"""

import json
import re

import pytest
from django.test import Client

from tests.factories import sign_in
from tests.notary.conftest import IDENTITY_PASS, act, in_session_case, record
from tests.video.conftest import make_room
from video.models import Room
from video.views import RECORDING_TEXTS

pytestmark = pytest.mark.django_db
NOTICE = "This notarial session is recorded (audio and video) once the applicant consents."


def room_page(user, room_id):
    client = Client()
    sign_in(client, user)
    response = client.get(f"/rooms/{room_id}/")
    assert response.status_code == 200
    return response


def recording_config(html):
    found = re.search(r'<script id="room-recording" type="application/json">(.*?)</script>', html)
    return json.loads(found.group(1)) if found else None


@pytest.fixture
def session(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    yield case_id, Room.objects.get(appointment__notary_cases__pk=case_id)
    traveller.stop()


def test_host_notary_gets_the_recording_config(session, notary):
    case_id, room = session
    response = room_page(notary.user, room.room_id)
    html = response.content.decode()
    config = recording_config(html)
    assert config["csrf_token"] and config["texts"].keys() == RECORDING_TEXTS.keys()
    del config["csrf_token"], config["texts"]
    assert config == {
        "case_id": case_id,
        "url": f"/api/v1/notary/cases/{case_id}/recording/",
        "case_url": f"/api/v1/notary/cases/{case_id}/",
        "chunk_ms": 4000,
    }
    assert NOTICE in html and "/static/js/recorder.js" in html
    assert '<p id="recording-status" class="recording-status" role="status" aria-live="polite"' in html
    assert f'href="/notary/cases/{case_id}/"' not in html  # the consent link is the applicant's


def test_applicant_is_told_but_does_not_record(session, applicant):
    case_id, room = session
    response = room_page(applicant, room.room_id)
    html = response.content.decode()
    assert response.context["recording"] is None
    assert recording_config(html) is None and "recorder.js" not in html and 'id="recording-status"' not in html
    assert NOTICE in html
    assert f'<a href="/notary/cases/{case_id}/" target="_blank" rel="noopener">' in html


def test_closed_case_no_longer_records(session, as_applicant, as_notary, notary):
    case_id, room = session
    act(as_applicant, case_id, "consent", signer_location="New York, US")
    record(as_notary, case_id)
    act(as_notary, case_id, "verify_identity", **IDENTITY_PASS)
    assert act(as_notary, case_id, "notarize").status_code == 200
    html = room_page(notary.user, room.room_id).content.decode()
    assert recording_config(html) is None and NOTICE not in html


@pytest.mark.parametrize("kind", ["lawyer", "notary"])
def test_rooms_without_a_notarization_case_get_no_recording_context(kind):
    setup = make_room(kind=kind)  # a consultation, and a notary's appointment with no case
    for user in (setup.host, setup.client):
        response = room_page(user, setup.room.room_id)
        html = response.content.decode()
        assert (response.context["recorded"], response.context["recording"]) == (None, None)
        assert recording_config(html) is None and NOTICE not in html and "recorder.js" not in html
