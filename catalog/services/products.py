"""Categories and products: the one way products are created or changed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.utils import timezone

from catalog import hooks, importing
from catalog.models import Category, Product, Store

# Rows per statement when products are written in bulk.
UPSERT_CHUNK_SIZE = 500


def category_for_path(*, store: Store, path: Sequence[str], cache: dict | None = None) -> Category | None:
    """The leaf category of a path such as ["Tools", "Sanding", "Discs"],
    creating the missing levels."""
    names = [name.strip()[:200] for name in path if name and name.strip()]
    if not names:
        return None
    cache = {} if cache is None else cache
    parent = None
    for depth in range(len(names)):
        full = Category.PATH_SEPARATOR.join(names[: depth + 1])
        category = cache.get(full)
        if category is None:
            category, _ = Category.objects.get_or_create(
                store=store, path=full, defaults={"name": names[depth], "parent": parent, "depth": depth}
            )
            cache[full] = category
        parent = category
    return parent


def products_upsert(*, store: Store, rows: Iterable[importing.ProductRow]) -> int:
    """Create or update products by SKU key (importing.sku_key: "gl-100" updates
    "GL-100", whose SKU keeps its spelling); one statement per chunk. Columns a
    row leaves empty keep their current values on an existing product."""
    rows = list(rows)
    if not rows:
        return 0
    cache: dict = {}
    keys = {importing.sku_key(row.sku) for row in rows}
    existing = {product.sku_key: product for product in Product.objects.filter(store=store, sku_key__in=keys)}
    to_create, to_update = [], []
    for row in rows:
        category = category_for_path(store=store, path=row.category_path, cache=cache)
        product = existing.get(importing.sku_key(row.sku))
        if product is None:
            to_create.append(
                Product(
                    store=store,
                    sku=importing.sku_normalize(row.sku),
                    sku_key=importing.sku_key(row.sku),
                    title=row.title,
                    brand=row.brand,
                    category=category,
                    price=row.price,
                    currency=row.currency or store.currency,
                    stock=row.stock or 0,
                    language=row.language or store.default_language,
                    description=row.description,
                    attributes=row.attributes,
                )
            )
            continue
        product.title = row.title
        product.brand = row.brand or product.brand
        product.category = category or product.category
        product.price = row.price if row.price is not None else product.price
        product.currency = row.currency or product.currency
        product.stock = row.stock if row.stock is not None else product.stock
        product.language = row.language or product.language
        product.description = row.description or product.description
        product.attributes = {**product.attributes, **row.attributes}
        to_update.append(product)
    Product.objects.bulk_create(to_create, batch_size=UPSERT_CHUNK_SIZE)
    if to_update:
        Product.objects.bulk_update(
            to_update,
            ["title", "brand", "category", "price", "currency", "stock", "language", "description", "attributes"],
            batch_size=UPSERT_CHUNK_SIZE,
        )
        # bulk_update skips auto_now, and later work (embeddings) keys off updated_at.
        Product.objects.filter(pk__in=[product.pk for product in to_update]).update(updated_at=timezone.now())
    hooks.products_changed_send(store=store, product_ids=[product.pk for product in to_create + to_update])
    return len(rows)
