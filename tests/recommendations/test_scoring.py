"""recommendations.scoring on small hand-checkable data (plain pytest: no Django, no database)."""

import json
import math

import numpy as np
import pytest

from recommendations import engine
from recommendations.engine import (
    EventWeights,
    HybridSettings,
    ProfileSettings,
    Reason,
    SettingsError,
)


def unit(*values):
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


E1, E2, E3, E4 = np.eye(4, dtype=np.float32)


# --------------------------------------------------------------------------- settings


def test_settings_round_trip_through_json():
    profile = ProfileSettings(event_weights=EventWeights(view=0.5), half_life_days=7, query_weight=0.2)
    hybrid = HybridSettings(cooccurrence_weight=1.5, mmr_lambda=0.7, fallback="trending")

    assert ProfileSettings.from_dict(json.loads(json.dumps(profile.to_dict()))) == profile
    assert HybridSettings.from_dict(json.loads(json.dumps(hybrid.to_dict()))) == hybrid


def test_settings_missing_keys_take_the_defaults():
    assert ProfileSettings.from_dict({}) == ProfileSettings()
    assert ProfileSettings.from_dict({"event_weights": {"view": 2}}).event_weights.purchase == EventWeights().purchase
    assert HybridSettings.from_dict(None) == HybridSettings()


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        (HybridSettings, {"colour": 1}, "unknown HybridSettings settings: colour"),
        (HybridSettings, {"mmr_lambda": 1.5}, "mmr_lambda must be between"),
        (HybridSettings, {"cooccurrence_weight": -1}, "cooccurrence_weight must be between"),
        (HybridSettings, {"candidate_pool": 2.5}, "candidate_pool must be a whole number"),
        (HybridSettings, {"fallback": "random"}, "fallback must be"),
        (HybridSettings, {"profile_weight": 0, "cooccurrence_weight": 0, "popularity_weight": 0}, "at least one"),
        (ProfileSettings, {"half_life_days": 0}, "half_life_days must be between"),
        (ProfileSettings, {"half_life_days": True}, "half_life_days must be a number"),
        (ProfileSettings, {"event_weights": {"purchase": "3"}}, "event weight purchase must be a number"),
        (ProfileSettings, {"event_weights": {"wishlist": 1}}, "unknown EventWeights settings: wishlist"),
        (ProfileSettings, [1, 2], "must be an object"),
    ],
)
def test_settings_refuse_bad_values(cls, data, message):
    with pytest.raises(SettingsError, match=message):
        cls.from_dict(data)


def test_store_defaults():
    # the tuned defaults the evaluation reports on (see bench/RESULTS.md)
    assert ProfileSettings().half_life_days == 2.0
    hybrid = HybridSettings()
    assert (hybrid.profile_weight, hybrid.cooccurrence_weight, hybrid.popularity_weight) == (1.0, 2.0, 0.1)
    assert (hybrid.prior_top, hybrid.new_item_boost, hybrid.mmr_lambda) == (10, 1.5, 0.8)


# --------------------------------------------------------------------------- profile


def test_event_weights_by_type_and_age():
    settings = ProfileSettings(event_weights=EventWeights(view=1.0, purchase=3.0), half_life_days=2.0)

    weights = engine.event_weights(["view", "purchase", "purchase", "view"], [0, 0, 2, 4], settings)

    np.testing.assert_allclose(weights, [1.0, 3.0, 1.5, 0.25])


def test_event_weights_refuse_an_unknown_type():
    with pytest.raises(ValueError, match="unknown event type 'wishlist'"):
        engine.event_weights(["wishlist"], [0], ProfileSettings())


def test_profile_weights_events_by_type():
    settings = ProfileSettings(event_weights=EventWeights(view=1.0, purchase=3.0))

    u = engine.profile_vector(np.stack([E1, E2]), [("view", 0), ("purchase", 0)], settings=settings)

    np.testing.assert_allclose(u, unit(1, 3, 0, 0), rtol=1e-6)


def test_profile_decays_older_events():
    settings = ProfileSettings(half_life_days=2.0)
    vectors = np.stack([E1, E2])

    fresh = engine.profile_vector(vectors, [("view", 0), ("view", 0)], settings=settings)
    older_first = engine.profile_vector(vectors, [("view", 2), ("view", 0)], settings=settings)

    np.testing.assert_allclose(fresh, unit(1, 1, 0, 0), rtol=1e-6)
    np.testing.assert_allclose(older_first, unit(0.5, 1, 0, 0), rtol=1e-6)


