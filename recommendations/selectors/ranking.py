"""Recommendations for a shopper: the profile from their history, candidates
from pgvector under the filters, the hybrid score of recommendations.scoring
with its parts and reasons, MMR, and the popularity (or trending) fallback for
a shopper with nothing to go on. These are reads: views, the storefront preview,
the settings preview, the benchmark and other apps all call
`recommend_for_shopper`; the storefront API serves through
recommendations.services.serving, which stores each shopper's list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Q

from catalog.models import Category, Product, Store
from catalog.request_values import id_or_none
from recommendations import engine
from recommendations.config import StoreConfig, store_config
from recommendations.embedding_model import configured_model_id
from recommendations.models import EMBEDDING_DIMENSIONS, Shopper
from recommendations.scoring_data import ScoringData, scoring_data
from recommendations.selectors.candidates import ProductFilter, choose_plan, indexed_rows, nearest, vectors_for
from recommendations.selectors.history import History, build_history, history_rows

FALLBACK_VERIFY = 4  # the fallback checks k * this many popular products against the database at a time
PART_LABELS = {"profile": "profile match", "cooccurrence": "bought together", "popularity": "popularity",
               "cold_start": "new-item estimate"}


@dataclass(frozen=True)
class RecommendationFilters:
    in_stock: bool = True
    exclude_purchased: bool = True
    exclude_seen: bool = False  # products the shopper touched within 30 days of their latest event
    category_id: int | None = None

    @classmethod
    def from_querydict(cls, data) -> RecommendationFilters:
        def flag(name: str, default: bool) -> bool:
            return data.get(name, "1" if default else "0") in ("1", "on", "true")

        category_id = id_or_none(data.get("category"))
        return cls(flag("in_stock", True), flag("exclude_purchased", True), flag("exclude_seen", False), category_id)


@dataclass
class Recommendation:
    product: Product
    score: float
    parts: dict[str, float]
    reason: engine.Reason
    reason_text: str

    @property
    def parts_rows(self) -> list[tuple[str, str, float, float]]:
        """(part, label, value, share of the positive parts in percent) for the breakdown."""
        positive = {name: max(value, 0.0) for name, value in self.parts.items()}
        whole = sum(positive.values()) or 1.0
        return [(name, PART_LABELS.get(name, name), value, round(100 * positive[name] / whole, 1))
                for name, value in self.parts.items()]


@dataclass
class RecommendationList:
    items: list[Recommendation]
    kind: str  # "personal" | "fallback"
    plan: str  # "hnsw" | "exact" | "popularity"
    timings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.items)


# --------------------------------------------------------------------------- wording


def reason_text(reason: engine.Reason, title_of, *, context: str = "shopper") -> str:
    """The reason as a merchant reads it. `context` "product" words it for a
    product page ("often bought with this") instead of a shopper's list."""
    if reason.kind == "new":
        return f"new in {reason.category}" if reason.category else "new in the catalog"
    if context == "product":
        if reason.kind == "cooccurrence":
            return "often bought by the same shoppers as this product"
        if reason.kind in ("similar", "profile"):
            return "similar to this product"
    return reason.text(title_of)


# --------------------------------------------------------------------------- filters


def category_and_descendants(*, store: Store, category_id: int | None) -> tuple[int, ...] | None:
    if not category_id:
        return None
    category = Category.objects.filter(store=store, pk=category_id).only("path").first()
    if category is None:
        return ()
    return tuple(Category.objects.filter(store=store).filter(
        Q(pk=category.pk) | Q(path__startswith=category.path + Category.PATH_SEPARATOR)
    ).values_list("pk", flat=True))


def matching_mask(model: ScoringData, product_filter: ProductFilter) -> np.ndarray:
    mask = model.in_stock.copy() if product_filter.in_stock else np.ones(model.n_items, dtype=bool)
    if product_filter.category_ids is not None:
        mask &= np.isin(model.category_ids, product_filter.category_ids)
    if product_filter.exclude_ids:
        excluded = model.index_of(product_filter.exclude_ids)
        mask[excluded[excluded >= 0]] = False
    return mask


# --------------------------------------------------------------------------- shopper recommendations


