"""Item co-occurrence: "often bought by the same shoppers", with recency-weighted
pair counts, top neighbours per item, candidates and scores."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recommendations.engine.settings import HybridSettings


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
