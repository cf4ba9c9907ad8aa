"""Small builders for test data (plain functions, no factory library needed).

Signing in as a notary or staff member needs the second factor (TOTP, accounts/otp.py).
Use these, not ``client.force_login`` alone:

- ``sign_in(client, user)``: a Django test ``Client`` logged in with the OTP step done
  (the user gets a confirmed device if it has none);
- ``session_key_for(user)``: a session key, OTP step done, for a live server's
  ``sessionid`` cookie (Playwright, WebSocket clients);
- ``otp_code(user)``: the current code of the user's device, for the login page's second
  step or ``POST /api/v1/auth/token/ {"otp": ...}``; each call also forgets the last used
  step and throttle, so a test may sign in several times within 30 s.
"""

import time as _time
from datetime import time

from rest_framework.authtoken.models import Token

from accounts.models import User
from scheduling.models import AvailabilityOverride, AvailabilityRule, Organization, Provider, ServiceType

PASSWORD = "correct-horse-battery-staple"


def make_user(email, *, timezone="UTC", role="client", password=PASSWORD, **fields) -> User:
    user = User.objects.create_user(
        email, password, full_name=fields.pop("full_name", email.split("@")[0]), timezone=timezone, role=role, **fields
    )
    Token.objects.create(user=user)
    return user


def make_service(*, code="consult", duration_minutes=30, provider_kind="lawyer", **fields) -> ServiceType:
    fields.setdefault("booking_window_days", 400)
    return ServiceType.objects.create(
        code=code, name=code, provider_kind=provider_kind, duration_minutes=duration_minutes, **fields
    )


def make_provider(
    email, *, zone, services, weekly=(), overrides=(), kind="lawyer", organization=None, **fields
) -> Provider:
    """A provider in IANA ``zone``; ``weekly`` = [(iso_weekday, start, end)], ``overrides`` = [(date, start|None, end|None)]."""
    if organization is None:
        organization = Organization.objects.create(name=f"Office of {email}", kind="law_firm", timezone=zone)
    user = make_user(email, timezone=zone, role=kind)
    provider = Provider.objects.create(user=user, kind=kind, organization=organization, timezone=zone, **fields)
    provider.services.set(services)
    for weekday, start, end in weekly:
        AvailabilityRule.objects.create(provider=provider, weekday=weekday, start_time=start, end_time=end)
    for day, start, end in overrides:
        AvailabilityOverride.objects.create(
            provider=provider, date=day, available=start is not None, start_time=start, end_time=end
        )
    return provider


def hours(start_h, end_h, days=range(1, 8)):
    return [(d, time(start_h), time(end_h)) for d in days]


# RFC 6238's test secret ("12345678901234567890"): for tests only, like the demo's published key.
OTP_KEY = "3132333435363738393031323334353637383930"


def make_otp_device(user, *, confirmed=True):
    """A TOTP device with ``OTP_KEY`` for ``user`` (confirmed: enrolment done)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="test", key=OTP_KEY, confirmed=confirmed)


def otp_code(user) -> str:
    """The current 6-digit code of ``user``'s first confirmed device (replay guard and throttle reset)."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = make_otp_device(user)
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = _time.time()
    return f"{totp.token():0{device.digits}d}"


def _verified_session(session, user) -> None:
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.otp import user_requires_otp

    if user_requires_otp(user):
        device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first() or make_otp_device(user)
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id


def sign_in(client, user):
    """Log ``client`` (django.test.Client) in as ``user``, second factor included; returns the client."""
    client.force_login(user)
    session = client.session
    _verified_session(session, user)
    session.save()
    return client


def session_key_for(user) -> str:
    """A logged-in (and OTP-verified, for notaries and staff) session key for ``user``'s ``sessionid`` cookie."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    _verified_session(session, user)
    session.create()
    return session.session_key
