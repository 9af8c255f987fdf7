"""The methods compared offline. Each learns from a `TrainSet` and ranks whole catalogs.

`hybrid` is the production scoring of `recommendations.scoring` in batch, with the
store's settings; the others are the usual baselines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import scipy.sparse as sp

from recommendations import engine
from recommendations.evaluation.data import Fold
from recommendations.evaluation.metrics import top_k


@dataclass(frozen=True)
class TrainSet:
    """The training events of a fold plus what every method needs around them."""

    n_shoppers: int
    n_items: int
    shopper: np.ndarray
    item: np.ndarray
    order: np.ndarray
    ages: np.ndarray  # days, or positions for data without dates (see Fold.age_of_train_events)
    event_type: np.ndarray
    item_vectors: np.ndarray | None
    item_categories: np.ndarray
    seen: sp.csr_matrix  # shoppers x items, 1 where the shopper has a training event

    @classmethod
    def from_fold(cls, fold: Fold) -> TrainSet:
        data = fold.data
        rows = np.flatnonzero(fold.train)
        seen = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (data.shopper[rows], data.item[rows])),
            shape=(data.n_shoppers, data.n_items),
        )
        seen.data[:] = 1.0
        return cls(
            n_shoppers=data.n_shoppers,
            n_items=data.n_items,
            shopper=data.shopper[rows],
            item=data.item[rows],
            order=data.order[rows],
            ages=fold.age_of_train_events()[rows],
            event_type=data.event_type[rows],
            item_vectors=data.item_vectors,
            item_categories=data.item_categories,
            seen=seen,
        )

    def history(self, settings: engine.ProfileSettings) -> sp.csr_matrix:
        """Shoppers x items, summed event weights (type weight, decayed by age)."""
        weights = engine.event_weights(self.event_type, self.ages, settings)
        return sp.csr_matrix((weights, (self.shopper, self.item)), shape=(self.n_shoppers, self.n_items))


class Method(Protocol):
    name: str

    def fit(self, train: TrainSet) -> None: ...

    def rank(self, shoppers: np.ndarray, k: int) -> np.ndarray:
        """(len(shoppers), k) item indices, best first, never a training item of the shopper."""


class _ScoringMethod:
    """A method that scores every item; ranking excludes the shopper's training items."""

    name = "base"

    def fit(self, train: TrainSet) -> None:
        self.train = train

    def scores(self, shoppers: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def rank(self, shoppers: np.ndarray, k: int) -> np.ndarray:
        return top_k(self.scores(shoppers), k, self.train.seen[shoppers])


class PopularityMethod(_ScoringMethod):
    name = "popularity"

    def fit(self, train: TrainSet) -> None:
        super().fit(train)
        self.popularity = engine.build_popularity(train.item, train.n_items)

    def scores(self, shoppers):
        return np.broadcast_to(self.popularity.counts, (len(shoppers), self.train.n_items))


class ItemKNNMethod(_ScoringMethod):
    """Classic item-kNN: sum of cosine co-occurrences with the history items (top-N each)."""

    name = "item_knn"

    def __init__(self, n_neighbours: int = 100):
        self.n_neighbours = n_neighbours

    def fit(self, train: TrainSet) -> None:
        super().fit(train)
        self.model = engine.build_cooccurrence(
            train.shopper, train.item, train.n_items, n_neighbours=self.n_neighbours
        )

    def scores(self, shoppers):
        return (self.train.seen[shoppers] @ self.model.neighbours).toarray()


class ALSMethod(_ScoringMethod):
    """Implicit-feedback matrix factorisation (`implicit`, CPU), fixed seed."""

    name = "als"

    # chosen on the validation fold of the shared dataset (factors 64-256, alpha 1-40, regularization 0.05-1)
    def __init__(self, *, factors=128, regularization=0.5, alpha=20.0, iterations=15, seed=0, threads=2):
        self.params = dict(factors=factors, regularization=regularization, alpha=alpha, iterations=iterations)
        self.seed = seed
        self.threads = threads

    def fit(self, train: TrainSet) -> None:
        super().fit(train)
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        # implicit parallelises itself; a threaded BLAS underneath only oversubscribes the cores
        with threadpool_limits(1, "blas"):
            model = AlternatingLeastSquares(
                **self.params, random_state=self.seed, num_threads=self.threads, calculate_training_loss=False
            )
            model.fit(train.seen.astype(np.float32).tocsr(), show_progress=False)
        self.user_factors = np.asarray(model.user_factors)
        self.item_factors = np.asarray(model.item_factors)

    def scores(self, shoppers):
        return self.user_factors[shoppers] @ self.item_factors.T


class EmbeddingMethod(_ScoringMethod):
    """Content only: cosine between the profile vector (product part) and each product."""

    name = "embedding"

    def __init__(self, profile_settings: engine.ProfileSettings | None = None):
        self.profile_settings = profile_settings or engine.ProfileSettings()

    def fit(self, train: TrainSet) -> None:
        if train.item_vectors is None:
            raise ValueError("the embedding method needs item vectors")
        super().fit(train)
        self.profiles = engine.profile_matrix(train.history(self.profile_settings), train.item_vectors)

    def scores(self, shoppers):
        return self.profiles[shoppers] @ self.train.item_vectors.T


class HybridMethod(_ScoringMethod):
    """The production scoring in batch: profile + co-occurrence + popularity with the
    store's settings, the candidate pool production would fetch, the popularity
    fallback for shoppers with no history, and MMR when the settings ask for it."""

    name = "hybrid"

    def __init__(
        self,
        profile_settings: engine.ProfileSettings | None = None,
        hybrid_settings: engine.HybridSettings | None = None,
    ):
        self.profile_settings = profile_settings or engine.ProfileSettings()
        self.settings = hybrid_settings or engine.HybridSettings()

    def fit(self, train: TrainSet) -> None:
        if train.item_vectors is None:
            raise ValueError("the hybrid method needs item vectors")
        super().fit(train)
        self.history = train.history(self.profile_settings)
        self.profiles = engine.profile_matrix(self.history, train.item_vectors)
        self.cooccurrence = engine.build_cooccurrence_from_settings(
            train.shopper, train.item, train.n_items, self.settings, order=train.order
        )
        self.popularity = engine.build_popularity(train.item, train.n_items, categories=train.item_categories)

    def scores(self, shoppers):
        vectors = self.train.item_vectors
        sims = self.profiles[shoppers] @ vectors.T
        co = (self.history[shoppers] @ self.cooccurrence.neighbours).toarray()
        # production scores a pool without the shopper's own items (exclude purchased), so
        # they must not take part in the normalisations either: push them below any cosine
        seen = self.train.seen[shoppers]
        rows = np.repeat(np.arange(len(shoppers)), np.diff(seen.indptr))
        sims[rows, seen.indices] = -2.0
        co[rows, seen.indices] = 0.0
        parts = engine.hybrid_parts(sims, co, self.popularity.scores, self.cooccurrence.support, self.settings)
        scores = np.sum([parts[name] for name in engine.PARTS], axis=0)
        scores = np.where(self._pool(sims, co), scores, -np.inf)
        cold = ~self.profiles[shoppers].any(axis=1)
        scores[cold] = self.popularity.scores
        return scores

    def _pool(self, sims: np.ndarray, co: np.ndarray) -> np.ndarray:
        """What production fetches, as a mask: the `candidate_pool` nearest products (pgvector)
        plus the `cooccurrence_pool` strongest co-occurrence candidates not among them."""
        n_items = sims.shape[1]
        size = min(self.settings.candidate_pool, n_items)
        in_pool = np.zeros(sims.shape, dtype=bool)
        np.put_along_axis(in_pool, np.argpartition(-sims, size - 1, axis=1)[:, :size], True, axis=1)
        extra = min(self.settings.cooccurrence_pool, n_items)
        if extra:
            others = np.where(in_pool | (co <= 0), -np.inf, co)
            strongest = np.argpartition(-others, extra - 1, axis=1)[:, :extra]
            chosen = np.zeros(sims.shape, dtype=bool)
            np.put_along_axis(chosen, strongest, True, axis=1)
            in_pool |= chosen & np.isfinite(others)
        return in_pool

    def rank(self, shoppers, k):
        scores = self.scores(shoppers)
        if self.settings.mmr_lambda >= 1.0:
            return top_k(scores, k, self.train.seen[shoppers])
        pool = top_k(scores, min(self.settings.candidate_pool, self.train.n_items), self.train.seen[shoppers])
        out = np.full((len(shoppers), k), -1, dtype=np.int64)
        for r, items in enumerate(pool):
            items = items[items >= 0]
            chosen = engine.mmr(items, scores[r, items], self.train.item_vectors[items], self.settings.mmr_lambda, k)
            out[r, : len(chosen)] = chosen
        return out


METHOD_NAMES = ("popularity", "item_knn", "als", "embedding", "hybrid")


def make_method(
    name: str,
    *,
    seed: int = 0,
    profile_settings: engine.ProfileSettings | None = None,
    hybrid_settings: engine.HybridSettings | None = None,
    threads: int = 2,
) -> Method:
    if name == "popularity":
        return PopularityMethod()
    if name == "item_knn":
        return ItemKNNMethod()
    if name == "als":
        return ALSMethod(seed=seed, threads=threads)
    if name == "embedding":
        return EmbeddingMethod(profile_settings)
    if name == "hybrid":
        return HybridMethod(profile_settings, hybrid_settings)
    raise ValueError(f"unknown method {name!r}; known: {', '.join(METHOD_NAMES)}")
