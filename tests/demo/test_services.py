"""Loading the demo composes the apps: catalog stores and users, content's
defaults through the store_created hook, recommendations' jobs queued."""

import pytest

from catalog.models import Job, Store
from content.models import BrandVoice, ModelVersion, PromptTemplate
from content.selectors.model_versions import active_model_version
from content.services.training import BUNDLED_DIR, BUNDLED_NAME
from demo.catalog import DEMO_SLUG, SECOND_SLUG
from demo.services import demo_load

pytestmark = pytest.mark.django_db

BUNDLED = (BUNDLED_DIR / BUNDLED_NAME / "training.json").is_file()


@pytest.fixture(autouse=True)
def adapters(settings, tmp_path):
    settings.MODEL_ADAPTER_DIR = tmp_path / "adapters"


def test_the_demo_load_sets_up_both_stores_for_every_app(tmp_path):
    loaded = demo_load(data_dir=tmp_path / "missing")

    stores = list(Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]))
    assert len(stores) == 2 and loaded.catalog.created
    for store in stores:
        assert BrandVoice.objects.filter(store=store).exists()
        assert PromptTemplate.objects.filter(store=store, active_version__isnull=False).exists()
    embedding = {f"queued the embedding of {store.products.count()} products" for store in stores}
    demo = Store.objects.get(slug=DEMO_SLUG)
    tuned = active_model_version(store=demo)
    if BUNDLED:  # the demo writes with the tuned version the app ships, the second store with the base model
        assert {note for _, note in loaded.notes} == embedding | {
            f"writes with {tuned.label} ({tuned.training_examples:,} examples)"}
        assert tuned.sources == ["bundled"] and tuned.is_ready
    else:
        assert {note for _, note in loaded.notes} == embedding and tuned is None
    assert active_model_version(store=Store.objects.get(slug=SECOND_SLUG)) is None
    assert Job.objects.filter(kind=Job.Kind.EMBEDDING).count() == 2


def test_loading_again_queues_nothing_more(tmp_path):
    demo_load(data_dir=tmp_path / "missing")

    again = demo_load(data_dir=tmp_path / "missing")

    assert not again.catalog.created
    assert [note for _, note in again.notes if "embedding" in note] == []
    assert Job.objects.filter(kind=Job.Kind.EMBEDDING).count() == 2
    assert ModelVersion.objects.count() == (1 if BUNDLED else 0)
