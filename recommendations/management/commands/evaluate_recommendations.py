from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from catalog.services.jobs import run_job
from recommendations.evaluation.methods import METHOD_NAMES
from recommendations.management.commands._common import store_by_slug
from recommendations.models import EvaluationRun
from recommendations.selectors.evaluation import evaluation_table
from recommendations.services.evaluation import evaluation_run, evaluation_start


class Command(BaseCommand):
    help = ("Evaluate the recommendation methods offline on a store's events (leave-last-out, full ranking, "
            "Recall/NDCG@k, coverage, cold-item run) and keep the run for the evaluation page.")

    def add_arguments(self, parser):
        parser.add_argument("store", help="store slug")
        parser.add_argument("--methods", default=",".join(METHOD_NAMES), help="comma-separated")
        parser.add_argument("--k", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--cold-fraction", type=float, default=0.1)
        parser.add_argument("--max-shoppers", type=int, default=None, help="a seeded sample of shoppers")
        parser.add_argument("--background", action="store_true", help="queue the job for the worker")

    def handle(self, *args, store, methods, k, seed, cold_fraction, max_shoppers, background, **options):
        store = store_by_slug(store)
        params = {"methods": [m.strip() for m in methods.split(",") if m.strip()], "k": k, "seed": seed,
                  "cold_fraction": cold_fraction, "max_shoppers": max_shoppers}
        try:
            run = evaluation_start(store=store, membership=None, params=params, background=background)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if background:
            self.stdout.write(f"Queued evaluation run #{run.pk} (job #{run.job_id})")
            return
        run_job(run.job_id, evaluation_run)
        run = EvaluationRun.objects.select_related("job").get(pk=run.pk)
        if not run.result:
            raise CommandError(f"The evaluation failed: {run.job.error}")
        dataset = run.result["dataset"]
        self.stdout.write(f"Run #{run.pk}: {dataset['shoppers']} shoppers, {dataset['events']} events, "
                          f"{dataset['items']} products, {dataset['cold_items']} cold products")
        self.stdout.write(f"{'method':<12} {'recall@' + str(k):>10} {'ndcg@' + str(k):>10} {'coverage':>9} "
                          f"{'cold rec':>9} {'seconds':>8}")
        for row in evaluation_table(run):
            self.stdout.write(f"{row['method']:<12} {row['recall']:>10.4f} {row['ndcg']:>10.4f} "
                              f"{row['coverage']:>9.3f} {row['cold_recall']:>9.4f} {row['seconds']:>8.1f}")
