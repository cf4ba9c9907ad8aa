"""Validators shared by models, serializers and services."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from django.core.exceptions import ValidationError

# IANA names, without the tz database's technical entries: "localtime" follows the
# server's own clock setting, "Factory" means "zone unknown", posixrules is a template.
_ZONES = frozenset(
    name
    for name in available_timezones()
    if name not in {"localtime", "Factory", "posixrules"} and not name.startswith(("posix/", "right/"))
)

ZONE_NAMES = tuple(sorted(_ZONES))


def zone_get(name: str) -> ZoneInfo:
    """Return the ``ZoneInfo`` for an IANA name such as ``"Asia/Shanghai"``.

    Raises ``ValueError`` for anything that is not a zone in the tz database
    (tzdata), including paths, empty strings and POSIX TZ strings.
    """
    if not isinstance(name, str) or name not in _ZONES:
        raise ValueError(f"Unknown time zone: {name!r}.")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - guarded above
        raise ValueError(f"Unknown time zone: {name!r}.") from exc


def validate_timezone(value: str) -> None:
    """Django validator: ``value`` must be an IANA zone name."""
    try:
        zone_get(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="unknown_timezone") from exc


def phone_normalize(value: str) -> str:
    """Return ``value`` as E.164 (``+8613800138000``) or raise ``ValueError``.

    Numbers must carry their country code (a leading ``+``); parsing and
    validity come from Google's libphonenumber metadata (``phonenumbers``).
    """
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("Phone numbers need the country code, like +86 138 0013 8000.") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("This phone number is not valid.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_phone(value: str) -> None:
    if not value:
        return
    try:
        phone_normalize(value)
    except ValueError as exc:
        raise ValidationError(str(exc), code="invalid_phone") from exc
