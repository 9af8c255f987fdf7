"""Item-to-item similar products and the semantic search (reads).

Similar products score a product's neighbours the way a shopper's candidates
are scored, with the product itself as a one-item history: embedding
similarity, co-occurrence ("often bought by the same shoppers"), popularity.

The search blends the query's embedding with Postgres full-text search by
reciprocal rank fusion: a product found by both ranks first, one found by only
one of them still shows, and neither score scale needs tuning against the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F

from catalog.models import Product, Store
from recommendations import engine
from recommendations.config import StoreConfig, store_config
from recommendations.embedding_model import configured_model_id, embed_texts
from recommendations.models import ProductEmbedding
from recommendations.scoring_data import scoring_data
from recommendations.selectors.candidates import ProductFilter, choose_plan, indexed_rows, nearest
from recommendations.selectors.ranking import (
    Recommendation,
    category_and_descendants,
    cooccurrence_pool,
    matching_mask,
    materialise,
)
from recommendations.vectors import VectorBytes, vector_from_bytes

SIMILAR_POOL = 60
SIMILAR_COOCCURRENCE_SHARE = 0.25
SEARCH_POOL = 50
RRF_K = 60  # the usual constant of reciprocal rank fusion
MAX_QUERY_WORDS = 12


def product_vector(*, product: Product) -> np.ndarray | None:
    data = (
        ProductEmbedding.objects.filter(product=product, model_id=configured_model_id(), embedding__isnull=False)
        .values_list(VectorBytes("embedding"), flat=True)
        .first()
    )
    return vector_from_bytes(data)


def similar_products(
    *, store: Store, product: Product, k: int = 6, in_stock: bool = False, config: StoreConfig | None = None
) -> list[Recommendation]:
    """Up to k products like this one, each with its score parts and reason. Empty
    while the product waits for its embedding."""
    if product.store_id != store.pk:
        raise Product.DoesNotExist("the product belongs to another store")
    vector = product_vector(product=product)
    if vector is None:
        return []
    config = config or store_config(store=store)
    model = scoring_data(store=store, config=config)
    model_id = configured_model_id()
    product_filter = ProductFilter(store_id=store.pk, in_stock=in_stock, exclude_ids=frozenset({product.pk}))
    plan = choose_plan(matching=int(matching_mask(model, product_filter).sum()), indexed=indexed_rows())
    pool = nearest(vector=vector, limit=SIMILAR_POOL, product_filter=product_filter, model_id=model_id, plan=plan)
    if (model.index_of([product.pk, *pool.product_ids]) < 0).any():
        model = scoring_data(store=store, config=config, refresh=True)
    own = model.index_of([product.pk])
    pool_index = model.index_of(pool.product_ids)
    keep = pool_index >= 0
    extra_index, extra_vectors = cooccurrence_pool(
        model=model, history_index=own, history_weights=np.ones(1), skip=pool_index[keep],
        product_filter=product_filter, model_id=model_id, limit=config.hybrid.cooccurrence_pool,
    )
    candidates = np.concatenate([pool_index[keep], extra_index])
    if len(candidates) == 0:
        return []
    vectors = np.vstack([pool.vectors[keep], extra_vectors])
    # A product page's "similar" list shows lookalikes first: co-occurrence (a
    # cross-sell signal) weighs a quarter of what it does in a shopper's list and
    # orders lookalikes among themselves rather than replacing them.
    settings = replace(config.hybrid,
                       cooccurrence_weight=config.hybrid.cooccurrence_weight * SIMILAR_COOCCURRENCE_SHARE)
    scored = engine.hybrid_score(
        candidates=candidates, candidate_vectors=vectors, profile=vector, history_items=own,
        history_vectors=vector[None, :], history_weights=[1.0], history_event_types=["view"],
        cooccurrence=model.cooccurrence, popularity=model.popularity, settings=settings,
    )
    return materialise(store=store, model=model, scored=engine.recommend(k, scored, settings), context="product",
                       product_filter=product_filter)


# --------------------------------------------------------------------------- search


@dataclass
class SearchHit:
    product: Product
    score: float
    similarity: float | None  # cosine to the query, when the semantic part found it
    semantic_rank: int | None
    keyword_rank: int | None

    @property
    def matched_by(self) -> str:
        if self.semantic_rank and self.keyword_rank:
            return "meaning and words"
        return "meaning" if self.semantic_rank else "words"


# Words that say nothing about a product; the "simple" text search configuration
# (titles mix languages and codes) has no stop words of its own.
FILLER_WORDS = frozenset(
    "a an and any are for from good great have i in is it looking me my need of on or some something that the "
    "thing things to want with".split()
)


def _keyword_query(text: str) -> SearchQuery | None:
    """Any of the telling words, those of four letters or more also as a prefix
    ("grind" finds "grinding"); ts_rank ranks products with more of them higher."""
    words = [word for word in re.findall(r"\w+", text.lower()) if word not in FILLER_WORDS and len(word) > 1]
    terms = [f"{word}:*" if len(word) >= 4 else word for word in dict.fromkeys(words)][:MAX_QUERY_WORDS]
    if not terms:
        return None
    return SearchQuery(" | ".join(terms), config="simple", search_type="raw")


def semantic_search(
    *, store: Store, query: str, k: int = 20, in_stock: bool = False, category_id: int | None = None
) -> list[SearchHit]:
    query = query.strip()[:300]
    if not query:
        return []
    product_filter = ProductFilter(
        store_id=store.pk, in_stock=in_stock,
        category_ids=category_and_descendants(store=store, category_id=category_id),
    )
    vector = embed_texts([query])[0]
    config = store_config(store=store)
    model = scoring_data(store=store, config=config)
    plan = choose_plan(matching=int(matching_mask(model, product_filter).sum()), indexed=indexed_rows())
    pool = nearest(vector=vector, limit=SEARCH_POOL, product_filter=product_filter,
                   model_id=configured_model_id(), plan=plan)
    semantic = {int(pk): (rank, 1.0 - float(distance))
                for rank, (pk, distance) in enumerate(zip(pool.product_ids, pool.distances, strict=True), start=1)}
    keyword: dict[int, int] = {}
    tsquery = _keyword_query(query)
    if tsquery is not None:
        qs = Product.objects.filter(store=store, search=tsquery)
        if in_stock:
            qs = qs.filter(stock__gt=0)
        if product_filter.category_ids is not None:
            qs = qs.filter(category_id__in=product_filter.category_ids)
        ranked = qs.annotate(rank=SearchRank(F("search"), tsquery)).order_by("-rank", "pk").values_list("pk", flat=True)
        keyword = {pk: rank for rank, pk in enumerate(ranked[:SEARCH_POOL], start=1)}
    scores = {}
    for pk in semantic.keys() | keyword.keys():
        score = 0.0
        if pk in semantic:
            score += 1.0 / (RRF_K + semantic[pk][0])
        if pk in keyword:
            score += 1.0 / (RRF_K + keyword[pk])
        scores[pk] = score
    best = sorted(scores, key=lambda pk: (-scores[pk], pk))[:k]
    products = Product.objects.filter(store=store, pk__in=best).select_related("category").in_bulk()
    return [
        SearchHit(
            product=products[pk], score=scores[pk],
            similarity=semantic[pk][1] if pk in semantic else None,
            semantic_rank=semantic[pk][0] if pk in semantic else None,
            keyword_rank=keyword.get(pk),
        )
        for pk in best if pk in products and product_filter.admits(products[pk])
    ]
