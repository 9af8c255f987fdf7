"""Start a generation job from the command line, through the same service as
the Generate screen (so the member's role is checked the same way)."""

import time

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Job, Membership, Store
from catalog.selectors import product_ids_by_sku
from content.models import ContentType, Language, PromptVersion
from content.services import generation_start


class Command(BaseCommand):
    help = "Generate drafts for products of a store: generate_content <store> --user <name> --skus A,B,C"

    def add_arguments(self, parser):
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("--user", required=True, help="a member of the store who may generate")
        parser.add_argument("--content-type", default=ContentType.DESCRIPTION, choices=ContentType.values)
        parser.add_argument("--skus", default="", help="comma-separated SKUs; empty: the whole catalog")
        parser.add_argument("--limit", type=int, default=None, help="at most this many products")
        parser.add_argument("--language", choices=Language.values, default=None,
                            help="default: the brand voice's language")
        parser.add_argument("--template-version", type=int, default=None,
                            help="a template version id (default: the active version)")
        parser.add_argument("--variants", type=int, default=1)
        parser.add_argument("--candidates", type=int, default=None,
                            help="best of n: candidates written per variant (default: the model version's own; "
                                 "1 for the base model)")
        parser.add_argument("--goal", default="", help="campaign goal (marketing copy)")
        parser.add_argument("--instruction", default="")
        parser.add_argument("--wait", action="store_true", help="wait for the worker to finish the job")

    def handle(self, *args, **options):
        membership = (
            Membership.objects.select_related("store", "user")
            .filter(store__slug=options["store"], user__username=options["user"])
            .first()
        )
        if membership is None:
            if not Store.objects.filter(slug=options["store"]).exists():
                raise CommandError(f"No store '{options['store']}'.")
            raise CommandError(f"'{options['user']}' is not a member of '{options['store']}'.")
        store = membership.store
        skus = [sku.strip() for sku in options["skus"].split(",") if sku.strip()]
        product_ids = None
        if skus:
            found = product_ids_by_sku(store=store, skus=skus)
            unknown = [sku for sku in skus if sku not in found]
            if unknown:
                raise CommandError(f"Unknown SKU(s) in {store.slug}: {', '.join(unknown)}")
            product_ids = [found[sku] for sku in skus]
        version = None
        if options["template_version"]:
            version = PromptVersion.objects.filter(pk=options["template_version"], template__store=store).first()
            if version is None:
                raise CommandError(f"No template version {options['template_version']} in {store.slug}.")
        from catalog.selectors import ProductFilters

        try:
            job = generation_start(
                store=store, membership=membership, content_type=options["content_type"],
                product_ids=product_ids, filters=None if product_ids else ProductFilters(),
                template_version=version, language=options["language"], variants=options["variants"],
                candidates=options["candidates"], goal=options["goal"], instruction=options["instruction"],
                limit=options["limit"],
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(f"Job #{job.pk} queued: {job.title} ({job.total} drafts to write).")
        if options["wait"]:
            self._wait(job)

    def _wait(self, job: Job) -> None:
        last = None
        while True:
            job.refresh_from_db()
            state = (job.status, job.done, job.failed)
            if state != last:
                self.stdout.write(f"  {job.get_status_display()}: {job.done}/{job.total} done, {job.failed} failed")
                last = state
            if not job.is_active:
                break
            time.sleep(1)
        if job.status in (Job.Status.FAILED, Job.Status.CANCELLED):
            raise CommandError(f"Job #{job.pk} {job.get_status_display().lower()}: {job.error or ''}".strip())
        self.stdout.write(self.style.SUCCESS(f"Job #{job.pk} {job.get_status_display().lower()}."))
