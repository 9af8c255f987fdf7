"""Offline recommendation evaluation on the shared Amazon Industrial & Scientific data.

    .venv/bin/python bench/evaluation_amazon.py                 # report: learn from train+valid, find test
    .venv/bin/python bench/evaluation_amazon.py --stage valid   # tuning: learn from train, find valid
    .venv/bin/python bench/evaluation_amazon.py --json var/cache/evaluation.json
    .venv/bin/python bench/evaluation_amazon.py --smoke                 # checks that it runs (bench/smoke.py)

Embeds each product's `text` (title, categories, brand) with all-MiniLM-L6-v2 from
its PyPI package (cached under var/cache/), runs `run_evaluation` with the store
defaults and prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evaluation_common import load_amazon  # noqa: E402
from smoke import data_dir, parse_args  # noqa: E402

from recommendations.evaluation import run_evaluation  # noqa: E402
from recommendations.evaluation.methods import METHOD_NAMES  # noqa: E402


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def table(result: dict) -> str:
    k = result["protocol"]["k"]
    lines = [
        f"| method | Recall@{k} | NDCG@{k} | coverage@{k} | cold-item Recall@{k} | cold NDCG@{k} | fit s | rank s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, runs in result["methods"].items():
        normal, cold = runs["normal"], runs["cold"]
        lines.append(
            f"| {name} | {normal[f'recall@{k}']:.4f} | {normal[f'ndcg@{k}']:.4f} | {normal[f'coverage@{k}']:.3f} "
            f"| {cold[f'recall@{k}']:.4f} | {cold[f'ndcg@{k}']:.4f} "
            f"| {normal['fit_seconds']:.1f} | {normal['rank_seconds']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", choices=["test", "valid"], default="test")
    parser.add_argument("--methods", default=",".join(METHOD_NAMES))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the full result here")
    args = parse_args(parser)

    started = time.perf_counter()
    dataset = data_dir(args.smoke)
    data = load_amazon(dataset)
    loaded = time.perf_counter() - started
    result = run_evaluation(data, methods=args.methods.split(","), k=10, seed=args.seed, stage=args.stage)
    result["machine"] = {"cpu": cpu_model(), "cores": __import__("os").cpu_count(), "python": platform.python_version()}
    result["date"] = datetime.date.today().isoformat()
    result["load_and_embed_seconds"] = round(loaded, 1)
    d = result["dataset"]
    print(
        f"{dataset.name}, stage {args.stage}: {d['items']} products, {d['shoppers']} shoppers, "
        f"{d['train_events']} training events, {d['targets']} targets; cold run: {d['cold_items']} hidden products, "
        f"{d['cold_train_events_dropped']} training events dropped, {d['cold_targets']} targets"
    )
    print(
        f"{result['machine']['cpu']}, {result['machine']['cores']} cores, {result['date']}; "
        f"load+embed {loaded:.1f} s, evaluation {result['seconds']:.1f} s\n"
    )
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
