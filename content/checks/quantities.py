"""Numbers with units, in English and Chinese, normalised so that "8 ounce" supports "8 oz",
"4 1/2-Inch" supports "4.5 inch" and "1 kg" supports "2.2 lbs"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from .base import Span
from .stopwords import ENGLISH_FUNCTION_WORDS
from .text import CJK_CHARS, CJK_RE, fold
from .words import stem


@dataclass(frozen=True)
class Unit:
    symbol: str  # how messages write it
    dimension: str  # units of one dimension convert into each other
    factor: float  # to the dimension's base unit


# (symbol, dimension, factor, spellings matched case-insensitively, spellings matched as written)
_UNIT_TABLE: list[tuple[str, str, float, tuple[str, ...], tuple[str, ...]]] = [
    # length, base metre
    ("mm", "length", 1e-3, ("mm", "millimeter", "millimeters", "millimetre", "millimetres", "毫米"), ()),
    ("cm", "length", 1e-2, ("cm", "centimeter", "centimeters", "centimetre", "centimetres", "厘米", "公分"), ()),
    ("m", "length", 1.0, ("meter", "meters", "metre", "metres", "米"), ("m",)),
    ("km", "length", 1e3, ("km", "kilometer", "kilometers", "kilometre", "kilometres", "公里", "千米"), ()),
    ("µm", "length", 1e-6, ("µm", "μm", "micron", "microns", "micrometer", "micrometers", "微米"), ("um",)),
    ("nm", "length", 1e-9, ("nm", "nanometer", "nanometers", "nanometre", "nanometres", "纳米"), ()),
    ("in", "length", 0.0254, ("inch", "inches", "in.", "in", '"', "''", "英寸", "英吋", "吋"), ()),
    ("ft", "length", 0.3048, ("ft", "feet", "foot", "'", "英尺", "呎"), ()),
    ("yd", "length", 0.9144, ("yd", "yds", "yard", "yards", "码"), ()),
    ("mil", "length", 2.54e-5, ("mil", "mils"), ()),
    # mass, base kilogram
    ("mg", "mass", 1e-6, ("mg", "milligram", "milligrams", "毫克"), ()),
    ("g", "mass", 1e-3, ("gram", "grams", "gramme", "grammes", "克"), ("g",)),
    ("kg", "mass", 1.0, ("kg", "kgs", "kilogram", "kilograms", "kilo", "kilos", "千克", "公斤"), ()),
    ("oz", "mass", 0.028349523125, ("oz", "ounce", "ounces", "盎司"), ()),
    ("lb", "mass", 0.45359237, ("lb", "lbs", "pound", "pounds", "磅"), ()),
    # volume, base litre
    ("ml", "volume", 1e-3, ("ml", "milliliter", "milliliters", "millilitre", "millilitres", "cc", "毫升"), ()),
    ("l", "volume", 1.0, ("liter", "liters", "litre", "litres", "升"), ("l", "L")),
    (
        "fl oz",
        "volume",
        0.0295735295625,
        ("fl oz", "fl. oz", "fl.oz", "fl. oz.", "floz", "fl", "fluid ounce", "fluid ounces", "液量盎司"),
        (),
    ),
    ("gal", "volume", 3.785411784, ("gal", "gals", "gallon", "gallons", "加仑"), ()),
    ("qt", "volume", 0.946352946, ("qt", "quart", "quarts"), ()),
    ("cu ft", "volume", 28.316846592, ("cu ft", "cu. ft.", "cubic foot", "cubic feet"), ()),
    # electrical
    ("V", "voltage", 1.0, ("v", "volt", "volts", "vac", "vdc", "伏", "伏特"), ()),
    ("A", "current", 1.0, ("amp", "amps", "ampere", "amperes", "安培"), ("A",)),
    ("mA", "current", 1e-3, ("milliamp", "milliamps"), ("mA",)),
    ("mAh", "charge", 1e-3, ("mah", "毫安时", "毫安"), ()),
    ("Ah", "charge", 1.0, (), ("Ah",)),
    ("W", "power", 1.0, ("w", "watt", "watts", "瓦", "瓦特"), ()),
    ("kW", "power", 1e3, ("kw", "kilowatt", "kilowatts", "千瓦"), ()),
    ("hp", "power", 745.699872, ("hp", "horsepower", "马力"), ()),
    ("Wh", "energy", 3600.0, ("wh",), ()),
    ("BTU", "energy", 1055.06, ("btu", "btus"), ()),
    ("Hz", "frequency", 1.0, ("hz", "hertz", "赫兹"), ()),
    ("kHz", "frequency", 1e3, ("khz",), ()),
    ("MHz", "frequency", 1e6, ("mhz",), ()),
    ("GHz", "frequency", 1e9, ("ghz",), ()),
    ("ohm", "resistance", 1.0, ("ohm", "ohms", "Ω", "欧姆"), ()),
    # pressure, base kPa
    ("psi", "pressure", 6.894757, ("psi",), ()),
    ("bar", "pressure", 100.0, ("bar",), ()),
    ("kPa", "pressure", 1.0, ("kpa",), ()),
    ("MPa", "pressure", 1e3, ("mpa",), ()),
    # temperature converts by formula, see _base_value
    (
        "°F",
        "temperature",
        1.0,
        ("°f", "ºf", "℉", "degrees f", "degree f", "deg f", "degrees fahrenheit", "fahrenheit", "华氏度"),
        (),
    ),
    (
        "°C",
        "temperature",
        1.0,
        ("°c", "ºc", "℃", "degrees c", "degree c", "deg c", "degrees celsius", "celsius", "摄氏度"),
        (),
    ),
    ("°", "angle", 1.0, ("°", "º", "degree", "degrees", "deg", "度"), ()),
    ("%", "percent", 1.0, ("%", "percent", "per cent"), ()),
    # time, base second
    ("s", "time", 1.0, ("sec", "secs", "second", "seconds", "秒"), ()),
    ("min", "time", 60.0, ("min", "mins", "minute", "minutes", "分钟"), ()),
    ("h", "time", 3600.0, ("hr", "hrs", "hour", "hours", "小时"), ("h",)),
    ("days", "time", 86400.0, ("day", "days", "天"), ()),
    ("weeks", "time", 604800.0, ("week", "weeks", "wk", "wks", "周", "星期"), ()),
    ("months", "time", 2629800.0, ("month", "months", "个月"), ()),
    ("years", "time", 31557600.0, ("year", "years", "yr", "yrs", "年"), ()),
    # counts: a "12 pack", "12 pieces" and "pack of 12" all say twelve
    (
        "count",
        "count",
        1.0,
        (
            "pack",
            "packs",
            "pk",
            "pc",
            "pcs",
            "piece",
            "pieces",
            "count",
            "ct",
            "item",
            "items",
            "set",
            "sets",
            "pair",
            "pairs",
            "sheet",
            "sheets",
            "roll",
            "rolls",
            "bottle",
            "bottles",
            "bag",
            "bags",
            "包",
            "件",
            "个",
            "片",
            "支",
            "只",
            "卷",
            "张",
            "套",
            "对",
            "盒",
            "袋",
            "瓶",
        ),
        (),
    ),
    # the rest do not convert
    ("grit", "grit", 1.0, ("grit", "目"), ()),
    ("mesh", "mesh", 1.0, ("mesh",), ()),
    ("gauge", "gauge", 1.0, ("gauge", "gage", "ga"), ()),
    ("AWG", "awg", 1.0, ("awg",), ()),
    ("TPI", "tpi", 1.0, ("tpi",), ()),
    ("DPI", "dpi", 1.0, ("dpi",), ()),
    ("PPI", "ppi", 1.0, ("ppi",), ()),
    ("rpm", "rpm", 1.0, ("rpm", "r/min", "转/分"), ()),
    ("mph", "speed", 0.44704, ("mph",), ()),
    ("km/h", "speed", 0.277778, ("km/h", "kph"), ()),
    ("CFM", "cfm", 1.0, ("cfm",), ()),
    ("GPM", "gpm", 1.0, ("gpm",), ()),
    ("lm", "lumen", 1.0, ("lm", "lumen", "lumens", "流明"), ()),
    ("lux", "lux", 1.0, ("lux",), ()),
    ("dB", "db", 1.0, ("db", "decibel", "decibels", "分贝"), ()),
    ("KB", "data", 1e3, ("kb",), ()),
    ("MB", "data", 1e6, ("mb",), ()),
    ("GB", "data", 1e9, ("gb",), ()),
    ("TB", "data", 1e12, ("tb",), ()),
    ("MP", "megapixel", 1.0, ("mp", "megapixel", "megapixels"), ()),
    ("ppm", "ppm", 1.0, ("ppm",), ()),
    ("N·m", "torque", 1.0, ("n-m", "newton meter", "newton meters", "newton-meters"), ()),
    ("ft-lb", "torque", 1.3558179, ("ft-lb", "ft-lbs", "ft. lbs", "foot-pounds", "foot pounds"), ()),
    ("in-lb", "torque", 0.1129848, ("in-lb", "in-lbs", "inch-pounds", "inch pounds"), ()),
]


# Electronics catalogs write SI prefixes on these units ("4.7uF", "10 kohm", "5 kV"); generated so the
# table does not list each (this is what pint would have added; see bench/RESULTS.md).
_SI_PREFIXES = {"p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3, "k": 1e3, "K": 1e3, "M": 1e6}
_PREFIXABLE = (("F", "capacitance"), ("H", "inductance"), ("V", "voltage"), ("A", "current"), ("W", "power"))
_UNIT_TABLE += [
    (prefix + base, dimension, factor, (), (prefix + base,))
    for base, dimension in _PREFIXABLE
    for prefix, factor in _SI_PREFIXES.items()
    if prefix not in "KM"  # "MA" is a state more often than a megaampere
]
_UNIT_TABLE += [
    (prefix + "ohm", "resistance", factor, (prefix + "ohm", prefix + "Ω"), ())
    for prefix, factor in _SI_PREFIXES.items()
    if prefix not in "mK"  # "mohm" would collide with "Mohm" once case is folded; "Kohm" is "kohm"
]
_UNIT_TABLE += [("ms", "time", 1e-3, ("ms", "msec"), ()), ("µs", "time", 1e-6, ("µs", "μs"), ())]


def _unit_key(spelling: str) -> str:
    """ "fl. oz." and "fl oz" are one unit: compare spellings without dots, spaces and case."""
    return re.sub(r"[\s.]", "", fold(spelling)).lower()


_UNITS_CI: dict[str, Unit] = {}
_UNITS_CS: dict[str, Unit] = {}
for _symbol, _dimension, _factor, _ci, _cs in _UNIT_TABLE:
    for _spelling in _ci:
        assert _UNITS_CI.get(_unit_key(_spelling), Unit(_symbol, _dimension, _factor)).symbol == _symbol, _spelling
        _UNITS_CI[_unit_key(_spelling)] = Unit(_symbol, _dimension, _factor)
    for _spelling in _cs:
        _UNITS_CS[_spelling] = Unit(_symbol, _dimension, _factor)

# "in" is also a preposition: "available in 3 sizes" must not become 3 inches.
_NOT_AFTER_IN = (
    "the a an each one two your any all its their our this that these those stock total size sizes use length "
    "diameter width height black white red blue green color colour colors colours"
).split()
_IN_NOT_BEFORE = rf"(?![\s-]*\d)(?!\s+(?:{'|'.join(_NOT_AFTER_IN)})\b)"


def _spelling_regex(spelling: str, case_sensitive: bool) -> str:
    body = re.escape(spelling).replace(r"\ ", r"\s*")
    if spelling in ("in", "in."):
        body += _IN_NOT_BEFORE
    if spelling[-1].isascii() and spelling[-1].isalnum():
        body += r"(?![A-Za-z0-9_])"
    elif spelling in ("'", "''"):
        body += r"(?![A-Za-z'])"
    return f"(?-i:{body})" if case_sensitive else body


_UNIT_ALT = "|".join(
    _spelling_regex(spelling, cs)
    for spelling, cs in sorted(
        [(s, False) for *_, spellings, _ in _UNIT_TABLE for s in spellings] + [(s, True) for s in _UNITS_CS],
        key=lambda item: -len(item[0]),
    )
)

_VULGAR = {"½": 0.5, "¼": 0.25, "¾": 0.75, "⅛": 0.125, "⅜": 0.375, "⅝": 0.625, "⅞": 0.875, "⅓": 1 / 3, "⅔": 2 / 3}
_DEN = r"(?:2|3|4|8|16|32|64|10|100)(?!\d)"
NUMBER = (
    rf"(?:\d{{1,2}}[ -]\d{{1,2}}/{_DEN}"  # 4 1/2, 4-1/2 (not "9018 3/4": a model number, then a size)
    rf"|\d+ ?[{''.join(_VULGAR)}]|[{''.join(_VULGAR)}]"  # 4½
    rf"|\d{{1,2}}/{_DEN}"  # 7/8
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?"  # 5,000
    r"|\d+(?:\.\d+)?|\.\d+)"
)
# Not inside a model number ("DW4524", "V1.5", "STCR5019-38", "400/170"); Chinese may touch digits.
_START = r"(?<![A-Za-z0-9_])(?<![0-9][.,])(?<![A-Za-z0-9]-)(?<![0-9]/)"
# 4 x 6 in, 3-32V, 10 to 20 minutes. Case is ignored, so "x" once: "x|X" gave each joint two ways to
# match, and "1 x 1 x 1 ..." with no unit at the end backtracked through all of them (exponential).
_JOIN = r"\s*(?:-|to|~|x|×|by|and|or)\s*"
_GAP = r"(?:\s?-\s?|\s{0,2})"
_WARRANTY = r"(?:[\s-]+(?:limited[\s-]+)?(?:warranty|guarantee)|\s*(?:质保|保修|保固))"
_QUANTITY_RE = re.compile(
    # At most four numbers share a unit (4 x 6 x 8 x 10 in): an unbounded chain made every start in a
    # long "1 x 1 x ..." rescan the rest of it.
    rf"{_START}(?P<numbers>-?{NUMBER}(?:{_JOIN}{NUMBER}){{0,3}}){_GAP}(?P<unit>{_UNIT_ALT})(?P<warranty>{_WARRANTY})?",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(rf"{_START}{NUMBER}")
_COUNT_OF_RE = re.compile(
    rf"(?<![A-Za-z])(?:pack|packs|set|sets|box|case|bag|package|carton|lot|bundle)\s+of\s+(?P<number>{NUMBER})"
    r"(?![0-9])",
    re.IGNORECASE,
)
_COUNT_PER_RE = re.compile(
    rf"{_START}(?P<number>{NUMBER})\s*(?:pieces\s+|pcs\s+|/|per\s+)(?:box|pack|bag|case|roll|carton|盒|包|袋)",
    re.IGNORECASE,
)
_COUNT_ZH_RE = re.compile(rf"{_START}(?P<number>{NUMBER})\s*(?:件|个|只|片|支|卷|包|张|瓶|对)?装")
# Open vocabulary: whatever word follows a number is its unit ("500 sheets", "20 LED", "3颗"), so a
# claim about a unit nobody listed is still a claim. Function words after a number are no unit ("3 in
# 1", "2 or 3"), an ordinal suffix makes no quantity ("3rd"), and a few nouns count how the product
# is used rather than what it is ("apply 2 coats", "3 times a day").
_OPEN_UNIT_RE = re.compile(
    rf"{_START}(?P<number>{NUMBER}){_GAP}(?P<unit>[A-Za-z]+(?:-[A-Za-z]+)*(?:'s)?|[{CJK_CHARS}])(?![0-9])"
)
_NOT_UNITS = ENGLISH_FUNCTION_WORDS | {
    *"x by per via vs versus each every plus times am pm st nd rd th".split(),
    *"coat coats step steps way ways hand hands project projects job jobs task tasks".split(),
    *"的 和 与 或 及 至 到 是 在 了 月 日 号 点 多 余 来 左 以 次 遍 步".split(),
}
_MODEL_NUMBER = re.compile(r"\d{5,}")
_NAME_BEFORE = re.compile(r"(?<![A-Za-z])(?:[A-Z]{2,}[A-Z0-9]*|[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*) $")
_ZH_COUNTED_RE = re.compile(
    r"(?<![第一二两三四五六七八九十])(?P<word>[二两三四五六七八九十]{1,3})"
    r"(?P<unit>[个件种颗粒层排条只双款色枚根张片支套包盒瓶袋组对道块寸米年天倍])"
)

_NUMBER_WORDS = {
    word: float(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12, "half": 0.5, "quarter": 0.25}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_UNITS_WORDS = "one two three four five six seven eight nine".split()
# "forty-five", "twenty one"
_NUMBER_WORDS |= {
    f"{tens}{sep}{unit}": float(value + i + 1)
    for tens, value in _TENS.items()
    for i, unit in enumerate(_UNITS_WORDS)
    for sep in ("-", " ")
}
_NUMBER_WORDS |= {tens: float(value) for tens, value in _TENS.items()}
_NUMBER_WORD_ALT = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))
_COUNT_WORD_ALT = "|".join(
    w for w in sorted(_NUMBER_WORDS, key=len, reverse=True) if w not in ("zero", "one", "half", "quarter")
)
_WORD_QUANTITY_RE = re.compile(
    rf"(?<![A-Za-z])(?P<word>{_NUMBER_WORD_ALT})[\s-]+(?P<unit>{_UNIT_ALT})(?P<warranty>{_WARRANTY})?",
    re.IGNORECASE,
)
# "twelve pens", "a dozen markers": counts spelled out, with any noun as the unit.
_WORD_COUNT_RE = re.compile(
    rf"(?<![A-Za-z-])(?P<word>{_COUNT_WORD_ALT})"
    r"[\s-]+(?P<unit>[A-Za-z]+)(?![A-Za-z])",
    re.IGNORECASE,
)
_ZH_DIGITS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_ZH_WARRANTY_RE = re.compile(r"(?P<word>[一二两三四五六七八九十]{1,3})(?P<unit>年|个月)(?P<warranty>质保|保修|保固)")


def parse_number(text: str) -> float:
    text = text.replace(",", "").strip()
    if text.startswith("-"):
        return -parse_number(text[1:])
    if text[-1] in _VULGAR:
        whole = text[:-1].strip()
        return (float(whole) if whole else 0.0) + _VULGAR[text[-1]]
    mixed = re.fullmatch(r"(\d+)[ -](\d+)/(\d+)", text)
    if mixed:
        return int(mixed[1]) + float(Fraction(int(mixed[2]), int(mixed[3])))
    if "/" in text:
        numerator, denominator = text.split("/")
        return float(Fraction(int(numerator), int(denominator)))
    return float(text)


def lookup_unit(spelling: str) -> Unit | None:
    spelling = fold(spelling).strip()
    return _UNITS_CS.get(spelling) or _UNITS_CI.get(_unit_key(spelling))


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: Unit | None  # None: an unknown unit, kept as written in `unit_text`
    span: Span  # the whole expression, "200x200mm" or "2-year warranty"
    text: str
    weak: bool = False  # the unit was read from the last number of a list ("4 x 6 in": the 4)
    unit_text: str = ""


def _numbers_in(group: str) -> list[str]:
    numbers = re.findall(NUMBER, group)
    if group.startswith("-"):  # "-40°C"; a hyphen between numbers is a range ("3-32V")
        numbers[0] = "-" + numbers[0]
    return numbers


def find_quantities(text: str, *, include_unknown: bool = False, after_names: bool = False) -> list[Quantity]:
    """Numbers with their units; `include_unknown` adds numbers whose unit is any other word (the
    open vocabulary of claims), with `unit` None and the word in `unit_text`, except a number right
    after an acronym or CamelCase name (a version or model: "DECT 6.0", "OfficeJet 5740") unless
    `after_names` (product data, where such a number still supports the same words in a draft)."""
    folded = fold(text)
    found: list[Quantity] = []
    # One flag per character, so telling whether a stretch is already read stays linear in the text.
    taken = bytearray(len(folded))

    def add(value: float, unit: Unit | None, start: int, end: int, weak: bool = False, unit_text: str = "") -> None:
        if unit is not None and unit.dimension == "time" and unit.symbol == "years" and _looks_like_a_date(value):
            return
        found.append(Quantity(value, unit, Span(start, end), text[start:end], weak, unit_text))

    def free(start: int, end: int) -> bool:
        return not any(taken[start:end])

    def take(start: int, end: int) -> None:
        taken[start:end] = b"\x01" * (end - start)

    for m in _QUANTITY_RE.finditer(folded):
        unit = lookup_unit(m["unit"])
        if unit is None:
            continue
        numbers = _numbers_in(m["numbers"])
        for i, number in enumerate(numbers):
            add(parse_number(number), unit, m.start(), m.end(), weak=i < len(numbers) - 1)
        take(*m.span())

    for m in _WORD_QUANTITY_RE.finditer(folded):
        unit = lookup_unit(m["unit"])
        # Number words are idioms as often as sizes ("one day", "one foot in front of the other",
        # "two pieces of advice", "one in ten"): count them for sizes, weights and the like spelled
        # out, and for a warranty ("two-year warranty"); "one" only for a warranty.
        if unit is None or not free(*m.span()) or unit.dimension == "count":
            continue
        idiomatic = m["word"].lower() == "one" or unit.dimension == "time" or m["unit"].lower() in ("in", "in.")
        if idiomatic and not m["warranty"]:
            continue
        add(_NUMBER_WORDS[_plain_words(m["word"])], unit, m.start(), m.end())
        take(*m.span())
    for m in _ZH_WARRANTY_RE.finditer(folded):
        if free(*m.span()):
            add(float(_zh_number(m["word"])), lookup_unit(m["unit"]), m.start(), m.end())
            take(*m.span())
    count = lookup_unit("count")
    for pattern in (_COUNT_OF_RE, _COUNT_PER_RE, _COUNT_ZH_RE):
        for m in pattern.finditer(folded):
            if free(*m.span()):
                add(parse_number(m["number"]), count, m.start(), m.end())
                take(*m.span())
    if include_unknown:
        _add_open_units(folded, add, free, take, after_names)
    found.sort(key=lambda q: (q.span.start, q.weak is False))
    return found


def _plain_words(word: str) -> str:
    return re.sub(r"\s+", " ", word.lower())


def _add_open_units(folded: str, add, free, take, after_names: bool) -> None:
    for m in _OPEN_UNIT_RE.finditer(folded):
        unit = m["unit"]
        ordinal = unit.lower() in ("st", "nd", "rd", "th") and m.start("unit") == m.end("number")
        if ordinal or unit.lower() in _NOT_UNITS or unit in _NOT_UNITS or not free(*m.span()):
            continue
        if folded[m.start() - 1 : m.start()] == "第":  # 第3代: an ordinal
            continue
        if _MODEL_NUMBER.fullmatch(m["number"]):  # "the 740000801 roll"
            continue
        if not after_names and _NAME_BEFORE.search(
            folded, max(0, m.start() - 30), m.start()
        ):  # "DECT 6.0 handsets", "OfficeJet 5740"
            continue
        add(parse_number(m["number"]), None, m.start(), m.end(), unit_text=unit)
        take(*m.span())
    for m in _WORD_COUNT_RE.finditer(folded):
        if m["unit"].lower() in _NOT_UNITS or not free(*m.span()):
            continue
        add(_NUMBER_WORDS[_plain_words(m["word"])], None, m.start(), m.end(), unit_text=m["unit"])
        take(*m.span())
    for m in _ZH_COUNTED_RE.finditer(folded):
        if free(*m.span()):
            add(float(_zh_number(m["word"])), None, m.start(), m.end(), unit_text=m["unit"])
            take(*m.span())


def _zh_number(word: str) -> int:
    if word == "十":
        return 10
    if word.startswith("十"):
        return 10 + _ZH_DIGITS[word[1]]
    if len(word) >= 2 and word[1] == "十":
        return _ZH_DIGITS[word[0]] * 10 + (_ZH_DIGITS[word[2]] if len(word) == 3 else 0)
    return _ZH_DIGITS[word[0]]


def _looks_like_a_date(value: float) -> bool:
    return value.is_integer() and 1900 <= value <= 2100


def find_numbers(text: str) -> list[tuple[float, Span]]:
    """Every number that stands on its own (not inside a model number)."""
    return [(parse_number(m.group()), Span(m.start(), m.end())) for m in _NUMBER_RE.finditer(fold(text))]


def _close(a: float, b: float, relative: float) -> bool:
    return abs(a - b) <= relative * max(abs(a), abs(b)) + 1e-9


def _base_value(q: Quantity) -> float:
    assert q.unit is not None
    if q.unit.symbol == "°F":
        return (q.value - 32) * 5 / 9
    return q.value * q.unit.factor


SAME_UNIT_TOLERANCE = 0.005  # "8 oz" and "8.0 oz"; not "8.2 oz"
CONVERTED_TOLERANCE = 0.03  # converted values are rounded: "10 yd" is 9.1 m, "1 kg" is 2.2 lb
_OUNCES = {"oz", "fl oz"}


def same_quantity(a: Quantity, b: Quantity) -> bool:
    if a.unit is None or b.unit is None:
        return False
    if a.unit.symbol == b.unit.symbol or {a.unit.symbol, b.unit.symbol} <= _OUNCES:
        # Product titles say "8 ounce" of a liquid as often as "8 fl oz".
        return _close(a.value, b.value, SAME_UNIT_TOLERANCE)
    if {a.unit.dimension, b.unit.dimension} == {"angle", "temperature"}:
        return _close(a.value, b.value, SAME_UNIT_TOLERANCE)  # "耐高温300度" and "300°F"
    if a.unit.dimension != b.unit.dimension:
        if {a.unit.symbol, b.unit.symbol} & _OUNCES and {a.unit.dimension, b.unit.dimension} <= {"mass", "volume"}:
            return _close(_ounce_as(a, b), _base_value(b if a.unit.symbol in _OUNCES else a), CONVERTED_TOLERANCE)
        return False
    return _close(_base_value(a), _base_value(b), CONVERTED_TOLERANCE)


def _ounce_as(a: Quantity, b: Quantity) -> float:
    """An ounce quantity read in the other one's dimension (8 oz of glue is also 237 ml)."""
    ounce, other = (a, b) if a.unit.symbol in _OUNCES else (b, a)
    factor = 0.0295735295625 if other.unit.dimension == "volume" else 0.028349523125
    return ounce.value * factor


