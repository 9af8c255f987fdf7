"""Words that make a factual claim about a product: materials, countries of origin, certifications
and features, in English and Chinese, each under one key so a Chinese draft's 防水 is supported by
English product data saying "Waterproof"."""

from __future__ import annotations

import re
from dataclasses import dataclass

MATERIAL = "material"
ORIGIN = "origin"
CERTIFICATION = "certification"
FEATURE = "feature"


@dataclass(frozen=True)
class Term:
    key: str
    kind: str
    pattern: re.Pattern[str]
    implied_by: frozenset[str] = frozenset()  # facts naming one of these keys support this one too
    # Lower-case strings one of which any match contains: a cheap test that skips the regex for the
    # many terms a text never mentions (this keeps the check at about a millisecond per draft).
    triggers: tuple[str, ...] = ()

    def finditer(self, text: str, lowered: str):
        if any(trigger in lowered for trigger in self.triggers):
            yield from self.pattern.finditer(text)


def _en(phrase: str) -> str:
    """Any run of spaces or hyphens between words, or none: "water proof" matches "waterproof",
    "water-proof" and "water proof"; edges only against Latin letters and digits."""
    body = r"[\s\-]*".join(re.escape(word) for word in phrase.split())
    return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"


def _term(key: str, kind: str, en=(), zh=(), raw=(), implied_by=(), triggers=()) -> Term:
    """en: phrases matched case-insensitively; zh: literal Chinese; raw: regexes as written, with
    `triggers` (defaults to the key) for the cheap pre-test."""
    alternatives = sorted([_en(p) for p in en] + [re.escape(p) for p in zh], key=len, reverse=True) + list(raw)
    trigger_list = [p.split()[0].lower() for p in en] + [p.lower() for p in zh]
    if raw:
        trigger_list += list(triggers) or [key.split("_")[0]]
    return Term(
        key,
        kind,
        re.compile("|".join(alternatives), re.IGNORECASE),
        frozenset(implied_by),
        tuple(dict.fromkeys(trigger_list)),
    )


_METALS = tuple(
    """
    stainless_steel carbon_steel steel aluminum brass copper bronze titanium zinc galvanized cast_iron
    nickel tungsten tungsten_carbide chrome_vanadium
    """.split()
)
_PLASTICS = tuple(
    """
    abs pla petg tpu pvc ptfe nylon polypropylene polyethylene polycarbonate acrylic vinyl polyurethane
    """.split()
)

