"""Stores made before the content app existed are set up by a migration, so
reading a brand voice never has to write one."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from content.models import BrandVoice, PromptTemplate

BEFORE = [("content", "0004_promptcomparison_prompttrial")]
AFTER = [("content", "0005_set_up_existing_stores")]


@pytest.fixture
def latest_schema_after():
    yield
    # Leave the schema as the rest of the suite expects it (later migrations exist).
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_older_stores_a_brand_voice_and_default_templates(latest_schema_after):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old_apps = executor.loader.project_state(BEFORE).apps
    store = old_apps.get_model("catalog", "Store").objects.create(name="Older shop", slug="older")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    assert BrandVoice.objects.filter(store_id=store.pk).count() == 1
    templates = PromptTemplate.objects.filter(store_id=store.pk)
    assert templates.exists() and not templates.filter(active_version__isnull=True).exists()
