from django.core.management.base import CommandError

from catalog.models import Store
from content.models import ModelVersion


def store_by_slug(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise CommandError(f"No store '{slug}'.")
    return store


def model_version_choice(store: Store, choice: str):
    """'active' (what the store writes with), 'base' (no adapter) or a version number."""
    if choice == "active":
        return "active"
    if choice == "base":
        return None
    if not choice.isdigit():
        raise CommandError("--model-version takes 'active', 'base' or a version number.")
    version = ModelVersion.objects.filter(store=store, number=int(choice)).first()
    if version is None:
        raise CommandError(f"No model version v{choice} in {store.slug}.")
    return version
