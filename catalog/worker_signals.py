"""When a worker starts, jobs interrupted by a crash or a restart are sent
again (they are safe to run twice)."""

import logging

from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@worker_ready.connect
def requeue_interrupted_jobs(sender=None, **kwargs) -> None:
    from catalog.services.jobs import job_requeue_interrupted

    hostname = getattr(sender, "hostname", "") or ""
    # Celery names workers "name@host"; our job.worker records "host:pid".
    host = hostname.split("@", 1)[-1] if hostname else None
    requeued = job_requeue_interrupted(hostname=host)
    if requeued:
        logger.info("worker.requeued_jobs", extra={"jobs": requeued})
