"""Recommendation scoring in plain numpy: profiles, co-occurrence, popularity, hybrid, MMR.

No Django here. The app calls these functions online (one shopper, a candidate
pool from pgvector) and the offline evaluation calls the same ones in batch
(many shoppers, every product), so the evaluation measures what production serves.

Items are integer indices into the caller's catalog arrays (the app maps product
ids to indices when it builds the models). Ages are in days; data that only has
an order (the shared dataset's `seq`) passes the position from the end as a
pseudo-age, one position counting as one day.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

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


# --------------------------------------------------------------------------- settings


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


# --------------------------------------------------------------------------- profile


def event_weights(
    event_types: Sequence[str], ages_days: Sequence[float] | np.ndarray, settings: ProfileSettings
) -> np.ndarray:
    """Weight of each event: its type's weight, halved every `half_life_days` of age."""
    ages = np.maximum(np.asarray(ages_days, dtype=np.float64), 0.0)
    type_weight = np.array([settings.event_weights.of(t) for t in event_types], dtype=np.float64)
    if type_weight.shape != ages.shape:
        raise ValueError("event_types and ages_days must have the same length")
    return type_weight * np.exp2(-ages / settings.half_life_days)


def _relative_weights(event_types: Sequence[str], ages: Sequence[float], settings: ProfileSettings) -> np.ndarray:
    # only ratios matter (each part is normalised): measuring age from the part's newest
    # event keeps a shopper whose events are all old from decaying to nothing
    ages = np.asarray(ages, dtype=np.float64)
    if len(ages):
        ages = ages - max(ages.min(), 0.0)
    return event_weights(event_types, ages, settings).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-12 else None


def _weighted_part(vectors, ages, settings: ProfileSettings, event_type: str) -> np.ndarray | None:
    if vectors is None or len(vectors) == 0:
        return None
    vectors = np.asarray(vectors, dtype=np.float32)
    ages = np.zeros(len(vectors)) if ages is None else np.asarray(ages, dtype=np.float64)
    return _unit(_relative_weights([event_type] * len(vectors), ages, settings) @ vectors)


def profile_vector(
    item_vectors: np.ndarray,
    item_events: Sequence[tuple[str, float]],
    query_vectors: np.ndarray | None = None,
    social_vectors: np.ndarray | None = None,
    settings: ProfileSettings | None = None,
    *,
    query_ages: Sequence[float] | None = None,
    social_ages: Sequence[float] | None = None,
) -> np.ndarray | None:
    """The shopper's unit profile vector u = f(x1..xn), or None for a shopper with no signal.

    `item_vectors[i]` is the embedding of the product of event i and `item_events[i]`
    its (event type, age in days). Queries and social texts are decayed by their own
    ages (age 0 when not given) with the same half-life. Each of the three parts is
    normalised, then mixed by the settings' shares; within a part only the ratios of
    the weights matter, so ages count from the part's newest event.
    Offline data without dates passes position-based pseudo-ages (0 for the latest event).
    """
    settings = settings or ProfileSettings()
    parts = []
    if item_vectors is not None and len(item_vectors):
        types = [t for t, _ in item_events]
        ages = [a for _, a in item_events]
        weights = _relative_weights(types, ages, settings)
        parts.append((settings.product_weight, _unit(weights @ np.asarray(item_vectors, dtype=np.float32))))
    parts.append((settings.query_weight, _weighted_part(query_vectors, query_ages, settings, "search")))
    parts.append((settings.social_weight, _weighted_part(social_vectors, social_ages, settings, "comment")))
    mixed = [w * v for w, v in parts if v is not None and w > 0]
    if not mixed:
        return None
    return _unit(np.sum(mixed, axis=0))


def profile_matrix(history: sp.csr_matrix, item_vectors: np.ndarray) -> np.ndarray:
    """Product parts of many profiles at once: row s = unit(sum_i history[s, i] * x_i).

    `history` holds each shopper's summed event weights per item (see `event_weights`);
    it is the same product part as `profile_vector`, in batch, for the evaluation.
    A row with no history stays zero.
    """
    profiles = np.asarray(history @ item_vectors, dtype=np.float32)
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)
    return np.divide(profiles, norms, out=np.zeros_like(profiles), where=norms > 1e-12)


