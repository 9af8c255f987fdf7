"""Embedding throughput through the app's task path (products/s): the batched
job that claims dirty rows (FOR UPDATE SKIP LOCKED, oldest change first), builds
each product's text, runs the model and writes vectors, model id and text hash.

    .venv/bin/python bench/embedding_task.py [--products 2000] [--smoke]

In a fresh store of the benchmark database with the first `--products` real
products of the shared dataset; then the same job after a stock change of every
product (texts unchanged: no model call). Right before the job, the raw model
embeds the same product texts in one call (batch EMBEDDING_BATCH_SIZE, as
bench/embeddings_throughput.py does), so the end-to-end rate is compared with the
model's under the same load. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time

from recommendation_common import machine, setup_django
from smoke import data_dir, parse_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=2000)
    args = parse_args(parser, products=40)
    setup_django(smoke=args.smoke)
    from django.conf import settings

    from catalog import services
    from catalog.models import Job, Store
    from catalog.services.jobs import run_job
    from demo.catalog import amazon_rows
    from recommendations.embedding_model import get_embedder
    from recommendations.services.embeddings import embeddings_run, embeddings_schedule, product_texts

    Store.objects.filter(slug="bench-embedding").delete()
    store = Store.objects.create(name="Benchmark, embedding", slug="bench-embedding")
    rows = amazon_rows(data_dir(args.smoke) / "products.csv")[: args.products]
    services.products_upsert(store=store, rows=rows)
    started = time.perf_counter()
    embedder = get_embedder()
    load_s = time.perf_counter() - started
    texts = list(product_texts(list(store.products.select_related("category"))).values())
    embedder.embed(texts[:32])  # warm-up
    started = time.perf_counter()
    embedder.embed(texts)
    raw_s = time.perf_counter() - started

    def run() -> tuple[Job, float]:
        job = embeddings_schedule(store=store)
        started = time.perf_counter()
        run_job(job.pk, embeddings_run)
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, job.error
        return job, seconds

    first, first_s = run()
    for row in rows:
        row.stock = (row.stock or 0) + 1
    services.products_upsert(store=store, rows=rows)
    second, second_s = run()
    device = getattr(getattr(embedder, "runtime", None), "device", "cpu")
    print("\n".join([
        f"Machine: {machine()}; model {embedder.model_id} on {device}, EMBEDDING_BATCH_SIZE "
        f"{settings.EMBEDDING_BATCH_SIZE}; model loaded in {load_s:.1f} s (not counted).", "",
        "| job | products | embedded | seconds | products/s |", "|---|---|---|---|---|",
        f"| the model alone on the same texts (one call) | {len(texts):,} | {len(texts):,} | {raw_s:.1f} | "
        f"{len(texts) / raw_s:,.1f} |",
        f"| new products | {first.result['processed']:,} | {first.result['embedded']:,} | {first_s:.1f} | "
        f"{first.result['processed'] / first_s:,.1f} |",
        f"| after a stock change (text unchanged) | {second.result['processed']:,} | "
        f"{second.result['embedded']:,} | {second_s:.1f} | {second.result['processed'] / second_s:,.0f} |",
        "", f"End to end against the model alone: {(first.result['processed'] / first_s) / (len(texts) / raw_s):.2f}x.",
    ]))


if __name__ == "__main__":
    main()