def test_profile_mixes_product_query_and_social_parts_by_their_weights():
    settings = ProfileSettings(product_weight=1.0, query_weight=0.5, social_weight=0.25)
    # two products along e1 (one part, normalised), a query along e2, a comment along e3
    u = engine.profile_vector(
        np.stack([E1, E1]), [("view", 0), ("purchase", 0)], np.stack([E2]), np.stack([E3]), settings
    )

    np.testing.assert_allclose(u, unit(1, 0.5, 0.25, 0), rtol=1e-6)


def test_profile_without_products_uses_queries_and_none_without_anything():
    settings = ProfileSettings()

    only_queries = engine.profile_vector(np.zeros((0, 4)), [], np.stack([E2, E3]), None, settings, query_ages=[0, 0])

    np.testing.assert_allclose(only_queries, unit(0, 1, 1, 0), rtol=1e-6)
    assert engine.profile_vector(np.zeros((0, 4)), [], None, None, settings) is None


def test_profile_of_a_shopper_whose_events_are_all_old_still_points_their_way():
    settings = ProfileSettings(half_life_days=1.0)

    u = engine.profile_vector(np.stack([E1, E2]), [("view", 5000), ("view", 5001)], settings=settings)

    np.testing.assert_allclose(u, unit(1, 0.5, 0, 0), rtol=1e-5)


# --------------------------------------------------------------------------- co-occurrence

# shoppers 0 and 1 bought items 0 and 1, shopper 2 bought 0 and 2, shopper 3 only 3
SHOPPERS = np.array([0, 0, 1, 1, 2, 2, 3])
ITEMS = np.array([0, 1, 0, 1, 0, 2, 3])


def test_cooccurrence_is_cosine_by_default():
    model = engine.build_cooccurrence(SHOPPERS, ITEMS, 4)
    m = model.neighbours.toarray()

    np.testing.assert_array_equal(model.support, [3, 2, 1, 1])
    assert m[0, 1] == pytest.approx(2 / math.sqrt(3 * 2))
    assert m[1, 0] == pytest.approx(2 / math.sqrt(3 * 2))
    assert m[0, 2] == pytest.approx(1 / math.sqrt(3 * 1))
    assert m[1, 2] == 0 and m[3].sum() == 0 and np.diag(m).sum() == 0


def test_cooccurrence_counts_a_repeated_purchase_once():
    model = engine.build_cooccurrence(np.append(SHOPPERS, 0), np.append(ITEMS, 1), 4)

    assert model.support[1] == 2
    assert model.neighbours[0, 1] == pytest.approx(2 / math.sqrt(6))


def test_cooccurrence_asymmetric_with_shrinkage():
    model = engine.build_cooccurrence(SHOPPERS, ITEMS, 4, alpha=0.8, shrinkage=1.0)

    # co(0, 1) = 2; row item 0 has support 3, column item 1 support 2
    assert model.neighbours[0, 1] == pytest.approx(2 / (3**0.8 * 2**0.2 + 1))
    assert model.neighbours[1, 0] == pytest.approx(2 / (2**0.8 * 3**0.2 + 1))


def test_cooccurrence_pairs_decay_with_distance_in_the_history():
    # one shopper bought 0, 1, 2 in that order: (0, 1) are adjacent, (0, 2) two apart
    model = engine.build_cooccurrence([0, 0, 0], [0, 1, 2], 3, order=[0, 1, 2], pair_half_life=1.0)
    m = model.neighbours.toarray()

    assert m[0, 1] == pytest.approx(1.0)
    assert m[0, 2] == pytest.approx(0.5)
    assert m[2, 1] == pytest.approx(1.0)


def test_cooccurrence_keeps_the_top_neighbours_of_each_item():
    model = engine.build_cooccurrence(SHOPPERS, ITEMS, 4, n_neighbours=1)

    assert model.neighbours[0].indices.tolist() == [1]
    assert model.neighbours[2].indices.tolist() == [0]


