"""How the apps above catalog extend it without catalog naming them.

Catalog owns these registries; content and recommendations fill them in their
AppConfig.ready(). Catalog code calls or renders whatever is registered, so a
catalog page shows a product's live copy or similar products, and a product's
import re-embeds it, with no import, URL name or template of those apps here.
Content and recommendations never import each other either: they meet only
through these hooks (a published description reaches the embeddings through
`product_descriptions`, a publish marks the product changed through
`products_changed`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from catalog.models import Job, Product, Store

logger = logging.getLogger(__name__)

T = TypeVar("T")


class Hook(Generic[T]):
    """An ordered registry. Registering the same item twice keeps one (ready()
    can run more than once in tests)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: list[T] = []

    def register(self, item: T) -> T:
        if item not in self._items:
            self._items.append(item)
        return item

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items))

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._items)} registered>"


@dataclass(frozen=True)
class Section:
    """A block another app adds to a catalog page: `template` rendered with the
    page's context plus `data`. `placement` says where: the main column, the
    side column, or (home page) the row of numbers at the top."""

    template: str
    data: Mapping[str, Any] = field(default_factory=dict)
    placement: Literal["main", "side", "stat"] = "main"


def collect(hook: Hook[Callable[..., Iterable[Section] | None]], *args: Any) -> list[Section]:
    """Every section the registered callables give for these arguments, in order."""
    return [section for provider in hook for section in (provider(*args) or ())]


# --------------------------------------------------------------------------- events


class StoreCreated(Protocol):
    def __call__(self, *, store: Store) -> None: ...


class ProductsChanged(Protocol):
    def __call__(self, *, store: Store, product_ids: Sequence[int]) -> None: ...


# A new store gets what each app needs to start (content: its brand voice and default templates).
store_created: Hook[StoreCreated] = Hook("store_created")

# A product's text changed (an import, a published description): recommendations re-embed it.
products_changed: Hook[ProductsChanged] = Hook("products_changed")


def store_created_send(*, store: Store) -> None:
    for receiver in store_created:
        receiver(store=store)


def products_changed_send(*, store: Store, product_ids: Sequence[int]) -> None:
    if not product_ids:
        return
    for receiver in products_changed:
        receiver(store=store, product_ids=product_ids)


# --------------------------------------------------------------------------- product texts


class ProductDescriptions(Protocol):
    def __call__(self, products: Sequence[Product]) -> Mapping[int, str]: ...


# The description shoppers read, by product id, where an app has one that
# should win over the imported text (content: the published description).
product_descriptions: Hook[ProductDescriptions] = Hook("product_descriptions")


def descriptions_for(products: Sequence[Product]) -> dict[int, str]:
    found: dict[int, str] = {}
    for provider in product_descriptions:
        for product_id, text in provider(products).items():
            if text:
                found.setdefault(product_id, text)
    return found


# --------------------------------------------------------------------------- pages


class HomeSections(Protocol):
    def __call__(self, request: HttpRequest) -> Iterable[Section] | None: ...


class ProductSections(Protocol):
    def __call__(self, request: HttpRequest, product: Product) -> Iterable[Section] | None: ...


class JobSections(Protocol):
    def __call__(self, request: HttpRequest, job: Job) -> Iterable[Section] | None: ...


home_sections: Hook[HomeSections] = Hook("home_sections")
product_sections: Hook[ProductSections] = Hook("product_sections")
# Buttons in the product page's header, and above the product list.
product_actions: Hook[ProductSections] = Hook("product_actions")
product_list_actions: Hook[HomeSections] = Hook("product_list_actions")
# What a job page shows below the progress of a job of the app's kind.
job_panels: Hook[JobSections] = Hook("job_panels")


@dataclass(frozen=True)
class ProductListFilter:
    """A filter of the product list that another app owns (content: "has
    published copy"): its query-string key, the control shown in the filter
    bar, and how it narrows the queryset for a value."""

    param: str
    template: str
    apply: Callable[[QuerySet[Product], str], QuerySet[Product]]
    label: str = ""


product_list_filters: Hook[ProductListFilter] = Hook("product_list_filters")


# --------------------------------------------------------------------------- navigation


@dataclass(frozen=True)
class NavItem:
    """A link in the sidebar. Items are grouped under `group` (groups and items
    keep their `order`); `active` lists the URL names that highlight it (a
    trailing "*" matches a prefix; default: `url_name`); `badge` counts what
    waits there, for the store."""

    group: str
    label: str
    url_name: str
    order: int
    permission: str = "view"
    active: tuple[str, ...] = ()
    badge: Callable[[Store], int] | None = None
    badge_title: str = ""

    @property
    def key(self) -> str:
        """What the link's data-nav-item says, for scripts and tests: "content:review" -> "review"."""
        return self.url_name.rpartition(":")[2]

    def is_active(self, view_name: str) -> bool:
        return any(view_name.startswith(name[:-1]) if name.endswith("*") else view_name == name
                   for name in self.active or (self.url_name,))


nav_items: Hook[NavItem] = Hook("nav_items")


# --------------------------------------------------------------------------- shoppers, for campaigns


@dataclass(frozen=True)
class ShopperSegment:
    """Shoppers whose strongest interest is one category (or brand): `size` of
    them, and the storefront ids of the most active few."""

    value: str
    size: int
    sample: tuple[str, ...]


class ShopperAudience(Protocol):
    """What campaigns need to know about a store's shoppers, from the app that
    keeps them (recommendations registers one). `by` is "category" or "brand";
    `active_since` keeps shoppers with an event since then (None: all)."""

    def segments(self, *, store: Store, by: str, active_since: datetime | None, limit: int,
                 sample: int) -> list[ShopperSegment]: ...

    def segment_of(self, *, store: Store, shopper_ref: str, by: str, active_since: datetime | None) -> str | None: ...

    def recommended_products(self, *, store: Store, shopper_refs: Sequence[str], k: int) -> list[int]:
        """Product ids most recommended to these shoppers, best first."""
        ...

    def campaign_responses(self, *, store: Store, tag_prefix: str) -> Mapping[str, Mapping[str, int]]:
        """{campaign tag: {event type: shoppers}} for the view and purchase events
        tagged with a tag that starts with `tag_prefix`."""
        ...


shopper_audiences: Hook[ShopperAudience] = Hook("shopper_audiences")


def shopper_audience() -> ShopperAudience:
    for audience in shopper_audiences:
        return audience
    raise LookupError("No app registered a shopper audience (catalog.hooks.shopper_audiences).")
# --------------------------------------------------------------------------- process start


class Warmup(Protocol):
    def __call__(self) -> None: ...


# What a web process loads once when it starts, before it takes requests, so that no
# request pays for it (recommendations: the embedding model semantic search needs).
web_warmups: Hook[Warmup] = Hook("web_warmups")


def web_warm() -> dict[str, float]:
    """Run every warm-up; seconds each took. A failing one is logged and skipped:
    the request that needs it then loads it, or says why it cannot."""
    import time

    spent = {}
    for warmup in web_warmups:
        name = getattr(warmup, "__qualname__", repr(warmup))
        started = time.monotonic()
        try:
            warmup()
        except Exception:  # noqa: BLE001 - a warm-up never stops the web server
            logger.exception("web.warmup_failed", extra={"warmup": name})
            continue
        spent[name] = round(time.monotonic() - started, 3)
    logger.info("web.warmed", extra={"seconds": spent})
    return spent
