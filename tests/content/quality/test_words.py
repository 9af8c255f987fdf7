"""Which words an English draft may write (content.quality.words): copy's generic words, the
product's own in any form, and nothing a draft would make up a use or a part with."""

from content.checks import ProductFacts
from content.quality.specificity import ungrounded_details
from content.quality.words import allowed_words, common_words, draft_words

ROLOC = ProductFacts(title="3M 05539 Roloc 2 Disc Pad Assembly", brand="3M")


def test_generic_copy_words_and_the_products_own_are_allowed_and_invented_parts_are_not():
    rule = allowed_words(facts=ROLOC)

    for word in ("durable", "designed", "perfect", "surface", "the", "enough", "Roloc", "pads", "discs", "assembly"):
        assert rule.allows(word), word
    # What the tuned model wrote of this product: "two disc pads for use with different wheel sizes".
    for word in ("wheel", "wheels", "sanding", "abrasive", "kitchen"):
        assert not rule.allows(word), word


def test_a_draft_of_allowed_words_has_no_ungrounded_details():
    rule = allowed_words(facts=ROLOC)
    draft = ("The 3M Roloc 2 Disc Pad Assembly is a durable, high quality disc pad designed for professional "
             "finishing work. Its pads are easy to use and provide a smooth, consistent surface, even in heavy duty "
             "applications.")

    assert all(rule.allows(word) for word in draft.replace(",", " ").replace(".", " ").split())
    assert ungrounded_details(draft, ROLOC.text()) == []


def test_the_grounding_text_and_required_phrases_are_the_products_words_too():
    rule = allowed_words(facts=ROLOC, extra_facts="Does it fit a cordless grinder?",
                         required_phrases=["Free shipping"])

    assert all(rule.allows(word) for word in ("grinder", "cordless", "shipping"))


def test_inflections_the_vocabulary_may_lack_are_added_with_the_same_stem():
    rule = allowed_words(facts=ProductFacts(title="Analogue Converter"))

    assert {"analogues", "converters"} <= rule.own.words


def test_only_english_descriptions_and_answers_are_held_and_the_setting_turns_it_off(settings):
    kwargs = {"facts": ROLOC}
    assert draft_words(content_type="description", language="en", **kwargs) is not None
    assert draft_words(content_type="answer", language="en", **kwargs) is not None
    assert draft_words(content_type="marketing", language="en", **kwargs) is None
    assert draft_words(content_type="description", language="zh", **kwargs) is None
    settings.GENERATION_CONSTRAIN_WORDS = False
    assert draft_words(content_type="description", language="en", **kwargs) is None


def test_common_words_are_the_same_object_for_every_product():
    assert allowed_words(facts=ROLOC).common is common_words() is allowed_words(facts=ProductFacts(title="x")).common