def recommend_for_shopper(
    *,
    store: Store,
    shopper: Shopper,
    k: int = 10,
    filters: RecommendationFilters = RecommendationFilters(),
    config: StoreConfig | None = None,
    exclude_product_ids: frozenset[int] = frozenset(),
) -> RecommendationList:
    """The shopper's top k under the filters, each with its score parts and reason."""
    if shopper.store_id != store.pk:
        raise Shopper.DoesNotExist("the shopper belongs to another store")
    timings: dict[str, float] = {}
    started = time.perf_counter()
    config = config or store_config(store=store)
    model = scoring_data(store=store, config=config)
    model_id = configured_model_id()
    history = build_history(history_rows(shopper_ids=[shopper.pk])[shopper.pk], model_id=model_id)
    excluded = set(exclude_product_ids)
    if filters.exclude_purchased:
        excluded |= history.purchased
    if filters.exclude_seen:
        excluded |= history.recently_seen
    product_filter = ProductFilter(
        store_id=store.pk, in_stock=filters.in_stock,
        category_ids=category_and_descendants(store=store, category_id=filters.category_id),
        exclude_ids=frozenset(excluded),
    )
    profile = None if history.is_empty else history.profile_vector(config.profile)
    timings["profile_ms"] = (time.perf_counter() - started) * 1000
    if profile is None:
        result = _fallback(store=store, model=model, product_filter=product_filter, k=k, config=config)
    else:
        result = _personal(store=store, model=model, model_id=model_id, history=history, profile=profile,
                           product_filter=product_filter, k=k, config=config, timings=timings)
    result.timings = {**timings, **result.timings, "total_ms": (time.perf_counter() - started) * 1000}
    return result


def _personal(*, store, model, model_id, history: History, profile, product_filter, k, config, timings):
    settings = config.hybrid
    matching = int(matching_mask(model, product_filter).sum())
    plan = choose_plan(matching=matching, indexed=indexed_rows())
    pool = nearest(vector=profile, limit=settings.candidate_pool, product_filter=product_filter, model_id=model_id,
                   plan=plan)
    timings["candidates_ms"] = pool.ms
    started = time.perf_counter()
    history_ids, history_types, history_ages, _ = history.embedded()
    if (model.index_of(pool.product_ids) < 0).any() or (model.index_of(history_ids) < 0).any():
        model = scoring_data(store=store, config=config, refresh=True)  # products newer than the model
    history_index = model.index_of(history_ids)
    known = history_index >= 0
    history_weights = engine.event_weights(history_types, history_ages, config.profile)[known]
    history_index = history_index[known]
    history_vectors = history.vectors[known]
    history_types = [t for t, ok in zip(history_types, known, strict=True) if ok]

    pool_index = model.index_of(pool.product_ids)
    candidate_index, candidate_vectors = pool_index[pool_index >= 0], pool.vectors[pool_index >= 0]
    extra_index, extra_vectors = cooccurrence_pool(
        model=model, history_index=history_index, history_weights=history_weights, skip=candidate_index,
        product_filter=product_filter, model_id=model_id, limit=settings.cooccurrence_pool,
    )
    candidates = np.concatenate([candidate_index, extra_index])
    vectors = np.vstack([candidate_vectors, extra_vectors]) if len(extra_index) else candidate_vectors
    timings["cooccurrence_ms"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    if len(candidates) == 0:
        result = _fallback(store=store, model=model, product_filter=product_filter, k=k, config=config)
        return result
    scored = engine.hybrid_score(
        candidates=candidates, candidate_vectors=vectors, profile=profile,
        history_items=history_index, history_vectors=history_vectors, history_weights=history_weights,
        history_event_types=history_types, cooccurrence=model.cooccurrence, popularity=model.popularity,
        settings=settings, queries=history.queries, query_vectors=history.query_vectors,
    )
    chosen = engine.recommend(k, scored, settings)
    timings["rerank_ms"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    items = materialise(store=store, model=model, scored=chosen, product_filter=product_filter)
    if len(items) < k:
        # Fewer embedded candidates than asked (new products waiting for their
        # vectors): the popular ones that match fill the list.
        taken = frozenset(product_filter.exclude_ids | {item.product.pk for item in items})
        padding = _fallback(store=store, model=model, k=k - len(items), config=config,
                            product_filter=ProductFilter(product_filter.store_id, product_filter.in_stock,
                                                         product_filter.category_ids, taken))
        items += padding.items
    timings["reasons_ms"] = (time.perf_counter() - started) * 1000
    return RecommendationList(items=items, kind="personal", plan=pool.plan)


def cooccurrence_pool(*, model, history_index, history_weights, skip, product_filter, model_id, limit):
    """The `limit` strongest co-occurrence candidates of the history that are not in
    `skip` (the pgvector pool) and pass the filter, with their vectors."""
    if len(history_index) == 0 or limit == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, EMBEDDING_DIMENSIONS), np.float32)
    related = engine.cooccurrence_candidates(model.cooccurrence, history_index)
    related = related[~np.isin(related, skip)]
    if len(related) > limit:
        strength, _ = engine.cooccurrence_scores(model.cooccurrence, history_index, history_weights, related)
        related = related[np.argsort(-strength, kind="stable")[:limit]]
    ids, vectors = vectors_for(product_ids=model.product_ids[related], product_filter=product_filter,
                               model_id=model_id)
    return model.index_of(ids), vectors


