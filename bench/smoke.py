"""The dataset a benchmark reads, and its --smoke mode.

A full run reads the shared Amazon Industrial & Scientific data (DEMO_DATA_DIR,
default ../shared/data/amazon-scientific; it stays out of the repository). A smoke
run (`--smoke`) goes through the same code with tiny sizes on the small synthetic
dataset in bench/fixtures/smoke/ (written by bench/fixtures/make_smoke_dataset.py),
so it runs in seconds on a clone without ../shared; tests/bench runs every
registered benchmark that way, so a benchmark that no longer runs fails the suite.
Smoke runs use databases of their own (`<name>_smoke`) and rebuild their stores,
so they never touch, nor are mistaken for, a full run's data.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# AMAZON_SCIENTIFIC_DIR is what the evaluation tests read; DEMO_DATA_DIR is the app's setting.
SHARED_DATA_DIR = Path(
    os.environ.get("DEMO_DATA_DIR")
    or os.environ.get("AMAZON_SCIENTIFIC_DIR")
    or BENCH.parent.parent / "shared" / "data" / "amazon-scientific"
)
SMOKE_DATA_DIR = BENCH / "fixtures" / "smoke"


def parse_args(parser: argparse.ArgumentParser, **smoke_defaults) -> argparse.Namespace:
    """The command line with --smoke added; a smoke run takes `smoke_defaults` as
    the defaults of those options (an option given on the command line still wins)."""
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes on bench/fixtures/smoke/ and a database of its own: checks that the "
                             "benchmark runs, measures nothing")
    args = parser.parse_args()
    if args.smoke and smoke_defaults:
        parser.set_defaults(**smoke_defaults)
        args = parser.parse_args()
    return args


def data_dir(smoke: bool) -> Path:
    """The folder holding products.csv and interactions.csv for this run."""
    if smoke:
        return SMOKE_DATA_DIR
    if not (SHARED_DATA_DIR / "products.csv").exists():
        raise SystemExit(f"The shared dataset is missing ({SHARED_DATA_DIR}; set DEMO_DATA_DIR to where it is). "
                         "--smoke runs on the small synthetic dataset in bench/fixtures/smoke/ instead.")
    return SHARED_DATA_DIR


def database_name(name: str, smoke: bool) -> str:
    return f"{name}_smoke" if smoke else name