# --------------------------------------------------------------------------- co-occurrence


@dataclass(frozen=True)
class CooccurrenceModel:
    """Item-item co-occurrence from shoppers' histories, keeping each item's top neighbours.

    `neighbours[j, c]` = co(j, c) / (support[j] ** alpha * support[c] ** (1 - alpha) + shrinkage)
    for the `n_neighbours` largest c of each row j, where co(j, c) counts the shoppers
    who have both (each pair decayed by how far apart the two are in the shopper's
    history when `pair_half_life` is set) and support[i] counts the shoppers with i.
    alpha = 0.5, shrinkage = 0 and no pair decay is the plain cosine.
    """

    neighbours: sp.csr_matrix
    support: np.ndarray

    @property
    def n_items(self) -> int:
        return self.neighbours.shape[0]


def _top_n_per_row(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    matrix = matrix.tocsr()
    matrix.sort_indices()
    counts = np.diff(matrix.indptr)
    if counts.max(initial=0) <= n:
        return matrix
    keep = np.ones(matrix.nnz, dtype=bool)
    for row in np.flatnonzero(counts > n):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        # stable sort by value (descending) so ties keep the lower item index: deterministic
        order = np.argsort(-matrix.data[start:end], kind="stable")
        keep[start + order[n:]] = False
    rows = np.repeat(np.arange(matrix.shape[0]), counts)[keep]
    return sp.csr_matrix((matrix.data[keep], (rows, matrix.indices[keep])), shape=matrix.shape)


def _pair_counts(shoppers: np.ndarray, items: np.ndarray, order: np.ndarray | None, n_items: int, pair_half_life):
    """co(j, c) summed over shoppers; each (shopper, item) counted once (its latest event)."""
    if order is None:
        order = np.zeros(len(items))
    # latest event of each (shopper, item) pair, then each history in order
    idx = np.lexsort((-np.asarray(order, dtype=np.float64), items, shoppers))
    first = np.ones(len(idx), dtype=bool)
    first[1:] = (shoppers[idx][1:] != shoppers[idx][:-1]) | (items[idx][1:] != items[idx][:-1])
    idx = idx[first]
    idx = idx[np.lexsort((np.asarray(order)[idx], shoppers[idx]))]
    sh, it = shoppers[idx], items[idx]
    if pair_half_life is None:
        x = sp.csr_matrix((np.ones(len(it), dtype=np.float64), (sh, it)), shape=(int(sh.max()) + 1, n_items))
        return (x.T @ x).tocsr()
    # pairs at each distance d along the ordered histories, weighted 0.5 ** ((d - 1) / half-life);
    # distances beyond 20 half-lives add under one millionth and are skipped
    max_gap = min(len(sh) - 1, int(np.ceil(20 * pair_half_life)) + 1)
    rows, cols, vals = [], [], []
    for d in range(1, max_gap + 1):
        same = np.flatnonzero(sh[d:] == sh[:-d])
        if len(same) == 0:
            break
        weight = np.full(len(same), 2.0 ** (-(d - 1) / pair_half_life))
        rows += [it[same], it[same + d]]
        cols += [it[same + d], it[same]]
        vals += [weight, weight]
    if not rows:
        return sp.csr_matrix((n_items, n_items))
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_items, n_items))


def build_cooccurrence(
    shopper_index: np.ndarray,
    item_index: np.ndarray,
    n_items: int,
    *,
    order: np.ndarray | None = None,
    n_neighbours: int = 100,
    alpha: float = 0.5,
    shrinkage: float = 0.0,
    pair_half_life: float | None = None,
) -> CooccurrenceModel:
    """Co-occurrence model from events (one row each; an item repeated by a shopper counts once).

    `order` (positions or timestamps) is needed only for `pair_half_life`, the distance
    in history positions over which a pair's weight halves.
    """
    shopper_index = np.asarray(shopper_index, dtype=np.int64)
    item_index = np.asarray(item_index, dtype=np.int64)
    if pair_half_life is not None and order is None:
        raise ValueError("pair_half_life needs the events' order")
    if len(item_index) == 0:
        return CooccurrenceModel(sp.csr_matrix((n_items, n_items), dtype=np.float32), np.zeros(n_items))
    pairs = np.unique(shopper_index * n_items + item_index)
    support = np.bincount(pairs % n_items, minlength=n_items).astype(np.float64)
    co = _pair_counts(shopper_index, item_index, order, n_items, pair_half_life).astype(np.float64)
    co.setdiag(0.0)
    co.eliminate_zeros()
    rows = np.repeat(np.arange(n_items), np.diff(co.indptr))
    co.data = co.data / (support[rows] ** alpha * support[co.indices] ** (1.0 - alpha) + shrinkage)
    return CooccurrenceModel(neighbours=_top_n_per_row(co.astype(np.float32), n_neighbours), support=support)


