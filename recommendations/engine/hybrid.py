"""The hybrid score: profile similarity, co-occurrence, popularity and a
cold-start part, with each item's parts and its reason."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from recommendations.engine.cooccurrence import CooccurrenceModel, cooccurrence_scores
from recommendations.engine.popularity import Popularity
from recommendations.engine.settings import EVENT_VERBS, HybridSettings

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
