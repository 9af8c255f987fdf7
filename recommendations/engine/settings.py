"""The scoring's settings: event weights, the profile's decay, the hybrid's
weights and pools, with their checks (a store saves them as JSON)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

EVENT_TYPES = ("view", "search", "add_to_cart", "purchase", "review", "like", "share", "comment")

# Verbs for "similar to X you <verb>"; search and social events name their own text.
EVENT_VERBS = {
    "view": "viewed",
    "search": "searched for",
    "add_to_cart": "added to your cart",
    "purchase": "bought",
    "review": "reviewed",
    "like": "liked",
    "share": "shared",
    "comment": "commented on",
}


class SettingsError(ValueError):
    """A stored settings dict that cannot be used (unknown key, wrong type, out of range)."""


def _check_number(name: str, value: Any, *, low: float, high: float = float("inf"), integer: bool = False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise SettingsError(f"{name} must be a number, not {value!r}")
    if integer and int(value) != value:
        raise SettingsError(f"{name} must be a whole number, not {value!r}")
    if not np.isfinite(value) or not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {value!r}")
    return int(value) if integer else float(value)


def _from_dict(cls, data: Mapping[str, Any] | None, nested: Mapping[str, type] = ()):
    if data is None:
        return cls()
    if not isinstance(data, Mapping):
        raise SettingsError(f"{cls.__name__} settings must be an object, not {type(data).__name__}")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"unknown {cls.__name__} settings: {', '.join(unknown)}")
    values = dict(data)
    for name, sub in dict(nested).items():
        if name in values:
            values[name] = sub.from_dict(values[name])
    return cls(**values)  # __post_init__ validates


@dataclass(frozen=True)
class EventWeights:
    """How much one event of each type says about a shopper's interest."""

    view: float = 1.0
    search: float = 1.0
    add_to_cart: float = 2.0
    purchase: float = 3.0
    review: float = 3.0
    like: float = 1.5
    share: float = 2.0
    comment: float = 1.5

    def __post_init__(self):
        for name in EVENT_TYPES:
            object.__setattr__(
                self, name, _check_number(f"event weight {name}", getattr(self, name), low=0.0, high=100.0)
            )

    def of(self, event_type: str) -> float:
        if event_type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {event_type!r}")
        return getattr(self, event_type)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> EventWeights:
        return _from_dict(cls, data)


@dataclass(frozen=True)
class ProfileSettings:
    """How a shopper's events become the profile vector u = f(x1..xn).

    `half_life_days`: an event's weight halves every this many days of age.
    `product_weight`, `query_weight`, `social_weight`: shares of the product part
    (embeddings of the products the shopper touched), the search part (embeddings
    of their queries) and the social part (embeddings of their comments and shares'
    texts); each part is normalised before mixing, and a part with no events drops out.
    """

    event_weights: EventWeights = field(default_factory=EventWeights)
    half_life_days: float = 2.0
    product_weight: float = 1.0
    query_weight: float = 0.5
    social_weight: float = 0.25

    def __post_init__(self):
        if not isinstance(self.event_weights, EventWeights):
            raise SettingsError("event_weights must be EventWeights")
        object.__setattr__(
            self, "half_life_days", _check_number("half_life_days", self.half_life_days, low=0.01, high=3650)
        )
        for name in ("product_weight", "query_weight", "social_weight"):
            object.__setattr__(self, name, _check_number(name, getattr(self, name), low=0.0, high=100.0))
        if self.product_weight + self.query_weight + self.social_weight <= 0:
            raise SettingsError("at least one of product, query and social weight must be positive")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ProfileSettings:
        return _from_dict(cls, data, {"event_weights": EventWeights})


@dataclass(frozen=True)
class HybridSettings:
    """How a recommendation score is mixed, diversified and backed up.

    Per shopper, over the candidate pool (see `hybrid_parts`):

        score = profile_weight * profile part
              + confidence * (cooccurrence_weight * co-occurrence part + popularity_weight * popularity part)
              + (1 - confidence) * new_item_boost * prior

    profile part: cosine to the profile, scaled so the best candidate is 1 and the
    `profile_anchor`-th best is 0; co-occurrence part: divided by the best candidate's;
    popularity part: log-scaled global popularity in [0, 1].
    confidence = support / (support + support_prior), support = shoppers with the item;
    prior = the confidence-weighted mean boost of the `prior_top` candidates most similar
    to the profile among those with evidence. A product nobody has bought yet (no
    co-occurrence, no popularity) thus competes on profile similarity with the boost its
    peers get (times `new_item_boost`), instead of being buried under products with
    evidence, as a plain weighted sum would bury it.

    `cooccurrence_*` configure the co-occurrence model (see `build_cooccurrence`);
    `mmr_lambda` 1.0 is pure relevance, lower trades relevance for diversity;
    `candidate_pool` is how many nearest products to ask pgvector for and
    `cooccurrence_pool` how many of the strongest co-occurrence candidates to add; `fallback`
    ranks shoppers with no events by all-time or trending popularity.
    The defaults were chosen on the validation fold of the shared Amazon dataset
    (bench/RESULTS.md), with ages in positions (one event = one day).
    """

    profile_weight: float = 1.0
    cooccurrence_weight: float = 2.0
    popularity_weight: float = 0.1
    support_prior: float = 1.0
    prior_top: int = 10
    new_item_boost: float = 1.5
    profile_anchor: int = 100
    mmr_lambda: float = 0.8
    # 100, not 300: the same offline quality (NDCG@10 0.1047 against 0.1049, cold-item
    # Recall@10 0.1378 against 0.1366) at a third of the candidate query's time.
    candidate_pool: int = 100
    cooccurrence_pool: int = 200
    cooccurrence_neighbours: int = 100
    cooccurrence_alpha: float = 0.8
    cooccurrence_shrinkage: float = 10.0
    cooccurrence_pair_half_life: float = 5.0
    fallback: str = "popular"
    trending_half_life_days: float = 7.0

    def __post_init__(self):
        checks = {
            "profile_weight": dict(low=0.0, high=100.0),
            "cooccurrence_weight": dict(low=0.0, high=100.0),
            "popularity_weight": dict(low=0.0, high=100.0),
            "support_prior": dict(low=0.0, high=1e6),
            "prior_top": dict(low=1, high=10_000, integer=True),
            "new_item_boost": dict(low=0.0, high=100.0),
            "profile_anchor": dict(low=2, high=10_000, integer=True),
            "mmr_lambda": dict(low=0.0, high=1.0),
            "candidate_pool": dict(low=10, high=10_000, integer=True),
            "cooccurrence_pool": dict(low=0, high=10_000, integer=True),
            "cooccurrence_neighbours": dict(low=1, high=10_000, integer=True),
            "cooccurrence_alpha": dict(low=0.0, high=1.0),
            "cooccurrence_shrinkage": dict(low=0.0, high=1e6),
            "cooccurrence_pair_half_life": dict(low=0.0, high=1e6),
            "trending_half_life_days": dict(low=0.01, high=3650),
        }
        for name, limits in checks.items():
            object.__setattr__(self, name, _check_number(name, getattr(self, name), **limits))
        if self.profile_weight + self.cooccurrence_weight + self.popularity_weight <= 0:
            raise SettingsError("at least one hybrid weight must be positive")
        if self.fallback not in ("popular", "trending"):
            raise SettingsError(f"fallback must be 'popular' or 'trending', not {self.fallback!r}")

    @property
    def pair_half_life(self) -> float | None:
        """0 switches the pair-distance decay off."""
        return self.cooccurrence_pair_half_life or None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> HybridSettings:
        return _from_dict(cls, data)
