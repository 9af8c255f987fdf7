"""Store API keys: made and revoked by admins (apikeys.manage) in the
dashboard; the storefront presents them on every API call."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalog.errors import ApiKeyNotFound
from catalog.models import ApiKey, Membership
from catalog.permissions import require
from catalog.selectors.api_keys import api_key_hash

logger = logging.getLogger(__name__)

KEY_PREFIX = "cs_"
# How stale "last used" may be: writing it on every request would add a write to
# every read, so it is written at most once a minute per key.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def apikey_create(*, membership: Membership, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
    """A new key for the member's store and the key itself, which is not kept
    and cannot be shown again."""
    require(membership, "apikeys.manage")
    name = " ".join(name.split())[:100]
    if not name:
        raise ValidationError({"name": "Give the key a name, such as the storefront that will use it."})
    scopes = sorted(set(scopes))
    unknown = [scope for scope in scopes if scope not in ApiKey.Scope.values]
    if unknown:
        raise ValidationError({"scopes": f"Unknown scope {', '.join(unknown)}."})
    if not scopes:
        raise ValidationError({"scopes": "Choose at least one scope."})
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        store=membership.store, name=name, prefix=raw_key[:11], key_hash=api_key_hash(raw_key), scopes=scopes,
        created_by=membership.user,
    )
    logger.info("apikey.created", extra={"store": membership.store_id, "key": api_key.pk, "scopes": scopes,
                                         "user": membership.user_id})
    return api_key, raw_key


def apikey_revoke(*, membership: Membership, api_key: ApiKey) -> ApiKey:
    """Revoke a key: the next request that presents it is refused. Revoking a
    revoked key changes nothing."""
    require(membership, "apikeys.manage")
    if api_key.store_id != membership.store_id:
        raise PermissionDenied("Not a member of this store.")
    with transaction.atomic():
        locked = ApiKey.objects.select_for_update().filter(pk=api_key.pk, store=membership.store).first()
        if locked is None:
            raise ApiKeyNotFound("No such API key in this store.")
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = membership.user
            locked.save(update_fields=["revoked_at", "revoked_by"])
            logger.info("apikey.revoked", extra={"store": locked.store_id, "key": locked.pk,
                                                 "user": membership.user_id})
    return locked


def apikey_mark_used(*, api_key: ApiKey) -> bool:
    """Record that the key was just used, unless that was recorded less than
    LAST_USED_RESOLUTION ago (one conditional UPDATE, and only then)."""
    now = timezone.now()
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return False
    updated = ApiKey.objects.filter(pk=api_key.pk).exclude(last_used_at__gte=now - LAST_USED_RESOLUTION) \
        .update(last_used_at=now)
    api_key.last_used_at = now
    return bool(updated)
