"""The access-control world: one real object of each kind, owned by the first user of each pair of roles.

Roles (columns of ``access_matrix.txt``): ``anon``, ``client`` and ``other_client``, ``lawyer`` and
``other_lawyer``, ``notary`` (of the case's office) and ``other_notary`` (of another office), ``staff``.
The client books the lawyer, owns a notarized power-of-attorney case at the notary's office (documents,
recording, journal, certificate) and a draft case, and has a calendar feed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from accounts.models import User
from notary.models import Case, Certificate, HostSite, ReasonCode
from scheduling.feeds import calendar_feed_get
from scheduling.models import Appointment, Organization
from tests.conftest import client_for
from tests.factories import make_provider, make_service, make_user
from tests.notary.conftest import (
    IDENTITY_PASS,
    _notary,
    act,
    create_case,
    in_session_case,
    make_office,
    record,
    upload,
)

ROLES = ["anon", "client", "other_client", "lawyer", "other_lawyer", "notary", "other_notary", "staff"]

# Distinctive personal data of the client: no stranger's 2xx answer may contain it.
CLIENT_EMAIL = "sentinel.applicant@example.com"
CLIENT_NAME = "Sentinel Applicant Qiu"
CASE_DESCRIPTION = "Sentinel: sell the flat at 7 Yingze Street"

LAWYER_SLOT = "2026-01-07T10:00:00+01:00"  # Wednesday, Berlin lawyer's hours 09:00-17:00
LAWYER_OTHER_SLOT = "2026-01-07T11:00:00+01:00"
NOTARIZED_AT = "2026-01-06T01:30:00Z"


@dataclass
class World:
    users: dict[str, User | None]
    params: dict[str, str]  # URL parameter name -> a real value owned by the client (or the lawyer)
    variants: dict[str, dict[str, str]]  # variant name -> parameters it replaces
    missing: dict[str, str]  # URL parameter name -> a well-formed value that names nothing
    bodies: dict[str, object] = field(default_factory=dict)  # route name -> the write's valid input
    queries: dict[str, dict[str, str]] = field(default_factory=dict)  # route name -> its required query
    secrets: list[str] = field(default_factory=list)

    def token(self, role: str) -> str | None:
        user = self.users[role]
        return None if user is None else Token.objects.get(user=user).key


@pytest.fixture
def world(db, settings, tmp_path):
    """Build the world under a clock stopped at the notarization (2026-01-06, 01:30 UTC); yields a :class:`World`."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NOTARY_KEY_DIR = tmp_path / "keys"
    settings.SITE_URL = "https://lexmeet.example"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    client = make_user(CLIENT_EMAIL, timezone="America/New_York", full_name=CLIENT_NAME)
    other_client = make_user("other.client@example.com", timezone="Europe/Berlin")
    staff = make_user("staff@example.com", role="staff", is_staff=True)

    consultation = make_service(code="consult-30", duration_minutes=30)
    weekdays = [(d, time(9), time(17)) for d in range(1, 6)]
    lawyer = make_provider("lawyer@example.com", zone="Europe/Berlin", services=[consultation], weekly=weekdays)
    other_lawyer = make_provider(
        "other.lawyer@example.com", zone="Europe/Berlin", services=[consultation], weekly=weekdays
    )
    notary_service = make_service(
        code="remote-notarization",
        provider_kind="notary",
        duration_minutes=45,
        buffer_before_minutes=5,
        buffer_after_minutes=10,
        minimum_notice_minutes=1440,
        slot_interval_minutes=60,
    )
    office = make_office()
    notary = _notary("notary.li@example.com", office, notary_service)
    other_notary = _notary("notary.wu@example.com", make_office(name="Beijing Notary Office"), notary_service)
    host_org = Organization.objects.create(name="Consulate, New York", kind="host_site", timezone="America/New_York")
    host_site = HostSite.objects.create(
        organization=host_org, weekly=[{"weekday": 3, "start": "09:00", "end": "17:00"}]
    )

    as_client, as_notary = client_for(client), client_for(notary.user)
    draft_id = create_case(as_client, office, description=CASE_DESCRIPTION)
    assert upload(as_client, draft_id, "passport").status_code == 201
    case_id, traveller = in_session_case(as_client, as_notary, office, notary, notary_service)
    try:
        assert act(as_client, case_id, "consent", signer_location="Queens, New York").status_code == 200
        assert act(as_notary, case_id, "verify_identity", **IDENTITY_PASS).status_code == 200
        record(as_notary, case_id)
        traveller.stop()
        traveller = time_machine.travel(NOTARIZED_AT, tick=False)
        traveller.start()
        notarized = act(as_notary, case_id, "notarize")
        assert notarized.status_code == 200, notarized.json()
        booked = as_client.post(
            "/api/v1/appointments/",
            {"provider": lawyer.pk, "service": consultation.pk, "start": LAWYER_SLOT, "client_timezone": "UTC"},
            format="json",
        )
        assert booked.status_code == 201, booked.json()
        appointment = Appointment.objects.get(pk=booked.json()["id"])
        case = Case.objects.get(pk=case_id)
        certificate = Certificate.objects.get(case=case)
        jurisdiction = case.matter_type.jurisdiction

        def reason(kind: str) -> str:
            return ReasonCode.objects.filter(jurisdiction=jurisdiction, kind=kind).values_list("code", flat=True)[0]

        params = {
            "provider_id": str(lawyer.pk),
            "appointment_id": str(appointment.pk),
            "room_id": appointment.room.room_id,
            "case_id": str(case.pk),
            "document_id": str(case.documents.order_by("pk").first().pk),
            "code": certificate.verification_code,
            "feed_token": calendar_feed_get(user=client).token,
            "host_site_id": str(host_site.pk),
            "uidb64": urlsafe_base64_encode(force_bytes(client.pk)),
            "token": default_token_generator.make_token(client),
        }
        draft = Case.objects.get(pk=draft_id)
        variants = {
            "draft": {"case_id": str(draft.pk), "document_id": str(draft.documents.get().pk)},
            "notary-appointment": {
                "appointment_id": str(case.appointment_id),
                "room_id": case.appointment.room.room_id,
                "provider_id": str(notary.pk),
            },
        }
        missing = {
            "provider_id": "999999",
            "appointment_id": "999999",
            "room_id": "r" * 22,
            "case_id": "999999",
            "document_id": "999999",
            "code": "NOSUCHCODE1234",
            "feed_token": "n" * 43,
            "host_site_id": "999999",
            "uidb64": urlsafe_base64_encode(force_bytes(999999)),
            "token": "c0ffee-0123456789abcdef0123456789abcdef",
        }
        schedule = {"timezone": "Europe/Berlin", "weekly": [{"weekday": 1, "start": "09:00", "end": "12:00"}]}
        bodies = {
            "provider-schedule": schedule,
            "provider-book": {"service": str(consultation.pk), "start": "2026-01-08T09:00:00Z"},
            "appointment-cancel": {"reason": "matrix"},
            "appointment-cancel-page": {"reason": "matrix"},
            "appointment-reschedule": {"start": LAWYER_OTHER_SLOT},
            "appointment-reschedule-page": {"start": LAWYER_OTHER_SLOT},
            "room-invite": {"email": "other.client@example.com", "role": "interpreter"},
            "room-guest": {"invite": "not-a-genuine-invite"},  # the guests tests use real ones (tests/video)
            "notary-case-request-info": {"message": "Please send a clearer scan."},
            "notary-case-reject": {"reason_code": reason("refusal"), "note": "matrix"},
            "notary-case-terminate": {"reason_code": reason("termination"), "note": "matrix"},
            "notary-case-revoke": {"reason_code": reason("revocation")},
            "notary-case-start-session": {"notary_location": "Taiyuan"},
            "notary-case-consent": {"signer_location": "Queens"},
            "notary-case-verify-identity": IDENTITY_PASS,
            "notary-case-participants": {"role": "witness", "full_name": "Wang Fang"},
            "password_reset_confirm": {"new_password1": "x", "new_password2": "x"},
        }
        yield World(
            users={
                "anon": None,
                "client": client,
                "other_client": other_client,
                "lawyer": lawyer.user,
                "other_lawyer": other_lawyer.user,
                "notary": notary.user,
                "other_notary": other_notary.user,
                "staff": staff,
            },
            params=params,
            variants=variants,
            missing=missing,
            bodies=bodies,
            queries={
                "provider-slots": {"service": str(consultation.pk), "start": "2026-01-07", "end": "2026-01-08"},
                "notary-host-site-slots": {
                    "provider": str(notary.pk),
                    "service": str(notary_service.pk),
                    "start": "2026-01-07",
                    "end": "2026-01-08",
                },
            },
            secrets=[CLIENT_EMAIL, CLIENT_NAME, CASE_DESCRIPTION],
        )
    finally:
        traveller.stop()
