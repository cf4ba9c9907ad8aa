"""The notarial journal: one append-only entry per act (or refusal), numbered per notary and hash-chained.

Fields are those of cases/notary.md (RULONA §19, MISMO RON): entry number; time in
UTC plus both parties' zones; both stated locations; act and matter; document
titles and SHA-256; signer name and address; identity evidence; other
participants; recording reference and hash; fee; outcome or reason code.
Corrections are new entries that point at the one they amend (``amends``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Max

from scheduling.models import Provider

from .audit import GENESIS, JOURNAL_FIELDS, row_hash
from .models import Case, JournalEntry


def journal_append(
    *,
    notary: Provider,
    case: Case,
    recorded_at: datetime,
    outcome: str,
    documents: list[dict],
    identity_evidence: dict,
    participants: list[dict],
    reason_code: str = "",
    amends: JournalEntry | None = None,
    recording_ref: str = "",
    recording_sha256: str = "",
) -> JournalEntry:
    """Append the next entry of ``notary``'s journal (entry numbers 1, 2, 3, ... with no gaps).

    Takes a row lock on the notary so two acts of one notary cannot take the same
    number; the unique constraint ``journal_entry_number_unique`` is the last guard.
    """
    with transaction.atomic():
        Provider.objects.select_for_update().filter(pk=notary.pk).first()
        last = (
            JournalEntry.objects.filter(notary=notary)
            .order_by("-entry_number")
            .values("entry_number", "row_hash")
            .first()
        )
        number, prev = (last["entry_number"] + 1, last["row_hash"]) if last else (1, GENESIS)
        matter = case.matter_type
        appointment = case.appointment
        fields = {
            "notary_id": notary.pk,
            "entry_number": number,
            "case_id": case.pk,
            "amends_id": amends.pk if amends else None,
            "recorded_at": recorded_at,
            "notary_timezone": notary.timezone,
            "signer_timezone": appointment.client_timezone if appointment else case.client.timezone,
            "notary_location": case.notary_location,
            "signer_location": case.signer_location,
            "act_type": matter.act_type if outcome != "revoked" else "revocation",
            "matter_type": matter.code,
            "documents": documents,
            "signer_name": case.client.full_name,
            "signer_address": case.signer_address,
            "identity_evidence": identity_evidence,
            "participants": participants,
            "recording_ref": recording_ref,
            "recording_sha256": recording_sha256,
            "fee": matter.fee if outcome == "notarized" else Decimal("0.00"),
            "currency": matter.currency,
            "outcome": outcome,
            "reason_code": reason_code,
        }
        assert set(fields) == set(JOURNAL_FIELDS)
        return JournalEntry.objects.create(**fields, prev_hash=prev, row_hash=row_hash(prev, fields))


def journal_list(*, notary: Provider):
    return JournalEntry.objects.filter(notary=notary).order_by("entry_number")


def journal_max_number(*, notary: Provider) -> int:
    return JournalEntry.objects.filter(notary=notary).aggregate(n=Max("entry_number"))["n"] or 0
