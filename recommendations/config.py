"""A store's recommendation settings: the scoring defaults (recommendations.scoring)
with the overrides its admins saved."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from catalog.models import Membership, Store
from catalog.permissions import require
from recommendations import scoring
from recommendations.models import RecommendationSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreConfig:
    profile: scoring.ProfileSettings
    hybrid: scoring.HybridSettings

    def as_dict(self) -> dict:
        return {"profile": self.profile.to_dict(), "hybrid": self.hybrid.to_dict()}


DEFAULTS = StoreConfig(scoring.ProfileSettings(), scoring.HybridSettings())


def config_from_overrides(profile: dict | None, hybrid: dict | None) -> StoreConfig:
    """Raises scoring.SettingsError for values the scoring cannot use."""
    profile = dict(profile or {})
    weights = {**scoring.EventWeights().to_dict(), **profile.get("event_weights", {})}
    profile["event_weights"] = weights
    return StoreConfig(scoring.ProfileSettings.from_dict(profile), scoring.HybridSettings.from_dict(hybrid or {}))


def store_config(*, store: Store) -> StoreConfig:
    row = RecommendationSettings.objects.filter(store=store).first()
    if row is None:
        return DEFAULTS
    try:
        return config_from_overrides(row.profile, row.hybrid)
    except scoring.SettingsError as exc:
        # Saved values that a later version of the scoring no longer accepts: the
        # store keeps working on the defaults and the settings page shows the error.
        logger.warning("recommendations.settings_invalid", extra={"store": store.pk, "error": str(exc)})
        return DEFAULTS


def _overrides(values: dict, defaults: dict) -> dict:
    changed = {}
    for name, value in values.items():
        default = defaults.get(name)
        if isinstance(value, dict):
            nested = _overrides(value, default or {})
            if nested:
                changed[name] = nested
        elif value != default:
            changed[name] = value
    return changed


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
    logger.info("recommendations.settings_saved", extra={"store": store.pk, "user": membership.user_id,
                                                          "profile": row.profile, "hybrid": row.hybrid})
    return row


def settings_reset(*, store: Store, membership: Membership) -> None:
    require(membership, "settings.manage")
    RecommendationSettings.objects.filter(store=store).delete()
    logger.info("recommendations.settings_reset", extra={"store": store.pk, "user": membership.user_id})


def validate_config(profile: dict, hybrid: dict) -> StoreConfig:
    try:
        return config_from_overrides(profile, hybrid)
    except scoring.SettingsError as exc:
        raise ValidationError(str(exc)) from None
