"""Run every benchmark in turn and print their Markdown, for bench/RESULTS.md.

    .venv/bin/python bench/run_all.py            # all of them (about an hour on 2 cores)
    .venv/bin/python bench/run_all.py generation ingestion   # only these
    .venv/bin/python bench/run_all.py --smoke    # all of them, tiny: do they still run? (bench/smoke.py)

Each benchmark is a script of its own in bench/ (read its docstring for what it
measures and its options); this only runs them one after another, each in a fresh
process so no model or cache of one skews the next. A full run reads the shared
dataset in ../shared/data/amazon-scientific and says so when it is missing; a smoke
run needs nothing outside the repository, and tests/bench runs each benchmark that
way. Nothing here asserts a figure: copy the printed sections into bench/RESULTS.md
with the date.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Benchmark:
    script: str
    # Lines (or their starts) the output always has: the headers of the Markdown tables it prints.
    sections: tuple[str, ...]
    arguments: tuple[str, ...] = ()
    # It loads a real model (the embedder or the generator), unless a cache spares it.
    model: bool = True


# name -> benchmark, in a sensible order (cheap first). Every script in bench/ with a
# `__main__` is here (tests/bench checks that).
BENCHMARKS: dict[str, Benchmark] = {
    "claims": Benchmark("claims.py", ("| language | kind | planted claims flagged (recall) |",), model=False),
    "ingestion": Benchmark("ingestion.py", ("| run | events | accepted |",), model=False),
    "embeddings": Benchmark("embeddings_throughput.py", ("| batch size | seconds | products/s |",)),
    "embedding-task": Benchmark("embedding_task.py", ("| job | products | embedded |",)),
    "generation": Benchmark("generation.py", ("| engine | batch | tokens | seconds | tokens/s |",)),
    "generation-job": Benchmark("generation_job.py", ("| what | value |",)),
    # The copy yardstick: pass rate, claims, length, echo, repetition, similarity per model version and n.
    "copy-quality": Benchmark("copy_quality.py", ("| model | best of | numbers | words | products |",)),
    # Examples/s of a LoRA tune in fp32 and bfloat16 autocast, and the set that fits the time budget.
    "finetune-speed": Benchmark("finetune_speed.py", ("| precision | examples | steps |",)),
    "adapter-speed": Benchmark("adapter_speed.py", ("| model | tokens/s, round 1 |",)),
    "scoring-latency": Benchmark("evaluation_scoring_latency.py", ("thread CPU time:",)),
    "cold-start": Benchmark("cold_start.py", ("| web process | ready after | first search |",)),
    "recommendation-latency": Benchmark("recommendation_latency.py",
                                        ("| candidate query, k 10 |", "| whole recommendation, k 10 |")),
    "api-load": Benchmark("api_load.py", ("| POST /events, batch |", "| GET recommendations, k 10 |")),
    "evaluation": Benchmark("evaluation_amazon.py", ("| method | Recall@10 |",)),
    # How the store defaults were chosen (validation fold only); reuses the evaluation's cached embeddings.
    "evaluation-tuning": Benchmark("evaluation_tuning.py", ("| hybrid variant (validation fold) |",)),
}


def command(name: str, *, smoke: bool = False) -> list[str]:
    """The command line that runs one benchmark."""
    benchmark = BENCHMARKS[name]
    return [sys.executable, str(BENCH / benchmark.script), *benchmark.arguments, *(["--smoke"] if smoke else [])]


def main(names: list[str], *, smoke: bool = False) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names or list(BENCHMARKS):
        argv = command(name, smoke=smoke)
        print(f"\n<!-- {name}: bench/{BENCHMARKS[name].script} {' '.join(argv[2:])} -->", flush=True)
        started = time.monotonic()
        code = subprocess.call(argv, cwd=BENCH.parent)
        print(f"<!-- {name}: exit {code} after {time.monotonic() - started:.0f} s -->", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="name", help=f"some of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--smoke", action="store_true", help="run each benchmark with --smoke")
    args = parser.parse_args()
    sys.exit(main(args.names, smoke=args.smoke))
