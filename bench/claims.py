"""Unsupported-claims check: recall and false flags per kind of claim on the planted set, the time
of all checks on a 200-word draft, and linear time on adversarial input.

    .venv/bin/python bench/claims.py            # full planted set, 200 timed drafts, 20,000-char inputs
    .venv/bin/python bench/claims.py --smoke    # a few cases of each kind, small inputs

The planted set is tests/content/checks/planted/claims.json (built from ../shared/data/product-copy by
planted/build.py, committed, so this needs no shared data). A planted claim counts as caught when a
flagged span of the check overlaps it; a supported phrase counts as a false flag when one does.
Prints Markdown for bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content.checks import CheckContext, ProductFacts, run_checks  # noqa: E402
from content.checks.claims import check_unsupported_claims  # noqa: E402

PLANTED = ROOT / "tests" / "content" / "checks" / "planted" / "claims.json"
ADVERSARIAL = ["-", "1", "1 ", "a ", "A1 ", "1 x ", "1-", "中", "1中", "non-", "A-", "Made in ", "1 inch ", "free "]


def context(case: dict) -> CheckContext:
    facts = case["facts"]
    return CheckContext(
        facts=ProductFacts(
            title=facts["title"],
            brand=facts.get("brand", ""),
            category=facts.get("category", ""),
            attributes=facts.get("attributes") or {},
        ),
        language=case["lang"],
    )


def flagged(case: dict) -> bool:
    result = check_unsupported_claims(case["text"], context(case))
    start, end = case["span"]
    return any(span.start < end and start < span.end for span in result.spans)


def measure(cases: list[dict]) -> dict[tuple[str, str, str], list[bool]]:
    outcome: dict[tuple[str, str, str], list[bool]] = defaultdict(list)
    for case in cases:
        outcome[(case["lang"], case["kind"], case["expect"])].append(flagged(case))
    return outcome


def report_table(outcome: dict[tuple[str, str, str], list[bool]]) -> list[str]:
    lines = [
        "| language | kind | planted claims flagged (recall) | supported phrases flagged | precision |",
        "| --- | --- | --- | --- | --- |",
    ]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for lang, kind in sorted({(k[0], k[1]) for k in outcome}):
        claims, supported = outcome.get((lang, kind, "claim"), []), outcome.get((lang, kind, "supported"), [])
        caught, false = sum(claims), sum(supported)
        for key in (lang, "all"):
            totals[key][0] += caught
            totals[key][1] += len(claims)
            totals[key][2] += false
            totals[key][3] += len(supported)
        lines.append(
            f"| {lang} | {kind} | {_ratio(caught, len(claims))} | {_ratio(false, len(supported))} "
            f"| {_precision(caught, false)} |"
        )
    for key in ("en", "zh", "all"):
        caught, n_claims, false, n_supported = totals[key]
        lines.append(
            f"| **{key}** | all kinds | **{_ratio(caught, n_claims)}** | **{_ratio(false, n_supported)}** "
            f"| {_precision(caught, false)} |"
        )
    return lines


def _ratio(hits: int, total: int) -> str:
    return f"{hits}/{total} ({hits / total:.0%})" if total else "-"


def _precision(caught: int, false: int) -> str:
    # Precision over the planted spans: of the flags that fell on a planted span, the share on a claim.
    return f"{caught / (caught + false):.0%}" if caught + false else "-"


def draft_of_200_words(cases: list[dict], lang: str) -> tuple[str, CheckContext]:
    pieces = [c["text"] for c in cases if c["lang"] == lang]
    text = ""
    for piece in pieces:
        if (len(text.split()) if lang == "en" else len(text)) >= (200 if lang == "en" else 300):
            break
        text += piece + " "
    return text.strip(), context(next(c for c in cases if c["lang"] == lang))


def time_all_checks(cases: list[dict], lang: str, repeats: int) -> dict[str, float]:
    """Median wall and CPU milliseconds of all checks, and of the claims check alone. CPU time is
    what a shared machine still measures fairly: wall time grows with everyone else's load."""
    text, ctx = draft_of_200_words(cases, lang)
    run_checks(text, ctx)  # warm: the facts of a product are read once and kept
    figures: dict[str, list[float]] = defaultdict(list)
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run_checks(text, ctx)
        figures["wall"].append((time.perf_counter() - wall) * 1000)
        figures["cpu"].append((time.process_time() - cpu) * 1000)
        cpu = time.process_time()
        check_unsupported_claims(text, ctx)
        figures["claims_cpu"].append((time.process_time() - cpu) * 1000)
    return {name: statistics.median(values) for name, values in figures.items()}