def materialise(*, store, model: ScoringData, scored: engine.Scored, context: str = "shopper",
                product_filter: ProductFilter | None = None):
    """Products, parts and worded reasons of a scored list (reasons are worked out
    by the scoring package for these items only)."""
    return materialise_rows(store=store, model=model, items=scored.items, scores=scored.scores,
                            parts=scored.parts, reasons=scored.reasons, context=context,
                            product_filter=product_filter)


def materialise_rows(*, store, model: ScoringData, items, scores, parts, reasons, context: str = "shopper",
                     product_filter: ProductFilter | None = None):
    """`product_filter`: drop the products that no longer pass it (the candidates
    were filtered on the embeddings' copies of stock and category)."""
    ids = [int(model.product_ids[i]) for i in items]
    referenced = [int(model.product_ids[r.item]) for r in reasons if r.item is not None]
    products = Product.objects.filter(store=store, pk__in=set(ids + referenced)).select_related("category").in_bulk()

    def title_of(index: int) -> str:
        product = products.get(int(model.product_ids[index]))
        return product.title if product else "a product"

    rows = []
    for position, product_id in enumerate(ids):
        product = products.get(product_id)
        if product is None or (product_filter is not None and not product_filter.admits(product)):
            continue  # deleted, sold out or moved since the candidates were read
        reason = reasons[position]
        rows.append(Recommendation(
            product=product, score=float(scores[position]),
            parts={name: float(part[position]) for name, part in parts.items()},
            reason=reason, reason_text=reason_text(reason, title_of, context=context),
        ))
    return rows


def _fallback(*, store, model: ScoringData, product_filter: ProductFilter, k: int, config: StoreConfig):
    """The most popular (or trending) products that pass the filter; products
    nobody touched yet come last, oldest first, as "new in <category>"."""
    trending = config.hybrid.fallback == "trending"
    popularity = model.trending if trending else model.popularity
    order = model.ranked(trending=trending)
    order = order[matching_mask(model, product_filter)[order]]  # the filter as of the model
    picked: list[int] = []
    step = max(k * FALLBACK_VERIFY, 20)
    for start in range(0, len(order), step):
        chunk = order[start : start + step]
        # stock and categories may have changed since the model was built
        still = set(_filtered_products(store, product_filter, model.product_ids[chunk]))
        picked += [int(i) for i in chunk if int(model.product_ids[i]) in still][: k - len(picked)]
        if len(picked) >= k:
            break
    items = np.asarray(picked, dtype=np.int64)
    kind = "trending" if trending else "popular"
    reasons = [
        engine.Reason(kind if popularity.counts[i] > 0 else "new", category=model.category_names[i] or None)
        for i in items
    ]
    scores = popularity.scores[items]
    zeros = np.zeros(len(items))
    parts = {"profile": zeros, "cooccurrence": zeros, "popularity": scores, "cold_start": zeros}
    rows = materialise_rows(store=store, model=model, items=items, scores=scores, parts=parts, reasons=reasons)
    return RecommendationList(items=rows, kind="fallback", plan="popularity")


def _filtered_products(store, product_filter: ProductFilter, product_ids) -> list[int]:
    qs = Product.objects.filter(store=store, pk__in=[int(pk) for pk in product_ids])
    if product_filter.in_stock:
        qs = qs.filter(stock__gt=0)
    if product_filter.category_ids is not None:
        qs = qs.filter(category_id__in=product_filter.category_ids)
    if product_filter.exclude_ids:
        qs = qs.exclude(pk__in=product_filter.exclude_ids)
    return list(qs.values_list("pk", flat=True))
