"""Journey steps 2 and 5 in the pages: open a case on /notary/cases/new/, book its session from the case page.

A notary's service is booked for an accepted case only (page and API: 400 ``case_required``);
someone else's case id is a 404 and never attaches.
"""

import re

import pytest
import time_machine
from django.test import Client

from notary.models import Case
from scheduling.models import Appointment
from tests.factories import make_provider, make_service, make_user, sign_in
from tests.notary.conftest import BOOKED_AT, act, case_payload, submitted_case

pytestmark = pytest.mark.django_db

SLOT_UTC = "2026-01-06T01:00:00Z"  # Tuesday 09:00 in Taiyuan, Monday 20:00 in New York


def browser(user) -> Client:
    return sign_in(Client(), user)


def form(organization, **extra):
    return {**case_payload(organization), **extra}


# --- step 2: the "New case" page ------------------------------------------------------------------------


def test_new_case_page_is_for_signed_in_clients(applicant, notary, office):
    assert Client().get("/notary/cases/new/")["Location"].startswith("/accounts/login/")
    assert browser(notary.user).get("/notary/cases/new/").status_code == 403
    assert browser(notary.user).post("/notary/cases/new/", form(office)).status_code == 403
    page = browser(applicant).get("/notary/cases/new/")
    assert page.status_code == 200
    html = page.content.decode()
    # The only office is preselected; matter types come from the jurisdiction data, grouped by jurisdiction.
    assert f'<option value="{office.pk}" selected>Taiyuan Notary Office</option>' in html
    assert '<option value="cn-power-of-attorney">' in html and "<optgroup" in html
    for name in ("destination_country", "residence_country", "resident_abroad_since", "nationality", "description"):
        assert f'name="{name}"' in html
    assert not Case.objects.exists()


def test_case_list_links_to_the_new_case_page(applicant, notary):
    assert 'href="/notary/cases/new/"' in browser(applicant).get("/notary/cases/").content.decode()
    assert 'href="/notary/cases/new/"' not in browser(notary.user).get("/notary/cases/").content.decode()


@time_machine.travel(BOOKED_AT, tick=False)
def test_new_case_is_created_by_the_api_service_and_opens_its_page(applicant, office):
    response = browser(applicant).post(
        "/notary/cases/new/", form(office, residence_country="us", resident_abroad_since="2019-08-15")
    )
    case = Case.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/notary/cases/{case.pk}/")
    assert (case.client, case.office, case.status, case.matter_type.code) == (
        applicant,
        office,
        "draft",
        "cn-power-of-attorney",
    )
    assert (case.destination_country, case.residence_country, case.nationality) == ("CN", "US", "CN")
    assert str(case.resident_abroad_since) == "2019-08-15"
    assert case.description == "Power of attorney to sell a flat in Taiyuan"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"destination_country": ""}, "destination_country", "This field is required."),
        ({"residence_country": "USA"}, "residence_country", "two-letter country code"),
        ({"office": ""}, "office", "This field is required."),
        ({"office": "999999"}, "office", "Select a valid choice."),
        ({"matter_type": "no-such-matter"}, "matter_type", "Select a valid choice."),
        ({"matter_type": "us-acknowledgment"}, "matter_type", "Not offered by this office."),
        ({"resident_abroad_since": "2025-12-01"}, "resident_abroad_since", "at least 180 days"),
        ({"resident_abroad_since": ""}, "resident_abroad_since", "Required by this programme."),
        ({"resident_abroad_since": "2027-01-01"}, "resident_abroad_since", "in the future"),
        ({"resident_abroad_since": "15/08/2019"}, "resident_abroad_since", "Enter a valid date."),
        ({"nationality": "US"}, "nationality", "nationals of CN"),
        ({"residence_country": "CN"}, "residence_country", "applicants living abroad"),
        ({"destination_country": "FR"}, "destination_country", "for use in CN"),
        ({"language": "klingon"}, "language", "Select a valid choice."),
        ({"description": "x" * 4001}, "description", "at most 4000 characters"),
    ],
)
@time_machine.travel(BOOKED_AT, tick=False)
def test_refusals_are_shown_on_the_form_never_a_500(applicant, office, changes, field, message):
    response = browser(applicant).post("/notary/cases/new/", form(office, **changes))
    assert response.status_code == 400
    html = response.content.decode()
    # The error list follows its own field.
    block = re.search(rf'name="{field}".*?<div role="alert"><ul class="errorlist">(.*?)</ul>', html, re.S)
    assert block and message in block.group(1), html
    assert not Case.objects.exists()


