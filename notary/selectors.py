"""Scoped reads: every case, document and certificate is fetched through these (STYLE rule 6).

A client sees their own cases; a notary sees their office's cases once submitted
(a draft is the applicant's private work). Everyone else, and every malformed
id, gets the same ``NotFound`` (404), so a probe cannot tell "missing" from
"not yours" (case N7).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from config.errors import NotFound
from scheduling.models import Provider, ProviderKind

from .models import Case, CaseStatus, Certificate, Document, MatterType, NotaryOffice


def notary_provider(user: User) -> Provider | None:
    """The user's active notary profile with an office, or ``None``."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Provider.objects.filter(user=user, kind=ProviderKind.NOTARY, is_active=True, organization__isnull=False)
        .select_related("organization", "user")
        .first()
    )


def case_list_for_user(*, user: User) -> QuerySet[Case]:
    """The user's own cases, plus their office's non-draft cases when the user is a notary."""
    scope = Q(client=user)
    provider = notary_provider(user)
    if provider is not None:
        scope |= Q(office_id=provider.organization_id) & ~Q(status=CaseStatus.DRAFT)
    return (
        Case.objects.filter(scope)
        .select_related("client", "office", "matter_type__jurisdiction", "appointment", "notary__user")
        .order_by("-created_at", "-id")
    )


def _int(value) -> int:
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError(value)
    return number


def case_get_for_user(*, user: User, case_id) -> Case:
    """One case the user may see; ``NotFound`` for missing, malformed and not-yours alike."""
    try:
        return case_list_for_user(user=user).get(pk=_int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def document_get_for_case(*, case: Case, document_id) -> Document:
    try:
        return case.documents.get(pk=_int(document_id))
    except (Document.DoesNotExist, TypeError, ValueError, OverflowError):
        raise NotFound() from None


def current_documents(case: Case) -> dict[str, Document]:
    """The newest version of each document kind of the case."""
    current: dict[str, Document] = {}
    for document in case.documents.order_by("kind", "version"):
        current[document.kind] = document
    return current


def certificate_by_code(*, code: str) -> Certificate:
    """The certificate with this public verification code; ``NotFound`` otherwise (reveals nothing)."""
    if not isinstance(code, str) or not 8 <= len(code) <= 40:
        raise NotFound()
    try:
        return Certificate.objects.select_related("case__matter_type", "case__office", "case__client").get(
            verification_code=code
        )
    except Certificate.DoesNotExist:
        raise NotFound() from None


def matter_type_list() -> QuerySet[MatterType]:
    return (
        MatterType.objects.filter(is_active=True).select_related("jurisdiction").order_by("jurisdiction__code", "code")
    )


def notary_office_list() -> QuerySet[NotaryOffice]:
    """Notary offices that take cases (an organization of kind ``notary_office`` with its jurisdiction)."""
    return (
        NotaryOffice.objects.filter(organization__kind="notary_office")
        .select_related("organization", "jurisdiction")
        .order_by("organization__name", "pk")
    )


def office_notary_list(*, office_id: int) -> QuerySet[Provider]:
    """The office's active notaries who offer a service: whom a case of the office is booked with."""
    return (
        Provider.objects.filter(
            organization_id=office_id, kind=ProviderKind.NOTARY, is_active=True, services__isnull=False
        )
        .select_related("user")
        .prefetch_related("services")
        .distinct()
        .order_by("pk")
    )


def case_list_own_at_office(*, user: User, office_id: int) -> QuerySet[Case]:
    """The user's own cases with one office (the notary's provider page offers the bookable ones)."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(client=user, office_id=office_id).select_related("matter_type", "appointment")


def identity_checks_for_document(
    *, office_id: int, document_type: str, issuing_country: str, document_number: str
) -> QuerySet:
    """The identity checks of ``office_id``'s cases that saw this very document, oldest first.

    Matched on the keyed hash (``notary.identity.document_number_hash``), since the
    number itself is never stored; a different spacing or case of the number matches.
    """
    from .identity import document_number_hash
    from .models import IdentityCheck

    digest = document_number_hash(number=document_number, document_type=document_type, issuing_country=issuing_country)
    return IdentityCheck.objects.filter(document_number_hash=digest, case__office_id=office_id).order_by(
        "checked_at", "id"
    )
