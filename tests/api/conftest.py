"""The API tests use the recommendations tests' real catalog, MiniLM embeddings
and shopper behaviour (tests/recommendations/conftest.py), and make keys through
the catalog's own service."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.recommendations.conftest import (  # noqa: F401  (fixtures)
    _fresh_store_models,
    behaviour,
    catalog,
    embedded_catalog,
    minilm,
)


@pytest.fixture(autouse=True)
def _fresh_rate_counts():
    cache.clear()  # the per-key request counts live in the cache
    yield
    cache.clear()


def make_key(membership, *, scopes=("events:write", "read"), name="Storefront"):
    from catalog.services import apikey_create

    api_key, raw = apikey_create(membership=membership, name=name, scopes=scopes)
    return api_key, raw


@pytest.fixture
def key(admin_member):
    return make_key(admin_member)[1]


@pytest.fixture
def other_admin(other_store):
    from tests.catalog.factories import MembershipFactory, UserFactory

    return MembershipFactory(store=other_store, user=UserFactory(username="olga-other"), role="admin")


@pytest.fixture
def other_key(other_admin):
    return make_key(other_admin)[1]


@pytest.fixture
def api(client):
    """api(method, path, key, json=None, **query): a call to /api/v1 with the key."""

    def call(method: str, path: str, key: str | None = None, json=None, **query):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        url = f"/api/v1{path}"
        if method == "get":
            return client.get(url, query, headers=headers)
        return client.post(url, json, content_type="application/json", headers=headers)

    return call
