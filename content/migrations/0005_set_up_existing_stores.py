"""Stores made before the content app existed get its brand voice and default
templates here, once, so that reading a store's brand voice never writes."""

from django.db import migrations


def set_up_existing_stores(apps, schema_editor):
    from content.services.setup import store_defaults_write

    Store = apps.get_model("catalog", "Store")
    models = {name: apps.get_model("content", name) for name in ("BrandVoice", "PromptTemplate", "PromptVersion")}
    for store in Store.objects.filter(brand_voice__isnull=True):
        store_defaults_write(store=store, **models)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("content", "0004_promptcomparison_prompttrial"),
    ]

    operations = [migrations.RunPython(set_up_existing_stores, migrations.RunPython.noop)]
