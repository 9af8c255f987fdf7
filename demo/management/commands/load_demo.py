from django.conf import settings
from django.core.management.base import BaseCommand

from demo.catalog import DEMO_USERS
from demo.services import demo_load


class Command(BaseCommand):
    help = "Create the demo stores, users and catalog (from DEMO_DATA_DIR when it exists). Safe to run again."

    def handle(self, *args, **options):
        loaded = demo_load(data_dir=settings.DEMO_DATA_DIR)
        result = loaded.catalog
        if result.created:
            self.stdout.write(self.style.SUCCESS(
                f"Demo store '{result.store.name}' created with {result.products} products from {result.source}."
            ))
        else:
            self.stdout.write(f"Demo store '{result.store.name}' already exists ({result.products} products).")
        for store_name, note in loaded.notes:
            self.stdout.write(f"{store_name}: {note}.")
        logins = ", ".join(f"{username} / {password}" for username, password, _, _ in DEMO_USERS)
        self.stdout.write(f"Logins: {logins}")
