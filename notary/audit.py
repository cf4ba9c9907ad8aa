"""Hash chains for the audit log and the notarial journal.

Each row stores ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the
first) and ``row_hash = SHA-256(prev_hash + "\\n" + canonical JSON of the row's
fields)``. Editing a row breaks its own hash; deleting or swapping rows breaks
the numbering or the link to the previous hash. ``chain_verify`` is a pure
function over plain dicts; ``audit_append`` and ``journal_verify``/``audit_verify``
wrap it for the two tables. Appends take a lock so two writers never fork the chain:
a transaction-level advisory lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite (settings).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone as dj_timezone

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 7_401_001  # pg_advisory_xact_lock key of the audit chain

AUDIT_FIELDS = ("seq", "at", "actor_id", "action", "case_id", "target", "data")
JOURNAL_FIELDS = (
    "notary_id",
    "entry_number",
    "case_id",
    "amends_id",
    "recorded_at",
    "notary_timezone",
    "signer_timezone",
    "notary_location",
    "signer_location",
    "act_type",
    "matter_type",
    "documents",
    "signer_name",
    "signer_address",
    "identity_evidence",
    "participants",
    "recording_ref",
    "recording_sha256",
    "fee",
    "currency",
    "outcome",
    "reason_code",
)


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def canonical(fields: dict) -> str:
    """Canonical JSON of a row: sorted keys, no spaces, UTC datetimes with microseconds, decimals with 2 places."""
    return json.dumps(
        {key: _plain(value) for key, value in fields.items()},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )


def row_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + "\n" + canonical(fields)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first broken row of a chain: which row (``label``) and why."""

    label: str
    reason: str

    def __str__(self) -> str:
        return f"{self.label}: {self.reason}"


def chain_verify(rows: Iterable[dict], *, number_field: str, fields: tuple[str, ...], label: str) -> Break | None:
    """Check one chain; ``rows`` ordered by ``number_field``, which must run 1, 2, 3, ...

    Returns the first ``Break`` (a gap: a row deleted before this one; a wrong
    ``prev_hash``: rows deleted or swapped; a wrong ``row_hash``: this row was
    edited), or ``None`` when the chain is intact. Deleting the newest rows
    leaves a shorter valid chain; counts kept elsewhere (the certificate's
    journal number, backups) catch that.
    """
    expected_number, prev = 1, GENESIS
    for row in rows:
        name = f"{label} {number_field}={row[number_field]} (id={row['id']})"
        if row[number_field] != expected_number:
            return Break(name, f"expected {number_field}={expected_number}: a row is missing or out of place")
        if row["prev_hash"] != prev:
            return Break(name, "prev_hash does not match the previous row: rows deleted or swapped")
        if row["row_hash"] != row_hash(prev, {f: row[f] for f in fields}):
            return Break(name, "row_hash does not match the row's content: the row was edited")
        expected_number, prev = expected_number + 1, row["row_hash"]
    return None


def _lock_audit_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def audit_append(
    *,
    action: str,
    actor=None,
    case=None,
    target: str = "",
    data: dict | None = None,
    at: datetime | None = None,
):
    """Append one event (``action`` a dotted string such as ``"notary.case.submitted"``) to the audit chain.

    Runs inside the caller's transaction (or its own), so an event is stored
    exactly when the change it records is. Returns the ``AuditEvent``.
    """
    from .models import AuditEvent

    with transaction.atomic():
        _lock_audit_chain()
        last = AuditEvent.objects.order_by("-seq").values("seq", "row_hash").first()
        seq, prev = (last["seq"] + 1, last["row_hash"]) if last else (1, GENESIS)
        at = (at or dj_timezone.now()).astimezone(UTC)
        fields = {
            "seq": seq,
            "at": at,
            "actor_id": getattr(actor, "pk", None),
            "action": action,
            "case_id": getattr(case, "pk", None),
            "target": target,
            "data": data or {},
        }
        return AuditEvent.objects.create(**fields, prev_hash=prev, row_hash=row_hash(prev, fields))


def audit_verify() -> Break | None:
    """The first broken row of the audit log, or ``None``."""
    from .models import AuditEvent

    rows = AuditEvent.objects.order_by("seq").values("id", "prev_hash", "row_hash", *AUDIT_FIELDS).iterator()
    return chain_verify(rows, number_field="seq", fields=AUDIT_FIELDS, label="audit_event")


def journal_verify() -> Break | None:
    """The first broken entry of any notary's journal (notaries in id order), or ``None``."""
    from .models import JournalEntry

    notary_ids = JournalEntry.objects.order_by("notary_id").values_list("notary_id", flat=True).distinct()
    for notary_id in notary_ids:
        rows = (
            JournalEntry.objects.filter(notary_id=notary_id)
            .order_by("entry_number")
            .values("id", "prev_hash", "row_hash", *JOURNAL_FIELDS)
        )
        found = chain_verify(
            rows.iterator(),
            number_field="entry_number",
            fields=JOURNAL_FIELDS,
            label=f"journal_entry notary={notary_id}",
        )
        if found:
            return found
    return None
