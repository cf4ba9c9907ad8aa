"""Site-wide views: home, health check and error pages that answer API clients in JSON."""

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from .errors import error_body


def home(request):
    return render(request, "home.html")


def healthz(request):
    """Liveness plus a database round trip; 503 when the database does not answer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means "not ready"
        return JsonResponse(error_body("unavailable", "The database is unavailable."), status=503)
    return JsonResponse({"status": "ok"})


def _wants_json(request) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def api_not_found(request, *args, **kwargs):
    return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)


def not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("not_found", "Not found."), status=404)
    return render(request, "404.html", status=404)


def bad_request(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("bad_request", "The request could not be read."), status=400)
    return render(request, "400.html", status=400)


def permission_denied(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_body("forbidden", "You may not do this."), status=403)
    return render(request, "403.html", status=403)


def server_error(request):
    if _wants_json(request):
        return JsonResponse(error_body("server_error", "Something went wrong on our side."), status=500)
    return render(request, "500.html", status=500)
