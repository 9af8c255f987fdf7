"""Recommendation latency and candidate recall at 100k products.

    .venv/bin/python bench/recommendation_latency.py [--products 100000] [--queries 200] [--shoppers 300]
    .venv/bin/python bench/recommendation_latency.py --smoke   # 960 products of bench/fixtures/smoke, rebuilt

Builds (once; later runs reuse it, --smoke runs rebuild it) a benchmark store in its own database: the
4,385 real products of the shared dataset with their real MiniLM embeddings,
perturbed and mixed into `--products` synthetic variants (each variant: its
product's vector mixed with two random others, Dirichlet(4, 1, 1) weights, plus
Gaussian noise, renormalised; title, category and a derived stock level from
its product), and
the dataset's 59,384 real interactions mapped onto the variants (a shopper's
products all fall in one variant group, so co-occurrence stays real). The HNSW
index is built after the load, as the migration defines it (m 16,
ef_construction 64, vector_cosine_ops).

Measures, for profile-like query vectors (two random products mixed): the
candidate query (k 10) with the HNSW index and with an exact scan, recall@10
against the exact scan with no filter and with a filter keeping about 10% of the
products, and the whole recommendation (`recommend_for_shopper`: history,
profile, candidates, co-occurrence, hybrid score, MMR, reasons, products) for
real shoppers. Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

import numpy as np
from recommendation_common import machine, percentile, setup_django, summary_ms
from smoke import data_dir, parse_args

SLUG = "bench-100k"


def build_store(n_products: int, dataset: Path, rebuild: bool = False):
    from django.db import connection, transaction
    from django.utils import timezone

    from catalog import services
    from catalog.importing import sku_key
    from catalog.models import Product, Store
    from demo.catalog import demo_stock, split_category_paths
    from recommendations.embedding_model import configured_model_id
    from recommendations.models import ProductEmbedding
    from recommendations.services.embeddings import filter_columns_sync
    from recommendations.services.ingestion import DATASET_EPOCH, events_ingest

    store = Store.objects.filter(slug=SLUG).first()
    if not rebuild and store is not None and ProductEmbedding.objects.filter(store=store).count() == n_products:
        return store, None
    if store is not None:
        store.delete()
    from evaluation_common import embed_texts  # real MiniLM vectors of the dataset's texts, cached in var/cache

    with (dataset / "products.csv").open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    originals = len(records)
    if n_products < originals:
        raise SystemExit(f"--products {n_products:,}: at least the dataset's {originals:,} products")
    base = embed_texts([record["text"] for record in records])
    paths = split_category_paths([record["categories"] for record in records])
    started = time.perf_counter()
    store = Store.objects.create(name="Benchmark, 100k products", slug=SLUG)
    cache: dict = {}
    categories = [services.category_for_path(store=store, path=paths[r["categories"]], cache=cache) for r in records]
    rng = np.random.default_rng(0)
    source = np.arange(n_products) % originals
    # each variant: its product's vector mixed with two random others (Dirichlet
    # weights, the product's own about two thirds) plus a little noise, so variants
    # spread like real embeddings instead of piling up as near-duplicates
    others = rng.integers(0, originals, (n_products, 2))
    weights = rng.dirichlet([4.0, 1.0, 1.0], n_products).astype(np.float32)
    vectors = (weights[:, :1] * base[source] + weights[:, 1:2] * base[others[:, 0]]
               + weights[:, 2:] * base[others[:, 1]])
    vectors += rng.normal(0.0, 0.01, vectors.shape).astype(np.float32)
    vectors[:originals] = base
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    products = []
    for i in range(n_products):
        record = records[source[i]]
        sku = record["sku"] if i < originals else f"{record['sku']}-V{i // originals:02d}"
        title = record["title"][:480] + ("" if i < originals else f" (variant {i // originals})")
        products.append(Product(store=store, sku=sku, sku_key=sku_key(sku), title=title, brand=record["brand"][:200],
                                category=categories[source[i]], stock=demo_stock(sku)))
    Product.objects.bulk_create(products, batch_size=5000)
    now, model_id = timezone.now(), configured_model_id()

    def embedding_row(product: Product, vector: np.ndarray) -> dict:
        return {"product_id": product.pk, "store_id": store.pk, "model_id": model_id,
                "embedding": "[" + ",".join(f"{x:.7g}" for x in vector) + "]",
                "dirty": False, "embedded_at": now, "source_updated_at": now,
                "in_stock": product.stock > 0, "category_id": product.category_id}

    columns = embedding_columns(written=embedding_row(products[0], vectors[0]).keys())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS product_embedding_hnsw")
        with cursor.copy(f"COPY {ProductEmbedding._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
            for product, vector in zip(products, vectors, strict=True):
                row = embedding_row(product, vector)
                copy.write_row([row.get(column, default) for column, default in columns.items()])
    # The rule the app keeps the filter columns by: it must find nothing to change.
    if changed := filter_columns_sync(store=store):
        raise SystemExit(f"build_store wrote {changed:,} embedding rows whose filter columns differ from "
                         "recommendations.embeddings.filter_columns_sync's; make it write what the app does")
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("CREATE INDEX product_embedding_hnsw ON recommendations_productembedding "
                       "USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)")
        cursor.execute("RESET maintenance_work_mem")
        cursor.execute("ANALYZE recommendations_productembedding, catalog_product")
    index_seconds = time.perf_counter() - started
    # the real interactions, each shopper's products moved into one variant group
    sku_index = {record["sku"]: i for i, record in enumerate(records)}
    groups = n_products // originals
    with (dataset / "interactions.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    events = []
    for number, row in enumerate(rows, start=1):
        group = int.from_bytes(row["shopper"].encode()[-4:], "little") % groups
        position = sku_index[row["sku"]] + originals * group
        events.append((number, {"shopper": row["shopper"], "type": "purchase", "sku": products[position].sku,
                                "time": (DATASET_EPOCH + timedelta(days=int(row["seq"]))).isoformat()}))
    started = time.perf_counter()
    report = events_ingest(store=store, records=events, source="bench")
    ingest_seconds = time.perf_counter() - started
    return store, {"load_s": load_seconds, "index_s": index_seconds, "events": report.accepted,
                   "ingest_s": ingest_seconds}


def embedding_columns(*, written: Iterable[str]) -> dict[str, object]:
    """Every column of the embedding table, each with the model's default for rows
    that do not set it. A Django default is no database default: a column left out
    of a COPY is NULL (as `in_stock` was when migration 0002 added it), so the COPY
    names every column, and a new NOT NULL one without a default stops the build."""
    from recommendations.models import ProductEmbedding

    written, columns = set(written), {}
    for field in ProductEmbedding._meta.concrete_fields:
        default = field.get_default()
        if field.column not in written and default is None and not field.null:
            raise SystemExit(f"{ProductEmbedding._meta.db_table}.{field.column} is NOT NULL and has no default: "
                             "build_store must write it")
        columns[field.column] = default
    return columns


def query_vectors(store, count: int) -> np.ndarray:
    """Profile-like vectors: two random products of the store, mixed."""
    from recommendations.models import ProductEmbedding
    from recommendations.vectors import VectorBytes, vector_from_bytes

    rng = np.random.default_rng(1)
    ids = list(ProductEmbedding.objects.filter(store=store).values_list("product_id", flat=True))
    chosen = rng.choice(ids, size=2 * count, replace=False).tolist()
    found = dict(ProductEmbedding.objects.filter(product_id__in=chosen)
                 .values_list("product_id", VectorBytes("embedding")))
    pairs = np.array([vector_from_bytes(found[pk]) for pk in chosen]).reshape(count, 2, -1)
    mixed = pairs.sum(axis=1)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def selective_categories(store, share: float = 0.10) -> tuple[tuple[int, ...], int]:
    from django.db.models import Count

    from catalog.models import Product

    sizes = list(Product.objects.filter(store=store).values_list("category_id").annotate(n=Count("pk"))
                 .order_by("category_id"))
    rng = np.random.default_rng(2)
    order = rng.permutation(len(sizes))
    total = sum(n for _, n in sizes)
    chosen, kept = [], 0
    for i in order:
        if kept >= share * total:
            break
        category_id, n = sizes[i]
        if category_id is not None:
            chosen.append(category_id)
            kept += n
    return tuple(chosen), kept


def run_queries(vectors, product_filter, *, plan, ef_search=None, iterative_scan="strict_order", limit=10):
    """Latencies, and the 10 nearest of each answer (of `limit` rows, nearest first)."""
    from recommendations.embedding_model import configured_model_id
    from recommendations.selectors import candidates

    model_id, latencies, results = configured_model_id(), [], []
    for vector in vectors:
        started = time.perf_counter()
        rows = candidates._run(vector=vector, limit=limit, product_filter=product_filter, model_id=model_id,
                               plan=plan, ef_search=ef_search, iterative_scan=iterative_scan)
        latencies.append((time.perf_counter() - started) * 1000)
        results.append({row[0] for row in sorted(rows, key=lambda row: row[1])[:10]})
    return latencies, results


def recall(found, truth) -> float:
    return float(np.mean([len(f & t) / max(len(t), 1) for f, t in zip(found, truth, strict=True)]))


def explain(vector, product_filter, plan) -> str:
    """The scan nodes of the plan Postgres picks for the app's query."""
    from django.db import connection, transaction

    from recommendations.embedding_model import configured_model_id
    from recommendations.selectors.candidates import _literal, candidate_sql

    sql, params = candidate_sql(product_filter=product_filter, model_id=configured_model_id(), plan=plan)
    params.update(q=_literal(vector), limit=10)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('hnsw.iterative_scan', 'strict_order', true)")
        cursor.execute("EXPLAIN " + sql, params)
        lines = [row[0] for row in cursor.fetchall()]
    # plan nodes only (the first line and the "->" ones), not their details: a "Sort Key" holds the whole vector
    nodes = [line.strip().removeprefix("->").strip().split("  (")[0] for number, line in enumerate(lines)
             if (number == 0 or line.lstrip().startswith("->")) and ("Scan" in line or "Sort" in line)]
    return "; ".join(dict.fromkeys(nodes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--shoppers", type=int, default=200)
    parser.add_argument("--pools", default="", help="candidate_pool values to compare, e.g. 300,100 "
                        "(default: the store's setting only)")
    parser.add_argument("--rebuild", action="store_true", help="build the benchmark store again")
    args = parse_args(parser, products=960, queries=20, shoppers=20)
    dataset = data_dir(args.smoke)
    setup_django(smoke=args.smoke)
    from recommendations.models import Shopper
    from recommendations.scoring_data import build_scoring_data, scoring_data
    from recommendations.selectors.candidates import ProductFilter, choose_plan, indexed_rows
    from recommendations.selectors.ranking import RecommendationFilters, recommend_for_shopper

    # a smoke run builds its store every time, so the build is what it checks
    store, built = build_store(args.products, dataset, rebuild=args.rebuild or args.smoke)
    vectors = query_vectors(store, args.queries)
    categories, kept = selective_categories(store)
    unfiltered = ProductFilter(store_id=store.pk)
    selective = ProductFilter(store_id=store.pk, category_ids=categories)
    lines = [f"Machine: {machine()}.", ""]
    if built:
        lines.append(f"Set-up: {args.products:,} products and vectors loaded in {built['load_s']:.0f} s, HNSW index "
                     f"built in {built['index_s']:.0f} s, {built['events']:,} events ingested in "
                     f"{built['ingest_s']:.0f} s.")
        lines.append("")
    lines += [f"Plans (EXPLAIN): HNSW: {explain(vectors[0], unfiltered, 'hnsw')}; exact: "
              f"{explain(vectors[0], selective, 'exact')}.", ""]
    from recommendations.config import config_from_overrides, store_config

    config = store_config(store=store)
    pools = [int(p) for p in args.pools.split(",") if p] or [config.hybrid.candidate_pool]
    lines += ["| candidate query, k 10 | filter | p50 ms | p95 ms | recall@10 vs exact |", "|---|---|---|---|---|"]
    for label, product_filter in (("none (the whole store)", unfiltered),
                                  (f"10% of the products ({kept:,}, by category)", selective)):
        exact_ms, truth = run_queries(vectors, product_filter, plan="exact")
        lines.append(f"| exact scan | {label} | {percentile(exact_ms, 50):.1f} | {percentile(exact_ms, 95):.1f} "
                     f"| 1.000 |")
        for ef, mode in ((40, "strict_order"), (40, "relaxed_order"), (100, "strict_order"), (200, "strict_order"),
                         (200, "relaxed_order"), (400, "strict_order")):
            ms, found = run_queries(vectors, product_filter, plan="hnsw", ef_search=ef, iterative_scan=mode)
            lines.append(f"| HNSW ef_search {ef}, {mode} | {label} | {percentile(ms, 50):.1f} | "
                         f"{percentile(ms, 95):.1f} | {recall(found, truth):.3f} |")
        matching = kept if product_filter is selective else args.products
        plan = choose_plan(matching=matching, indexed=indexed_rows())
        for pool in pools:
            ms, found = run_queries(vectors, product_filter, plan=plan, limit=pool)
            lines.append(f"| **the app's query: {plan}, LIMIT {pool} (a candidate pool)** | {label} | "
                         f"{percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} | {recall(found, truth):.3f} |")
    lines.append("")

    started = time.perf_counter()
    build_scoring_data(store=store, config=config)
    model_s = time.perf_counter() - started
    scoring_data(store=store, config=config)
    shoppers = list(Shopper.objects.filter(store=store).order_by("?")[: args.shoppers])
    category_filter = RecommendationFilters(category_id=None)
    for shopper in shoppers[:20]:  # warm the caches (planner statistics, connection)
        recommend_for_shopper(store=store, shopper=shopper, k=10, filters=category_filter)
    lines += ["| whole recommendation, k 10 | candidate pool | p50 ms | p95 ms | best of 3: p50 | best of 3: p95 "
              "| profile | candidates | co-occurrence | rerank | reasons + products |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    biggest = max(categories, key=lambda pk: store.products.filter(category_id=pk).count())
    runs = [("in stock, purchased excluded (the default)", RecommendationFilters()),
            ("+ a category holding ~2% of the products", RecommendationFilters(category_id=biggest))]
    for pool in pools:
        pool_config = config_from_overrides(config.profile.to_dict(), {**config.hybrid.to_dict(),
                                                                       "candidate_pool": pool})
        for label, filters in runs:
            totals, best, parts = [], [], {key: [] for key in ("profile_ms", "candidates_ms", "cooccurrence_ms",
                                                                "rerank_ms", "reasons_ms")}
            plans = set()
            for shopper in shoppers:
                # three calls each: the first is the latency a request sees on this
                # shared machine; the best of three is the recommendation's own cost
                runs_of = [recommend_for_shopper(store=store, shopper=shopper, k=10, filters=filters,
                                                 config=pool_config) for _ in range(3)]
                result = runs_of[0]
                totals.append(result.timings["total_ms"])
                best.append(min(run.timings["total_ms"] for run in runs_of))
                plans.add(result.plan)
                for key in parts:
                    parts[key].append(result.timings.get(key, 0.0))
            means = " | ".join(f"{np.mean(values):.1f}" for values in parts.values())
            default = " (default)" if pool == config.hybrid.candidate_pool else ""
            lines.append(f"| {label}, plan {'/'.join(sorted(plans))} | {pool}{default} | "
                         f"{percentile(totals, 50):.1f} | {percentile(totals, 95):.1f} | {percentile(best, 50):.1f} | "
                         f"{percentile(best, 95):.1f} | {means} |")
    newcomer, _ = Shopper.objects.get_or_create(store=store, external_id="bench-newcomer")
    cold = [recommend_for_shopper(store=store, shopper=newcomer, k=10).timings["total_ms"] for _ in range(50)]
    lines += ["", f"Cold shopper (popularity fallback): {summary_ms(cold)}. Store model (popularity, trending, "
              f"co-occurrence over {args.products:,} products and the events) built in {model_s:.2f} s, once per "
              "process and minute of new events."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
