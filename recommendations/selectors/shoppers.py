"""Reads for the recommendation screens: shoppers (keyset pages), a shopper's
timeline, the store's numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from catalog.models import Job, Store
from catalog.request_values import id_or_none
from catalog.selectors import count_capped
from recommendations.errors import ShopperNotFound
from recommendations.models import EvaluationRun, Event, Shopper, ShopperProfile

PAGE_SIZE = 50
TIMELINE_PAGE = 30


@dataclass
class ShopperPage:
    items: list[Shopper]
    next_cursor: str | None
    count: int
    count_capped: bool


def _cursor(shopper: Shopper) -> str:
    return f"{shopper.last_event_at.isoformat() if shopper.last_event_at else ''}|{shopper.pk}"


def _after(cursor: str) -> Q | None:
    """Shoppers after the cursor in (-last_event_at, -id) order; shoppers
    without events (NULL) come last."""
    stamp, _, raw_pk = cursor.partition("|")
    pk = id_or_none(raw_pk)
    try:
        moment = datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
    if pk is None or (moment is not None and moment.tzinfo is None):
        return None
    if moment is None:
        return Q(last_event_at__isnull=True, pk__lt=pk)
    return Q(last_event_at__lt=moment) | Q(last_event_at=moment, pk__lt=pk) | Q(last_event_at__isnull=True)


def shopper_queryset(*, store: Store, q: str = "") -> QuerySet[Shopper]:
    qs = Shopper.objects.filter(store=store)
    if q:
        qs = qs.filter(external_id__istartswith=q)
    return qs


def shopper_page(*, store: Store, q: str = "", cursor: str | None = None, page_size: int = PAGE_SIZE) -> ShopperPage:
    qs = shopper_queryset(store=store, q=q)
    count, capped = count_capped(qs)
    paged = qs
    if cursor and (condition := _after(cursor)) is not None:
        paged = qs.filter(condition)
    rows = list(
        paged.select_related("profile").order_by(F("last_event_at").desc(nulls_last=True), "-pk")[: page_size + 1]
    )
    more = len(rows) > page_size
    rows = rows[:page_size]
    return ShopperPage(items=rows, next_cursor=_cursor(rows[-1]) if more and rows else None, count=count,
                       count_capped=capped)


def shopper_for_store(*, store: Store, shopper_id: int) -> Shopper:
    """The shopper, or ShopperNotFound when it is not this store's."""
    shopper = Shopper.objects.select_related("store").filter(store=store, pk=shopper_id).first()
    if shopper is None:
        raise ShopperNotFound("No such shopper in this store.")
    return shopper


def shopper_by_external_id(*, store: Store, external_id: str) -> Shopper:
    """The shopper the storefront knows by this id, or ShopperNotFound (a
    shopper of another store is the same as none)."""
    shopper = Shopper.objects.filter(store=store, external_id=external_id).first()
    if shopper is None:
        raise ShopperNotFound("No shopper with this id in this store.")
    shopper.store = store  # the caller's store row: saves a query in every recommendation
    return shopper


def shopper_profile(*, shopper: Shopper) -> ShopperProfile | None:
    return ShopperProfile.objects.filter(shopper=shopper).defer("vector").first()


def shopper_timeline(
    *, shopper: Shopper, before: int | None = None, limit: int = TIMELINE_PAGE
) -> tuple[list, int | None]:
    """The latest events (or those before event id `before`), newest first, and
    the id to continue from."""
    qs = Event.objects.filter(shopper=shopper).select_related("product").defer("text_embedding")
    if before:
        anchor = Event.objects.filter(shopper=shopper, pk=before).values_list("occurred_at", flat=True).first()
        if anchor is not None:
            qs = qs.filter(Q(occurred_at__lt=anchor) | Q(occurred_at=anchor, pk__lt=before))
    rows = list(qs.order_by("-occurred_at", "-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


def active_summary_job(*, shopper: Shopper) -> Job | None:
    return Job.objects.filter(store_id=shopper.store_id, kind=Job.Kind.PROFILES, status__in=Job.ACTIVE_STATUSES,
                              params__shopper_id=shopper.pk).first()


def sample_shoppers(*, store: Store, limit: int = 3) -> list[Shopper]:
    """The most active shoppers, for the settings preview."""
    return list(Shopper.objects.filter(store=store).order_by("-event_count", "pk")[:limit])


def store_numbers(*, store: Store) -> dict:
    shoppers, shoppers_capped = count_capped(Shopper.objects.filter(store=store), cap=1_000_000)
    events, events_capped = count_capped(Event.objects.filter(store=store), cap=10_000_000)
    return {"shoppers": shoppers, "shoppers_capped": shoppers_capped, "events": events,
            "events_capped": events_capped}


def evaluation_runs(*, store: Store, limit: int = 30) -> list[EvaluationRun]:
    return list(EvaluationRun.objects.filter(store=store).select_related("job", "created_by")[:limit])


def latest_evaluation(*, store: Store) -> EvaluationRun | None:
    return EvaluationRun.objects.filter(store=store, finished_at__isnull=False).order_by("-finished_at").first()
