"""The notary fixtures (office, notary, applicant, a notarized case ...) serve the privacy tests too."""

from tests.notary.conftest import (  # noqa: F401
    _notary_storage,
    applicant,
    as_applicant,
    as_notary,
    notarized,
    notary,
    notary_service,
    office,
    other_notary,
    other_office,
    stranger,
)
