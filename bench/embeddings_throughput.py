"""Embedding throughput: products/s for all-MiniLM-L6-v2 (the default embedder) at a
few batch sizes, over the real product texts of ../shared/data/amazon-scientific
(title, category path and brand; 4,385 products).

    .venv/bin/python bench/embeddings_throughput.py
    .venv/bin/python bench/embeddings_throughput.py --batch-sizes 16,64,256 --limit 2000
    .venv/bin/python bench/embeddings_throughput.py --smoke      # tiny, seconds

Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from generation import cpu_model  # noqa: E402

from inference import get_embedder  # noqa: E402

PRODUCTS_CSV = REPO.parent / "shared" / "data" / "amazon-scientific" / "products.csv"


def product_texts(limit: int | None) -> list[str]:
    with PRODUCTS_CSV.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return texts[:limit] if limit else texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch-sizes", default="16,64,256")
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N products")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that the bench runs")
    args = parser.parse_args()
    if args.smoke:
        args.limit, args.batch_sizes = 64, "16,64"

    import torch

    load_before = os.getloadavg()
    started = time.perf_counter()
    embedder = get_embedder(device="cpu")
    load_seconds = time.perf_counter() - started
    texts = product_texts(args.limit)
    embedder.embed(texts[:32])  # warm-up
    rows = []
    for batch_size in (int(size) for size in args.batch_sizes.split(",")):
        started = time.perf_counter()
        vectors = embedder.embed(texts, batch_size=batch_size)
        seconds = time.perf_counter() - started
        rows.append((batch_size, seconds, len(texts) / seconds))
        print(f"batch {batch_size}: {vectors.shape[0]} products in {seconds:.1f} s", flush=True)

    print()
    print(
        f"Date: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. Machine: {cpu_model()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads. "
        f"Load average before / after: {load_before[0]:.1f} / {os.getloadavg()[0]:.1f}."
    )
    print()
    print(
        f"{embedder.model_id} ({embedder.dimensions} dimensions), {len(texts)} product texts "
        f"(mean {sum(map(len, texts)) / len(texts):.0f} characters), model load {load_seconds:.1f} s."
    )
    print()
    print("| batch size | seconds | products/s |")
    print("| --- | --- | --- |")
    for batch_size, seconds, rate in rows:
        print(f"| {batch_size} | {seconds:.1f} | {rate:.0f} |")


if __name__ == "__main__":
    main()
