"""Domain errors and the one place that turns any API failure into the contract's shape.

Every error body is ``{"error": {"code": "<snake_case>", "message": "<text>", "fields": {...}}}``
(DESIGN.md, public contract). Services raise :class:`DomainError` subclasses; DRF and
Django exceptions are mapped here so no view builds an error body by hand.
"""

from __future__ import annotations

import logging
import math

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the operation; carries its HTTP status and a stable code."""

    status: int = 400
    code: str = "invalid"
    message: str = "The request was refused."

    def __init__(self, message: str | None = None, *, fields: dict | None = None):
        self.message = message or self.message
        self.fields = fields or {}
        super().__init__(self.message)


class NotFound(DomainError):
    """Missing or not yours: both answer the same 404 (STYLE rule 6)."""

    status, code, message = 404, "not_found", "Not found."


class Forbidden(DomainError):
    status, code, message = 403, "forbidden", "You may not do this."


class InvalidInput(DomainError):
    status, code, message = 400, "invalid", "The request has invalid fields."


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail) -> dict | list | str:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


_DRF_CODES = {
    drf_exceptions.ParseError: (400, "malformed_request"),
    drf_exceptions.AuthenticationFailed: (401, "not_authenticated"),
    drf_exceptions.NotAuthenticated: (401, "not_authenticated"),
    drf_exceptions.PermissionDenied: (403, "forbidden"),
    drf_exceptions.NotFound: (404, "not_found"),
    drf_exceptions.MethodNotAllowed: (405, "method_not_allowed"),
    drf_exceptions.NotAcceptable: (406, "not_acceptable"),
    drf_exceptions.UnsupportedMediaType: (415, "unsupported_media_type"),
    drf_exceptions.Throttled: (429, "rate_limited"),
}


# Seconds a client should wait before retrying after a 503 (the database restarting takes a few).
RETRY_AFTER_UNAVAILABLE = 5


def api_exception_handler(exc, context):
    """DRF ``EXCEPTION_HANDLER``: map every known failure to the contract's error body.

    A lost database connection (``OperationalError``/``InterfaceError``: the server
    restarting, a network cut, SQLite busy past its timeout) answers 503
    ``service_unavailable`` with ``Retry-After``: the request's transaction was rolled
    back (services write inside ``transaction.atomic``), so a retry is safe; a booking
    that sent an ``Idempotency-Key`` replays its first answer if its commit did land
    (docs/reliability.md, "PostgreSQL restarts").
    """
    headers = {}
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.warning("database unavailable: %r", exc)
        return Response(
            error_body("service_unavailable", "The service is briefly unavailable; try again in a few seconds."),
            status=503,
            headers={"Retry-After": str(RETRY_AFTER_UNAVAILABLE)},
        )
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", "Not found."), status=404)
    if isinstance(exc, PermissionDenied):
        return Response(error_body("forbidden", "You may not do this."), status=403)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("payload_too_large", "The request body is too large."), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", "The request was refused."), status=400)
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(
            error_body("invalid", "Some fields are invalid.", _flatten(detail)),
            status=400,
        )
    if isinstance(exc, drf_exceptions.APIException):
        status, code = 500, "error"
        for klass, (klass_status, klass_code) in _DRF_CODES.items():
            if isinstance(exc, klass):
                status, code = klass_status, klass_code
                break
        else:
            status, code = exc.status_code, exc.default_code
        if isinstance(exc, drf_exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))  # seconds (RFC 9110 §10.2.3)
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        return Response(error_body(code, str(exc.detail)), status=status, headers=headers)
    return None
