"""Account pages: sign up, sign in, sign out, preferences. Password reset uses Django's own views."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.throttles import page_rate_limited, page_throttle

from .forms import COMMON_ZONES, LoginForm, OtpForm, PreferencesForm, SignupForm
from .otp import (
    OtpInvalid,
    OtpThrottled,
    otp_device_get,
    otp_device_pending,
    otp_enrol_confirm,
    otp_session_verify,
    user_requires_otp,
)
from .services import user_register, user_update_preferences
from .validators import ZONE_NAMES

# The sign-up page's suggestions: the common zones first, then every other zone we accept.
# site.js pre-fills the browser's zone only when it is one of these.
SIGNUP_ZONES = COMMON_ZONES + [z for z in ZONE_NAMES if z not in COMMON_ZONES]


def _next_url(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def signup(request):
    if request.method == "POST" and (wait := page_throttle(request, "register")):
        return page_rate_limited(request, wait)
    form = SignupForm(
        request.POST or None, initial={"timezone": request.viewer_zone, "language": request.LANGUAGE_CODE}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = user_register(
            email=data["email"],
            password=data["password"],
            full_name=data["full_name"],
            timezone=data["timezone"],
            language=data["language"],
            legal_aid_group=data["legal_aid_group"] or "none",
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_next_url(request))
    return render(request, "accounts/signup.html", {"form": form, "zones": SIGNUP_ZONES, "next": _next_url(request)})


def login_page(request):
    if request.method == "POST" and (wait := page_throttle(request, "login")):
        return page_rate_limited(request, wait)
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        if user_requires_otp(form.user):  # second step: the session reaches nothing else until then
            return redirect(f"/accounts/otp/?{urlencode({'next': _next_url(request)})}")
        return redirect(_next_url(request))
    status = 429 if getattr(request, "axes_locked_out", False) else 200
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status)


@login_required
def otp_page(request):
    """Second sign-in step for notaries and staff: the code form, or enrolment when no device is confirmed.

    Enrolment shows the pending device's QR code (``otpauth://`` URI, segno SVG) and its
    base32 secret; the first correct code confirms the device. Either way a correct
    code marks the session verified and goes on to ``next``.
    """
    import segno

    if not user_requires_otp(request.user) or request.user.is_verified():
        return redirect(_next_url(request))
    device = otp_device_get(user=request.user)
    enrolling = device is None
    form = OtpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if enrolling:
                otp_enrol_confirm(request=request, code=form.cleaned_data["code"])
            else:
                otp_session_verify(request=request, code=form.cleaned_data["code"])
        except OtpThrottled:
            form.add_error("code", _("Too many wrong codes. Wait a minute and try again."))
            status = 429
        except OtpInvalid:
            form.add_error("code", _("The code is wrong or expired. Enter the current code."))
        else:
            return redirect(_next_url(request))
    context = {"form": form, "next": _next_url(request), "enrolling": enrolling}
    if enrolling:
        pending = otp_device_pending(user=request.user)
        from base64 import b32encode

        context["secret"] = b32encode(pending.bin_key).decode()
        context["qr_svg"] = segno.make(pending.config_url, error="m").svg_inline(scale=4, title=_("QR code"))
    return render(request, "accounts/otp.html", context, status=status)


@require_POST
def logout_page(request):
    logout(request)
    return redirect("/")


@login_required
def preferences(request):
    user = request.user
    form = PreferencesForm(
        request.POST or None,
        initial={"timezone": user.timezone, "language": user.language, "legal_aid_group": user.legal_aid_group},
    )
    saved = False
    if request.method == "POST" and form.is_valid():
        user_update_preferences(user=user, **form.cleaned_data)
        saved = True
        response = redirect("/accounts/preferences/?saved=1")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
        return response
    saved = request.GET.get("saved") == "1"
    return render(request, "accounts/preferences.html", {"form": form, "zones": COMMON_ZONES, "saved": saved})


@require_POST
def set_language(request):
    """Django's ``set_language``, and for a signed-in user also their saved language preference.

    The viewer middleware applies the saved preference on every request, so without
    this the header switcher would have no effect for signed-in users.
    """
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)
