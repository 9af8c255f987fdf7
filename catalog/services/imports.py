"""Catalog files: an upload is validated and kept for the preview, and the
merchant's confirmation starts the import job, which upserts the valid rows
chunk by chunk."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify

from catalog import importing
from catalog.models import Category, ImportBatch, Job, Membership, Store
from catalog.permissions import require
from catalog.services.jobs import job_create, job_progress
from catalog.services.products import products_upsert

logger = logging.getLogger(__name__)

IMPORT_CHUNK_SIZE = 500
PREVIEW_ROWS = 20


def import_upload(*, store: Store, membership: Membership, filename: str, data: bytes) -> ImportBatch:
    """Validate an uploaded file and keep it for the preview. Raises
    ImportFileError for a file that cannot be read at all."""
    require(membership, "catalog.edit")
    upload_check_size(size=len(data))
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
    batch.file.save(upload_file_name(filename, fallback="upload"), ContentFile(data), save=False)
    batch.save()
    logger.info(
        "import.uploaded",
        extra={"batch": batch.pk, "rows": batch.total_rows, "invalid": batch.invalid_rows, "store": store.pk},
    )
    return batch


def upload_check_size(*, size: int) -> None:
    """ImportFileError for a file over IMPORT_MAX_UPLOAD_BYTES: the one rule, and
    the one message, for every upload (catalog and event files, forms and services)."""
    if size > settings.IMPORT_MAX_UPLOAD_BYTES:
        raise importing.ImportFileError(
            f"The file is {size / 1e6:.1f} MB; the limit is {settings.IMPORT_MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )


def upload_file_name(filename: str, *, fallback: str) -> str:
    """A name safe to store an uploaded file under: the slug of its stem and its extension."""
    stem, dot, ext = filename.rpartition(".")
    return f"{slugify(stem or ext)[:80] or fallback}{dot}{ext[:5] if dot else ''}"


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
