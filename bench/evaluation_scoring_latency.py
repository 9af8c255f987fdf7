"""Latency of online scoring for one shopper (pure numpy part, no database).

    .venv/bin/python bench/evaluation_scoring_latency.py [--shoppers 500] [--smoke]

Per shopper of the shared dataset: the profile vector from their history, then
`hybrid_score` over a pool of the `candidate_pool` products nearest the profile
(exact numpy here, pgvector in the app) plus the co-occurrence candidates, MMR
down to 10 and the reasons of those 10. Timed: profile + scoring + MMR + reasons;
the nearest-neighbour search stands in for pgvector and is not counted.
On a shared machine the first call of each shopper includes time lost to other
processes; the best of a few calls and the thread's CPU time show the scoring's own cost.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluation_amazon import cpu_model  # noqa: E402
from evaluation_common import load_amazon  # noqa: E402
from smoke import data_dir, parse_args  # noqa: E402

from recommendations import engine  # noqa: E402
from recommendations.evaluation.data import make_fold  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--blas-threads", type=int, default=None, help="limit BLAS threads (threadpoolctl)")
    parser.add_argument("--repeat", type=int, default=5, help="calls per shopper; the best one filters out preemption")
    args = parse_args(parser, shoppers=20)
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, "blas")

    data = load_amazon(data_dir(args.smoke))
    fold = make_fold(data, "test")
    vectors = data.item_vectors
    rows = np.flatnonzero(fold.train)
    ages = fold.age_of_train_events()
    profile_settings, settings = engine.ProfileSettings(), engine.HybridSettings()
    started = time.perf_counter()
    cooccurrence = engine.build_cooccurrence_from_settings(
        data.shopper[rows], data.item[rows], data.n_items, settings, order=data.order[rows]
    )
    popularity = engine.build_popularity(data.item[rows], data.n_items, categories=data.item_categories)
    built = time.perf_counter() - started

    by_shopper = np.split(
        rows[np.argsort(data.shopper[rows], kind="stable")],
        np.cumsum(np.bincount(data.shopper[rows], minlength=data.n_shoppers))[:-1],
    )
    timings, cpu_timings, pool_sizes = [], [], []
    for shopper in range(min(args.shoppers, data.n_shoppers)):
        event_rows = by_shopper[shopper]
        history = data.item[event_rows]
        types = data.event_type[event_rows].tolist()
        event_ages = ages[event_rows]
        events = list(zip(types, event_ages, strict=True))
        # pgvector stand-in, not timed: nearest products to the profile, minus the history
        profile = engine.profile_vector(vectors[history], events, settings=profile_settings)
        sims = vectors @ profile
        sims[history] = -np.inf  # the pgvector query filters out the shopper's own products
        nearest = np.argpartition(-sims, settings.candidate_pool)[: settings.candidate_pool]
        runs, cpu_runs = [], []
        for _ in range(args.repeat):
            t0, c0 = time.perf_counter(), time.thread_time()
            weights = engine.event_weights(types, event_ages, profile_settings)
            profile = engine.profile_vector(vectors[history], events, settings=profile_settings)
            extra = engine.cooccurrence_candidates(
                cooccurrence,
                history,
                weights,
                exclude=np.concatenate([nearest, history]),
                limit=settings.cooccurrence_pool,
            )
            pool = np.concatenate([nearest, extra])
            scored = engine.hybrid_score(
                candidates=pool,
                candidate_vectors=vectors[pool],
                profile=profile,
                history_items=history,
                history_vectors=vectors[history],
                history_weights=weights,
                history_event_types=types,
                cooccurrence=cooccurrence,
                popularity=popularity,
                settings=settings,
            )
            shown = engine.recommend(10, scored, settings)
            shown.as_list()
            runs.append(time.perf_counter() - t0)
            cpu_runs.append(time.thread_time() - c0)
        timings.append(runs)
        cpu_timings.append(cpu_runs)
        pool_sizes.append(len(pool))

    ms = np.array(timings) * 1000
    first, best = ms[:, 0], ms.min(axis=1)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{cpu_model()}, {os.cpu_count()} cores, load average {load:.1f}, BLAS threads {args.blas_threads or 'default'}"
    )
    print(
        f"models built in {built:.2f} s; {len(ms)} shoppers, pool {int(np.median(pool_sizes))} median "
        f"({min(pool_sizes)}-{max(pool_sizes)} candidates)"
    )
    print(f"first call:        p50 {np.percentile(first, 50):.2f} ms, p95 {np.percentile(first, 95):.2f} ms")
    print(f"best of {args.repeat} calls: p50 {np.percentile(best, 50):.2f} ms, p95 {np.percentile(best, 95):.2f} ms")
    # CPU time of this thread: what the scoring costs, whatever else the machine runs
    # (with --blas-threads 1 all of the work is on this thread)
    cpu = np.array(cpu_timings)[:, 0] * 1000
    print(f"thread CPU time:   p50 {np.percentile(cpu, 50):.2f} ms, p95 {np.percentile(cpu, 95):.2f} ms")


if __name__ == "__main__":
    main()
