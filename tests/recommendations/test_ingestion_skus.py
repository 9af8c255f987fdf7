"""Events name products by the catalog's one SKU rule (catalog.importing.sku_key),
and an events file that Postgres could not store is refused whole."""

import pytest

from catalog.importing import ImportFileError
from recommendations.models import Event
from recommendations.services.ingestion import read_event_csv
from tests.catalog.factories import ProductFactory
from tests.recommendations.factories import event, ingest

pytestmark = pytest.mark.django_db


def test_an_event_finds_its_product_whatever_the_case_composition_or_zero_width_characters(store):
    gloves = ProductFactory(store=store, sku="GL-100")
    cafe = ProductFactory(store=store, sku="Café-1")

    report = ingest(store, [
        event("s-1", "view", "gl-100", key="e1"),
        event("s-1", "view", "GL\u200b-100", key="e2"),
        event("s-1", "view", "\ufeffGl-100 ", key="e3"),
        event("s-1", "purchase", "CAFE\u0301-1", key="e4"),
        event("s-1", "view", "GL-1000", key="e5"),
    ])

    assert [(r.row, r.reason) for r in report.rejected] == [(5, "unknown product 'GL-1000'")]
    assert list(Event.objects.order_by("idempotency_key").values_list("idempotency_key", "product_id")) == [
        ("e1", gloves.pk), ("e2", gloves.pk), ("e3", gloves.pk), ("e4", cafe.pk)]


def test_an_events_file_with_a_nul_byte_after_the_first_4_kb_is_refused_whole():
    rows = "".join(f"s-{n},view,AB-1\n" for n in range(400))
    data = ("shopper,type,sku\n" + rows + "s-x,view,AB\x00-2\n").encode()

    with pytest.raises(ImportFileError, match="NUL character on line 402"):
        read_event_csv(data)