def _is_count(q: Quantity) -> bool:
    return q.unit is not None and q.unit.dimension == "count"


def _same_counted(claim: Quantity, fact: Quantity) -> bool:
    """Counts of things: "12 pens" is supported by "12-Count" or "12 Pens", "3颗" by "3 buttons"
    (a Chinese measure word names no thing of its own), "75 pages" is not by "75 sheets"."""
    if not _close(claim.value, fact.value, SAME_UNIT_TOLERANCE):
        return False
    if claim.unit is None and fact.unit is None:
        zh = CJK_RE.fullmatch(claim.unit_text) or CJK_RE.fullmatch(fact.unit_text)
        return bool(zh) or stem(claim.unit_text) == stem(fact.unit_text)
    return (claim.unit is None and _is_count(fact)) or (_is_count(claim) and fact.unit is None)


@dataclass(frozen=True)
class FactQuantities:
    """What the product data says in numbers, read once per check."""

    quantities: tuple[Quantity, ...]
    loose_numbers: frozenset[float]  # numbers with no unit of their own, or a borrowed one
    counted: tuple[Quantity, ...] = ()  # numbers with a word no unit table knows ("4-Pocket")

    @classmethod
    def from_text(cls, text: str) -> FactQuantities:
        quantities = tuple(find_quantities(text))
        owned_at = {q.span.start: q for q in quantities if not q.weak}
        loose = {
            round(value, 6)
            for value, span in find_numbers(text)
            if not (span.start in owned_at and _close(owned_at[span.start].value, value, 1e-9))
        }
        loose |= {round(q.value, 6) for q in quantities if q.weak}
        counted = tuple(q for q in find_quantities(text, include_unknown=True, after_names=True) if q.unit is None)
        return cls(quantities, frozenset(loose), counted)

    def supports(self, claim: Quantity) -> bool:
        value = round(claim.value, 6)
        if claim.unit is None or _is_count(claim):
            if any(_same_counted(claim, fact) for fact in self.counted + self.quantities):
                return True
            if claim.unit is None:
                return False
        if any(same_quantity(claim, fact) for fact in self.quantities):
            return True
        # Titles often leave the unit of a size out ("12 Width", "1/4 x 250'"), and a unit read
        # from the end of a list is a guess: in both cases the bare number is enough.
        if claim.weak or claim.unit.dimension == "length":
            return value in self.loose_numbers
        return False

    def same_dimension(self, claim: Quantity) -> list[Quantity]:
        if claim.unit is None:
            return [q for q in self.counted + self.quantities if q.unit is None or _is_count(q)]
        return [q for q in self.quantities if q.unit and q.unit.dimension == claim.unit.dimension and not q.weak]
