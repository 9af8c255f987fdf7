"""Generation through the app's task path, and what the app adds to the model's time.

    .venv/bin/python bench/generation_job.py [--products 16] [--drafts 10000] [--smoke]
    .venv/bin/python bench/generation_job.py --products 1000 --drafts 0   # the 1,000-product job
    .venv/bin/python bench/generation_job.py --model base                 # without the tuned adapter

1. A description job over the first `--products` real products of the shared
   dataset, run in this process with the store's default template and the
   default model (GENERATION_BATCH_SIZE), tuned with the bundled adapter as the
   demo store writes (`--model base`: the base model with its few-shot
   prompts; a checkout without content/adapters/ has only that): drafts/s, tokens/s, and the share of
   the job spent outside the model (rendering, checks, near-duplicate lookup,
   database writes).
2. The near-duplicate lookup for one new draft with `--drafts` drafts already in
   the store: the GIN-indexed band-key overlap plus the MinHash preselection,
   against comparing the new text with every draft exactly.

On a database of its own (bench_content). Prints Markdown for bench/RESULTS.md;
bench/generation.py measures the model alone.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

from recommendation_common import machine, setup_django
from smoke import data_dir, parse_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=16)
    parser.add_argument("--drafts", type=int, default=10_000)
    parser.add_argument("--max-new-tokens", type=int, default=None, help="default: the template's")
    parser.add_argument("--model", choices=("bundled", "base"), default="bundled",
                        help="bundled: the tuned version the demo store writes with (default); base: no adapter")
    parser.add_argument("--candidates", type=int, default=1,
                        help="best of n (default 1: the engine's speed per draft; the demo store's version writes "
                             "best of 4 when a job does not choose)")
    parser.add_argument("--lookup-only", action="store_true",
                        help="only part 2, on the drafts of the last run's job (no model)")
    args = parse_args(parser, products=2, drafts=100, max_new_tokens=8)
    if args.smoke:
        os.environ["MODEL_ADAPTER_DIR"] = str(Path(__file__).resolve().parents[1] / "var" / "bench-adapters-smoke")
    setup_django("bench_content", smoke=args.smoke)
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from catalog import generation_model as runtime
    from catalog import services as catalog_services
    from catalog.models import Job, Membership, Store
    from catalog.services.jobs import run_job
    from content.models import Draft, GenerationJob
    from content.services import generation_start
    from content.services.generation import generation_run
    from content.services.training import model_version_install_bundled
    from demo.catalog import amazon_rows

    if args.lookup_only:
        generation = GenerationJob.objects.filter(store__slug="bench-content").order_by("-pk").first()
        drafts = list(Draft.objects.filter(job=generation, variant=1).select_related("product"))
        lookup = _duplicate_lookup(generation.store, generation, drafts, args.drafts)
        print(f"Machine: {machine()}.\n")
        print(_lookup_rows(lookup))
        return
    Store.objects.filter(slug="bench-content").delete()
    user, _ = get_user_model().objects.get_or_create(username="bench-content")
    store = catalog_services.store_create(name="Benchmark, content", slug="bench-content", owner=user)
    membership = Membership.objects.get(store=store, user=user)
    rows = amazon_rows(data_dir(args.smoke) / "products.csv")
    catalog_services.products_upsert(store=store, rows=rows[: max(args.products, 500)])
    products = list(store.products.order_by("id").values_list("pk", flat=True)[: args.products])
    tuned = model_version_install_bundled(store=store, activate=True) if args.model == "bundled" else None

    started = time.perf_counter()
    model = runtime.runtime_for()
    load_s = time.perf_counter() - started

    overrides = {"max_new_tokens": args.max_new_tokens} if args.max_new_tokens else None
    job = generation_start(store=store, membership=membership, content_type="description", product_ids=products,
                           params_overrides=overrides, candidates=args.candidates, send=False)
    started = time.perf_counter()
    run_job(job.pk, generation_run)
    job_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status in (Job.Status.SUCCEEDED, Job.Status.PARTLY_FAILED), job.error
    generation = GenerationJob.objects.get(pk=job.pk)
    drafts = list(Draft.objects.filter(job=generation))
    forward = [draft for draft in drafts if draft.status != Draft.Status.CANDIDATE]  # best of n puts one forward
    outside = job_s - generation.generation_seconds

    lookup = _duplicate_lookup(store, generation, drafts, args.drafts) if args.drafts else None

    print("\n".join([
        f"Machine: {machine()}; model {model.model_id}"
        f"{f' with the adapter of {tuned.label}' if tuned else ' (base, no adapter)'}, "
        f"GENERATION_BATCH_SIZE {settings.GENERATION_BATCH_SIZE}, "
        f"GENERATION_EXACT_BATCHES {settings.GENERATION_EXACT_BATCHES}, best of {args.candidates}, "
        f"loaded in {load_s:.1f} s (not counted).",
        "",
        "| what | value |",
        "| --- | ---: |",
        f"| products, drafts written | {len(products)}, {len(drafts)} ({job.failed} failed) |",
        f"| candidates written per product | {len(drafts) / max(1, len(products)):.2f} |",
        f"| job wall time | {job_s:.1f} s |",
        f"| products per second | {len(products) / job_s:.2f} |",
        f"| drafts per second | {len(drafts) / job_s:.2f} |",
        f"| completion tokens per second (model time) | {generation.tokens_per_second or 0:.1f} |",
        f"| time outside the model (render, checks, writes) | {outside:.2f} s ({100 * outside / job_s:.1f}%) |",
        f"| flagged by checks, of the drafts put forward | {sum(d.status == 'flagged' for d in forward)} of "
        f"{len(forward)} |",
        *([_lookup_rows(lookup)] if lookup else []),
    ]))


def _lookup_rows(lookup: dict) -> str:
    return "\n".join([
        f"| near-duplicate check, {lookup['drafts']:,} drafts in the store: band-key overlap, MinHash, "
        f"exact check of the few left | {lookup['indexed_ms']:.1f} ms ({lookup['candidates']} candidates) |",
        f"| same, exact comparison with every draft | {lookup['exact_ms']:.0f} ms |",
    ])


def _duplicate_lookup(store, generation, drafts, count: int) -> dict:
    """Fill the store with `count` drafts made from real product titles, then
    time the candidate lookup for new texts both ways."""
    from django.db import connection

    from content.checks import CheckContext, ProductFacts, run_checks
    from content.models import Draft
    from content.selectors import near_duplicate_candidates
    from content.services.drafts import Signature, similar_texts

    random.seed(0)
    products = list(store.products.order_by("id")[:500])
    words = " ".join(p.title for p in products).split()
    Draft.objects.filter(job=generation, variant__gt=1).delete()
    filler = []
    for index in range(count):
        product = products[index % len(products)]
        text = " ".join(random.choices(words, k=60))
        signature = Signature.of(text, "en")
        filler.append(Draft(store=store, product=product, content_type="description", language="en",
                            job=generation, prompt_version=generation.template_version, variant=2 + index,
                            generated_text=text, current_text=text, signature=signature.values,
                            band_keys=signature.keys))
    Draft.objects.bulk_create(filler, batch_size=1000)
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk insert; without statistics the
        # planner's choices say nothing about a store in use.
        cursor.execute("ANALYZE content_draft")

    indexed, exact, found = [], [], []
    for draft in drafts[:10]:
        signature = Signature.of(draft.current_text, "en")
        started = time.perf_counter()
        candidates = near_duplicate_candidates(store=store, content_type="description", language="en",
                                               band_keys=signature.keys)
        others = similar_texts(signature, candidates, product_id=draft.product_id)
        ctx = CheckContext(facts=ProductFacts(title=draft.product.title), other_texts=others)
        run_checks(draft.current_text, ctx, only=["near_duplicate"])
        indexed.append((time.perf_counter() - started) * 1000)
        found.append(len(candidates))

        started = time.perf_counter()
        everything = list(Draft.objects.filter(store=store).exclude(product=draft.product_id)
                          .values_list("product__title", "current_text"))
        run_checks(draft.current_text, CheckContext(facts=ProductFacts(title=draft.product.title),
                                                    other_texts=everything), only=["near_duplicate"])
        exact.append((time.perf_counter() - started) * 1000)
    return {"drafts": count, "indexed_ms": statistics.median(indexed), "exact_ms": statistics.median(exact),
            "candidates": int(statistics.median(found))}


if __name__ == "__main__":
    main()
