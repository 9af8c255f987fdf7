from django.core.management.base import CommandError

from catalog.models import Store


def store_by_slug(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise CommandError(f"No store '{slug}'. Stores: {', '.join(Store.objects.values_list('slug', flat=True))}")
    return store
