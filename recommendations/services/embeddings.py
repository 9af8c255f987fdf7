"""Product embeddings: the text a product is embedded from, the dirty flag, and
the batched job that keeps vectors current (Saleor's `search_index_dirty`).

A product is re-embedded when it is new, when `dirty` was set (an import or a
published description, catalog.hooks.products_changed), when its updated_at is newer than
the one embedded, or when its vector came from another model. Batches of
CLAIM_BATCHES x EMBEDDING_BATCH_SIZE rows are claimed with FOR UPDATE SKIP
LOCKED, oldest change first, so two jobs share the work instead of doing it twice.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog import hooks
from catalog.models import Job, Membership, Product, Store
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress, job_send
from recommendations.embedding_model import Embedder, get_embedder
from recommendations.models import ProductEmbedding

logger = logging.getLogger(__name__)

EMBED_TASK = "recommendations.tasks.embed_products"
MAX_TEXT_CHARS = 2000
# Rows claimed at once, in model batches: the model sorts the texts it is given by
# length, so a larger claim pads less (bench/RESULTS.md, embedding job).
CLAIM_BATCHES = 16

def product_text(product: Product, *, published_description: str = "") -> str:
    """Title, category path, brand, attributes and the description (the published
    one where an app gives it, catalog.hooks.product_descriptions, else the
    merchant's own), in that order so the model's token limit cuts the least
    telling part."""
    parts = [product.title.strip()]
    if product.category_id:
        parts.append(product.category.path)
    if product.brand:
        parts.append(product.brand.strip())
    attributes = "; ".join(
        f"{name}: {value}" for name, value in sorted(product.attributes.items()) if value not in ("", None)
    )
    if attributes:
        parts.append(attributes)
    description = (published_description or product.description or "").strip()
    if description:
        parts.append(description)
    return ". ".join(part for part in parts if part)[:MAX_TEXT_CHARS]


def product_texts(products: Sequence[Product]) -> dict[int, str]:
    published = hooks.descriptions_for(products)
    return {
        product.pk: product_text(product, published_description=published.get(product.pk, "")) for product in products
    }


def text_hash(model_id: str, text: str) -> str:
    return hashlib.sha256(f"{model_id}\x00{text}".encode()).hexdigest()


# --------------------------------------------------------------------------- marking and scheduling


def embeddings_mark_dirty(*, store: Store, product_ids: Iterable[int]) -> None:
    """Flag these products for re-embedding and queue the job after the commit."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    ProductEmbedding.objects.bulk_create(
        [ProductEmbedding(product_id=pk, store=store, dirty=True) for pk in ids],
        update_conflicts=True,
        unique_fields=["product"],
        update_fields=["dirty"],
        batch_size=1000,
    )
    filter_columns_sync(store=store, product_ids=ids)  # stock and category count at once, embedding or not
    transaction.on_commit(lambda: embeddings_schedule(store=store))


def filter_columns_sync(*, store: Store, product_ids: list[int] | None = None) -> int:
    """Copy stock and category from the products onto their embedding rows where
    they differ (all the store's rows when `product_ids` is None)."""
    only = "AND pe.product_id = ANY(%(ids)s)" if product_ids is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ProductEmbedding._meta.db_table} AS pe
               SET in_stock = p.stock > 0, category_id = p.category_id
              FROM {Product._meta.db_table} AS p
             WHERE p.id = pe.product_id AND pe.store_id = %(store)s {only}
               AND (pe.in_stock IS DISTINCT FROM (p.stock > 0) OR pe.category_id IS DISTINCT FROM p.category_id)
            """,
            {"store": store.pk, "ids": product_ids},
        )
        return cursor.rowcount


def embeddings_refresh(*, membership: Membership, everything: bool = False) -> Job:
    """A member asks for the store's vectors to be brought up to date (all of them with `everything`)."""
    require(membership, "catalog.edit")
    return embeddings_schedule(store=membership.store, user=membership.user, everything=everything)


def embeddings_schedule(*, store: Store, user=None, everything: bool = False) -> Job:
    """The embedding job for the store: a queued one that will see these changes,
    or a new one (a running job may already be past them). A queued job whose
    message never reached the broker is sent again now rather than at the sweep."""
    queued = Job.objects.filter(
        store=store, kind=Job.Kind.EMBEDDING, status=Job.Status.QUEUED, params__everything=everything
    ).first()
    if queued is not None:
        if queued.is_unsent:
            transaction.on_commit(lambda: job_send(job_id=queued.pk, task_name=queued.task_name), robust=True)
        return queued
    return job_create(
        store=store,
        kind=Job.Kind.EMBEDDING,
        title="Re-embed every product" if everything else "Embed new and changed products",
        task_name=EMBED_TASK,
        user=user,
        params={"everything": everything},
    )


def embeddings_sync(*, store: Store, model_id: str) -> int:
    """Create rows for products that have none and flag what changed without the
    flag: newer updated_at, another model, no vector. Returns how many are dirty."""
    missing = list(Product.objects.filter(store=store, embedding__isnull=True).values_list("pk", flat=True))
    ProductEmbedding.objects.bulk_create(
        [ProductEmbedding(product_id=pk, store=store, dirty=True) for pk in missing],
        ignore_conflicts=True,
        batch_size=1000,
    )
    filter_columns_sync(store=store)  # stock or categories changed some other way
    ProductEmbedding.objects.filter(store=store, dirty=False).filter(
        Q(embedding__isnull=True)
        | ~Q(model_id=model_id)
        | Q(source_updated_at__isnull=True)
        | Q(product__updated_at__gt=F("source_updated_at"))
    ).update(dirty=True)
    return ProductEmbedding.objects.filter(store=store, dirty=True).count()


