"""Jurisdiction rules as data: load ``fixtures/jurisdictions.json`` into the rule tables.

Idempotent upsert keyed by codes, so the data migration, ``manage.py load_jurisdictions``
and an edited file can all run it again. ``apps`` is the migration's app registry
(historical models) or ``django.apps.apps``.
"""

from __future__ import annotations

import json
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "jurisdictions.json"


def jurisdictions_load(*, apps, path: Path = FIXTURE) -> dict[str, int]:
    """Upsert document kinds, jurisdictions, matter types and reason codes from ``path``.

    Returns counts ``{"jurisdictions": n, "matter_types": n, "reason_codes": n, "document_kinds": n}``.
    Rows not in the file are left alone (cases may point at them).
    """
    Jurisdiction = apps.get_model("notary", "Jurisdiction")
    MatterType = apps.get_model("notary", "MatterType")
    ReasonCode = apps.get_model("notary", "ReasonCode")
    DocumentKind = apps.get_model("notary", "DocumentKind")
    data = json.loads(path.read_text(encoding="utf-8"))
    counts = {"jurisdictions": 0, "matter_types": 0, "reason_codes": 0, "document_kinds": 0}
    for kind in data["document_kinds"]:
        DocumentKind.objects.update_or_create(
            code=kind["code"], defaults={k: v for k, v in kind.items() if k != "code"}
        )
        counts["document_kinds"] += 1
    known_kinds = set(DocumentKind.objects.values_list("code", flat=True))
    for spec in data["jurisdictions"]:
        spec = dict(spec)
        matters = spec.pop("matter_types")
        reasons = spec.pop("reason_codes")
        jurisdiction, _ = Jurisdiction.objects.update_or_create(code=spec.pop("code"), defaults=spec)
        counts["jurisdictions"] += 1
        for matter in matters:
            matter = dict(matter)
            unknown = set(matter["required_documents"]) - known_kinds
            if unknown:
                raise ValueError(f"{matter['code']}: unknown document kinds {sorted(unknown)}")
            MatterType.objects.update_or_create(
                code=matter.pop("code"), defaults={**matter, "jurisdiction": jurisdiction}
            )
            counts["matter_types"] += 1
        for kind, items in reasons.items():
            for item in items:
                ReasonCode.objects.update_or_create(
                    jurisdiction=jurisdiction,
                    kind=kind,
                    code=item["code"],
                    defaults={"label": item["label"], "label_zh": item.get("label_zh", "")},
                )
                counts["reason_codes"] += 1
    return counts
