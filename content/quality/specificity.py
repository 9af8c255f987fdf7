"""Details a draft adds that the product data does not give: the words best of n holds against it.

A small model asked for 30 words about a product known only by its title fills them with details
it makes up: steel wool with "excellent adhesion", a resistor kit "for use with capacitors,
inductors and diodes", a measuring cylinder "for liquids, solids and gases". The checks catch
invented facts they can match against the data (numbers, names, materials); these are claims of
use and function, in ordinary words. What gives them away is how *specific* they are: product copy
says "durable", "easy to use" and "designed for" of anything, but "capacitors" or "gases" only of
some products, so those words should come from the product's own data.

A word's specificity is its inverse document frequency over real product descriptions, above
what copy's generic words reach. `ungrounded_details` lists a draft's specific words that the
product's title, brand, category, attributes and description do not contain (compared as stems,
so "magnets" is grounded by "Magnet"); `specificity` sums their weights, and best of n holds it
against a candidate (content.quality.scoring).

It is a score, not a check. Good copy written by people has rare words its data lacks too
("arbor", "mortar joints" of a masonry wheel; "coarse" of 80 grit): as a warning it would mark
nearly every draft. What tells invention apart is how much of it there is: a candidate's
ungrounded details weigh 2-4 when it stays with its title and 10-25 when it makes up uses, and
between candidates for the same product, less is better. English only: a Chinese draft's words
have no spaces between them, and the checks already hold its facts.

The frequencies (`data/copy_words_en.tsv`) were counted over the English descriptions of the
product-copy corpus that training may read (not the held-back ones the yardstick measures on):
word stems and counts, no text. `manage.py build_copy_vocabulary` rebuilds the file from
PRODUCT_COPY_DIR.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from content.checks import ProductFacts
from content.checks.stopwords import ENGLISH_FUNCTION_WORDS
from content.checks.words import stem

from .corpus import corpus_products, training_products

FREQUENCIES_FILE = Path(__file__).resolve().parent / "data" / "copy_words_en.tsv"
# Words in more than about 5% of descriptions ("durable", "quality", "designed", "perfect",
# "applications": inverse document frequency under 3.0) are copy's generic words and weigh nothing.
GENERIC_IDF = 3.0
# Fewer documents than this and a stem is counted as unseen: the file keeps only stems seen at
# least this often, and a word no description uses is as specific as words get.
MIN_DOCUMENTS = 3
# Function words: no detail, however rare in product copy ("enough", "whether"), and the parts of
# contractions ("don't" is "don" and "t").
FUNCTION_WORDS = ENGLISH_FUNCTION_WORDS | frozenset(
    """every enough still even yet another others whether without within upon via onto across around
    along among behind beside besides beyond toward towards however therefore thus always never
    often many much less least don doesn isn aren won wasn weren""".split()
)
# Letters only: "Multi-Screwdriver" is "multi" and "screwdriver", "it's" is "it".
WORD = re.compile(r"[A-Za-z]+")
_MIN_LETTERS = 3


@lru_cache(maxsize=1)
def _frequencies() -> tuple[int, dict[str, int]]:
    lines = FREQUENCIES_FILE.read_text(encoding="utf-8").splitlines()
    documents = int(lines[0].split("\t")[1])  # "#documents\t5758"
    counts = {}
    for line in lines[1:]:
        word, _, count = line.partition("\t")
        counts[word] = int(count)
    return documents, counts


def counted_stems() -> Iterable[str]:
    """Every stem the frequencies file counts."""
    return _frequencies()[1].keys()


def weight(word_stem: str) -> float:
    """How much more specific than generic copy a stem is (0 for generic words)."""
    documents, counts = _frequencies()
    idf = math.log(documents / (1 + counts.get(word_stem, 0)))
    return max(0.0, idf - GENERIC_IDF)


def _stems(text: str) -> Iterable[tuple[re.Match, str]]:
    for match in WORD.finditer(text):
        word = match.group()
        if len(word) >= _MIN_LETTERS and word.lower() not in FUNCTION_WORDS:
            yield match, stem(word)


def ungrounded_details(text: str, facts_text: str) -> list[tuple[str, float]]:
    """The draft's specific words that `facts_text` (the product data) does not contain, each
    once, with its weight, in the order written."""
    return [(match.group(), value) for match, value in _ungrounded(text, facts_text)]


def _ungrounded(text: str, facts_text: str) -> list[tuple[re.Match, float]]:
    # Every word of the data grounds, however short: "ICs" is the plural of an "IC" socket's "IC".
    grounded = {stem(match.group()) for match in WORD.finditer(facts_text)}
    found: dict[str, tuple[re.Match, float]] = {}
    for match, word_stem in _stems(text):
        if word_stem in grounded or word_stem in found:
            continue
        value = weight(word_stem)
        if value > 0:
            found[word_stem] = (match, round(value, 2))
    return list(found.values())


def specificity(text: str, facts: ProductFacts) -> float:
    """The summed weight of the draft's ungrounded details: 0 for copy that adds nothing specific."""
    return sum(value for _, value in ungrounded_details(text, facts.text()))


def document_frequencies(descriptions: Iterable[str]) -> tuple[int, Counter]:
    """In how many descriptions each stem appears."""
    counts: Counter = Counter()
    documents = 0
    for description in descriptions:
        documents += 1
        counts.update({word_stem for _, word_stem in _stems(description)})
    return documents, counts


def write_document_frequencies(descriptions: Iterable[str], path: Path = FREQUENCIES_FILE) -> int:
    """Write the frequencies file (stems seen in at least MIN_DOCUMENTS descriptions, most frequent
    first); returns how many stems it holds."""
    documents, counts = document_frequencies(descriptions)
    kept = sorted(((word, count) for word, count in counts.items() if count >= MIN_DOCUMENTS),
                  key=lambda pair: (-pair[1], pair[0]))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#documents\t{documents}\n" + "".join(f"{word}\t{count}\n" for word, count in kept),
                    encoding="utf-8")
    _frequencies.cache_clear()
    return len(kept)


def rebuild_from_corpus(folder: Path, path: Path = FREQUENCIES_FILE) -> tuple[int, int]:
    """Count the English descriptions training may read in the corpus at `folder` into `path`;
    returns (descriptions, stems kept). Raises CorpusMissing when the folder lacks the corpus."""
    english = [p for p in training_products(corpus_products(folder, languages=("en",))) if p.language == "en"]
    return len(english), write_document_frequencies((p.description for p in english), path)