# --- step 5: book the session from the case page --------------------------------------------------------


@pytest.fixture
def accepted(as_applicant, as_notary, office):
    with time_machine.travel(BOOKED_AT, tick=False):
        case_id = submitted_case(as_applicant, office)
        assert act(as_notary, case_id, "accept").status_code == 200
    return case_id


@time_machine.travel(BOOKED_AT, tick=False)
def test_case_page_links_to_the_notarys_page_with_the_case_then_the_booking_attaches(
    accepted, applicant, notary, notary_service
):
    me = browser(applicant)
    case_page = me.get(f"/notary/cases/{accepted}/").content.decode()
    link = f"/providers/{notary.pk}/?service={notary_service.pk}&amp;case={accepted}"
    assert f'href="{link}"' in case_page and "Book the session with" in case_page
    page = me.get(f"/providers/{notary.pk}/", {"service": notary_service.pk, "case": accepted, "week": "2026-01-05"})
    html = page.content.decode()
    assert page.status_code == 200 and f"Booking the session for case #{accepted}" in html
    assert f'<input type="hidden" name="case" value="{accepted}">' in html
    assert f'data-start-utc="{SLOT_UTC}"' in html
    booked = me.post(
        f"/providers/{notary.pk}/book/",
        {"service": notary_service.pk, "start": SLOT_UTC, "tz": "America/New_York", "case": accepted},
    )
    appointment = Appointment.objects.get()
    assert (booked.status_code, booked["Location"]) == (302, f"/appointments/{appointment.pk}/?booked=1")
    case = Case.objects.get(pk=accepted)
    assert (case.status, case.appointment) == ("scheduled", appointment)
    assert appointment.client_timezone == "America/New_York"
    appointment_page = me.get(f"/appointments/{appointment.pk}/").content.decode()
    assert f'href="/notary/cases/{accepted}/"' in appointment_page
    after = me.get(f"/notary/cases/{accepted}/").content.decode()
    assert f'href="/appointments/{appointment.pk}/"' in after and "Book the session with" not in after
    assert me.get(f"/api/v1/notary/cases/{accepted}/").json()["appointment"] == appointment.pk


@time_machine.travel(BOOKED_AT, tick=False)
def test_only_an_accepted_case_offers_the_booking_link(as_applicant, applicant, office, notary):
    case_id = submitted_case(as_applicant, office)
    assert "Book the session" not in browser(applicant).get(f"/notary/cases/{case_id}/").content.decode()
    page = browser(applicant).get(f"/providers/{notary.pk}/", {"case": case_id, "week": "2026-01-05"})
    html = page.content.decode()
    assert page.status_code == 200 and "Only an accepted case can be booked" in html
    assert "data-start-utc" not in html  # times are shown, not offered


