"""Reads of store API keys: the keys screen's list, and the lookup every API
request makes."""

from __future__ import annotations

import hashlib

from catalog.errors import ApiKeyNotFound
from catalog.models import ApiKey, Store


def api_key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_keys_for_store(*, store: Store) -> list[ApiKey]:
    return list(ApiKey.objects.filter(store=store).select_related("created_by", "revoked_by"))


def api_key_for_store(*, store: Store, key_id: int) -> ApiKey:
    """The key, or ApiKeyNotFound when it is not this store's."""
    api_key = ApiKey.objects.filter(store=store, pk=key_id).first()
    if api_key is None:
        raise ApiKeyNotFound("No such API key in this store.")
    return api_key


def api_key_authenticate(*, raw_key: str) -> ApiKey | None:
    """The active key a request presents, with its store; None for an unknown or
    revoked key. Read on every request (never cached), so a revoked key is
    refused from the next request on."""
    if not raw_key or len(raw_key) > 200:
        return None
    return (ApiKey.objects.select_related("store")
            .filter(key_hash=api_key_hash(raw_key), revoked_at__isnull=True).first())
