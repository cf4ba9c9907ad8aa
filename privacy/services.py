"""Account deletion for a client: erase or anonymise personal data, keep what notarial retention requires.

GDPR Art. 17 (erasure) with its Art. 17(3)(b)/(e) exceptions (a legal obligation,
legal claims); PIPL Art. 47. What a notary must keep is decided by the case's
jurisdiction (notary/retention.py: case files ``retention_years`` after the case
ends, never under a legal hold; journal entries, audit events and certificates
are append-only and permanent). The answer says exactly what was kept, under
which rule and until when.

The ``User`` row itself stays, anonymised, because kept records (appointments on
a provider's calendar, notarization cases, attendance in notarial sessions) point
at it; nothing left on it identifies the person.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone as dj_timezone
from rest_framework.authtoken.models import Token

from accounts.models import LegalAidGroup, Role, User
from accounts.services import user_authenticate
from config.errors import DomainError
from notary.audit import audit_append
from notary.documents import document_path
from notary.models import AuditEvent, Case, CaseStatus, Document
from notary.retention import retention_ends
from notary.services import case_withdraw
from scheduling.models import Appointment, AppointmentStatus, CalendarFeed, IdempotencyRecord
from scheduling.services import appointment_cancel
from video.models import AttendanceEvent, Participant

from .selectors import iso

CANCEL_REASON = "The client deleted their account."
DELETED_NAME = "Deleted user"
# Cases the applicant can still withdraw (workflow: "withdrawn from any state before in_session").
WITHDRAWABLE = (CaseStatus.SUBMITTED, CaseStatus.NEEDS_INFO, CaseStatus.ACCEPTED, CaseStatus.SCHEDULED)


class DeletionNotSelfService(DomainError):
    status, code = 403, "deletion_not_self_service"
    message = "Provider and staff accounts are closed by the organization, not deleted by their holder."


class DeletionBlocked(DomainError):
    status, code = 409, "case_in_session"
    message = "A notarization session is under way; delete the account once it has ended."


def deleted_email(user_id: int) -> str:
    """The address an anonymised account keeps (unique, undeliverable: RFC 2606 ``.invalid``)."""
    return f"deleted-{user_id}@deleted.invalid"


def _kept_case(case: Case) -> list[dict]:
    jurisdiction = case.matter_type.jurisdiction
    until = retention_ends(case)
    files = {
        "documents": case.documents.filter(purged_at__isnull=True).count(),
        "recording_chunks": case.recording_chunks.filter(purged_at__isnull=True).count(),
        "identity_checks": case.identity_checks.count(),
        "room_attendance_events": AttendanceEvent.objects.filter(room__appointment__notary_cases=case).count(),
    }
    rule = (
        f"{jurisdiction.code}: a notarization case file is kept {jurisdiction.retention_years} years "
        f"after the case ends (notary/retention.py)"
    )
    kept = [
        {
            "what": "notary_case",
            "case": case.pk,
            "status": case.status,
            "items": files,
            "rule": rule
            + ("; under a legal hold nothing is purged until the hold is lifted" if case.legal_hold else ""),
            "until": None if case.legal_hold else iso(until),
            "legal_hold": case.legal_hold,
        }
    ]
    entries = case.journal_entries.count()
    if entries:
        kept.append(
            {
                "what": "journal_entries",
                "case": case.pk,
                "count": entries,
                "rule": "The notarial journal is permanent and append-only (RULONA §19; database triggers refuse deletion)",
                "until": None,
            }
        )
    certificate = getattr(case, "certificate", None)
    if certificate is not None:
        kept.append(
            {
                "what": "certificate",
                "case": case.pk,
                "number": certificate.number,
                "rule": "A certificate stays verifiable by anyone who holds it (/verify/, the signer's initials only)",
                "until": None,
            }
        )
    return kept


def account_delete(*, request, user: User, password: str, now: datetime | None = None) -> dict:
    """Delete ``user``'s account (a client's), confirmed with their password; returns the report.

    ``request`` is the Django ``HttpRequest`` (the password check counts towards
    the sign-in lockout, as ``user_authenticate``). In one transaction:

    - draft notarization cases (never sent to a notary) are deleted with their
      documents; submitted ones are withdrawn (their appointment cancelled);
      withdrawn, rejected, notarized, terminated and revoked cases are kept;
    - every appointment that has not started is cancelled, and the provider gets the
      cancellation email (the client gets none: the address is gone);
    - appointment notes, idempotency records, the calendar feed, the API token, every
      session, sign-in failure records, and room presence and attendance outside kept
      notarial sessions are deleted;
    - the account is anonymised (email ``deleted-<id>@deleted.invalid``, name, phone,
      legal-aid group erased; no usable password; inactive);
    - one ``accounts.user.deleted`` audit event records the counts (no personal data).

    Returns ``{"status": "deleted", "user": id, "deleted": {...counts and ids}, "kept": [...]}``
    where each kept item names its ``rule`` and ``until`` (UTC, or ``None`` for permanent).
    Raises ``InvalidCredentials`` (400) or ``TooManyAttempts`` (429) for the password,
    ``DeletionNotSelfService`` (403) for providers and staff, ``DeletionBlocked`` (409)
    while one of the user's cases is in session.
    """
    now = now or dj_timezone.now()
    confirmed = user_authenticate(request=request, email=user.email, password=password)
    if confirmed.pk != user.pk:  # pragma: no cover - the email is unique
        raise DeletionNotSelfService()
    if user.role != Role.CLIENT or user.is_staff or user.is_superuser or hasattr(user, "provider"):
        raise DeletionNotSelfService()
    in_session = list(Case.objects.filter(client=user, status=CaseStatus.IN_SESSION).values_list("pk", flat=True))
    if in_session:
        raise DeletionBlocked(fields={"cases": in_session})

    deleted: dict = {}
    files_to_remove = []
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        # The client's own words in earlier cancellations; the ones made below carry our fixed reasons.
        Appointment.objects.filter(client=user, cancelled_by=user).update(cancel_reason="")

        # Notarization cases.
        draft_cases, withdrawn, kept_cases = [], [], []
        for case in Case.objects.filter(client=user).select_related("matter_type__jurisdiction").order_by("id"):
            if case.status == CaseStatus.DRAFT:
                documents = list(Document.objects.filter(case=case))
                files_to_remove += [document_path(d) for d in documents]
                Document.objects.filter(case=case).delete()
                case.participants.all().delete()
                draft_cases.append(case.pk)
                case.delete()
                continue
            if case.status in WITHDRAWABLE:
                case = case_withdraw(case=case, by=user, now=now)
                withdrawn.append(case.pk)
            kept_cases.append(case)
        deleted["draft_cases"] = draft_cases
        deleted["draft_documents"] = len(files_to_remove)
        deleted["cases_withdrawn"] = withdrawn

        # Appointments: cancel what has not started, then erase the client's free text.
        cancelled = []
        # Only what has not started: a session under way or over is part of the provider's record.
        for appointment in Appointment.objects.filter(client=user, status=AppointmentStatus.CONFIRMED, start__gt=now):
            appointment_cancel(appointment=appointment, by=user, reason=CANCEL_REASON, now=now)
            cancelled.append(appointment.pk)
        deleted["appointments_cancelled"] = sorted(cancelled + _cancelled_by_withdrawal(withdrawn, user, now))
        deleted["appointment_notes_erased"] = Appointment.objects.filter(client=user).exclude(notes="").update(notes="")
        deleted["idempotency_records"] = IdempotencyRecord.objects.filter(user=user).delete()[0]

        # Rooms: presence and attendance go, except in sessions that belong to a kept notarization case.
        kept_appointments = {c.appointment_id for c in kept_cases} | {c.consent_appointment_id for c in kept_cases}
        participations = Participant.objects.filter(user=user).exclude(room__appointment_id__in=kept_appointments)
        deleted["attendance_events"] = AttendanceEvent.objects.filter(participant__in=participations).count()
        deleted["room_participations"] = participations.count()
        participations.delete()

        # Credentials and sign-in traces.
        deleted["api_tokens"] = Token.objects.filter(user=user).delete()[0]
        deleted["calendar_feeds"] = CalendarFeed.objects.filter(user=user).delete()[0]
        deleted["sessions"] = _sessions_delete(user)
        deleted["login_records"] = _login_records_delete(user.email)

        # The account itself.
        user.email = deleted_email(user.pk)
        user.full_name = DELETED_NAME
        user.phone = ""
        user.legal_aid_group = LegalAidGroup.NONE
        user.timezone, user.language = "UTC", "en"
        user.is_active = False
        user.last_login = None
        user.set_unusable_password()
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        deleted["profile"] = "anonymised"

        kept = [item for case in kept_cases for item in _kept_case(case)]
        kept_appointments_count = Appointment.objects.filter(client=user).count()
        if kept_appointments_count:
            kept.append(
                {
                    "what": "appointments",
                    "count": kept_appointments_count,
                    "rule": "Times, status and service stay on the provider's calendar, without notes, "
                    "linked to the anonymised account",
                    "until": None,
                }
            )
        audit_append(
            action="accounts.user.deleted",
            actor=None,
            target=f"user:{user.pk}",
            data={
                "draft_cases": draft_cases,
                "cases_withdrawn": withdrawn,
                "cases_kept": [c.pk for c in kept_cases],
                "appointments_cancelled": deleted["appointments_cancelled"],
            },
            at=now,
        )
        audit_events = AuditEvent.objects.filter(actor_id=user.pk).count()
        if audit_events:
            kept.append(
                {
                    "what": "audit_events",
                    "count": audit_events,
                    "rule": "The audit log is append-only and hash-chained (notary/audit.py); "
                    "its rows hold ids and actions, not names",
                    "until": None,
                }
            )

        def remove_files():
            for path in files_to_remove:
                path.unlink(missing_ok=True)

        transaction.on_commit(remove_files)
    return {"status": "deleted", "user": user.pk, "deleted": deleted, "kept": kept}


def _cancelled_by_withdrawal(case_ids: list[int], user: User, now: datetime) -> list[int]:
    """Appointments the withdrawal of ``case_ids`` just cancelled (``case_withdraw`` cancels a booked session)."""
    return list(
        Appointment.objects.filter(
            notary_cases__in=case_ids, status=AppointmentStatus.CANCELLED, cancelled_by=user, cancelled_at=now
        ).values_list("pk", flat=True)
    )


def _sessions_delete(user: User) -> int:
    """Delete every database session signed in as ``user`` (the table has no user column: decode each)."""
    doomed = [
        s.session_key
        for s in Session.objects.filter(expire_date__gt=dj_timezone.now()).iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)
    ]
    return Session.objects.filter(session_key__in=doomed).delete()[0]


def _login_records_delete(email: str) -> int:
    """django-axes' records of sign-in attempts with this email (username and client address)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        model.objects.filter(username=email).delete()[0] for model in (AccessAttempt, AccessFailureLog, AccessLog)
    )
