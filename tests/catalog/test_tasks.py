"""The import job on a real Celery worker process, through the real broker."""

import pytest

from catalog import services
from catalog.models import ImportBatch, Job, Product
from tests.conftest import wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_an_import_job_runs_on_the_worker_and_reports_progress(celery_worker, editor_member):
    rows = "".join(f"W-{index:04d},Worker product {index},{index}.99,{index % 7}\n" for index in range(1, 1201))
    data = ("sku,title,price,stock\n" + rows).encode()
    batch = services.import_upload(store=editor_member.store, membership=editor_member, filename="big.csv", data=data)

    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False)

    finished = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]).first(),
        timeout=120,
        message="the import job to finish",
    )
    assert finished.status == Job.Status.SUCCEEDED, finished.error
    assert (finished.done, finished.total, finished.attempts) == (1200, 1200, 1)
    assert finished.worker  # which process ran it
    assert Product.objects.filter(store=editor_member.store).count() == 1200
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.IMPORTED
    # The import starts the re-embedding of its products on the same worker: let it finish, or
    # the flush of the test's tables deadlocks with it.
    wait_for(lambda: not Job.objects.filter(store=editor_member.store, status__in=Job.ACTIVE_STATUSES).exists(),
             timeout=120, message="the re-embedding job the import started to finish")
