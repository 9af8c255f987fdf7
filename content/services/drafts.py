"""Checks on a draft's text and the fields that come from them. Generation
calls these for every new draft; the review workflow calls
`draft_run_checks` again after each edit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from catalog.models import Product
from content.checks import (
    CheckContext,
    CheckResult,
    ProductFacts,
    band_keys,
    failed_names,
    has_errors,
    minhash_signature,
    preselect,
    results_to_json,
    run_checks,
)
from content.models import BrandVoice, Draft
from content.selectors import near_duplicate_candidates, product_published_copy

# Exact near-duplicate comparisons per draft, after the MinHash preselection.
MAX_DUPLICATE_COMPARISONS = 20


@dataclass
class Signature:
    values: list[int]
    keys: list[str]

    @classmethod
    def of(cls, text: str, language: str) -> Signature:
        values = list(minhash_signature(text, language))
        return cls(values, band_keys(values) if values else [])


def grounding_text(*, content_type: str, question: str = "", goal: str = "", published_copy: str = "") -> str:
    """What an answer or an ad may also draw on besides the product's own
    data: the question and published copy, or the campaign goal ("20% off")."""
    return "\n".join(part for part in (question, published_copy, goal) if part)


def check_context(
    *,
    product: Product,
    content_type: str,
    language: str,
    voice: BrandVoice,
    prompt: str = "",
    extra_facts: str = "",
    other_texts: Sequence[tuple[str, str]] = (),
) -> CheckContext:
    return CheckContext(
        facts=ProductFacts(
            title=product.title,
            brand=product.brand,
            category=product.category.path if product.category_id else "",
            attributes=product.attributes or {},
            description=product.description,
        ),
        content_type=content_type,
        language=language,
        target_length=voice.target_length(content_type, language),
        banned_words=voice.banned_words,
        required_phrases=voice.required_phrases,
        prompt_text=prompt,
        other_texts=other_texts,
        extra_facts_text=extra_facts,
    )


def similar_texts(
    signature: Signature, candidates: Iterable[dict], *, product_id: int, limit: int = MAX_DUPLICATE_COMPARISONS
) -> list[tuple[str, str]]:
    """(label, text) of the other products' drafts worth an exact comparison.
    `candidates` are dicts with id, product_id, product__title, product__sku,
    signature and current_text."""
    by_id = {candidate["id"]: candidate for candidate in candidates if candidate["product_id"] != product_id}
    chosen = preselect(signature.values, [(pk, c["signature"]) for pk, c in by_id.items()], limit=limit)
    return [(_label(by_id[pk]), by_id[pk]["current_text"]) for pk, _ in chosen]


def _label(candidate: dict) -> str:
    title = candidate["product__title"]
    return f"{candidate['product__sku']} {title[:60]}{'…' if len(title) > 60 else ''}"


def apply_results(draft: Draft, results: list[CheckResult], signature: Signature) -> None:
    draft.checks = results_to_json(results)
    draft.failed_checks = failed_names(results)
    draft.signature = signature.values
    draft.band_keys = signature.keys


def initial_status(results: list[CheckResult]) -> str:
    return Draft.Status.FLAGGED if has_errors(results) else Draft.Status.TO_REVIEW


def draft_run_checks(*, draft: Draft, voice: BrandVoice | None = None) -> list[CheckResult]:
    """Run every check on the draft's current text and set checks,
    failed_checks, signature and band_keys on the instance (the caller saves,
    in its own transaction, with the status its workflow decides)."""
    from content.services.setup import brand_voice_for

    voice = voice or brand_voice_for(store=draft.store)
    signature = Signature.of(draft.current_text, draft.language)
    candidates = near_duplicate_candidates(
        store=draft.store, content_type=draft.content_type, language=draft.language, band_keys=signature.keys
    )
    candidates = [c for c in candidates if c["id"] != draft.pk]
    extra = grounding_text(
        content_type=draft.content_type,
        question=draft.question.text if draft.question_id else "",
        goal=draft.job.goal,
        published_copy=product_published_copy(product=draft.product, language=draft.language)
        if draft.question_id else "",
    )
    ctx = check_context(
        product=draft.product, content_type=draft.content_type, language=draft.language, voice=voice,
        prompt=draft.prompt, extra_facts=extra,
        other_texts=similar_texts(signature, candidates, product_id=draft.product_id),
    )
    results = run_checks(draft.current_text, ctx)
    apply_results(draft, results, signature)
    return results
