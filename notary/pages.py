"""Server-rendered notary pages: the applicant's cases and the notary's queue, one case, thin over selectors.

Actions on the case page call the JSON API with the session cookie and the CSRF token
(static/js/notary.js), so every rule stays in ``notary.services``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.csrf import ensure_csrf_cookie

from accounts.models import Role
from config.errors import DomainError, NotFound
from config.views import not_found, permission_denied

from . import selectors, services, workflow
from .api import case_data
from .forms import CaseCreateForm


@login_required
def case_list_page(request):
    provider = selectors.notary_provider(request.user)
    cases = list(selectors.case_list_for_user(user=request.user))
    return render(
        request,
        "notary/case_list.html",
        {"cases": cases, "is_notary": provider is not None, "office": provider.organization if provider else None},
    )


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
    return render(
        request,
        "notary/case_detail.html",
        {
            "case": case,
            "data": case_data(case),
            "is_notary": role == workflow.NOTARY,
            "is_client": role == workflow.CLIENT,
            "termination_codes": case.matter_type.jurisdiction.reason_codes.filter(kind="termination"),
            "refusal_codes": case.matter_type.jurisdiction.reason_codes.filter(kind="refusal"),
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
