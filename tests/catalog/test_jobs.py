import socket
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from catalog.errors import JobNotFound
from catalog.models import Job
from catalog.permissions import Role
from catalog.services.jobs import JobCancelled, job_cancel, job_claim, job_create, job_progress, job_requeue_interrupted
from tests.catalog.factories import MembershipFactory

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


def test_interrupted_jobs_go_back_to_the_queue(store, settings, monkeypatch):
    from catalog.services import jobs as jobs_module

    sent = []
    # Recording what would be sent: the broker itself is exercised in test_tasks.py.
    monkeypatch.setattr(jobs_module, "job_send", lambda **kwargs: sent.append(kwargs["job_id"]))
    on_this_host = _job(store)
    job_claim(on_this_host.pk)  # worker "host:pid" of this test process
    stale = _job(store)
    job_claim(stale.pk)
    Job.objects.filter(pk=stale.pk).update(
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 1), worker="gone:1"
    )
    fresh_elsewhere = _job(store)
    job_claim(fresh_elsewhere.pk)
    Job.objects.filter(pk=fresh_elsewhere.pk).update(worker="busy:7")

    requeued = job_requeue_interrupted(hostname=socket.gethostname())

    assert sorted(requeued) == sorted([on_this_host.pk, stale.pk])
    assert sorted(sent) == sorted(requeued)
    assert Job.objects.get(pk=on_this_host.pk).status == Job.Status.QUEUED
    assert Job.objects.get(pk=fresh_elsewhere.pk).status == Job.Status.RUNNING