def test_cooccurrence_scores_name_the_history_item_that_contributed_most():
    model = engine.build_cooccurrence(SHOPPERS, ITEMS, 4)

    scores, contributors = engine.cooccurrence_scores(model, [1, 2], [1.0, 1.0], [0, 3])

    assert scores[0] == pytest.approx(2 / math.sqrt(6) + 1 / math.sqrt(3))
    assert contributors.tolist() == [1, -1]
    assert scores[1] == 0
    # weighting the history changes who contributed most
    _, contributors = engine.cooccurrence_scores(model, [1, 2], [0.1, 1.0], [0])
    assert contributors.tolist() == [2]


def test_cooccurrence_scores_equal_the_dense_computation():
    rng = np.random.default_rng(4)
    shoppers, items = rng.integers(0, 40, 300), rng.integers(0, 60, 300)
    model = engine.build_cooccurrence(shoppers, items, 60, n_neighbours=8)
    history, weights = np.array([3, 7, 7, 20]), np.array([1.0, 0.5, 0.25, 2.0])
    candidates = rng.permutation(60)[:35]

    scores, contributors = engine.cooccurrence_scores(model, history, weights, candidates)

    block = model.neighbours.toarray()[history][:, candidates] * weights[:, None]
    np.testing.assert_allclose(scores, block.sum(axis=0), rtol=1e-6)
    expected = np.where(block.sum(axis=0) > 0, history[block.argmax(axis=0)], -1)
    np.testing.assert_array_equal(contributors, expected)


def test_cooccurrence_candidates_are_the_history_items_neighbours():
    model = engine.build_cooccurrence(SHOPPERS, ITEMS, 4)

    assert engine.cooccurrence_candidates(model, [1]).tolist() == [0]
    assert engine.cooccurrence_candidates(model, [0]).tolist() == [1, 2]
    # the strongest first when limited (cos(0, 1) > cos(0, 2)), without what the pool already has
    assert engine.cooccurrence_candidates(model, [0], [1.0], limit=1).tolist() == [1]
    assert engine.cooccurrence_candidates(model, [0], [1.0], exclude=[1], limit=1).tolist() == [2]
    assert engine.cooccurrence_candidates(model, []).tolist() == []


# --------------------------------------------------------------------------- popularity


def test_popularity_counts_scores_and_top():
    popularity = engine.build_popularity(
        np.array([2, 2, 2, 0, 0, 1, 3]), 5, categories=["Tape", "Glue", "Tape", "Glue", "Tape"]
    )

    np.testing.assert_array_equal(popularity.counts, [2, 1, 3, 1, 0])
    np.testing.assert_allclose(popularity.scores, np.log1p([2, 1, 3, 1, 0]) / np.log1p(3))
    assert popularity.top(3).tolist() == [2, 0, 1]  # 1 and 3 tie: the lower index first
    assert popularity.top(2, category="Glue").tolist() == [1, 3]
    assert popularity.top(2, exclude=[2]).tolist() == [0, 1]


def test_trending_popularity_weighs_recent_events_more():
    items = np.array([0, 0, 0, 1, 1])
    ages = np.array([30.0, 30.0, 30.0, 0.0, 0.0])

    all_time = engine.build_popularity(items, 2)
    trending = engine.build_popularity(items, 2, ages_days=ages, half_life_days=7.0)

    assert all_time.top(1).tolist() == [0]
    assert trending.top(1).tolist() == [1]
    assert trending.counts[0] == pytest.approx(3 * 2 ** (-30 / 7))


# --------------------------------------------------------------------------- hybrid


def test_hybrid_parts_hand_computed():
    settings = HybridSettings(
        profile_weight=1.0,
        cooccurrence_weight=2.0,
        popularity_weight=0.5,
        support_prior=1.0,
        prior_top=1,
        new_item_boost=1.2,
        profile_anchor=3,
    )
    sims = np.array([0.9, 0.8, 0.5, 0.2])
    co = np.array([0.0, 0.4, 0.2, 0.0])
    pop = np.array([0.0, 1.0, 0.5, 0.2])
    support = np.array([0.0, 3.0, 1.0, 1.0])

    parts = engine.hybrid_parts(sims, co, pop, support, settings)

    # profile: best 0.9 -> 1, the 3rd best 0.5 -> 0
    np.testing.assert_allclose(parts["profile"], [1.0, 0.75, 0.0, -0.75])
    # co-occurrence / the largest; confidence = support / (support + 1)
    np.testing.assert_allclose(parts["cooccurrence"], [0.0, 0.75 * 2 * 1.0, 0.5 * 2 * 0.5, 0.0])
    np.testing.assert_allclose(parts["popularity"], [0.0, 0.75 * 0.5 * 1.0, 0.5 * 0.5 * 0.5, 0.5 * 0.5 * 0.2])
    # prior: boost of the most similar item with evidence (item 1): 2 * 1 + 0.5 * 1 = 2.5, times
    # the new-item boost 1.2 = 3; item 0 has no evidence at all, so it gets the whole of it
    np.testing.assert_allclose(parts["cold_start"], [3.0, 0.25 * 3.0, 0.5 * 3.0, 0.5 * 3.0])


