from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalog import services
from catalog.importing import ImportFileError
from catalog.models import Category, ImportBatch, Job, Product
from catalog.services.jobs import job_claim, run_job
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db

MIXED = (
    b"sku,title,brand,category,price,stock\n"
    b"M-1,Glass Beaker 250 ml,ClearLab,Lab > Glassware,6.50,35\n"
    b"M-2,Nitrile Gloves,LabGuard,Safety > Gloves,not-a-price,10\n"
    b"M-3,Digital Caliper,Mitsuwa,Measuring > Calipers,24.00,4\n"
)


def _upload(member, data=MIXED, name="mixed.csv"):
    return services.import_upload(store=member.store, membership=member, filename=name, data=data)


def test_an_upload_is_validated_and_kept_for_the_preview_without_importing(editor_member):
    batch = _upload(editor_member)

    assert (batch.total_rows, batch.valid_rows, batch.invalid_rows) == (3, 2, 1)
    assert batch.errors == [{"row": 2, "column": "price", "message": "'not-a-price' is not a price"}]
    assert [row["sku"] for row in batch.preview] == ["M-1", "M-2", "M-3"]
    assert batch.preview[1]["errors"] == [{"column": "price", "message": "'not-a-price' is not a price"}]
    assert Product.objects.count() == 0


def test_a_file_with_bad_rows_imports_nothing_until_the_merchant_skips_them(editor_member):
    batch = _upload(editor_member)

    with pytest.raises(ValidationError, match="1 row\\(s\\) have errors"):
        services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    assert Job.objects.count() == 0
    assert Product.objects.count() == 0


def test_importing_only_the_valid_rows_creates_those_products_with_their_categories(editor_member):
    batch = _upload(editor_member)
    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=True, background=False)

    run_job(job.pk, services.import_run)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.done, job.total) == (2, 2)
    assert job.result == {"imported": 2, "skipped": 1}
    products = {p.sku: p for p in Product.objects.filter(store=editor_member.store)}
    assert sorted(products) == ["M-1", "M-3"]
    assert products["M-1"].price == Decimal("6.50")
    assert products["M-1"].category.path == "Lab > Glassware"
    assert products["M-1"].category.parent.path == "Lab"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.IMPORTED


def test_a_clean_file_imports_everything_and_updates_existing_skus(editor_member):
    ProductFactory(store=editor_member.store, sku="U-1", title="Old title", price=Decimal("1.00"), stock=5,
                   attributes={"color": "red"})
    data = b"sku,title,price,material\nU-1,New title,2.50,steel\nU-2,Second,3.00,\n"
    batch = _upload(editor_member, data=data, name="update.csv")
    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False, background=False)

    run_job(job.pk, services.import_run)

    updated = Product.objects.get(store=editor_member.store, sku="U-1")
    assert (updated.title, updated.price, updated.stock) == ("New title", Decimal("2.50"), 5)
    assert updated.attributes == {"color": "red", "material": "steel"}
    assert Product.objects.filter(store=editor_member.store).count() == 2


def test_a_job_that_runs_twice_imports_once(editor_member):
    batch = _upload(editor_member, data=b"sku,title\nT-1,One\nT-2,Two\n", name="twice.csv")
    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False, background=False)

    run_job(job.pk, services.import_run)
    run_job(job.pk, services.import_run)  # a second delivery of the same message

    job.refresh_from_db()
    assert job.attempts == 1
    assert Product.objects.filter(store=editor_member.store).count() == 2
    assert job_claim(job.pk) is None


def test_a_confirmed_batch_cannot_be_confirmed_again(editor_member):
    batch = _upload(editor_member, data=b"sku,title\nC-1,One\n", name="c.csv")
    services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False, background=False)

    with pytest.raises(ValidationError, match="already been imported"):
        services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False, background=False)
    assert Job.objects.count() == 1


def test_a_viewer_cannot_upload(viewer_member):
    with pytest.raises(PermissionDenied):
        _upload(viewer_member)
    assert ImportBatch.objects.count() == 0


def test_an_unreadable_file_raises_and_keeps_nothing(editor_member):
    with pytest.raises(ImportFileError):
        _upload(editor_member, data=b"\x89PNG\r\n\x1a\n", name="logo.png")
    assert ImportBatch.objects.count() == 0


def test_discarding_an_upload_keeps_nothing(editor_member):
    batch = _upload(editor_member)

    services.import_discard(batch=batch, membership=editor_member)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DISCARDED
    assert not batch.file.storage.exists(batch.file.name)
    assert Product.objects.count() == 0


def test_categories_are_shared_by_path_within_a_store_only(editor_member, other_store):
    cache = {}
    first = services.category_for_path(store=editor_member.store, path=["Lab", "Glassware"], cache=cache)
    again = services.category_for_path(store=editor_member.store, path=["Lab", "Glassware"])
    elsewhere = services.category_for_path(store=other_store, path=["Lab", "Glassware"])

    assert first.pk == again.pk
    assert elsewhere.pk != first.pk
    assert Category.objects.filter(store=editor_member.store).count() == 2
