"""The notarization case state machine and the identity lockout rule, as pure functions.

States and transitions follow DESIGN.md (Notary):
``draft -> submitted -> (needs_info <-> submitted) -> accepted | rejected``;
``accepted -> scheduled -> in_session -> notarized | terminated``;
``withdrawn`` from any state before ``in_session``; ``notarized -> revoked``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DRAFT, SUBMITTED, NEEDS_INFO, ACCEPTED, REJECTED = "draft", "submitted", "needs_info", "accepted", "rejected"
SCHEDULED, IN_SESSION, NOTARIZED, TERMINATED = "scheduled", "in_session", "notarized", "terminated"
REVOKED, WITHDRAWN = "revoked", "withdrawn"

CLIENT, NOTARY = "client", "notary"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    actor: str  # who may ask for it: CLIENT or NOTARY


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("submit", frozenset({DRAFT, NEEDS_INFO}), SUBMITTED, CLIENT),
        Transition("request_info", frozenset({SUBMITTED}), NEEDS_INFO, NOTARY),
        Transition("accept", frozenset({SUBMITTED}), ACCEPTED, NOTARY),
        Transition("reject", frozenset({SUBMITTED, NEEDS_INFO}), REJECTED, NOTARY),
        # Booking an appointment with a notary of the office, with this case (scheduling hook);
        # from SCHEDULED only when the earlier appointment was cancelled (checked by the service).
        Transition("schedule", frozenset({ACCEPTED, SCHEDULED}), SCHEDULED, CLIENT),
        Transition("start_session", frozenset({SCHEDULED}), IN_SESSION, NOTARY),
        Transition("notarize", frozenset({IN_SESSION}), NOTARIZED, NOTARY),
        Transition("terminate", frozenset({IN_SESSION}), TERMINATED, NOTARY),
        Transition("revoke", frozenset({NOTARIZED}), REVOKED, NOTARY),
        Transition("withdraw", frozenset({DRAFT, SUBMITTED, NEEDS_INFO, ACCEPTED, SCHEDULED}), WITHDRAWN, CLIENT),
    ]
}

# Actions that do not move the state but need one.
IN_STATE_ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "verify_identity": (frozenset({IN_SESSION}), NOTARY),
    "consent": (frozenset({IN_SESSION}), CLIENT),
    "add_participant": (frozenset({ACCEPTED, SCHEDULED, IN_SESSION}), NOTARY),
}

# Documents can change until the session starts; afterwards they are what was notarized.
DOCUMENTS_OPEN = frozenset({DRAFT, SUBMITTED, NEEDS_INFO, ACCEPTED, SCHEDULED})


def next_state(state: str, action: str) -> str | None:
    """The state after ``action`` from ``state``, or ``None`` when the transition is not allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None or state not in transition.sources:
        return None
    return transition.target


def actor_for(action: str) -> str:
    """Who may ask for ``action``: ``"client"`` or ``"notary"``. ``KeyError`` for unknown actions."""
    if action in TRANSITIONS:
        return TRANSITIONS[action].actor
    return IN_STATE_ACTIONS[action][1]


def missing_documents(required: list[str], present: set[str]) -> list[str]:
    """Required document kinds not in ``present``, in the order the jurisdiction lists them."""
    return [kind for kind in required if kind not in present]


def identity_lock_until(
    attempts: list[tuple[datetime, bool]],
    *,
    now: datetime,
    max_failures: int = 2,
    lock: timedelta = timedelta(hours=24),
) -> datetime | None:
    """When the identity lock ends, or ``None`` if a new attempt may be recorded at ``now``.

    ``attempts``: ``(checked_at, passed)`` in time order. After ``max_failures``
    failures in a row the case is locked until ``lock`` after the last of them
    (cases/notary.md: at most 2 failed attempts, then a 24 h lockout; case N4).
    A pass, or the end of a lock, starts the count again.
    """
    failures = 0
    until: datetime | None = None
    for at, passed in attempts:
        if until is not None and at >= until:
            failures, until = 0, None
        if passed:
            failures = 0
            continue
        failures += 1
        if failures >= max_failures:
            until = at + lock
    if until is not None and now < until:
        return until
    return None


def identity_passed(attempts: list[tuple[datetime, bool]]) -> bool:
    """True when the latest identity attempt passed."""
    return bool(attempts) and attempts[-1][1]


def mask_document_number(number: str) -> str:
    """Keep the last 4 characters, mask the rest with ``*`` (at least 4 masked): ``E12345678`` -> ``*****5678``."""
    number = "".join(number.split())
    visible = number[-4:] if len(number) > 4 else ""
    return "*" * max(4, len(number) - len(visible)) + visible
