from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from catalog import selectors, services
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


# --------------------------------------------------------------------------- one SKU rule


def test_a_sku_that_differs_only_in_case_or_invisible_characters_updates_the_same_product(editor_member):
    store = editor_member.store
    original = ProductFactory(store=store, sku="GL-100", title="Gloves", stock=5)
    data = "sku,title,stock\ngl\u200b-100,Nitrile Gloves (updated),40\n".encode()
    batch = _upload(editor_member, data=data, name="update.csv")
    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=False, background=False)

    run_job(job.pk, services.import_run)

    assert list(Product.objects.filter(store=store).values_list("pk", "sku", "title", "stock")) == [
        (original.pk, "GL-100", "Nitrile Gloves (updated)", 40)]


def test_a_product_saved_with_invisible_characters_is_stored_normalised_and_keyed(store):
    product = ProductFactory(store=store, sku="\u200bCafe\u0301-1 ")

    product.refresh_from_db()
    assert (product.sku, product.sku_key) == ("Café-1", "café-1")
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            ProductFactory(store=store, sku="CAFÉ-1")
    assert Product.objects.filter(store=store).count() == 1


def test_lookups_by_sku_follow_the_same_rule(store, other_store):
    product = ProductFactory(store=store, sku="Café-1")
    ProductFactory(store=other_store, sku="CAFÉ-1")

    found = selectors.product_ids_by_sku(store=store, skus=["cafe\u0301-1", "CAFÉ\u200d-1", "NOPE"])

    assert found == {"cafe\u0301-1": product.pk, "CAFÉ\u200d-1": product.pk}


# --------------------------------------------------------------------------- hostile files, end to end

HOSTILE_FILES = {
    "stock_exponent.csv": b"sku,title,stock\nH-1,Beaker,1e9999999\nH-2,Flask,4\n",
    "utf16_odd.csv": "sku,title\nH-1,Beaker\n".encode("utf-16") + b"\x00",
    "utf8_bom_bad.csv": b"\xef\xbb\xbfsku,title\nH-1,Beak\xffer\n",
    "digits.json": b'[{"sku": "H-1", "title": "Beaker", "weight": ' + b"9" * 5000
                   + b'}, {"sku": "H-2", "title": "Flask"}]',
    "nested.json": b"[" * 100_000 + b"]" * 100_000,
    "nested_attributes.json": b'[{"sku": "H-1", "title": "Beaker", "attributes": {"a": ' + b"[" * 200 + b"]" * 200
                              + b'}}, {"sku": "H-2", "title": "Flask"}]',
    "nul_escape.json": b'[{"sku": "H-1", "title": "Bea\\u0000ker", "material": "gl\\u0000ass"},'
                       b' {"sku": "H-2", "title": "Flask"}]',
    "surrogate.json": b'[{"sku": "H-1", "title": "Beaker \\ud800"}, {"sku": "H-2", "title": "Flask"}]',
    "nan.json": b'[{"sku": "H-1", "title": "Beaker", "weight": NaN}, {"sku": "H-2", "title": "Flask"}]',
    "nul_late.csv": b"sku,title\n" + b"".join(b"P-%d,Product %d\n" % (n, n) for n in range(400)) + b"H-9,Hid\x00den\n",
    "long_category.csv": ("sku,title,category\nH-1,Beaker," + " > ".join("x" * 190 for _ in range(8))
                          + "\nH-2,Flask,Lab\n").encode(),
    "case_duplicates.csv": "sku,title\nH-2,Flask\nh-2,Flask again\nH\u200b-2,Flask thrice\n".encode(),
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_hostile_file_is_a_400_or_a_preview_with_row_errors_and_never_a_partial_import(client_as, editor_member,
                                                                                         name):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client = client_as(editor_member)
    upload = SimpleUploadedFile(name, HOSTILE_FILES[name])

    response = client.post(reverse("catalog:import", kwargs={"store_slug": editor_member.store.slug}),
                           {"file": upload})

    if response.status_code == 400:
        assert ImportBatch.objects.count() == 0
        assert b"data-upload-error" in response.content  # the reason, shown on the form
        return
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.invalid_rows >= 1
    job = services.import_confirm(batch=batch, membership=editor_member, skip_invalid=True, background=False)
    run_job(job.pk, services.import_run)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.error
    # Only the valid rows, whole: here always H-2 alone.
    assert list(Product.objects.values_list("sku", "title")) == [("H-2", "Flask")]