# --------------------------------------------------------------------------- the job


def embeddings_run(job: Job) -> dict:
    """Job body: embed every dirty product of the store, batch by batch."""
    store = job.store
    embedder = get_embedder()  # loaded before any row is locked
    if job.params.get("everything"):
        ProductEmbedding.objects.filter(store=store).update(dirty=True, text_hash="")
    total = embeddings_sync(store=store, model_id=embedder.model_id)
    job_progress(job, total=total, done=0)
    done = embedded = 0
    changed: list[int] = []
    while True:
        batch = embed_batch(store=store, embedder=embedder, size=settings.EMBEDDING_BATCH_SIZE * CLAIM_BATCHES)
        if batch is None:
            break
        processed, embedded_ids = batch
        done += processed
        embedded += len(embedded_ids)
        changed += embedded_ids
        job_progress(job, done=done, total=max(total, done))
    if changed:
        from recommendations.services.profiles import profiles_mark_stale_for_products

        profiles_mark_stale_for_products(store=store, product_ids=changed)
    logger.info("embeddings.done", extra={"store": store.pk, "processed": done, "embedded": embedded})
    return {"processed": done, "embedded": embedded, "unchanged": done - embedded, "model": embedder.model_id}


def embed_batch(*, store: Store, embedder: Embedder, size: int) -> tuple[int, list[int]] | None:
    """Claim up to `size` dirty rows, oldest change first, embed those whose text
    changed, and clear their flag. Returns (rows processed, ids embedded), or None
    when nothing is left."""
    model_id = embedder.model_id
    with transaction.atomic():
        rows = list(
            ProductEmbedding.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(store=store, dirty=True)
            .select_related("product__category")
            .defer("embedding")
            .annotate(has_vector=Q(embedding__isnull=False))
            .order_by("product__updated_at", "product_id")[:size]
        )
        if not rows:
            return None
        texts = product_texts([row.product for row in rows])
        now = timezone.now()
        stale, unchanged = [], []
        for row in rows:
            digest = text_hash(model_id, texts[row.product_id])
            current = row.has_vector and row.model_id == model_id and row.text_hash == digest
            row.text_hash, row.dirty, row.source_updated_at = digest, False, row.product.updated_at
            row.in_stock, row.category_id = row.product.stock > 0, row.product.category_id
            (unchanged if current else stale).append(row)
        vectors = embedder.embed([texts[row.product_id] for row in stale]) if stale else []
        rows_write(stale, vectors=vectors, model_id=model_id, embedded_at=now)
        rows_write(unchanged)
    return len(rows), [row.product_id for row in stale]


def rows_write(rows: list[ProductEmbedding], *, vectors=None, model_id: str = "", embedded_at=None) -> None:
    """One UPDATE over unnested arrays for a batch of claimed rows: flag cleared, text
    hash, source time and filter columns, and the vectors when given. bulk_update's
    CASE WHEN per row and field cost more Python time than the model itself, and
    vectors written as text cost 2 ms each to format (bench/RESULTS.md, embedding job)."""
    if not rows:
        return
    columns = {
        "product_id": ("bigint", [row.product_id for row in rows]),
        "text_hash": ("text", [row.text_hash for row in rows]),
        "source_updated_at": ("timestamptz", [row.source_updated_at for row in rows]),
        "in_stock": ("boolean", [row.in_stock for row in rows]),
        "category_id": ("bigint", [row.category_id for row in rows]),
    }
    assignments = "dirty = false, " + ", ".join(f"{name} = v.{name}" for name in list(columns)[1:])
    if vectors is not None:
        columns["embedding"] = ("vector", list(vectors))
        assignments += ", embedding = v.embedding, model_id = %(model_id)s, embedded_at = %(embedded_at)s"
    arrays = ", ".join(f"%({name})b::{kind}[]" if kind == "vector" else f"%({name})s::{kind}[]"
                       for name, (kind, _) in columns.items())
    with _binary_vector_cursor() as cursor:
        cursor.execute(
            f"UPDATE {ProductEmbedding._meta.db_table} AS pe SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(columns)}) WHERE pe.product_id = v.product_id",
            {**{name: values for name, (_, values) in columns.items()}, "model_id": model_id,
             "embedded_at": embedded_at},
        )


def _binary_vector_cursor():
    """A cursor on the ORM's connection (so inside its transaction) that binds parameters
    on the server and sends numpy vectors in pgvector's binary format. The types are
    registered on this cursor only: the ORM's own cursors keep reading vectors as text."""
    import psycopg
    from pgvector.psycopg.vector import VectorBinaryDumper
    from psycopg.types import TypeInfo

    connection.ensure_connection()
    raw = connection.connection
    cursor = psycopg.Cursor(raw)
    info = TypeInfo.fetch(raw, "vector")
    info.register(cursor)
    cursor.adapters.register_dumper("numpy.ndarray", type("VectorDumper", (VectorBinaryDumper,), {"oid": info.oid}))
    return cursor
