from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog import services
from catalog.importing import ImportFileError
from catalog.models import Job, Membership, Store
from catalog.services.jobs import run_job


class Command(BaseCommand):
    help = (
        "Import products from a CSV or JSON file into a store, through the same validation and import job as the "
        "dashboard. Rows with errors are listed; nothing is imported unless --skip-invalid is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("store", help="store slug")
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="username of a member who may import (admin or editor)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the valid rows, skip the others")
        parser.add_argument("--background", action="store_true",
                            help="queue the job for the Celery worker instead of running it here")

    def handle(self, *args, store, file: Path, user, skip_invalid, background, **options):
        try:
            store_obj = Store.objects.get(slug=store)
            user_obj = get_user_model().objects.get(username=user)
            membership = Membership.objects.select_related("store", "user").get(store=store_obj, user=user_obj)
        except (Store.DoesNotExist, get_user_model().DoesNotExist, Membership.DoesNotExist):
            raise CommandError(f"No member '{user}' in a store '{store}'.") from None
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            batch = services.import_upload(store=store_obj, membership=membership, filename=file.name,
                                           data=file.read_bytes())
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{batch.total_rows} rows: {batch.valid_rows} valid, {batch.invalid_rows} with errors.")
        for error in batch.errors[:50]:
            self.stdout.write(f"  row {error['row']} {error['column'] or '-'}: {error['message']}")
        try:
            job = services.import_confirm(batch=batch, membership=membership, skip_invalid=skip_invalid,
                                          background=background)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if background:
            self.stdout.write(f"Queued job {job.pk}.")
            return
        run_job(job.pk, services.import_run)
        job.refresh_from_db()
        if job.status != Job.Status.SUCCEEDED:
            raise CommandError(f"Import job {job.pk} {job.get_status_display().lower()}: {job.error}")
        self.stdout.write(self.style.SUCCESS(f"Imported {job.done} products (job {job.pk})."))
