"""Account pages: sign up, sign in, sign out, preferences. Password reset uses Django's own views."""

from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .forms import COMMON_ZONES, LoginForm, PreferencesForm, SignupForm
from .services import user_register, user_update_preferences


def _next_url(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def signup(request):
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
    return render(request, "accounts/signup.html", {"form": form, "zones": COMMON_ZONES, "next": _next_url(request)})


def login_page(request):
    form = LoginForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(_next_url(request))
    status = 429 if getattr(request, "axes_locked_out", False) else 200
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status)


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
        response.set_cookie("django_language", user.language, samesite="Lax")
        return response
    saved = request.GET.get("saved") == "1"
    return render(request, "accounts/preferences.html", {"form": form, "zones": COMMON_ZONES, "saved": saved})


@require_POST
def set_language(request):
    """Django's ``set_language``, and for a signed-in user also their saved language preference.

    The viewer middleware applies the saved preference on every request, so without
    this the header switcher would have no effect for signed-in users.
    """
    from django.conf import settings
    from django.views.i18n import set_language as django_set_language

    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        request.user.language = language
        request.user.save(update_fields=["language"])
    return django_set_language(request)
