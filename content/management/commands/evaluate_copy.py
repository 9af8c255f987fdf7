"""The copy yardstick from the command line: the same service and job as the Copy quality page."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.services.jobs import run_job
from content.management.commands._common import model_version_choice, store_by_slug
from content.models import CopyEvaluation
from content.quality.corpus import HELDOUT_PER_LANGUAGE
from content.selectors.quality import STORE_HELDOUT
from content.services.copy_evaluation import copy_evaluation_run, copy_evaluation_start

# (figure, heading, width, format)
COLUMNS = (("drafts", "drafts", 6, "{}"), ("pass_rate", "pass", 6, "{:.0%}"),
           ("claims_per_draft", "claims/d", 8, "{:.2f}"), ("ungrounded_details", "details", 7, "{:.1f}"),
           ("length_ok", "length", 6, "{:.0%}"),
           ("echo_rate", "echo", 5, "{:.0%}"), ("repetition_rate", "repeat", 6, "{:.0%}"),
           ("similarity", "sim", 5, "{:.2f}"))


class Command(BaseCommand):
    help = ("Measure generated copy: a model version writes descriptions for the held-back corpus products "
            f"({HELDOUT_PER_LANGUAGE} English, {HELDOUT_PER_LANGUAGE} Chinese, from PRODUCT_COPY_DIR) and "
            f"{STORE_HELDOUT} of the store's products; every check runs on every draft; the drafts and figures "
            "are kept for the Copy quality page.")

    def add_arguments(self, parser):
        parser.add_argument("store", help="the store's slug")
        parser.add_argument("--model-version", default="active", help="'active' (default), 'base' or a number")
        parser.add_argument("--candidates", type=int, default=1,
                            help="best of n: candidates are written until one is good enough, at most n")
        parser.add_argument("--every-candidate", action="store_true",
                            help="write all n candidates instead of stopping at the first good enough")
        parser.add_argument("--corpus", type=int, default=HELDOUT_PER_LANGUAGE,
                            help="held-back corpus products per language (0: the store's products only)")
        parser.add_argument("--store-products", type=int, default=STORE_HELDOUT)
        parser.add_argument("--no-number-constraint", action="store_true",
                            help="let the model write any number (to measure what the constraint does)")
        parser.add_argument("--no-word-constraint", action="store_true",
                            help="let English drafts write any word (to measure what the constraint does)")
        parser.add_argument("--note", default="")
        parser.add_argument("--background", action="store_true", help="queue the job for the worker")
        parser.add_argument("--show-drafts", choices=("none", "store", "all"), default="none",
                            help="print the drafts after the figures")

    def handle(self, *args, **options):
        store = store_by_slug(options["store"])
        try:
            evaluation = copy_evaluation_start(
                store=store, membership=None, model_version=model_version_choice(store, options["model_version"]),
                candidates=options["candidates"], stop_early=not options["every_candidate"],
                corpus_per_language=options["corpus"],
                store_products=options["store_products"], constrain_numbers=not options["no_number_constraint"],
                constrain_words=not options["no_word_constraint"],
                note=options["note"], send=options["background"],
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)]))) from None
        if options["background"]:
            self.stdout.write(f"Queued copy evaluation #{evaluation.pk} (job #{evaluation.job_id}).")
            return
        run_job(evaluation.job_id, copy_evaluation_run)
        evaluation = CopyEvaluation.objects.select_related("job", "model_version").get(pk=evaluation.pk)
        if evaluation.finished_at is None:
            raise CommandError(f"The evaluation failed: {evaluation.job.error}")
        self.stdout.write(f"Copy evaluation #{evaluation.pk}: {evaluation.label}, model {evaluation.model_id}, "
                          f"load average {evaluation.load_average}")
        self.stdout.write(f"{'subset':<10}" + "".join(f" {title:>{width}}" for _, title, width, _ in COLUMNS))
        for subset in ("corpus_en", "corpus_zh", "corpus", "store", "all"):
            figures = evaluation.results.get(subset)
            if not figures:
                continue
            cells = [f" {fmt.format(figures[key]) if figures.get(key) is not None else '-':>{width}}"
                     for key, _, width, fmt in COLUMNS]
            self.stdout.write(f"{subset:<10}" + "".join(cells))
        timing = evaluation.results.get("timing", {})
        if timing.get("tokens_per_second"):
            self.stdout.write(f"{timing['tokens_per_second']} tokens/s, {timing['drafts_per_minute']} drafts/min "
                              f"({timing['prompts']} prompts, {timing['seconds']:.0f} s in the model)")
        if options["show_drafts"] != "none":
            drafts = evaluation.drafts.order_by("subset", "position")
            if options["show_drafts"] == "store":
                drafts = drafts.filter(subset="store")
            for draft in drafts:
                verdict = "passes" if draft.passed else "flagged: " + ", ".join(draft.failed_checks)
                self.stdout.write(f"\n[{draft.subset}] {draft.title}\n{draft.text}\n  -> {verdict}")
