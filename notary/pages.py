"""Server-rendered notary pages: the applicant's cases and the notary's queue, one case, thin over selectors.

Actions on the case page call the JSON API with the session cookie and the CSRF token
(static/js/notary.js), so every rule stays in ``notary.services``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone as dj_timezone
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import Role
from config.errors import DomainError, NotFound
from config.views import not_found, permission_denied

from . import selectors, services, workflow
from .api import case_data
from .forms import CaseCreateForm
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
def case_new_page(request):
    """``/notary/cases/new/``: the applicant opens a draft case (``services.case_create``, as the API), then its page.

    Signed-in clients only (notaries, lawyers and staff get 403). ``?office=<id>`` preselects
    the office (the link on a notary's page). Every refusal is shown on the form (400).
    """
    if request.user.role != Role.CLIENT:
        return permission_denied(request)
    zh = translation.get_language() == "zh-hans"
    if request.method != "POST":
        initial = {"language": request.user.language, "office": request.GET.get("office", "")}
        offices = selectors.notary_office_list()
        if len(offices) == 1:
            initial["office"] = offices[0].organization_id
        form = CaseCreateForm(initial=initial, zh=zh)
        return render(request, "notary/case_new.html", {"form": form})
    form = CaseCreateForm(request.POST, zh=zh)
    if form.is_valid():
        v = form.cleaned_data
        profile = selectors.notary_office_list().filter(organization_id=v["office"]).first()
        try:
            if profile is None:  # removed since the form was drawn
                raise NotFound(fields={"office": ["No such notary office."]})
            case = services.case_create(
                client=request.user,
                office=profile.organization,
                matter_type=v["matter_type"],
                destination_country=v["destination_country"],
                residence_country=v["residence_country"],
                resident_abroad_since=v["resident_abroad_since"],
                nationality=v["nationality"],
                description=v["description"],
                language=v["language"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return redirect(f"/notary/cases/{case.pk}/")
    return render(request, "notary/case_new.html", {"form": form}, status=400)


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
            "book_with": _book_with(case) if role == workflow.CLIENT and services.case_is_bookable(case) else [],
        },
    )


def _book_with(case) -> list[dict]:
    """The office's notaries, each with the link to their booking page carrying the case (and its service)."""
    links = []
    for provider in selectors.office_notary_list(office_id=case.office_id):
        service = next((s for s in provider.services.all() if s.provider_kind == "notary"), None)
        if service is not None:
            links.append(
                {"provider": provider, "url": f"/providers/{provider.pk}/?service={service.pk}&case={case.pk}"}
            )
    return links
