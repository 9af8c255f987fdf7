"""Celery tasks: each takes ids, loads its row (logging and returning when it is
gone) and calls a service. Jobs go through catalog.services.jobs.run_job, which claims
them once, so a second delivery does nothing."""

import logging

from celery import shared_task

from catalog.models import Store
from catalog.services.jobs import run_job
from recommendations.services.embeddings import EMBED_TASK, embeddings_run
from recommendations.services.evaluation import EVALUATION_TASK, evaluation_run
from recommendations.services.event_files import IMPORT_TASK, events_import_run
from recommendations.services.profiles import REBUILD_TASK, REFRESH_TASK, profiles_refresh
from recommendations.services.summaries import SUMMARY_TASK, summary_run

logger = logging.getLogger(__name__)


@shared_task(name=EMBED_TASK)
def embed_products(job_id: int) -> None:
    run_job(job_id, embeddings_run)


@shared_task(name=IMPORT_TASK)
def import_events(job_id: int) -> None:
    run_job(job_id, events_import_run)


@shared_task(name=REBUILD_TASK)
def rebuild_profiles(job_id: int) -> None:
    run_job(job_id, lambda job: {"profiles": profiles_refresh(store=job.store, everything=True, job=job)})


@shared_task(name=REFRESH_TASK)
def refresh_profiles(store_id: int) -> None:
    """The debounced refresh after new events: no job row (it would flood the
    jobs page); safe to run twice, it builds only stale profiles."""
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        logger.info("profiles.refresh_skipped", extra={"store": store_id})
        return
    profiles_refresh(store=store)


@shared_task(name=EVALUATION_TASK)
def evaluate(job_id: int) -> None:
    run_job(job_id, evaluation_run)


@shared_task(name=SUMMARY_TASK)
def write_summary(job_id: int) -> None:
    run_job(job_id, summary_run)
