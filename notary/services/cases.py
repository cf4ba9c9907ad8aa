"""Case writes before the session: create (with eligibility), submit, request information, accept, reject, withdraw, book."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import User
from config.errors import InvalidInput, NotFound
from scheduling.models import Appointment, AppointmentStatus, Organization, OrganizationKind, Provider, ProviderKind

from .. import selectors, workflow
from ..audit import audit_append
from ..errors import (
    InvalidTransition,
    MatterNotOffered,
    MissingDocuments,
    NotEligible,
)
from ..models import (
    Case,
    CaseParticipant,
    CaseStatus,
    DocumentKind,
    MatterType,
    NotaryOffice,
)
from .base import _reason, _transition

# --- create ----------------------------------------------------------------------


def eligibility_problems(
    *,
    rules: dict,
    nationality: str,
    resident_abroad_since: date | None,
    destination_country: str,
    today: date,
    residence_country: str = "",
) -> dict[str, list[str]]:
    """Which eligibility rules of a jurisdiction the applicant fails, as API ``fields`` (empty when eligible).

    ``rules`` is ``Jurisdiction.eligibility``: ``nationality`` (allowed ISO codes),
    ``min_days_abroad`` (whole days living abroad up to ``today``; the Chinese
    overseas programme needs 180), ``destination_countries`` (where the
    certificate is to be used). A programme with ``min_days_abroad`` also refuses
    applicants whose country of residence is one of its destination countries:
    they do not live abroad.
    """
    problems: dict[str, list[str]] = {}
    allowed = rules.get("nationality")
    if allowed and nationality not in allowed:
        problems["nationality"] = [f"This programme is for nationals of {', '.join(allowed)}."]
    minimum = rules.get("min_days_abroad")
    if minimum:
        if resident_abroad_since is None:
            problems["resident_abroad_since"] = ["Required by this programme."]
        elif (today - resident_abroad_since).days < minimum:
            problems["resident_abroad_since"] = [f"The applicant must have lived abroad at least {minimum} days."]
        home = rules.get("destination_countries") or []
        if residence_country and residence_country.upper() in home:
            problems["residence_country"] = ["This programme is for applicants living abroad."]
    destinations = rules.get("destination_countries")
    if destinations and destination_country not in destinations:
        problems["destination_country"] = [f"Certificates of this programme are for use in {', '.join(destinations)}."]
    return problems


def case_create(
    *,
    client: User,
    office: Organization,
    matter_type: MatterType,
    destination_country: str,
    residence_country: str,
    resident_abroad_since: date | None = None,
    nationality: str = "",
    description: str = "",
    language: str = "en",
    signer_address: str = "",
    now: datetime | None = None,
) -> Case:
    """Open a draft case with a notary office for a matter of the office's jurisdiction.

    Raises ``NotFound`` (404) for an organization that is not a notary office
    with a jurisdiction, ``MatterNotOffered`` (400) for a matter of another
    jurisdiction, ``NotEligible`` (400, ``fields`` naming each failed rule).
    """
    now = now or dj_timezone.now()
    profile = NotaryOffice.objects.filter(
        organization=office, organization__kind=OrganizationKind.NOTARY_OFFICE
    ).first()
    if profile is None:
        raise NotFound("No such notary office.")
    if matter_type.jurisdiction_id != profile.jurisdiction_id or not matter_type.is_active:
        raise MatterNotOffered(fields={"matter_type": ["Not offered by this office."]})
    if resident_abroad_since is not None and resident_abroad_since > now.date():
        raise InvalidInput(fields={"resident_abroad_since": ["This date is in the future."]})
    problems = eligibility_problems(
        rules=matter_type.jurisdiction.eligibility,
        nationality=nationality,
        resident_abroad_since=resident_abroad_since,
        destination_country=destination_country,
        today=now.date(),
        residence_country=residence_country,
    )
    if problems:
        raise NotEligible(fields=problems)
    with transaction.atomic():
        case = Case.objects.create(
            client=client,
            office=office,
            matter_type=matter_type,
            destination_country=destination_country,
            residence_country=residence_country,
            resident_abroad_since=resident_abroad_since,
            nationality=nationality,
            description=description,
            language=language,
            signer_address=signer_address,
        )
        audit_append(
            action="notary.case.draft",
            actor=client,
            case=case,
            target=f"case:{case.pk}",
            data={"matter": matter_type.code},
            at=now,
        )
    return case


# --- applicant and review ---------------------------------------------------------


def case_missing_documents(case: Case) -> list[str]:
    """Required document kinds the case has no version of, in the jurisdiction's order."""
    present = set(case.documents.values_list("kind", flat=True))
    return workflow.missing_documents(case.matter_type.required_documents, present)


def document_kind_names(codes: list[str]) -> str:
    """The kinds' names in the active language (``name_zh`` in Chinese), joined; a code without a row as is."""
    chinese = (get_language() or "").lower().startswith("zh")
    names = {
        k.code: (k.name_zh if chinese and k.name_zh else k.name) for k in DocumentKind.objects.filter(code__in=codes)
    }
    return ("、" if chinese else ", ").join(names.get(code, code) for code in codes)