def test_hybrid_parts_batch_equals_one_shopper_at_a_time():
    rng = np.random.default_rng(0)
    sims, co = rng.random((3, 50)), rng.random((3, 50)) * (rng.random((3, 50)) > 0.5)
    pop, support = rng.random(50), rng.integers(0, 5, 50).astype(float)
    settings = HybridSettings(profile_anchor=20)

    batch = engine.hybrid_parts(sims, co, pop, support, settings)

    for row in range(3):
        single = engine.hybrid_parts(sims[row], co[row], pop, support, settings)
        for name in engine.PARTS:
            np.testing.assert_allclose(batch[name][row], single[name])


def test_an_item_nobody_bought_yet_competes_on_profile_similarity():
    # item 0: new, closest to the profile; items 1-3: bought, with co-occurrence
    settings = HybridSettings(profile_anchor=4, prior_top=1, new_item_boost=1.0, popularity_weight=0.0)
    sims = np.array([0.95, 0.9, 0.6, 0.3])
    co = np.array([0.0, 1.0, 0.5, 0.5])
    support = np.array([0.0, 50.0, 50.0, 50.0])

    parts = engine.hybrid_parts(sims, co, np.zeros(4), support, settings)
    score = sum(parts.values())
    linear = settings.profile_weight * parts["profile"] + settings.cooccurrence_weight * co

    assert np.argsort(-score).tolist()[:2] == [0, 1]
    assert np.argsort(-linear).tolist()[:2] == [1, 2]  # a plain blend buries it in third place


def _shop():
    """A tiny store: 6 products, vectors in 4-d, two categories."""
    vectors = np.stack(
        [
            unit(1, 0, 0, 0),  # 0 history: bought
            unit(0, 1, 0, 0),  # 1 history: viewed
            unit(1, 0.1, 0, 0),  # 2 near-duplicate of 0
            unit(0.2, 0, 0, 1),  # 3 bought with 1 by many other shoppers
            unit(0, 0, 1, 0),  # 4 matches the search
            unit(0, 0, 0.3, -1),  # 5 the best seller, unlike anything the shopper touched
        ]
    )
    categories = np.array(["Abrasives", "Tape", "Abrasives", "Glue", "Drills", "Tape"], dtype=object)
    # other shoppers: three bought 1 and 3; item 5 is the best seller
    shoppers = [10, 10, 11, 11, 12, 12, 13, 14, 15, 16]
    items = [1, 3, 1, 3, 1, 3, 5, 5, 5, 5]
    return vectors, categories, shoppers, items


