import socket
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.errors import JobNotFound
from catalog.models import Job, JobError
from catalog.permissions import Role
from catalog.services.jobs import (
    JobCancelled,
    JobClaimLost,
    job_cancel,
    job_claim,
    job_create,
    job_fail,
    job_finish,
    job_mark_cancelled,
    job_progress,
    job_record_error,
    jobs_sweep,
    run_job,
)
from tests.catalog.factories import MembershipFactory
from tests.conftest import broker_at

pytestmark = pytest.mark.django_db


def _job(store, **kwargs):
    return job_create(store=store, kind=Job.Kind.IMPORT, title="t", task_name="catalog.tasks.run_import",
                      send=False, **kwargs)


def test_a_job_is_claimed_once(store):
    job = _job(store)

    first = job_claim(job.pk)
    second = job_claim(job.pk)

    assert first is not None and first.status == Job.Status.RUNNING
    assert second is None
    assert Job.objects.get(pk=job.pk).attempts == 1


def test_a_running_job_with_a_stale_heartbeat_can_be_claimed_again(store, settings):
    job = _job(store)
    job_claim(job.pk)
    Job.objects.filter(pk=job.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5)
    )

    assert job_claim(job.pk) is not None
    assert Job.objects.get(pk=job.pk).attempts == 2


def test_cancelling_a_queued_job_cancels_it_at_once(store, admin_member):
    job = _job(store)

    job_cancel(job=job, membership=admin_member)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    assert job_claim(job.pk) is None


def test_a_viewer_cannot_cancel_and_the_job_is_untouched(store, viewer_member):
    job = _job(store)

    with pytest.raises(PermissionDenied):
        job_cancel(job=job, membership=viewer_member)

    job.refresh_from_db()
    assert (job.status, job.cancel_requested_at) == (Job.Status.QUEUED, None)


def test_another_stores_admin_cannot_cancel(store, other_store):
    job = _job(store)
    outsider = MembershipFactory(store=other_store, role=Role.ADMIN)

    with pytest.raises(JobNotFound):
        job_cancel(job=job, membership=outsider)

    job.refresh_from_db()
    assert (job.status, job.cancel_requested_at) == (Job.Status.QUEUED, None)


def test_a_running_job_stops_at_its_next_progress_report_after_cancel(store, admin_member):
    job = _job(store, total=10)
    running = job_claim(job.pk)

    job_progress(running, done=3)
    job_cancel(job=job, membership=admin_member)

    with pytest.raises(JobCancelled):
        job_progress(running, done=6)
    assert Job.objects.get(pk=job.pk).done == 6


def _orphan(job, settings, *, attempts=None, seconds_ago=None):
    """The worker running `job` died: its heartbeat is older than the stale limit."""
    age = seconds_ago if seconds_ago is not None else settings.JOB_STALE_AFTER_SECONDS + 5
    fields = {"heartbeat_at": timezone.now() - timedelta(seconds=age), "worker": "gone:1"}
    if attempts is not None:
        fields["attempts"] = attempts
    Job.objects.filter(pk=job.pk).update(**fields)


def test_a_sweep_leaves_a_running_job_with_a_fresh_heartbeat_alone_even_on_its_own_host(store, published_tasks):
    job = _job(store)
    job_claim(job.pk)  # running in this process: worker "<this host>:<pid>", heartbeat now

    swept = jobs_sweep()  # what a worker that starts on this host does first

    job.refresh_from_db()
    assert job.worker.startswith(f"{socket.gethostname()}:")
    assert (job.status, job.attempts) == (Job.Status.RUNNING, 1)
    assert swept.resent == [] and published_tasks == []


def test_a_run_that_lost_its_claim_stops_at_its_next_write(store, settings):
    job = _job(store, total=10)
    first = job_claim(job.pk)
    job_progress(first, done=2)
    _orphan(job, settings)  # the first run stalled long enough to look dead...
    second = job_claim(job.pk)  # ...and another worker took the job over
    job_progress(second, done=5)

    for write in (lambda: job_progress(first, done=9), lambda: job_finish(first),
                  lambda: job_fail(first, error="boom"), lambda: job_mark_cancelled(first),
                  lambda: job_record_error(first, message="row 3 is bad", row_number=3)):
        with pytest.raises(JobClaimLost):
            write()

    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.error) == (Job.Status.RUNNING, 2, 5, "")
    assert not JobError.objects.filter(job=job).exists()
    job_finish(second)
    assert Job.objects.get(pk=job.pk).status == Job.Status.SUCCEEDED


def test_run_job_stops_quietly_when_another_worker_takes_the_job_over(store, settings):
    job = _job(store, total=3)
    reached = []

    def body(running):
        job_progress(running, done=1)
        _orphan(running, settings)
        job_claim(running.pk)  # another worker's claim, between two of our batches
        reached.append("before")
        job_progress(running, done=2)
        reached.append("after")  # never: the lost claim stops the run here
        return {"written": 3}

    run_job(job.pk, body)

    job.refresh_from_db()
    assert reached == ["before"]
    assert (job.status, job.attempts, job.done, job.result) == (Job.Status.RUNNING, 2, 1, {})


def test_a_sweep_sends_an_orphaned_job_again(store, settings, published_tasks):
    job = _job(store)
    job_claim(job.pk)
    _orphan(job, settings)

    swept = jobs_sweep()

    job.refresh_from_db()
    assert swept.resent == [job.pk]
    assert published_tasks == [("catalog.tasks.run_import", job.pk)]
    assert (job.status, job.attempts) == (Job.Status.QUEUED, 1)
    assert job.error.startswith("Interrupted: the worker running it stopped sending heartbeats")
    assert job.sent_at is not None
    assert job_claim(job.pk).attempts == 2


