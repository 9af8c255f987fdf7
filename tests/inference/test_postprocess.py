from inference.postprocess import (
    clean_completion,
    cut_at_stop,
    cut_unfinished_sentence,
    drop_repeated_sentences,
    sanitize_text,
    split_sentences,
    strip_markup,
    strip_prompt_echo,
    trim_whitespace,
)

PROMPT = (
    "Product: Ceramic mug by Hario\n"
    "Features: 350 ml, dishwasher safe\n"
    "Description: A 350 ml mug for the dishwasher.\n"
    "\n"
    "Product: Wireless mouse by Logi\n"
    "Features: 2.4 GHz receiver\n"
    "Description:"
)


def test_strip_prompt_echo_removes_repeated_last_lines_and_label():
    echoed = "Product: Wireless mouse by Logi\nFeatures: 2.4 GHz receiver\nDescription: A quiet mouse."

    assert strip_prompt_echo(echoed, prompt=PROMPT) == " A quiet mouse."


def test_strip_prompt_echo_removes_a_whole_repeated_prompt():
    echoed = PROMPT + " A quiet mouse."

    assert strip_prompt_echo(echoed, prompt=PROMPT).strip() == "A quiet mouse."


def test_strip_prompt_echo_keeps_text_that_only_starts_like_a_short_prompt_line():
    assert strip_prompt_echo("The best mouse ever.", prompt="Write about it.\nThe best") == "The best mouse ever."


def test_strip_prompt_echo_keeps_normal_completion():
    assert strip_prompt_echo(" A quiet mouse with a 2.4 GHz receiver.", prompt=PROMPT) == (
        " A quiet mouse with a 2.4 GHz receiver."
    )


def test_a_stop_before_the_first_word_does_not_cut_the_completion():
    assert cut_at_stop("\n\nA sturdy beaker.\n\nProduct: x", stop=("\n\n",)) == "\n\nA sturdy beaker."
    assert clean_completion("\n\nA sturdy beaker.\n\nProduct: x", prompt="Description:", stop=("\n\n",)) == (
        "A sturdy beaker."
    )


def test_cut_at_stop_uses_the_earliest_stop():
    assert cut_at_stop("One.\n\nProduct: Two", stop=("\nProduct:", "\n\n")) == "One."
    assert cut_at_stop("No stop here", stop=("###",)) == "No stop here"


def test_cut_unfinished_sentence_english_and_decimals():
    assert cut_unfinished_sentence("It weighs 2.5 kg. It is made of") == "It weighs 2.5 kg. "
    assert cut_unfinished_sentence("Only a fragment") == "Only a fragment"
    assert cut_unfinished_sentence("Done! Really?") == "Done! Really?"


def test_cut_unfinished_sentence_with_closing_quote():
    assert cut_unfinished_sentence('He said "great mug." And then') == 'He said "great mug." '


def test_cut_unfinished_sentence_chinese():
    assert cut_unfinished_sentence("这款杯子很轻。适合每天使用！容量为") == "这款杯子很轻。适合每天使用！"
    assert cut_unfinished_sentence("“好用。”然后") == "“好用。”"


def test_drop_repeated_sentences_case_and_punctuation_blind():
    text = "A light mug for travel. Great for coffee. a light mug for travel! Easy to clean."

    assert drop_repeated_sentences(text) == "A light mug for travel. Great for coffee. Easy to clean."


def test_drop_repeated_sentences_keeps_repeated_labels_and_short_answers():
    script = "Voice-over:\nMeet the mug.\nVoice-over:\nThe mug on a desk.\nYes. Yes.\n"

    assert drop_repeated_sentences(script) == script


def test_drop_repeated_sentences_chinese():
    repeated = "这款杯子非常轻便耐用。这款杯子非常轻便耐用。容量大。"

    assert drop_repeated_sentences(repeated) == "这款杯子非常轻便耐用。容量大。"


def test_split_sentences_round_trips():
    text = "One. Two!\n三。四？ Five"

    segments = split_sentences(text)

    assert "".join(segment.text for segment in segments) == text
    assert [segment.complete for segment in segments][-1] is False


def test_sanitize_text_never_raises_on_odd_unicode():
    odd = "ok\x00 \ud800 bad\x07 mix 😀 e\u0301\r\nnext\ufffd"

    cleaned = sanitize_text(odd)

    cleaned.encode("utf-8")  # would raise on a lone surrogate
    assert cleaned == "ok ? bad mix 😀 e\u0301\nnext"


def test_trim_whitespace_collapses_blank_lines_and_trailing_spaces():
    assert trim_whitespace("  \n\nOne.   \n\n\n\nTwo.  \n ") == "One.\n\nTwo."


def test_clean_completion_end_to_end():
    raw = (
        "Product: Wireless mouse by Logi\nFeatures: 2.4 GHz receiver\nDescription: A quiet mouse. "
        "A quiet mouse. It clicks softly and lasts\n\nProduct: Next"
    )

    text = clean_completion(raw, prompt=PROMPT, stop=("\n\nProduct:",), truncated=False)

    assert text == "A quiet mouse. It clicks softly and lasts"


def test_clean_completion_cuts_unfinished_sentence_only_when_truncated():
    raw = " A quiet mouse. It clicks softly and lasts"

    assert clean_completion(raw, prompt=PROMPT, truncated=True) == "A quiet mouse."
    assert clean_completion(raw, prompt=PROMPT, truncated=False) == "A quiet mouse. It clicks softly and lasts"


def test_clean_completion_of_empty_and_whitespace_text():
    assert clean_completion("", prompt=PROMPT, truncated=True) == ""
    assert clean_completion(" \n\n ", prompt=PROMPT, truncated=True) == ""


def test_strip_markup_keeps_the_words_tags_and_entities_wrap():
    # Seen in the tuned model's drafts (copy yardstick, 2026-12-01).
    assert strip_markup("converts your signal from <b>USB</b> to it.") == "converts your signal from USB to it."
    assert strip_markup('A <span class="x">blue</span> cap &amp; a <B>red</B> one.') == "A blue cap & a red one."
    assert strip_markup("**Durable** steel&nbsp;parts.<br>Two brushes.<br/>") == "Durable steel parts. Two brushes. "


def test_strip_markup_leaves_text_that_only_looks_like_markup():
    for text in ("Gaps <5 mm wide.", "Pick a <b or c.", "R&D tested, 5 * 10 pcs.", "snake_case and __init"):
        assert strip_markup(text) == text


def test_clean_completion_strips_markup():
    raw = " The <b>USB</b> converter &amp; its cable.\n\nProduct: Next"

    assert clean_completion(raw, prompt=PROMPT, stop=("\n\nProduct:",)) == "The USB converter & its cable."
