"""The product-copy corpus, its held-back split, and training targets paired only with facts
that support them (the committed smoke fixture stands in for the corpus)."""

from pathlib import Path

import pytest

from content.checks import CheckContext, find_unsupported_claims, run_checks
from content.defaults import EN_DESCRIPTION, ZH_DESCRIPTION
from content.prompt_text import PromptValues, attribute_pairs, render
from content.quality.corpus import (
    CorpusMissing,
    chinese_attributes,
    chinese_title,
    corpus_products,
    heldout_products,
    training_products,
)
from content.quality.grounding import KEEP, MOVE, facts_of, ground
from content.quality.training_pairs import PromptShape, corpus_pairs, pairs_hash, training_target_length

FIXTURE = Path(__file__).resolve().parents[3] / "bench" / "fixtures" / "smoke" / "product-copy"
EN_SHAPE = PromptShape(language="en", template_text=EN_DESCRIPTION.text, store="Bench & Beaker Supply",
                       tone="clear", target_length=(30, 120))
ZH_SHAPE = PromptShape(language="zh", template_text=ZH_DESCRIPTION.text, store="Bench & Beaker Supply",
                       tone="clear", target_length=(40, 250))


def render_prompt(product, attributes, shape):
    values = PromptValues(title=product.title, brand=product.brand, category=product.category,
                          attributes=attribute_pairs(attributes), store=shape.store, tone=shape.tone,
                          language=shape.language)
    return render(shape.template_text, values)


def products():
    return corpus_products(FIXTURE)


def by_key(key):
    return next(p for p in products() if p.key == key)


def test_a_missing_corpus_says_where_it_was_looked_for(tmp_path):
    with pytest.raises(CorpusMissing, match=f"{tmp_path}/products.csv not found.*PRODUCT_COPY_DIR"):
        corpus_products(tmp_path)


def test_chinese_attributes_keep_a_repeated_key_and_make_a_listing_title():
    attributes = chinese_attributes("类型: 裤 | 版型: 宽松 | 图案: 线条 | 图案: 撞色 | 裤型: 阔腿裤")

    assert attributes == {"类型": "裤", "版型": "宽松", "图案": "线条、撞色", "裤型": "阔腿裤"}
    assert chinese_title(attributes) == "宽松线条撞色阔腿裤"  # the type last, not twice


def test_the_held_back_set_is_fixed_and_training_never_reads_it():
    corpus = products()

    held = heldout_products(corpus, per_language=2)

    assert held == heldout_products(list(reversed(corpus)), per_language=2)  # the file order does not matter
    english = [p for p in held if p.language == "en"]
    assert sorted(p.category for p in english) == ["Industrial & Scientific", "Office Products"]
    assert {p.split for p in held if p.language == "zh"} == {"dev"}
    usable = training_products(corpus, exclude_titles=["Stapler, Desktop, Black"])
    assert not {p.key for p in usable} & {p.key for p in held}
    assert all(p.split != "dev" for p in usable)
    assert "SMOKE-OP-003" not in {p.key for p in usable}  # a store's held-back title


def test_keep_mode_leaves_out_the_sentence_the_title_does_not_support():
    gloves = by_key("SMOKE-IS-001")  # its last sentence claims 600 volts and Germany

    grounded = ground(gloves, target_length=(30, 120), mode=KEEP)

    assert "600 volts" not in grounded.text and "Germany" not in grounded.text
    assert grounded.text.startswith("These powder-free blue nitrile exam gloves come 100 to a box.")
    assert grounded.attributes == {} and grounded.moved == 0 and grounded.sentences_left_out == 1
    assert find_unsupported_claims(grounded.text, facts_of(gloves, grounded.attributes).text()) == []


def test_move_mode_gives_the_prompt_the_specs_its_target_states():
    gloves = by_key("SMOKE-IS-001")

    grounded = ground(gloves, target_length=(30, 120), mode=MOVE)

    assert "600 volts" in grounded.text and "Germany" in grounded.text
    assert grounded.attributes == {"specs": "600 volts", "origin": "made in Germany"} and grounded.moved == 2
    assert find_unsupported_claims(grounded.text, facts_of(gloves, grounded.attributes).text()) == []


def test_a_description_with_too_little_supported_copy_is_no_target():
    gloves = by_key("SMOKE-IS-001")

    assert ground(gloves, target_length=(80, 120), mode=KEEP) == "too little supported copy"


def test_corpus_pairs_pass_every_check_with_the_prompt_they_come_with():
    usable = training_products(products())

    for shape in (EN_SHAPE, ZH_SHAPE):
        pairs, stats = corpus_pairs(usable, shape=shape, render=render_prompt, limit=10, seed=7)

        assert pairs and stats.kept == len(pairs) and stats.considered >= len(pairs)
        for pair in pairs:
            product = next(p for p in usable if p.key == pair.key)
            assert pair.prompt == render_prompt(product, pair.attributes, shape)
            assert pair.completion.startswith(" ") == (shape.language == "en")  # continues "Description:"
            low, high = training_target_length(shape.target_length)
            target = pair.completion.strip()
            context = CheckContext(facts=facts_of(product, pair.attributes), language=shape.language,
                                   target_length=(low, high), prompt_text=pair.prompt)
            assert [r.name for r in run_checks(target, context) if r.flags_draft] == []
    again, _ = corpus_pairs(usable, shape=EN_SHAPE, render=render_prompt, limit=10, seed=7)
    assert [p.key for p in again] == [p.key for p in corpus_pairs(usable, shape=EN_SHAPE, render=render_prompt,
                                                                  limit=10, seed=7)[0]]
    assert pairs_hash(again) != pairs_hash(again[:-1])
