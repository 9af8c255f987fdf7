"""The SKU key migration: existing SKUs are normalised and keyed; two existing
products that would become one are named, never merged."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from catalog.models import Product

BEFORE = [("catalog", "0001_initial")]
AFTER = [("catalog", "0003_product_sku_key")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def older_schema():
    apps = _migrate(BEFORE)
    yield apps
    # Whatever happened, leave the schema as the rest of the suite expects it.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_product")
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _columns() -> set[str]:
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, "catalog_product")}


def _older_products(apps, *skus):
    store = apps.get_model("catalog", "Store").objects.create(name="Older shop", slug="older")
    Product = apps.get_model("catalog", "Product")
    return [Product.objects.create(store=store, sku=sku, title=f"Product {sku}") for sku in skus]


@pytest.mark.django_db(transaction=True)
def test_existing_skus_are_normalised_and_keyed(older_schema):
    old = _older_products(older_schema, "GL-100", "\u200bCafe\u0301-1")

    _migrate(AFTER)

    assert list(Product.objects.filter(pk__in=[p.pk for p in old]).order_by("pk").values_list("sku", "sku_key")) == [
        ("GL-100", "gl-100"), ("Café-1", "café-1")]


@pytest.mark.django_db(transaction=True)
def test_existing_products_that_would_become_one_stop_the_migration_and_are_named(older_schema):
    _older_products(older_schema, "GL-100", "gl-100", "BK-1")

    with pytest.raises(Exception, match="'GL-100' and 'gl-100'.*Rename one SKU"):
        _migrate(AFTER)

    assert "sku_key" not in _columns()  # rolled back whole: nothing half-migrated
    assert sorted(older_schema.get_model("catalog", "Product").objects.values_list("sku", flat=True)) == [
        "BK-1", "GL-100", "gl-100"]
