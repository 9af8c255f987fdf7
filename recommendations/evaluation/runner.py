"""Run the offline evaluation: every method on the normal and the cold-item fold.

Protocol: leave-last-out per shopper; methods learn from train+valid and are asked
for each shopper's test item (`stage="valid"`: learn from train, find valid, for
tuning); full ranking over the whole catalog with the shopper's own training items
excluded, no sampled negatives. The cold-item run hides a seeded random share of
the catalog from training (their training events are dropped) and measures recall
on the test events whose product is hidden.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from recommendations import engine
from recommendations.evaluation.data import Fold, InteractionData, cold_items, make_cold_fold, make_fold
from recommendations.evaluation.methods import METHOD_NAMES, Method, TrainSet, make_method
from recommendations.evaluation.metrics import catalog_coverage, recall_ndcg_at_k

logger = logging.getLogger(__name__)

BATCH = 1024  # shoppers ranked at once: bounds memory to BATCH x catalog floats


def _targets(fold: Fold) -> tuple[np.ndarray, list[np.ndarray]]:
    rows = np.flatnonzero(fold.target)
    shoppers = fold.data.shopper[rows]
    items = fold.data.item[rows]
    order = np.argsort(shoppers, kind="stable")
    shoppers, items = shoppers[order], items[order]
    unique, first = np.unique(shoppers, return_index=True)
    return unique, np.split(items, first[1:])


def evaluate_method(method: Method, fold: Fold, k: int = 10) -> dict:
    """Fit `method` on the fold's training events and score its targets."""
    shoppers, targets = _targets(fold)
    started = time.perf_counter()
    method.fit(TrainSet.from_fold(fold))
    fitted = time.perf_counter()
    tops = [method.rank(shoppers[b : b + BATCH], k) for b in range(0, len(shoppers), BATCH)]
    top = np.vstack(tops) if tops else np.zeros((0, k), dtype=np.int64)
    ranked = time.perf_counter()
    if len(shoppers):
        recall, ndcg = recall_ndcg_at_k(top, targets)
    else:
        recall = ndcg = np.zeros(0)
    return {
        f"recall@{k}": round(float(recall.mean()) if len(recall) else 0.0, 6),
        f"ndcg@{k}": round(float(ndcg.mean()) if len(ndcg) else 0.0, 6),
        f"coverage@{k}": round(catalog_coverage(top, fold.data.n_items), 6),
        "shoppers": int(len(shoppers)),
        "fit_seconds": round(fitted - started, 3),
        "rank_seconds": round(ranked - fitted, 3),
    }


def run_evaluation(
    data: InteractionData,
    methods: Sequence[str | Method] = METHOD_NAMES,
    k: int = 10,
    seed: int = 0,
    *,
    stage: str = "test",
    cold_fraction: float = 0.1,
    profile_settings: engine.ProfileSettings | None = None,
    hybrid_settings: engine.HybridSettings | None = None,
    threads: int = 2,
) -> dict:
    """Per-method metrics for the normal and the cold-item run, plus timings, as plain JSON.

    `methods` are names from METHOD_NAMES (built with `seed` and the settings, which
    default to the store defaults) or ready `Method` objects. The same inputs give the
    same numbers: the cold items, ALS and every tie-break are seeded or index-ordered.
    """
    profile_settings = profile_settings or engine.ProfileSettings()
    hybrid_settings = hybrid_settings or engine.HybridSettings()
    fold = make_fold(data, stage)
    hidden = cold_items(data.n_items, cold_fraction, seed)
    cold_fold = make_cold_fold(fold, hidden)
    results: dict[str, dict] = {}
    started = time.perf_counter()
    for entry in methods:
        runs = {}
        for run_name, run_fold in (("normal", fold), ("cold", cold_fold)):
            method = (
                make_method(
                    entry,
                    seed=seed,
                    profile_settings=profile_settings,
                    hybrid_settings=hybrid_settings,
                    threads=threads,
                )
                if isinstance(entry, str)
                else entry
            )
            runs[run_name] = evaluate_method(method, run_fold, k)
            logger.info("evaluation.run_done", extra={"method": method.name, "run": run_name, **runs[run_name]})
        results[method.name] = runs
    return {
        "protocol": {
            "split": "leave-last-out",
            "stage": stage,
            "k": k,
            "seed": seed,
            "cold_fraction": cold_fraction,
            "ranking": "full catalog, shopper's training items excluded",
            "age_unit": "positions" if data.order_kind == "position" else "days",
        },
        "dataset": {
            "items": data.n_items,
            "shoppers": data.n_shoppers,
            "events": int(len(data.item)),
            "train_events": int(fold.train.sum()),
            "targets": int(fold.target.sum()),
            "cold_items": int(len(hidden)),
            "cold_train_events_dropped": int((fold.train & ~cold_fold.train).sum()),
            "cold_targets": int(cold_fold.target.sum()),
        },
        "settings": {"profile": profile_settings.to_dict(), "hybrid": hybrid_settings.to_dict()},
        "methods": results,
        "seconds": round(time.perf_counter() - started, 3),
    }
