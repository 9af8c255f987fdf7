"""Sign-in is throttled per user name and per address: past either limit it is
refused, even with the right password, and says so without telling whether
the user exists."""

import uuid

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from tests.catalog.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counts(settings):
    """The real shared cache, in a namespace of this test's own."""
    settings.LOGIN_MAX_FAILURES_PER_USER = 5
    settings.LOGIN_MAX_FAILURES_PER_ADDRESS = 12
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": f"test-login-{uuid.uuid4().hex}"}}


def sign_in(username, password, address="203.0.113.7"):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response, SESSION_KEY in client.session


def test_five_wrong_passwords_lock_the_user_name_even_for_the_right_one_from_elsewhere():
    user = UserFactory(username="alice")
    UserFactory(username="bob")
    for _ in range(5):
        assert sign_in("alice", "wrong guess")[0].status_code == 200

    refused, signed_in = sign_in("ALICE", PASSWORD, address="198.51.100.9")
    other, other_signed_in = sign_in("bob", PASSWORD)

    assert (refused.status_code, signed_in) == (429, False)
    assert "Too many failed sign-ins. Try again in 15 minutes." in refused.content.decode()
    assert (other.status_code, other_signed_in) == (302, True)  # the address is not locked by one user's failures
    user.refresh_from_db()
    assert user.last_login is None


def test_an_unknown_user_name_is_throttled_the_same_way():
    for _ in range(5):
        sign_in("nobody", "guess")

    refused, _ = sign_in("nobody", "guess")

    assert refused.status_code == 429


def test_one_address_trying_many_user_names_is_locked_out_but_others_are_not():
    UserFactory(username="carol")
    for n in range(12):
        sign_in(f"user-{n}", "guess")

    refused, signed_in = sign_in("carol", PASSWORD)
    elsewhere, elsewhere_signed_in = sign_in("carol", PASSWORD, address="192.0.2.44")

    assert (refused.status_code, signed_in) == (429, False)
    assert (elsewhere.status_code, elsewhere_signed_in) == (302, True)


def test_a_successful_sign_in_clears_the_user_names_failures():
    UserFactory(username="dave")
    for _ in range(4):
        sign_in("dave", "wrong")
    assert sign_in("dave", PASSWORD)[1] is True

    for _ in range(4):
        sign_in("dave", "wrong")
    assert sign_in("dave", PASSWORD)[1] is True


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(settings):
    settings.USE_X_FORWARDED_FOR = True
    UserFactory(username="erin")
    for n in range(12):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.50").post(
            reverse("login"), {"username": f"x-{n}", "password": "guess"})

    spoofing = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.50")
    other_client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.51")

    assert spoofing.post(reverse("login"), {"username": "erin", "password": PASSWORD}).status_code == 429
    assert other_client.post(reverse("login"), {"username": "erin", "password": PASSWORD}).status_code == 302
