"""The yardstick's figures over a set of drafts: plain numbers from each draft's checks.

- pass rate: share of drafts no check flags (every check passes or only warns);
- unsupported claims per draft: claims the unsupported-claims check found, per draft;
- length within target: share whose length check passed outright;
- echo and repetition rates: share failing the prompt-echo / repetition checks;
- similarity: mean MiniLM cosine between a draft and the human description (corpus products);
- ungrounded details: mean specificity (content.quality.specificity) of English drafts: the rare
  words a draft adds that its product data does not give, weighted by rarity. The checks catch
  invented facts; this measures invented uses and functions, which they do not;
- tokens/s: new tokens (every candidate counted) over the time spent in the model.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class DraftFigures:
    passed: bool
    claims: int
    failed_checks: tuple[str, ...]
    similarity: float | None = None
    specificity: float | None = None  # English drafts only


def summarize(drafts: Iterable[DraftFigures]) -> dict:
    rows = list(drafts)
    count = len(rows)
    if not count:
        return {"drafts": 0}
    failures = Counter(name for row in rows for name in row.failed_checks)
    similarities = [row.similarity for row in rows if row.similarity is not None]
    specificities = [row.specificity for row in rows if row.specificity is not None]
    return {
        "drafts": count,
        "pass_rate": round(sum(row.passed for row in rows) / count, 4),
        "claims_per_draft": round(sum(row.claims for row in rows) / count, 4),
        "length_ok": round(1 - failures["length"] / count, 4),
        "echo_rate": round(failures["prompt_echo"] / count, 4),
        "repetition_rate": round(failures["repetition"] / count, 4),
        "similarity": round(sum(similarities) / len(similarities), 4) if similarities else None,
        "ungrounded_details": round(sum(specificities) / len(specificities), 2) if specificities else None,
        "failures": dict(sorted(failures.items())),
    }


def claims_of(checks: Iterable[Mapping]) -> int:
    """How many unsupported claims a draft's stored check results name."""
    for result in checks:
        if result.get("name") == "unsupported_claims" and not result.get("passed"):
            return len((result.get("details") or {}).get("claims", ())) or 1
    return 0
