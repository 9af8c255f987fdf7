"""The life of a background job, shared by every kind.

A task is sent with the job id after the creating transaction commits; when the
broker cannot be reached the job stays queued and unsent (`sent_at` null) and
the sweep sends it later. The task claims the job with a conditional UPDATE
that also numbers the attempt: that number is the claim's token, and every
write of the run (progress, errors, the end) names it, so a run whose job was
taken over stops at its next write (JobClaimLost) instead of running on beside
the new one. While the body runs, a thread keeps the heartbeat fresh, so a long
batch is never mistaken for a dead worker.

`jobs_sweep`, run by every worker at start and then on a timer
(catalog/worker_signals.py), looks after what no task will: a running job
whose heartbeat went stale is sent again (or cancelled when a cancel was asked
for, or failed after JOB_MAX_ATTEMPTS claims); a queued job whose message never
went out, or went out long ago, is sent. The task code does only the work that
is missing, so sending a job twice costs nothing but a refused claim.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from catalog.errors import JobNotFound
from catalog.models import Job, JobError, Membership, Product, Store
from catalog.permissions import require

logger = logging.getLogger(__name__)

# The database went away under a run (a restart, a failover): the run is handed
# back, not failed.
DATABASE_ERRORS = (OperationalError, InterfaceError)
BROKER_ERRORS = (BrokerError, OSError)
# A queued job younger than this is on its way to the broker (the send after its
# commit) or is run by its creator (send=False, a command): the sweep leaves it.
UNSENT_GRACE = timedelta(seconds=15)
# How long a run that lost the database waits for it before leaving the job to the sweep.
DATABASE_WAIT_SECONDS = 60
# pg_try_advisory_xact_lock key: one sweep at a time however many workers sweep.
SWEEP_LOCK = 0x636F6D6D_6A6F6273


class JobCancelled(Exception):
    """Raised inside a task when the merchant cancelled the job."""


class JobClaimLost(Exception):
    """Raised inside a task whose job is no longer its own: it was sent again
    after its heartbeat went stale and another run claimed it, or it was ended
    as orphaned. The run stops and writes nothing more."""


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
        # robust: a send that fails after the commit never turns a saved job into an
        # error page; the job stays queued and unsent, and the sweep sends it.
        transaction.on_commit(lambda: job_send(job_id=job.pk, task_name=task_name), robust=True)
    logger.info("job.created", extra={"job": job.pk, "kind": kind, "store": store.pk})
    return job


def task_queue(task_name: str) -> str:
    """The queue the routing table (the Celery app's task_routes) sends this task to."""
    queue = current_app.amqp.router.route({}, task_name).get("queue")
    return getattr(queue, "name", queue) or current_app.conf.task_default_queue


def job_send(*, job_id: int, task_name: str) -> bool:
    """Send the job's task through the app the process runs (the web's, the
    worker's), routed by task name. Returns False, leaving the job unsent for
    the sweep, when the broker cannot be reached."""
    try:
        current_app.send_task(task_name, args=[job_id])
    except BROKER_ERRORS as exc:
        logger.warning("job.send_failed", extra={"job": job_id, "error": str(exc)[:300]})
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(sent_at=None)
        return False
    Job.objects.filter(pk=job_id).update(sent_at=timezone.now())
    return True


def _stale_before():
    return timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)


def _claimed(job: Job):
    """The job's row while this run's claim holds: running, on this attempt."""
    return Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts)


def job_claim(job_id: int) -> Job | None:
    """Take the job for this worker, or return None when it is not ours to run:
    finished, cancelled, running elsewhere with a fresh heartbeat, or orphaned
    on its last attempt (the sweep fails it). The returned job's `attempts` is
    this run's claim."""
    now = timezone.now()
    claimed = Job.objects.filter(
        Q(status=Job.Status.QUEUED)
        | Q(status=Job.Status.RUNNING, heartbeat_at__lt=_stale_before(), attempts__lt=settings.JOB_MAX_ATTEMPTS),
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
    """A job asked to stop that nobody runs any more ends as cancelled."""
    Job.objects.filter(
        Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, heartbeat_at__lt=_stale_before()),
        pk=job_id, cancel_requested_at__isnull=False,
    ).update(status=Job.Status.CANCELLED, finished_at=timezone.now())


