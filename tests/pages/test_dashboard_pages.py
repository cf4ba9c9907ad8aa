"""The provider's dashboard and hours editor (weekly rules, overrides, preview)."""

from datetime import date, time

import pytest
import time_machine
from django.test import Client

from scheduling.models import AvailabilityOverride, AvailabilityRule
from tests.factories import PASSWORD, make_provider, make_service, make_user

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.post("/accounts/login/", {"email": user.email, "password": PASSWORD})
    return client


@pytest.fixture
def lawyer():
    service = make_service(code="c30", duration_minutes=60)
    return make_provider("l@example.com", zone="Asia/Shanghai", services=[service], weekly=[(1, time(9), time(11))])


def post_hours(client, weekly, overrides, zone="Asia/Shanghai"):
    data = {
        "timezone": zone,
        "weekly-TOTAL_FORMS": len(weekly),
        "weekly-INITIAL_FORMS": 0,
        "override-TOTAL_FORMS": len(overrides),
        "override-INITIAL_FORMS": 0,
    }
    for i, row in enumerate(weekly):
        data.update({f"weekly-{i}-{k}": v for k, v in row.items()})
    for i, row in enumerate(overrides):
        data.update({f"override-{i}-{k}": v for k, v in row.items()})
    return client.post("/dashboard/hours/", data)


@time_machine.travel("2026-01-04T16:00Z", tick=False)  # Monday 00:00 in Taiyuan
def test_hours_editor_saves_rules_and_overrides_and_previews_slots(lawyer):
    client = signed_in(lawyer.user)
    response = post_hours(
        client,
        [{"weekday": 1, "start": "09:00", "end": "12:00"}, {"weekday": 6, "start": "22:00", "end": "01:00"}],
        [{"date": "2026-01-06", "available": "closed"}],
    )
    assert response.status_code == 302
    assert list(AvailabilityRule.objects.filter(provider=lawyer).values_list("weekday", "start_time", "end_time")) == [
        (1, time(9), time(12)),
        (6, time(22), time(1)),
    ]
    assert list(AvailabilityOverride.objects.values_list("date", "available")) == [(date(2026, 1, 6), False)]
    page = client.get("/dashboard/hours/?saved=1").content.decode()
    assert "Saved." in page
    preview = page[page.index("Preview") :]
    assert preview.count("<li>") == 3 + 3  # Mon 09,10,11 and Sat 22,23,00
    assert "<li>22:00</li>" in preview


def test_hours_editor_refuses_open_day_without_hours_and_keeps_old_rules(lawyer):
    client = signed_in(lawyer.user)
    response = post_hours(client, [], [{"date": "2026-01-06", "available": "open"}])
    assert response.status_code == 200
    assert "An open day needs its hours." in response.content.decode()
    assert AvailabilityRule.objects.filter(provider=lawyer).count() == 1


def test_clients_are_sent_to_their_appointments_instead_of_the_dashboard():
    client = signed_in(make_user("c@example.com"))
    assert client.get("/dashboard/")["Location"] == "/appointments/"
    assert client.get("/dashboard/hours/")["Location"] == "/appointments/"


@time_machine.travel("2026-01-05T00:30Z", tick=False)
def test_dashboard_lists_todays_session_in_the_providers_zone(lawyer):
    client_user = make_user("ny@example.com", timezone="America/New_York", full_name="Zhang Wei")
    signed_in(client_user).post(
        f"/providers/{lawyer.pk}/book/", {"service": lawyer.services.get().pk, "start": "2026-01-05T02:00:00Z"}
    )
    page = signed_in(lawyer.user).get("/dashboard/").content.decode()
    today = page[page.index("Today") : page.index("Upcoming")]
    assert "10:00–11:00 · Zhang Wei" in today
