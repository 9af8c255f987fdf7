"""Recommendations on a real embedded catalog: filters that still return k,
reasons on every item, the fallback for a shopper with no events, store
isolation, similar products and the semantic search."""

import numpy as np
import pytest

from catalog.models import Category
from recommendations import engine
from recommendations.embedding_model import configured_model_id
from recommendations.models import Shopper
from recommendations.selectors import candidates
from recommendations.selectors.candidates import ProductFilter, nearest
from recommendations.selectors.discovery import product_vector, semantic_search, similar_products
from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper
from recommendations.services.profiles import profiles_refresh
from tests.recommendations.factories import add_catalog, embed_store, event, ingest

pytestmark = pytest.mark.django_db


def _shopper(store, external_id):
    return Shopper.objects.get(store=store, external_id=external_id)


def _skus(result):
    return [item.product.sku for item in result.items]


def test_a_filtered_recommendation_returns_k_in_the_category_and_in_stock(store, behaviour):
    gloves = Category.objects.get(store=store, path="Safety > Gloves")
    filters = RecommendationFilters(in_stock=True, exclude_purchased=True, category_id=gloves.pk)

    result = recommend_for_shopper(store=store, shopper=_shopper(store, "s-sander"), k=4, filters=filters)

    # exactly four gloves are in stock (GL-1, GL-3, GL-4, GL-5): all four come back
    assert result.kind == "personal"
    assert sorted(_skus(result)) == ["GL-1", "GL-3", "GL-4", "GL-5"]


def test_the_hnsw_plan_with_a_selective_filter_still_returns_k(store, behaviour):
    """The iterative index scan goes on until the LIMIT is met under the filter."""
    lab = Category.objects.filter(store=store, path__startswith="Lab").values_list("pk", flat=True)
    query = product_vector(product=behaviour and store.products.get(sku="GL-1"))
    product_filter = ProductFilter(store_id=store.pk, in_stock=True, category_ids=tuple(lab))

    found = nearest(vector=query, limit=5, product_filter=product_filter, model_id=configured_model_id(),
                    plan="hnsw")
    exact = nearest(vector=query, limit=5, product_filter=product_filter, model_id=configured_model_id(),
                    plan="exact")

    assert len(found) == 5
    assert sorted(found.product_ids.tolist()) == sorted(exact.product_ids.tolist())
    skus = set(store.products.filter(pk__in=found.product_ids.tolist()).values_list("sku", flat=True))
    assert skus == {"BK-1", "BK-2", "BK-4", "BK-5", "BK-6"}  # the Lab products in stock


def test_the_plan_is_exact_for_selective_filters_and_hnsw_for_broad_ones():
    assert candidates.choose_plan(matching=800, indexed=100_000) == "exact"
    assert candidates.choose_plan(matching=10_000, indexed=100_000) == "exact"
    assert candidates.choose_plan(matching=88_000, indexed=100_000) == "hnsw"
    assert candidates.choose_plan(matching=90_000, indexed=1_000_000) == "hnsw"  # too many rows to scan exactly


def test_every_recommended_item_has_a_reason_and_parts_that_sum_to_its_score(store, behaviour):
    result = recommend_for_shopper(store=store, shopper=_shopper(store, "s-sander"), k=8,
                                   filters=RecommendationFilters(in_stock=False, exclude_purchased=True))

    assert len(result) == 8
    assert "AB-1" not in _skus(result)  # purchased
    assert _skus(result)[0].startswith("AB-")  # a sander gets abrasives first
    for item in result.items:
        assert item.reason.kind in {"similar", "cooccurrence", "popular", "search", "profile"}
        assert item.reason_text and "a product" not in item.reason_text
        assert item.score == pytest.approx(sum(item.parts.values()))
    texts = {item.product.sku: item.reason_text for item in result.items}
    # sponges are bought by the crowd with the discs this shopper bought
    assert texts["AB-6"] == "bought by shoppers who bought Sanding Discs 5 Inch 120 Grit Hook and Loop, 50 Pack"


def test_a_search_shows_up_as_the_reason(store, behaviour):
    profiles_refresh(store=store)  # what the debounced task does: it embeds the query

    result = recommend_for_shopper(store=store, shopper=_shopper(store, "s-gloves"), k=5,
                                   filters=RecommendationFilters(in_stock=False))

    reasons = {item.product.sku: item.reason_text for item in result.items}
    assert reasons.get("GL-5") == "matches your search 'gloves for handling chemicals'"


def test_a_shopper_with_no_events_gets_the_popular_fallback_with_its_reason(store, behaviour):
    newcomer = Shopper.objects.create(store=store, external_id="s-new")

    result = recommend_for_shopper(store=store, shopper=newcomer, k=3, filters=RecommendationFilters(in_stock=True))

    assert (result.kind, result.plan) == ("fallback", "popularity")
    # 8, 7 and 6 events, all in stock (BK-1 also has 6: the older product wins the tie)
    assert _skus(result) == ["AB-1", "AB-3", "AB-6"]
    assert [item.reason_text for item in result.items] == [
        "popular in Sanding Discs", "popular in Sandpaper", "popular in Sandpaper"]
    assert all(item.parts["popularity"] > 0 for item in result.items)


def test_the_trending_fallback_says_so(store, behaviour):
    from recommendations.config import config_from_overrides

    newcomer = Shopper.objects.create(store=store, external_id="s-new")
    config = config_from_overrides({}, {"fallback": "trending"})

    result = recommend_for_shopper(store=store, shopper=newcomer, k=2, config=config)

    assert all(item.reason_text.startswith("trending in ") for item in result.items)


