"""Builds claims.json, the planted set for the unsupported-claims check, from the real product copy
in ../shared/data/product-copy (read its README). Run once; the output is committed so tests and
bench/claims.py never need the shared data:

    .venv/bin/python tests/content/checks/planted/build.py

Each case is a text, the product facts it is checked against, and one marked span that must be
flagged ("claim") or must not be ("supported"). The spans are chosen from the data, not by the check:

- claim: a sentence of product A's real description that states one of A's own facts (a spec in
  A's title, A's origin, A's certification; in Chinese one of A's attribute values, a number with a
  measure word), checked against the facts of a similar product B (same brand; same garment type)
  that do not give it;
- supported: one of B's facts in B's own real description, or restated in other words from a small
  set of rewrites (number words, unit spellings and conversions, hyphens, "free of X").
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parents[4] / ".." / "shared" / "data" / "product-copy"
OUT = Path(__file__).with_name("claims.json")
random.seed(10)

_MATERIALS = (
    "stainless steel|steel|aluminum|bamboo|leather|plastic|vinyl|nylon|polyester|cotton|rubber|silicone|glass|"
    "brass|copper|cardboard|kraft|recycled|canvas|cork|foam|acrylic|polypropylene|felt|cedar|wood|metal"
)
_SHAPES = {
    "quantity": re.compile(r"(?<![\w./])\d+(?:\.\d+)?(?:[\s-]?(?:[A-Za-z]{2,}|\")|%)(?![\w])"),
    "name": re.compile(
        r"(?<![\w.-])(?:[A-Z]{2,}[A-Z0-9]*|[A-Za-z]*[a-z][A-Z]\w*|(?=\w*\d)(?=\w*[A-Za-z])\w{3,})(?![\w-])"
    ),
    "compound": re.compile(
        r"(?i)(?<![\w-])(?:\w+-(?:free|proof|resistant|certified|compatible|safe)|non-\w+|anti-\w+)(?![\w-])"
    ),
    "material": re.compile(rf"(?i)(?<![\w-])(?:{_MATERIALS})(?![\w-])"),
    "feature": re.compile(r"(?<![\w-])[A-Za-z]{3,}-[A-Za-z]{3,}(?![\w-])"),
}
_ORIGIN = re.compile(r"[Mm]ade in (?:the )?(?:[A-Z][A-Za-z.]+)(?: [A-Z][a-z]+)?")
_CERTIFICATION = re.compile(
    r"\b(?:[A-Z]{2,}[\s-](?:[Cc]ertified|[Aa]pproved|[Ll]isted|[Cc]ompliant)|ASTM D-?\d+|ISO \d{4,5})"
)
_SENTENCE = re.compile(r"[^.!?]{20,300}[.!?]")


def _facts_blob(row: dict) -> str:
    return re.sub(r"[^a-z0-9]", "", " ".join((row["title"], row["brand"], row["category"])).lower())


def _sentence_with(text: str, pattern: str) -> tuple[str, int, int] | None:
    for sentence in _SENTENCE.finditer(text):
        m = re.search(rf"(?<![\w-]){re.escape(pattern)}(?![\w-])", sentence.group(), re.IGNORECASE)
        if m:
            return sentence.group().strip(), *_shift(sentence.group(), m)
    return None


def _shift(sentence: str, m: re.Match[str]) -> tuple[int, int]:
    lead = len(sentence) - len(sentence.lstrip())
    return m.start() - lead, m.end() - lead


def _facts(row: dict) -> dict:
    return {"title": row["title"], "brand": row["brand"], "category": row["category"]}


def english_claims(rows: list[dict], per_kind: int) -> list[dict]:
    by_brand = defaultdict(list)
    for row in rows:
        if row["brand"]:
            by_brand[row["brand"]].append(row)
    cases: dict[str, list[dict]] = defaultdict(list)
    pairs = [(a, b) for group in by_brand.values() if len(group) > 1 for a in group for b in group[:3] if a is not b]
    random.shuffle(pairs)
    for a, b in pairs:
        blob = _facts_blob(b)
        found = [(kind, m.group()) for kind, shape in _SHAPES.items() for m in shape.finditer(a["title"])]
        found += [("origin", m.group()) for m in _ORIGIN.finditer(a["description"])]
        found += [("certification", m.group()) for m in _CERTIFICATION.finditer(a["description"])]
        for kind, said in found:
            if len(cases[kind]) >= per_kind or re.sub(r"[^a-z0-9]", "", said.lower()) in blob:
                continue
            if kind == "origin" and re.sub(r"[^a-z0-9]", "", said.split()[-1].lower()) in blob:
                continue  # the data names the country: "USA" in a title supports "made in USA"
            if kind == "quantity" and re.fullmatch(r"[\d.]+[\s-]?(?:for|and|or|to|of|in|with|x|by)", said, re.I):
                continue
            if said.lower() == a["brand"].lower() or any(c["source"].startswith(a["sku"]) for c in cases[kind]):
                continue
            hit = _sentence_with(a["description"], said)
            if hit:
                text, start, end = hit
                cases[kind].append(_case("en", kind, "claim", _facts(b), text, start, end, f"{a['sku']} vs {b['sku']}"))
    return [case for kind_cases in cases.values() for case in kind_cases]


# Restatements in other words: (pattern on a title, rewrite of the match, kind).
_REWRITES = [
    (r"(\d+)[\s-]?(?:Count|Pack|Pk|Pcs)\b", lambda m: f"{_words(int(m[1]))} of them", "quantity"),
    (r"Pack of (\d+)", lambda m: f"{m[1]} pieces", "quantity"),
    (r"(?<![\d./])(\d+(?:\.\d+)?)\s?(?:mm|MM)\b", lambda m: f"{m[1]} millimeters", "quantity"),
    (r"(?<![\d./])(\d+(?:\.\d+)?)\s?(?:-Inch|\"|inch|Inch|in\.)", lambda m: f"{float(m[1]) * 2.54:.1f} cm", "quantity"),
    (r"(?<![\d./])(\d+(?:\.\d+)?)\s?(?:-Inch|\"|inch|Inch)", lambda m: f"{m[1]} inches", "quantity"),
    (r"(\d+)\s?(?:lb|lbs|LB)\b", lambda m: f"{m[1]}-pound", "quantity"),
    (r"(\d+)\s?(?:oz|Oz|OZ|ounce|Ounce)\b", lambda m: f"{float(m[1]) * 28.35:.0f} g", "quantity"),
    (r"(\d+)\s?(?:Sheets|sheets)\b", lambda m: f"{m[1]} sheets of paper", "quantity"),
    (r"(\w+)-Free\b", lambda m: f"free of {m[1].lower()}", "compound"),
    (r"(\w+)[\s-]Resistant\b", lambda m: f"{m[1].lower()}-resistant", "compound"),
    (r"Non-(\w+)", lambda m: f"non{m[1].lower()}", "compound"),
    (
        r"\b(Stainless Steel|Aluminum|Leather|Plastic|Vinyl|Nylon|Polypropylene|Cardboard|Bamboo|Wood|Metal)\b",
        lambda m: f"made of {m[1].lower()}",
        "material",
    ),
    (r"\b(Recycled) (\w+)", lambda m: f"{m[2].lower()} made from {m[1].lower()} material", "material"),
    (r"\b([A-Z][a-z]+) (Point|Tip|Grip|Ink)\b", lambda m: f"a {m[1].lower()}-{m[2].lower()}", "feature"),
    (
        r"\b([A-Z][a-z]+)[\s-](Bound|Sided|Duty|Ruled|Adhesive|Locking|Inking)\b",
        lambda m: f"{m[1].lower()}-{m[2].lower()}",
        "feature",
    ),
    (r"\b([A-Z]{2,}\d*|[A-Z]+\d+[A-Z0-9]*)\b", lambda m: m[1], "name"),
]
_NUMBER_WORDS = "zero one two three four five six seven eight nine ten eleven twelve".split()


def _words(n: int) -> str:
    return _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)


def english_supported(rows: list[dict], per_kind: int) -> list[dict]:
    cases: dict[str, list[dict]] = defaultdict(list)
    shuffled = rows[:]
    random.shuffle(shuffled)
    for row in shuffled:
        for pattern, rewrite, kind in _REWRITES:
            m = re.search(pattern, row["title"])
            if not m or len(cases[kind]) >= per_kind or (kind == "name" and m[1] == row["brand"].upper()):
                continue
            phrase = rewrite(m)
            lead = "This product comes as " if kind == "quantity" else "It is "
            text = f"{lead}{phrase}, as listed."
            start = len(lead)
            cases[kind].append(
                _case("en", kind, "supported", _facts(row), text, start, start + len(phrase), row["sku"])
            )
            break
        own = _own_restatement(row)
        if own and len(cases["own"]) < per_kind:
            cases["own"].append(own)
    return [case for kind_cases in cases.values() for case in kind_cases]


def _own_restatement(row: dict) -> dict | None:
    """A spec of the title that the product's own description states again."""
    for kind, shape in _SHAPES.items():
        for m in shape.finditer(row["title"]):
            if m.group().lower() == row["brand"].lower():
                continue
            hit = _sentence_with(row["description"], m.group())
            if hit:
                text, start, end = hit
                return _case("en", kind, "supported", _facts(row), text, start, end, row["sku"])
    return None


