"""Demo data for the notary app (called by ``manage.py seed_demo``, DEBUG only)."""

from notary.certificates import office_signing_files
from notary.models import Jurisdiction, NotaryOffice


def notary_demo_seed(*, office) -> NotaryOffice:
    """Make ``office`` apply China's overseas programme and give it a demo signing key (under ``NOTARY_KEY_DIR``)."""
    profile, _ = NotaryOffice.objects.update_or_create(
        organization=office,
        defaults={"jurisdiction": Jurisdiction.objects.get(code="cn-overseas"), "name_zh": "太原市公证处"},
    )
    office_signing_files(office)
    return profile
