"""A merchant logs in, finds a product, uploads a CSV with one bad row, sees the
row's error, imports the valid rows, and watches the job finish."""

import pytest

from catalog.models import Job, Product
from tests.catalog.factories import PASSWORD, ProductFactory
from tests.conftest import login, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CSV_WITH_ONE_BAD_ROW = (
    "sku,title,brand,price,stock\n"
    "BR-1,Borosilicate Beaker 100 ml,ClearLab,5.99,20\n"
    "BR-2,Lab Thermometer,ClearLab,twelve,4\n"
    "BR-3,Wash Bottle 500 ml,ClearLab,3.49,50\n"
)


def test_upload_with_a_bad_row_shows_the_row_error_then_imports_the_good_rows(
    page, live_server, celery_worker, editor_member, tmp_path
):
    store = editor_member.store
    ProductFactory(store=store, sku="EX-1", title="Digital Caliper 6 Inch", brand="Mitsuwa")
    csv_path = tmp_path / "new-products.csv"
    csv_path.write_text(CSV_WITH_ONE_BAD_ROW)

    login(page, live_server, editor_member.user.username, PASSWORD)
    page.click("nav >> text=Products")
    page.fill("input[name=q]", "caliper")
    page.wait_for_selector("td.title-cell >> text=Digital Caliper 6 Inch")

    page.click("nav >> text=Import")
    page.set_input_files("input[type=file]", str(csv_path))
    page.click("button:has-text('Upload and check')")

    errors = page.locator("[data-row-errors] tbody tr")
    assert errors.count() == 1
    assert errors.first.inner_text().split("\t") == ["2", "price", "'twelve' is not a price"]
    assert page.locator("[data-invalid-count]").inner_text() == "1"
    assert Product.objects.filter(store=store).count() == 1  # nothing imported yet

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Import 2 valid rows, skip 1')")
    page.wait_for_selector("[data-job-status-badge]:has-text('Succeeded')", timeout=60_000)

    assert sorted(Product.objects.filter(store=store).values_list("sku", flat=True)) == ["BR-1", "BR-3", "EX-1"]
    # The import starts the re-embedding of its products on the same worker: let it finish, or
    # the flush of the test's tables deadlocks with it.
    wait_for(lambda: not Job.objects.filter(store=store, status__in=Job.ACTIVE_STATUSES).exists(),
             timeout=120, message="the re-embedding job the import started to finish")