MATERIALS = [
    _term("stainless_steel", MATERIAL, ["stainless steel", "stainless", "inox"], ["不锈钢"]),
    _term("carbon_steel", MATERIAL, ["carbon steel"], ["碳钢"]),
    _term("steel", MATERIAL, ["steel"], ["钢"], implied_by=["stainless_steel", "carbon_steel", "chrome_vanadium"]),
    _term("aluminum", MATERIAL, ["aluminum", "aluminium"], ["铝合金", "铝"]),
    _term("brass", MATERIAL, ["brass"], ["黄铜"]),
    _term("copper", MATERIAL, ["copper"], ["紫铜", "纯铜", "铜"], implied_by=["brass", "bronze"]),
    _term("bronze", MATERIAL, ["bronze"], ["青铜"]),
    _term("titanium", MATERIAL, ["titanium"], ["钛合金", "钛"]),
    _term("galvanized", MATERIAL, ["galvanized", "galvanised", "zinc plated", "zinc coated"], ["镀锌"]),
    _term("zinc", MATERIAL, ["zinc"], ["锌"], implied_by=["galvanized"]),
    _term("cast_iron", MATERIAL, ["cast iron"], ["铸铁"]),
    _term("nickel", MATERIAL, ["nickel"], ["镍"]),
    _term("tungsten_carbide", MATERIAL, ["tungsten carbide", "carbide"], ["碳化钨", "硬质合金"]),
    _term("tungsten", MATERIAL, ["tungsten"], ["钨"], implied_by=["tungsten_carbide"]),
    _term("chrome_vanadium", MATERIAL, ["chrome vanadium", "chromium vanadium", "cr v"], ["铬钒"]),
    _term("nitrile", MATERIAL, ["nitrile"], ["丁腈"]),
    _term("latex", MATERIAL, ["latex"], ["乳胶"]),
    _term("neoprene", MATERIAL, ["neoprene"], ["氯丁橡胶"]),
    _term("silicone", MATERIAL, ["silicone", "siliconized"], ["硅胶", "硅橡胶", "有机硅"]),
    _term("rubber", MATERIAL, ["rubber"], ["橡胶"], implied_by=["nitrile", "latex", "neoprene", "silicone"]),
    _term("polyurethane", MATERIAL, ["polyurethane", "urethane"], ["聚氨酯"]),
    _term("polyester", MATERIAL, ["polyester"], ["涤纶", "聚酯"]),
    _term("nylon", MATERIAL, ["nylon"], ["尼龙"]),
    _term("polypropylene", MATERIAL, ["polypropylene"], ["聚丙烯"]),
    _term(
        "polyethylene",
        MATERIAL,
        ["polyethylene"],
        ["聚乙烯"],
        raw=[r"(?-i:(?<![A-Za-z0-9])[HL]DPE(?![A-Za-z0-9]))"],
        triggers=["dpe"],
    ),
    _term("polycarbonate", MATERIAL, ["polycarbonate"], ["聚碳酸酯"]),
    _term("acrylic", MATERIAL, ["acrylic", "plexiglass", "plexiglas"], ["亚克力", "有机玻璃"]),
    _term("vinyl", MATERIAL, ["vinyl"], ["乙烯基"]),
    _term("pvc", MATERIAL, [], ["聚氯乙烯"], raw=[r"(?-i:(?<![A-Za-z0-9])PVC(?![A-Za-z0-9]))"], triggers=["pvc"]),
    _term("abs", MATERIAL, [], [], raw=[r"(?-i:(?<![A-Za-z0-9])ABS(?![A-Za-z0-9]))"]),
    _term("pla", MATERIAL, [], [], raw=[r"(?-i:(?<![A-Za-z0-9])PLA(?![A-Za-z0-9]))"]),
    _term("petg", MATERIAL, [], [], raw=[r"(?-i:(?<![A-Za-z0-9])PETG(?![A-Za-z0-9]))"]),
    _term("tpu", MATERIAL, [], [], raw=[r"(?-i:(?<![A-Za-z0-9])TPU(?![A-Za-z0-9]))"]),
    _term(
        "ptfe",
        MATERIAL,
        ["teflon"],
        ["聚四氟乙烯", "特氟龙"],
        raw=[r"(?-i:(?<![A-Za-z0-9])PTFE(?![A-Za-z0-9]))"],
        triggers=["ptfe"],
    ),
    _term("fiberglass", MATERIAL, ["fiberglass", "fibreglass", "glass fiber", "glass fibre"], ["玻璃纤维", "玻纤"]),
    _term("carbon_fiber", MATERIAL, ["carbon fiber", "carbon fibre"], ["碳纤维"]),
    _term("borosilicate", MATERIAL, ["borosilicate"], ["高硼硅"]),
    _term("glass", MATERIAL, ["glass"], ["玻璃"], implied_by=["borosilicate"]),
    _term("ceramic", MATERIAL, ["ceramic"], ["陶瓷"]),
    _term("porcelain", MATERIAL, ["porcelain"], ["瓷"]),
    _term("cotton", MATERIAL, ["cotton"], ["纯棉", "棉"]),
    _term("wool", MATERIAL, ["wool"], ["羊毛"]),
    _term("leather", MATERIAL, ["leather"], ["真皮", "皮革"]),
    _term("bamboo", MATERIAL, ["bamboo"], ["竹"]),
    _term(
        "wood", MATERIAL, ["wood", "wooden", "hardwood", "solid wood"], ["实木", "木制", "木质"], implied_by=["bamboo"]
    ),
    _term("cork", MATERIAL, ["cork"], ["软木"]),
    _term("microfiber", MATERIAL, ["microfiber", "microfibre"], ["超细纤维"]),
    _term("kevlar", MATERIAL, ["kevlar", "aramid"], ["芳纶"]),
    _term("metal", MATERIAL, ["metal", "all metal"], ["金属"], implied_by=_METALS),
    _term("plastic", MATERIAL, ["plastic"], ["塑料"], implied_by=_PLASTICS),
]