def cooccurrence_candidates(
    model: CooccurrenceModel,
    history_items: Sequence[int],
    history_weights: Sequence[float] | None = None,
    *,
    exclude: Sequence[int] = (),
    limit: int | None = None,
) -> np.ndarray:
    """Items that co-occur with any history item, minus `exclude` (the pgvector pool, the
    shopper's own items), sorted by index; with `limit`, only the `limit` strongest
    (by weighted co-occurrence, ties to the lower index). Add them to the candidate pool."""
    history_items = np.asarray(history_items, dtype=np.int64)
    if len(history_items) == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.ones(len(history_items)) if history_weights is None else np.asarray(history_weights, dtype=np.float64)
    rows = model.neighbours[history_items]
    items, inverse = np.unique(rows.indices, return_inverse=True)
    items = items.astype(np.int64)
    strength = np.bincount(inverse, weights=rows.data * np.repeat(weights, np.diff(rows.indptr)), minlength=len(items))
    keep = ~np.isin(items, np.asarray(exclude, dtype=np.int64)) & (strength > 0)
    items, strength = items[keep], strength[keep]
    if limit is not None and len(items) > limit:
        items = items[np.lexsort((items, -strength))[:limit]]
    return np.sort(items)


def cooccurrence_scores(
    model: CooccurrenceModel,
    history_items: Sequence[int],
    history_weights: Sequence[float],
    candidates: Sequence[int],
) -> tuple[np.ndarray, np.ndarray]:
    """Per candidate: sum_j w_j * neighbours[j, c] over the shopper's history items j, and
    the j that contributed most (-1 where nothing co-occurs), for "bought by shoppers who
    bought X". Candidates are distinct item indices."""
    history_items = np.asarray(history_items, dtype=np.int64)
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(history_items) == 0 or len(candidates) == 0:
        return np.zeros(len(candidates)), np.full(len(candidates), -1, dtype=np.int64)
    weights = np.asarray(history_weights, dtype=np.float64)
    rows = model.neighbours[history_items]
    # place each history row's neighbours in the candidates' columns (scipy's column
    # fancy-indexing costs more than the whole rest of the scoring)
    order = np.argsort(candidates)
    sorted_candidates = candidates[order]
    position = np.minimum(np.searchsorted(sorted_candidates, rows.indices), len(candidates) - 1)
    hit = sorted_candidates[position] == rows.indices
    row_of = np.repeat(np.arange(len(history_items)), np.diff(rows.indptr))
    block = np.zeros((len(history_items), len(candidates)))
    block[row_of[hit], order[position[hit]]] = rows.data[hit]
    block *= weights[:, None]
    scores = block.sum(axis=0)
    contributors = np.where(scores > 0, history_items[block.argmax(axis=0)], -1)
    return scores, contributors


# --------------------------------------------------------------------------- popularity


@dataclass(frozen=True)
class Popularity:
    """Item popularity: `counts` (weighted event counts) and `scores` in [0, 1] (log-scaled)."""

    counts: np.ndarray
    scores: np.ndarray
    categories: np.ndarray | None = None

    def top(self, k: int, *, category: str | None = None, exclude: Sequence[int] = ()) -> np.ndarray:
        """The k most popular items (ties by lower index), optionally in one category."""
        allowed = np.ones(len(self.counts), dtype=bool)
        if category is not None:
            if self.categories is None:
                raise ValueError("this popularity model has no categories")
            allowed &= self.categories == category
        allowed[np.asarray(exclude, dtype=np.int64)] = False
        items = np.flatnonzero(allowed)
        order = np.lexsort((items, -self.counts[items]))
        return items[order[:k]]


