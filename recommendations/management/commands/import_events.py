from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog.importing import ImportFileError
from recommendations.management.commands._common import store_by_slug
from recommendations.services.event_files import events_import_file, events_import_local_file


class Command(BaseCommand):
    help = ("Import shopper events from a CSV (the shared dataset's interactions.csv works as is) through the "
            "ingestion service. Safe to run again: repeated events are recognised by their key.")

    def add_arguments(self, parser):
        parser.add_argument("store", help="store slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--background", action="store_true", help="queue an import job for the worker")

    def handle(self, *args, store, file, background, **options):
        store = store_by_slug(store)
        if not file.is_file():
            raise CommandError(f"{file} is not a file")
        if background:
            job = events_import_local_file(store=store, path=file.resolve())
            self.stdout.write(f"Queued job #{job.pk}: {job.title}")
            return
        try:
            # Rows without a time get the command's: a batch time, left out of their keys,
            # so running the command on the same file again stores nothing twice.
            _, report = events_import_file(store=store, data=file.read_bytes(), source="command",
                                           default_time=timezone.now())
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for rejection in report.rejected[:20]:
            self.stdout.write(self.style.WARNING(f"row {rejection.row}: {rejection.reason}"))
        if len(report.rejected) > 20:
            self.stdout.write(self.style.WARNING(f"... and {len(report.rejected) - 20} more rejected rows"))
        summary = ", ".join(f"{key} {value}" for key, value in report.as_dict().items())
        self.stdout.write(self.style.SUCCESS(f"{store.slug}: {summary}"))
