"""Account writes: registration and password login with failed-attempt throttling."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from config.errors import DomainError

from .models import Role, User
from .validators import phone_normalize, zone_get


class EmailTaken(DomainError):
    status, code, message = 409, "email_taken", "An account with this email already exists."


class InvalidCredentials(DomainError):
    status, code, message = 400, "invalid_credentials", "Email or password is wrong."


class TooManyAttempts(DomainError):
    status, code, message = 429, "too_many_attempts", "Too many failed sign-ins. Try again later."


class WeakPassword(DomainError):
    status, code, message = 400, "weak_password", "The password is too weak."


def user_register(
    *,
    email: str,
    password: str,
    full_name: str,
    timezone: str = "UTC",
    language: str = "en",
    phone: str = "",
    role: str = Role.CLIENT,
    legal_aid_group: str = "none",
) -> User:
    """Create an account and its API token.

    ``timezone`` must be an IANA name; ``phone`` (optional) is normalised to E.164.
    Raises ``EmailTaken`` (409), ``WeakPassword`` (400) or ``InvalidInput`` (400).
    """
    zone_get(timezone)  # ValueError: the API validated it already; services stay honest.
    email = User.objects.normalize_email(email).lower()
    phone = phone_normalize(phone) if phone else ""
    candidate = User(email=email, full_name=full_name)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise WeakPassword(" ".join(exc.messages), fields={"password": exc.messages}) from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=full_name,
                timezone=timezone,
                language=language,
                phone=phone,
                role=role,
                legal_aid_group=legal_aid_group,
            )
            Token.objects.create(user=user)
    except IntegrityError as exc:
        raise EmailTaken() from exc
    return user


def user_authenticate(*, request, email: str, password: str) -> User:
    """Return the active user with this email and password.

    ``request`` is the Django ``HttpRequest`` (django-axes reads the client address
    from it). After ``LOGIN_FAILURE_LIMIT`` failures for one (email, address) pair,
    django-axes locks that pair for ``LOGIN_FAILURE_WINDOW_SECONDS`` and this raises
    ``TooManyAttempts`` (429) whatever the password; unknown emails answer exactly
    as wrong passwords (``InvalidCredentials``), so sign-in does not reveal accounts.
    """
    request.lexmeet_login_email = email.lower()
    user = authenticate(request, username=email.lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise TooManyAttempts()
    if user is None or not user.is_active:
        raise InvalidCredentials()
    return user


def axes_username(request, credentials: dict | None = None) -> str | None:
    """django-axes ``AXES_USERNAME_CALLABLE``: the email being signed in with.

    Axes otherwise reads a form field, which a JSON body does not have, and would
    record failures without a username (so a later attempt never matched them).
    """
    return (credentials or {}).get("username") or getattr(request, "lexmeet_login_email", None)


def token_obtain(*, request, email: str, password: str, otp: str | None = None) -> str:
    """The API token for a correct email and password (locked out as ``user_authenticate``).

    Notaries and staff also send ``otp``, the current code of their authenticator app
    (``accounts.otp.otp_check``: 401 ``otp_required`` / ``otp_enrolment_required``,
    400 ``otp_invalid``, 429 ``too_many_attempts``). The password is checked first,
    so the OTP answers reveal nothing to someone without it.
    """
    from .otp import otp_check, user_requires_otp

    user = user_authenticate(request=request, email=email, password=password)
    if user_requires_otp(user):
        otp_check(user=user, code=otp)
    token, _ = Token.objects.get_or_create(user=user)
    return token.key


def user_update_preferences(*, user: User, timezone: str, language: str, legal_aid_group: str) -> User:
    """Save the viewer's zone (IANA), language and self-declared legal-aid group."""
    zone_get(timezone)
    user.timezone, user.language, user.legal_aid_group = timezone, language, legal_aid_group
    user.save(update_fields=["timezone", "language", "legal_aid_group"])
    return user
