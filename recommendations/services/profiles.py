"""Shopper profiles: built in batches on the model queue after new events
(debounced), after products were re-embedded, or by the "rebuild" job.

The stored profile is what the merchant reads (top categories and brands,
counts, recent searches, the optional summary) plus the vector, and the
shopper's recommendations as the storefront API serves them
(recommendations.services.serving). A
recommendation computes the vector again from the same history with the same
code (recommendations.selectors.history), so it is never behind the latest event.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from catalog.models import Job, Membership, Product, Store
from catalog.permissions import require
from catalog.services.jobs import BROKER_ERRORS, job_create, job_progress
from recommendations import engine
from recommendations.config import StoreConfig, store_config
from recommendations.embedding_model import configured_model_id, embed_texts
from recommendations.errors import ShopperNotFound
from recommendations.models import Event, Shopper, ShopperProfile
from recommendations.selectors.history import History, build_history, history_rows
from recommendations.services.serving import stored_lists_build

logger = logging.getLogger(__name__)

REFRESH_TASK = "recommendations.tasks.refresh_profiles"
REBUILD_TASK = "recommendations.tasks.rebuild_profiles"
REFRESH_DEBOUNCE_SECONDS = 15  # events arriving together make one refresh
BATCH_SIZE = 200
TOP_N = 5


# --------------------------------------------------------------------------- scheduling


def profiles_schedule_refresh(*, store: Store) -> bool:
    """Queue one refresh of the store's stale profiles a little later, unless one
    is already waiting. Returns whether a task was sent."""
    key = f"recommendations:profiles-refresh:{store.pk}"
    if not cache.add(key, True, timeout=REFRESH_DEBOUNCE_SECONDS):
        return False
    try:
        current_app.send_task(REFRESH_TASK, args=[store.pk], countdown=REFRESH_DEBOUNCE_SECONDS)
    except BROKER_ERRORS as exc:
        # The events are stored and their shoppers marked stale: the next refresh
        # (the next events, a rebuild) builds them. Not worth failing an ingestion for.
        cache.delete(key)
        logger.warning("profiles.refresh_not_sent", extra={"store": store.pk, "error": str(exc)[:300]})
        return False
    return True


def profiles_mark_stale_for_products(*, store: Store, product_ids: list[int]) -> int:
    """Products got new vectors: the profiles of shoppers who touched them are behind."""
    count = 0
    for start in range(0, len(product_ids), 5000):
        ids = product_ids[start : start + 5000]
        touched = Event.objects.filter(store=store, product_id__in=ids).values("shopper_id")
        count += Shopper.objects.filter(pk__in=touched, profile_stale=False).update(profile_stale=True)
    if count:
        profiles_schedule_refresh(store=store)
    return count


def profiles_rebuild(*, membership: Membership) -> Job:
    """A member asks for every profile of the store to be rebuilt (after changing settings)."""
    require(membership, "catalog.edit")
    return profiles_rebuild_start(store=membership.store, user=membership.user)


def profiles_rebuild_start(*, store: Store, user=None) -> Job:
    """A job that rebuilds every profile of the store."""
    return job_create(store=store, kind=Job.Kind.PROFILES, title="Rebuild shopper profiles", task_name=REBUILD_TASK,
                      user=user, total=Shopper.objects.filter(store=store).count())


# --------------------------------------------------------------------------- building


def profiles_refresh(*, store: Store, everything: bool = False, job: Job | None = None) -> int:
    """Build the stale profiles of the store (or all of them), batch by batch.
    Safe to run twice and alongside ingestion: a shopper whose events changed
    while its profile was being built stays stale for the next run."""
    config = store_config(store=store)
    qs = Shopper.objects.filter(store=store)
    if not everything:
        qs = qs.filter(profile_stale=True)
    built, last_pk = 0, 0
    while True:
        batch = list(qs.filter(pk__gt=last_pk).order_by("pk").values_list("pk", "events_updated_at")[:BATCH_SIZE])
        if not batch:
            break
        last_pk = batch[-1][0]
        profiles_build(store=store, shoppers=batch, config=config)
        built += len(batch)
        if job is not None:
            job_progress(job, done=built, total=max(job.total, built))
    logger.info("profiles.refreshed", extra={"store": store.pk, "built": built, "everything": everything})
    return built


def profiles_build(*, store: Store, shoppers: list[tuple[int, object]], config: StoreConfig) -> None:
    """Build and save the profiles of (shopper id, events_updated_at read) pairs."""
    model_id = configured_model_id()
    ids = [pk for pk, _ in shoppers]
    rows = history_rows(shopper_ids=ids)
    if _embed_missing_texts(rows, model_id=model_id):
        rows = history_rows(shopper_ids=ids)
    histories = {pk: build_history(rows[pk], model_id=model_id) for pk in ids}
    facts = _product_facts({pid for history in histories.values() for pid in history.product_ids})
    now = timezone.now()
    profiles = []
    for pk in ids:
        history = histories[pk]
        vector = history.profile_vector(config.profile) if not history.is_empty else None
        categories, brands = _top_categories_and_brands(history, facts, config.profile)
        profiles.append(ShopperProfile(
            shopper_id=pk, store=store, vector=vector, model_id=model_id if vector is not None else "",
            top_categories=categories, top_brands=brands, event_counts=_event_counts(rows[pk]),
            recent_queries=list(dict.fromkeys(history.queries))[:TOP_N], built_at=now,
        ))
    ShopperProfile.objects.bulk_create(
        profiles, update_conflicts=True, unique_fields=["shopper"],
        update_fields=["vector", "model_id", "top_categories", "top_brands", "event_counts", "recent_queries",
                       "built_at"],
    )
    stored_lists_build(store=store, shoppers=shoppers, config=config)
    _clear_stale(shoppers)


def profile_rebuild(*, shopper: Shopper, membership: Membership) -> ShopperProfile:
    """A member rebuilds one shopper's profile now (the shopper page's button)."""
    require(membership, "catalog.edit")
    if shopper.store_id != membership.store_id:
        raise ShopperNotFound("No such shopper in this store.")
    return profile_refresh_one(shopper=shopper)


def profile_refresh_one(*, shopper: Shopper) -> ShopperProfile:
    """Build one shopper's profile now (before an interest summary is written, tests)."""
    profiles_build(store=shopper.store, shoppers=[(shopper.pk, shopper.events_updated_at)],
                   config=store_config(store=shopper.store))
    return ShopperProfile.objects.get(shopper=shopper)


