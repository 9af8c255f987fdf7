from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.demo import DEMO_SLUG, DEMO_USERS, SECOND_SLUG, load_demo
from catalog.models import Store


class Command(BaseCommand):
    help = "Create the demo stores, users and catalog (from DEMO_DATA_DIR when it exists). Safe to run again."

    def handle(self, *args, **options):
        result = load_demo(data_dir=settings.DEMO_DATA_DIR)
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"Demo store '{result.store.name}' created with {result.products} products from {result.source}."
            ))
        else:
            self.stdout.write(f"Demo store '{result.store.name}' already exists ({result.products} products).")
        # Demo stores made before the content app existed get its defaults too (idempotent).
        from content.services import store_setup_content

        for store in Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]):
            store_setup_content(store=store)
        # Shopper events and product embeddings: queued for the worker (idempotent).
        from recommendations.demo import demo_setup_recommendations

        for store in Store.objects.filter(slug__in=[DEMO_SLUG, SECOND_SLUG]):
            # The dataset's shoppers bought the demo store's products, not the second store's.
            data_dir = settings.DEMO_DATA_DIR if store.slug == DEMO_SLUG else None
            for note in demo_setup_recommendations(store=store, data_dir=data_dir):
                self.stdout.write(f"{store.name}: {note}.")
        logins = ", ".join(f"{username} / {password}" for username, password, _, _ in DEMO_USERS)
        self.stdout.write(f"Logins: {logins}")
