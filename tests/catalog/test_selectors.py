import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Product
from catalog.selectors import ProductFilters, count_capped, product_page, product_queryset
from catalog.services import category_for_path
from tests.catalog.factories import ProductFactory

pytestmark = pytest.mark.django_db


def _walk(store, filters, page_size):
    seen, cursor, pages = [], None, 0
    while True:
        page = product_page(store=store, filters=filters, cursor=cursor, page_size=page_size)
        seen.extend(p.sku for p in page.items)
        pages += 1
        if not page.next_cursor:
            return seen, pages
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["title", "-updated", "sku"])
def test_keyset_pages_cover_every_product_once_in_order(store, sort):
    for index in range(23):
        ProductFactory(store=store, sku=f"K-{index:02d}", title=f"Item {index % 5}")  # repeated titles

    seen, pages = _walk(store, ProductFilters(sort=sort), page_size=5)

    expected = [p.sku for p in product_queryset(store=store, filters=ProductFilters(sort=sort)).order_by(
        *{"title": ("title", "id"), "-updated": ("-updated_at", "-id"), "sku": ("sku", "id")}[sort])]
    assert seen == expected
    assert pages == 5


def test_the_previous_cursor_returns_the_previous_page(store):
    for index in range(12):
        ProductFactory(store=store, sku=f"P-{index:02d}", title=f"Title {index:02d}")
    first = product_page(store=store, filters=ProductFilters(), cursor=None, page_size=5)
    second = product_page(store=store, filters=ProductFilters(), cursor=first.next_cursor, page_size=5)

    back = product_page(store=store, filters=ProductFilters(), cursor=second.prev_cursor, page_size=5)

    assert [p.sku for p in back.items] == [p.sku for p in first.items]
    assert back.prev_cursor is None


def test_a_garbled_cursor_gives_the_first_page(store):
    ProductFactory(store=store, sku="G-1")

    page = product_page(store=store, filters=ProductFilters(), cursor="not-base64!!", page_size=5)

    assert [p.sku for p in page.items] == ["G-1"]


def test_filters_search_category_brand_and_stock(store, other_store):
    gloves = category_for_path(store=store, path=["Safety", "Gloves"])
    safety = gloves.parent
    ProductFactory(store=store, sku="S-1", title="Nitrile Exam Gloves", brand="LabGuard", category=gloves, stock=4)
    ProductFactory(store=store, sku="S-2", title="Safety Glasses Clear", brand="ClearView", category=safety, stock=0)
    ProductFactory(store=store, sku="L-1", title="Glass Beaker 250 ml", brand="ClearLab", stock=9)
    ProductFactory(store=other_store, sku="X-1", title="Nitrile Exam Gloves", brand="LabGuard", stock=4)

    def skus(**kwargs):
        return sorted(product_queryset(store=store, filters=ProductFilters(**kwargs)).values_list("sku", flat=True))

    assert skus(q="gloves") == ["S-1"]
    assert skus(q="s-2") == ["S-2"]  # SKU prefix
    assert skus(q="beak") == ["L-1"]  # part of a word
    assert skus(category_id=safety.pk) == ["S-1", "S-2"]  # a category includes its children
    assert skus(brand="labguard") == ["S-1"]
    assert skus(stock="out") == ["S-2"]
    assert skus(stock="in", q="glass") == ["L-1"]


def test_count_is_capped(store):
    for _ in range(7):
        ProductFactory(store=store)

    assert count_capped(Product.objects.filter(store=store), cap=5) == (5, True)
    assert count_capped(Product.objects.filter(store=store), cap=10) == (7, False)


def test_the_catalog_page_makes_the_same_number_of_queries_for_5_or_50_products(client_as, viewer_member):
    client = client_as(viewer_member)
    url = reverse("catalog:products", kwargs={"store_slug": viewer_member.store.slug})
    category = category_for_path(store=viewer_member.store, path=["Lab", "Glassware"])
    for _ in range(5):
        ProductFactory(store=viewer_member.store, category=category)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(45):
        ProductFactory(store=viewer_member.store, category=category)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.count(b'class="title-cell"') == 50
