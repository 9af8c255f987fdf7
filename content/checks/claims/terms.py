"""Claims the lexicon names (materials, origins, certifications, features, in English and Chinese,
under one key per idea), and the quiet cases every kind of claim shares: negations ("not
waterproof", "不含"), and materials named as what the product works on ("bonds wood and metal")."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lexicon import CERTIFICATION, CODED_CERTIFICATIONS, MATERIAL, TERMS, Term
from ..text import fold


@dataclass(frozen=True)
class Mention:
    key: str
    kind: str
    start: int
    end: int


# Each distinct trigger is looked for once per text, then only the terms it names run their regex:
# testing every term's triggers in turn cost 10 ms on a 200-word draft full of claims.
_TERMS_BY_TRIGGER: dict[str, list[Term]] = {}
for _term in TERMS:
    for _trigger in _term.triggers:
        _TERMS_BY_TRIGGER.setdefault(_trigger, []).append(_term)
_LONGEST_TRIGGER = max(map(len, _TERMS_BY_TRIGGER))
_WORD_TRIGGERS = [t for t in _TERMS_BY_TRIGGER if t.isascii() and t.isalnum()]  # "us" a word, "water" its start
_OTHER_TRIGGERS = [t for t in _TERMS_BY_TRIGGER if t not in _WORD_TRIGGERS]  # "u.s.a", "防水": anywhere


_WORDS = re.compile(r"[a-z0-9]+")


def _present_triggers(lowered: str) -> list[str]:
    """Triggers a text has: a short one ("us", "all") as a whole word, a longer one at a word's start
    ("water" in "waterproof"), one with dots or Chinese anywhere."""
    words = set(_WORDS.findall(lowered))
    prefixes = {word[:n] for word in words for n in range(4, min(len(word), _LONGEST_TRIGGER) + 1)}
    present = [trigger for trigger in _WORD_TRIGGERS if trigger in words or trigger in prefixes]
    return present + [trigger for trigger in _OTHER_TRIGGERS if trigger in lowered]


def term_mentions(text: str) -> list[Mention]:
    """Every lexicon match, overlapping ones included."""
    folded = fold(text)
    lowered = folded.lower()
    present = _present_triggers(lowered)
    terms = {id(t): t for trigger in present for t in _TERMS_BY_TRIGGER[trigger]}
    ordered = [t for t in TERMS if id(t) in terms]
    found = [
        Mention(term.key, term.kind, m.start(), m.end()) for term in ordered for m in term.pattern.finditer(folded)
    ]
    for name, coded, generic in CODED_CERTIFICATIONS:
        if name not in lowered:
            continue
        for m in coded.finditer(folded):
            found.append(Mention(f"{name}:{m['code'].upper()}", CERTIFICATION, m.start(), m.end()))
        if generic is not None:
            found += [Mention(name, CERTIFICATION, m.start(), m.end()) for m in generic.finditer(folded)]
    return [m for m in found if m.end > m.start]


def longest_first(mentions: list[Mention]) -> list[Mention]:
    """ "stainless steel" rather than "steel" inside it; "latex-free" rather than "latex"."""
    kept: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: (-(m.end - m.start), m.start)):
        if all(mention.end <= k.start or mention.start >= k.end for k in kept):
            kept.append(mention)
    return sorted(kept, key=lambda m: m.start)


_CLAUSE_END = re.compile(r"[.!?;:\n\u3002\uff01\uff1f\uff1b\uff1a]")
_NEGATION_END = re.compile(r"[.!?;:,\n\u3002\uff01\uff1f\uff1b\uff1a\uff0c\u3001]")
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_NEGATORS = frozenset(
    """
    not no never without isn't aren't wasn't weren't doesn't don't cannot can't nor neither lacks
    """.split()
)
_ZH_NEGATION = re.compile(r"(?:不|非|未|没有?|并非|不是|不含有?|不带|不使用|无需)\s*$")

# Words that, nearest before a material, say it is what the product works on, or what it is made of.
_APPLICATION = frozenset(
    """
    for on onto to into through cut cuts cutting bond bonds bonding glue glues gluing sand sands sanding
    grind grinds grinding drill drills drilling polish polishes polishing clean cleans cleaning seal seals
    sealing repair repairs repairing join joins joining fix fixes fixing attach attaches attaching adheres
    sticks like surfaces materials works ideal perfect suitable compatible between against
    remove removes removing mark marks marking engrave engraving weld welds welding solder soldering paint
    painting protect protects protecting shape shaping finish finishing deburr deburring fasten fastens
    fastening mount mounting mend mends patch patches than unlike versus vs replaces instead under beneath
    over around inside behind write writes writing print prints printing
    """.split()
)
_COMPOSITION = frozenset(
    """
    made crafted constructed built forged molded moulded cast machined composed consisting consists features
    featuring solid pure genuine real premium durable sturdy quality its construction
    """.split()
)
_COMPOSITION_AFTER = re.compile(
    r"^[\s-]*(?:construction|body|housing|frame|blade|blades|handle|handles|shell|case|casing|jaws|bristles|barrel)\b"
    r"|^\s*(?:材质|制成|制造|打造|材料|面料)",
    re.IGNORECASE,
)
_ZH_APPLICATION = re.compile(r"适用于|可用于|用于|适合|粘接|粘合|粘|打磨|切割|钻孔|抛光|清洁|修补|焊接|比")
_ZH_COMPOSITION = re.compile(r"采用|选用|精选|由|材质|制成|面料")
_LOOK_BACK_WORDS = 8
_NON_BEFORE = re.compile(r"(?<![A-Za-z])non[\s-]?$", re.IGNORECASE)  # "Non-Latex" says there is no latex


def clause_before(text: str, start: int, ends: re.Pattern[str] = _CLAUSE_END) -> str:
    window = text[max(0, start - 80) : start]
    return window[max((m.end() for m in ends.finditer(window)), default=0) :]


def negated(text: str, start: int) -> bool:
    # A negation reaches to the next comma: "No Mess, Non-Toxic" (a real title) says non-toxic.
    before = clause_before(text, start, _NEGATION_END)
    if _ZH_NEGATION.search(before) or _NON_BEFORE.search(before):
        return True
    last_words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(before)][-3:]
    for i, word in enumerate(last_words):
        not_only = word == "not" and i + 1 < len(last_words) and last_words[i + 1] in ("only", "just")
        if word in _NEGATORS and not not_only:
            return True
    return False


def names_a_use(text: str, start: int, end: int) -> bool:
    """True when a material is what the product works on ("sands wood and metal")."""
    if _COMPOSITION_AFTER.search(text[end : end + 20]):
        return False
    before = clause_before(text, start)
    for word in reversed(_WORD.findall(before)[-_LOOK_BACK_WORDS:]):
        word = word.lower()
        if word in _COMPOSITION:
            return False
        if word in _APPLICATION:
            return True
    zh_before = before[-12:]
    application = [m.end() for m in _ZH_APPLICATION.finditer(zh_before)]
    composition = [m.end() for m in _ZH_COMPOSITION.finditer(zh_before)]
    return bool(application) and (not composition or application[-1] > composition[-1])


def free_of(text: str, end: int) -> bool:
    return bool(re.match(r"[\s-]*free\b", text[end : end + 8], re.IGNORECASE))


def draft_mentions(text: str) -> list[Mention]:
    kept = []
    for mention in longest_first(term_mentions(text)):
        if negated(text, mention.start):
            continue
        if mention.kind == MATERIAL and (names_a_use(text, mention.start, mention.end) or free_of(text, mention.end)):
            continue
        kept.append(mention)
    return kept
