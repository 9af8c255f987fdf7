"""Saving and resetting a store's recommendation settings (admins only)."""

from __future__ import annotations

import logging

from catalog.models import Membership, Store
from catalog.permissions import require
from recommendations.config import DEFAULTS, StoreConfig, _overrides
from recommendations.models import RecommendationSettings
from recommendations.services.serving import stored_lists_clear

logger = logging.getLogger(__name__)


def settings_update(*, store: Store, membership: Membership, config: StoreConfig) -> RecommendationSettings:
    """Save the values that differ from the defaults (admins only)."""
    require(membership, "settings.manage")
    values = config.as_dict()
    defaults = DEFAULTS.as_dict()
    row, _ = RecommendationSettings.objects.update_or_create(
        store=store,
        defaults={
            "profile": _overrides(values["profile"], defaults["profile"]),
            "hybrid": _overrides(values["hybrid"], defaults["hybrid"]),
            "updated_by": membership.user,
        },
    )
    stored_lists_clear(store=store)
    logger.info("recommendations.settings_saved", extra={"store": store.pk, "user": membership.user_id,
                                                          "profile": row.profile, "hybrid": row.hybrid})
    return row


def settings_reset(*, store: Store, membership: Membership) -> None:
    require(membership, "settings.manage")
    RecommendationSettings.objects.filter(store=store).delete()
    stored_lists_clear(store=store)
    logger.info("recommendations.settings_reset", extra={"store": store.pk, "user": membership.user_id})