def build_popularity(
    item_index: np.ndarray,
    n_items: int,
    *,
    categories: Sequence[str] | None = None,
    ages_days: np.ndarray | None = None,
    half_life_days: float | None = None,
) -> Popularity:
    """Popularity from events. With `ages_days` and `half_life_days` it is the trending
    variant: each event counts 0.5 ** (age / half-life), so recent events weigh more."""
    item_index = np.asarray(item_index, dtype=np.int64)
    weights = np.ones(len(item_index))
    if ages_days is not None:
        if half_life_days is None:
            raise ValueError("the trending variant needs half_life_days")
        weights = np.exp2(-np.maximum(np.asarray(ages_days, dtype=np.float64), 0.0) / half_life_days)
    counts = np.bincount(item_index, weights=weights, minlength=n_items).astype(np.float64)
    top = counts.max(initial=0.0)
    scores = np.log1p(counts) / np.log1p(top) if top > 0 else np.zeros(n_items)
    cats = None if categories is None else np.asarray(categories, dtype=object)
    return Popularity(counts=counts, scores=scores, categories=cats)


def build_cooccurrence_from_settings(
    shopper_index: np.ndarray,
    item_index: np.ndarray,
    n_items: int,
    settings: HybridSettings,
    *,
    order: np.ndarray | None = None,
) -> CooccurrenceModel:
    """The co-occurrence model a store's settings ask for (the same one online and offline)."""
    pair_half_life = settings.pair_half_life if order is not None else None
    return build_cooccurrence(
        shopper_index,
        item_index,
        n_items,
        order=order,
        n_neighbours=settings.cooccurrence_neighbours,
        alpha=settings.cooccurrence_alpha,
        shrinkage=settings.cooccurrence_shrinkage,
        pair_half_life=pair_half_life,
    )


# --------------------------------------------------------------------------- hybrid

PARTS = ("profile", "cooccurrence", "popularity", "cold_start")


def hybrid_parts(
    profile_sims: np.ndarray,
    cooccurrence: np.ndarray,
    popularity: np.ndarray,
    support: np.ndarray,
    settings: HybridSettings,
) -> dict[str, np.ndarray]:
    """The four score parts (they sum to the score) for candidates along the last axis.

    Works on one shopper (shape (c,)) or many ((b, c)); `popularity` and `support` may
    be (c,) and broadcast. Every normalisation depends only on the best candidates
    (the best profile similarity, the `profile_anchor`-th best, the `prior_top` most
    similar, the largest co-occurrence), so a pgvector pool of the `candidate_pool`
    nearest products plus the strongest co-occurrence candidates gives the same parts
    as scoring the whole catalog. The pool must leave out the shopper's own items
    (as the evaluation does), or they take part in the normalisations.
    """
    sims = np.asarray(profile_sims, dtype=np.float64)
    co = np.asarray(cooccurrence, dtype=np.float64)
    n = sims.shape[-1]
    if n == 0:
        return {name: np.zeros(sims.shape) for name in PARTS}
    anchor = min(settings.profile_anchor, n)
    best = sims.max(axis=-1, keepdims=True)
    ref = np.take(np.partition(sims, n - anchor, axis=-1), [n - anchor], axis=-1)
    profile = (sims - ref) / np.maximum(best - ref, 1e-9)
    co = co / np.maximum(co.max(axis=-1, keepdims=True), 1e-12)
    support = np.asarray(support, dtype=np.float64)
    denominator = support + settings.support_prior
    confidence = np.divide(support, denominator, out=np.zeros_like(support), where=denominator > 0)
    co_part = confidence * settings.cooccurrence_weight * co
    pop_part = confidence * settings.popularity_weight * np.asarray(popularity, dtype=np.float64)
    # prior: what the most profile-similar items that do have evidence get, weighted by
    # their confidence (items without evidence would only drag it towards zero)
    top = min(settings.prior_top, n)
    confidence = np.broadcast_to(confidence, profile.shape)
    ranked_by = np.where(confidence > 0, profile, -np.inf)
    nearest = np.argpartition(-ranked_by, top - 1, axis=-1)[..., :top]
    boost = np.broadcast_to(settings.cooccurrence_weight * co + settings.popularity_weight * popularity, profile.shape)
    near_confidence = np.take_along_axis(confidence, nearest, axis=-1)
    weight = near_confidence.sum(axis=-1, keepdims=True)
    prior = np.divide(
        (np.take_along_axis(boost, nearest, axis=-1) * near_confidence).sum(axis=-1, keepdims=True),
        weight,
        out=np.zeros(weight.shape),
        where=weight > 0,
    )
    return {
        "profile": settings.profile_weight * profile,
        "cooccurrence": co_part,
        "popularity": np.broadcast_to(pop_part, profile.shape),
        "cold_start": (1.0 - confidence) * settings.new_item_boost * prior,
    }