def job_progress(job: Job, *, done: int | None = None, failed: int | None = None, total: int | None = None,
                 result: dict | None = None) -> None:
    """Write progress and a heartbeat; raise JobCancelled when cancellation was
    asked for, so the task stops at the next batch boundary, and JobClaimLost
    when the job is no longer this run's."""
    fields: dict = {"heartbeat_at": timezone.now()}
    for name, value in (("done", done), ("failed", failed), ("total", total), ("result", result)):
        if value is not None:
            fields[name] = value
    if not _claimed(job).update(**fields):
        raise JobClaimLost
    for name in ("done", "failed", "total", "result"):
        if name in fields:
            setattr(job, name, fields[name])
    if Job.objects.filter(pk=job.pk, cancel_requested_at__isnull=False).exists():
        raise JobCancelled


def job_record_error(job: Job, *, message: str, product: Product | None = None, row_number: int | None = None) -> None:
    job_record_errors(job, errors=[(product, row_number, message)])


def job_record_errors(job: Job, *, errors: list[tuple[Product | None, int | None, str]]) -> None:
    """Per-item failures ((product, row number, reason) each), once per product
    however often the job runs; JobClaimLost when the job is no longer this run's."""
    if not errors:
        return
    with transaction.atomic():
        if not _claimed(job).select_for_update().exists():
            raise JobClaimLost
        rows = []
        for product, row_number, message in errors:
            if product is not None:
                JobError.objects.update_or_create(job=job, product=product, defaults={"message": message[:5000]})
            else:
                rows.append(JobError(job=job, row_number=row_number, message=message[:5000]))
        JobError.objects.bulk_create(rows)


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
    now = timezone.now()
    # error: a note left by an interrupted attempt is no longer news.
    if not _claimed(job).update(status=status, finished_at=now, heartbeat_at=now, result=merged, error=""):
        raise JobClaimLost
    job.status, job.result = status, merged
    logger.info("job.finished", extra={"job": job.pk, "status": status, "done": job.done, "failed": job.failed})


def job_fail(job: Job, *, error: str) -> None:
    if not _claimed(job).update(status=Job.Status.FAILED, error=error[:10000], finished_at=timezone.now()):
        raise JobClaimLost
    job.status, job.error = Job.Status.FAILED, error
    logger.warning("job.failed", extra={"job": job.pk, "error": error[:500]})


def job_mark_cancelled(job: Job) -> None:
    if not _claimed(job).update(status=Job.Status.CANCELLED, finished_at=timezone.now(), error=""):
        raise JobClaimLost
    job.status = Job.Status.CANCELLED
    logger.info("job.cancelled", extra={"job": job.pk})


def job_cancel(*, job: Job, membership: Membership) -> Job:
    """Ask a job to stop. A queued job is cancelled at once, and so is a running
    one whose worker is gone (its heartbeat is stale); a live one stops after its
    current batch. Finished jobs are left as they are."""
    require(membership, "jobs.cancel")
    if job.store_id != membership.store_id:
        raise JobNotFound("No such job in this store.")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if not job.is_active:
            return job
        now = timezone.now()
        job.cancel_requested_at = now
        update = ["cancel_requested_at"]
        orphaned = job.status == Job.Status.RUNNING and (job.heartbeat_at is None or job.heartbeat_at < _stale_before())
        if job.status == Job.Status.QUEUED or orphaned:
            job.status = Job.Status.CANCELLED
            job.finished_at = now
            update += ["status", "finished_at"]
        job.save(update_fields=update)
    logger.info("job.cancel_requested", extra={"job": job.pk, "user": membership.user_id})
    return job


# --------------------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    resent: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def jobs_sweep() -> SweepResult:
    """Look after the jobs no task will finish (see the module's docstring).
    Safe beside other sweepers: one at a time holds the lock, the others skip."""
    result = SweepResult()
    now = timezone.now()
    stale = _stale_before()
    to_send: list[tuple[int, str]] = []
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SWEEP_LOCK])
            if not cursor.fetchone()[0]:
                return result
        orphaned = list(
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.RUNNING, heartbeat_at__lt=stale)
            .only("pk", "attempts", "heartbeat_at", "cancel_requested_at", "error", "task_name")
        )
        for job in orphaned:
            cause = (f"the worker running it stopped sending heartbeats (last at "
                     f"{timezone.localtime(job.heartbeat_at):%Y-%m-%d %H:%M:%S %Z})")
            if job.cancel_requested_at is not None:
                Job.objects.filter(pk=job.pk).update(status=Job.Status.CANCELLED, finished_at=now)
                result.cancelled.append(job.pk)
            elif job.attempts >= settings.JOB_MAX_ATTEMPTS:
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.FAILED, finished_at=now,
                    error=f"Failed after {job.attempts} attempts: {cause}.",
                )
                result.failed.append(job.pk)
            else:
                Job.objects.filter(pk=job.pk).update(
                    status=Job.Status.QUEUED, sent_at=None,
                    error=f"Interrupted: {cause}; sent again (attempt {job.attempts + 1} of "
                          f"{settings.JOB_MAX_ATTEMPTS}).",
                )
        waiting = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.QUEUED, cancel_requested_at__isnull=True)
            .filter(Q(sent_at__isnull=True, created_at__lt=now - UNSENT_GRACE) | Q(sent_at__lt=stale)
                    | Q(pk__in=[job.pk for job in orphaned]))
            .order_by("created_at")
        )
        to_send = list(waiting.values_list("pk", "task_name"))
        # Marked as sent before it is: a second sweeper right after this one leaves them.
        Job.objects.filter(pk__in=[pk for pk, _ in to_send]).update(sent_at=now)
    for pk, task_name in to_send:
        if job_send(job_id=pk, task_name=task_name):
            result.resent.append(pk)
    if result.resent or result.cancelled or result.failed:
        logger.info("jobs.swept", extra={"resent": result.resent, "cancelled": result.cancelled,
                                         "failed": result.failed})
    return result