# key: (names, adjectives, Chinese names); names case-insensitive except where written as a regex
_COUNTRIES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "USA": (
        ("USA", "U.S.A.", "U.S.A", "U.S.", "United States", "United States of America", "America"),
        ("American",),
        ("美国",),
    ),
    "Italy": (("Italy",), ("Italian",), ("意大利",)),
    "Germany": (("Germany",), ("German",), ("德国",)),
    "Japan": (("Japan",), ("Japanese",), ("日本",)),
    "China": (("China", "PRC"), ("Chinese",), ("中国",)),
    "Taiwan": (("Taiwan",), ("Taiwanese",), ("台湾",)),
    "Korea": (("Korea", "South Korea"), ("Korean",), ("韩国",)),
    "France": (("France",), ("French",), ("法国",)),
    "UK": (("UK", "U.K.", "United Kingdom", "England", "Great Britain", "Britain"), ("British",), ("英国",)),
    "Switzerland": (("Switzerland",), ("Swiss",), ("瑞士",)),
    "Sweden": (("Sweden",), ("Swedish",), ("瑞典",)),
    "Canada": (("Canada",), ("Canadian",), ("加拿大",)),
    "Mexico": (("Mexico",), ("Mexican",), ("墨西哥",)),
    "India": (("India",), ("Indian",), ("印度",)),
    "Vietnam": (("Vietnam", "Viet Nam"), ("Vietnamese",), ("越南",)),
    "Spain": (("Spain",), ("Spanish",), ("西班牙",)),
    "Austria": (("Austria",), ("Austrian",), ("奥地利",)),
    "Denmark": (("Denmark",), ("Danish",), ("丹麦",)),
    "Netherlands": (("Netherlands", "Holland"), ("Dutch",), ("荷兰",)),
    "Israel": (("Israel",), ("Israeli",), ("以色列",)),
    "Australia": (("Australia",), ("Australian",), ("澳大利亚", "澳洲")),
    "Czech Republic": (("Czech Republic", "Czechia"), ("Czech",), ("捷克",)),
    "Poland": (("Poland",), (), ("波兰",)),
    "Finland": (("Finland",), ("Finnish",), ("芬兰",)),
    "Norway": (("Norway",), ("Norwegian",), ("挪威",)),
    "Brazil": (("Brazil",), ("Brazilian",), ("巴西",)),
    "Thailand": (("Thailand",), ("Thai",), ("泰国",)),
    "Malaysia": (("Malaysia",), ("Malaysian",), ("马来西亚",)),
    "Turkey": (("Turkey", "Türkiye"), ("Turkish",), ("土耳其",)),
    "Portugal": (("Portugal",), ("Portuguese",), ("葡萄牙",)),
    "Belgium": (("Belgium",), ("Belgian",), ("比利时",)),
    "Ireland": (("Ireland",), ("Irish",), ("爱尔兰",)),
    "New Zealand": (("New Zealand",), (), ("新西兰",)),
    "Indonesia": (("Indonesia",), ("Indonesian",), ("印度尼西亚", "印尼")),
    "Philippines": (("Philippines",), ("Filipino",), ("菲律宾",)),
}
_US_ABBREVIATION = r"(?-i:US)(?![A-Za-z])"  # "US" only in capitals: "made in us" is not a claim


def _alternation(phrases, extra=()) -> str:
    return "(?:" + "|".join(sorted((_en(p) for p in phrases), key=len, reverse=True) + list(extra)) + ")"


