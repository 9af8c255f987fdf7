"""Near-duplicate of another product's copy: shingled Jaccard similarity, plus MinHash signatures
the caller can store on each draft to pick candidates before running the exact check.

Shingles are word 5-grams in English and character 4-grams in Chinese (each CJK character is a
token; Latin words inside Chinese text stay words).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Sequence
from functools import lru_cache

import numpy as np

from .base import ERROR, WARNING, CheckContext, CheckResult, Span
from .text import ngram_ranges, token_spans, token_texts, tokens

NAME = "near_duplicate"
SHINGLE = {"en": 5, "zh": 4}

NUM_PERM = 64  # estimate error ~0.06 at similarity 0.5: enough to preselect, not to decide
PREFILTER_SIMILARITY = 0.3  # candidates above this estimate go to the exact check (3 sigma below 0.5)
_PRIME = 4294967291  # largest prime below 2**32: a*x + b stays inside uint64
_MAX_REPORTED = 5


def shingle_positions(text: str, language: str) -> tuple[list, dict[tuple[str, ...], list[int]]]:
    toks = tokens(text)
    positions: dict[tuple[str, ...], list[int]] = {}
    for gram, i in ngram_ranges(toks, SHINGLE[language]):
        positions.setdefault(gram, []).append(i)
    return toks, positions


def shingles(text: str, language: str) -> set[tuple[str, ...]]:
    words = token_texts(text)
    n = SHINGLE[language]
    if len(words) < n:
        return {tuple(words)} if words else set()
    return set(zip(*(words[i:] for i in range(n)), strict=False))


@lru_cache(maxsize=4096)
def _cached_shingles(text: str, language: str) -> frozenset[tuple[str, ...]]:
    # The same candidates come back on every save of a draft and for every variant of a product.
    return frozenset(shingles(text, language))


def jaccard(a: set, b: set) -> float:
    if not a or not b:
        return 0.0
    common = len(a & b)
    return common / (len(a) + len(b) - common)


def check_near_duplicate(text: str, ctx: CheckContext) -> CheckResult:
    if not ctx.other_texts:
        return CheckResult(NAME, True, "No other copy to compare with", (), WARNING)
    toks, positions = shingle_positions(text, ctx.language)
    mine = set(positions)
    matches = []
    for label, other in ctx.other_texts:
        theirs = _cached_shingles(other, ctx.language)
        similarity = jaccard(mine, theirs)
        if similarity >= ctx.settings.near_duplicate_warning:
            matches.append((similarity, label, theirs))
    if not matches:
        return CheckResult(NAME, True, f"Not close to the {len(ctx.other_texts)} other texts compared", (), WARNING)

    matches.sort(key=lambda m: -m[0])
    similarity, label, theirs = matches[0]
    severity = ERROR if similarity >= ctx.settings.near_duplicate_error else WARNING
    message = f"Reads like the copy for '{label}' ({similarity:.0%} similar)"
    if len(matches) > 1:
        message += f", and {len(matches) - 1} more"
    n = SHINGLE[ctx.language]
    shared = [(i, i + n) for gram in mine & theirs for i in positions[gram]]
    spans = tuple(Span(s.start, s.end, f"also in '{label}'") for s in token_spans(toks, shared, text))
    details = {"matches": [{"label": lab, "similarity": round(sim, 3)} for sim, lab, _ in matches[:_MAX_REPORTED]]}
    return CheckResult(NAME, False, message, spans, severity, details)


# MinHash ------------------------------------------------------------------------------------------


def _coefficients(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    # Derived from a fixed hash, not a random generator, so stored signatures stay comparable
    # across processes, machines and numpy versions.
    a, b = [], []
    for i in range(num_perm):
        digest = hashlib.blake2b(f"content.checks.minhash:{i}".encode(), digest_size=8).digest()
        a.append(int.from_bytes(digest[:4], "big") % (_PRIME - 1) + 1)
        b.append(int.from_bytes(digest[4:], "big") % _PRIME)
    return np.array(a, dtype=np.uint64)[:, None], np.array(b, dtype=np.uint64)[:, None]


_COEFFICIENTS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _shingle_hash(gram: tuple[str, ...]) -> int:
    return int.from_bytes(hashlib.blake2b(" ".join(gram).encode(), digest_size=4).digest(), "big")


def minhash_signature(text: str, language: str = "en", num_perm: int = NUM_PERM) -> tuple[int, ...]:
    """A compact, stable signature (num_perm ints below 2**32); () for a text without words.
    Store it with the draft and compare with `signature_similarity`."""
    grams = shingles(text, language)
    if not grams:
        return ()
    if num_perm not in _COEFFICIENTS:
        _COEFFICIENTS[num_perm] = _coefficients(num_perm)
    a, b = _COEFFICIENTS[num_perm]
    hashes = np.fromiter((_shingle_hash(g) for g in grams), dtype=np.uint64, count=len(grams))[None, :]
    return tuple(int(v) for v in ((a * hashes + b) % np.uint64(_PRIME)).min(axis=1))


def signature_similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    if not a or not b:
        return 0.0
    if len(a) != len(b):
        raise ValueError(f"signatures of different lengths: {len(a)} and {len(b)}")
    return float(np.mean(np.asarray(a, dtype=np.uint64) == np.asarray(b, dtype=np.uint64)))


def preselect(
    signature: Sequence[int],
    candidates: Sequence[tuple[Hashable, Sequence[int]]],
    *,
    min_similarity: float = PREFILTER_SIMILARITY,
    limit: int = 300,
) -> list[tuple[Hashable, float]]:
    """Keys of the stored signatures worth an exact comparison, most similar first."""
    comparable = [(key, sig) for key, sig in candidates if sig and len(sig) == len(signature)]
    if not signature or not comparable:
        return []
    matrix = np.asarray([sig for _, sig in comparable], dtype=np.uint64)
    scores = (matrix == np.asarray(signature, dtype=np.uint64)).mean(axis=1)
    order = np.argsort(-scores, kind="stable")
    return [(comparable[i][0], float(scores[i])) for i in order[:limit] if scores[i] >= min_similarity]


def band_keys(signature: Sequence[int], bands: int = 32) -> list[str]:
    """Locality-sensitive hashing keys: texts sharing any key are likely similar. With 64 values in
    32 bands of 2, a pair at similarity 0.5 shares a key with probability 0.9999, at 0.2 with 0.73.
    Store them in an indexed column to find candidates without scanning every signature."""
    if not signature:
        return []
    if len(signature) % bands:
        raise ValueError(f"{len(signature)} values do not split into {bands} bands")
    rows = len(signature) // bands
    keys = []
    for band in range(bands):
        chunk = signature[band * rows : (band + 1) * rows]
        digest = hashlib.blake2b(",".join(map(str, chunk)).encode(), digest_size=8).hexdigest()
        keys.append(f"{band}:{digest}")
    return keys
