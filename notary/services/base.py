"""Shared pieces of the notary services: who may act, the row-locked transition, reason codes, the room-open check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction

from accounts.models import User
from config.errors import Forbidden
from scheduling.models import Appointment, AppointmentStatus, Provider

from .. import selectors, workflow
from ..audit import audit_append
from ..errors import (
    InvalidTransition,
    UnknownReasonCode,
)
from ..models import (
    Case,
    CaseStatus,
    ReasonCode,
)

ROOM_OPENS_BEFORE = timedelta(minutes=15)
ROOM_CLOSES_AFTER = timedelta(minutes=30)


def _room_is_open(appointment: Appointment | None, now: datetime) -> bool:
    """Whether the case's appointment room is open at ``now`` (UTC-aware): the video app's room state.

    The room opens 15 minutes before the start and closes at the end plus the grace
    period, or when the host ends it (``video.models.Room.state_at``).
    """
    from video.models import Room, RoomState

    if appointment is None or appointment.status != AppointmentStatus.CONFIRMED:
        return False
    room = Room.objects.filter(appointment=appointment).select_related("appointment").first()
    return room is not None and room.state_at(now) == RoomState.OPEN


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
