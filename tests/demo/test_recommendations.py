"""The demo store's behaviour data: queued once, imported by the job through
the ingestion service."""

import pytest

from catalog.models import Job
from catalog.services.jobs import run_job
from demo.recommendations import demo_setup_recommendations
from recommendations.models import Event
from recommendations.services.event_files import IMPORT_TASK, events_import_run

pytestmark = pytest.mark.django_db


def test_the_demo_queues_the_interactions_and_the_embeddings_once(store, catalog, tmp_path):
    (tmp_path / "interactions.csv").write_text("shopper,sku,seq,split\nA,AB-1,0,train\nA,AB-3,1,test\n")

    first = demo_setup_recommendations(store=store, data_dir=tmp_path)
    second = demo_setup_recommendations(store=store, data_dir=tmp_path)

    assert first == [f"queued the import of the shopper events in {tmp_path / 'interactions.csv'}",
                     "queued the embedding of 26 products"]
    assert second == []
    job = Job.objects.get(store=store, task_name=IMPORT_TASK)
    assert (job.queue, Job.objects.filter(store=store, kind=Job.Kind.EMBEDDING).count()) == ("default", 1)

    run_job(job.pk, events_import_run)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert list(Event.objects.filter(store=store).order_by("occurred_at").values_list("product__sku", "event_type")) \
        == [("AB-1", "purchase"), ("AB-3", "purchase")]


def test_a_store_without_the_datasets_products_gets_no_events_only_embeddings(store, catalog):
    notes = demo_setup_recommendations(store=store, data_dir=None)

    assert notes == ["queued the embedding of 26 products"]
    assert not Job.objects.filter(store=store, task_name=IMPORT_TASK).exists()
