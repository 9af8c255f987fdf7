from content.checks import Span
from content.checks.text import find_phrase, fold, length_units, merge_spans, sentences, tokens


def test_fold_keeps_length_and_offsets():
    text = "It’s 4½\u2033 wide \u2014 ＡＢＣ１２３％"

    folded = fold(text)

    assert folded == "It's 4½\" wide - ABC123%"
    assert len(folded) == len(text)


def test_tokens_split_chinese_into_characters_and_latin_into_words():
    assert [t.text for t in tokens("PORTER-CABLE砂带卷, it's 4-1/2")] == [
        "porter",
        "cable",
        "砂",
        "带",
        "卷",
        "it's",
        "4",
        "1",
        "2",
    ]


def test_sentences():
    text = "First one. Second one! 第三句。第四句？ Fifth\nSixth 1.75 mm"

    assert [text[s.start : s.end] for s in sentences(text)] == [
        "First one.",
        "Second one!",
        "第三句。",
        "第四句？",
        "Fifth",
        "Sixth 1.75 mm",
    ]


def test_merge_spans_joins_overlaps_and_with_text_small_gaps():
    text = "aaa, bbb ccc"

    assert merge_spans([Span(5, 8), Span(0, 3), Span(2, 4)]) == (Span(0, 4), Span(5, 8))
    assert merge_spans([Span(0, 3), Span(5, 8)], text) == (Span(0, 8),)


def test_find_phrase_whole_words_flexible_separators():
    text = "Best-in-class glue; best in  class; bestinclass; 最好的胶水"

    assert [text[s.start : s.end] for s in find_phrase(text, "best in class")] == ["Best-in-class", "best in  class"]
    assert [text[s.start : s.end] for s in find_phrase(text, "最好")] == ["最好"]


def test_length_units_in_chinese():
    assert [t.text for t in length_units("PORTER-CABLE砂带卷 10码", "zh")] == [
        "porter-cable",
        "砂",
        "带",
        "卷",
        "10",
        "码",
    ]
