"""Server-rendered notary pages: the applicant's cases and the notary's queue, one case, thin over selectors.

Actions on the case page call the JSON API with the session cookie and the CSRF token
(static/js/notary.js), so every rule stays in ``notary.services``.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from config.errors import NotFound
from config.views import not_found

from . import selectors, services, workflow
from .api import case_data


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
        },
    )
