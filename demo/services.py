"""Loading the demo: the stores, users and catalog (demo.catalog; content's
defaults come with each new store through catalog.hooks.store_created), then
the shopper events and embeddings queued for the worker
(demo.recommendations). Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from catalog.models import Store
from demo.catalog import DEMO_SLUG, SECOND_SLUG, DemoResult, load_demo_catalog
from demo.recommendations import demo_setup_recommendations


@dataclass
class DemoLoad:
    catalog: DemoResult
    # (store name, what was queued for it), in words
    notes: list[tuple[str, str]] = field(default_factory=list)


def demo_load(*, data_dir: Path) -> DemoLoad:
    loaded = DemoLoad(catalog=load_demo_catalog(data_dir=data_dir))
    for store in Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]).order_by("slug"):
        # The dataset's shoppers bought the demo store's products, not the second store's.
        events_dir = data_dir if store.slug == DEMO_SLUG else None
        for note in demo_setup_recommendations(store=store, data_dir=events_dir):
            loaded.notes.append((store.name, note))
    return loaded