def _origin_term(country: str, names, adjectives, zh) -> Term:
    extra = [_US_ABBREVIATION] if country == "USA" else []
    name = _alternation(names, extra)
    made = r"(?:made|manufactured|produced|built|assembled|crafted|designed|engineered|forged)"
    patterns = [
        rf"(?:proudly[\s-]+)?{made}[\s-]+in[\s-]+(?:the[\s-]+)?{name}",
        rf"{name}[\s-]+{made}(?![A-Za-z])",
        rf"(?<![A-Za-z])(?:imported[\s-]+|shipped[\s-]+|sourced[\s-]+)?from[\s-]+(?:the[\s-]+)?{name}",
    ]
    if adjectives:
        patterns.append(rf"{_alternation(adjectives)}[\s-]+(?:{made}|engineering|craftsmanship)(?![A-Za-z])")
    if zh:
        zh_names = "(?:" + "|".join(map(re.escape, zh)) + ")"
        patterns.append(rf"{zh_names}(?:制造|生产|製造|原产|出品|原装进口|进口|产)")
        patterns.append(rf"(?:产自|产于|原产于|原产地为?[:：]?|来自|进口自)\s*{zh_names}")
    triggers = [_trigger_word(n) for n in (*names, *adjectives)] + list(zh)
    if country == "USA":
        triggers.append("us")
    return Term(country, ORIGIN, re.compile("|".join(patterns), re.IGNORECASE), triggers=tuple(triggers))


def _trigger_word(name: str) -> str:
    # The longest word: "new" would wake the "New Zealand" pattern on every "new" in a draft.
    return max(name.lower().rstrip(".").split(), key=len)


def _mention_term(country: str, names, adjectives, zh) -> Term:
    extra = [_US_ABBREVIATION] if country == "USA" else []
    parts = [_alternation(tuple(names) + tuple(adjectives), extra)] + [re.escape(z) for z in zh]
    triggers = [_trigger_word(n) for n in (*names, *adjectives)] + list(zh)
    if country == "USA":
        triggers.append("us")
    return Term(country, ORIGIN, re.compile("|".join(parts), re.IGNORECASE), triggers=tuple(triggers))


ORIGINS = [_origin_term(country, *forms) for country, forms in _COUNTRIES.items()]
# Where product data names a country at all ("Country of origin: Italy", "Italian"), that supports
# an origin claim about it.
COUNTRY_MENTIONS = [_mention_term(country, *forms) for country, forms in _COUNTRIES.items()]

_QUALIFIER = (
    r"(?:[\s-]*(?:approved|approval|cleared|clearance|registered|compliant|compliance|certified|certification|"
    r"listed|recognized|marked|mark|grade|rated|standards?|认证|批准|标准|标志))"
)
_L, _R = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"  # word edges that, unlike \b, also fall next to Chinese


def _acronym(letters: str, *, qualified: bool = False, edges: tuple[str, str] = (_L, _R), after: str = "") -> str:
    """An upper-case acronym ("FDA"), with "approved", "listed"... after it; `qualified`: required."""
    return rf"(?-i:{edges[0]}{letters}{edges[1]}){after}{_QUALIFIER}{'' if qualified else '?'}"


