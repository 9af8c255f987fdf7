"""A store's scoring data: what its shoppers did as a whole (popularity,
all-time and trending, and item co-occurrence), built from its events with
recommendations.engine and cached in the process.

Building costs a few hundred milliseconds for tens of thousands of events, so it
is reused until it is MAX_AGE_SECONDS old and events have arrived since
(checked with one indexed query per request), or the settings changed, or a
product it does not know shows up. Each web and worker process keeps its own.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import numpy as np
from django.db.models import Max, OuterRef, Subquery

from catalog.models import Product, Store
from recommendations import engine
from recommendations.config import StoreConfig
from recommendations.models import Event

logger = logging.getLogger(__name__)

MAX_AGE_SECONDS = 60.0
# How many stores' scoring data a web process builds when it starts (warm_recent_stores).
WARM_STORES = 5


@dataclass
class ScoringData:
    store_id: int
    config_key: tuple
    last_event_id: int
    built_at: float  # time.monotonic()
    product_ids: np.ndarray  # catalog index -> product id (ascending)
    category_ids: np.ndarray  # per index, -1 without a category
    category_names: np.ndarray  # per index, the leaf category's name
    in_stock: np.ndarray  # per index, as of the build (for selectivity estimates only)
    popularity: engine.Popularity
    trending: engine.Popularity
    cooccurrence: engine.CooccurrenceModel
    events: int

    @property
    def n_items(self) -> int:
        return len(self.product_ids)

    def index_of(self, product_ids) -> np.ndarray:
        """Catalog indices of product ids (product_ids is sorted: a binary search);
        -1 for a product the model does not know."""
        wanted = np.asarray(list(product_ids) if isinstance(product_ids, set | frozenset) else product_ids,
                            dtype=np.int64)
        positions = np.searchsorted(self.product_ids, wanted)
        clipped = np.minimum(positions, max(self.n_items - 1, 0))
        known = (positions < self.n_items) & (self.product_ids[clipped] == wanted) if self.n_items else \
            np.zeros(len(wanted), dtype=bool)
        return np.where(known, positions, -1).astype(np.int64)

    def ranked(self, *, trending: bool) -> np.ndarray:
        """Indices by popularity, best first; ties to the lower index (older product)."""
        counts = (self.trending if trending else self.popularity).counts
        cached = f"_ranked_{trending}"
        if not hasattr(self, cached):
            setattr(self, cached, np.lexsort((np.arange(len(counts)), -counts)))
        return getattr(self, cached)


_models: dict[int, ScoringData] = {}
_locks: dict[int, threading.Lock] = {}
_guard = threading.Lock()


def model_key(config: StoreConfig) -> tuple:
    """The settings a store model is built with: other settings (weights, pool,
    diversity) change the scoring, not the model, and must not force a rebuild
    (the settings preview scores with proposed weights on the same model)."""
    hybrid = config.hybrid
    return (hybrid.cooccurrence_neighbours, hybrid.cooccurrence_alpha, hybrid.cooccurrence_shrinkage,
            hybrid.cooccurrence_pair_half_life, hybrid.trending_half_life_days)


def _last_event_id(store: Store) -> int:
    return Event.objects.filter(store=store).aggregate(last=Max("id"))["last"] or 0


def scoring_data(*, store: Store, config: StoreConfig, refresh: bool = False) -> ScoringData:
    """The store's model, rebuilt when it is out of date (see the module docstring)."""
    model = _models.get(store.pk)
    if not refresh and model is not None and model.config_key == model_key(config) \
            and time.monotonic() - model.built_at < MAX_AGE_SECONDS:
        return model  # young enough whatever arrived since: no query
    last_event_id = _last_event_id(store)
    if not refresh and _fresh(model, config, last_event_id):
        return model
    with _guard:
        lock = _locks.setdefault(store.pk, threading.Lock())
    with lock:
        model = _models.get(store.pk)
        if not refresh and _fresh(model, config, last_event_id):
            return model  # another thread built it while this one waited
        model = build_scoring_data(store=store, config=config, last_event_id=last_event_id)
        _models[store.pk] = model
        return model


def _fresh(model: ScoringData | None, config: StoreConfig, last_event_id: int) -> bool:
    if model is None or model.config_key != model_key(config):
        return False
    return model.last_event_id == last_event_id or time.monotonic() - model.built_at < MAX_AGE_SECONDS


def warm_recent_stores(*, limit: int = WARM_STORES) -> None:
    """Build the scoring data of the stores whose shoppers were active last: a web
    process does this when it starts (catalog.hooks.web_warmups), so their first
    search or recommendation does not wait for the build. Other stores build theirs
    on first use, as before."""
    from recommendations.config import store_config

    latest = Event.objects.filter(store=OuterRef("pk")).order_by("-id").values("id")[:1]
    stores = (Store.objects.annotate(latest_event=Subquery(latest)).filter(latest_event__isnull=False)
              .order_by("-latest_event")[:limit])
    for store in stores:
        scoring_data(store=store, config=store_config(store=store))


def forget_scoring_data() -> None:
    """Drop every cached model (tests, and after bulk changes in a command)."""
    _models.clear()


def build_scoring_data(*, store: Store, config: StoreConfig, last_event_id: int | None = None) -> ScoringData:
    started = time.perf_counter()
    if last_event_id is None:
        last_event_id = _last_event_id(store)
    products = list(
        Product.objects.filter(store=store).order_by("pk").values_list("pk", "category_id", "category__name", "stock")
    )
    product_ids = np.fromiter((row[0] for row in products), dtype=np.int64, count=len(products))
    category_ids = np.fromiter((row[1] or -1 for row in products), dtype=np.int64, count=len(products))
    category_names = np.array([row[2] or "" for row in products], dtype=object)
    in_stock = np.fromiter((row[3] > 0 for row in products), dtype=bool, count=len(products))
    index = {int(pk): i for i, pk in enumerate(product_ids)}

    rows = list(
        Event.objects.filter(store=store, product__isnull=False, id__lte=last_event_id)
        .order_by("shopper_id", "occurred_at", "id")
        .values_list("shopper_id", "product_id", "occurred_at")
    )
    rows = [row for row in rows if row[1] in index]
    shoppers = np.unique(np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)), return_inverse=True)[1]
    items = np.fromiter((index[row[1]] for row in rows), dtype=np.int64, count=len(rows))
    seconds = np.fromiter((row[2].timestamp() for row in rows), dtype=np.float64, count=len(rows))
    n = len(product_ids)
    popularity = engine.build_popularity(items, n, categories=category_names)
    ages = (seconds.max() - seconds) / 86400.0 if len(seconds) else seconds
    trending = engine.build_popularity(
        items, n, categories=category_names, ages_days=ages, half_life_days=config.hybrid.trending_half_life_days
    )
    cooccurrence = engine.build_cooccurrence_from_settings(shoppers, items, n, config.hybrid, order=seconds)
    model = ScoringData(
        store_id=store.pk, config_key=model_key(config), last_event_id=last_event_id, built_at=time.monotonic(),
        product_ids=product_ids, category_ids=category_ids, category_names=category_names, in_stock=in_stock,
        popularity=popularity, trending=trending, cooccurrence=cooccurrence, events=len(rows),
    )
    logger.info("recommendations.store_model_built", extra={
        "store": store.pk, "products": n, "events": len(rows), "ms": round(1000 * (time.perf_counter() - started)),
    })
    return model
