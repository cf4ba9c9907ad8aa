"""Notary fixtures: a Taiyuan notary office under China's overseas programme, its notaries, a New York applicant."""

from datetime import time

import pytest
import time_machine

from notary.models import Jurisdiction, NotaryOffice
from scheduling.models import Organization
from tests.conftest import client_for
from tests.factories import make_provider, make_service, make_user

# Tiny but real files: the type is recognised from these first bytes.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
POA_DOCS = ["passport", "residence_abroad_proof", "poa_draft", "agent_id"]


@pytest.fixture(autouse=True)
def _notary_storage(settings, tmp_path):
    """Documents, certificates and keys go to a per-test directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTARY_KEY_DIR = tmp_path / "keys"
    settings.SITE_URL = "https://lexmeet.example"
    # Accounts are not under test here: a fast hasher keeps each test's four users cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_office(name="Taiyuan Notary Office", jurisdiction="cn-overseas", zone="Asia/Shanghai"):
    org = Organization.objects.create(name=name, kind="notary_office", region="Shanxi, Taiyuan", timezone=zone)
    NotaryOffice.objects.create(organization=org, jurisdiction=Jurisdiction.objects.get(code=jurisdiction))
    return org


@pytest.fixture
def notary_service(db):
    return make_service(
        code="remote-notarization",
        provider_kind="notary",
        duration_minutes=45,
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        minimum_notice_minutes=1440,
        slot_interval_minutes=60,
    )


@pytest.fixture
def office(db):
    return make_office()


@pytest.fixture
def other_office(db):
    return make_office(name="Beijing Notary Office")


def _notary(email, office, service):
    return make_provider(
        email,
        zone="Asia/Shanghai",
        services=[service],
        kind="notary",
        organization=office,
        weekly=[(d, time(9), time(12)) for d in range(1, 6)],
    )


@pytest.fixture
def notary(office, notary_service):
    return _notary("notary.li@example.com", office, notary_service)


@pytest.fixture
def other_notary(other_office, notary_service):
    return _notary("notary.wu@example.com", other_office, notary_service)


@pytest.fixture
def applicant(db):
    return make_user("zhang.wei@example.com", timezone="America/New_York", full_name="Zhang Wei")


@pytest.fixture
def stranger(db):
    return make_user("stranger@example.com", timezone="Europe/Berlin")


@pytest.fixture
def as_applicant(applicant):
    return client_for(applicant)


@pytest.fixture
def as_notary(notary):
    return client_for(notary.user)


def case_payload(office, **extra):
    return {
        "office": office.pk,
        "matter_type": "cn-power-of-attorney",
        "destination_country": "CN",
        "residence_country": "US",
        "resident_abroad_since": "2020-09-01",
        "nationality": "CN",
        "description": "Power of attorney to sell a flat in Taiyuan",
        "language": "en",
        **extra,
    }


def upload(api, case_id, kind, content=PDF, name=None):
    """POST a multipart upload built by hand, so the file name reaches the server exactly as given."""
    boundary = "lexmeet-test-boundary"
    name = name or f"{kind}.pdf"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return api.post(
        f"/api/v1/notary/cases/{case_id}/documents/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def act(api, case_id, action, **data):
    return api.post(f"/api/v1/notary/cases/{case_id}/{action}/", data, format="json")


def create_case(api, office, **extra):
    response = api.post("/api/v1/notary/cases/", case_payload(office, **extra), format="json")
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def submitted_case(api, office, kinds=POA_DOCS):
    case_id = create_case(api, office)
    for kind in kinds:
        assert upload(api, case_id, kind).status_code == 201
    response = act(api, case_id, "submit")
    assert response.status_code == 200, response.json()
    return case_id


def book(api, notary, service, start, case_id, **extra):
    return api.post(
        "/api/v1/appointments/",
        {
            "provider": notary.pk,
            "service": service.pk,
            "start": start,
            "client_timezone": "America/New_York",
            "case": case_id,
            **extra,
        },
        format="json",
    )


IDENTITY_PASS = {
    "document_type": "passport",
    "issuing_country": "CN",
    "document_number": "E12345678",
    "expires_on": "2030-05-31",
    "method": "face_comparison",
    "result": "pass",
}

# Monday 2026-01-05 00:00 UTC; the office's hours are 09:00-12:00 in Taiyuan (01:00-04:00 UTC).
BOOKED_AT = "2026-01-05T00:00:00Z"
SLOT = "2026-01-06T09:00:00+08:00"  # Tuesday, 20:00 Monday in New York
SESSION_AT = "2026-01-06T01:02:00Z"


def in_session_case(as_applicant, as_notary, office, notary, service, *, slot=SLOT, session_at=SESSION_AT):
    """A power-of-attorney case submitted, accepted, booked and started; returns ``(case_id, traveller)``.

    The caller is left inside a ``time_machine`` travel at ``SESSION_AT`` (stop it with ``traveller.stop()``).
    """
    import time_machine

    traveller = time_machine.travel(BOOKED_AT, tick=False)
    traveller.start()
    case_id = submitted_case(as_applicant, office)
    assert act(as_notary, case_id, "accept").status_code == 200
    booked = book(as_applicant, notary, service, slot, case_id)
    assert booked.status_code == 201, booked.json()
    traveller.stop()
    traveller = time_machine.travel(session_at, tick=False)
    traveller.start()
    started = act(as_notary, case_id, "start_session", notary_location="Taiyuan Notary Office, room 3")
    assert started.status_code == 200, started.json()
    return case_id, traveller


WEBM_HEAD = b"\x1a\x45\xdf\xa3" + b"\x9f" * 60
WEBM_NEXT = b"\x1f\x43\xb6\x75" + b"\x01" * 60


def send_chunk(api, case_id, index, content):
    boundary = "chunk-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="index"\r\n\r\n{index}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="chunk"; filename="chunk-{index}.webm"\r\n'
            f"Content-Type: video/webm\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return api.post(
        f"/api/v1/notary/cases/{case_id}/recording/",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def record(api, case_id):
    """Upload one recording chunk as the notary's room page would (after consent)."""
    response = send_chunk(api, case_id, 0, WEBM_HEAD)
    assert response.status_code in (200, 201), response.content
    return response


@pytest.fixture
def notarized(as_applicant, as_notary, office, notary, notary_service):
    case_id, traveller = in_session_case(as_applicant, as_notary, office, notary, notary_service)
    consent = act(as_applicant, case_id, "consent", signer_location="Flushing, Queens, New York, US")
    assert consent.status_code == 200
    assert act(as_notary, case_id, "verify_identity", **IDENTITY_PASS).status_code == 200
    record(as_notary, case_id)
    with time_machine.travel("2026-01-06T01:30:00Z", tick=False):
        response = act(as_notary, case_id, "notarize")
    assert response.status_code == 200, response.json()
    yield case_id, response.json()
    traveller.stop()
