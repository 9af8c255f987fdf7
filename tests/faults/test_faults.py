"""Faults injected into real processes: a deployment of its own (Postgres,
Valkey, Celery workers; tests/faults/deployment.py) whose worker is killed,
whose broker and database are restarted, while jobs run. Every wait is on a
condition, with room for a busy machine; what each test asserts at the end is
that nothing was lost, nothing was done twice, and no job was left stuck."""

from __future__ import annotations

import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db.models import Count

from catalog.models import Job, JobError
from tests.catalog.factories import MembershipFactory, ProductFactory, StoreFactory
from tests.faults.deployment import STALE_AFTER_SECONDS, Deployment, wait_for_job

pytestmark = [pytest.mark.faults, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

FINISHED = (Job.Status.SUCCEEDED, Job.Status.PARTLY_FAILED, Job.Status.FAILED, Job.Status.CANCELLED)
# The first generation in a fresh worker loads the model (and converts it once per machine).
MODEL_TIMEOUT = 900
# A job orphaned by a dead worker waits for its heartbeat to go stale, then for the sweep.
RECOVERY_TIMEOUT = STALE_AFTER_SECONDS + 600
EVENTS = 50_000


@pytest.fixture(scope="module")
def deployment():
    root = Path(tempfile.mkdtemp(prefix="commerce-faults-"))
    deployment = Deployment(root)
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.shutdown()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def live(deployment, transactional_db, settings):
    """The test process uses the deployment; its workers end with the test, and
    whatever a failed test left queued or running is ended so the next test's
    workers do not pick it up."""
    from commerce_site.celery import app

    settings.MEDIA_ROOT = str(deployment.var_dir / "media")
    with deployment.using():
        app.control.purge()
        try:
            yield deployment
        finally:
            for worker in deployment.workers:
                worker.kill()
            deployment.workers.clear()
            app.control.purge()
            Job.objects.filter(status__in=Job.ACTIVE_STATUSES).update(status=Job.Status.CANCELLED)


def _store(slug):
    store = StoreFactory(name=f"Faults {slug}", slug=slug)
    return store, MembershipFactory(store=store, role="admin")


def _products(store, count):
    return [ProductFactory(store=store, sku=f"FLT-{n:03d}", title=f"Nitrile Exam Gloves, Box of {50 + n}")
            for n in range(count)]


def _events_file(root: Path, products, count: int) -> Path:
    """`count` distinct product views: each shopper views each product at its own second."""
    start = datetime(2025, 3, 1, tzinfo=UTC)
    lines = ["shopper,type,sku,time"]
    for n in range(count):
        lines.append(f"S-{n % 1000:04d},view,{products[n % len(products)].sku},"
                     f"{(start + timedelta(seconds=n)).isoformat()}")
    path = root / f"events-{count}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _assert_events_once(store, count):
    from recommendations.models import Event

    events = Event.objects.filter(store=store)
    assert events.count() == count  # none lost, none doubled
    assert events.values("idempotency_key").distinct().count() == count
    assert not events.values("shopper_id", "product_id", "occurred_at").annotate(n=Count("id")).filter(n__gt=1)


# --------------------------------------------------------------------------- the worker dies


@pytest.mark.model
@pytest.mark.timeout(2 * MODEL_TIMEOUT + RECOVERY_TIMEOUT)
def test_a_worker_killed_in_the_middle_of_a_generation_job_is_replaced_and_the_job_completes_once(live):
    from content import services
    from content.models import Draft
    from tests.content.factories import PromptVersionFactory

    store, admin = _store("faults-generation")
    products = _products(store, 20)
    # A short prompt and few new tokens: the test is about the job's life, not the copy.
    version = PromptVersionFactory(template__store=store, text="Product: {title}\nDescription:",
                                   params={"max_new_tokens": 8, "temperature": 0, "stop": ["\n\n"]})
    job = services.generation_start(store=store, membership=admin, content_type="description",
                                    product_ids=[p.pk for p in products], template_version=version, batch_size=4)
    first = live.start_worker()

    running = wait_for_job(job.pk, lambda j: j.done >= 4, timeout=MODEL_TIMEOUT, workers=[first],
                           message="the first batch of drafts from the first worker")
    first.kill()  # the whole worker, pool and all, mid-job

    killed_at = Job.objects.get(pk=job.pk)
    assert killed_at.status == Job.Status.RUNNING and killed_at.done < 20, "the job ended before the kill"
    second = live.start_worker()
    job = wait_for_job(job.pk, lambda j: j.status in FINISHED, timeout=RECOVERY_TIMEOUT + MODEL_TIMEOUT,
                       workers=[first, second], message="the job to finish on the second worker")

    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.failed, job.total, job.attempts, job.error) == (20, 0, 20, 2, "")
    assert running.worker != job.worker  # the second worker finished it
    drafts = Draft.objects.filter(job_id=job.pk)
    per_product = dict(drafts.values_list("product_id").annotate(n=Count("id")))
    assert per_product == {p.pk: 1 for p in products}  # 0 lost, 0 duplicated
    assert not JobError.objects.filter(job=job).exists()


