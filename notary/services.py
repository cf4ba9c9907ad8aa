"""Notarization case writes: create, submit, review, book, session, identity, consent, notarize, terminate, revoke.

Every transition goes through ``_transition``: it locks the case row, checks who
asks (``workflow.actor_for``) and the state (``workflow.next_state``), applies
the change and appends one audit event in the same transaction, so a refused
request leaves the case, the journal and the audit log unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone as dj_timezone

from accounts.models import User
from config.errors import Forbidden, InvalidInput, NotFound
from scheduling.models import Appointment, AppointmentStatus, Organization, OrganizationKind, Provider, ProviderKind

from . import selectors, workflow
from .audit import audit_append
from .errors import (
    IdentityLocked,
    InterpreterNotAllowed,
    InvalidIdentityDocument,
    InvalidTransition,
    MatterNotOffered,
    MissingDocuments,
    NotEligible,
    UnknownReasonCode,
)
from .models import (
    Case,
    CaseParticipant,
    CaseStatus,
    IdentityCheck,
    MatterType,
    NotaryOffice,
    ReasonCode,
)
from .recordings import recording_reference

ROOM_OPENS_BEFORE = timedelta(minutes=15)
ROOM_CLOSES_AFTER = timedelta(minutes=30)


def _room_is_open(appointment: Appointment | None, now: datetime) -> bool:
    """Whether the case's appointment room is open at ``now`` (UTC-aware).

    Stand-in for the video app's room state (issue 3 of 7: a room per appointment,
    opening 15 minutes before the start): switch this one function to
    ``appointment.room`` once the video branch has landed. Until then: the
    appointment is confirmed and ``start - 15 min <= now < end + 30 min``.
    """
    if appointment is None or appointment.status != AppointmentStatus.CONFIRMED:
        return False
    return appointment.start - ROOM_OPENS_BEFORE <= now < appointment.end + ROOM_CLOSES_AFTER


# --- helpers ------------------------------------------------------------------------


def case_role(case: Case, user: User) -> str | None:
    """``"client"``, ``"notary"`` (a notary of the case's office) or ``None``."""
    if case.client_id == user.pk:
        return workflow.CLIENT
    provider = selectors.notary_provider(user)
    if provider is not None and provider.organization_id == case.office_id:
        return workflow.NOTARY
    return None


def _require_actor(case: Case, user: User, action: str) -> Provider | None:
    """Raise ``Forbidden`` unless ``user`` is the side that may ask for ``action``; return the notary's provider."""
    needed = workflow.actor_for(action)
    if case_role(case, user) != needed:
        raise Forbidden(f"Only the {'applicant' if needed == workflow.CLIENT else 'office notary'} may {action}.")
    if needed == workflow.NOTARY:
        provider = selectors.notary_provider(user)
        if case.notary_id is not None and case.status == CaseStatus.IN_SESSION and case.notary_id != provider.pk:
            raise Forbidden("Only the notary running the session may do this.")
        return provider
    return None


def _lock(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("client", "office", "matter_type__jurisdiction", "appointment", "notary__user")
        .get(pk=case.pk)
    )


def _transition(
    *,
    case: Case,
    by: User,
    action: str,
    now: datetime,
    updates: dict | None = None,
    audit_data: dict | None = None,
    check: Callable[[Case], None] | None = None,
) -> Case:
    """Move ``case`` by ``action`` under a row lock; ``check(locked_case)`` may raise to refuse."""
    with transaction.atomic():
        locked = _lock(case)
        _require_actor(locked, by, action)
        target = workflow.next_state(locked.status, action)
        if target is None:
            raise InvalidTransition(
                f"Cannot {action} a case that is {locked.status}.", fields={"status": locked.status}
            )
        if check is not None:
            check(locked)
        previous = locked.status
        locked.status = target
        for field, value in (updates or {}).items():
            setattr(locked, field, value)
        locked.save(update_fields=["status", "updated_at", *(updates or {}).keys()])
        audit_append(
            action=f"notary.case.{target}",
            actor=by,
            case=locked,
            target=f"case:{locked.pk}",
            data={"from": previous, "to": target, **(audit_data or {})},
            at=now,
        )
    return locked


def _reason(case: Case, kind: str, code: str) -> ReasonCode:
    found = ReasonCode.objects.filter(jurisdiction=case.matter_type.jurisdiction, kind=kind, code=code).first()
    if found is None:
        raise UnknownReasonCode(fields={"reason_code": [f"Not a {kind} code of {case.matter_type.jurisdiction.code}."]})
    return found


# --- create ----------------------------------------------------------------------


def eligibility_problems(
    *, rules: dict, nationality: str, resident_abroad_since: date | None, destination_country: str, today: date
) -> dict[str, list[str]]:
    """Which eligibility rules of a jurisdiction the applicant fails, as API ``fields`` (empty when eligible).

    ``rules`` is ``Jurisdiction.eligibility``: ``nationality`` (allowed ISO codes),
    ``min_days_abroad`` (whole days living abroad up to ``today``; the Chinese
    overseas programme needs 180), ``destination_countries`` (where the
    certificate is to be used).
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


def case_submit(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Applicant submits (or re-submits after ``needs_info``); ``MissingDocuments`` (400) names the missing kinds (case N1)."""

    def check(locked: Case) -> None:
        missing = case_missing_documents(locked)
        if missing:
            raise MissingDocuments(f"Missing: {', '.join(missing)}.", fields={"missing_documents": missing})

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
    the site's consular officer as a participant.
    """
    from .host_sites import host_site_book, host_site_get

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
            CaseParticipant.objects.create(
                case=case,
                role=CaseParticipant.Role.CONSULAR_OFFICER,
                full_name=site.consular_officer_name or f"Consular officer, {site.organization.name}",
                added_at=dj_timezone.now(),
            )

    return hook


def _bookable(case: Case) -> bool:
    """Accepted, or scheduled with an appointment that has since been cancelled (book again)."""
    if case.status == CaseStatus.ACCEPTED:
        return True
    appointment = case.appointment
    return case.status == CaseStatus.SCHEDULED and (
        appointment is None or appointment.status != AppointmentStatus.CONFIRMED
    )


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


# --- session ------------------------------------------------------------------------


def case_start_session(*, case: Case, by: User, notary_location: str = "", now: datetime | None = None) -> Case:
    """The office's notary starts the session once the case's appointment room is open (409 otherwise)."""
    now = now or dj_timezone.now()
    provider = selectors.notary_provider(by)

    def check(locked: Case) -> None:
        if locked.appointment is not None and provider is not None and locked.appointment.provider_id != provider.pk:
            raise Forbidden("Only the notary the appointment is booked with starts the session.")
        if not _room_is_open(locked.appointment, now):
            raise InvalidTransition("The appointment room is not open.", fields={"appointment": ["Room not open."]})

    return _transition(
        case=case,
        by=by,
        action="start_session",
        now=now,
        updates={"session_started_at": now, "notary": provider, "notary_location": notary_location},
        check=check,
        audit_data={"notary": getattr(provider, "pk", None)},
    )


DOCUMENT_TYPES = ("passport", "national_id", "residence_permit", "driver_licence", "travel_document")
METHODS = ("face_comparison", "knowledge_based", "credential_analysis", "consular_officer")


def identity_attempts(case: Case) -> list[tuple[datetime, bool]]:
    return [(c.checked_at, c.result == "pass") for c in case.identity_checks.order_by("checked_at", "id")]


def identity_lock_until(case: Case, now: datetime) -> datetime | None:
    jurisdiction = case.matter_type.jurisdiction
    return workflow.identity_lock_until(
        identity_attempts(case),
        now=now,
        max_failures=jurisdiction.max_identity_failures,
        lock=timedelta(hours=jurisdiction.identity_lock_hours),
    )


def identity_verify(
    *,
    case: Case,
    by: User,
    document_type: str,
    issuing_country: str,
    document_number: str,
    expires_on: date,
    method: str,
    result: str,
    now: datetime | None = None,
) -> IdentityCheck:
    """Record the notary's identity check (credential plus second factor) during the session.

    The number is stored masked where the jurisdiction says so. A ``pass`` with
    an expired document is refused (400). After ``max_identity_failures``
    failures in a row the next attempt is refused with ``IdentityLocked`` (429)
    until ``identity_lock_hours`` after the last failure (case N4).
    """
    now = now or dj_timezone.now()
    if result not in ("pass", "fail"):
        raise InvalidInput(fields={"result": ["pass or fail."]})
    if expires_on < date(1990, 1, 1) or expires_on > now.date() + timedelta(days=366 * 30):
        raise InvalidIdentityDocument(fields={"expires_on": ["Not a plausible expiry date."]})
    if result == "pass" and expires_on < now.date():
        raise InvalidIdentityDocument(fields={"expires_on": ["The document has expired; it cannot pass."]})
    with transaction.atomic():
        locked = _lock(case)
        provider = _require_actor(locked, by, "verify_identity")
        if locked.status not in workflow.IN_STATE_ACTIONS["verify_identity"][0]:
            raise InvalidTransition(f"Identity is verified in session; this case is {locked.status}.")
        until = identity_lock_until(locked, now)
        if until is not None:
            raise IdentityLocked(
                f"Identity checks are locked until {until.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}.",
                fields={"locked_until": until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
            )
        masked = (
            workflow.mask_document_number(document_number)
            if locked.matter_type.jurisdiction.mask_document_number
            else document_number
        )
        check = IdentityCheck.objects.create(
            case=locked,
            notary=provider,
            document_type=document_type,
            issuing_country=issuing_country,
            document_number_masked=masked,
            expires_on=expires_on,
            method=method,
            result=result,
            checked_at=now,
        )
        audit_append(
            action=f"notary.identity.{'passed' if result == 'pass' else 'failed'}",
            actor=by,
            case=locked,
            target=f"identity_check:{check.pk}",
            data={"document_type": document_type, "issuing_country": issuing_country, "method": method},
            at=now,
        )
    return check


def case_consent(*, case: Case, by: User, signer_location: str = "", now: datetime | None = None) -> Case:
    """The applicant consents to the recording of this session and states their physical location."""
    now = now or dj_timezone.now()
    with transaction.atomic():
        locked = _lock(case)
        _require_actor(locked, by, "consent")
        if locked.status != CaseStatus.IN_SESSION:
            raise InvalidTransition("Consent is given once the session has started.")
        locked.consent_at, locked.consent_by, locked.consent_appointment = now, by, locked.appointment
        if signer_location:
            locked.signer_location = signer_location
        locked.save(update_fields=["consent_at", "consent_by", "consent_appointment", "signer_location", "updated_at"])
        audit_append(
            action="notary.consent.recording",
            actor=by,
            case=locked,
            target=f"appointment:{locked.appointment_id}",
            data={"signer_location": signer_location},
            at=now,
        )
    return locked


def participant_add(*, case: Case, by: User, role: str, full_name: str, email: str = "", now: datetime | None = None):
    """Invite a witness, interpreter or consular officer; an interpreter is refused where the matter forbids one (N3)."""
    now = now or dj_timezone.now()
    if role not in CaseParticipant.Role.values:
        raise InvalidInput(fields={"role": ["witness, interpreter or consular_officer."]})
    with transaction.atomic():
        locked = _lock(case)
        _require_actor(locked, by, "add_participant")
        if locked.status not in workflow.IN_STATE_ACTIONS["add_participant"][0]:
            raise InvalidTransition(f"Participants are added to an accepted case; this one is {locked.status}.")
        if role == CaseParticipant.Role.INTERPRETER and not locked.matter_type.interpreter_allowed:
            raise InterpreterNotAllowed(
                f"{locked.matter_type.jurisdiction.name} does not allow interpreters for "
                f"{locked.matter_type.name}: the applicant must speak to the notary directly.",
                fields={"role": ["Interpreters are not allowed for this matter."]},
            )
        participant = CaseParticipant.objects.create(
            case=locked, role=role, full_name=full_name, email=email, added_at=now
        )
        audit_append(
            action="notary.participant.added",
            actor=by,
            case=locked,
            target=f"participant:{participant.pk}",
            data={"role": role},
            at=now,
        )
    return participant


def _evidence(case: Case) -> dict:
    checks = list(case.identity_checks.order_by("checked_at", "id"))
    return {
        "attempts": [
            {
                "document_type": c.document_type,
                "issuing_country": c.issuing_country,
                "document_number_masked": c.document_number_masked,
                "expires_on": c.expires_on.isoformat(),
                "method": c.method,
                "result": c.result,
                "checked_at": c.checked_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            }
            for c in checks
        ],
        "consent_at": case.consent_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if case.consent_at else None,
    }


def _document_list(case: Case) -> list[dict]:
    return [
        {"kind": d.kind, "title": d.filename, "version": d.version, "sha256": d.sha256}
        for d in selectors.current_documents(case).values()
    ]


def _participants(case: Case) -> list[dict]:
    return [{"role": p.role, "name": p.full_name} for p in case.participants.all()]


def case_notarize(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Perform the notarial act: needs ``in_session``, a passed identity check and consent in this session.

    Otherwise ``InvalidTransition`` (409) and nothing is written (case N2).
    Appends the journal entry, issues the signed certificate and moves to ``notarized``,
    all in one transaction.
    """
    from .certificates import certificate_issue
    from .journal import journal_append

    now = now or dj_timezone.now()

    def check(locked: Case) -> None:
        if not workflow.identity_passed(identity_attempts(locked)):
            raise InvalidTransition(
                "The signer's identity has not been verified.", fields={"identity": ["Not passed."]}
            )
        if locked.consent_at is None or locked.consent_appointment_id != locked.appointment_id:
            raise InvalidTransition(
                "The signer has not consented to recording in this session.", fields={"consent": ["Missing."]}
            )

    with transaction.atomic():
        notarized = _transition(
            case=case, by=by, action="notarize", now=now, updates={"notarized_at": now}, check=check
        )
        recording_ref, recording_sha256 = recording_reference(notarized)
        entry = journal_append(
            notary=notarized.notary,
            case=notarized,
            recorded_at=now,
            outcome="notarized",
            recording_ref=recording_ref,
            recording_sha256=recording_sha256,
            documents=_document_list(notarized),
            identity_evidence=_evidence(notarized),
            participants=_participants(notarized),
        )
        certificate_issue(case=notarized, journal_entry=entry, now=now)
    return notarized


def case_terminate(*, case: Case, by: User, reason_code: str, note: str = "", now: datetime | None = None) -> Case:
    """End the session without an act, with a termination code; the refusal is journaled."""
    from .journal import journal_append

    now = now or dj_timezone.now()
    _reason(case, "termination", reason_code)
    with transaction.atomic():
        ended = _transition(
            case=case,
            by=by,
            action="terminate",
            now=now,
            updates={"reason_code": reason_code, "reason_note": note},
            audit_data={"reason_code": reason_code},
        )
        recording_ref, recording_sha256 = recording_reference(ended)
        journal_append(
            notary=ended.notary,
            case=ended,
            recorded_at=now,
            outcome="terminated",
            recording_ref=recording_ref,
            recording_sha256=recording_sha256,
            reason_code=reason_code,
            documents=_document_list(ended),
            identity_evidence=_evidence(ended),
            participants=_participants(ended),
        )
    return ended


def case_revoke(*, case: Case, by: User, reason_code: str, now: datetime | None = None) -> Case:
    """Revoke a notarized case's certificate; the journal gets a new entry amending the act's entry."""
    from .journal import journal_append

    now = now or dj_timezone.now()
    _reason(case, "revocation", reason_code)
    with transaction.atomic():
        revoked = _transition(
            case=case,
            by=by,
            action="revoke",
            now=now,
            updates={"reason_code": reason_code},
            audit_data={"reason_code": reason_code},
        )
        certificate = revoked.certificate
        certificate.revoked_at, certificate.revoke_reason_code = now, reason_code
        certificate.save(update_fields=["revoked_at", "revoke_reason_code"])
        original = revoked.journal_entries.filter(outcome="notarized").order_by("entry_number").first()
        journal_append(
            notary=original.notary,
            case=revoked,
            recorded_at=now,
            outcome="revoked",
            reason_code=reason_code,
            amends=original,
            documents=original.documents,
            identity_evidence={},
            participants=[],
        )
    return revoked
