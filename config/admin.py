"""The admin site behind two-factor authentication.

Staff sign in on our own login page (password, then the TOTP code at /accounts/otp/);
the admin answers only to sessions django-otp has verified. An unverified staff
session never gets here: accounts.middleware.OTPRequiredMiddleware sends it to the code page.
"""

from django.contrib.admin import AdminSite
from django.shortcuts import redirect
from django.utils.http import urlencode


class OtpAdminSite(AdminSite):
    def has_permission(self, request):
        """Active staff whose session passed the second factor (django-otp ``is_verified``)."""
        verified = getattr(request.user, "is_verified", lambda: False)()
        return super().has_permission(request) and verified

    def login(self, request, extra_context=None):
        """One sign-in for the whole site: the admin's login goes to ours (password, then code)."""
        target = request.GET.get("next") or "/admin/"
        return redirect(f"/accounts/login/?{urlencode({'next': target})}")
