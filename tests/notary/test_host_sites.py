"""Host sites (consulate model): slots are the intersection of the notary's and the site's hours; booking holds both."""

import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client

from notary.models import CaseParticipant, HostSite, HostSiteBooking, MatterType
from scheduling.models import Appointment, Organization
from tests.conftest import client_for
from tests.factories import make_user
from tests.notary.conftest import BOOKED_AT, SLOT, _notary, act, book, submitted_case
from video.models import Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def consulate(db):
    org = Organization.objects.create(
        name="Consulate General in New York", kind="host_site", region="New York", timezone="America/New_York"
    )
    return HostSite.objects.create(
        organization=org,
        weekly=[{"weekday": d, "start": "18:00", "end": "22:00"} for d in range(1, 8)],
        consular_officer_name="Consul Wang",
        consular_officer_email="consul.wang@example.com",
    )


def slots(api, site, notary, service, day):
    response = api.get(
        f"/api/v1/notary/host-sites/{site.pk}/slots/",
        {"provider": notary.pk, "service": service.pk, "start": day, "end": day, "tz": "America/New_York"},
    )
    assert response.status_code == 200, response.json()
    return [s["start"] for s in response.json()["slots"]]


def test_taiyuan_morning_is_the_evening_before_in_new_york_winter_and_summer(api, consulate, notary, notary_service):
    # Taiyuan 09:00-11:00 (slots at 09:00 and 10:00, 45 minutes) meets a consulate open 18:00-22:00 in New York.
    with time_machine.travel(BOOKED_AT, tick=False):
        assert slots(api, consulate, notary, notary_service, "2026-01-05") == [
            "2026-01-05T20:00:00-05:00",
            "2026-01-05T21:00:00-05:00",
        ]
    with time_machine.travel("2026-07-01T00:00:00Z", tick=False):
        # In summer 09:00 Taiyuan is 21:00 EDT; the 10:00 slot would end at 22:45, after the consulate closes.
        assert slots(api, consulate, notary, notary_service, "2026-07-06") == ["2026-07-06T21:00:00-04:00"]


@time_machine.travel(BOOKED_AT, tick=False)
def test_booking_with_a_host_site_holds_it_and_adds_the_consular_officer(
    as_applicant, as_notary, office, notary, notary_service, consulate, api
):
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    booked = book(as_applicant, notary, notary_service, SLOT, case_id, host_site=consulate.pk)
    assert booked.status_code == 201, booked.json()
    held = HostSiteBooking.objects.get()
    assert (held.appointment_id, held.start.isoformat()) == (booked.json()["id"], "2026-01-06T01:00:00+00:00")
    assert list(CaseParticipant.objects.values_list("role", "full_name")) == [("consular_officer", "Consul Wang")]
    assert slots(api, consulate, notary, notary_service, "2026-01-05") == ["2026-01-05T21:00:00-05:00"]

    # Another notary of the office is free at 09:00 Taiyuan, but the consulate is not.
    colleague = _notary("notary.zhou@example.com", office, notary_service)
    other = client_for(make_user("li.na@example.com", timezone="America/New_York"))
    other_case = submitted_case(other, office)
    act(as_notary, other_case, "accept")
    taken = book(other, colleague, notary_service, SLOT, other_case, host_site=consulate.pk)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "slot_taken")
    assert Appointment.objects.count() == 1
    closed = book(other, colleague, notary_service, "2026-01-06T11:00:00+08:00", other_case, host_site=consulate.pk)
    assert (closed.status_code, closed.json()["error"]["message"]) == (400, "The host site is closed at this time.")

    # Cancelling the first appointment frees the consulate for the colleague.
    as_applicant.post(f"/api/v1/appointments/{booked.json()['id']}/cancel/", {}, format="json")
    again = book(other, colleague, notary_service, SLOT, other_case, host_site=consulate.pk)
    assert again.status_code == 201, again.json()
    assert HostSiteBooking.objects.filter(released_at__isnull=True).count() == 1


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_matter_that_requires_a_host_site_refuses_the_direct_model(
    as_applicant, as_notary, office, notary, notary_service
):
    MatterType.objects.filter(code="cn-power-of-attorney").update(host_site_required=True)
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    response = book(as_applicant, notary, notary_service, SLOT, case_id)
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["host_site"]
    assert Appointment.objects.count() == 0


