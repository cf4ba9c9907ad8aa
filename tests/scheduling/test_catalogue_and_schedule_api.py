"""Services, organizations, providers (staff creation, search) and the provider's schedule endpoint."""

from datetime import time

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts.models import User
from scheduling.models import AvailabilityRule, Provider, ServiceType
from tests.conftest import client_for
from tests.factories import make_provider, make_service

pytestmark = pytest.mark.django_db

SCHEDULE = {
    "timezone": "America/Los_Angeles",
    "weekly": [{"weekday": 5, "start": "09:00", "end": "17:00"}, {"weekday": 7, "start": "09:00", "end": "17:00"}],
    "overrides": [{"date": "2025-02-14", "available": False}],
}


def test_staff_creates_a_service_and_everyone_lists_it(api, staff_user):
    created = client_for(staff_user).post(
        "/api/v1/services/",
        {
            "code": "poa",
            "name": "Power of attorney",
            "provider_kind": "notary",
            "duration_minutes": 45,
            "buffer_before_minutes": 5,
            "buffer_after_minutes": 10,
            "minimum_notice_minutes": 1440,
            "booking_window_days": 60,
            "slot_interval": 60,
            "fee": "200.00",
            "currency": "CNY",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    listed = api.get("/api/v1/services/").json()
    assert listed == [
        {
            "id": created.json()["id"],
            "code": "poa",
            "name": "Power of attorney",
            "name_zh": "",
            "provider_kind": "notary",
            "duration_minutes": 45,
            "buffer_before_minutes": 5,
            "buffer_after_minutes": 10,
            "minimum_notice_minutes": 1440,
            "booking_window_days": 60,
            "slot_interval_minutes": 60,
            "fee": "200.00",
            "currency": "CNY",
            "legal_aid_free": False,
            "max_participants": 4,
        }
    ]


def test_non_staff_cannot_create_services_or_providers(client_user):
    api = client_for(client_user)
    assert api.post("/api/v1/services/", {"code": "x"}, format="json").status_code == 403
    assert api.post("/api/v1/providers/", {}, format="json").status_code == 403
    assert api.post("/api/v1/organizations/", {}, format="json").status_code == 403


def test_staff_creates_an_organization_and_a_provider_with_account(api, staff_user):
    staff = client_for(staff_user)
    service = make_service(code="consult")
    org = staff.post(
        "/api/v1/organizations/",
        {"name": "Taiyuan Legal Aid", "kind": "legal_aid_centre", "region": "Shanxi", "timezone": "Asia/Shanghai"},
        format="json",
    )
    assert org.status_code == 201, org.json()
    created = staff.post(
        "/api/v1/providers/",
        {
            "email": "new.lawyer@example.com",
            "password": "a-long-enough-passphrase",
            "full_name": "Li Lei",
            "kind": "lawyer",
            "timezone": "Asia/Shanghai",
            "organization": org.json()["id"],
            "languages": ["zh-hans", "en"],
            "practice_areas": ["labour"],
            "service_ids": [service.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["name"], body["kind"], body["organization"], body["service_ids"]) == (
        "Li Lei",
        "lawyer",
        org.json()["id"],
        [service.pk],
    )
    assert User.objects.get(email="new.lawyer@example.com").role == "lawyer"
    token = api.post(
        "/api/v1/auth/token/",
        {"email": "new.lawyer@example.com", "password": "a-long-enough-passphrase"},
        format="json",
    )
    assert token.status_code == 200


def test_provider_creation_with_unknown_zone_stores_nothing(staff_user):
    response = client_for(staff_user).post(
        "/api/v1/providers/",
        {
            "email": "z@example.com",
            "password": "a-long-enough-passphrase",
            "full_name": "Z",
            "kind": "lawyer",
            "timezone": "Asia/Atlantis",
        },
        format="json",
    )
    assert (response.status_code, "timezone" in response.json()["error"]["fields"]) == (400, True)
    assert not User.objects.filter(email="z@example.com").exists()


def test_provider_search_filters_by_kind_language_and_practice_area(api, consultation):
    make_provider(
        "a@example.com", zone="Asia/Shanghai", services=[consultation], languages=["zh-hans"], practice_areas=["labour"]
    )
    make_provider(
        "b@example.com", zone="Asia/Shanghai", services=[consultation], languages=["en"], practice_areas=["family"]
    )
    make_provider("n@example.com", zone="Asia/Shanghai", services=[], kind="notary", languages=["en"])
    names = lambda q: sorted(p["name"] for p in api.get("/api/v1/providers/", q).json())  # noqa: E731
    assert names({"kind": "lawyer"}) == ["a", "b"]
    assert names({"kind": "notary"}) == ["n"]
    assert names({"language": "en"}) == ["b", "n"]
    assert names({"kind": "lawyer", "practice_area": "labour"}) == ["a"]
    assert api.get("/api/v1/providers/", {"kind": "judge"}).status_code == 400


@time_machine.travel("2025-02-01T00:00Z", tick=False)
def test_s8_schedule_put_with_iso_weekdays_gives_friday_and_sunday_slots(consultation):
    provider = make_provider("la@example.com", zone="UTC", services=[consultation])
    owner = client_for(provider.user)
    saved = owner.put(f"/api/v1/providers/{provider.pk}/schedule/", SCHEDULE, format="json")
    assert saved.status_code == 200, saved.json()
    assert saved.json() == {
        **SCHEDULE,
        "overrides": [{"date": "2025-02-14", "available": False, "start": None, "end": None}],
    }
    slots = owner.get(
        f"/api/v1/providers/{provider.pk}/slots/",
        {"service": consultation.pk, "start": "2025-02-07", "end": "2025-02-10", "tz": "America/Los_Angeles"},
    ).json()
    days = sorted({s["start"][:10] for s in slots["slots"]})
    assert days == ["2025-02-07", "2025-02-09"]
    assert slots["slots"][0] == {
        "start": "2025-02-07T09:00:00-08:00",
        "end": "2025-02-07T09:30:00-08:00",
        "start_utc": "2025-02-07T17:00:00Z",
    }
    closed = owner.get(
        f"/api/v1/providers/{provider.pk}/slots/",
        {"service": consultation.pk, "start": "2025-02-14", "end": "2025-02-14", "tz": "America/Los_Angeles"},
    ).json()
    assert closed["slots"] == []


def test_schedule_of_another_provider_is_403_and_unchanged(consultation):
    mine = make_provider("me@example.com", zone="UTC", services=[consultation], weekly=[(1, time(9), time(10))])
    other = make_provider("them@example.com", zone="UTC", services=[consultation])
    api = client_for(other.user)
    assert api.get(f"/api/v1/providers/{mine.pk}/schedule/").status_code == 403
    assert api.put(f"/api/v1/providers/{mine.pk}/schedule/", SCHEDULE, format="json").status_code == 403
    assert list(mine.availability_rules.values_list("weekday", flat=True)) == [1]


def test_staff_may_edit_any_schedule(staff_user, consultation):
    provider = make_provider("p@example.com", zone="UTC", services=[consultation])
    response = client_for(staff_user).put(f"/api/v1/providers/{provider.pk}/schedule/", SCHEDULE, format="json")
    assert response.status_code == 200
    assert Provider.objects.get(pk=provider.pk).timezone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekly": [{"weekday": 0, "start": "09:00", "end": "17:00"}]}, "weekly"),
        ({"weekly": [{"weekday": 8, "start": "09:00", "end": "17:00"}]}, "weekly"),
        ({"weekly": [{"weekday": 1, "start": "25:00", "end": "17:00"}]}, "weekly"),
        ({"timezone": "PST"}, "timezone"),
        ({"overrides": [{"date": "2025-02-30", "available": False}]}, "overrides"),
        ({"overrides": [{"date": "2025-02-14", "available": True}]}, "overrides"),
        (
            {
                "overrides": [
                    {"date": "2025-02-14", "available": False},
                    {"date": "2025-02-14", "available": True, "start": "09:00", "end": "10:00"},
                ]
            },
            "overrides",
        ),
    ],
)
def test_bad_schedules_are_400_and_leave_the_old_one(consultation, change, field):
    provider = make_provider("p@example.com", zone="UTC", services=[consultation], weekly=[(1, time(9), time(10))])
    response = client_for(provider.user).put(
        f"/api/v1/providers/{provider.pk}/schedule/", {**SCHEDULE, **change}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert list(provider.availability_rules.values_list("weekday", "start_time")) == [(1, time(9))]
    assert Provider.objects.get(pk=provider.pk).timezone == "UTC"


def test_database_refuses_weekday_outside_iso_range(consultation):
    provider = make_provider("p@example.com", zone="UTC", services=[consultation])
    for weekday in (0, 8):
        with pytest.raises(IntegrityError), transaction.atomic():
            AvailabilityRule.objects.create(provider=provider, weekday=weekday, start_time=time(9), end_time=time(10))


def test_seed_demo_is_idempotent_and_refused_without_debug(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert Provider.objects.filter(kind="lawyer").count() == 3
    assert Provider.objects.filter(kind="notary").count() == 2
    assert ServiceType.objects.count() == 3
    assert User.objects.get(email="client.ny@demo.lexmeet.local").timezone == "America/New_York"
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", verbosity=0)


@time_machine.travel("2030-01-01T00:00Z", tick=False)
def test_demo_start_soon_moves_an_appointment_and_is_refused_without_debug(
    settings, client_user, berlin_lawyer, consultation
):
    from scheduling.models import Appointment

    body = (
        client_for(client_user)
        .post(
            "/api/v1/appointments/",
            {"provider": berlin_lawyer.pk, "service": consultation.pk, "start": "2030-01-07T08:00:00Z"},
            format="json",
        )
        .json()
    )
    settings.DEBUG = True
    call_command("demo_start_soon", body["id"], verbosity=0)
    moved = Appointment.objects.get(pk=body["id"])
    assert (moved.start.isoformat(), moved.sequence) == ("2030-01-01T00:05:00+00:00", 1)
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_start_soon", body["id"])