@dataclass(frozen=True)
class Reason:
    """Why an item is recommended, as data; the app words it (see `text`).

    kind: "similar" (to `item`, which the shopper touched by `event_type`),
    "search" (matches `query`), "cooccurrence" (bought by shoppers who bought `item`),
    "popular" / "trending" (in `category`), "profile" (no single piece of evidence).
    """

    kind: str
    item: int | None = None
    event_type: str | None = None
    query: str | None = None
    category: str | None = None

    def to_dict(self) -> dict:
        values = (
            ("kind", self.kind),
            ("item", self.item),
            ("event_type", self.event_type),
            ("query", self.query),
            ("category", self.category),
        )
        return {key: value for key, value in values if value is not None}

    def text(self, title_of) -> str:
        if self.kind == "similar":
            return f"similar to {title_of(self.item)} you {EVENT_VERBS.get(self.event_type, 'viewed')}"
        if self.kind == "search":
            return f"matches your search '{self.query}'"
        if self.kind == "cooccurrence":
            return f"bought by shoppers who bought {title_of(self.item)}"
        if self.kind in ("popular", "trending"):
            where = f" in {self.category}" if self.category else ""
            return f"{self.kind}{where}"
        return "matches your interests"


@dataclass(frozen=True)
class _Evidence:
    """What reasons are drawn from, kept so only the items shown pay for their reasons."""

    history_items: np.ndarray
    history_vectors: np.ndarray | None
    history_event_types: Sequence[str] | None
    queries: Sequence[str]
    query_vectors: np.ndarray | None
    categories: np.ndarray | None
    fallback_kind: str | None = None  # "popular" / "trending" for fallback lists


_NO_EVIDENCE = _Evidence(np.zeros(0, dtype=np.int64), None, None, (), None, None)