def test_a_killed_pool_process_leaves_its_job_to_the_sweep_which_sends_it_again(live):
    from recommendations.services.event_files import events_import_local_file

    store, _ = _store("faults-pool")
    products = _products(store, 20)
    path = _events_file(live.root, products, EVENTS)
    worker = live.start_worker()

    job = events_import_local_file(store=store, path=path)
    wait_for_job(job.pk, lambda j: j.done >= 2_000, timeout=300, workers=[worker], message="the import under way")
    worker.kill_pool_process()  # the worker lives on: it redelivers the message, refused while the heartbeat is fresh

    job = wait_for_job(job.pk, lambda j: j.status in FINISHED, timeout=RECOVERY_TIMEOUT, workers=[worker],
                       message="the import sent again by the sweep and finished")
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.attempts, job.done, job.failed) == (2, EVENTS, 0)
    assert (job.result["accepted"], job.result["duplicates"]) == (EVENTS, 0)
    _assert_events_once(store, EVENTS)


# --------------------------------------------------------------------------- the broker restarts


def test_valkey_restarted_during_an_import_of_50000_events_loses_and_doubles_nothing(live):
    from recommendations.services.event_files import events_import_local_file

    store, _ = _store("faults-valkey")
    products = _products(store, 20)
    path = _events_file(live.root, products, EVENTS)
    worker = live.start_worker()

    job = events_import_local_file(store=store, path=path)
    wait_for_job(job.pk, lambda j: j.done >= 5_000, timeout=300, workers=[worker], message="the import under way")
    valkey = live.valkey()
    valkey.stop()
    restarted_during = Job.objects.get(pk=job.pk)
    valkey.start()

    job = wait_for_job(job.pk, lambda j: j.status in FINISHED, timeout=RECOVERY_TIMEOUT, workers=[worker],
                       message="the import to finish")
    assert restarted_during.status == Job.Status.RUNNING and restarted_during.done < EVENTS
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert (job.done, job.failed, job.result["accepted"], job.result["duplicates"]) == (EVENTS, 0, EVENTS, 0)
    _assert_events_once(store, EVENTS)
    # The worker is back on the broker: a job sent now runs.
    again = events_import_local_file(store=store, path=path)
    again = wait_for_job(again.pk, lambda j: j.status in FINISHED, timeout=300, workers=[worker],
                         message="a job sent after the restart")
    assert (again.status, again.result["accepted"], again.result["duplicates"]) == (Job.Status.SUCCEEDED, 0, EVENTS)
    _assert_events_once(store, EVENTS)


# --------------------------------------------------------------------------- the database restarts


def test_postgres_restarted_during_a_job_resumes_it_and_it_finishes(live):
    from recommendations.services.event_files import events_import_local_file
    from tests.faults.deployment import job_state

    store, _ = _store("faults-postgres")
    products = _products(store, 20)
    path = _events_file(live.root, products, EVENTS)
    worker = live.start_worker()

    job = events_import_local_file(store=store, path=path)
    wait_for_job(job.pk, lambda j: j.done >= 5_000, timeout=300, workers=[worker], message="the import under way")
    postgres = live.postgres()
    postgres.stop()  # fast shutdown: every connection is cut
    postgres.start()

    job = wait_for_job(job.pk, lambda j: j.status in FINISHED, timeout=RECOVERY_TIMEOUT, workers=[worker],
                       message="the job to finish or fail with a reason, after the restart")
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2 and job.error == ""  # handed back once, then resumed
    assert (job.done, job.result["accepted"], job.result["duplicates"]) == (EVENTS, EVENTS, 0)
    _assert_events_once(store, EVENTS)
    assert job_state(job.pk).finished_at is not None


# --------------------------------------------------------------------------- no worker


def test_with_the_worker_stopped_the_review_pages_work_and_new_jobs_show_as_queued(live, client):
    from django.urls import reverse

    from content.models import Draft
    from tests.content.factories import DraftFactory

    store, admin = _store("faults-review")
    product, = _products(store, 1)
    drafts = [DraftFactory(store=store, product=product, variant=n) for n in (1, 2)]
    worker = live.start_worker()
    worker.stop()  # the worker goes away while the reviewer keeps working
    assert worker.process.poll() is not None and not live.ping(worker)
    client.force_login(admin.user)

    def url(name, **kwargs):
        return reverse(name, kwargs={"store_slug": store.slug, **kwargs})

    assert client.get(url("content:review")).status_code == 200
    assert client.get(url("content:review_draft", draft_id=drafts[0].pk)).status_code == 200
    saved = client.post(url("content:review_edit", draft_id=drafts[0].pk),
                        {"text": drafts[0].current_text + " Rinse before use.", "expected_version": 1})
    assert saved.status_code == 302
    client.post(url("content:review_approve", draft_id=drafts[0].pk), {"shown_version": 2})
    assert Draft.objects.get(pk=drafts[0].pk).status == Draft.Status.APPROVED
    regenerated = client.post(url("content:review_regenerate", draft_id=drafts[1].pk), {"instruction": "shorter"})
    assert regenerated.status_code == 302

    job = Job.objects.filter(store=store, kind=Job.Kind.GENERATION).latest("id")  # the regeneration's
    assert job.status == Job.Status.QUEUED and job.sent_at is not None  # waiting in the broker for a worker
    jobs_page = client.get(url("jobs:list")).content.decode()
    assert '<span class="badge queued">Queued</span>' in jobs_page and job.title in jobs_page
    assert client.get(job.get_absolute_url()).status_code == 200
