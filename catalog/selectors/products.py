"""Reads of products and categories. The list uses keyset pagination and a
capped count so it stays fast at 100k products: no OFFSET scan, no COUNT(*)
over the whole table."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.postgres.search import SearchQuery
from django.db.models import Q, QuerySet

from catalog import hooks
from catalog.errors import CategoryNotFound, ProductNotFound
from catalog.importing import sku_key
from catalog.models import Category, Product, Store
from catalog.request_values import id_or_none

COUNT_CAP = 10_000
# The longest text a cursor may carry: a title (the longest text column sorted on).
MAX_CURSOR_TEXT = 500

# sort key -> (ordering fields, value getter for the cursor)
SORTS = {
    "title": ("Title A-Z", ("title", "id")),
    "-updated": ("Recently updated", ("-updated_at", "-id")),
    "sku": ("SKU", ("sku", "id")),
}


@dataclass
class ProductFilters:
    q: str = ""
    category_id: int | None = None
    brand: str = ""
    stock: str = ""  # "" | "in" | "out"
    extra: dict = field(default_factory=dict)  # filters other apps register (catalog.hooks.product_list_filters)
    sort: str = "title"

    @classmethod
    def from_querydict(cls, data) -> ProductFilters:
        category_id = id_or_none(data.get("category"))
        sort = data.get("sort") or "title"
        return cls(
            q=(data.get("q") or "").strip()[:200],
            category_id=category_id,
            brand=(data.get("brand") or "").strip()[:200],
            stock=data.get("stock") if data.get("stock") in {"in", "out"} else "",
            sort=sort if sort in SORTS else "title",
            extra={extra.param: str(data.get(extra.param))[:200] for extra in hooks.product_list_filters
                   if data.get(extra.param)},
        )

    def as_query(self) -> dict:
        query = {"q": self.q, "category": self.category_id or "", "brand": self.brand, "stock": self.stock,
                 "sort": self.sort if self.sort != "title" else "", **self.extra}
        return {key: value for key, value in query.items() if value}


def product_queryset(*, store: Store, filters: ProductFilters) -> QuerySet[Product]:
    qs = Product.objects.filter(store=store)
    if filters.q:
        query = SearchQuery(filters.q, config="simple", search_type="websearch")
        prefix = sku_key(filters.q.split()[0])
        qs = qs.filter(Q(search=query) | Q(sku_key__startswith=prefix) | Q(title__icontains=filters.q))
    if filters.category_id:
        category = Category.objects.filter(store=store, pk=filters.category_id).first()
        if category is None:
            return qs.none()
        qs = qs.filter(Q(category=category) | Q(category__path__startswith=category.path + Category.PATH_SEPARATOR))
    if filters.brand:
        qs = qs.filter(brand__iexact=filters.brand)
    if filters.stock == "in":
        qs = qs.filter(stock__gt=0)
    elif filters.stock == "out":
        qs = qs.filter(stock__lte=0)
    for extra in hooks.product_list_filters:
        if filters.extra.get(extra.param):
            qs = extra.apply(qs, filters.extra[extra.param])
    return qs


@dataclass
class Page:
    items: list
    next_cursor: str | None
    prev_cursor: str | None
    count: int = 0
    count_capped: bool = False


def _encode_cursor(values: list, direction: str) -> str:
    payload = json.dumps({"v": values, "d": direction}, default=str).encode()
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def _decode_cursor(cursor: str, fields: tuple[str, ...]) -> tuple[list, str] | None:
    """The cursor's values, each checked against the type of its field, and its
    direction; None for anything else (a cursor is a URL anyone can edit)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values, direction = payload["v"], payload["d"]
        if not isinstance(values, list) or len(values) != len(fields) or direction not in ("next", "prev"):
            return None
        return [_cursor_value(name.lstrip("-"), value) for name, value in zip(fields, values, strict=True)], direction
    except (ValueError, KeyError, TypeError, binascii.Error, RecursionError):
        return None


def _cursor_value(column: str, value):
    """ValueError unless `value` is what `column` holds."""
    if column == "id":
        number = id_or_none(value)
        if number is None:
            raise ValueError("not an id")
        return number
    if column == "updated_at":
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        if moment is None or moment.tzinfo is None:
            raise ValueError("not a time with a zone")
        return moment
    if not isinstance(value, str) or len(value) > MAX_CURSOR_TEXT or "\x00" in value:
        raise ValueError("not a text value")
    return value


def _cursor_values(product: Product, fields: tuple[str, ...]) -> list:
    values = []
    for name in fields:
        value = getattr(product, name.lstrip("-"))
        values.append(value.isoformat() if isinstance(value, datetime) else value)
    return values