# --------------------------------------------------------------------------- running


class _Heartbeat(threading.Thread):
    """Keeps the claim's heartbeat fresh while the body runs, however long one
    batch takes; stops when the run ends or the claim is gone."""

    def __init__(self, job: Job) -> None:
        super().__init__(name=f"job-{job.pk}-heartbeat", daemon=True)
        self.job = Job(pk=job.pk, attempts=job.attempts)
        self.interval = max(1.0, settings.JOB_STALE_AFTER_SECONDS / 5)
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            while not self.finished.wait(self.interval):
                try:
                    if not _claimed(self.job).update(heartbeat_at=timezone.now()):
                        return  # the run finds out at its next write
                except DATABASE_ERRORS as exc:
                    logger.warning("job.heartbeat_failed", extra={"job": self.job.pk, "error": str(exc)[:300]})
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.finished.set()
        self.join(timeout=30)


def run_job(job_id: int, body) -> None:
    """Claim the job, run `body(job)`, and record how it ended. `body` reports
    progress with job_progress and may raise JobCancelled."""
    job = job_claim(job_id)
    if job is None:
        return
    heartbeat = _Heartbeat(job)
    heartbeat.start()
    try:
        _run_claimed(job, body)
    except JobClaimLost:
        logger.warning("job.claim_lost", extra={"job": job.pk, "attempt": job.attempts})
    except DATABASE_ERRORS as exc:
        job_give_back(job, reason=f"the database connection was lost ({_first_line(exc)})")
    finally:
        heartbeat.stop()


def _run_claimed(job: Job, body) -> None:
    try:
        result = body(job)
    except JobCancelled:
        job_mark_cancelled(job)
        return
    except (JobClaimLost, *DATABASE_ERRORS):
        raise  # run_job's to handle: not the job's failure
    except Exception as exc:  # the job records any failure; the worker lives on
        logger.exception("job.crashed", extra={"job": job.pk})
        job_fail(job, error=f"{type(exc).__name__}: {exc}")
        return
    job_finish(job, result=result if isinstance(result, dict) else None)


def job_give_back(job: Job, *, reason: str) -> None:
    """The run cannot go on for a reason that is not the job's (the database went
    away): put the job back in the queue and send it again, or fail it on its
    last attempt. Waits up to DATABASE_WAIT_SECONDS for the database; if it
    stays away, the sweep finds the job later by its stale heartbeat."""
    logger.warning("job.interrupted", extra={"job": job.pk, "attempt": job.attempts, "reason": reason})
    deadline = time.monotonic() + DATABASE_WAIT_SECONDS
    while True:
        connection.close()
        try:
            if job.attempts >= settings.JOB_MAX_ATTEMPTS:
                _claimed(job).update(status=Job.Status.FAILED, finished_at=timezone.now(),
                                     error=f"Failed after {job.attempts} attempts: {reason}.")
                return
            given_back = _claimed(job).update(
                status=Job.Status.QUEUED, sent_at=None,
                error=f"Interrupted: {reason}; sent again (attempt {job.attempts + 1} of "
                      f"{settings.JOB_MAX_ATTEMPTS}).",
            )
            break
        except DATABASE_ERRORS:
            if time.monotonic() > deadline:
                logger.warning("job.give_back_failed", extra={"job": job.pk})
                return
            time.sleep(2)
    if given_back:
        job_send(job_id=job.pk, task_name=job.task_name)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]