def test_hybrid_score_reasons_name_the_right_evidence():
    vectors, categories, shoppers, items = _shop()
    cooccurrence = engine.build_cooccurrence(shoppers, items, 6)
    popularity = engine.build_popularity(np.array(items), 6, categories=categories)
    history = np.array([0, 1])
    types = ["purchase", "view"]
    weights = engine.event_weights(types, [0, 1], ProfileSettings())
    profile = engine.profile_vector(vectors[history], list(zip(types, [0, 1], strict=True)))
    query_vector = unit(0, 0, 1, 0.05)
    candidates = np.array([2, 3, 4, 5])

    scored = engine.hybrid_score(
        candidates=candidates,
        candidate_vectors=vectors[candidates],
        profile=profile,
        history_items=history,
        history_vectors=vectors[history],
        history_weights=weights,
        history_event_types=types,
        cooccurrence=cooccurrence,
        popularity=popularity,
        settings=HybridSettings(popularity_weight=1.5, profile_anchor=4, prior_top=1, new_item_boost=1.0),
        queries=["cordless drill"],
        query_vectors=query_vector[None, :],
    )
    reasons = dict(zip(scored.items.tolist(), scored.reasons, strict=True))

    assert reasons[2] == Reason("similar", item=0, event_type="purchase")
    assert reasons[3] == Reason("cooccurrence", item=1)
    assert reasons[4] == Reason("search", query="cordless drill")
    assert reasons[5] == Reason("popular", category="Tape")
    # the parts add up to the score, best first
    total = sum(scored.parts[name] for name in engine.PARTS)
    np.testing.assert_allclose(total, scored.scores)
    assert list(scored.scores) == sorted(scored.scores, reverse=True)
    title = {0: "P0", 1: "P1"}.get
    assert reasons[2].text(title) == "similar to P0 you bought"
    assert reasons[3].text(title) == "bought by shoppers who bought P1"
    assert reasons[4].text(title) == "matches your search 'cordless drill'"
    assert reasons[5].text(title) == "popular in Tape"
    row = scored.as_list()[0]
    assert set(row) == {"item", "score", "parts", "reason"} and set(row["parts"]) == set(engine.PARTS)


def test_fallback_for_a_shopper_with_no_events():
    vectors, categories, shoppers, items = _shop()
    popularity = engine.build_popularity(np.array(items), 6, categories=categories)

    scored = engine.fallback(popularity, 3)
    glue = engine.fallback(popularity, 3, category="Glue")

    assert scored.items.tolist() == [5, 1, 3]
    assert scored.reasons == [
        Reason("popular", category="Tape"),
        Reason("popular", category="Tape"),
        Reason("popular", category="Glue"),
    ]
    assert glue.items.tolist() == [3]
    assert engine.fallback(popularity, 1, trending=True).reasons == [Reason("trending", category="Tape")]


# --------------------------------------------------------------------------- MMR


def test_mmr_picks_a_diverse_item_over_a_near_duplicate():
    vectors = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(0, 1, 0)])
    scores = np.array([1.0, 0.99, 0.9])

    assert engine.mmr([10, 11, 12], scores, vectors, 1.0, 2).tolist() == [10, 11]
    assert engine.mmr([10, 11, 12], scores, vectors, 0.5, 2).tolist() == [10, 12]


def _mmr_reference(candidates, scores, vectors, lambda_, k):
    relevance = (scores - scores.min()) / (scores.max() - scores.min())
    picked = []
    for _ in range(k):
        best, best_value = None, -np.inf
        for i in range(len(candidates)):
            if i in picked:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in picked), default=0.0)
            value = lambda_ * relevance[i] - (1 - lambda_) * redundancy
            if value > best_value:
                best, best_value = i, value
        picked.append(best)
    return [candidates[i] for i in picked]


@pytest.mark.parametrize("lambda_", [0.3, 0.5, 0.8, 0.95])
def test_mmr_pruning_gives_the_same_picks_as_plain_mmr(lambda_):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = rng.random(200)
    candidates = list(range(100, 300))

    assert engine.mmr(candidates, scores, vectors, lambda_, 10, top=None).tolist() == _mmr_reference(
        candidates, scores, vectors, lambda_, 10
    )


def test_mmr_considers_only_the_top_candidates():
    vectors = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(0, 1, 0)])
    scores = np.array([1.0, 0.99, 0.9])

    # the diverse third item is out of reach when only the two best are considered
    assert engine.mmr([10, 11, 12], scores, vectors, 0.5, 2, top=2).tolist() == [10, 11]


def test_recommend_applies_the_store_diversity():
    vectors = np.stack([unit(1, 0, 0), unit(1, 0.05, 0), unit(0, 1, 0)])
    profile = unit(1, 0.3, 0)
    common = dict(candidates=[0, 1, 2], candidate_vectors=vectors, profile=profile)

    plain = engine.recommend(
        2, engine.hybrid_score(**common, settings=HybridSettings(mmr_lambda=1.0, profile_anchor=3))
    )
    diverse_settings = HybridSettings(mmr_lambda=0.3, profile_anchor=3)
    diverse = engine.recommend(2, engine.hybrid_score(**common, settings=diverse_settings), diverse_settings)

    assert plain.items.tolist() == [1, 0]
    assert diverse.items.tolist() == [1, 2]
