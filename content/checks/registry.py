"""Every check by its stable name, with a label for filters, and `run_checks` to run them all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

from .base import CheckContext, CheckResult
from .claims import check_unsupported_claims
from .duplicate import check_near_duplicate
from .echo import check_prompt_echo
from .language import check_language
from .length import check_length
from .phrases import check_banned_words, check_required_phrases
from .repetition import check_repetition

Check = Callable[[str, CheckContext], CheckResult]

# Order is what the review pane shows and what stored results keep: append, never reorder or rename
# (names are stored on drafts and used in filters).
CHECKS: Mapping[str, Check] = MappingProxyType(
    {
        "length": check_length,
        "banned_words": check_banned_words,
        "required_phrases": check_required_phrases,
        "repetition": check_repetition,
        "prompt_echo": check_prompt_echo,
        "language": check_language,
        "near_duplicate": check_near_duplicate,
        "unsupported_claims": check_unsupported_claims,
    }
)

CHECK_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "length": "Length",
        "banned_words": "Banned words",
        "required_phrases": "Required phrases",
        "repetition": "Repetition",
        "prompt_echo": "Prompt echo",
        "language": "Wrong language",
        "near_duplicate": "Near-duplicate",
        "unsupported_claims": "Unsupported claims",
    }
)

# For a Django `choices=`: [("unsupported_claims", "Unsupported claims"), ...]
CHECK_CHOICES: tuple[tuple[str, str], ...] = tuple(CHECK_LABELS.items())


def run_checks(text: str, ctx: CheckContext, *, only: Iterable[str] | None = None) -> list[CheckResult]:
    """Every check (or those named in `only`), in the registry's order."""
    wanted = set(CHECKS) if only is None else set(only)
    unknown = wanted - set(CHECKS)
    if unknown:
        raise KeyError(f"unknown checks: {sorted(unknown)}")
    results = []
    for name, check in CHECKS.items():
        if name in wanted:
            result = check(text, ctx)
            assert result.name == name, (result.name, name)
            results.append(result)
    return results
