"""Bookings of one provider are serialized on the provider row (PostgreSQL).

Without that lock, concurrent bookings that all passed the free-time check meet in the
exclusion constraint, wait on each other's uncommitted rows, and PostgreSQL's deadlock
detector aborts all but one with ``deadlock detected``: 500s after seconds instead of
409 ``slot_taken`` (seen with bench/booking_concurrency.py; 7 deadlocks in 60 rounds of 8
threads before the lock, none after). The race itself is too narrow to reproduce on
demand, so this checks the mechanism: a booking waits while another transaction holds
the provider's row, then answers from what that transaction committed.
"""

import threading
from datetime import UTC, datetime, time

import pytest
import time_machine
from django.db import connection, connections, transaction

from scheduling import services
from scheduling.models import Appointment, Provider
from tests.factories import make_provider, make_service, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

START = datetime(2024, 9, 2, 7, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


@time_machine.travel("2024-09-01T00:00Z", tick=False)
def test_booking_waits_for_the_provider_lock_and_sees_the_committed_winner():
    assert connection.vendor == "postgresql"
    consult = make_service(code="c30", duration_minutes=30)
    provider = make_provider(
        "lock@example.com", zone="Europe/Berlin", services=[consult], weekly=[(1, time(9), time(17))]
    )
    first, second = make_user("first@example.com"), make_user("second@example.com")
    locked, release = threading.Event(), threading.Event()
    outcome = {}

    def holder():
        # Another booking's transaction: it holds the calendar while it books the slot.
        try:
            with transaction.atomic():
                list(Provider.objects.select_for_update().filter(pk=provider.pk))
                locked.set()
                release.wait(10)
                Appointment.objects.create(
                    provider=provider,
                    service=consult,
                    client=first,
                    start=START,
                    end=START.replace(minute=30),
                    blocked_start=START,
                    blocked_end=START.replace(minute=30),
                    client_timezone="UTC",
                )
        finally:
            connections.close_all()

    def booker():
        try:
            services.appointment_book(
                client=second, provider=provider, service=consult, start=START, client_timezone="UTC"
            )
            outcome["result"] = "booked"
        except services.SlotTaken:
            outcome["result"] = "slot_taken"
        except Exception as exc:  # noqa: BLE001 - the test reports whatever it was
            outcome["result"] = repr(exc)
        finally:
            connections.close_all()

    a = threading.Thread(target=holder)
    a.start()
    assert locked.wait(10)
    b = threading.Thread(target=booker)
    b.start()
    b.join(1.0)
    assert b.is_alive(), f"the booking did not wait for the provider lock: {outcome}"
    release.set()
    a.join(10)
    b.join(10)
    assert outcome == {"result": "slot_taken"}
    assert Appointment.objects.filter(provider=provider, status="confirmed").count() == 1
