"""The demo store's shopper behaviour: the shared dataset's interactions go in
through the ingestion service as a job (the worker does the work, so `make
run` stays fast), and the products get embedded by the embedding job. Safe to
run again: nothing is queued twice, and a re-import would find every event a
duplicate anyway (keys are derived from shopper and seq)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.db import transaction

from catalog.models import Job, Store
from recommendations.models import Event
from recommendations.selectors.embeddings import embedding_status
from recommendations.services.embeddings import embeddings_schedule
from recommendations.services.event_files import IMPORT_TASK, events_import_local_file

logger = logging.getLogger(__name__)


def demo_setup_recommendations(*, store: Store, data_dir: Path | None) -> list[str]:
    """Queue what a demo store still lacks; returns what was queued, in words.
    `data_dir` None: no shopper events to import (the second demo store sells
    other products than the dataset's)."""
    notes = []
    interactions = data_dir / "interactions.csv" if data_dir is not None else None
    with transaction.atomic():
        if interactions is not None and interactions.exists() and not Event.objects.filter(store=store).exists() and (
            not Job.objects.filter(store=store, task_name=IMPORT_TASK, params__local_path=str(interactions)).exists()
        ):
            events_import_local_file(store=store, path=interactions)
            notes.append(f"queued the import of the shopper events in {interactions}")
        status = embedding_status(store=store)
        if status["waiting"] and status["active_job"] is None:
            embeddings_schedule(store=store)
            notes.append(f"queued the embedding of {status['waiting']} products")
    logger.info("demo.recommendations", extra={"store": store.pk, "notes": notes})
    return notes
