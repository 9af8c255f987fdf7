from django.core.management.base import BaseCommand

from catalog.services.jobs import run_job
from recommendations.management.commands._common import store_by_slug
from recommendations.services.embeddings import embeddings_run, embeddings_schedule


class Command(BaseCommand):
    help = "Embed the store's new and changed products (or all of them with --everything)."

    def add_arguments(self, parser):
        parser.add_argument("store", help="store slug")
        parser.add_argument("--everything", action="store_true", help="re-embed every product")
        parser.add_argument("--background", action="store_true", help="queue the job for the worker")

    def handle(self, *args, store, everything, background, **options):
        store = store_by_slug(store)
        job = embeddings_schedule(store=store, everything=everything)
        if background:
            self.stdout.write(f"Queued job #{job.pk}")
            return
        run_job(job.pk, embeddings_run)  # claims it first: a worker that got the message does nothing
        job.refresh_from_db()
        self.stdout.write(f"Job #{job.pk} {job.get_status_display()}: {job.result or job.error}")
