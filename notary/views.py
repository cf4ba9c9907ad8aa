"""Public pages of the notary app: certificate verification."""

from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from config.errors import NotFound
from config.views import not_found

from . import selectors
from .api import verification_data


@require_GET
def verify(request, code):
    """``/verify/{code}/``: the certificate's public facts (JSON with ``Accept: application/json``).

    A wrong code is the site's ordinary 404, the same as any unknown URL (case N5).
    """
    try:
        certificate = selectors.certificate_by_code(code=code)
    except NotFound:
        return not_found(request)
    data = verification_data(certificate)
    if "application/json" in request.headers.get("Accept", ""):
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    return render(request, "notary/verify.html", {"certificate": data})
