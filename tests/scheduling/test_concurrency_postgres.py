"""Case S6: concurrent bookings on PostgreSQL with real threads, each on its own connection."""

import threading
from datetime import time

import pytest
import time_machine
from django.db import connection, connections

from scheduling.models import Appointment
from tests.conftest import client_for
from tests.factories import make_provider, make_service, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run each zero-argument callable in its own thread, released together; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def post(user, provider, service, start, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}

    def call():
        response = client_for(user).post(
            "/api/v1/appointments/",
            {"provider": provider.pk, "service": service.pk, "start": start},
            format="json",
            **headers,
        )
        return response.status_code, response.json()

    return call


@pytest.fixture
def berlin():
    assert connection.vendor == "postgresql"
    consult = make_service(code="c30", duration_minutes=30, slot_interval_minutes=15)
    other = make_service(code="o30", duration_minutes=30, slot_interval_minutes=15)
    provider = make_provider(
        "berlin@example.com", zone="Europe/Berlin", services=[consult, other], weekly=[(1, time(9), time(17))]
    )
    return provider, consult, other


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_s6_ten_clients_one_slot_exactly_one_wins(berlin):
    provider, consult, _ = berlin
    clients = [make_user(f"c{i}@example.com") for i in range(10)]
    results = race([post(c, provider, consult, "2024-09-02T08:00:00Z") for c in clients])
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 9
    assert {body["error"]["code"] for status, body in results if status == 409} == {"slot_taken"}
    assert Appointment.objects.filter(provider=provider, status="confirmed").count() == 1


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_s6_overlapping_slots_of_two_services_exactly_one_wins(berlin):
    provider, consult, other = berlin
    a, b = make_user("a@example.com"), make_user("b@example.com")
    for _ in range(5):
        Appointment.objects.all().delete()
        results = race(
            [post(a, provider, consult, "2024-09-02T08:00:00Z"), post(b, provider, other, "2024-09-02T08:15:00Z")]
        )
        assert sorted(s for s, _ in results) == [201, 409]
        assert Appointment.objects.filter(status="confirmed").count() == 1


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_s6_same_client_retrying_with_one_key_gets_one_row_and_identical_bodies(berlin):
    provider, consult, _ = berlin
    client = make_user("retry@example.com")
    results = race([post(client, provider, consult, "2024-09-02T08:00:00Z", key="retry-1") for _ in range(6)])
    assert [s for s, _ in results] == [201] * 6
    assert len({str(body) for _, body in results}) == 1
    assert Appointment.objects.count() == 1


def test_exclusion_constraint_refuses_overlap_even_without_the_service(berlin):
    """The database itself is the guard: a raw insert past the service layer still fails."""
    from datetime import UTC, datetime

    from django.db import IntegrityError, transaction

    provider, consult, _ = berlin
    client = make_user("raw@example.com")
    start = datetime(2030, 1, 7, 8, tzinfo=UTC)
    fields = dict(
        provider=provider,
        service=consult,
        client=client,
        client_timezone="UTC",
        start=start,
        end=start.replace(minute=30),
        blocked_start=start,
        blocked_end=start.replace(minute=30),
    )
    Appointment.objects.create(**fields)
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        Appointment.objects.create(**{**fields, "uid": "second"})
    from scheduling.services import constraint_name

    assert constraint_name(excinfo.value) == "appointment_no_overlap"