def case_submit(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Applicant submits (or re-submits after ``needs_info``); ``MissingDocuments`` (400) names the missing kinds (case N1)."""

    def check(locked: Case) -> None:
        missing = case_missing_documents(locked)
        if missing:
            raise MissingDocuments(
                _("Missing documents: %(kinds)s.") % {"kinds": document_kind_names(missing)},
                fields={"missing_documents": missing},
            )

    return _transition(case=case, by=by, action="submit", now=now or dj_timezone.now(), check=check)


def case_withdraw(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Applicant withdraws before the session starts; a booked appointment is cancelled with it."""
    from scheduling.services import appointment_cancel

    now = now or dj_timezone.now()
    with transaction.atomic():
        withdrawn = _transition(case=case, by=by, action="withdraw", now=now)
        appointment = withdrawn.appointment
        if appointment is not None and appointment.status == AppointmentStatus.CONFIRMED and appointment.end > now:
            appointment_cancel(appointment=appointment, by=by, reason="Notarization case withdrawn", now=now)
    return withdrawn


def case_request_info(*, case: Case, by: User, message: str, now: datetime | None = None) -> Case:
    return _transition(
        case=case,
        by=by,
        action="request_info",
        now=now or dj_timezone.now(),
        updates={"info_request": message},
        audit_data={"message": message[:500]},
    )


def case_accept(*, case: Case, by: User, now: datetime | None = None) -> Case:
    return _transition(case=case, by=by, action="accept", now=now or dj_timezone.now())


def case_reject(*, case: Case, by: User, reason_code: str, note: str = "", now: datetime | None = None) -> Case:
    """Refuse the case with a refusal code of its jurisdiction (``UnknownReasonCode`` 400 otherwise)."""
    _reason(case, "refusal", reason_code)
    return _transition(
        case=case,
        by=by,
        action="reject",
        now=now or dj_timezone.now(),
        updates={"reason_code": reason_code, "reason_note": note},
        audit_data={"reason_code": reason_code},
    )


# --- booking hook (called by scheduling's POST /appointments/ with ``case``) -------


def case_booking_check(*, client: User, case_id, provider: Provider) -> Case:
    """Validate a booking's ``case`` before the appointment is inserted.

    The case must be the client's own (``NotFound`` 404 otherwise, as for any
    other case), ``accepted`` (``InvalidTransition`` 409), and the provider a
    notary of the case's office (``InvalidInput`` 400).
    """
    case = selectors.case_get_for_user(user=client, case_id=case_id)
    if case.client_id != client.pk:
        raise NotFound()
    if not _bookable(case):
        raise InvalidTransition(f"Only an accepted case can be booked; this one is {case.status}.")
    if provider.kind != ProviderKind.NOTARY or provider.organization_id != case.office_id:
        raise InvalidInput(fields={"provider": ["Book a notary of the case's office."]})
    return case


def case_booking_prepare(
    *, client: User, case_id, provider: Provider, host_site_id=None
) -> Callable[[Appointment], None]:
    """Validate a booking's ``case`` (and ``host_site``) up front; return the hook run inside the booking transaction.

    Where the matter or its jurisdiction requires a host site (consulate model),
    ``host_site`` is required (``InvalidInput`` 400); the hook moves the case to
    ``scheduled``, holds the host site (``host_sites.host_site_book``) and adds
    the site's consular officer as a participant of the case and of the video room
    (a guest with an invite link emailed to ``HostSite.consular_officer_email``).
    """
    from video.models import ParticipantRole
    from video.services import participant_invite_guest

    from ..host_sites import host_site_book, host_site_get

    case = case_booking_check(client=client, case_id=case_id, provider=provider)
    matter = case.matter_type
    site = host_site_get(host_site_id=host_site_id) if host_site_id is not None else None
    if site is None and (matter.host_site_required or matter.jurisdiction.host_site_required):
        raise InvalidInput(
            fields={"host_site": ["This matter is done at a mission or visa centre: choose a host site."]}
        )

    def hook(appointment: Appointment) -> None:
        case_schedule(case=case, appointment=appointment)
        if site is not None:
            host_site_book(site=site, appointment=appointment)
            officer = site.consular_officer_name or f"Consular officer, {site.organization.name}"
            CaseParticipant.objects.create(
                case=case, role=CaseParticipant.Role.CONSULAR_OFFICER, full_name=officer, added_at=dj_timezone.now()
            )
            # The officer sits with the applicant and witnesses the act: a participant of the session's
            # video room with their own invite link (emailed to the site's officer address), admitted
            # through the lobby like everyone but the notary.
            participant_invite_guest(
                room=appointment.room,
                by=None,
                name=officer,
                email=site.consular_officer_email,
                role=ParticipantRole.CONSULAR_OFFICER,
            )

    return hook


def case_is_bookable(case: Case) -> bool:
    """Accepted, or scheduled with an appointment that has since been cancelled (book again)."""
    if case.status == CaseStatus.ACCEPTED:
        return True
    appointment = case.appointment
    return case.status == CaseStatus.SCHEDULED and (
        appointment is None or appointment.status != AppointmentStatus.CONFIRMED
    )


_bookable = case_is_bookable


def case_schedule(*, case: Case, appointment: Appointment, now: datetime | None = None) -> Case:
    """Link the just-booked ``appointment`` and move the case to ``scheduled`` (inside the booking transaction)."""

    def check(locked: Case) -> None:
        if not _bookable(locked):
            raise InvalidTransition("This case already has an active appointment.")

    return _transition(
        case=case,
        by=appointment.client,
        action="schedule",
        now=now or dj_timezone.now(),
        updates={"appointment": appointment},
        audit_data={"appointment": appointment.pk},
        check=check,
    )
