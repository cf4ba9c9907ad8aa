"""Password reset by email: the link works once, unknown addresses look the same."""

import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_password_reset_email_link_sets_a_new_password():
    make_user("forgot@example.com")
    client = Client()
    assert client.post("/accounts/password-reset/", {"email": "forgot@example.com"}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    set_url = form.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"})
    assert done.status_code == 302
    assert (
        Client()
        .post("/accounts/login/", {"email": "forgot@example.com", "password": "brand-new-passphrase"})
        .status_code
        == 302
    )


def test_unknown_address_gets_the_same_answer_and_no_email():
    response = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password-reset/sent/")
    assert mail.outbox == []