_ZH_FEATURE_KEYS = {
    "衣门襟",
    "裙衣门襟",
    "衣领型",
    "裙领型",
    "衣袖型",
    "裙袖型",
    "裤口",
    "裤腰型",
    "裙腰型",
    "裙下摆",
    "衣款式",
}
_ZH_COUNT = re.compile(r"(?:\d+|[两二三四五六七八九十]{1,2})[个件种颗粒层排条只双款色根米厘寸倍]")


def _attributes(row: dict) -> dict:
    pairs = [part.split(": ", 1) for part in row["attributes"].split(" | ")]
    merged: dict[str, str] = {}
    for key, value in pairs:
        merged[key] = f"{merged[key]}、{value}" if key in merged else value
    return merged


def _zh_sentence_with(text: str, said: str) -> tuple[str, int, int] | None:
    for sentence in re.split(r"(?<=[。！？])", text):
        at = sentence.find(said)
        if at >= 0 and len(sentence) >= 8:
            return sentence, at, at + len(said)
    return None


def chinese(rows: list[dict], per_kind: int) -> list[dict]:
    by_type = defaultdict(list)
    for row in rows:
        by_type[row["category"]].append(row)
    cases: dict[tuple[str, str], list[dict]] = defaultdict(list)
    shuffled = rows[:]
    random.shuffle(shuffled)
    for a in shuffled:
        b = random.choice(by_type[a["category"]])
        a_attributes, b_attributes = _attributes(a), _attributes(b)
        b_text = " ".join(f"{k}: {v}" for k, v in b_attributes.items())
        facts = {"title": b["category"], "brand": "", "category": "", "attributes": b_attributes}
        for key, value in a_attributes.items():
            kind = "material" if key == "材质" else "feature" if key in _ZH_FEATURE_KEYS else None
            if kind and value not in b_text and len(cases[(kind, "claim")]) < per_kind:
                hit = _zh_sentence_with(a["description"], value)
                if hit:
                    cases[(kind, "claim")].append(_case("zh", kind, "claim", facts, *hit, f"{a['id']} vs {b['id']}"))
        m = _ZH_COUNT.search(a["description"])
        if m and m.group() not in b_text and len(cases[("quantity", "claim")]) < per_kind:
            hit = _zh_sentence_with(a["description"], m.group())
            if hit:
                cases[("quantity", "claim")].append(
                    _case("zh", "quantity", "claim", facts, *hit, f"{a['id']} vs {b['id']}")
                )
        own = {"title": a["category"], "brand": "", "category": "", "attributes": a_attributes}
        for key, value in a_attributes.items():
            kind = "material" if key == "材质" else "feature" if key in _ZH_FEATURE_KEYS else None
            if kind and len(cases[(kind, "supported")]) < per_kind:
                hit = _zh_sentence_with(a["description"], value)
                if hit:
                    cases[(kind, "supported")].append(_case("zh", kind, "supported", own, *hit, a["id"]))
    return [case for kind_cases in cases.values() for case in kind_cases]


def _case(lang: str, kind: str, expect: str, facts: dict, text: str, start: int, end: int, source: str) -> dict:
    return {
        "lang": lang,
        "kind": kind,
        "expect": expect,
        "facts": facts,
        "text": text,
        "span": [start, end],
        "source": source,
    }


def main() -> None:
    with open(DATA / "products.csv", newline="") as handle:
        products = [row for row in csv.DictReader(handle)]
    with open(DATA / "zh_advertisegen.csv", newline="") as handle:
        ads = list(csv.DictReader(handle))
    cases = english_claims(products, 25) + english_supported(products, 12) + chinese(ads, 15)
    for number, case in enumerate(cases):
        case["id"] = f"{case['lang']}-{case['expect']}-{case['kind']}-{number:03d}"
    OUT.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
    counts = defaultdict(int)
    for case in cases:
        counts[(case["lang"], case["expect"], case["kind"])] += 1
    for key in sorted(counts):
        print(*key, counts[key])
    print("total", len(cases))


if __name__ == "__main__":
    main()
