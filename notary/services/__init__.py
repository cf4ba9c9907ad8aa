"""Notarization case writes: create, submit, review, book, session, identity, consent, notarize, terminate, revoke.

Every transition goes through ``_transition``: it locks the case row, checks who
asks (``workflow.actor_for``) and the state (``workflow.next_state``), applies
the change and appends one audit event in the same transaction, so a refused
request leaves the case, the journal and the audit log unchanged.
"""

from .base import (
    ROOM_CLOSES_AFTER,
    ROOM_OPENS_BEFORE,
    _lock,
    _reason,
    _require_actor,
    _room_is_open,
    _transition,
    case_role,
)
from .cases import (
    _bookable,
    case_accept,
    case_booking_check,
    case_booking_prepare,
    case_create,
    case_is_bookable,
    case_missing_documents,
    case_reject,
    case_request_info,
    case_schedule,
    case_submit,
    case_withdraw,
    eligibility_problems,
)
from .session import (
    DOCUMENT_TYPES,
    METHODS,
    appointment_interpreter_refusal,
    case_consent,
    case_notarize,
    case_revoke,
    case_start_session,
    case_terminate,
    identity_attempts,
    identity_lock_until,
    identity_verify,
    participant_add,
)

__all__ = [
    "DOCUMENT_TYPES",
    "METHODS",
    "ROOM_CLOSES_AFTER",
    "ROOM_OPENS_BEFORE",
    "_bookable",
    "_lock",
    "_reason",
    "_require_actor",
    "_room_is_open",
    "_transition",
    "appointment_interpreter_refusal",
    "case_accept",
    "case_booking_check",
    "case_booking_prepare",
    "case_is_bookable",
    "case_consent",
    "case_create",
    "case_missing_documents",
    "case_notarize",
    "case_reject",
    "case_request_info",
    "case_revoke",
    "case_role",
    "case_schedule",
    "case_start_session",
    "case_submit",
    "case_terminate",
    "case_withdraw",
    "eligibility_problems",
    "identity_attempts",
    "identity_lock_until",
    "identity_verify",
    "participant_add",
]