def _after(fields: tuple[str, ...], values: list, forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in the given ordering:
    (a > x) or (a = x and b > y), with > flipped for descending fields."""
    condition = Q()
    for index, name in enumerate(fields):
        column = name.lstrip("-")
        ascending = not name.startswith("-")
        op = "gt" if ascending == forward else "lt"
        step = Q(**{f"{column}__{op}": values[index]})
        for prev_index in range(index):
            step &= Q(**{fields[prev_index].lstrip("-"): values[prev_index]})
        condition |= step
    return condition


def paginate_keyset(qs: QuerySet, *, sort: str, cursor: str | None, page_size: int) -> Page:
    fields = SORTS[sort][1]
    decoded = _decode_cursor(cursor, fields) if cursor else None
    forward = True
    if decoded:
        values, direction = decoded
        forward = direction != "prev"
        qs = qs.filter(_after(fields, values, forward))
    ordering = fields if forward else tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    rows = list(qs.order_by(*ordering)[: page_size + 1])
    has_more = len(rows) > page_size
    rows = rows[:page_size]
    if not forward:
        rows.reverse()
    next_cursor = prev_cursor = None
    if rows:
        if (forward and has_more) or (not forward and decoded):
            next_cursor = _encode_cursor(_cursor_values(rows[-1], fields), "next")
        if (forward and decoded) or (not forward and has_more):
            prev_cursor = _encode_cursor(_cursor_values(rows[0], fields), "prev")
    return Page(items=rows, next_cursor=next_cursor, prev_cursor=prev_cursor)


# How many products `title_only_count` reads at most: enough to say how a selection stands.
TITLE_ONLY_SAMPLE = 2_000
_NOT_ALNUM = re.compile(r"[\W_]+")


def title_only_count(qs: QuerySet, *, limit: int = TITLE_ONLY_SAMPLE) -> tuple[int, int]:
    """Of the first `limit` products of `qs`: how many say nothing but their title
    (`says_only_its_title`), and how many were read."""
    rows = list(qs.order_by("id").values_list("title", "description", "attributes")[:limit])
    return sum(says_only_its_title(*row) for row in rows), len(rows)


def says_only_its_title(title: str, description: str, attributes: dict | None) -> bool:
    """No description, and no attribute its title does not already give. Copy written for such a
    product can only restate its title, or make things up: the product data, not the model, decides
    how much true copy can say (bench/RESULTS.md, the copy yardstick)."""
    if description.strip():
        return False
    folded = _NOT_ALNUM.sub("", title.casefold())
    values = [str(value) for value in (attributes or {}).values() if value not in (None, "", False)]
    return all(_NOT_ALNUM.sub("", value.casefold()) in folded for value in values)


def count_capped(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """The number of rows up to `cap`: SELECT COUNT(*) FROM (... LIMIT cap+1)."""
    count = qs.order_by()[: cap + 1].count()
    return min(count, cap), count > cap


def product_page(*, store: Store, filters: ProductFilters, cursor: str | None, page_size: int) -> Page:
    qs = product_queryset(store=store, filters=filters).select_related("category")
    page = paginate_keyset(qs, sort=filters.sort, cursor=cursor, page_size=page_size)
    # Counted without the cursor condition: the size of the whole filtered list.
    page.count, page.count_capped = count_capped(qs)
    return page


def category_choices(*, store: Store) -> list[Category]:
    categories = list(Category.objects.filter(store=store).only("id", "name", "path", "depth").order_by("path"))
    for category in categories:
        category.indented_name = "\u2002\u2002" * category.depth + category.name  # en spaces survive in <option>
    return categories


def brand_choices(*, store: Store, limit: int = 300) -> list[str]:
    return list(
        Product.objects.filter(store=store)
        .exclude(brand="")
        .values_list("brand", flat=True)
        .distinct()
        .order_by("brand")[:limit]
    )


def product_ids_by_sku(*, store: Store, skus: Iterable[str]) -> dict[str, int]:
    """Each SKU as given mapped to the id of the store's product it names, by
    the one SKU rule (catalog.importing.sku_key); SKUs of no product are left out."""
    keys = {sku: sku_key(sku) for sku in skus if sku}
    if not keys:
        return {}
    ids = dict(Product.objects.filter(store=store, sku_key__in=set(keys.values())).values_list("sku_key", "pk"))
    return {sku: ids[key] for sku, key in keys.items() if key in ids}


def product_for_store(*, store: Store, product_id: int) -> Product:
    """The product, or ProductNotFound when it is not this store's."""
    product = Product.objects.select_related("category", "store").filter(store=store, pk=product_id).first()
    if product is None:
        raise ProductNotFound("No such product in this store.")
    return product


def product_for_sku(*, store: Store, sku: str) -> Product:
    """The store's product with this SKU, or ProductNotFound (another store's is the same as none)."""
    product = Product.objects.select_related("category").filter(store=store, sku_key=sku_key(sku)).first()
    if product is None:
        raise ProductNotFound("No product with this SKU in this store.")
    return product


def category_by_name(*, store: Store, name: str) -> Category:
    """A category named by its full path ("Lab > Pipettes") or, when that is
    unique in the store, its own name ("Pipettes"); CategoryNotFound otherwise."""
    name = name.strip()
    category = Category.objects.filter(store=store, path__iexact=name).first()
    if category is None:
        matches = list(Category.objects.filter(store=store, name__iexact=name)[:2])
        category = matches[0] if len(matches) == 1 else None
    if category is None:
        raise CategoryNotFound("No such category in this store (give its full path when its name is not unique).")
    return category


FILTER_LABELS = {"q": "search", "category": "category", "brand": "brand", "stock": "stock", "sort": "sorted by"}
STOCK_LABELS = {"in": "in stock", "out": "out of stock"}


def describe_filters(*, store: Store, query: dict) -> list[tuple[str, str]]:
    """A catalog filter as a merchant reads it: the category's path, not its id."""
    labels = {**FILTER_LABELS, **{extra.param: extra.label or extra.param for extra in hooks.product_list_filters}}
    described = []
    for key, value in query.items():
        if key == "category":
            path = Category.objects.filter(store=store, pk=value).values_list("path", flat=True).first()
            value = path or f"#{value} (deleted)"
        elif key == "stock":
            value = STOCK_LABELS.get(value, value)
        described.append((labels.get(key, key), str(value)))
    return described
