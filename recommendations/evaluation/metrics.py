"""Ranking metrics over full rankings: top-k with the shopper's history excluded,
Recall@k, NDCG@k and catalog coverage."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def top_k(scores: np.ndarray, k: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """Indices of the k best items per row, best first; ties go to the lower item index.

    `exclude[r]` (sparse, any non-zero) marks items row r must never get (its own
    training history). Rows with fewer than k allowed items are padded with -1.
    """
    scores = np.array(scores, dtype=np.float64, copy=True)
    n_rows, n_items = scores.shape
    if exclude is not None:
        exclude = sp.csr_matrix(exclude)
        rows = np.repeat(np.arange(n_rows), np.diff(exclude.indptr))
        scores[rows, exclude.indices] = -np.inf
    k_eff = min(k, n_items)
    out = np.full((n_rows, k), -1, dtype=np.int64)
    if k_eff == 0:
        return out
    # the k-th best value per row; everything at or above it is a candidate, ties included
    kth = np.partition(scores, n_items - k_eff, axis=1)[:, n_items - k_eff]
    for r in range(n_rows):
        candidates = np.flatnonzero((scores[r] >= kth[r]) & np.isfinite(scores[r]))
        order = np.lexsort((candidates, -scores[r, candidates]))
        chosen = candidates[order[:k_eff]]
        out[r, : len(chosen)] = chosen
    return out


def recall_ndcg_at_k(top: np.ndarray, targets: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Per row: Recall@k = hits / targets and NDCG@k = DCG / ideal DCG (binary gains).

    With one target per shopper (leave-last-out) recall is the hit rate and NDCG is
    1 / log2(rank + 1) for a hit at 1-based rank, 0 for a miss.
    """
    k = top.shape[1]
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    recall = np.zeros(len(targets))
    ndcg = np.zeros(len(targets))
    for r, wanted in enumerate(targets):
        wanted = np.unique(np.asarray(wanted))
        if len(wanted) == 0:
            raise ValueError(f"row {r} has no target")
        hits = np.isin(top[r], wanted)
        recall[r] = hits.sum() / len(wanted)
        ndcg[r] = (hits * discounts).sum() / discounts[: min(len(wanted), k)].sum()
    return recall, ndcg


def catalog_coverage(top: np.ndarray, n_items: int) -> float:
    """Share of the catalog that appears in at least one row's top-k."""
    shown = np.unique(top[top >= 0])
    return len(shown) / n_items if n_items else 0.0