def _embed_missing_texts(rows: dict[int, list[tuple]], *, model_id: str) -> int:
    """Embed the queries and social texts that have no vector from the current model."""
    missing: dict[int, str] = {}
    for shopper_rows in rows.values():
        missing.update(build_history(shopper_rows, model_id=model_id).texts_to_embed)
    if not missing:
        return 0
    ids = list(missing)
    vectors = embed_texts([missing[pk] for pk in ids])
    events = [Event(pk=pk, text_embedding=vector, text_model_id=model_id) for pk, vector in zip(ids, vectors,
                                                                                             strict=True)]
    Event.objects.bulk_update(events, ["text_embedding", "text_model_id"], batch_size=500)
    return len(events)


def _product_facts(product_ids: set[int]) -> dict[int, tuple[str, str]]:
    """(category name, brand) per product."""
    facts = {}
    for start_ids in _chunks(sorted(product_ids), 5000):
        for pk, brand, category in Product.objects.filter(pk__in=start_ids).values_list("pk", "brand",
                                                                                         "category__name"):
            facts[pk] = (category or "", brand or "")
    return facts


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _top_categories_and_brands(history: History, facts: dict, settings: engine.ProfileSettings):
    """The shares of interest per category and brand, weighted like the profile vector."""
    if not history.product_ids:
        return [], []
    weights = engine.event_weights(history.event_types, history.ages, settings)
    by_category: dict[str, float] = defaultdict(float)
    by_brand: dict[str, float] = defaultdict(float)
    for product_id, weight in zip(history.product_ids, weights, strict=True):
        category, brand = facts.get(product_id, ("", ""))
        if category:
            by_category[category] += weight
        if brand:
            by_brand[brand] += weight
    return _shares(by_category), _shares(by_brand)


def _shares(totals: dict[str, float]) -> list[dict]:
    whole = sum(totals.values())
    if whole <= 0:
        return []
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:TOP_N]
    return [{"name": name, "share": round(float(value / whole), 3)} for name, value in ranked]


def _event_counts(rows: list[tuple]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row[2]] += 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def _clear_stale(shoppers: list[tuple[int, object]]) -> None:
    """Clear the flag only where no event arrived since the history was read."""
    if not shoppers:
        return
    ids = [pk for pk, _ in shoppers]
    stamps = [stamp for _, stamp in shoppers]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE recommendations_shopper AS s SET profile_stale = false
              FROM unnest(%s::bigint[], %s::timestamptz[]) AS read(id, events_updated_at)
             WHERE s.id = read.id AND s.events_updated_at IS NOT DISTINCT FROM read.events_updated_at
            """,
            [ids, stamps],
        )