CERTIFICATIONS = [
    _term("fda", CERTIFICATION, raw=[_acronym("FDA")]),
    _term("ce", CERTIFICATION, raw=[_acronym("CE", edges=(r"(?<![A-Za-z0-9-])", r"(?![A-Za-z0-9-])"))]),
    _term("ul", CERTIFICATION, raw=[_acronym("c?UL(?:us)?", qualified=True)]),
    _term("etl", CERTIFICATION, raw=[_acronym("ETL")]),
    _term("csa", CERTIFICATION, raw=[_acronym("CSA", qualified=True)]),
    _term("rohs", CERTIFICATION, raw=[rf"{_L}RoHS{_R}{_QUALIFIER}?"]),
    _term("nsf", CERTIFICATION, raw=[_acronym("NSF", after=r"(?:/ANSI[\s-]*\d+)?")]),
    _term("fcc", CERTIFICATION, raw=[_acronym("FCC")]),
    _term("osha", CERTIFICATION, raw=[_acronym("OSHA", qualified=True)]),
    _term("epa", CERTIFICATION, raw=[_acronym("EPA", qualified=True)]),
    _term("reach", CERTIFICATION, raw=[_acronym("REACH", qualified=True)]),
    _term("tuv", CERTIFICATION, raw=[_acronym("T[ÜU]V")], triggers=["tuv", "tüv"]),
    _term("ccc", CERTIFICATION, zh=["3C认证", "CCC认证"]),
    _term("energy_star", CERTIFICATION, ["energy star"], ["能源之星"]),
    _term("bpa_free", CERTIFICATION, ["bpa free"], ["无BPA", "不含BPA", "无双酚A", "不含双酚A"]),
    _term(
        "organic",
        CERTIFICATION,
        ["usda organic", "certified organic", "organic certified"],
        ["有机认证"],
        raw=[r"100\s*%\s*organic"],
        triggers=["organic", "有机认证"],
    ),
    _term("non_gmo", CERTIFICATION, ["non gmo", "gmo free"], ["非转基因"]),
    _term("kosher", CERTIFICATION, ["kosher"], ["犹太洁食"]),
    _term("halal", CERTIFICATION, ["halal"], ["清真"]),
]
# Standards with a number: "ISO 9001" is supported only by the same number, "ISO certified" by any.
# (name, pattern with a code, pattern without one)
CODED_CERTIFICATIONS = [
    (
        "iso",
        re.compile(rf"(?-i:{_L}ISO)[\s-]*(?P<code>\d{{3,5}})(?:[:\-]\d{{4}})?(?![0-9]){_QUALIFIER}?", re.I),
        re.compile(_acronym("ISO", qualified=True), re.I),
    ),
    (
        "ansi",
        re.compile(rf"(?-i:{_L}ANSI)(?:/ISEA)?[\s-]*(?P<code>Z\d+(?:\.\d+)*\+?){_QUALIFIER}?", re.I),
        re.compile(_acronym("ANSI", qualified=True), re.I),
    ),
    (
        "astm",
        re.compile(rf"(?-i:{_L}ASTM)[\s-]*(?P<code>[A-Z]\d+(?:-\d+)?){_QUALIFIER}?", re.I),
        re.compile(_acronym("ASTM", qualified=True), re.I),
    ),
    ("ip", re.compile(rf"(?-i:{_L}IP(?P<code>[0-6X][0-9X]){_R})(?:[\s-]*(?:rated|rating|级))?", re.I), None),
]