@dataclass(frozen=True)
class Scored:
    """Candidates ranked by score (best first) with their score parts and reasons.

    `reasons` are worked out on demand, for the items of this (usually already cut
    to k) list, so scoring a pool of hundreds does not pay for hundreds of reasons.
    """

    items: np.ndarray
    scores: np.ndarray
    parts: dict[str, np.ndarray]
    contributors: np.ndarray  # history item with the largest co-occurrence share, -1 if none
    vectors: np.ndarray | None = None
    evidence: _Evidence = _NO_EVIDENCE

    def __len__(self) -> int:
        return len(self.items)

    def take(self, positions: np.ndarray) -> Scored:
        positions = np.asarray(positions, dtype=np.int64)
        return Scored(
            items=self.items[positions],
            scores=self.scores[positions],
            parts={name: part[positions] for name, part in self.parts.items()},
            contributors=self.contributors[positions],
            vectors=None if self.vectors is None else self.vectors[positions],
            evidence=self.evidence,
        )

    @property
    def reasons(self) -> list[Reason]:
        """The main reason of each item: the part that contributes most, and its evidence.

        Co-occurrence names the history item that contributed most; popularity the
        item's category; profile similarity (with the cold-start estimate, which rides
        on it) names the history item most similar to the item, or the search query
        when one is more similar to the item than any history item.
        """
        ev = self.evidence
        n = len(self.items)
        categories = [None] * n if ev.categories is None else [c or None for c in ev.categories[self.items]]
        if ev.fallback_kind:
            return [Reason(ev.fallback_kind, category=c) for c in categories]
        content = self.parts["profile"] + self.parts["cold_start"]
        main = np.argmax(np.stack([content, self.parts["cooccurrence"], self.parts["popularity"]]), axis=0)
        history_sims = _sims(self.vectors, ev.history_vectors, n)
        query_sims = _sims(self.vectors, ev.query_vectors, n)
        reasons = []
        for i in range(n):
            best_history = history_sims[i].max(initial=-np.inf)
            if main[i] == 1 and self.contributors[i] >= 0:
                reasons.append(Reason("cooccurrence", item=int(self.contributors[i])))
            elif main[i] == 2:
                reasons.append(Reason("popular", category=categories[i]))
            elif query_sims.shape[1] and query_sims[i].max() > best_history:
                reasons.append(Reason("search", query=ev.queries[int(query_sims[i].argmax())]))
            elif history_sims.shape[1]:
                j = int(history_sims[i].argmax())
                event_type = ev.history_event_types[j] if ev.history_event_types is not None else None
                reasons.append(Reason("similar", item=int(ev.history_items[j]), event_type=event_type))
            else:
                reasons.append(Reason("profile"))
        return reasons

    def as_list(self) -> list[dict]:
        """Plain rows for JSON or templates: item, score, parts, reason."""
        return [
            {
                "item": int(item),
                "score": float(self.scores[i]),
                "parts": {name: float(part[i]) for name, part in self.parts.items()},
                "reason": reason.to_dict(),
            }
            for i, (item, reason) in enumerate(zip(self.items, self.reasons, strict=True))
        ]


def _sims(vectors: np.ndarray | None, others: np.ndarray | None, n: int) -> np.ndarray:
    if vectors is None or others is None or len(others) == 0:
        return np.zeros((n, 0), dtype=np.float32)
    # einsum, not BLAS: for a handful of rows a threaded gemm wakes its threads and,
    # on busy cores, takes milliseconds instead of microseconds
    return np.einsum("cd,hd->ch", vectors, np.asarray(others, dtype=np.float32))


def hybrid_score(
    *,
    candidates: Sequence[int],
    candidate_vectors: np.ndarray,
    profile: np.ndarray,
    history_items: Sequence[int] = (),
    history_vectors: np.ndarray | None = None,
    history_weights: Sequence[float] = (),
    history_event_types: Sequence[str] | None = None,
    cooccurrence: CooccurrenceModel | None = None,
    popularity: Popularity | None = None,
    settings: HybridSettings | None = None,
    queries: Sequence[str] = (),
    query_vectors: np.ndarray | None = None,
) -> Scored:
    """Score a shopper's candidate pool: parts, total, reason; best first (ties keep pool order).

    `candidates` are item indices: the pgvector pool of the `candidate_pool` products
    nearest to `profile` plus `cooccurrence_candidates(..., exclude=pool and history,
    limit=cooccurrence_pool)`, after the business filters, without the shopper's own
    items. `history_*` describe the shopper's product events, one row each, with
    `history_weights` from `event_weights`; `queries`/`query_vectors` their searches.
    For a shopper with no profile, use `fallback`.
    """
    settings = settings or HybridSettings()
    candidates = np.asarray(candidates, dtype=np.int64)
    candidate_vectors = np.asarray(candidate_vectors, dtype=np.float32)
    history_items = np.asarray(history_items, dtype=np.int64)
    sims = candidate_vectors @ np.asarray(profile, dtype=np.float32)
    n = len(candidates)
    if cooccurrence is not None:
        co, contributors = cooccurrence_scores(cooccurrence, history_items, history_weights, candidates)
        support = cooccurrence.support[candidates]
    else:
        co, contributors, support = np.zeros(n), np.full(n, -1, dtype=np.int64), np.zeros(n)
    pop = popularity.scores[candidates] if popularity is not None else np.zeros(n)
    parts = hybrid_parts(sims, co, pop, support, settings)
    parts = {name: np.ascontiguousarray(part) for name, part in parts.items()}
    scores = np.sum([parts[name] for name in PARTS], axis=0)
    evidence = _Evidence(
        history_items=history_items,
        history_vectors=None if history_vectors is None else np.asarray(history_vectors, dtype=np.float32),
        history_event_types=history_event_types,
        queries=list(queries),
        query_vectors=None if query_vectors is None else np.asarray(query_vectors, dtype=np.float32),
        categories=popularity.categories if popularity is not None else None,
    )
    scored = Scored(candidates, scores, parts, contributors, candidate_vectors, evidence)
    return scored.take(np.argsort(-scores, kind="stable"))