@time_machine.travel(BOOKED_AT, tick=False)
def test_notarys_page_without_a_case_offers_cases_and_a_new_case_not_a_booking(
    accepted, applicant, notary, notary_service, office, stranger
):
    html = browser(applicant).get(f"/providers/{notary.pk}/", {"week": "2026-01-05"}).content.decode()
    assert "data-start-utc" not in html and f'data-slot-utc="{SLOT_UTC}"' in html
    assert f'&case={accepted}">Book for case #{accepted}</a>' in html  # their accepted case with this office
    assert f'href="/notary/cases/new/?office={office.pk}"' in html
    other = browser(stranger).get(f"/providers/{notary.pk}/", {"week": "2026-01-05"}).content.decode()
    assert f"case={accepted}" not in other and f'href="/notary/cases/new/?office={office.pk}"' in other


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_notarization_booked_without_a_case_is_refused_on_the_page_and_in_the_api(
    accepted, applicant, notary, notary_service
):
    page = browser(applicant).post(
        f"/providers/{notary.pk}/book/", {"service": notary_service.pk, "start": SLOT_UTC, "tz": "America/New_York"}
    )
    assert page.status_code == 400
    assert 'data-code="case_required"' in page.content.decode()
    api = browser(applicant).post(
        "/api/v1/appointments/",
        {"provider": notary.pk, "service": notary_service.pk, "start": SLOT_UTC},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json()["error"]["code"] == "case_required"
    assert api.json()["error"]["fields"] == {"case": ["Required for a notarization session."]}
    assert not Appointment.objects.exists()
    assert Case.objects.get(pk=accepted).status == "accepted"


@time_machine.travel(BOOKED_AT, tick=False)
def test_someone_elses_case_is_a_404_and_never_attaches(accepted, notary, notary_service):
    attacker = make_user("mallory@example.com", timezone="America/New_York")
    me = browser(attacker)
    for case_id in (accepted, 999999, "abc"):
        page = me.get(f"/providers/{notary.pk}/", {"service": notary_service.pk, "case": case_id})
        assert page.status_code == 404, case_id
        booked = me.post(
            f"/providers/{notary.pk}/book/",
            {"service": notary_service.pk, "start": SLOT_UTC, "tz": "America/New_York", "case": case_id},
        )
        assert booked.status_code == 404, case_id
        api = me.post(
            "/api/v1/appointments/",
            {"provider": notary.pk, "service": notary_service.pk, "start": SLOT_UTC, "case": case_id},
            content_type="application/json",
        )
        assert api.status_code in (400, 404), case_id  # "abc" is not an integer: 400 invalid
    # The office's notary cannot book the applicant's case either (it is not theirs as a client).
    assert browser(notary.user).get(f"/providers/{notary.pk}/", {"case": accepted}).status_code == 404
    assert not Appointment.objects.exists()
    case = Case.objects.get(pk=accepted)
    assert (case.status, case.appointment_id) == ("accepted", None)


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_case_cannot_be_booked_with_another_offices_notary(accepted, applicant, other_notary, notary_service):
    booked = browser(applicant).post(
        f"/providers/{other_notary.pk}/book/",
        {"service": notary_service.pk, "start": SLOT_UTC, "tz": "America/New_York", "case": accepted},
    )
    assert booked.status_code == 400 and "Book a notary of the case" in booked.content.decode()
    assert not Appointment.objects.exists()


@time_machine.travel(BOOKED_AT, tick=False)
def test_legal_consultation_booking_needs_no_case_and_ignores_one(applicant):
    from datetime import time

    consultation = make_service(code="free-consultation", duration_minutes=30)
    lawyer = make_provider(
        "wang@example.com", zone="Asia/Shanghai", services=[consultation], weekly=[(2, time(9), time(11))]
    )
    page = browser(applicant).get(f"/providers/{lawyer.pk}/", {"week": "2026-01-05", "case": "999999"})
    assert page.status_code == 200 and f'data-start-utc="{SLOT_UTC}"' in page.content.decode()
    booked = browser(applicant).post(
        f"/providers/{lawyer.pk}/book/", {"service": consultation.pk, "start": SLOT_UTC, "tz": "America/New_York"}
    )
    assert booked.status_code == 302 and Appointment.objects.get().provider == lawyer


@time_machine.travel(BOOKED_AT, tick=False)
def test_a_replayed_case_booking_returns_the_first_answer(accepted, as_applicant, notary, notary_service):
    """The case is checked after the Idempotency-Key lookup: a retry of a booking that went through is not a 409."""
    body = {"provider": notary.pk, "service": notary_service.pk, "start": SLOT_UTC, "case": accepted}
    first = as_applicant.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = as_applicant.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert Appointment.objects.count() == 1
    other = as_applicant.post("/api/v1/appointments/", body, format="json", HTTP_IDEMPOTENCY_KEY="retry-2")
    assert (other.status_code, other.json()["error"]["code"]) == (409, "invalid_transition")
