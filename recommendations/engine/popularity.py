"""Popularity per item and per category, recency-weighted: the fallback for a
shopper with nothing to go on, and one part of the hybrid."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


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