FEATURES = [
    _term("waterproof", FEATURE, ["water proof"], ["防水"]),
    _term(
        "water_resistant",
        FEATURE,
        ["water resistant", "water repellent", "splash proof"],
        ["耐水", "防泼水", "防溅"],
        implied_by=["waterproof"],
    ),
    _term("weatherproof", FEATURE, ["weather proof", "weather resistant", "all weather"], ["耐候", "防风雨"]),
    _term("rechargeable", FEATURE, ["rechargeable"], ["可充电", "充电式"]),
    _term("wireless", FEATURE, ["wireless"], ["无线"]),
    _term("cordless", FEATURE, ["cordless"], ["无绳"]),
    _term("bluetooth", FEATURE, ["bluetooth"], ["蓝牙"]),
    _term(
        "dishwasher_safe", FEATURE, ["dishwasher safe"], ["可用洗碗机", "可放入洗碗机", "可洗碗机清洗", "洗碗机适用"]
    ),
    _term("microwave_safe", FEATURE, ["microwave safe"], ["可微波", "微波炉适用"]),
    _term("oven_safe", FEATURE, ["oven safe"], ["可进烤箱", "烤箱适用"]),
    _term("freezer_safe", FEATURE, ["freezer safe"], []),
    _term("non_toxic", FEATURE, ["non toxic", "nontoxic"], ["无毒"]),
    _term("food_grade", FEATURE, ["food grade", "food safe"], ["食品级"]),
    _term("hypoallergenic", FEATURE, ["hypoallergenic", "hypo allergenic"], ["低过敏", "防过敏", "低敏"]),
    _term(
        "lifetime_warranty",
        FEATURE,
        ["lifetime warranty", "lifetime guarantee", "lifetime replacement"],
        ["终身保修", "终身质保", "终身保固"],
    ),
    _term("latex_free", FEATURE, ["latex free", "non latex"], ["不含乳胶", "无乳胶"]),
    _term("powder_free", FEATURE, ["powder free"], ["无粉"]),
    _term("lead_free", FEATURE, ["lead free"], ["无铅"]),
    _term("phthalate_free", FEATURE, ["phthalate free"], ["不含邻苯"]),
    _term("acid_free", FEATURE, ["acid free"], ["无酸"]),
    _term("solvent_free", FEATURE, ["solvent free"], ["无溶剂"]),
    _term("eco_friendly", FEATURE, ["eco friendly", "environmentally friendly"], ["环保"]),
    _term("biodegradable", FEATURE, ["biodegradable"], ["可生物降解", "可降解"]),
    _term("recyclable", FEATURE, ["recyclable"], ["可回收"]),
    _term(
        "rust_proof",
        FEATURE,
        [
            "rust proof",
            "rust resistant",
            "corrosion resistant",
            "corrosion proof",
            "anti rust",
            "anti corrosion",
            "rust free",
            "corrosion resistance",
        ],
        ["防锈", "耐腐蚀", "防腐蚀", "耐锈"],
        implied_by=["stainless_steel", "galvanized", "brass", "aluminum", "titanium", "bronze"],
    ),
    _term(
        "heat_resistant",
        FEATURE,
        ["heat resistant", "heat proof", "high temperature resistant", "heat resistance"],
        ["耐高温", "耐热"],
    ),
    _term(
        "fireproof",
        FEATURE,
        ["fire proof", "fire resistant", "flame retardant", "flame resistant", "fire retardant"],
        ["防火", "阻燃"],
    ),
    _term(
        "uv_resistant",
        FEATURE,
        ["uv resistant", "uv protection", "uv stable", "uv protected"],
        ["抗紫外线", "防紫外线", "抗UV"],
    ),
    _term(
        "non_slip",
        FEATURE,
        ["non slip", "anti slip", "slip resistant", "non skid", "anti skid", "skid resistant"],
        ["防滑"],
    ),
    _term(
        "shatterproof",
        FEATURE,
        ["shatter proof", "shatter resistant", "unbreakable", "break resistant"],
        ["防碎", "防摔", "不易碎"],
    ),
    _term("scratch_resistant", FEATURE, ["scratch resistant", "scratch proof", "anti scratch"], ["耐刮", "防刮"]),
    _term("wear_resistant", FEATURE, ["wear resistant", "abrasion resistant"], ["耐磨"]),
    _term("antibacterial", FEATURE, ["antibacterial", "anti bacterial", "antimicrobial", "anti microbial"], ["抗菌"]),
    _term("sterile", FEATURE, ["sterile", "sterilized", "sterilised"], ["无菌"]),
    _term("odorless", FEATURE, ["odorless", "odourless", "odor free", "odour free"], ["无异味", "无味"]),
    _term("dustproof", FEATURE, ["dust proof"], ["防尘"]),
    _term("shockproof", FEATURE, ["shock proof", "shock resistant"], ["防震", "抗震"]),
    _term("explosion_proof", FEATURE, ["explosion proof"], ["防爆"]),
    _term("reusable", FEATURE, ["reusable"], ["可重复使用"]),
    _term("batteries_included", FEATURE, ["batteries included", "battery included"], ["含电池", "附电池"]),
    _term("patented", FEATURE, ["patented", "patent pending"], ["专利"]),
    _term(
        "award_winning",
        FEATURE,
        ["award winning", "award", "awards", "awarded", "voted best", "voted the best", "named the best"],
        ["获奖", "荣获"],
    ),
    _term("best_selling", FEATURE, ["best selling", "bestselling", "best seller", "top selling"], ["畅销", "销量第一"]),
    _term(
        "clinically_proven",
        FEATURE,
        [
            "clinically proven",
            "clinically tested",
            "dermatologist tested",
            "dermatologist recommended",
            "doctor recommended",
            "lab tested",
            "laboratory tested",
        ],
        ["临床验证", "临床证明"],
    ),
    _term("military_grade", FEATURE, ["military grade", "mil spec"], ["军工级", "军用级"]),
    _term("medical_grade", FEATURE, ["medical grade"], ["医用级", "医疗级"]),
    _term("cruelty_free", FEATURE, ["cruelty free"], []),
    _term("vegan", FEATURE, ["vegan"], []),
    _term("gluten_free", FEATURE, ["gluten free"], ["无麸质"]),
]

TERMS: list[Term] = MATERIALS + ORIGINS + CERTIFICATIONS + FEATURES
TERMS_BY_KEY = {term.key: term for term in TERMS}
