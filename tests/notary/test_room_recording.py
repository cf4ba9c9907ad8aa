"""The room page's recording context: only the host notary of a notarization case in session records.

Everyone in the room of such a case is told the session is recorded; the applicant gets a link to the
case page (where consent is given); non-hosts, consultation rooms and rooms without a live case get no
``room-recording`` config and no recorder script.
"""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils.timezone import now as dj_now

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


def chunk_with(api, case_id, index, content, **fields):
    boundary = "chunk-boundary"
    extra = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="index"\r\n\r\n{index}\r\n{extra}'
            f'--{boundary}\r\nContent-Disposition: form-data; name="chunk"; filename="chunk-{index}.webm"\r\n'
            f"Content-Type: video/webm\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    url = f"/api/v1/notary/cases/{case_id}/recording/"
    return api.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_the_room_hears_when_recording_starts_and_stops(session, as_applicant, as_notary, applicant, monkeypatch):
    """``recording started`` with the first chunk (not with every chunk), ``stopped`` with the last and the act."""
    import time_machine

    from tests.notary.conftest import WEBM_HEAD, WEBM_NEXT
    from video import services as video_services

    case_id, room = session
    heard = []
    monkeypatch.setattr(
        video_services,
        "room_recording_announce",
        lambda **kwargs: heard.append((kwargs["state"], kwargs.get("reason"))),
    )
    live = re.compile(r'<p id="recording-live"[^>]*data-state="(\w+)"[^>]*>([^<]*)</p>')
    assert live.search(room_page(applicant, room.room_id).content.decode()).groups() == ("off", "")
    assert act(as_applicant, case_id, "consent", signer_location="Flushing, Queens, New York, US").status_code == 200
    assert chunk_with(as_notary, case_id, 0, WEBM_HEAD).status_code == 201
    assert chunk_with(as_notary, case_id, 1, WEBM_NEXT).status_code == 201
    assert heard == [("started", None)]
    # A page loaded now starts with the indicator on.
    assert live.search(room_page(applicant, room.room_id).content.decode()).groups() == (
        "recording",
        "This session is being recorded.",
    )
    assert chunk_with(as_notary, case_id, 2, WEBM_NEXT, last="true").status_code == 201
    assert heard[1:] == [("stopped", "stopped")]
    with time_machine.travel(dj_now() + timedelta(seconds=13), tick=False):  # a new recorder after a pause
        assert chunk_with(as_notary, case_id, 3, WEBM_HEAD).status_code == 201
        assert heard[2:] == [("started", None)]
        assert act(as_notary, case_id, "verify_identity", **IDENTITY_PASS).status_code == 200
        assert act(as_notary, case_id, "notarize").status_code == 200
    assert heard[3:] == [("stopped", "notarized")]
