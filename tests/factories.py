"""Small builders for test data (plain functions, no factory library needed)."""

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
