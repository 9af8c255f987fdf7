"""Loading the demo: the stores, users and catalog (demo.catalog; content's
defaults come with each new store through catalog.hooks.store_created), the
tuned model version the app ships, then the shopper events and embeddings queued
for the worker (demo.recommendations). Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.models import Store
from content.services.training import model_version_install_bundled
from demo.catalog import DEMO_SLUG, SECOND_SLUG, DemoResult, load_demo_catalog
from demo.recommendations import demo_setup_recommendations


@dataclass
class DemoLoad:
    catalog: DemoResult
    # (store name, what was queued for it), in words
    notes: list[tuple[str, str]] = field(default_factory=list)


def demo_load(*, data_dir: Path) -> DemoLoad:
    loaded = DemoLoad(catalog=load_demo_catalog(data_dir=data_dir))
    # The demo writes with the tuned model the app ships (content/adapters/), installed once:
    # an admin's later choice of model stays.
    demo_store = loaded.catalog.store
    tuned = model_version_install_bundled(store=demo_store, activate=True)
    if tuned is not None:
        loaded.notes.append((demo_store.name, f"writes with {tuned.label} ({tuned.training_examples:,} examples)"))
    for store in Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]).order_by("slug"):
        # The dataset's shoppers bought the demo store's products, not the second store's.
        events_dir = data_dir if store.slug == DEMO_SLUG else None
        for note in demo_setup_recommendations(store=store, data_dir=events_dir):
            loaded.notes.append((store.name, note))
    return loaded
