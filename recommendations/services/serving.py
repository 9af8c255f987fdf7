"""Recommendations as the storefront API serves them: from a list stored with the shopper's
profile, as Gorse serves from its cache of recommendations, so that a storefront's request
costs a lookup instead of a scoring.

- A shopper's top STORED_K under the default filters (in stock, purchases left out) is
  computed by the worker whenever it builds their profile: after their events (the debounced
  refresh), after products were re-embedded, and in the "rebuild profiles" job. A request that
  finds no current list computes one and stores it.
- A stored list is current while the shopper has had no event since it was computed (their
  events_updated_at is the one it was computed from), it was computed with the embedding model
  configured now, after the store's settings were last saved (saving clears the store's
  lists), and it is younger than STORED_MAX_AGE_SECONDS (new products and popularity move
  slowly).
- Stock is checked on every request, in the one query that reads the products served; a
  list that no longer has k products in stock is computed afresh.
- Other filters (a category, leaving out what was seen), or k over STORED_K, are computed
  afresh every time.

Served this way, a recommendation takes two queries (the stored list, its products in stock)
after the API key's and the shopper's.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from django.utils import timezone

from catalog.models import Product, Store
from recommendations import engine
from recommendations.config import StoreConfig
from recommendations.embedding_model import configured_model_id
from recommendations.models import Shopper, ShopperProfile
from recommendations.selectors.ranking import (
    Recommendation,
    RecommendationFilters,
    RecommendationList,
    recommend_for_shopper,
)

logger = logging.getLogger(__name__)

STORED_K = 30  # the API's default k is 10; up to this many are served from the stored list
STORED_MAX_AGE_SECONDS = 3600
STORED_FILTERS = RecommendationFilters()  # in stock, purchases left out
STORED_FIELDS = ("recommended", "recommended_kind", "recommended_for", "recommended_model", "recommended_at")


def recommendations_served(*, store: Store, shopper: Shopper, k: int = 10,
                           filters: RecommendationFilters = RecommendationFilters()) -> RecommendationList:
    """The shopper's top k under the filters: from their stored list while it is current,
    else computed afresh (and stored, for the default filters)."""
    if filters != STORED_FILTERS or k > STORED_K:
        return recommend_for_shopper(store=store, shopper=shopper, k=k, filters=filters)
    stored = stored_recommendations(store=store, shopper=shopper, k=k)
    if stored is not None:
        return stored
    computed = recommend_for_shopper(store=store, shopper=shopper, k=STORED_K, filters=filters)
    stored_list_save(shopper_id=shopper.pk, events_at=shopper.events_updated_at, result=computed)
    return RecommendationList(items=computed.items[:k], kind=computed.kind, plan=computed.plan,
                              timings=computed.timings)


# --------------------------------------------------------------------------- the stored lists


def stored_recommendations(*, store: Store, shopper: Shopper, k: int) -> RecommendationList | None:
    """The shopper's stored list cut to its first k products still in stock, or None when there
    is no current list or it has fewer than k of them."""
    row = ShopperProfile.objects.filter(shopper_id=shopper.pk, store=store).values_list(*STORED_FIELDS).first()
    if row is None:
        return None
    items, kind, events_at, model_id, computed_at = row
    if (not items or len(items) < k or computed_at is None or events_at != shopper.events_updated_at
            or model_id != configured_model_id()
            or timezone.now() - computed_at > timedelta(seconds=STORED_MAX_AGE_SECONDS)):
        return None
    # The first products in stock, in the list's order: read a few more than k in case some sold out.
    wanted = [entry[0] for entry in items[: k + max(k // 2, 5)]]
    products = (Product.objects.filter(store=store, pk__in=wanted, stock__gt=0).select_related("category")
                .in_bulk())
    served = []
    for product_id, score, parts, reason_kind, reason_text in items:
        product = products.get(product_id)
        if product is None:
            continue
        served.append(Recommendation(product=product, score=score, parts=parts,
                                     reason=engine.Reason(reason_kind), reason_text=reason_text))
        if len(served) == k:
            return RecommendationList(items=served, kind=kind, plan="stored")
    return None


def _stored_fields(result: RecommendationList, *, events_at, model_id: str, now) -> dict:
    """The profile's fields that hold a list computed from the shopper's events up to `events_at`."""
    entries = [[item.product.pk, round(float(item.score), 6),
                {name: round(float(value), 6) for name, value in item.parts.items()},
                item.reason.kind, item.reason_text] for item in result.items]
    return {"recommended": entries, "recommended_kind": result.kind, "recommended_for": events_at,
            "recommended_model": model_id, "recommended_at": now}


def stored_list_save(*, shopper_id: int, events_at, result: RecommendationList) -> bool:
    """Store a list computed from the shopper's events up to `events_at`. Returns whether the
    shopper has a profile to keep it in (one is built after their first events)."""
    fields = _stored_fields(result, events_at=events_at, model_id=configured_model_id(), now=timezone.now())
    return bool(ShopperProfile.objects.filter(shopper_id=shopper_id).update(**fields))


def stored_lists_build(*, store: Store, shoppers: list[tuple[int, object]], config: StoreConfig) -> int:
    """Compute and store the lists of (shopper id, events_updated_at read) pairs, whose profiles
    exist. A shopper whose events changed meanwhile keeps a list that is not current, which the
    next refresh replaces (and a request meanwhile computes afresh)."""
    started = time.perf_counter()
    now, model_id = timezone.now(), configured_model_id()
    rows = []
    for pk, events_at in shoppers:
        shopper = Shopper(pk=pk, store=store, events_updated_at=events_at)
        result = recommend_for_shopper(store=store, shopper=shopper, k=STORED_K, filters=STORED_FILTERS,
                                       config=config)
        rows.append(ShopperProfile(shopper_id=pk, **_stored_fields(result, events_at=events_at, model_id=model_id,
                                                                   now=now)))
    ShopperProfile.objects.bulk_update(rows, STORED_FIELDS, batch_size=500)
    logger.info("recommendations.stored", extra={"store": store.pk, "shoppers": len(rows),
                                                  "seconds": round(time.perf_counter() - started, 2)})
    return len(rows)


def stored_lists_clear(*, store: Store) -> int:
    """The store's settings changed: no stored list is current any more (each is computed
    afresh on its next request, and again by the next profile build)."""
    return ShopperProfile.objects.filter(store=store, recommended_at__isnull=False).update(
        recommended=[], recommended_at=None)
