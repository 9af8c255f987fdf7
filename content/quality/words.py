"""Which words an English draft may write: the policy behind the decoding constraint
(inference.generation.words holds the mechanism), the words' counterpart of `numbers`.

A small model asked for copy about a product known by its title fills the copy with uses and
parts it makes up, in ordinary words: "two disc pads for use with different wheel sizes",
"glassware such as wine bottles", "for cooking, construction, medicine". The checks cannot tell
these from the truth (nothing in the data says otherwise), and best of n only prefers the
candidates that have fewer of them (content.quality.specificity). Held while decoding, the rule
makes them impossible: a draft may write

- copy's generic words: function words and every word whose stem appears in enough real product
  descriptions to say nothing about one product ("durable", "designed", "perfect", "surface":
  about 1 in 20 or more, the words `specificity` weighs at nothing), so that a draft held to
  these words has no ungrounded details at all;
- the words of the product's data (title, brand, category, attributes, the merchant's
  description) in any form ("magnets" from "Magnet"), of what the draft is grounded in (a
  shopper's question, the published copy, a campaign goal) and of the brand voice's required
  phrases;
- any word of one or two letters.

Nothing from the prompt's instructions or few-shot examples: those are other products' words.
English only: a Chinese draft's facts are held by the checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

from content.checks import ProductFacts
from content.checks.words import stem
from inference.generation.words import WordRule, WordSet

from .specificity import FUNCTION_WORDS, WORD, counted_stems, weight

__all__ = ["WordRule", "allowed_words", "common_words", "draft_words"]



@lru_cache(maxsize=1)
def common_words() -> WordSet:
    """Copy's generic words: function words and the stems `specificity` weighs at nothing."""
    stems = frozenset(word_stem for word_stem in counted_stems() if weight(word_stem) == 0)
    return WordSet(stems=stems, words=FUNCTION_WORDS, stem=stem)


# Where truth matters most and the facts are the whole story: marketing copy and video scripts
# may reach further (a campaign's season, a scene's setting), and the checks still read them.
CONSTRAINED_TYPES = ("description", "answer")


def draft_words(
    *, facts: ProductFacts, content_type: str, language: str, extra_facts: str = "",
    required_phrases: Iterable[str] = (),
) -> WordRule | None:
    """The words a draft of `content_type` in `language` may write, or None (any word): English
    descriptions and answers, while GENERATION_CONSTRAIN_WORDS is on."""
    if not settings.GENERATION_CONSTRAIN_WORDS or language != "en" or content_type not in CONSTRAINED_TYPES:
        return None
    return allowed_words(facts=facts, extra_facts=extra_facts, required_phrases=required_phrases)


def allowed_words(*, facts: ProductFacts, extra_facts: str = "", required_phrases: Iterable[str] = ()) -> WordRule:
    """Copy's generic words and the product's own, any form of each."""
    texts = [facts.text(), extra_facts, *required_phrases]
    written = {word.lower() for text in texts for word in WORD.findall(text)}
    stems = frozenset(stem(word) for word in written)
    # Forms the model's vocabulary may lack as one token ("analogues" of "analogue").
    forms = {form for word in written for form in _inflections(word) if stem(form) in stems}
    return WordRule(common=common_words(), own=WordSet(stems=stems, words=frozenset(written | forms), stem=stem))


def _inflections(word: str) -> Iterable[str]:
    yield from (word + "s", word + "es", word + "ed", word + "ing", word + "d")
    if word.endswith("e"):
        yield from (word[:-1] + "ing", word[:-1] + "ed")
    if word.endswith("y"):
        yield word[:-1] + "ies"
