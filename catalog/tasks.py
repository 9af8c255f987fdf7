import logging

from celery import shared_task

from catalog.services import import_run
from catalog.services.jobs import run_job

logger = logging.getLogger(__name__)


@shared_task(name="catalog.tasks.run_import")
def run_import(job_id: int) -> None:
    run_job(job_id, import_run)
