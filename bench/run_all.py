"""Run every benchmark in turn and print their Markdown, for bench/RESULTS.md.

    .venv/bin/python bench/run_all.py            # all of them (about an hour on 2 cores)
    .venv/bin/python bench/run_all.py generation ingestion   # only these

Each benchmark is a script of its own in bench/ (read its docstring for what it
measures and its options); this only runs them one after another, each in a fresh
process so no model or cache of one skews the next. Most read the shared dataset
in ../shared/data/amazon-scientific and say so when it is missing. Nothing here
asserts a figure: copy the printed sections into bench/RESULTS.md with the date.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

# name -> script and its default arguments, in a sensible order (cheap first).
BENCHMARKS: dict[str, list[str]] = {
    "claims": ["claims.py"],
    "ingestion": ["ingestion.py"],
    "embeddings": ["embeddings_throughput.py"],
    "embedding-task": ["embedding_task.py"],
    "generation": ["generation.py"],
    "generation-job": ["generation_job.py"],
    "scoring-latency": ["evaluation_scoring_latency.py"],
    "recommendation-latency": ["recommendation_latency.py"],
    "evaluation": ["evaluation_amazon.py"],
}


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"Unknown benchmark(s): {', '.join(unknown)}. Known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names or list(BENCHMARKS):
        script, *arguments = BENCHMARKS[name]
        print(f"\n<!-- {name}: bench/{script} {' '.join(arguments)} -->", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, str(BENCH / script), *arguments], cwd=BENCH.parent)
        print(f"<!-- {name}: exit {code} after {time.monotonic() - started:.0f} s -->", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"Failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
