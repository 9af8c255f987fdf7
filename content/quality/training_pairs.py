"""Training pairs from the product-copy corpus: a prompt rendered the way generation renders it
for a tuned model (the template without few-shot examples) and a target every check passes
(content.quality.grounding), in a seeded order, until enough are found per language.

Plain Python: the training service gives the template texts and brand voice, and caches the
result (building pairs runs every check on every candidate target; the cache makes a second run
of the same set instant).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from content.checks import CheckContext

from .corpus import CorpusProduct, shuffled
from .grounding import KEEP, MOVE, GroundingStats, facts_of, failed_checks, ground

# Change when the grounding rules change, so cached pairs are rebuilt.
GROUNDING_VERSION = 5
# Share of products tried in "keep" mode first (only supported sentences, attributes as given);
# the rest move the description's claims into the attributes.
KEEP_SHARE = 0.7


@dataclass(frozen=True)
class TrainingPair:
    key: str
    language: str
    prompt: str
    completion: str  # with the leading space an English "Description:" prompt is continued with
    mode: str
    moved: int
    weight: float = 1.0
    attributes: dict = field(default_factory=dict, hash=False, compare=False)  # what the prompt states


@dataclass(frozen=True)
class PromptShape:
    """How one language's prompts look: the template text, the values every prompt shares, and
    the target length the checks hold drafts to (and targets are cut to)."""

    language: str
    template_text: str
    store: str
    tone: str
    target_length: tuple[int, int]
    banned_words: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def training_target_length(target: tuple[int, int]) -> tuple[int, int]:
    """Targets in the lower half of the brand voice's range, clear of its lower edge: a tuned
    model aims there, and the longer a small model writes the more it strays from its facts
    (sellers' later sentences are also where boilerplate about the brand lives)."""
    low, high = target
    span = high - low
    return low + max(1, span // 10), low + max(2, span // 2)


def corpus_pairs(
    products: Iterable[CorpusProduct],
    *,
    shape: PromptShape,
    render: Callable[[CorpusProduct, dict[str, str], PromptShape], str],
    limit: int,
    seed: int,
) -> tuple[list[TrainingPair], GroundingStats]:
    """Up to `limit` pairs of `shape.language`, trying products in a seeded order. `render`
    renders a prompt for a product with the given attributes."""
    stats = GroundingStats()
    pairs: list[TrainingPair] = []
    candidates = [p for p in products if p.language == shape.language]
    for product in shuffled(candidates, seed=seed):
        if len(pairs) >= limit:
            break
        stats.considered += 1
        pair = _pair(product, shape=shape, render=render, seed=seed, stats=stats)
        if pair is not None:
            pairs.append(pair)
            stats.kept += 1
    return pairs, stats


def _pair(product: CorpusProduct, *, shape: PromptShape, render, seed: int, stats: GroundingStats):
    keep_first = int(hashlib.sha256(f"{seed}:{product.key}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < KEEP_SHARE
    reasons = []
    for mode in ((KEEP, MOVE) if keep_first else (MOVE,)):
        grounded = ground(product, target_length=training_target_length(shape.target_length), mode=mode)
        if isinstance(grounded, str):
            reasons.append(grounded)
            continue
        prompt = render(product, grounded.attributes, shape)
        context = CheckContext(
            facts=facts_of(product, grounded.attributes), content_type="description", language=shape.language,
            target_length=shape.target_length, banned_words=shape.banned_words, prompt_text=prompt,
        )
        failed = failed_checks(grounded, context)
        if failed:
            reasons.append("fails " + ", ".join(failed))
            continue
        return TrainingPair(
            key=product.key, language=shape.language, prompt=prompt, completion=continuation(prompt, grounded.text),
            mode=mode, moved=grounded.moved, attributes=grounded.attributes,
        )
    stats.count(reasons[-1] if reasons else "no usable copy")
    return None


def continuation(prompt: str, text: str) -> str:
    """The completion as the model writes it after the prompt: a space after an English colon."""
    return f" {text}" if prompt.endswith(":") else text


def pairs_hash(pairs: Iterable[TrainingPair]) -> str:
    """The training data's identity: the same pairs in the same order give the same hash."""
    digest = hashlib.sha256()
    for pair in pairs:
        digest.update(json.dumps([pair.prompt, pair.completion, pair.weight], ensure_ascii=False).encode())
    return digest.hexdigest()
