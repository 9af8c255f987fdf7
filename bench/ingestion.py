"""Event ingestion throughput (events/s) through the one ingestion service.

    .venv/bin/python bench/ingestion.py [--smoke]

Into a fresh store of the benchmark database holding the shared dataset's
4,385 products: the 59,384 real interactions as a CSV (validation, product and
shopper look-ups, idempotency check, insert, shopper counters), the same file
again (every event a duplicate), and a file of the same size with 10% bad rows.
Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import time

from recommendation_common import machine, setup_django
from smoke import data_dir, parse_args


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args = parse_args(parser)
    dataset = data_dir(args.smoke)
    setup_django(smoke=args.smoke)
    from catalog import services
    from catalog.models import Store
    from demo.catalog import amazon_rows
    from recommendations.services.ingestion import events_ingest, read_event_csv

    Store.objects.filter(slug="bench-ingestion").delete()
    store = Store.objects.create(name="Benchmark, ingestion", slug="bench-ingestion")
    rows = amazon_rows(dataset / "products.csv")
    for start in range(0, len(rows), services.IMPORT_CHUNK_SIZE):
        services.products_upsert(store=store, rows=rows[start : start + services.IMPORT_CHUNK_SIZE])
    data = (dataset / "interactions.csv").read_bytes()

    lines = [f"Machine: {machine()}.", "", "| run | events | accepted | duplicates | rejected | seconds | events/s |",
             "|---|---|---|---|---|---|---|"]

    def run(label: str, payload: bytes) -> None:
        started = time.perf_counter()
        parsed = read_event_csv(payload)
        report = events_ingest(store=store, records=parsed.records, source="bench",
                               default_type=parsed.default_type)
        seconds = time.perf_counter() - started
        lines.append(f"| {label} | {report.received:,} | {report.accepted:,} | {report.duplicates:,} | "
                     f"{len(report.rejected):,} | {seconds:.1f} | {report.received / seconds:,.0f} |")

    run("the dataset's interactions, new", data)
    run("the same file again (all duplicates)", data)
    text = data.decode().splitlines()
    header, body = text[0], text[1:]
    # a second store's worth: other shoppers (new events), every tenth row broken in turn
    broken = []
    for number, line in enumerate(body):
        shopper, sku, seq, split = line.split(",")
        shopper = "X" + shopper
        if number % 30 == 0:
            sku = "NO-SUCH-SKU"
        elif number % 30 == 10:
            seq = "later"
        elif number % 30 == 20:
            shopper = ""
        broken.append(",".join((shopper, sku, seq, split)))
    run("new shoppers, 10% bad rows", "\n".join([header, *broken]).encode())
    print("\n".join(lines))


if __name__ == "__main__":
    main()
