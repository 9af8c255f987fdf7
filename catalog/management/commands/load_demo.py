from django.conf import settings
from django.core.management.base import BaseCommand

from catalog.demo import DEMO_USERS, load_demo


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
        logins = ", ".join(f"{username} / {password}" for username, password, _, _ in DEMO_USERS)
        self.stdout.write(f"Logins: {logins}")
