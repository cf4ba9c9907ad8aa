"""Session writes: start, identity verification (with the lockout), consent, participants, notarize, terminate, revoke."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.utils import timezone as dj_timezone

from accounts.models import User
from config.errors import Forbidden, InvalidInput
from scheduling.models import Appointment

from .. import identity, selectors, workflow
from ..audit import audit_append
from ..errors import (
    IdentityLocked,
    InterpreterNotAllowed,
    InvalidIdentityDocument,
    InvalidTransition,
)
from ..models import (
    Case,
    CaseParticipant,
    CaseStatus,
    IdentityCheck,
    IdentityDocumentType,
    IdentityMethod,
)
from ..recordings import recording_reference
from .base import _lock, _reason, _require_actor, _room_is_open, _transition

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


DOCUMENT_TYPES = tuple(IdentityDocumentType.values)
METHODS = tuple(IdentityMethod.values)


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

    The full ``document_number`` is never stored, logged or audited: the check keeps
    it masked and as a keyed hash (``notary.identity``). A ``pass`` with
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
        check = IdentityCheck.objects.create(
            case=locked,
            notary=provider,
            document_type=document_type,
            issuing_country=issuing_country,
            document_number_masked=identity.mask_document_number(identity.document_number_normalise(document_number)),
            document_number_hash=identity.document_number_hash(
                number=document_number, document_type=document_type, issuing_country=issuing_country
            ),
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
                _interpreter_refusal(locked.matter_type),
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


def _recording_stopped(case: Case, reason: str) -> None:
    """The case left the session: after commit, the room's pages hear that recording stopped (the recorder stops)."""
    if case.appointment_id:
        from video.services import room_recording_announce

        room_recording_announce(appointment_id=case.appointment_id, state="stopped", reason=reason)


def case_notarize(*, case: Case, by: User, now: datetime | None = None) -> Case:
    """Perform the notarial act: needs ``in_session``, a passed identity check, consent in this session and a recording.

    Otherwise ``InvalidTransition`` (409) and nothing is written (case N2).
    Appends the journal entry, issues the signed certificate and moves to ``notarized``,
    all in one transaction.
    """
    from ..certificates import certificate_issue
    from ..journal import journal_append

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
        # The certificate states that the session was recorded; RULONA and the Chinese programme
        # both require the audio-video recording, so there must be one.
        if not locked.recording_chunks.exists():
            raise InvalidTransition(
                "The session has no recording yet: the notary's room page uploads it once the signer consents.",
                fields={"recording": ["Missing."]},
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
        _recording_stopped(notarized, "notarized")
    return notarized


def case_terminate(*, case: Case, by: User, reason_code: str, note: str = "", now: datetime | None = None) -> Case:
    """End the session without an act, with a termination code; the refusal is journaled."""
    from ..journal import journal_append

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
        _recording_stopped(ended, "terminated")
    return ended


def case_revoke(*, case: Case, by: User, reason_code: str, now: datetime | None = None) -> Case:
    """Revoke a notarized case's certificate; the journal gets a new entry amending the act's entry."""
    from ..journal import journal_append

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


def appointment_interpreter_refusal(*, appointment: Appointment) -> str | None:
    """Why an interpreter may not join ``appointment``'s room, or ``None`` when one may.

    For the video app's invitation and admission code: an appointment booked for a
    notarization case whose matter forbids interpreters (the Chinese overseas
    programme: the applicant speaks to the notary directly) refuses them (case N3).
    """
    case = Case.objects.filter(appointment=appointment).select_related("matter_type__jurisdiction").first()
    if case is None or case.matter_type.interpreter_allowed:
        return None
    return _interpreter_refusal(case.matter_type)


def room_invite_refusal(*, appointment: Appointment, role: str) -> str | None:
    """Video invite policy (``video.services.INVITE_POLICIES``): refuse interpreters where the matter does (N3)."""
    return appointment_interpreter_refusal(appointment=appointment) if role == "interpreter" else None


def _interpreter_refusal(matter) -> str:
    return (
        f"{matter.jurisdiction.name} does not allow interpreters for "
        f"{matter.name}: the applicant must speak to the notary directly."
    )
