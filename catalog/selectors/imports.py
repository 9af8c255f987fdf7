"""Reads of uploaded catalog files."""

from __future__ import annotations

from catalog.errors import ImportBatchNotFound
from catalog.models import ImportBatch, Store


def import_batch_for_store(*, store: Store, batch_id: int) -> ImportBatch:
    batch = ImportBatch.objects.select_related("job").filter(store=store, pk=batch_id).first()
    if batch is None:
        raise ImportBatchNotFound("No such file in this store.")
    return batch


def recent_imports(*, store: Store, limit: int = 10) -> list[ImportBatch]:
    return list(ImportBatch.objects.filter(store=store).select_related("job", "uploaded_by")[:limit])
