"""Writes to stores, members, categories, products and imports. Views, tasks,
management commands and tests all come through here."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog import hooks, importing
from catalog.jobs import job_create
from catalog.models import Category, ImportBatch, Job, Membership, Product, Store
from catalog.permissions import Role, require

logger = logging.getLogger(__name__)

IMPORT_CHUNK_SIZE = 500
PREVIEW_ROWS = 20


# --------------------------------------------------------------------------- stores


def store_create(*, name: str, owner=None, slug: str | None = None, default_language: str = "en",
                 currency: str = "USD") -> Store:
    slug = slug or slugify(name)[:60] or "store"
    with transaction.atomic():
        store = Store.objects.create(name=name, slug=slug, default_language=default_language, currency=currency)
        if owner is not None:
            Membership.objects.create(user=owner, store=store, role=Role.ADMIN)
        # Each app gives the new store what it starts with (content: a brand voice and default templates).
        hooks.store_created_send(store=store)
    return store


def membership_set(*, store: Store, user, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError(f"Unknown role '{role}'")
    membership, _ = Membership.objects.update_or_create(user=user, store=store, defaults={"role": role})
    return membership


def user_get_or_create(*, username: str, password: str, email: str = "", first_name: str = "") -> object:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email, "first_name": first_name})
    if created:
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


# --------------------------------------------------------------------------- categories


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


# --------------------------------------------------------------------------- products


def products_upsert(*, store: Store, rows: Iterable[importing.ProductRow]) -> int:
    """Create or update products by SKU; one statement per chunk. Columns a row
    leaves empty keep their current values on an existing product."""
    rows = list(rows)
    if not rows:
        return 0
    cache: dict = {}
    existing = {
        product.sku: product for product in Product.objects.filter(store=store, sku__in=[row.sku for row in rows])
    }
    to_create, to_update = [], []
    for row in rows:
        category = category_for_path(store=store, path=row.category_path, cache=cache)
        product = existing.get(row.sku)
        if product is None:
            to_create.append(
                Product(
                    store=store,
                    sku=row.sku,
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
    Product.objects.bulk_create(to_create, batch_size=IMPORT_CHUNK_SIZE)
    if to_update:
        Product.objects.bulk_update(
            to_update,
            ["title", "brand", "category", "price", "currency", "stock", "language", "description", "attributes"],
            batch_size=IMPORT_CHUNK_SIZE,
        )
        # bulk_update skips auto_now, and later work (embeddings) keys off updated_at.
        Product.objects.filter(pk__in=[product.pk for product in to_update]).update(updated_at=timezone.now())
    hooks.products_changed_send(store=store, product_ids=[product.pk for product in to_create + to_update])
    return len(rows)


# --------------------------------------------------------------------------- import


def import_upload(*, store: Store, membership: Membership, filename: str, data: bytes) -> ImportBatch:
    """Validate an uploaded file and keep it for the preview. Raises
    ImportFileError for a file that cannot be read at all."""
    require(membership, "catalog.edit")
    if len(data) > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise importing.ImportFileError(
            f"The file is {len(data) / 1e6:.1f} MB; the limit is {settings.IMPORT_MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )
    report = importing.validate_file(filename, data)
    batch = ImportBatch(
        store=store,
        uploaded_by=membership.user,
        original_name=filename[:255],
        file_format=report.parsed.file_format,
        encoding=report.parsed.encoding,
        delimiter=report.parsed.delimiter,
        columns=report.parsed.columns,
        total_rows=report.total_rows,
        valid_rows=report.total_rows - len(report.invalid_row_numbers),
        invalid_rows=len(report.invalid_row_numbers),
        errors=[error.as_dict() for error in report.errors[: importing.MAX_ERRORS_KEPT]],
        preview=_preview(report),
    )
    batch.file.save(_safe_name(filename), ContentFile(data), save=False)
    batch.save()
    logger.info(
        "import.uploaded",
        extra={"batch": batch.pk, "rows": batch.total_rows, "invalid": batch.invalid_rows, "store": store.pk},
    )
    return batch


def _safe_name(filename: str) -> str:
    stem, dot, ext = filename.rpartition(".")
    return f"{slugify(stem or ext)[:80] or 'upload'}{dot}{ext[:5] if dot else ''}"


def _preview(report: importing.ValidationReport) -> list[dict]:
    errors_by_row: dict[int, list[dict]] = {}
    for error in report.errors:
        errors_by_row.setdefault(error.row, []).append({"column": error.column, "message": error.message})
    preview = []
    rows_by_number = {row.row: row for row in report.rows}
    for number, _record in report.parsed.records[:PREVIEW_ROWS]:
        row = rows_by_number.get(number)
        preview.append(
            {
                "row": number,
                "sku": row.sku if row else "",
                "title": row.title if row else "",
                "brand": row.brand if row else "",
                "category": Category.PATH_SEPARATOR.join(row.category_path) if row else "",
                "price": str(row.price) if row and row.price is not None else "",
                "stock": row.stock if row else None,
                "attributes": row.attributes if row else {},
                "errors": errors_by_row.get(number, []),
            }
        )
    return preview


def import_confirm(*, batch: ImportBatch, membership: Membership, skip_invalid: bool, background: bool = True) -> Job:
    """Start the import job. A file with invalid rows imports nothing unless the
    merchant chose to import only the valid rows."""
    require(membership, "catalog.edit")
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk, store=membership.store)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ValidationError("This file has already been imported or discarded.")
        if batch.invalid_rows and not skip_invalid:
            raise ValidationError(
                f"{batch.invalid_rows} row(s) have errors. Fix the file and upload it again, "
                "or choose to import only the valid rows."
            )
        if not batch.valid_rows:
            raise ValidationError("No row of this file can be imported.")
        job = job_create(
            store=batch.store,
            kind=Job.Kind.IMPORT,
            title=f"Import {batch.original_name}",
            task_name="catalog.tasks.run_import",
            user=membership.user,
            params={"batch_id": batch.pk, "skip_invalid": skip_invalid},
            total=batch.valid_rows,
            send=background,
        )
        batch.status = ImportBatch.Status.QUEUED
        batch.skip_invalid = skip_invalid
        batch.job = job
        batch.save(update_fields=["status", "skip_invalid", "job"])
    return job


def import_discard(*, batch: ImportBatch, membership: Membership) -> None:
    require(membership, "catalog.edit")
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch.pk, store=membership.store)
        if batch.status != ImportBatch.Status.PREVIEW:
            raise ValidationError("Only a file waiting for confirmation can be discarded.")
        batch.status = ImportBatch.Status.DISCARDED
        batch.save(update_fields=["status"])
    batch.file.delete(save=False)


def import_run(job: Job) -> dict:
    """The body of the import job: upsert the valid rows chunk by chunk. Each
    chunk commits on its own and the number of rows done is saved with it, so a
    job that is run again after a crash continues where it stopped; upserting by
    SKU makes a repeated chunk harmless."""
    from catalog.jobs import job_progress

    batch = ImportBatch.objects.select_related("store").get(pk=job.params["batch_id"])
    with batch.file.open("rb") as handle:
        report = importing.validate_file(batch.original_name, handle.read())
    rows = report.valid_rows
    if report.invalid_row_numbers and not batch.skip_invalid:
        raise ValidationError("The file has invalid rows and the merchant did not choose to skip them.")
    done = job.done
    while done < len(rows):
        chunk = rows[done : done + IMPORT_CHUNK_SIZE]
        with transaction.atomic():
            products_upsert(store=batch.store, rows=chunk)
        done += len(chunk)
        job_progress(job, done=done, total=len(rows))
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.IMPORTED)
    return {"imported": done, "skipped": len(report.invalid_row_numbers)}
