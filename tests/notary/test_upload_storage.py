"""Uploads live outside the web root and are served only through permission-checked views."""

from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from config.checks import media_outside_web_root_check
from notary.documents import document_path
from notary.models import Document
from tests.conftest import client_for
from tests.notary.conftest import BOOKED_AT, PDF, submitted_case

pytestmark = pytest.mark.django_db

NOT_FOUND = {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


@pytest.fixture
def stored(as_applicant, office):
    """A submitted case with its four documents; returns ``(case_id, passport document)``."""
    with time_machine.travel(BOOKED_AT, tick=False):
        case_id = submitted_case(as_applicant, office)
    return case_id, Document.objects.get(case_id=case_id, kind="passport")


def test_the_file_is_stored_under_media_root_with_a_random_name(stored):
    _, document = stored
    path = document_path(document)
    assert path.read_bytes() == PDF
    assert path.is_relative_to(Path(django_settings.MEDIA_ROOT))
    assert document.filename == "passport.pdf"
    assert "passport" not in document.storage_name
    assert len(document.storage_name.split("/")[1]) == 32  # 128 random bits in hex


def test_the_owner_reads_it_through_the_view_uncached(stored, as_applicant):
    case_id, document = stored
    response = as_applicant.get(f"/api/v1/notary/cases/{case_id}/documents/{document.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="passport.pdf"'


def test_another_user_and_another_office_get_404_and_anonymous_401(stored, stranger, other_notary):
    case_id, document = stored
    url = f"/api/v1/notary/cases/{case_id}/documents/{document.pk}/file/"
    for outsider in (client_for(stranger), client_for(other_notary.user)):
        response = outsider.get(url)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    anonymous = Client().get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    assert PDF not in anonymous.content


def test_another_cases_document_id_under_my_case_is_404(stored, as_applicant, office, stranger):
    case_id, document = stored
    with time_machine.travel(BOOKED_AT, tick=False):
        other_case = submitted_case(client_for(stranger), office)
    response = client_for(stranger).get(f"/api/v1/notary/cases/{other_case}/documents/{document.pk}/file/")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_guessed_storage_paths_are_404_even_for_the_owner(stored, applicant):
    _, document = stored
    name = document.storage_name
    guesses = [
        f"/media/notary/documents/{name}",
        f"/media/{name}",
        f"/notary/documents/{name}",
        f"/static/notary/documents/{name}",
        f"/static/../var/media/notary/documents/{name}",
        f"/static/%2e%2e/var/media/notary/documents/{name}",
        f"/var/media/notary/documents/{name}",
        f"/static/media/notary/documents/{name}",
    ]
    for browser in (Client(), Client()):
        browser.force_login(applicant)
        answers = {guess: browser.get(guess) for guess in guesses}
        assert {g: r.status_code for g, r in answers.items()} == dict.fromkeys(guesses, 404)
        assert [g for g, r in answers.items() if PDF in b"".join(getattr(r, "streaming_content", [r.content]))] == []


def test_no_url_serves_media_and_it_is_outside_every_served_directory():
    assert media_outside_web_root_check() == []


@pytest.mark.parametrize(
    ("overrides", "ids"),
    [
        ({"ROOT_URLCONF": "tests.notary.media_urls"}, ["lexmeet.E010"]),
        ({"MEDIA_ROOT": django_settings.BASE_DIR / "static" / "uploads"}, ["lexmeet.E011"]),
        ({"MEDIA_ROOT": django_settings.STATIC_ROOT}, ["lexmeet.E011"]),
        ({"MEDIA_ROOT": django_settings.BASE_DIR}, ["lexmeet.E011", "lexmeet.E011"]),
    ],
)
def test_the_system_check_refuses_media_inside_the_web_root(settings, overrides, ids):
    for name, value in overrides.items():
        setattr(settings, name, value)
    assert [e.id for e in media_outside_web_root_check()] == ids
