import logging

from celery import shared_task

from catalog.jobs import run_job
from catalog.services import import_run

logger = logging.getLogger(__name__)


@shared_task(name="catalog.tasks.run_import")
def run_import(job_id: int) -> None:
    run_job(job_id, import_run)
