from django.core.management.base import BaseCommand

from recommendations.management.commands._common import store_by_slug
from recommendations.services.profiles import profiles_refresh


class Command(BaseCommand):
    help = "Build the store's stale shopper profiles (every profile with --all)."

    def add_arguments(self, parser):
        parser.add_argument("store", help="store slug")
        parser.add_argument("--all", action="store_true", dest="everything")

    def handle(self, *args, store, everything, **options):
        store = store_by_slug(store)
        built = profiles_refresh(store=store, everything=everything)
        self.stdout.write(self.style.SUCCESS(f"{built} profile(s) built for {store.slug}"))
