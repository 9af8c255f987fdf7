"""How the store defaults of the hybrid were chosen: the validation fold only.

    .venv/bin/python bench/evaluation_tuning.py            # the defaults, then one knob at a time
    .venv/bin/python bench/evaluation_tuning.py --quick    # the defaults and the plain blend only
    .venv/bin/python bench/evaluation_tuning.py --smoke    # every row on a tiny dataset (bench/smoke.py)

Every row learns from `train` and is asked for each shopper's `valid` item (normal
run), and the same with a seeded 10% of products hidden (cold run). The test items
are never looked at here; bench/evaluation_amazon.py reports on them once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluation_common import load_amazon  # noqa: E402
from smoke import data_dir, parse_args  # noqa: E402

from recommendations.engine import HybridSettings, ProfileSettings  # noqa: E402
from recommendations.evaluation.data import cold_items, make_cold_fold, make_fold  # noqa: E402
from recommendations.evaluation.methods import HybridMethod  # noqa: E402
from recommendations.evaluation.runner import evaluate_method  # noqa: E402

# (label, profile overrides, hybrid overrides)
VARIANTS = [
    ("store defaults", {}, {}),
    # a plain weighted sum: no support calibration, plain cosine co-occurrence, no diversity
    (
        "plain blend (cosine co-occurrence, no calibration)",
        {},
        dict(
            support_prior=0.0,
            new_item_boost=0.0,
            cooccurrence_alpha=0.5,
            cooccurrence_shrinkage=0.0,
            cooccurrence_pair_half_life=0.0,
            mmr_lambda=1.0,
        ),
    ),
    ("no cold-start estimate (new_item_boost 0)", {}, dict(new_item_boost=0.0)),
    ("new_item_boost 1.0", {}, dict(new_item_boost=1.0)),
    ("new_item_boost 2.0", {}, dict(new_item_boost=2.0)),
    ("prior_top 5", {}, dict(prior_top=5)),
    ("cooccurrence_weight 1.5", {}, dict(cooccurrence_weight=1.5)),
    ("cooccurrence_weight 3", {}, dict(cooccurrence_weight=3.0)),
    (
        "cosine co-occurrence (alpha 0.5, no shrinkage, no pair decay)",
        {},
        dict(cooccurrence_alpha=0.5, cooccurrence_shrinkage=0.0, cooccurrence_pair_half_life=0.0),
    ),
    ("half-life 1", dict(half_life_days=1.0), {}),
    ("half-life 4", dict(half_life_days=4.0), {}),
    ("support_prior 3", {}, dict(support_prior=3.0)),
    ("profile_anchor 300", {}, dict(profile_anchor=300)),
    ("mmr_lambda 1.0 (no diversity)", {}, dict(mmr_lambda=1.0)),
    ("mmr_lambda 0.6", {}, dict(mmr_lambda=0.6)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    args = parse_args(parser)
    data = load_amazon(data_dir(args.smoke))
    fold = make_fold(data, "valid")
    cold = make_cold_fold(fold, cold_items(data.n_items, 0.1, 0))
    print("| hybrid variant (validation fold) | NDCG@10 | Recall@10 | coverage@10 | cold Recall@10 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for label, profile, hybrid in VARIANTS[:2] if args.quick else VARIANTS:

        def method(profile=profile, hybrid=hybrid):
            return HybridMethod(ProfileSettings(**profile), HybridSettings(**hybrid))

        normal, cold_run = evaluate_method(method(), fold), evaluate_method(method(), cold)
        print(
            f"| {label} | {normal['ndcg@10']:.4f} | {normal['recall@10']:.4f} | {normal['coverage@10']:.3f} "
            f"| {cold_run['recall@10']:.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
