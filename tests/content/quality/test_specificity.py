"""Details a draft adds that the product data does not give: the specificity best of n holds
against a candidate. The invented draft is the tuned model's own, for a demo product
(bench/RESULTS.md, evaluation #4)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from content.checks import CheckContext, ProductFacts, run_checks
from content.quality.scoring import candidate_score, ranked
from content.quality.specificity import (
    FREQUENCIES_FILE,
    GENERIC_IDF,
    document_frequencies,
    specificity,
    ungrounded_details,
    weight,
    write_document_frequencies,
)

SMOKE_CORPUS = Path(__file__).resolve().parents[3] / "bench" / "fixtures" / "smoke" / "product-copy"
RESISTOR_KIT = ProductFacts(title="Joe Knows Electronics 1W 86 Value 860 Piece Resistor Kit")
INVENTED = ("Joe Knows Electronics 1W Resistors are single resistor devices that can be used in a variety of "
            "applications. They have the ability to withstand very high temperatures and are designed for use "
            "with resistors, capacitors, inductors, and diodes.")
PLAIN = ("The Joe Knows Electronics 1W 86 Value Resistor Kit is a complete, well-designed resistor kit. This "
         "kit contains the most popular and widely used single resistor values in one box.")


def test_rare_words_weigh_more_than_copys_generic_words():
    assert weight("durabl") == 0  # "durable": in about one description in ten
    assert weight("qualiti") == 0
    assert weight("capacitor") > 2.5  # in a handful of descriptions
    assert weight("xyzzyplugh") > weight("capacitor")  # unseen: as specific as words get


def test_details_are_the_specific_words_the_data_does_not_contain():
    words = [word for word, _ in ungrounded_details(INVENTED, RESISTOR_KIT.text())]

    assert {"capacitors", "inductors", "diodes"} <= set(words)
    assert "Resistors" not in words  # "Resistor" is in the title: the same stem
    assert "applications" not in words  # generic copy
    assert specificity(INVENTED, RESISTOR_KIT) > specificity(PLAIN, RESISTOR_KIT) + 5


def test_a_detail_the_data_gives_weighs_nothing():
    facts = ProductFacts(title=RESISTOR_KIT.title, description="For circuits with capacitors, inductors and diodes.")

    words = [word for word, _ in ungrounded_details(INVENTED, facts.text())]
    assert not {"capacitors", "inductors", "diodes"} & set(words)
    assert specificity(INVENTED, facts) < specificity(INVENTED, RESISTOR_KIT) - 5


def test_a_short_word_of_the_data_grounds_its_forms():
    # Evaluation #26's one ungrounded detail: the word filter allows "ICs" as a form of "IC".
    socket = ProductFacts(title="Uxcell 10 Pcs 14 Pin DIP IC Socket Adaptor Solder Type")

    words = [word for word, _ in ungrounded_details("Holds ICs and PCB parts in place.", socket.text())]
    assert words == ["PCB"]


def test_human_copy_that_knows_its_product_weighs_little():
    # A person's copy for a masonry wheel: "arbor" and "mortar joints" are rare words the title
    # lacks, and right. Few of them, which is why specificity orders candidates and flags nothing.
    wheel = ProductFacts(title="DEWALT DW4524 4-1/2-Inch by 1/4-Inch by 7/8-Inch Concrete/Masonry Grinding Wheel")
    human = ("Grind concrete, brick and block with the DEWALT DW4524. This 4-1/2 inch wheel is 1/4 inch thick with "
             "a 7/8 inch arbor that fits most angle grinders.")
    assert 0 < specificity(human, wheel) < specificity(INVENTED, RESISTOR_KIT)


def test_best_of_n_puts_forward_the_candidate_that_invents_less():
    scores = []
    for text in (INVENTED, PLAIN):
        results = run_checks(text, CheckContext(facts=RESISTOR_KIT, target_length=(20, 120)))
        assert not any(result.flags_draft for result in results)  # both pass every check
        scores.append(candidate_score(text, results, facts=RESISTOR_KIT, language="en", target_length=(20, 120)))

    assert ranked(scores) == [1, 0]


def test_the_frequencies_file_is_rebuilt_from_descriptions(tmp_path: Path):
    descriptions = ["A durable clamp for pipes.", "A durable hose.", "Durable tape for pipes.", "A durable glove."]
    documents, counts = document_frequencies(descriptions)
    assert documents == 4 and counts["durabl"] == 4 and counts["pipe"] == 2 and "a" not in counts

    path = tmp_path / "words.tsv"
    assert write_document_frequencies(descriptions, path) == 1  # only stems in at least 3 descriptions
    assert path.read_text().splitlines() == ["#documents\t4", "durabl\t4"]


def test_the_shipped_frequencies_come_from_thousands_of_descriptions():
    header, *rows = FREQUENCIES_FILE.read_text(encoding="utf-8").splitlines()
    assert header.startswith("#documents\t") and int(header.split("\t")[1]) > 5000
    assert len(rows) > 5000 and GENERIC_IDF > 0


def test_the_command_rebuilds_the_file_from_the_corpus_and_says_when_it_is_missing(settings, tmp_path: Path):
    settings.PRODUCT_COPY_DIR = SMOKE_CORPUS
    output = tmp_path / "words.tsv"
    out = StringIO()

    call_command("build_copy_vocabulary", output=output, stdout=out)

    # The smoke corpus's English products, less the quarter held back for the yardstick.
    assert "descriptions written to" in out.getvalue()
    assert output.read_text().startswith("#documents\t")
    settings.PRODUCT_COPY_DIR = tmp_path / "absent"
    with pytest.raises(CommandError, match="absent"):
        call_command("build_copy_vocabulary", output=output)
