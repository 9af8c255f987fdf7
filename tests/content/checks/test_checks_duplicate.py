import pytest

from content.checks import (
    ERROR,
    WARNING,
    CheckContext,
    band_keys,
    minhash_signature,
    preselect,
    signature_similarity,
)
from content.checks.duplicate import check_near_duplicate, jaccard, shingles

EIGHT_OZ = (
    "Gorilla Original Gorilla Glue is the tough, waterproof polyurethane glue for your hardest jobs. It bonds "
    "wood, stone, metal, ceramic, foam and glass, and it stands up to the elements indoors and out. The 8 ounce "
    "bottle keeps the glue fresh between projects, and the brown glue dries to a natural finish."
)
TWO_OZ = EIGHT_OZ.replace("8 ounce", "2 ounce")
SANDING = (
    "The PORTER-CABLE 740000801 sanding roll gives you 10 yards of 80-grit abrasive on a 4.5-inch wide adhesive "
    "backing. Cut off what you need and stick it to your sanding block for fast stock removal."
)


def marked(text, result):
    return [text[span.start : span.end] for span in result.spans]


def test_copy_of_a_sibling_product_is_an_error(gorilla_glue):
    others = [("Gorilla Glue 2 ounce", TWO_OZ), ("PORTER-CABLE sanding roll", SANDING)]

    result = check_near_duplicate(EIGHT_OZ, CheckContext(facts=gorilla_glue, other_texts=others))

    assert result.passed is False
    assert result.severity == ERROR
    assert result.message == "Reads like the copy for 'Gorilla Glue 2 ounce' (81% similar)"
    assert result.details == {"matches": [{"label": "Gorilla Glue 2 ounce", "similarity": 0.811}]}
    assert marked(EIGHT_OZ, result) == [
        EIGHT_OZ[: EIGHT_OZ.index(" 8 ounce")],  # up to "...indoors and out. The"
        "ounce bottle keeps the glue fresh between projects, and the brown glue dries to a natural finish",
    ]


def test_a_partly_shared_text_is_a_warning(gorilla_glue):
    half = EIGHT_OZ[: EIGHT_OZ.index("The 8 ounce")] + "Squeeze a little onto one side, clamp, and wait."

    result = check_near_duplicate(half, CheckContext(facts=gorilla_glue, other_texts=[("8 oz", EIGHT_OZ)]))

    assert (result.passed, result.severity) == (False, WARNING)
    assert result.message == "Reads like the copy for '8 oz' (51% similar)"


def test_different_products_pass(gorilla_glue):
    result = check_near_duplicate(EIGHT_OZ, CheckContext(facts=gorilla_glue, other_texts=[("roll", SANDING)]))

    assert (result.passed, result.message) == (True, "Not close to the 1 other texts compared")


def test_nothing_to_compare_with(gorilla_glue):
    result = check_near_duplicate(EIGHT_OZ, CheckContext(facts=gorilla_glue))

    assert (result.passed, result.message) == (True, "No other copy to compare with")


def test_several_matches_are_counted(gorilla_glue):
    others = [("a", TWO_OZ), ("b", EIGHT_OZ), ("c", SANDING)]

    result = check_near_duplicate(EIGHT_OZ, CheckContext(facts=gorilla_glue, other_texts=others))

    assert result.message == "Reads like the copy for 'b' (100% similar), and 1 more"
    assert [m["label"] for m in result.details["matches"]] == ["b", "a"]


def test_chinese_uses_character_shingles(gorilla_glue):
    mine = "大猩猩原装胶水采用防水聚氨酯配方，8盎司瓶装，能牢固粘合木材、石材、金属和陶瓷，固化后可在室内外长期使用。"
    sibling = mine.replace("8盎司", "2盎司")

    result = check_near_duplicate(
        mine, CheckContext(facts=gorilla_glue, language="zh", other_texts=[("2盎司", sibling)])
    )

    assert result.passed is False
    assert result.details["matches"][0]["similarity"] == pytest.approx(
        jaccard(shingles(mine, "zh"), shingles(sibling, "zh")), abs=1e-3
    )


def test_minhash_signature_is_stable_and_estimates_similarity():
    a, b, c = minhash_signature(EIGHT_OZ), minhash_signature(TWO_OZ), minhash_signature(SANDING)

    assert len(a) == 64
    assert all(0 <= v < 2**32 for v in a)
    assert minhash_signature(EIGHT_OZ) == a
    assert signature_similarity(a, a) == 1.0
    assert signature_similarity(a, b) == pytest.approx(
        jaccard(shingles(EIGHT_OZ, "en"), shingles(TWO_OZ, "en")), abs=0.15
    )
    assert signature_similarity(a, c) < 0.1
    assert minhash_signature("") == ()
    assert signature_similarity((), a) == 0.0


def test_minhash_values_do_not_depend_on_the_process():
    # Stored signatures are compared across processes: Python's salted hash() must not be involved.
    assert minhash_signature("the quick brown fox jumps", num_perm=4) == (
        3568061743,
        1744199617,
        1499228005,
        2319476113,
    )


def test_preselect_keeps_likely_matches_most_similar_first():
    mine = minhash_signature(EIGHT_OZ)
    stored = [
        (1, minhash_signature(SANDING)),
        (2, minhash_signature(TWO_OZ)),
        (3, minhash_signature(EIGHT_OZ)),
        (4, ()),
    ]

    picked = preselect(mine, stored)

    assert [key for key, _ in picked] == [3, 2]
    assert picked[0][1] == 1.0


def test_band_keys_are_shared_by_similar_texts():
    keys_a, keys_b = band_keys(minhash_signature(EIGHT_OZ)), band_keys(minhash_signature(TWO_OZ))

    assert len(keys_a) == 32
    assert set(keys_a) & set(keys_b)
    assert not set(keys_a) & set(band_keys(minhash_signature(SANDING)))


def test_a_draft_shorter_than_one_shingle(gorilla_glue):
    result = check_near_duplicate("Strong glue.", CheckContext(facts=gorilla_glue, other_texts=[("x", "Strong glue!")]))

    assert result.passed is False
    assert marked("Strong glue.", result) == ["Strong glue"]
