"""The life of a background job, shared by every kind.

A task is sent with the job id after the creating transaction commits. The task
claims the job with a conditional UPDATE (so a second delivery of the same
message does nothing), reports progress with heartbeats after each batch,
checks for cancellation between batches, and finishes it. A job whose worker
died is found by its stale heartbeat and sent again; the task code is written
to do only the work that is missing.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.errors import JobNotFound
from catalog.models import Job, JobError, Membership, Product, Store
from catalog.permissions import require

logger = logging.getLogger(__name__)


class JobCancelled(Exception):
    """Raised inside a task when the merchant cancelled the job."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def job_create(
    *,
    store: Store,
    kind: str,
    title: str,
    task_name: str,
    user=None,
    params: dict | None = None,
    total: int = 0,
    send: bool = True,
) -> Job:
    """Create a queued job and send its task once the surrounding transaction
    commits (send=False for a caller that runs the job itself, e.g. a command).
    The queue comes from the Celery routing table; the job records it for the jobs page."""
    job = Job.objects.create(
        store=store,
        kind=kind,
        title=title[:200],
        task_name=task_name,
        queue=task_queue(task_name),
        created_by=user if getattr(user, "is_authenticated", False) else None,
        params=params or {},
        total=total,
    )
    if send:
        transaction.on_commit(lambda: job_send(job_id=job.pk, task_name=task_name))
    logger.info("job.created", extra={"job": job.pk, "kind": kind, "store": store.pk})
    return job


def task_queue(task_name: str) -> str:
    """The queue the routing table (the Celery app's task_routes) sends this task to."""
    queue = current_app.amqp.router.route({}, task_name).get("queue")
    return getattr(queue, "name", queue) or current_app.conf.task_default_queue


def job_send(*, job_id: int, task_name: str) -> None:
    # Through the app the process runs (the web's, the worker's), routed by task name.
    current_app.send_task(task_name, args=[job_id])


def job_claim(job_id: int) -> Job | None:
    """Take the job for this worker, or return None when it is not ours to run:
    finished, cancelled, or running elsewhere with a fresh heartbeat."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    claimed = Job.objects.filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale),
        pk=job_id,
        cancel_requested_at__isnull=True,
    ).update(
        status=Job.Status.RUNNING,
        worker=worker_name(),
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if claimed != 1:
        logger.info("job.not_claimed", extra={"job": job_id})
        _cancel_if_requested(job_id)
        return None
    Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    return Job.objects.select_related("store").get(pk=job_id)


def _cancel_if_requested(job_id: int) -> None:
    Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, cancel_requested_at__isnull=False).update(
        status=Job.Status.CANCELLED, finished_at=timezone.now()
    )


def job_progress(job: Job, *, done: int | None = None, failed: int | None = None, total: int | None = None,
                 result: dict | None = None) -> None:
    """Write progress and a heartbeat; raise JobCancelled when cancellation was
    asked for, so the task stops at the next batch boundary."""
    fields: dict = {"heartbeat_at": timezone.now()}
    for name, value in (("done", done), ("failed", failed), ("total", total), ("result", result)):
        if value is not None:
            fields[name] = value
            setattr(job, name, value)
    Job.objects.filter(pk=job.pk).update(**fields)
    if Job.objects.filter(pk=job.pk, cancel_requested_at__isnull=False).exists():
        raise JobCancelled


def job_record_error(job: Job, *, message: str, product: Product | None = None, row_number: int | None = None) -> None:
    if product is not None:
        JobError.objects.update_or_create(job=job, product=product, defaults={"message": message[:5000]})
    else:
        JobError.objects.create(job=job, row_number=row_number, message=message[:5000])


def job_finish(job: Job, *, result: dict | None = None) -> None:
    """Succeeded, or partly failed when some items failed and some did not."""
    job.refresh_from_db(fields=["done", "failed", "total", "result"])
    if job.failed and not job.done:
        status = Job.Status.FAILED
    elif job.failed:
        status = Job.Status.PARTLY_FAILED
    else:
        status = Job.Status.SUCCEEDED
    merged = {**job.result, **(result or {})}
    Job.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now(), heartbeat_at=timezone.now(),
                                         result=merged)
    job.status, job.result = status, merged
    logger.info("job.finished", extra={"job": job.pk, "status": status, "done": job.done, "failed": job.failed})


def job_fail(job: Job, *, error: str) -> None:
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=error[:10000], finished_at=timezone.now())
    job.status, job.error = Job.Status.FAILED, error
    logger.warning("job.failed", extra={"job": job.pk, "error": error[:500]})


def job_mark_cancelled(job: Job) -> None:
    Job.objects.filter(pk=job.pk).update(status=Job.Status.CANCELLED, finished_at=timezone.now())
    job.status = Job.Status.CANCELLED
    logger.info("job.cancelled", extra={"job": job.pk})


def job_cancel(*, job: Job, membership: Membership) -> Job:
    """Ask a job to stop. A queued job is cancelled at once; a running one stops
    after its current batch. Finished jobs are left as they are."""
    require(membership, "jobs.cancel")
    if job.store_id != membership.store_id:
        raise JobNotFound("No such job in this store.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            return job
        job.cancel_requested_at = timezone.now()
        update = ["cancel_requested_at"]
        if job.status == Job.Status.QUEUED:
            job.status = Job.Status.CANCELLED
            job.finished_at = timezone.now()
            update += ["status", "finished_at"]
        job.save(update_fields=update)
    logger.info("job.cancel_requested", extra={"job": job.pk, "user": membership.user_id})
    return job


def job_requeue_interrupted(*, hostname: str | None = None) -> list[int]:
    """Send again the jobs whose worker is gone: running on this host when its
    worker (re)starts, running anywhere with a stale heartbeat, or queued for
    longer than the stale limit (their message may have been lost)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    interrupted = Q(status=Job.Status.RUNNING, heartbeat_at__lt=stale) | Q(
        status=Job.Status.QUEUED, created_at__lt=stale
    )
    if hostname:
        interrupted |= Q(status=Job.Status.RUNNING, worker__startswith=f"{hostname}:")
    jobs = list(
        Job.objects.filter(interrupted, cancel_requested_at__isnull=True).values_list("pk", "task_name")
    )
    if not jobs:
        return []
    # Running jobs go back to queued so the claim takes them again at once.
    Job.objects.filter(pk__in=[pk for pk, _ in jobs], status=Job.Status.RUNNING).update(status=Job.Status.QUEUED)
    for pk, task_name in jobs:
        job_send(job_id=pk, task_name=task_name)
    logger.info("job.requeued", extra={"jobs": [pk for pk, _ in jobs]})
    return [pk for pk, _ in jobs]


def run_job(job_id: int, body) -> None:
    """Claim the job, run `body(job)`, and record how it ended. `body` reports
    progress with job_progress and may raise JobCancelled."""
    job = job_claim(job_id)
    if job is None:
        return
    try:
        result = body(job)
    except JobCancelled:
        job_mark_cancelled(job)
        return
    except Exception as exc:  # the job records any failure; the worker lives on
        logger.exception("job.crashed", extra={"job": job.pk})
        job_fail(job, error=f"{type(exc).__name__}: {exc}")
        return
    job_finish(job, result=result if isinstance(result, dict) else None)