def test_a_job_orphaned_on_its_last_attempt_fails_with_the_count(store, settings, published_tasks):
    job = _job(store)
    job_claim(job.pk)
    _orphan(job, settings, attempts=settings.JOB_MAX_ATTEMPTS)

    swept = jobs_sweep()

    job.refresh_from_db()
    assert swept.failed == [job.pk] and published_tasks == []
    assert job.status == Job.Status.FAILED and job.finished_at is not None
    assert job.error.startswith(f"Failed after {settings.JOB_MAX_ATTEMPTS} attempts: the worker running it "
                                "stopped sending heartbeats")
    assert job_claim(job.pk) is None


def test_a_redelivered_message_cannot_claim_a_job_past_its_last_attempt(store, settings):
    job = _job(store)
    job_claim(job.pk)
    _orphan(job, settings, attempts=settings.JOB_MAX_ATTEMPTS)

    assert job_claim(job.pk) is None
    assert Job.objects.get(pk=job.pk).attempts == settings.JOB_MAX_ATTEMPTS


def test_cancelling_an_orphaned_job_cancels_it_at_once(store, settings, admin_member):
    job = _job(store)
    job_claim(job.pk)
    _orphan(job, settings)

    job_cancel(job=job, membership=admin_member)

    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.finished_at is not None


def test_a_cancel_asked_before_the_worker_died_ends_as_cancelled_at_the_sweep(store, settings, admin_member,
                                                                              published_tasks):
    job = _job(store)
    job_claim(job.pk)
    job_cancel(job=job, membership=admin_member)  # running: it would stop after its batch...
    assert Job.objects.get(pk=job.pk).status == Job.Status.RUNNING
    _orphan(job, settings)  # ...but its worker died first

    swept = jobs_sweep()

    job.refresh_from_db()
    assert swept.cancelled == [job.pk] and published_tasks == []
    assert job.status == Job.Status.CANCELLED and job.finished_at is not None


def test_a_job_that_could_not_be_sent_is_saved_and_sent_by_the_next_sweep(
        store, editor_member, client_as, published_tasks, django_capture_on_commit_callbacks, monkeypatch):
    from catalog.services import jobs as jobs_module

    # The unsent job is older than the grace a fresh job gets before the sweep takes it.
    monkeypatch.setattr(jobs_module, "UNSENT_GRACE", timedelta(0))
    with broker_at("redis+socket:///nonexistent/valkey.sock?virtual_host=1"):  # the broker is down
        with django_capture_on_commit_callbacks(execute=True):  # the send after the commit fails...
            job = job_create(store=store, kind=Job.Kind.IMPORT, title="t", task_name="catalog.tasks.run_import")
        job.refresh_from_db()
        assert (job.status, job.sent_at) == (Job.Status.QUEUED, None)  # ...and the job is kept, unsent
        page = client_as(editor_member).get(job.get_absolute_url())
        assert "Queued: it will start when the worker is reachable." in page.content.decode()
        assert jobs_sweep().resent == []  # still down: it stays unsent
        assert Job.objects.get(pk=job.pk).sent_at is None

    swept = jobs_sweep()  # the broker is back

    assert swept.resent == [job.pk]
    assert published_tasks[-1] == ("catalog.tasks.run_import", job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED and job.sent_at is not None
    assert "worker is reachable" not in client_as(editor_member).get(job.get_absolute_url()).content.decode()


def test_a_fresh_unsent_job_is_left_to_the_send_after_its_commit(store, published_tasks):
    _job(store)  # send=False: its creator runs it, or its on_commit send is on the way

    assert jobs_sweep().resent == []
    assert published_tasks == []


def test_a_queued_job_sent_long_ago_is_sent_again_in_case_the_message_was_lost(store, settings, published_tasks):
    job = _job(store)
    Job.objects.filter(pk=job.pk).update(
        sent_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 5))

    assert jobs_sweep().resent == [job.pk]
    assert jobs_sweep().resent == []  # once per stale period, not at every sweep
    assert published_tasks == [("catalog.tasks.run_import", job.pk)]


def _lose_the_database(connection):
    """Postgres ends this connection's backend, as a restart or a failover does."""
    import threading

    from django.db import connection as own_connection

    pid = connection.connection.info.backend_pid

    def terminate():
        with own_connection.cursor() as cursor:  # this thread's own connection
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        own_connection.close()

    thread = threading.Thread(target=terminate)
    thread.start()
    thread.join()


# A task no worker knows: a worker running beside this test refuses the message
# instead of running the job under the test's feet.
NOBODYS_TASK = "tests.never_registered"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("attempt, status", [(1, Job.Status.QUEUED), (3, Job.Status.FAILED)])
def test_a_run_that_loses_the_database_hands_its_job_back_or_fails_it_on_its_last_attempt(
        store, settings, published_tasks, attempt, status):
    from django.db import connection

    settings.JOB_MAX_ATTEMPTS = 3
    job = job_create(store=store, kind=Job.Kind.IMPORT, title="t", task_name=NOBODYS_TASK, send=False, total=4)
    Job.objects.filter(pk=job.pk).update(attempts=attempt - 1)

    def body(running):
        job_progress(running, done=1)
        _lose_the_database(connection)
        return {"rows": Job.objects.count()}  # the next query finds the connection gone

    run_job(job.pk, body)

    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (status, attempt, 1)
    if status == Job.Status.QUEUED:
        assert job.error.startswith("Interrupted: the database connection was lost (")
        assert job.error.endswith("; sent again (attempt 2 of 3).")
        assert published_tasks == [(NOBODYS_TASK, job.pk)]
        assert job_claim(job.pk).attempts == 2
    else:
        assert job.error.startswith("Failed after 3 attempts: the database connection was lost (")
        assert published_tasks == []