@pytest.mark.parametrize("start,end", [("0001-01-01", "0001-01-02"), ("9999-12-30", "9999-12-31")])
def test_host_site_slots_for_days_at_the_ends_of_the_calendar_answer_400_not_500(
    api, consulate, notary, notary_service, start, end
):
    """Found by fuzzing: the day after 9999-12-31 overflowed (a 500); the range is 1971-2199 as for a provider's slots."""
    response = api.get(
        f"/api/v1/notary/host-sites/{consulate.pk}/slots/",
        {"provider": notary.pk, "service": notary_service.pk, "start": start, "end": end},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert set(response.json()["error"]["fields"]) == {"start", "end"}


@time_machine.travel(BOOKED_AT, tick=False)
def test_the_consular_officer_is_a_guest_of_the_video_room_with_their_own_link(
    as_applicant, as_notary, office, notary, notary_service, consulate, django_capture_on_commit_callbacks
):
    case_id = submitted_case(as_applicant, office)
    act(as_notary, case_id, "accept")
    with django_capture_on_commit_callbacks(execute=True):
        booked = book(as_applicant, notary, notary_service, SLOT, case_id, host_site=consulate.pk)
    assert booked.status_code == 201, booked.json()
    room_id = booked.json()["room_id"]
    officer = Participant.objects.get(room__room_id=room_id, role="consular_officer")
    assert (officer.user_id, officer.guest_name, officer.guest_email, officer.admitted) == (
        None,
        "Consul Wang",
        "consul.wang@example.com",
        False,  # through the lobby: the notary admits them
    )
    invites = [m for m in mail.outbox if m.to == ["consul.wang@example.com"]]
    assert len(invites) == 1
    assert invites[0].subject == "Invitation to a video session"
    assert "as consular officer" in invites[0].body
    assert "When: 2026-01-06 01:00 to 01:45 (UTC)" in invites[0].body
    link = re.search(re.escape(settings.SITE_URL) + r"(/rooms/[^/]+/join/([^/\s]+)/)", invites[0].body)
    assert link is not None, invites[0].body

    # Their own ticket, with the invite as the credential (no account).
    answer = Client().post(
        f"/api/v1/rooms/{room_id}/guest/", {"invite": link.group(2)}, content_type="application/json"
    )
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["role"], answer.json()["peer_id"], answer.json()["lobby"]) == (
        "consular_officer",
        str(officer.pk),
        True,
    )
    assert answer.json()["ticket"]
    # In a browser: the link opens the room page as the officer.
    browser = Client()
    opened = browser.get(link.group(1))
    assert (opened.status_code, opened["Location"]) == (302, f"/rooms/{room_id}/")
    page = browser.get(f"/rooms/{room_id}/")
    assert page.status_code == 200
    assert page.context["config"]["name"] == "Consul Wang"
    assert page.context["config"]["role"] == "consular_officer"


@time_machine.travel("2026-12-07T12:00:00Z", tick=False)
def test_the_demo_has_a_consulate_whose_evenings_meet_the_taiyuan_notaries_mornings(api, settings):
    """README's consulate walk-through works on `make run` data: New York 20:00-23:00 in winter is Taiyuan 09:00-12:00."""
    import io

    from django.core.management import call_command

    from scheduling.models import Provider, ServiceType

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # idempotent: still one site
    sites = api.get("/api/v1/notary/host-sites/").json()
    assert [(s["name"], s["timezone"]) for s in sites] == [
        ("中华人民共和国驻纽约总领事馆 Consulate General in New York", "America/New_York")
    ]
    notary = Provider.objects.get(user__email="notary.li@demo.lexmeet.local")
    service = ServiceType.objects.get(code="remote-notarization")
    response = api.get(
        f"/api/v1/notary/host-sites/{sites[0]['id']}/slots/",
        {
            "provider": notary.pk,
            "service": service.pk,
            "start": "2027-01-11",
            "end": "2027-01-11",
            "tz": "America/New_York",
        },
    )
    assert response.status_code == 200, response.json()
    starts = [s["start"] for s in response.json()["slots"]]
    # Tuesday 2027-01-12 09:00-12:00 in Taiyuan is Monday 2027-01-11 20:00-23:00 in New York (EST).
    assert starts[0] == "2027-01-11T20:00:00-05:00"
    assert starts[-1] < "2027-01-11T23:00:00-05:00"
