"""Every store-scoped page checks membership first: another store's objects are
404, a role without the right gets 403 and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import ImportBatch, Job, Product
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client, store):
    response = client.get(reverse("catalog:products", kwargs={"store_slug": store.slug}))

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_another_stores_product_is_not_found(client_as, admin_member, other_store):
    foreign = ProductFactory(store=other_store)
    client = client_as(admin_member)

    def url(store_slug):
        return reverse("catalog:product", kwargs={"store_slug": store_slug, "product_id": foreign.pk})

    own_store_url, other_store_url = url(admin_member.store.slug), url(other_store.slug)

    assert client.get(own_store_url).status_code == 404
    assert client.get(other_store_url).status_code == 404


def test_a_store_the_user_is_not_a_member_of_is_not_found(client_as, viewer_member, other_store):
    response = client_as(viewer_member).get(reverse("home", kwargs={"store_slug": other_store.slug}))

    assert response.status_code == 404


def test_a_viewer_reads_the_catalog(client_as, viewer_member):
    ProductFactory(store=viewer_member.store, title="Digital Caliper 6 Inch")

    url = reverse("catalog:products", kwargs={"store_slug": viewer_member.store.slug})
    response = client_as(viewer_member).get(url)

    assert response.status_code == 200
    assert b"Digital Caliper 6 Inch" in response.content
    assert b">Import</a>" not in response.content  # no button a viewer cannot use


def test_a_viewers_import_upload_is_forbidden_and_changes_nothing(client_as, viewer_member):
    upload = SimpleUploadedFile("p.csv", b"sku,title\nA-1,Thing\n", content_type="text/csv")

    response = client_as(viewer_member).post(
        reverse("catalog:import", kwargs={"store_slug": viewer_member.store.slug}), {"file": upload}
    )

    assert response.status_code == 403
    assert ImportBatch.objects.count() == 0
    assert Product.objects.count() == 0


def test_a_viewer_cannot_confirm_an_import_or_cancel_a_job(client_as, viewer_member, editor_member):
    from catalog import services

    batch = services.import_upload(
        store=editor_member.store, membership=editor_member, filename="p.csv", data=b"sku,title\nA-1,Thing\n"
    )
    client = client_as(viewer_member)

    url = reverse("catalog:import_confirm", kwargs={"store_slug": batch.store.slug, "batch_id": batch.pk})
    confirm = client.post(url)

    assert confirm.status_code == 403
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    assert Job.objects.count() == 0


def test_another_stores_import_and_job_are_not_found(client_as, admin_member, other_store):
    from catalog.services.jobs import job_create

    job = job_create(store=other_store, kind=Job.Kind.IMPORT, title="theirs", task_name="catalog.tasks.run_import",
                     send=False)
    client = client_as(admin_member)
    slug = admin_member.store.slug

    assert client.get(reverse("jobs:detail", kwargs={"store_slug": slug, "job_id": job.pk})).status_code == 404
    response = client.post(reverse("jobs:cancel", kwargs={"store_slug": slug, "job_id": job.pk}))
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.cancel_requested_at is None
