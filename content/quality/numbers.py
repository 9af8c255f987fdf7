"""Which numbers a draft may write: the policy behind the decoding constraint
(inference.generation.numbers holds the mechanism).

A draft may write the numbers of the product's data (title, brand, category, attributes, the
merchant's description), of what it is grounded in (a shopper's question, the published copy, a
campaign goal such as "15% off") and of the brand voice's required phrases; a video script may
also number its scenes. Nothing from the prompt's few-shot examples or instructions: those are
other products' figures, which is how a base model came to give a pocket scale "500 g" it never
had.
"""

from __future__ import annotations

from collections.abc import Iterable

from content.checks import ProductFacts
from inference.generation.numbers import numbers_in

# A script's "Scene 1." to "Scene 5.": labels, not claims about the product.
_SCENE_NUMBERS = {str(n) for n in range(1, 6)}


def allowed_numbers(
    *, facts: ProductFacts, content_type: str, extra_facts: str = "", required_phrases: Iterable[str] = ()
) -> set[str]:
    allowed = numbers_in(facts.text()) | numbers_in(extra_facts)
    for phrase in required_phrases:
        allowed |= numbers_in(phrase)
    if content_type == "video_script":
        allowed |= _SCENE_NUMBERS
    return allowed