def test_the_fallback_fills_k_with_new_products_when_few_are_popular(store, embedded_catalog):
    ingest(store, [event("s-1", "purchase", "MS-1")])
    newcomer = Shopper.objects.create(store=store, external_id="s-new")
    measuring = Category.objects.get(store=store, path="Measuring")

    result = recommend_for_shopper(store=store, shopper=newcomer, k=3,
                                   filters=RecommendationFilters(in_stock=True, category_id=measuring.pk))

    assert _skus(result) == ["MS-1", "MS-3", "MS-4"]
    assert [item.reason_text for item in result.items] == [
        "popular in Calipers", "new in Scales", "new in Tapes"]


def test_another_stores_products_never_appear(store, other_store, behaviour):
    theirs = add_catalog(other_store, prefix="O-")
    embed_store(other_store)
    ingest(other_store, [event("o-1", "purchase", "O-AB-1"), event("o-1", "purchase", "O-AB-6")])
    theirs_ids = {product.pk for product in theirs.values()}

    mine = recommend_for_shopper(store=store, shopper=_shopper(store, "s-sander"), k=20,
                                 filters=RecommendationFilters(in_stock=False, exclude_purchased=False))
    hits = semantic_search(store=store, query="sanding discs", k=30)
    similar = similar_products(store=store, product=store.products.get(sku="AB-1"), k=20)

    assert len(mine) == 20 and len(similar) == 20
    assert not theirs_ids & {item.product.pk for item in mine.items}
    assert not theirs_ids & {hit.product.pk for hit in hits}
    assert not theirs_ids & {item.product.pk for item in similar}
    with pytest.raises(Shopper.DoesNotExist):
        recommend_for_shopper(store=store, shopper=Shopper.objects.get(store=other_store, external_id="o-1"))


def test_similar_products_exclude_the_product_and_give_reasons(store, behaviour):
    product = store.products.get(sku="BK-1")

    items = similar_products(store=store, product=product, k=4)

    skus = [item.product.sku for item in items]
    assert "BK-1" not in skus
    assert skus[0] in {"BK-2", "BK-5"}  # bought with it by the lab crowd, and glassware too
    assert all(item.reason_text for item in items)
    assert {item.reason_text for item in items} <= {
        "often bought by the same shoppers as this product", "similar to this product", "popular in Glassware",
        "popular in Bottles"}


def test_semantic_search_blends_meaning_and_words(store, embedded_catalog):
    hits = semantic_search(store=store, query="protective gloves for the lab", k=5)

    assert [hit.product.sku[:2] for hit in hits[:4]] == ["GL", "GL", "GL", "GL"]
    by_words = semantic_search(store=store, query="PTFE", k=3)
    assert by_words[0].product.sku == "TP-1"
    assert by_words[0].keyword_rank == 1


def test_an_unknown_category_returns_nothing_rather_than_everything(store, behaviour):
    result = recommend_for_shopper(store=store, shopper=_shopper(store, "s-sander"), k=5,
                                   filters=RecommendationFilters(category_id=999_999))

    assert result.items == []


def test_mmr_diversity_changes_the_list_but_keeps_k(store, behaviour):
    from recommendations.config import config_from_overrides

    shopper = _shopper(store, "s-sander")
    plain = recommend_for_shopper(store=store, shopper=shopper, k=6, filters=RecommendationFilters(in_stock=False))
    diverse = recommend_for_shopper(store=store, shopper=shopper, k=6, filters=RecommendationFilters(in_stock=False),
                                    config=config_from_overrides({}, {"mmr_lambda": 0.3}))

    assert len(diverse) == 6
    assert _skus(plain) != _skus(diverse)
    categories = {item.product.category.path.split(" > ")[0] for item in diverse.items}
    assert len(categories) > len({item.product.category.path.split(" > ")[0] for item in plain.items})


def test_the_profile_vector_is_the_scoring_packages(store, behaviour):
    """The online profile is recommendations.scoring.profile_vector of the history."""
    from recommendations.config import store_config
    from recommendations.selectors.history import build_history, history_rows

    shopper = _shopper(store, "s-sander")
    history = build_history(history_rows(shopper_ids=[shopper.pk])[shopper.pk], model_id=configured_model_id())
    vector = history.profile_vector(store_config(store=store).profile)

    _, types, ages, _ = history.embedded()
    expected = engine.profile_vector(history.vectors, list(zip(types, ages, strict=True)))
    assert np.allclose(vector, expected)
    assert history.purchased == {store.products.get(sku="AB-1").pk}


def test_a_product_sold_out_behind_the_services_back_is_still_never_shown_in_stock_only(store, behaviour):
    shopper = _shopper(store, "s-sander")
    before = recommend_for_shopper(store=store, shopper=shopper, k=5)
    sold_out = before.items[0].product
    type(sold_out).objects.filter(pk=sold_out.pk).update(stock=0)  # no hook ran: the copy still says in stock

    after = recommend_for_shopper(store=store, shopper=shopper, k=5)

    assert len(after) == 5
    assert sold_out.pk not in {item.product.pk for item in after.items}


def test_a_stock_change_through_the_catalog_service_reaches_the_vector_filter_at_once(store, behaviour):
    from catalog import services
    from catalog.importing import ProductRow
    from recommendations.models import ProductEmbedding

    services.products_upsert(store=store, rows=[ProductRow(row=1, sku="AB-2", title=store.products.get(
        sku="AB-2").title, stock=7)])

    assert ProductEmbedding.objects.get(product__sku="AB-2").in_stock is True
