"""The first semantic search after the web server starts, with and without the
warm-up each web process does when it starts (WEB_WARMUP; catalog.hooks.web_warmups:
the embedding model loaded and run once before the first request).

    .venv/bin/python bench/cold_start.py [--products 5000] [--searches 3] [--smoke]

A store of the benchmark database holds the shared dataset's products (embedded by
the app's own job, in this process) and its shoppers' events. Then, once per mode,
gunicorn starts as `make run` starts it (commerce_site.run.web_command: 2 processes,
4 threads each), and the clock runs from its start: until it answers (ready), then a
signed-in viewer's first search, then the next ones. The searches go to the search
page (`/recommendations/search/?q=...`) and are timed from request to the last
byte. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import timedelta
from pathlib import Path

from recommendation_common import machine, setup_django
from smoke import data_dir, parse_args

REPO = Path(__file__).resolve().parent.parent
SLUG = "bench-cold-start"
USERNAME, PASSWORD = "bench-cold-viewer", "a-long-bench-password"
QUERIES = ["nitrile gloves for the lab", "sanding discs for wood", "glass beaker 250 ml", "digital caliper",
           "thread seal tape", "safety goggles"]


def build_store(*, products: int, smoke: bool):
    """The store, built once per database: products, their embeddings, the events."""
    import csv

    from catalog import services
    from catalog.models import Job, Membership, Store
    from catalog.services.jobs import run_job
    from demo.catalog import amazon_rows
    from recommendations.models import ProductEmbedding
    from recommendations.services.embeddings import embeddings_run, embeddings_schedule
    from recommendations.services.ingestion import DATASET_EPOCH, events_ingest

    store = Store.objects.filter(slug=SLUG).first()
    rows = amazon_rows(data_dir(smoke) / "products.csv")[:products]
    if store is None or ProductEmbedding.objects.filter(store=store, dirty=False).count() < len(rows):
        Store.objects.filter(slug=SLUG).delete()
        store = Store.objects.create(name="Benchmark, cold start", slug=SLUG)
        services.products_upsert(store=store, rows=rows)
        job = embeddings_schedule(store=store)
        run_job(job.pk, embeddings_run)
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED, job.error
        with (data_dir(smoke) / "interactions.csv").open(newline="", encoding="utf-8") as handle:
            events = [(number, {"shopper": row["shopper"], "type": "purchase", "sku": row["sku"],
                                "time": (DATASET_EPOCH + timedelta(days=int(row["seq"]))).isoformat()})
                      for number, row in enumerate(csv.DictReader(handle), start=1)]
        events_ingest(store=store, records=events, source="bench")
    from django.contrib.auth.models import User

    user, _ = User.objects.get_or_create(username=USERNAME)
    user.set_password(PASSWORD)
    user.save()
    Membership.objects.get_or_create(store=store, user=user, defaults={"role": "viewer"})
    return store


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(opener, url: str, data: dict | None = None) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with opener.open(urllib.request.Request(url, data=body), timeout=300) as response:
        return response.status, response.read()


def measure(*, warmup: bool, searches: int) -> dict:
    from django.conf import settings

    from commerce_site.run import web_start

    port = str(_free_port())
    # The web processes read this benchmark's database and Valkey database, as this process does.
    env = {**os.environ, "WEB_WARMUP": "true" if warmup else "false", "LOCAL_MODE": "true",
           "EMBEDDED_DATABASE_NAME": settings.DATABASES["default"]["NAME"], "LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    web = web_start("127.0.0.1", port, env=env, output=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        if not web.wait_until_serving(f"{base}/login/"):
            raise SystemExit("gunicorn did not start")
        ready_s = time.perf_counter() - started
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        _get(opener, f"{base}/login/")
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        _get(opener, f"{base}/login/", {"username": USERNAME, "password": PASSWORD, "csrfmiddlewaretoken": token})
        timings = []
        for query in (QUERIES * searches)[:searches]:
            began = time.perf_counter()
            status, page = _get(opener, f"{base}/s/{SLUG}/recommendations/search/?" + urllib.parse.urlencode(
                {"q": query}))
            timings.append(time.perf_counter() - began)
            assert status == 200 and b"search-results" in page, status
        return {"ready_s": ready_s, "timings": timings}
    finally:
        web.stop(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=5000)
    parser.add_argument("--searches", type=int, default=3)
    args = parse_args(parser, products=60)
    setup_django("bench_cold_start", smoke=args.smoke)
    store = build_store(products=args.products, smoke=args.smoke)
    from catalog.models import Product

    products = Product.objects.filter(store=store).count()
    results = {warmup: measure(warmup=warmup, searches=args.searches) for warmup in (False, True)}
    print("\n".join([
        f"Machine: {machine()}; {products:,} products with MiniLM vectors, WEB_CONCURRENCY "
        f"{os.environ.get('WEB_CONCURRENCY', '2')}, {args.searches} searches per start",
        "",
        "| web process | ready after | first search | later searches |",
        "| --- | ---: | ---: | ---: |",
        *(f"| WEB_WARMUP={'true' if warmup else 'false'} | {result['ready_s']:.1f} s "
          f"| {result['timings'][0] * 1000:,.0f} ms "
          f"| {', '.join(f'{t * 1000:,.0f}' for t in result['timings'][1:]) or '-'} ms |"
          for warmup, result in results.items()),
    ]))


if __name__ == "__main__":
    sys.exit(main())
