"""The product-copy corpus (PRODUCT_COPY_DIR, by default ../shared/data/product-copy): real copy
written by people, read as `CorpusProduct`s, and its fixed split into a held-back set the
yardstick measures on and the rest, which training may use.

- products.csv: English Amazon (2018) products with a title, brand, top category and the seller's
  description (no attributes).
- zh_advertisegen.csv: Chinese ad texts written from `key: value` attributes (clothing, no titles;
  the title here is made from the attribute values, as Chinese listings are).

The corpus is for research use only and stays out of the repository; where it is missing,
`corpus_products` raises CorpusMissing naming the folder.
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

ENGLISH_FILE = "products.csv"
CHINESE_FILE = "zh_advertisegen.csv"
# The held-back set: fixed by its seed, the same on every machine and in every run.
HELDOUT_SEED = 20261130
HELDOUT_PER_LANGUAGE = 100


class CorpusMissing(FileNotFoundError):
    """The corpus folder or one of its files is absent; the message says where it was looked for."""


@dataclass(frozen=True)
class CorpusProduct:
    key: str  # the corpus's own id: AMZ18-IS-00001, ADGEN-dev-00000
    language: str  # "en" or "zh"
    title: str
    description: str  # the human copy: the reference the yardstick compares with, the training target's source
    brand: str = ""
    category: str = ""
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    split: str = ""  # AdvertiseGen's own train/dev split; empty for English


def corpus_products(folder: Path, *, languages: Iterable[str] = ("en", "zh")) -> list[CorpusProduct]:
    """Every usable product of the corpus, in file order. CorpusMissing when a file is absent."""
    products: list[CorpusProduct] = []
    for language in languages:
        name = ENGLISH_FILE if language == "en" else CHINESE_FILE
        path = Path(folder) / name
        if not path.is_file():
            raise CorpusMissing(
                f"The product-copy corpus is missing: {path} not found (set PRODUCT_COPY_DIR to the folder "
                f"holding {ENGLISH_FILE} and {CHINESE_FILE})."
            )
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        products += [_english(row) for row in rows] if language == "en" else [_chinese(row) for row in rows]
    return [product for product in products if product.title and product.description]


def _english(row: dict) -> CorpusProduct:
    return CorpusProduct(
        key=row["sku"].strip(), language="en", title=row["title"].strip(), brand=(row.get("brand") or "").strip(),
        category=(row.get("category") or "").strip(), description=(row.get("description") or "").strip(),
    )


def _chinese(row: dict) -> CorpusProduct:
    attributes = chinese_attributes(row.get("attributes") or "")
    return CorpusProduct(
        key=row["id"].strip(), language="zh", title=chinese_title(attributes),
        category=(row.get("category") or "").strip(), attributes=attributes,
        description=(row.get("description") or "").strip(), split=(row.get("split") or "").strip(),
    )


def chinese_attributes(text: str) -> dict[str, str]:
    """'类型: 裤 | 图案: 线条 | 图案: 撞色' -> {'类型': '裤', '图案': '线条、撞色'}: a key given twice
    keeps both values."""
    found: dict[str, list[str]] = {}
    for part in text.split("|"):
        key, _, value = part.partition(":")
        key, value = key.strip(), value.strip()
        if key and value and value not in found.setdefault(key, []):
            found[key].append(value)
    return {key: "、".join(values) for key, values in found.items()}


def chinese_title(attributes: dict[str, str]) -> str:
    """A listing title from the attribute values, the product type last ('简约宽松阔腿裤'), as
    Chinese shops write them; the corpus has none of its own."""
    kind = attributes.get("类型", "")
    values = [value.replace("、", "") for key, value in attributes.items() if key != "类型"]
    title = "".join(values)
    return title if kind and title.endswith(kind) else title + kind


# --------------------------------------------------------------------------- the split


def _order_key(product: CorpusProduct) -> str:
    # A hash of seed and key orders the products the same way whatever the file order or Python's hash seed.
    return hashlib.sha256(f"{HELDOUT_SEED}:{product.key}".encode()).hexdigest()


def heldout_products(products: list[CorpusProduct], *, per_language: int = HELDOUT_PER_LANGUAGE) -> list[CorpusProduct]:
    """The yardstick's held-back products: `per_language` English products (chosen by the seeded
    order, half from each top category) and as many Chinese ones from AdvertiseGen's dev split,
    which training never reads. Never more than a quarter of a language's products, so a small
    corpus (a test's) still leaves most of it to train on."""
    chosen: list[CorpusProduct] = []
    english = sorted((p for p in products if p.language == "en"), key=_order_key)
    per_language = min(per_language, len(english) // 4) if english else per_language
    categories = sorted({p.category for p in english})
    for index, category in enumerate(categories):
        share = per_language // len(categories) + (index < per_language % len(categories))
        chosen += [p for p in english if p.category == category][:share]
    chosen += sorted((p for p in products if p.language == "zh" and p.split == "dev"), key=_order_key)[:per_language]
    return chosen


def training_products(products: list[CorpusProduct], *, exclude_titles: Iterable[str] = ()) -> list[CorpusProduct]:
    """What training may read: neither a held-back product, nor the same title (a colour or size
    variant sharing its copy), nor a Chinese dev product, nor a title in `exclude_titles` (the
    store's own held-back products)."""
    heldout = heldout_products(products)
    held_keys = {p.key for p in heldout}
    held_texts = {_normal(p.title) for p in heldout} | {_normal(title) for title in exclude_titles}
    held_descriptions = {_normal(p.description) for p in heldout}
    return [
        p for p in products
        if p.key not in held_keys and p.split != "dev" and _normal(p.title) not in held_texts
        and _normal(p.description) not in held_descriptions
    ]


def _normal(text: str) -> str:
    return " ".join(text.lower().split())


def shuffled(items: list, *, seed: int) -> list:
    copy = list(items)
    random.Random(seed).shuffle(copy)
    return copy
