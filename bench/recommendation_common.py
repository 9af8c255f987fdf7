"""Shared set-up of the benchmarks that run the app: Django on a database of
their own (EMBEDDED_DATABASE_NAME, default `bench_recommendations`, with
`_smoke` appended for --smoke runs) and a Valkey database of their own, so
nothing reaches a `make run` worker; the machine and the load it carried, for
bench/RESULTS.md."""

from __future__ import annotations

import atexit
import datetime
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

from smoke import database_name

REPO = Path(__file__).resolve().parent.parent


def setup_django(database: str = "bench_recommendations", *, smoke: bool = False) -> None:
    os.environ.setdefault("EMBEDDED_DATABASE_NAME", database_name(database, smoke))
    os.environ.setdefault("EMBEDDED_VALKEY_DB", "13")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commerce_site.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(REPO))
    from commerce_site.run import start_services

    start_services()
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from commerce_site.celery import app

    # Jobs the benchmarks create are run in-process; drop their messages from
    # the benchmark's own broker database so no worker ever picks them up.
    app.control.purge()
    atexit.register(app.control.purge)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        model = platform.processor() or model
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (f"{model}, {len(os.sched_getaffinity(0))} cores; load average {load} (the machine is shared); "
            f"{datetime.date.today().isoformat()}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary_ms(values: list[float]) -> str:
    return (f"p50 {percentile(values, 50):.1f} ms, p95 {percentile(values, 95):.1f} ms, "
            f"mean {statistics.fmean(values):.1f} ms")
