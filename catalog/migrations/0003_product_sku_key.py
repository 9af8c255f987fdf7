"""Products get their SKU key (catalog.importing.sku_key): SKUs that differ
only in case, composition or zero-width characters become one identity.

Existing SKUs are normalised and keyed. Two existing products of one store
whose SKUs now mean the same product are not merged (each has its drafts,
events and copy): the migration stops and names them, and the operator
renames one SKU before migrating again."""

from django.db import migrations, models

from catalog.importing import sku_key, sku_normalize


class SkuCollision(RuntimeError):
    pass


def fill_sku_keys(apps, schema_editor):
    Product = apps.get_model("catalog", "Product")
    seen: dict[tuple[int, str], str] = {}
    collisions = []
    changed = []
    for product in Product.objects.only("pk", "store_id", "sku").order_by("pk").iterator(chunk_size=2000):
        key = (product.store_id, sku_key(product.sku))
        if key in seen:
            collisions.append(f"store {product.store_id}: '{seen[key]}' and '{product.sku}'")
            continue
        seen[key] = product.sku
        product.sku, product.sku_key = sku_normalize(product.sku), key[1]
        changed.append(product)
        if len(changed) >= 2000:
            Product.objects.bulk_update(changed, ["sku", "sku_key"])
            changed = []
    if collisions:
        listed = "; ".join(collisions[:20]) + (f"; and {len(collisions) - 20} more" if len(collisions) > 20 else "")
        raise SkuCollision(
            "These products' SKUs differ only in case or invisible characters, so they would be one product: "
            f"{listed}. Rename one SKU of each pair (they are not merged automatically), then migrate again."
        )
    Product.objects.bulk_update(changed, ["sku", "sku_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0002_api_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='product',
            name='sku_key',
            field=models.CharField(default='', max_length=200),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(
            model_name='product',
            name='product_unique_store_sku',
        ),
        migrations.RunPython(fill_sku_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.UniqueConstraint(fields=('store', 'sku_key'), name='product_unique_store_sku_key'),
        ),
        migrations.AddConstraint(
            model_name='product',
            constraint=models.CheckConstraint(condition=models.Q(('sku_key', ''), _negated=True), name='product_sku_key_set'),
        ),
    ]
