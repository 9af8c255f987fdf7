"""Loading the demo composes the apps: catalog stores and users, content's
defaults through the store_created hook, recommendations' jobs queued."""

import pytest

from catalog.models import Job, Store
from content.models import BrandVoice, PromptTemplate
from demo.catalog import DEMO_SLUG, SECOND_SLUG
from demo.services import demo_load

pytestmark = pytest.mark.django_db


def test_the_demo_load_sets_up_both_stores_for_every_app(tmp_path):
    loaded = demo_load(data_dir=tmp_path / "missing")

    stores = list(Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]))
    assert len(stores) == 2 and loaded.catalog.created
    for store in stores:
        assert BrandVoice.objects.filter(store=store).exists()
        assert PromptTemplate.objects.filter(store=store, active_version__isnull=False).exists()
    assert {note for _, note in loaded.notes} == {
        f"queued the embedding of {store.products.count()} products" for store in stores}
    assert Job.objects.filter(kind=Job.Kind.EMBEDDING).count() == 2


def test_loading_again_queues_nothing_more(tmp_path):
    demo_load(data_dir=tmp_path / "missing")

    again = demo_load(data_dir=tmp_path / "missing")

    assert not again.catalog.created and again.notes == []
    assert Job.objects.filter(kind=Job.Kind.EMBEDDING).count() == 2
