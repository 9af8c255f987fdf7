"""The copy yardstick across model versions and best-of-n: what the Copy quality page measures,
run here one configuration after another and printed as Markdown for bench/RESULTS.md.

    .venv/bin/python bench/copy_quality.py                               # base, bundled, bundled best of 2 and 4
    .venv/bin/python bench/copy_quality.py --runs base:1,bundled:1:free  # :free = numbers not constrained
    .venv/bin/python bench/copy_quality.py --runs bundled:4,bundled:4:all  # :all = every candidate written
    .venv/bin/python bench/copy_quality.py --reuse --print-drafts bundled:1   # table again, drafts in full
    .venv/bin/python bench/copy_quality.py --runs bundled:4 --corpus 0 --repetition-penalty 1.0  # store only
    .venv/bin/python bench/copy_quality.py --smoke                      # checks that it runs (bench/smoke.py)

The demo store is loaded into the benchmark's own database (the same products in the same
order as `make run`'s, so the same 16 held-back products); the held-back corpus products come
from PRODUCT_COPY_DIR (default ../shared/data/product-copy; a full run stops when it is missing,
a smoke run reads bench/fixtures/smoke/product-copy/). Each configuration is one CopyEvaluation:
with --reuse, a finished one of the same configuration is read back instead of written again, so
the expensive runs are done once and can be spread over quiet hours. Load averages are printed
with every figure: the machine is shared.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from recommendation_common import machine, setup_django
from smoke import BENCH, data_dir, parse_args

SMOKE_COPY_DIR = BENCH / "fixtures" / "smoke" / "product-copy"
DEFAULT_RUNS = "base:1,bundled:1,bundled:2,bundled:4"
SUBSETS = ("corpus_en", "corpus_zh", "corpus", "store")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", default=DEFAULT_RUNS,
                        help="comma-separated model:n[:free][:all][:words]; model is base, bundled or a version "
                             "number; :all writes every candidate instead of stopping at the first good enough, "
                             ":words lets English drafts write any word")
    parser.add_argument("--corpus", type=int, default=100, help="held-back corpus products per language")
    parser.add_argument("--store-products", type=int, default=16)
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: the templates'")
    parser.add_argument("--temperature", type=float, default=None, help="default: the templates'")
    parser.add_argument("--repetition-penalty", type=float, default=None, help="default: the templates'")
    parser.add_argument("--reuse", action="store_true", help="read back a finished run of the same configuration")
    parser.add_argument("--print-drafts", default="", help="runs (as in --runs) whose store drafts to print in full")
    args = parse_args(parser, runs="base:1,bundled:2", corpus=1, store_products=2, max_new_tokens=12)
    if args.smoke:
        os.environ["PRODUCT_COPY_DIR"] = str(SMOKE_COPY_DIR)
        os.environ["MODEL_ADAPTER_DIR"] = str(BENCH.parent / "var" / "bench-adapters-smoke")
    setup_django("bench_copy", smoke=args.smoke)
    from django.conf import settings

    from catalog.models import Store
    from content.services.training import corpus_available, model_version_install_bundled
    from demo.catalog import DEMO_SLUG, load_demo_catalog

    if not corpus_available():
        raise SystemExit(f"The product-copy corpus is missing ({settings.PRODUCT_COPY_DIR}; set PRODUCT_COPY_DIR). "
                         "--smoke runs on bench/fixtures/smoke/product-copy/ instead.")
    load_demo_catalog(data_dir=data_dir(args.smoke))
    store = Store.objects.get(slug=DEMO_SLUG)
    bundled = model_version_install_bundled(store=store, activate=False)
    runs = [parse_run(text) for text in args.runs.split(",") if text.strip()]
    overrides = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else {}
    if args.temperature is not None:
        overrides["temperature"] = args.temperature
    if args.repetition_penalty is not None:
        overrides["repetition_penalty"] = args.repetition_penalty
    rows = []
    for model, candidates, free, every, words_free in runs:
        if model == "bundled" and bundled is None:
            # A checkout without content/adapters/ (or one whose adapter was trained on another
            # base model) still measures the base model; `train_copy_model --bundle` makes one.
            print(f"skipped {model}:{candidates}: no bundled adapter fits the configured model "
                  "(manage.py train_copy_model <store> --bundle writes one)")
            continue
        version = resolve(store, model, bundled)
        evaluation = evaluate(store, version, candidates=candidates, constrain=not free, stop_early=not every,
                              words=not words_free, corpus=args.corpus, store_products=args.store_products,
                              overrides=overrides, reuse=args.reuse)
        rows.append(((model, candidates, free, every, words_free), evaluation))
    print(f"\nMachine: {machine()}.\n")
    print(table(rows))
    wanted = {parse_run(text) for text in args.print_drafts.split(",") if text.strip()}
    for key, evaluation in rows:
        if key in wanted:
            print(drafts(evaluation))


def parse_run(text: str) -> tuple[str, int, bool, bool, bool]:
    """(model, n, numbers free, every candidate written, words free) from
    "model:n[:free][:all][:words]"."""
    parts = text.strip().split(":")
    flags = parts[2:]
    if (len(parts) < 2 or not parts[1].isdigit() or not set(flags) <= {"free", "all", "words"}
            or len(set(flags)) < len(flags)):
        raise SystemExit(f"bad run {text!r}: write model:n, with :free, :all and/or :words after it")
    return parts[0], int(parts[1]), "free" in flags, "all" in flags, "words" in flags


def resolve(store, model: str, bundled):
    from content.models import ModelVersion

    if model == "base":
        return None
    if model == "bundled":
        if bundled is None:
            raise SystemExit("no bundled adapter fits the configured model")
        return bundled
    version = ModelVersion.objects.filter(store=store, number=int(model)).first() if model.isdigit() else None
    if version is None:
        raise SystemExit(f"no model version {model!r} in the benchmark's demo store")
    return version


def evaluate(store, version, *, candidates, constrain, stop_early, words, corpus, store_products, overrides, reuse):
    from catalog.services.jobs import run_job
    from content.models import CopyEvaluation
    from content.services.copy_evaluation import copy_evaluation_run, copy_evaluation_start

    if reuse:
        same = CopyEvaluation.objects.filter(
            store=store, model_version=version, candidates=candidates, constrain_numbers=constrain,
            constrain_words=words, corpus_per_language=corpus, params_overrides=overrides, finished_at__isnull=False)
        if candidates > 1:  # with one candidate, stopping early changes nothing
            same = same.filter(stop_early=stop_early)
        found = same.order_by("-finished_at").first()
        if found is not None and len(found.product_ids) == store_products:
            return found
    evaluation = copy_evaluation_start(store=store, membership=None, model_version=version, candidates=candidates,
                                       stop_early=stop_early, corpus_per_language=corpus, store_products=store_products,
                                       constrain_numbers=constrain, constrain_words=words, params_overrides=overrides,
                                       send=False)
    print(f"evaluation #{evaluation.pk}: {evaluation.label}, load average {os.getloadavg()[0]:.1f}", flush=True)
    run_job(evaluation.job_id, copy_evaluation_run)
    evaluation.refresh_from_db()
    if evaluation.finished_at is None:
        evaluation.job.refresh_from_db()
        raise SystemExit(f"evaluation #{evaluation.pk} failed: {evaluation.job.error}")
    return evaluation


def table(rows) -> str:
    from content.services.copy_evaluation import figures_by_subset

    lines = ["| model | best of | numbers | words | products | drafts | pass | claims/draft | ungrounded details "
             "| length ok | echo | repetition | similarity | candidates written/draft | tokens/s | drafts/min "
             "| load avg | run |",
             "| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
             "| ---: | ---: | ---: |"]
    for (_, candidates, free, _every, words_free), evaluation in rows:
        timing = evaluation.results.get("timing", {})
        written = timing.get("prompts", 0) / max(1, evaluation.drafts.count())
        # Ungrounded details recounted from the stored drafts, so evaluations finished before the
        # figure existed show it too.
        recounted = figures_by_subset(list(evaluation.drafts.select_related("product")))
        for subset in SUBSETS:
            figures = evaluation.results.get(subset)
            if not figures:
                continue
            similarity = f"{figures['similarity']:.3f}" if figures.get("similarity") is not None else "-"
            details = recounted[subset].get("ungrounded_details")
            lines.append(
                f"| {evaluation.label} | {candidates} | {'free' if free else 'from facts'} | "
                f"{'free' if words_free else 'generic and own'} | {subset} | "
                f"{figures['drafts']} | {figures['pass_rate']:.0%} | {figures['claims_per_draft']:.2f} | "
                f"{'-' if details is None else f'{details:.1f}'} | "
                f"{figures['length_ok']:.0%} | {figures['echo_rate']:.0%} | {figures['repetition_rate']:.0%} | "
                f"{similarity} | {written:.2f} | {timing.get('tokens_per_second', 0):.1f} | "
                f"{timing.get('drafts_per_minute', 0):.1f} "
                f"| {evaluation.load_average} | #{evaluation.pk} |")
    return "\n".join(lines)


def drafts(evaluation) -> str:
    """The store's drafts in full, with what the checks and, where one judged them, a reader said."""
    from content.selectors.quality import reader_figures

    lines = [f"\n#### The {evaluation.drafts.filter(subset='store').count()} store drafts of evaluation "
             f"#{evaluation.pk} ({evaluation.label})\n"]
    reader = reader_figures(evaluation=evaluation).get("store", {})
    if reader.get("judged"):
        lines.append(f"A reader judged {reader['judged']}: {reader['as_is']} approved as they stand, "
                     f"{reader['after_edit']} after an edit, {reader['reject']} rejected.\n")
    for number, draft in enumerate(evaluation.drafts.filter(subset="store").order_by("position"), start=1):
        verdict = "passes every check" if draft.passed else "flagged: " + ", ".join(
            f"{result['name']} ({result['message']})" for result in draft.failing_results
            if result.get("severity") == "error")
        if draft.verdict:
            verdict += f"; reader: {draft.get_verdict_display().lower()}"
        attributes = "; ".join(f"{key}: {value}" for key, value in (draft.facts.get("attributes") or {}).items())
        lines += [f"{number}. **{draft.title}**" + (f" ({attributes})" if attributes else ""), "",
                  f"   > {draft.text}", "", f"   {verdict}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
