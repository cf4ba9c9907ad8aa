"""Server-rendered notary pages: the applicant's cases and the notary's queue, one case, thin over selectors.

Actions on the case page call the JSON API with the session cookie and the CSRF token
(static/js/notary.js), so every rule stays in ``notary.services``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone as dj_timezone
from django.utils.translation import get_language
from django.views.decorators.csrf import ensure_csrf_cookie

from config.errors import NotFound
from config.views import not_found

from . import selectors, services, workflow
from .api import case_data
from .models import CaseStatus, DocumentKind, IdentityDocumentType, IdentityMethod, IdentityResult, ReasonKind

# Which reason list a case's ``reason_code`` comes from, by the status it led to.
REASON_KIND_OF_STATUS = {
    CaseStatus.REJECTED: ReasonKind.REFUSAL,
    CaseStatus.TERMINATED: ReasonKind.TERMINATION,
    CaseStatus.REVOKED: ReasonKind.REVOCATION,
}


@login_required
def case_list_page(request):
    provider = selectors.notary_provider(request.user)
    cases = list(selectors.case_list_for_user(user=request.user))
    return render(
        request,
        "notary/case_list.html",
        {"cases": cases, "is_notary": provider is not None, "office": provider.organization if provider else None},
    )


def document_kind_labels(codes, *, language: str) -> dict[str, str]:
    """``{code: name}`` for DocumentKind codes, in Chinese (``name_zh``) when ``language`` is zh-hans and one is set.

    A code without a DocumentKind row (a kind since removed from the rules) keeps the code.
    """
    chinese = language.lower().startswith("zh")
    names = {
        kind.code: (kind.name_zh if chinese and kind.name_zh else kind.name)
        for kind in DocumentKind.objects.filter(code__in=set(codes))
    }
    return {code: names.get(code, code) for code in codes}


@login_required
@ensure_csrf_cookie
def case_detail_page(request, case_id):
    try:
        case = selectors.case_get_for_user(user=request.user, case_id=case_id)
    except NotFound:
        return not_found(request)
    role = services.case_role(case, request.user)
    data = case_data(case)
    labels = document_kind_labels(
        [*data["required_documents"], *(d["kind"] for d in data["documents"])], language=get_language() or ""
    )
    reason_codes = case.matter_type.jurisdiction.reason_codes
    reason = None
    if case.reason_code and case.status in REASON_KIND_OF_STATUS:
        reason = reason_codes.filter(kind=REASON_KIND_OF_STATUS[case.status], code=case.reason_code).first()
    return render(
        request,
        "notary/case_detail.html",
        {
            "case": case,
            "data": data,
            "is_notary": role == workflow.NOTARY,
            "is_client": role == workflow.CLIENT,
            "required_kinds": [(code, labels[code]) for code in data["required_documents"]],
            "missing_kinds": [labels.get(code, code) for code in data["missing_documents"]],
            "documents": [{**d, "kind_label": labels[d["kind"]]} for d in data["documents"]],
            "reason": reason,
            "identity_locked_until": services.identity_lock_until(case, dj_timezone.now()),
            "document_types": IdentityDocumentType.choices,
            "identity_methods": IdentityMethod.choices,
            "identity_results": IdentityResult.choices,
            "termination_codes": reason_codes.filter(kind="termination"),
            "refusal_codes": reason_codes.filter(kind="refusal"),
        },
    )