def fallback(
    popularity: Popularity, k: int, *, exclude: Sequence[int] = (), category: str | None = None, trending: bool = False
) -> Scored:
    """Recommendations for a shopper with no signal: the most popular (or, given a trending
    `popularity`, recently popular) items, each with its "popular in <category>" reason."""
    items = popularity.top(k, category=category, exclude=exclude)
    scores = popularity.scores[items]
    zeros = np.zeros(len(items))
    parts = {"profile": zeros, "cooccurrence": zeros, "popularity": scores, "cold_start": zeros}
    evidence = replace(
        _NO_EVIDENCE, categories=popularity.categories, fallback_kind="trending" if trending else "popular"
    )
    return Scored(items, scores, parts, np.full(len(items), -1, dtype=np.int64), None, evidence)


# --------------------------------------------------------------------------- diversity


MMR_TOP = 100


def mmr(
    candidates: Sequence[int],
    scores: np.ndarray,
    vectors: np.ndarray,
    lambda_: float,
    k: int,
    *,
    top: int | None = MMR_TOP,
) -> np.ndarray:
    """Maximal marginal relevance: pick k of `candidates`, each maximising
    lambda * relevance - (1 - lambda) * (highest cosine to an item already picked).

    Relevance is the score min-max scaled to [0, 1] over the candidates, so lambda
    means the same whatever the score's scale; lambda 1 is the plain top-k (ties to
    the earlier candidate). Only the `top` best-scoring candidates are considered
    (None: all), which keeps a 500-candidate pool to a fraction of a millisecond.
    Returns the chosen candidates in pick order.
    """
    candidates = np.asarray(candidates)
    scores = np.asarray(scores, dtype=np.float64)
    n = len(candidates)
    k = min(k, n)
    if k == 0:
        return candidates[:0]
    if lambda_ >= 1.0:
        return candidates[np.argsort(-scores, kind="stable")[:k]]
    low, high = scores.min(), scores.max()
    relevance = (scores - low) / (high - low) if high > low else np.ones(n)
    if lambda_ > 0:
        # exact pruning: redundancy lies in [-1, 1], so an item more than 2 (1 - lambda) / lambda
        # below the k-th best relevance always loses to an item still available
        kth = np.partition(relevance, n - k)[n - k]
        keep = np.flatnonzero(relevance >= kth - 2.0 * (1.0 - lambda_) / lambda_)
    else:
        keep = np.arange(n)
    if top is not None and len(keep) > max(top, k):
        best_first = keep[np.lexsort((keep, -relevance[keep]))]
        keep = np.sort(best_first[: max(top, k)])
    relevance = relevance[keep]
    vectors = np.asarray(vectors, dtype=np.float32)[keep]
    redundancy = np.zeros(len(keep))
    available = np.ones(len(keep), dtype=bool)
    picked = []
    for _ in range(k):
        value = np.where(available, lambda_ * relevance - (1.0 - lambda_) * redundancy, -np.inf)
        best = int(np.argmax(value))
        picked.append(best)
        available[best] = False
        similarity = vectors @ vectors[best]
        redundancy = similarity if len(picked) == 1 else np.maximum(redundancy, similarity)
    return candidates[keep[np.array(picked)]]


def recommend(k: int, scored: Scored, settings: HybridSettings | None = None) -> Scored:
    """The final list: MMR over the scored pool (needs its vectors) when mmr_lambda < 1."""
    settings = settings or HybridSettings()
    if settings.mmr_lambda >= 1.0 or scored.vectors is None:
        return scored.take(np.arange(min(k, len(scored))))
    positions = mmr(np.arange(len(scored)), scored.scores, scored.vectors, settings.mmr_lambda, k)
    return scored.take(positions)
