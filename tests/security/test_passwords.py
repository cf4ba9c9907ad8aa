"""Passwords are stored with Argon2 (the first of PASSWORD_HASHERS); older hashes upgrade on sign-in."""

import pytest
from django.contrib.auth.hashers import make_password

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def test_new_passwords_are_hashed_with_argon2id():
    user = make_user("argon@example.com")
    assert user.password.startswith("argon2$argon2id$")


def test_a_pbkdf2_hash_is_upgraded_to_argon2_at_the_next_sign_in(api):
    user = make_user("old@example.com")
    user.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    assert (
        api.post("/api/v1/auth/token/", {"email": user.email, "password": PASSWORD}, format="json").status_code == 200
    )
    user.refresh_from_db()
    assert user.password.startswith("argon2$argon2id$")
