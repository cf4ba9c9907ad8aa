"""Personal data export: everything Lexmeet holds about one user, as one JSON-ready dict.

GDPR Art. 15 (right of access) and Art. 20 (portability); PIPL Art. 45. Secrets
are left out on purpose (API token key, calendar feed token, password hash):
they are credentials, not information about the person, and a leaked export
must not open the account.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils import timezone as dj_timezone

from accounts.models import User
from notary.models import AuditEvent, Case, JournalEntry
from scheduling.models import Appointment, AppointmentNotice, CalendarFeed
from video.models import AttendanceEvent, Participant

EXPORT_VERSION = 1


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with ``Z``, seconds precision, or ``None``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _profile(user: User) -> dict:
    return {
        "id": user.pk,
        "email": user.email,
        "full_name": user.full_name,
        "timezone": user.timezone,
        "language": user.language,
        "phone": user.phone,
        "role": user.role,
        "legal_aid_group": user.legal_aid_group,
        "date_joined": iso(user.date_joined),
        "last_login": iso(user.last_login),
    }


def _appointments(user: User) -> list[dict]:
    rows = (
        Appointment.objects.filter(client=user)
        .select_related("provider__user", "service", "room")
        .order_by("start", "id")
    )
    return [
        {
            "id": a.pk,
            "provider": {"id": a.provider_id, "name": a.provider.user.full_name},
            "service": a.service.code,
            "status": a.status,
            "start_utc": iso(a.start),
            "end_utc": iso(a.end),
            "client_timezone": a.client_timezone,
            "language": a.language,
            "notes": a.notes,
            "sequence": a.sequence,
            "cancel_reason": a.cancel_reason,
            "cancelled_at": iso(a.cancelled_at),
            "created_at": iso(a.created_at),
            "room_id": getattr(getattr(a, "room", None), "room_id", None),
        }
        for a in rows
    ]


def _notices(user: User) -> list[dict]:
    rows = AppointmentNotice.objects.filter(appointment__client=user, recipient="client").order_by(
        "appointment_id", "claimed_at", "id"
    )
    return [
        {
            "appointment": n.appointment_id,
            "kind": n.kind,
            "sequence": n.sequence,
            "status": n.status,
            "sent_at": iso(n.sent_at),
        }
        for n in rows
    ]


def _rooms(user: User) -> list[dict]:
    rows = Participant.objects.filter(user=user).select_related("room").order_by("id")
    return [
        {
            "room_id": p.room.room_id,
            "appointment": p.room.appointment_id,
            "role": p.role,
            "admitted": p.admitted,
            "revoked_at": iso(p.revoked_at),
            "revoked_reason": p.revoked_reason,
        }
        for p in rows
    ]


def _attendance(user: User) -> list[dict]:
    rows = AttendanceEvent.objects.filter(participant__user=user).select_related("room").order_by("at", "id")
    return [
        {
            "room_id": e.room.room_id,
            "appointment": e.room.appointment_id,
            "kind": e.kind,
            "reason": e.reason,
            "at": iso(e.at),
        }
        for e in rows
    ]


def _case(case: Case) -> dict:
    certificate = getattr(case, "certificate", None)
    return {
        "id": case.pk,
        "office": case.office.name,
        "matter_type": case.matter_type.code,
        "status": case.status,
        "destination_country": case.destination_country,
        "residence_country": case.residence_country,
        "resident_abroad_since": case.resident_abroad_since.isoformat() if case.resident_abroad_since else None,
        "nationality": case.nationality,
        "description": case.description,
        "language": case.language,
        "signer_address": case.signer_address,
        "signer_location": case.signer_location,
        "info_request": case.info_request,
        "reason_code": case.reason_code,
        "appointment": case.appointment_id,
        "consent_at": iso(case.consent_at),
        "notarized_at": iso(case.notarized_at),
        "legal_hold": case.legal_hold,
        "created_at": iso(case.created_at),
        "documents": [
            {
                "id": d.pk,
                "kind": d.kind,
                "version": d.version,
                "filename": d.filename,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "uploaded_at": iso(d.uploaded_at),
                "purged_at": iso(d.purged_at),
            }
            for d in case.documents.order_by("kind", "version")
        ],
        "identity_checks": [
            {
                "document_type": c.document_type,
                "issuing_country": c.issuing_country,
                "document_number_masked": c.document_number_masked,
                "expires_on": c.expires_on.isoformat(),
                "method": c.method,
                "result": c.result,
                "checked_at": iso(c.checked_at),
            }
            for c in case.identity_checks.order_by("checked_at", "id")
        ],
        "participants": [{"role": p.role, "full_name": p.full_name, "email": p.email} for p in case.participants.all()],
        "certificate": (
            {"number": certificate.number, "issued_at": iso(certificate.issued_at), "status": certificate.status}
            if certificate
            else None
        ),
    }


def _journal(user: User) -> list[dict]:
    rows = JournalEntry.objects.filter(case__client=user).select_related("notary__user").order_by("recorded_at", "id")
    return [
        {
            "notary": e.notary.user.full_name,
            "entry_number": e.entry_number,
            "case": e.case_id,
            "recorded_at": iso(e.recorded_at),
            "act_type": e.act_type,
            "matter_type": e.matter_type,
            "outcome": e.outcome,
            "signer_name": e.signer_name,
            "signer_location": e.signer_location,
        }
        for e in rows
    ]


def personal_data_export(*, user: User, now: datetime | None = None) -> dict:
    """Everything about ``user``: profile, appointments booked, emails sent to them, rooms and attendance,
    notarization cases (documents as metadata, identity checks masked, certificate), journal entries
    about them and the audit events they caused. Datetimes are UTC ``...Z`` strings.

    Shape: ``{"export_version": 1, "exported_at", "profile", "appointments", "notices", "rooms",
    "attendance", "cases", "journal_entries", "audit_events", "calendar_feed", "api_token"}``.
    """
    now = now or dj_timezone.now()
    feed = CalendarFeed.objects.filter(user=user).first()
    token = getattr(user, "auth_token", None)
    cases = Case.objects.filter(client=user).select_related("office", "matter_type").order_by("id")
    return {
        "export_version": EXPORT_VERSION,
        "exported_at": iso(now),
        "profile": _profile(user),
        "appointments": _appointments(user),
        "notices": _notices(user),
        "rooms": _rooms(user),
        "attendance": _attendance(user),
        "cases": [_case(case) for case in cases],
        "journal_entries": _journal(user),
        "audit_events": [
            {"seq": e.seq, "at": iso(e.at), "action": e.action, "case": e.case_id, "target": e.target}
            for e in AuditEvent.objects.filter(actor_id=user.pk).order_by("seq")
        ],
        "calendar_feed": {"created_at": iso(feed.created_at), "rotated_at": iso(feed.rotated_at)} if feed else None,
        "api_token": {"created_at": iso(token.created)} if token else None,
    }
