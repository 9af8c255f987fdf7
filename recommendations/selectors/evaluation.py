"""Evaluation runs as the evaluation page and the home page show them: a table
per run and a chart across runs."""

from __future__ import annotations

import numpy as np

from recommendations.evaluation.methods import METHOD_NAMES
from recommendations.models import EvaluationRun


def evaluation_chart(*, runs: list[EvaluationRun], metric: str) -> dict:
    """Chart.js data: one line per method across finished runs, oldest first."""
    finished = [run for run in reversed(runs) if run.result]
    methods = [name for name in METHOD_NAMES if any(name in run.methods for run in finished)]
    return {
        "labels": [f"#{run.pk} {run.created_at:%m-%d %H:%M}" for run in finished],
        "datasets": [
            {"label": name, "data": [_metric(run, name, metric) for run in finished]}
            for name in methods
        ],
    }


def _metric(run: EvaluationRun, method: str, metric: str) -> float | None:
    """A metric like "normal ndcg" or "cold recall", at the run's own k."""
    part, _, name = metric.partition(" ")
    k = run.params.get("k", 10)
    value = run.methods.get(method, {}).get(part, {}).get(f"{name}@{k}")
    return None if value is None or not np.isfinite(value) else float(value)


def evaluation_table(run: EvaluationRun | None) -> list[dict]:
    """One row per method with the run's metrics; `best` names the columns it leads."""
    if run is None or not run.result:
        return []
    k = run.params.get("k", 10)
    columns = {"recall": ("normal", f"recall@{k}"), "ndcg": ("normal", f"ndcg@{k}"),
               "coverage": ("normal", f"coverage@{k}"), "cold_recall": ("cold", f"recall@{k}")}
    rows = []
    # jsonb keeps keys in its own order: list the methods in the usual one
    for name in sorted(run.methods, key=lambda m: METHOD_NAMES.index(m) if m in METHOD_NAMES else len(METHOD_NAMES)):
        runs = run.methods[name]
        rows.append({
            "method": name, "best": [], **{key: runs[part][metric] for key, (part, metric) in columns.items()},
            "seconds": round(sum(runs[part]["fit_seconds"] + runs[part]["rank_seconds"] for part in runs), 1),
        })
    for key in columns:
        top = max(row[key] for row in rows)
        for row in rows:
            if top > 0 and row[key] == top:
                row["best"].append(key)
    return rows