def real_descriptions(count: int) -> list[tuple[str, CheckContext]]:
    """Real 200-word copy, where the shared data is at hand (CI clones may lack it: then none)."""
    path = ROOT.parent / "shared" / "data" / "product-copy" / "products.csv"
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if 180 <= len(row["description"].split()) <= 220]
    return [
        (
            row["description"],
            CheckContext(facts=ProductFacts(title=row["title"], brand=row["brand"], category=row["category"])),
        )
        for row in rows[:count]
    ]


def time_real(text: str, ctx: CheckContext, repeats: int) -> float:
    run_checks(text, ctx)
    times = []
    for _ in range(repeats):
        started = time.process_time()
        run_checks(text, ctx)
        times.append((time.process_time() - started) * 1000)
    return statistics.median(times)


def adversarial(size: int) -> list[tuple[str, float, float]]:
    """Per input, CPU milliseconds of all checks at `size` characters and the ratio to half the size
    (about 2 when linear, about 4 when quadratic)."""
    ctx = CheckContext(facts=ProductFacts(title="Gorilla Glue, 8 ounce, 12-Count, Acid-Free"), target_length=(10, 50))
    rows = []
    for piece in ADVERSARIAL:
        seconds = []
        for n in (size // 2, size):
            text = (piece * (n // len(piece) + 1))[:n]
            started = time.process_time()
            run_checks(text, ctx)
            seconds.append(time.process_time() - started)
        rows.append((piece, seconds[1] * 1000, seconds[1] / max(seconds[0], 1e-9)))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few cases of each kind, small inputs")
    args = parser.parse_args()
    cases = json.loads(PLANTED.read_text())
    if args.smoke:
        seen: dict[tuple[str, str, str], int] = defaultdict(int)
        small = []
        for case in cases:
            key = (case["lang"], case["kind"], case["expect"])
            if seen[key] < 2:
                small.append(case)
                seen[key] += 1
        cases_measured, repeats, size = small, 5, 2000
    else:
        cases_measured, repeats, size = cases, 200, 20000

    print(f"## Unsupported claims (`bench/claims.py`{' --smoke' if args.smoke else ''})\n")
    print(
        f"{platform.processor() or platform.machine()}, {platform.python_version()}, {date.today()}; "
        f"{len(cases_measured)} planted cases.\n"
    )
    print("\n".join(report_table(measure(cases_measured))))
    print("\nAll checks (`run_checks`) on a 200-word English / 300-character Chinese draft made of planted")
    print(
        f"sentences (denser in claims than real copy), warm, median of {repeats}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores:\n"
    )
    for lang in ("en", "zh"):
        figures = time_all_checks(cases, lang, repeats)
        print(
            f"- {lang}: all checks {figures['cpu']:.2f} ms CPU ({figures['wall']:.2f} ms wall); "
            f"unsupported_claims alone {figures['claims_cpu']:.2f} ms CPU"
        )
    real = real_descriptions(30 if not args.smoke else 3)
    if real:
        cpu = statistics.median(time_real(text, ctx, repeats=5 if not args.smoke else 1) for text, ctx in real)
        print(
            f"- en, {len(real)} real descriptions of 180-220 words checked against their own title: "
            f"all checks {cpu:.2f} ms CPU (median)"
        )
    print(f"\nAdversarial input, all checks at {size:,} characters (ratio to half the size: 2 is linear):\n")
    rows = adversarial(size)
    worst = sorted(rows, key=lambda r: -r[1])[:5]
    for piece, ms, ratio in worst + [row for row in rows if row[0] == "-" and row not in worst]:
        print(f"- {piece!r} repeated: {ms:.0f} ms CPU, ratio {ratio:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
