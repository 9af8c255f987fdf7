"""A store's recommendation settings: the scoring defaults (recommendations.scoring)
with the overrides its admins saved."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from catalog.models import Store
from recommendations import engine
from recommendations.models import RecommendationSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoreConfig:
    profile: engine.ProfileSettings
    hybrid: engine.HybridSettings

    def as_dict(self) -> dict:
        return {"profile": self.profile.to_dict(), "hybrid": self.hybrid.to_dict()}


DEFAULTS = StoreConfig(engine.ProfileSettings(), engine.HybridSettings())


def config_from_overrides(profile: dict | None, hybrid: dict | None) -> StoreConfig:
    """Raises engine.SettingsError for values the scoring cannot use."""
    profile = dict(profile or {})
    weights = {**engine.EventWeights().to_dict(), **profile.get("event_weights", {})}
    profile["event_weights"] = weights
    return StoreConfig(engine.ProfileSettings.from_dict(profile), engine.HybridSettings.from_dict(hybrid or {}))


def store_config(*, store: Store) -> StoreConfig:
    row = RecommendationSettings.objects.filter(store=store).first()
    if row is None:
        return DEFAULTS
    try:
        return config_from_overrides(row.profile, row.hybrid)
    except engine.SettingsError as exc:
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


def validate_config(profile: dict, hybrid: dict) -> StoreConfig:
    try:
        return config_from_overrides(profile, hybrid)
    except engine.SettingsError as exc:
        raise ValidationError(str(exc)) from None
