"""Identity document numbers: never stored in full, only masked and as a keyed hash.

The notary types the number of the passport or ID card shown in the session;
``identity_verify`` keeps ``mask_document_number(number)`` for people to read
(the last four characters, as on payment cards) and ``document_number_hash``
so that two checks of the same document can be matched later. The hash is an
HMAC-SHA256 keyed with ``IDENTITY_HASH_KEY`` (default: derived from
``SECRET_KEY``), so a leaked database cannot be turned back into numbers by
hashing every possible passport number (a plain SHA-256 of a 9-character
number can be brute-forced in minutes). Source: GDPR Art. 5(1)(c) data
minimisation and Art. 32 pseudonymisation; PIPL Art. 28 (identity document
numbers are sensitive personal information in China).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from .workflow import mask_document_number

__all__ = ["document_number_hash", "document_number_normalise", "mask_document_number"]

HASH_SALT = "lexmeet.notary.identity.document_number"


def document_number_normalise(number: str) -> str:
    """The number as issued, without spaces or dashes, upper case: ``"e 1234-5678"`` -> ``"E12345678"``."""
    return "".join(ch for ch in number if ch not in " -\t").upper()


def document_number_hash(*, number: str, document_type: str, issuing_country: str) -> str:
    """64 hex characters: HMAC-SHA256 of ``"<country>:<type>:<normalised number>"`` under ``IDENTITY_HASH_KEY``.

    The same document (same country, type and number, however spaced) gives the
    same value; without the key the value reveals nothing about the number.
    """
    value = f"{issuing_country.upper()}:{document_type}:{document_number_normalise(number)}"
    secret = settings.IDENTITY_HASH_KEY or None  # None: Django's SECRET_KEY
    return salted_hmac(HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()
