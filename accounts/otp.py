"""Two-factor authentication (TOTP, RFC 6238, through django-otp) for notaries and staff.

Who needs it: :func:`user_requires_otp`. A page session of such a user is "verified"
once :func:`otp_session_verify` (or enrolment) stored the device in the session
(``django_otp.DEVICE_ID_SESSION_KEY``); until then ``accounts.middleware.OTPRequiredMiddleware``
sends every page to ``/accounts/otp/`` and answers the API 403 ``otp_required``.
The API token endpoint takes the current code as ``otp`` (:func:`otp_check`).
Failed codes are throttled by django-otp (``OTP_TOTP_THROTTLE_FACTOR``: the wait doubles
after each failure and resets on success).
"""

from __future__ import annotations

from django.db import transaction
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from config.errors import DomainError

from .models import Role, User

# The demo notaries' and staff's TOTP secret (seed_demo, DEBUG only). Published on purpose, so a
# developer can sign in: `manage.py demo_otp EMAIL` prints the current code. Never use it elsewhere.
DEMO_OTP_KEY = "6c65786d6565742d64656d6f2d6f6e6c792d3230"  # hex of b"lexmeet-demo-only-20"


class OtpRequired(DomainError):
    status, code, message = 401, "otp_required", "This account needs a one-time code from its authenticator app (otp)."


class OtpEnrolmentRequired(DomainError):
    status, code, message = (
        401,
        "otp_enrolment_required",
        "This account needs two-factor authentication: sign in on the website to set up an authenticator app.",
    )


class OtpInvalid(DomainError):
    status, code, message = 400, "otp_invalid", "The one-time code is wrong or expired."


class OtpThrottled(DomainError):
    status, code, message = 429, "too_many_attempts", "Too many wrong one-time codes. Try again later."


def user_requires_otp(user) -> bool:
    """Notaries and staff (role ``staff``, ``is_staff`` or superuser) must pass a second factor."""
    if user is None or not user.is_authenticated:
        return False
    return user.role in (Role.NOTARY, Role.STAFF) or user.is_staff or user.is_superuser


def otp_device_get(*, user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device, or None when the user has not enrolled."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def otp_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device shown on the enrolment page (created once, same secret on reload)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


def _verify(device: TOTPDevice, code: str) -> bool:
    """Check ``code`` (6 digits) against ``device`` under its throttle; raises OtpThrottled while it lasts."""
    code = (code or "").strip().replace(" ", "")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            raise OtpThrottled()
        return device.verify_token(code) if code.isdigit() and len(code) == device.digits else _fail(device)


def _fail(device: TOTPDevice) -> bool:
    device.throttle_increment()
    return False


def otp_check(*, user: User, code: str | None) -> TOTPDevice:
    """The second step of a password sign-in through the API: return the device that accepted ``code``.

    Raises ``OtpEnrolmentRequired`` (401) when the user has no confirmed device,
    ``OtpRequired`` (401) when ``code`` is missing, ``OtpInvalid`` (400) when it is
    wrong or already used (each 30-s code works once), ``OtpThrottled`` (429) while
    the device is throttled after failures.
    """
    device = otp_device_get(user=user)
    if device is None:
        raise OtpEnrolmentRequired()
    if not code:
        raise OtpRequired()
    if not _verify(device, code):
        raise OtpInvalid()
    return device


def otp_session_verify(*, request, code: str) -> TOTPDevice:
    """Page sign-in, second step: check ``code`` for ``request.user`` and mark the session verified.

    Raises ``OtpEnrolmentRequired``, ``OtpInvalid`` or ``OtpThrottled`` like :func:`otp_check`.
    """
    device = otp_check(user=request.user, code=code or "-")
    otp_login(request, device)
    return device


def otp_enrol_confirm(*, request, code: str) -> TOTPDevice:
    """Confirm the pending device with its first code; the session is then verified.

    Raises ``OtpInvalid`` or ``OtpThrottled``.
    """
    device = otp_device_pending(user=request.user)
    if not _verify(device, code):
        raise OtpInvalid()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return device


def otp_demo_device_ensure(*, user: User) -> TOTPDevice:
    """Give a demo account a confirmed device with ``DEMO_OTP_KEY`` (idempotent; seed_demo, DEBUG only)."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name="Demo authenticator", defaults={"key": DEMO_OTP_KEY, "confirmed": True}
    )
    return device


def otp_current_code(*, device: TOTPDevice, at: float | None = None) -> str:
    """The code ``device`` accepts at Unix time ``at`` (default now), zero-padded."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() if at is None else at
    return f"{totp.token():0{device.digits}d}"


def otp_session_is_verified(*, user, session) -> bool:
    """True when ``session`` holds a confirmed device of ``user`` (for WebSocket scopes, which lack OTPMiddleware)."""
    persistent_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if not persistent_id:
        return False
    device = Device.from_persistent_id(persistent_id)
    return device is not None and device.user_id == user.pk and device.confirmed
