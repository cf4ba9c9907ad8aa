"""Second factor before anything else: unverified notary/staff sessions reach only the OTP page.

Runs after django-otp's ``OTPMiddleware`` (which sets ``request.user.is_verified()``).
A page request is redirected to ``/accounts/otp/?next=<path>`` (enrolment when the user
has no confirmed device, the code form otherwise); an API request authenticated by the
session answers 403 ``otp_required``. Token-authenticated API calls are not session-bound:
their token was issued only after the second factor (accounts.api.TokenObtainApi).
"""

from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import urlencode

from config.errors import error_body

from .otp import user_requires_otp

OTP_PAGE = "/accounts/otp/"
# Reachable before the second factor: the OTP page itself, sign-out, language, static files, health.
OPEN_PREFIXES = (OTP_PAGE, "/accounts/logout/", "/i18n/setlang/", "/static/", "/healthz")


class OTPRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and user_requires_otp(user)
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                if request.headers.get("Authorization"):
                    return self.get_response(request)  # token auth decides, not the session
                return JsonResponse(
                    error_body("otp_required", "Confirm your one-time code at /accounts/otp/ first."), status=403
                )
            return redirect(f"{OTP_PAGE}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
