"""Open-vocabulary claims in English: no list says which words make them, their shape does.

- names: acronyms ("DECT", "FSC"), CamelCase ("AirPrint"), codes ("C2P07AN", "USB3.0") and
  capitalised words inside a sentence ("California cedar"), with a version number after them
  ("Bluetooth 5.0"); an origin after "made in", a certification before "certified";
- compound modifiers: X-free, X-proof, X-resistant, X-certified, X-compatible, X-safe, non-X, anti-X,
  self-X, and any other hyphenated modifier ("soft-touch", "quick-drying");
- material and feature phrases, judged by the head noun and the qualifier before it: "recycled
  paper", "cedar wood", "gel ink", "retractable tip".

Each candidate lists the words the product data must have for it to be supported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..lexicon import COUNTRY_MENTIONS, MATERIALS
from ..quantities import find_quantities
from ..stopwords import ENGLISH_FUNCTION_WORDS
from ..text import sentences
from ..words import stem
from .kinds import CERTIFICATION, COMPOUND, FEATURE, MATERIAL, NAME, ORIGIN
from .terms import clause_before


@dataclass(frozen=True)
class Candidate:
    kind: str
    start: int
    end: int
    words: tuple[tuple[int, int], ...]  # spans of the words the data must have
    compound: tuple[str, str] | None = None  # (stem of X, class) for "X-free" and its kin
    head: int = -1  # where a phrase's head noun starts ("wood" in "bonds wood"), for the quiet cases


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-.'][A-Za-z0-9]+)*")

# Words that carry no checkable claim as a qualifier or compound part: praise, and the verbs product
# copy puts before a noun ("features gel ink").
PRAISE = frozenset(
    """
    good great best better excellent superior premium quality perfect ideal smooth sleek stylish elegant
    beautiful attractive classic modern innovative unique special versatile reliable dependable durable
    sturdy strong tough comfortable comfort convenient easy simple practical handy useful efficient
    effective professional nice clean crisp vibrant rich bold consistent precise exceptional outstanding
    superb amazing fantastic wonderful incredible impressive everyday ordinary standard regular new
    improved advanced enhanced proprietary original real true solid-feeling long lasting long-lasting
    high-quality well-made top-notch state-of-the-art eye-catching must-have hard-working cutting-edge
    user-friendly easy-to-use one-of-a-kind on-the-go genuine authentic
    note-taking back-to-school day-to-day year-round all-day
    fun cool cute pretty lovely gorgeous bright fresh neat tidy sharp fine-looking flexible lightweight
    """.split()
)
_VERBS = frozenset(
    """
    features featuring feature includes including include has offers offering provides providing comes
    uses using delivers gives boasts boasting contains containing gets get keeps keep makes lets let
    holds hold is are was be its it's your our their this that these those
    """.split()
)
_STOP = ENGLISH_FUNCTION_WORDS | _VERBS

# --- compound modifiers ------------------------------------------------------------------------------

_SUFFIX_CLASS = {
    "free": "free",
    "proof": "proof",
    "resistant": "resistant",
    "resistance": "resistant",
    "repellent": "resistant",
    "retardant": "resistant",
    "certified": "certified",
    "approved": "certified",
    "listed": "certified",
    "compliant": "certified",
    "rated": "certified",
    "compatible": "compatible",
    "safe": "safe",
    "friendly": "friendly",
    "grade": "grade",
}
_PREFIX_CLASS = {"non": "free", "anti": "anti", "self": "self"}
# A stronger claim in the data supports a weaker one in the draft: "waterproof" data, "water-resistant".
_SUPPORTED_BY = {"resistant": ("resistant", "proof"), "free": ("free",)}
# Bases that make praise, not a claim ("hassle-free", "user-friendly", "top-rated").
_PRAISE_BASES = frozenset(
    """
    hassle worry stress trouble care fuss guilt user budget wallet beginner fool future family top high
    premium highly well best
    """.split()
)
_COMPOUND_RE = re.compile(
    rf"(?<![A-Za-z0-9-])(?P<base>[A-Za-z][A-Za-z0-9]*)(?P<sep>-|\s|)(?P<suffix>{'|'.join(_SUFFIX_CLASS)})(?![A-Za-z])",
    re.IGNORECASE,
)
_FREE_OF_RE = re.compile(r"(?<![A-Za-z])free\s+(?:of|from)\s+(?:any\s+)?(?P<base>[A-Za-z][A-Za-z0-9]*)", re.I)
_PREFIX_RE = re.compile(
    r"(?<![A-Za-z0-9-])(?P<prefix>non|anti|self)(?P<sep>-?)(?P<base>[A-Za-z]{3,})(?![A-Za-z])", re.IGNORECASE
)
# Parts of a hyphenated word that restate the other part ("celery-colored" is the colour celery).
_NEUTRAL_PARTS = frozenset(
    "colored coloured color colour toned tone tinted shaped size sized style styled type like".split()
)
_HYPHENATED_RE = re.compile(r"(?<![A-Za-z0-9-])[A-Za-z]{2,}(?:-[A-Za-z]{2,})+(?![A-Za-z0-9-])")


def _compound_matches(folded: str) -> Iterator[tuple[re.Match[str], str, str]]:
    """(match, base, class) of every compound modifier."""
    for m in _COMPOUND_RE.finditer(folded):
        base, sep, suffix = m["base"].lower(), m["sep"], m["suffix"].lower()
        if sep == "" and suffix != "proof":  # "unsafe", "carefree": one word, no claim of ours
            continue
        if sep == " " and (base in _STOP or base.endswith("ly")):  # "is free", "highly resistant"
            continue
        if base in _PRAISE_BASES or base in _STOP:
            continue
        yield m, base, _SUFFIX_CLASS[suffix]
    for m in _FREE_OF_RE.finditer(folded):
        if m["base"].lower() not in _STOP:
            yield m, m["base"].lower(), "free"
    for m in _PREFIX_RE.finditer(folded):
        prefix, base = m["prefix"].lower(), m["base"].lower()
        if m["sep"] or (prefix == "non" and len(base) >= 4):  # "nontoxic"; not "antique", "selfie"
            yield m, base, _PREFIX_CLASS[prefix]


def compounds_in(folded: str) -> list[tuple[tuple[str, str], str]]:
    """((stem of X, class), as written) of every compound modifier in a text."""
    return [((stem(base), kind), m.group()) for m, base, kind in _compound_matches(folded)]


def compound_supported(compound: tuple[str, str], data: frozenset[tuple[str, str]]) -> bool:
    base, kind = compound
    return any((base, accepted) in data for accepted in _SUPPORTED_BY.get(kind, (kind,)))


# --- names --------------------------------------------------------------------------------------------

_ACRONYM = re.compile(r"(?=(?:[^A-Z]*[A-Z]){2})[A-Z0-9]+(?:[-.][A-Z0-9]+)*")
_CAMEL = re.compile(r"[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*|[a-z]+[A-Z][A-Za-z0-9]*")
_CODE = re.compile(r"(?=[A-Za-z0-9.-]*[A-Za-z])(?=[A-Za-z0-9.-]*[0-9])[A-Za-z0-9]+(?:[-.][A-Za-z0-9]+)*")
_CAPITALISED = re.compile(r"[A-Z][a-z]+(?:['-][A-Za-z]+)*")
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)|\d+-in-\d+", re.IGNORECASE)  # "3rd", "3-in-1"
_VERSION = re.compile(r"\d+(?:\.\d+)+|\d+")
# Capitals that name nothing the product data could give.
_COMMON_CAPITALS = frozenset(
    """
    I OK AND OR THE FOR WITH NEW FREE DIY FAQ AM PM NOTE TIP TIPS YES NO BEST GREAT
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Mr Mrs Ms Dr
    """.split()
)
_SENTENCE_OPENERS = "\"'(•*-–:;"
_NAME_CUE = re.compile(
    r"\b(?:made|manufactured|produced|crafted|assembled|sourced|imported|grown|printed|designed|engineered)"
    r"\s+(?:in|from|by)\b|\b(?:compatible|works?|fits?|use|pairs?|syncs?|connects?)\s+with\b|\bfits\b"
    r"|\b(?:powered|certified|approved|licensed|tested|endorsed|recommended|named|voted|awarded)\s+by\b"
    r"|\bfrom\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_ORIGIN_BEFORE = re.compile(
    r"(?:made|manufactured|produced|crafted|assembled|built|sourced|imported|grown|printed|designed)\s+(?:in|from)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_CERTIFICATION_AFTER = re.compile(
    r"[\s-]*(?:certified|certification|approved|approval|listed|compliant|compliance|registered|standards?|mark)\b"
    r"|\s*(?:认证|标准)",
    re.IGNORECASE,
)
_CERTIFICATION_BEFORE = re.compile(
    r"(?:meets|meet|conforms\s+to|complies\s+with|compliant\s+with|certified\s+by|approved\s+by|tested\s+to)\s+$",
    re.IGNORECASE,
)


def _name_kind(token: str, first: bool, title_case: bool) -> bool:
    if token in _COMMON_CAPITALS or token.lower() in _STOP:
        return False
    if _ORDINAL.fullmatch(token):
        return False
    if _ACRONYM.fullmatch(token) or _CAMEL.fullmatch(token) or (len(token) >= 3 and _CODE.fullmatch(token)):
        return not token.isdigit()
    return bool(_CAPITALISED.fullmatch(token)) and not first and not title_case


def _name_groups(folded: str, taken: bytearray) -> Iterator[list[tuple[int, int]]]:
    for sentence in sentences(folded):
        tokens = [m.span() for m in _TOKEN.finditer(folded, sentence.start, sentence.end)]
        words = [folded[s:e] for s, e in tokens if folded[s].isalpha()]
        capitals = sum(w[0].isupper() for w in words)
        # A heading in Title Case capitalises every word: only acronyms and codes count there.
        title_case = len(words) >= 4 and capitals >= 0.6 * len(words)
        group: list[tuple[int, int]] = []
        for i, (start, end) in enumerate(tokens):
            token = folded[start:end]
            if token.islower() and token.isalpha():  # most words: no name, no version number
                if group:
                    yield group
                group = []
                continue
            joined = bool(group) and folded[group[-1][1] : start] in (" ", "-")
            first = i == 0 or folded[start - 1 : start] in _SENTENCE_OPENERS or folded[start - 2 : start] == ": "
            is_name = not any(taken[start:end]) and _name_kind(token, first, title_case)
            if first and not title_case and _CAPITALISED.fullmatch(token) and token.lower() not in _STOP:
                # A capitalised first word is a name only when another capitalised word follows it
                # ("Easy Glide ink"), not before an acronym ("Rated IP68").
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                follows = nxt and folded[end : nxt[0]] in (" ", "-") and _CAPITALISED.fullmatch(folded[nxt[0] : nxt[1]])
                is_name = bool(follows) and not any(taken[start:end]) and token not in _COMMON_CAPITALS
            version = joined and _VERSION.fullmatch(token) and not any(taken[start:end])
            if (is_name or version) and (joined or not group):
                group.append((start, end))
                continue
            if group:
                yield group
            group = [(start, end)] if is_name else []
        if group:
            yield group


def names_in(folded: str) -> list[str]:
    taken = bytearray(len(folded))
    for quantity in find_quantities(folded, include_unknown=True):
        taken[quantity.span.start : quantity.span.end] = b"\x01" * (quantity.span.end - quantity.span.start)
    found = []
    for group in _name_groups(folded, taken):
        text = folded[group[0][0] : group[-1][1]]
        if not _CAPITALISED.fullmatch(text):
            found.append(text)
    return found


_ANY_COUNTRY = re.compile("|".join(f"(?:{term.pattern.pattern})" for term in COUNTRY_MENTIONS), re.IGNORECASE)


_COUNTRY_TRIGGERS = tuple({trigger for term in COUNTRY_MENTIONS for trigger in term.triggers})


def _is_country(text: str) -> bool:
    # The triggers first: the country alternation costs 50 µs a search, and most names are no country.
    lowered = text.lower()
    return any(trigger in lowered for trigger in _COUNTRY_TRIGGERS) and bool(_ANY_COUNTRY.search(text))


def country_keys(text: str) -> set[str]:
    """The countries a name stands for: "American" and "USA" are both USA."""
    lowered = text.lower()
    return {term.key for term in COUNTRY_MENTIONS if next(term.finditer(text, lowered), None)}


# --- head nouns -----------------------------------------------------------------------------------

# The lexicon's materials by the words of their keys ("stainless_steel"); short ones ("abs", "pla")
# are acronyms, found as names.
_LEXICON_MATERIAL_HEADS = frozenset(word for term in MATERIALS for word in term.key.split("_") if len(word) > 3)
MATERIAL_HEADS = _LEXICON_MATERIAL_HEADS | frozenset(
    """
    paper cardboard paperboard foam fabric cloth canvas felt resin alloy fiber fibre pulp mesh stone marble
    polymer composite plastic metal wood leather steel rubber vinyl glass
    """.split()
)
FEATURE_HEADS = frozenset(
    """
    technology system design mechanism coating finish construction formula ink grip tip point barrel eraser
    display screen battery sensor motor lens function mode protection closure binding lining seal backing
    cover clip cap spine texture lead refill cartridge toner nib handle blade
    """.split()
)
_HEADS = MATERIAL_HEADS | FEATURE_HEADS
# Plain words, looked up in a set: one alternation of every head took a millisecond a draft.
_PLAIN_WORD_RE = re.compile(r"(?<![A-Za-z-])[A-Za-z]+(?![A-Za-z-])")
_DIMENSIONS = frozenset("wide long tall high deep thick thin".split())  # "4.5-inch wide backing"
_QUALIFIER_RE = re.compile(r"([A-Za-z][A-Za-z'-]*)\s$")


def _qualifiers(folded: str, head_start: int) -> list[tuple[int, int]]:
    """Up to two words right before a head noun that qualify it; praise is passed over."""
    found: list[tuple[int, int]] = []
    position = head_start
    for _ in range(3):
        m = _QUALIFIER_RE.search(folded, max(0, position - 40), position)
        if not m or m.end() != position:
            break
        word = m.group(1).lower()
        if m.group(1)[0].isupper() and m.start(1) > 0 and folded[m.start(1) - 2 : m.start(1)] not in (". ", ""):
            break  # a name ("HP ink") is judged as a name
        if word in _STOP or word in _DIMENSIONS or word.endswith("ly") or word[0].isdigit():
            break
        if word in PRAISE:  # praise stands outside what it praises: "high quality sensor"
            break
        found.append(m.span(1))
        position = m.start(1)
        if len(found) == 2:
            break
    return found[::-1]


# --- all of them ----------------------------------------------------------------------------------


def english_candidates(folded: str, taken: bytearray) -> list[Candidate]:
    """`taken` marks characters already read as quantities; compounds and names mark theirs."""
    found: list[Candidate] = []

    def take(start: int, end: int) -> None:
        taken[start:end] = b"\x01" * (end - start)

    for m, base, kind in _compound_matches(folded):
        if any(taken[m.start() : m.end()]):
            continue
        groups = [g for g in ("prefix", "base", "suffix") if g in m.groupdict()]
        words = tuple(m.span(g) for g in groups if m.start(g) >= 0)
        claim_kind = CERTIFICATION if kind == "certified" else COMPOUND
        found.append(Candidate(claim_kind, m.start(), m.end(), words, (stem(base), kind)))
        take(*m.span())
    for group in _name_groups(folded, taken):
        start, end = group[0][0], group[-1][1]
        before = folded[max(0, start - 40) : start]
        if len(group) == 1 and _CAPITALISED.fullmatch(folded[start:end]) and "-" not in folded[start:end]:
            # One capitalised word alone is as often a common noun in Title Case ("for Home and
            # Office") as a name: a name only where the clause says what it is ("compatible with Mac").
            if not (_NAME_CUE.search(clause_before(folded, start)) or _is_country(folded[start:end])):
                continue
        if _ORIGIN_BEFORE.search(before) or _is_country(folded[start:end]):
            kind = ORIGIN
        elif _CERTIFICATION_AFTER.match(folded, end) or _CERTIFICATION_BEFORE.search(before):
            kind = CERTIFICATION
        else:
            kind = NAME
        found.append(Candidate(kind, start, end, tuple(group)))
        take(start, end)
    for m in _HYPHENATED_RE.finditer(folded):
        if any(taken[m.start() : m.end()]) or m.group().lower() in PRAISE:
            continue
        if m.group().split("-")[0].lower() in _PRAISE_BASES:  # "hassle-free"
            continue
        parts = tuple(
            (s.start(), s.end())
            for s in re.finditer(r"[A-Za-z]+", m.group())
            if s.group().lower() not in _NEUTRAL_PARTS
        )
        found.append(Candidate(FEATURE, m.start(), m.end(), tuple((m.start() + s, m.start() + e) for s, e in parts)))
        take(*m.span())
    for m in _PLAIN_WORD_RE.finditer(folded):
        word = m.group().lower()
        if word not in _HEADS and not (word.endswith("s") and word[:-1] in _HEADS):
            continue
        qualifiers = [span for span in _qualifiers(folded, m.start()) if not any(taken[span[0] : span[1]])]
        if not qualifiers:
            continue
        head = m.group().lower().rstrip("s") if m.group().lower() not in MATERIAL_HEADS else m.group().lower()
        kind = MATERIAL if head in MATERIAL_HEADS or m.group().lower() in MATERIAL_HEADS else FEATURE
        found.append(Candidate(kind, qualifiers[0][0], m.end(), tuple(qualifiers), head=m.start()))
    return found
