"""The demo store, built from the real Amazon Industrial & Scientific products in
DEMO_DATA_DIR (see its README), or, where that folder is missing, from a small
catalog written here.

The source has no price, stock or description: the demo derives a price and a
stock level from each SKU (stable from run to run) and says so on the home
page. Attributes (grit, size, volume, material, pack size...) are read from the
titles, where these products carry them.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import transaction

from catalog import services
from catalog.importing import ProductRow
from catalog.models import Store
from catalog.permissions import Role

logger = logging.getLogger(__name__)

DEMO_SLUG = "demo"
DEMO_NAME = "Bench & Beaker Supply"
SECOND_SLUG = "harbor"
SECOND_NAME = "Harbor Outfitters"
ROOT_CATEGORY = "Industrial & Scientific"
DEMO_USERS = (
    # username, password, role in the demo store, role in the second store
    ("admin", "demo-admin", Role.ADMIN, Role.ADMIN),
    ("editor", "demo-editor", Role.EDITOR, None),
    ("viewer", "demo-viewer", Role.VIEWER, None),
)


@dataclass
class DemoResult:
    store: Store
    products: int
    source: str
    created: bool
    notes: list[str] = field(default_factory=list)


def load_demo_catalog(*, data_dir: Path) -> DemoResult:
    """Create the demo stores and users; does nothing for a store that exists."""
    users = {
        username: services.user_get_or_create(username=username, password=password, first_name=username.title())
        for username, password, _, _ in DEMO_USERS
    }
    existing = Store.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return DemoResult(existing, existing.products.count(), "existing", created=False)

    products_csv = data_dir / "products.csv"
    with transaction.atomic():
        store = services.store_create(name=DEMO_NAME, slug=DEMO_SLUG)
        for username, _, role, _ in DEMO_USERS:
            services.membership_set(store=store, user=users[username], role=role)
        if products_csv.exists():
            rows = amazon_rows(products_csv)
            source = str(products_csv)
        else:
            rows = fallback_rows()
            source = "built-in sample catalog"
        for start in range(0, len(rows), services.IMPORT_CHUNK_SIZE):
            services.products_upsert(store=store, rows=rows[start : start + services.IMPORT_CHUNK_SIZE])

        second = services.store_create(name=SECOND_NAME, slug=SECOND_SLUG)
        for username, _, _, role in DEMO_USERS:
            if role:
                services.membership_set(store=second, user=users[username], role=role)
        services.products_upsert(store=second, rows=harbor_rows())
    logger.info("demo.loaded", extra={"products": len(rows), "source": source})
    return DemoResult(store, len(rows), source, created=True)


# --------------------------------------------------------------------------- amazon data


def amazon_rows(products_csv: Path) -> list[ProductRow]:
    with products_csv.open(newline="", encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    paths = split_category_paths([record["categories"] for record in records])
    rows = []
    for number, record in enumerate(records, start=1):
        sku = record["sku"].strip()
        title = record["title"].strip()
        if not sku or not title:
            continue
        rows.append(
            ProductRow(
                row=number,
                sku=sku,
                title=title[:500],
                brand=record.get("brand", "").strip(),
                category_path=paths[record["categories"]],
                price=demo_price(sku, title),
                currency="USD",
                stock=demo_stock(sku),
                language="en",
                attributes=attributes_from_title(title),
            )
        )
    return rows


def split_category_paths(raw_paths: list[str]) -> dict[str, list[str]]:
    """Recover category levels from paths whose levels were joined by spaces
    ("Industrial & Scientific Abrasive & Finishing Products Sanding Rolls").

    A level ends where paths that share everything before it go different
    ways: walking a word trie of all paths, a node with more than one child
    (or one that ends a path) closes a level. Category names that always occur
    together stay one level, which is what a shopper would read anyway.
    """
    trie: dict = {}
    END = object()
    cleaned = {raw: _strip_root(raw) for raw in set(raw_paths)}
    for words in cleaned.values():
        node = trie
        for word in words:
            node = node.setdefault(word, {})
        node[END] = True

    result: dict[str, list[str]] = {}
    for raw, words in cleaned.items():
        node, level, levels = trie, [], []
        for index, word in enumerate(words):
            node = node[word]
            level.append(word)
            branches = len([key for key in node if key is not END])
            if index == len(words) - 1 or branches > 1 or END in node:
                levels.append(" ".join(level))
                level = []
        result[raw] = levels
    return result


def _strip_root(raw: str) -> list[str]:
    """The words of the path below the root. Some rows of the source carry the
    tail of the title before the path ("Tube, White, GE112A. Industrial & ..."),
    so the path starts where the root does."""
    marker = ROOT_CATEGORY + " "
    start = raw.find(marker)
    if start >= 0:
        return raw[start + len(marker) :].split()
    return []  # no path at all, only a fragment of a title


def _stable_int(text: str, modulo: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) % modulo


def demo_price(sku: str, title: str) -> Decimal:
    """A plausible price, stable per SKU: bigger for kits and multi-packs."""
    base = 4 + _stable_int(sku, 9600) / 100  # 4.00 .. 99.99
    if re.search(r"\b(kit|set|pack of \d+|\d+[- ]pack|case)\b", title, re.I):
        base *= 2.2
    return Decimal(int(base)) + Decimal("0.99")  # shop prices end in .99


def demo_stock(sku: str) -> int:
    roll = _stable_int(sku + "stock", 100)
    return 0 if roll < 12 else roll * 3  # about one product in eight is out of stock


_ATTRIBUTE_PATTERNS = [
    ("grit", re.compile(r"\b(\d{2,4})[- ]?grit\b", re.I), lambda m: f"{m.group(1)} grit"),
    ("pack size", re.compile(r"\b(?:pack of|set of|box of|case of)\s*(\d+)\b|\b(\d+)[- ](?:pack|pk|count|ct)\b", re.I),
     lambda m: f"{m.group(1) or m.group(2)}"),
    ("volume", re.compile(r"\b(\d+(?:\.\d+)?)[- ]?(fl\.? ?oz|ounces?|oz|ml|milliliters?|liters?|l|gallons?|gal)\b",
                          re.I), lambda m: f"{m.group(1)} {m.group(2)}"),
    ("diameter", re.compile(r"\b(\d+(?:[- ]\d/\d+)?(?:\.\d+)?)[- ]?(?:inch|in\.?|\")\s*(?:diameter|dia\.?)\b", re.I),
     lambda m: f"{m.group(1)} in"),
    ("size", re.compile(r"\b(\d+(?:[- ]\d/\d+)?(?:\.\d+)?[- ]?(?:inch|in\.?|mm|cm|ft|yd))\s*(?:x|by)\s*"
                        r"(\d+(?:[- ]\d/\d+)?(?:\.\d+)?[- ]?(?:inch|in\.?|mm|cm|ft|yd)?)", re.I),
     lambda m: f"{m.group(1)} x {m.group(2)}"),
    ("voltage", re.compile(r"\b(\d+(?:\.\d+)?)\s?(v|volt)\b", re.I), lambda m: f"{m.group(1)} V"),
    ("weight", re.compile(r"\b(\d+(?:\.\d+)?)[- ]?(lbs?|pounds?|kg|grams?|g)\b", re.I),
     lambda m: f"{m.group(1)} {m.group(2)}"),
    ("size (mm)", re.compile(r"\b(\d+(?:\.\d+)?)\s?mm\b", re.I), lambda m: f"{m.group(1)} mm"),
]
_MATERIALS = (
    "stainless steel", "carbon steel", "steel", "aluminum", "brass", "copper", "titanium", "nitrile", "latex",
    "vinyl", "silicone", "rubber", "nylon", "polyurethane", "polypropylene", "polyethylene", "acrylic", "glass",
    "borosilicate", "ceramic", "cotton", "leather", "wood", "bamboo", "tungsten", "carbide", "diamond", "zinc",
    "ptfe", "teflon", "fiberglass", "cork", "felt", "foam", "epoxy",
)
_COLORS = ("black", "white", "red", "blue", "green", "yellow", "orange", "clear", "gray", "grey", "brown", "purple",
           "pink", "silver", "gold")


def attributes_from_title(title: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for name, pattern, render in _ATTRIBUTE_PATTERNS:
        match = pattern.search(title)
        if match and name not in attributes:
            attributes[name] = render(match).strip()
    lowered = title.lower()
    materials = [m for m in _MATERIALS if re.search(rf"\b{re.escape(m)}\b", lowered)]
    # "stainless steel" already says "steel"
    materials = [m for m in materials if not any(m != other and m in other for other in materials)]
    if materials:
        attributes["material"] = ", ".join(materials[:3])
    colors = [c for c in _COLORS if re.search(rf"\b{c}\b", lowered)]
    if colors:
        attributes["color"] = ", ".join(colors[:2])
    return attributes


# --------------------------------------------------------------------------- built-in catalogs


_FALLBACK = [
    # (title, brand, category path, attributes)
    ("Nitrile Exam Gloves, Powder-Free, Blue, Box of 100", "LabGuard", ["Lab & Safety", "Gloves"],
     {"material": "nitrile", "color": "blue", "pack size": "100"}),
    ("Borosilicate Glass Beaker Set, 50/100/250/500 ml", "ClearLab", ["Lab Supplies", "Glassware"],
     {"material": "borosilicate glass", "volume": "50-500 ml", "pack size": "4"}),
    ("Digital Caliper 6 Inch, Stainless Steel", "Mitsuwa", ["Measuring Tools", "Calipers"],
     {"material": "stainless steel", "size": "6 in", "resolution": "0.01 mm"}),
    ("Sanding Discs 5 Inch 120 Grit, Hook and Loop, 50 Pack", "GritPro", ["Abrasives", "Sanding Discs"],
     {"grit": "120 grit", "diameter": "5 in", "pack size": "50"}),
    ("Safety Glasses, Anti-Fog, Clear Lens", "LabGuard", ["Lab & Safety", "Eye Protection"],
     {"color": "clear", "lens": "polycarbonate"}),
    ("Digital Pocket Scale 500 g x 0.01 g", "Mitsuwa", ["Measuring Tools", "Scales"],
     {"capacity": "500 g", "resolution": "0.01 g"}),
    ("PTFE Thread Seal Tape 1/2 Inch x 520 Inch, 10 Rolls", "SealRight", ["Tapes & Adhesives", "Thread Seal"],
     {"material": "ptfe", "size": "1/2 in x 520 in", "pack size": "10"}),
    ("Two-Part Epoxy, 5-Minute Set, 1 oz", "BondMaster", ["Tapes & Adhesives", "Epoxy"],
     {"material": "epoxy", "volume": "1 oz", "set time": "5 minutes"}),
    ("Magnetic Stirrer with Stir Bar, 3000 ml", "ClearLab", ["Lab Supplies", "Mixers"],
     {"capacity": "3000 ml", "speed": "100-2000 rpm"}),
    ("Brass Hex Nut Assortment, 200 Pieces", "BoltWorks", ["Fasteners", "Nuts"],
     {"material": "brass", "pack size": "200"}),
    ("Carbide Burr Set, 1/4 Inch Shank, 10 Pieces", "GritPro", ["Abrasives", "Burrs"],
     {"material": "carbide", "shank": "1/4 in", "pack size": "10"}),
    ("Silicone Sealant, Clear, 10.1 oz Cartridge", "SealRight", ["Tapes & Adhesives", "Sealants"],
     {"material": "silicone", "color": "clear", "volume": "10.1 oz"}),
]


def fallback_rows() -> list[ProductRow]:
    """About 100 products from a few templates with varied sizes, so the demo
    still looks like a shop where the real data folder is absent."""
    rows: list[ProductRow] = []
    variants = ["", " (Value Pack)", " - Professional Grade", " - Economy"]
    number = 0
    for variant_index, suffix in enumerate(variants):
        for base_index, (title, brand, path, attributes) in enumerate(_FALLBACK):
            for size_index in range(2):
                number += 1
                sku = f"DEMO-{base_index + 1:02d}{variant_index}{size_index}"
                full_title = f"{title}{suffix}" + (" (2-Pack)" if size_index else "")
                rows.append(
                    ProductRow(
                        row=number, sku=sku, title=full_title, brand=brand, category_path=path,
                        price=demo_price(sku, full_title), currency="USD", stock=demo_stock(sku),
                        language="en", attributes=dict(attributes),
                    )
                )
    return rows


def harbor_rows() -> list[ProductRow]:
    """A few products of a second store, to show that stores never see each other."""
    items = [
        ("HB-100", "Waxed Canvas Tote Bag", "Harbor", ["Bags"], {"material": "waxed cotton canvas"}),
        ("HB-101", "Merino Wool Beanie, Navy", "Harbor", ["Accessories", "Hats"], {"material": "merino wool"}),
        ("HB-102", "Rain Jacket, Packable, Yellow", "Harbor", ["Outerwear"], {"color": "yellow"}),
        ("HB-103", "Leather Card Holder", "Harbor", ["Accessories", "Wallets"], {"material": "leather"}),
        ("HB-104", "Enamel Camp Mug 12 oz", "Harbor", ["Camp Kitchen"], {"volume": "12 oz"}),
        ("HB-105", "Wool Blanket, Striped", "Harbor", ["Home"], {"material": "wool"}),
    ]
    return [
        ProductRow(row=index, sku=sku, title=title, brand=brand, category_path=path,
                   price=demo_price(sku, title), currency="USD", stock=demo_stock(sku), language="en",
                   attributes=attributes)
        for index, (sku, title, brand, path, attributes) in enumerate(items, start=1)
    ]

