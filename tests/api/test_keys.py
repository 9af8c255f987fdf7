"""API keys: hashed at rest, refused without one, revoked at once, scopes, the
rate limit, last used; and the admins' keys page."""

from __future__ import annotations

import hashlib

import pytest
from django.test import override_settings
from django.urls import reverse

from catalog.models import ApiKey
from catalog.services import apikey_revoke
from tests.api.conftest import make_key

pytestmark = pytest.mark.django_db


def test_the_key_is_kept_only_as_its_hash(admin_member):
    api_key, raw = make_key(admin_member)

    assert raw.startswith("cs_") and len(raw) > 40
    stored = ApiKey.objects.get(pk=api_key.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.prefix, stored.key_hash, stored.name}
    assert stored.prefix == raw[:11]


@pytest.mark.parametrize("header", [None, "Bearer cs_not-a-real-key", "Basic abc", "Bearer "])
def test_without_a_valid_key_every_call_is_401(client, header, store):
    headers = {"Authorization": header} if header else {}

    response = client.get("/api/v1/search", {"q": "gloves"}, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_gets_401_at_once(api, admin_member, store, catalog):
    api_key, raw = make_key(admin_member)
    assert api("get", "/products/AB-1/copy", raw).status_code == 200

    apikey_revoke(membership=admin_member, api_key=api_key)

    response = api("get", "/products/AB-1/copy", raw)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_an_events_only_key_may_not_read(api, admin_member, catalog):
    _, writer = make_key(admin_member, scopes=["events:write"])

    response = api("get", "/products/AB-1/copy", writer)

    assert response.status_code == 403
    assert response.json()["error"] == {"code": "insufficient_scope",
                                         "message": "This API key lacks the 'read' scope.", "details": None}


def test_the_rate_limit_per_key_gives_429_with_retry_after(api, admin_member, catalog):
    _, first = make_key(admin_member, name="one")
    _, second = make_key(admin_member, name="two")
    with override_settings(API_RATE_LIMIT=3):
        statuses = [api("get", "/products/AB-1/copy", first).status_code for _ in range(4)]
        refused = api("get", "/products/AB-1/copy", first)
        other = api("get", "/products/AB-1/copy", second)

    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert other.status_code == 200  # per key


def test_last_used_is_recorded(api, admin_member, catalog):
    api_key, raw = make_key(admin_member)
    assert api_key.last_used_at is None

    api("get", "/products/AB-1/copy", raw)

    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


def test_an_unknown_path_under_the_api_is_a_json_404(client):
    response = client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --------------------------------------------------------------------------- the keys page


def test_an_admin_creates_a_key_sees_it_once_and_revokes_it(client_as, admin_member, store):
    client = client_as(admin_member)
    url = reverse("api:keys", kwargs={"store_slug": store.slug})

    created = client.post(reverse("api:key_create", kwargs={"store_slug": store.slug}),
                          {"name": "Shop front", "scopes": ["read"]})

    assert created.status_code == 200
    raw = created.context["new_key"]
    api_key = ApiKey.objects.get(store=store)
    assert (api_key.name, api_key.scopes, api_key.created_by) == ("Shop front", ["read"], admin_member.user)
    assert raw in created.content.decode()
    assert raw not in client.get(url).content.decode()  # shown once

    client.post(reverse("api:key_revoke", kwargs={"store_slug": store.slug, "key_id": api_key.pk}))
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None and api_key.revoked_by == admin_member.user


def test_editors_cannot_manage_keys(client_as, editor_member, admin_member, store):
    api_key, _ = make_key(admin_member)
    client = client_as(editor_member)

    assert client.get(reverse("api:keys", kwargs={"store_slug": store.slug})).status_code == 403
    assert client.post(reverse("api:key_create", kwargs={"store_slug": store.slug}),
                       {"name": "x", "scopes": ["read"]}).status_code == 403
    assert client.post(reverse("api:key_revoke", kwargs={"store_slug": store.slug,
                                                         "key_id": api_key.pk})).status_code == 403
    assert ApiKey.objects.filter(store=store).count() == 1
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


def test_another_stores_admin_cannot_revoke_a_key(client_as, admin_member, other_admin, store):
    api_key, _ = make_key(admin_member)

    response = client_as(other_admin).post(reverse("api:key_revoke", kwargs={"store_slug": store.slug,
                                                                             "key_id": api_key.pk}))

    assert response.status_code == 404
    assert ApiKey.objects.get(pk=api_key.pk).revoked_at is None


def test_the_docs_page_and_the_openapi_document_are_served_from_the_app(client):
    page = client.get("/api/v1/docs/")
    schema = client.get("/api/v1/openapi.json")

    html = page.content.decode()
    assert page.status_code == 200 and schema.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "http" not in html.split("<body>")[0].replace("http-equiv", "")  # nothing from another host
    assert "<script>" not in html  # no inline script
    paths = schema.json()["paths"]
    assert {"/api/v1/events", "/api/v1/shoppers/{shopper_id}/recommendations", "/api/v1/products/{sku}/similar",
            "/api/v1/search", "/api/v1/products/{sku}/copy", "/api/v1/products/{sku}/questions",
            "/api/v1/shoppers/{shopper_id}/campaign"} <= set(paths)
