"""Automatic checks on generated product copy: pure Python, plain data in and out (no Django).

results = run_checks(text, CheckContext(facts=ProductFacts(title=...), language="en", ...))
draft.check_results = results_to_json(results)
draft.status = "flagged" if has_errors(results) else "to_review"
"""

from .base import (
    CONTENT_TYPES,
    ERROR,
    LANGUAGES,
    WARNING,
    CheckContext,
    CheckResult,
    CheckSettings,
    ProductFacts,
    Span,
    failed_names,
    has_errors,
    results_from_json,
    results_to_json,
)
from .claims import find_unsupported_claims
from .duplicate import band_keys, minhash_signature, preselect, signature_similarity
from .highlight import Segment, highlight_segments
from .language import guess_language
from .quantities import find_quantities
from .registry import CHECK_CHOICES, CHECK_LABELS, CHECKS, run_checks

__all__ = [
    "CHECKS",
    "CHECK_CHOICES",
    "CHECK_LABELS",
    "CONTENT_TYPES",
    "ERROR",
    "LANGUAGES",
    "WARNING",
    "CheckContext",
    "CheckResult",
    "CheckSettings",
    "ProductFacts",
    "Segment",
    "Span",
    "band_keys",
    "failed_names",
    "find_quantities",
    "find_unsupported_claims",
    "guess_language",
    "has_errors",
    "highlight_segments",
    "minhash_signature",
    "preselect",
    "results_from_json",
    "results_to_json",
    "run_checks",
    "signature_similarity",
]
