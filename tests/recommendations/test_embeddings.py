"""Product embeddings with the real MiniLM: what is embedded, the dirty flag,
unchanged texts skipped, a model change re-embeds everything, and the job on a
real Celery worker."""

import numpy as np
import pytest
from django.db import transaction

from catalog import hooks
from catalog import services as catalog_services
from catalog.importing import ProductRow
from catalog.models import Job, Product
from recommendations.embedding_model import configured_model_id
from recommendations.models import ProductEmbedding
from recommendations.services import embeddings
from tests.conftest import wait_for
from tests.recommendations.factories import add_catalog, embed_store


@pytest.mark.django_db
def test_the_text_is_title_category_brand_attributes_and_the_published_description(store, monkeypatch):
    catalog_services.products_upsert(store=store, rows=[ProductRow(
        row=1, sku="X-1", title="Nitrile Gloves", brand="LabGuard", category_path=["Safety", "Gloves"],
        attributes={"material": "nitrile", "color": "blue"}, description="From the import.")])
    product = Product.objects.select_related("category").get(sku="X-1")

    assert embeddings.product_texts([product]) == {product.pk: (
        "Nitrile Gloves. Safety > Gloves. LabGuard. color: blue; material: nitrile. From the import.")}
    monkeypatch.setattr(hooks.product_descriptions, "_items",
                        [lambda products: {p.pk: "Approved copy." for p in products}])
    assert embeddings.product_texts([product])[product.pk].endswith("material: nitrile. Approved copy.")


@pytest.mark.django_db
def test_new_products_are_flagged_and_the_job_embeds_them_with_the_model_id(store, catalog, minilm):
    assert ProductEmbedding.objects.filter(store=store, dirty=True).count() == len(catalog)

    job = embed_store(store)

    assert job.result == {"processed": 26, "embedded": 26, "unchanged": 0, "model": configured_model_id()}
    rows = ProductEmbedding.objects.filter(store=store)
    assert set(rows.values_list("dirty", "model_id")) == {(False, "sentence-transformers/all-MiniLM-L6-v2")}
    vectors = {row.product.sku: np.asarray(row.embedding) for row in rows.select_related("product")}
    assert np.allclose([np.linalg.norm(v) for v in vectors.values()], 1.0, atol=1e-5)
    # the model puts the two nitrile gloves closer to each other than to a beaker
    assert vectors["GL-1"] @ vectors["GL-2"] > vectors["GL-1"] @ vectors["BK-1"] + 0.2


@pytest.mark.django_db
def test_a_stock_change_keeps_the_vector_and_a_title_change_re_embeds(store, embedded_catalog, minilm):
    before = np.asarray(ProductEmbedding.objects.get(product__sku="AB-1").embedding)
    catalog_services.products_upsert(store=store, rows=[
        ProductRow(row=1, sku="AB-1", title=embedded_catalog["AB-1"].title, stock=3),
        ProductRow(row=2, sku="GL-1", title="Nitrile Exam Gloves Powder-Free Blue, Box of 200"),
    ])

    job = embed_store(store)

    assert (job.result["processed"], job.result["embedded"], job.result["unchanged"]) == (2, 1, 1)
    assert np.array_equal(np.asarray(ProductEmbedding.objects.get(product__sku="AB-1").embedding), before)
    assert ProductEmbedding.objects.filter(store=store, dirty=True).count() == 0


@pytest.mark.django_db
def test_a_change_made_outside_the_service_is_caught_by_updated_at(store, embedded_catalog, minilm):
    Product.objects.filter(pk=embedded_catalog["BK-1"].pk).update(title="Beaker Set, Low Form")
    product = Product.objects.get(pk=embedded_catalog["BK-1"].pk)
    product.save()  # auto_now moves updated_at past what was embedded

    job = embed_store(store)

    assert (job.result["processed"], job.result["embedded"]) == (1, 1)


@pytest.mark.django_db
def test_vectors_from_another_model_are_all_re_embedded(store, embedded_catalog, minilm):
    ProductEmbedding.objects.filter(store=store).update(model_id="old-model")

    job = embed_store(store)

    assert (job.result["processed"], job.result["embedded"]) == (26, 26)
    assert set(ProductEmbedding.objects.filter(store=store).values_list("model_id", flat=True)) == {
        configured_model_id()}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_changed_products_are_embedded_by_the_job_on_the_worker(celery_worker, store):
    with transaction.atomic():
        add_catalog(store)  # flags the products; the job is queued when this commits

    job = wait_for(lambda: Job.objects.filter(store=store, kind=Job.Kind.EMBEDDING).first(), timeout=30,
                   message="the embedding job to be queued")
    finished = wait_for(
        lambda: Job.objects.filter(pk=job.pk, status__in=[Job.Status.SUCCEEDED, Job.Status.FAILED]).first(),
        timeout=240, message="the embedding job to finish on the worker",
    )
    assert finished.status == Job.Status.SUCCEEDED, finished.error
    assert finished.queue == "gpu"
    assert finished.result["embedded"] == 26
    assert finished.worker
    assert ProductEmbedding.objects.filter(store=store, dirty=False, embedding__isnull=False).count() == 26


@pytest.mark.django_db
def test_scheduling_again_sends_the_queued_job_the_broker_did_not_take(store, published_tasks,
                                                                       django_capture_on_commit_callbacks):
    from tests.conftest import broker_at

    with broker_at("redis+socket:///nonexistent/valkey.sock?virtual_host=1"):
        with django_capture_on_commit_callbacks(execute=True):
            unsent = embeddings.embeddings_schedule(store=store)
    assert Job.objects.get(pk=unsent.pk).sent_at is None

    with django_capture_on_commit_callbacks(execute=True):
        again = embeddings.embeddings_schedule(store=store)  # another product changed, the broker is back

    assert again.pk == unsent.pk
    assert published_tasks == [(embeddings.EMBED_TASK, unsent.pk)]
    assert Job.objects.get(pk=unsent.pk).sent_at is not None
