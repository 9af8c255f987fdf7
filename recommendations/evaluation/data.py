"""Interaction data for offline evaluation: building, leave-last-out split, cold items.

Plain arrays in, plain arrays out, so the Django side can feed any store's events
(one row per event) and the benchmark can feed the shared CSVs through `load_csv`.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

TRAIN, VALID, TEST = 0, 1, 2
_SPLIT_CODES = {"train": TRAIN, "valid": VALID, "test": TEST}
SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class InteractionData:
    """Events as index arrays over a fixed catalog and a fixed list of shoppers.

    `order` is a per-shopper sequence position (`order_kind="position"`) or a Unix
    timestamp in seconds (`order_kind="timestamp"`); ages handed to the profile are
    days for timestamps and positions ("pseudo-days") for positions.
    """

    catalog: np.ndarray  # item ids, position = item index
    shopper_ids: np.ndarray  # shopper ids, position = shopper index
    shopper: np.ndarray  # int32 shopper index per event
    item: np.ndarray  # int32 item index per event
    order: np.ndarray  # float64 per event
    split: np.ndarray  # int8 TRAIN/VALID/TEST per event
    event_type: np.ndarray  # object (str) per event
    item_vectors: np.ndarray | None = None  # float32 (n_items, d), unit rows
    item_categories: np.ndarray = field(default=None)  # object (str) per item
    order_kind: str = "position"

    @property
    def n_items(self) -> int:
        return len(self.catalog)

    @property
    def n_shoppers(self) -> int:
        return len(self.shopper_ids)

    def with_vectors(self, item_vectors: np.ndarray) -> InteractionData:
        return replace(self, item_vectors=normalise_rows(item_vectors))


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def make_data(
    *,
    shopper_ids: Sequence,
    item_ids: Sequence,
    order: Sequence,
    split: Sequence[str] | None = None,
    event_types: Sequence[str] | None = None,
    catalog: Sequence | None = None,
    item_vectors: np.ndarray | None = None,
    item_categories: Sequence[str] | None = None,
    order_kind: str = "position",
) -> InteractionData:
    """Build `InteractionData` from one row per event.

    Without `split`, each shopper's events are split leave-last-out by `order`
    (see `leave_last_out`). Items missing from `catalog` are an error: the caller
    validates events before evaluating them. `catalog` defaults to the items seen.
    """
    if order_kind not in ("position", "timestamp"):
        raise ValueError(f"order_kind must be 'position' or 'timestamp', not {order_kind!r}")
    item_ids = np.asarray(item_ids, dtype=object)
    n_events = len(item_ids)
    if catalog is None:
        catalog = np.array(sorted(set(item_ids.tolist())), dtype=object)
    catalog = np.asarray(catalog, dtype=object)
    item_index = {item_id: i for i, item_id in enumerate(catalog.tolist())}
    if len(item_index) != len(catalog):
        raise ValueError("catalog has duplicate item ids")
    unknown = {i for i in item_ids.tolist() if i not in item_index}
    if unknown:
        raise ValueError(f"{len(unknown)} item ids are not in the catalog, e.g. {sorted(unknown)[:3]}")
    items = np.fromiter((item_index[i] for i in item_ids.tolist()), dtype=np.int32, count=n_events)
    shopper_list, shoppers = np.unique(np.asarray(shopper_ids, dtype=object), return_inverse=True)
    order = np.asarray(order, dtype=np.float64)
    if len(order) != n_events or len(shoppers) != n_events:
        raise ValueError("shopper_ids, item_ids and order must have the same length")
    if split is None:
        split_codes = leave_last_out(shoppers, order)
    else:
        try:
            split_codes = np.array([_SPLIT_CODES[s] for s in split], dtype=np.int8)
        except KeyError as exc:
            raise ValueError(f"unknown split label {exc.args[0]!r}") from None
    if event_types is None:
        event_types = np.full(n_events, "purchase", dtype=object)
    if item_categories is None:
        item_categories = np.full(len(catalog), "", dtype=object)
    if len(item_categories) != len(catalog):
        raise ValueError("item_categories must have one entry per catalog item")
    data = InteractionData(
        catalog=catalog,
        shopper_ids=shopper_list,
        shopper=shoppers.astype(np.int32),
        item=items,
        order=order,
        split=split_codes,
        event_type=np.asarray(event_types, dtype=object),
        item_categories=np.asarray(item_categories, dtype=object),
        order_kind=order_kind,
    )
    if item_vectors is not None:
        if len(item_vectors) != len(catalog):
            raise ValueError("item_vectors must have one row per catalog item")
        data = data.with_vectors(item_vectors)
    return data


def leave_last_out(shoppers: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Per shopper, by `order` (ties by row): last event TEST, the one before VALID.

    A shopper with two events gets TRAIN, TEST; one with a single event keeps it in
    TRAIN (nothing left to learn from otherwise).
    """
    shoppers = np.asarray(shoppers)
    n = len(shoppers)
    # lexsort: last key is primary; row number breaks ties so the split is stable
    idx = np.lexsort((np.arange(n), np.asarray(order), shoppers))
    # after sorting each shopper's events are contiguous: find each row's distance to its group end
    _, first, counts = np.unique(shoppers[idx], return_index=True, return_counts=True)
    count = np.repeat(counts, counts)
    pos_from_end = np.repeat(first + counts - 1, counts) - np.arange(n)
    codes = np.full(n, TRAIN, dtype=np.int8)
    codes[(pos_from_end == 0) & (count >= 2)] = TEST
    codes[(pos_from_end == 1) & (count >= 3)] = VALID
    out = np.empty(n, dtype=np.int8)
    out[idx] = codes
    return out


@dataclass(frozen=True)
class Fold:
    """What a method may learn from (`train`) and what it is asked to find (`target`)."""

    data: InteractionData
    train: np.ndarray  # bool mask over events
    target: np.ndarray  # bool mask over events
    name: str = "test"

    def age_of_train_events(self) -> np.ndarray:
        """Age of every training event relative to its shopper's (first) target event.

        Positions: target position - event position - 1, so the latest event has
        age 0 and a dropped event in between still counts as time passing.
        Timestamps: days between the event and the target.
        """
        data = self.data
        ref = np.full(data.n_shoppers, np.nan)
        t_idx = np.flatnonzero(self.target)
        # earliest target per shopper: fmin ignores the NaN start values
        np.fmin.at(ref, data.shopper[t_idx], data.order[t_idx])
        # shoppers without a target: age relative to their last training event
        tr_idx = np.flatnonzero(self.train)
        last = np.full(data.n_shoppers, -np.inf)
        np.maximum.at(last, data.shopper[tr_idx], data.order[tr_idx])
        step = 1.0 if data.order_kind == "position" else 0.0
        ref = np.where(np.isnan(ref), last + step, ref)
        ages = ref[data.shopper[tr_idx]] - data.order[tr_idx]
        if data.order_kind == "position":
            ages = ages - 1.0
        else:
            ages = ages / SECONDS_PER_DAY
        out = np.zeros(len(data.item))
        out[tr_idx] = np.maximum(ages, 0.0)
        return out


def make_fold(data: InteractionData, stage: str = "test") -> Fold:
    """`test`: learn from train+valid, find test. `valid`: learn from train, find valid."""
    if stage == "test":
        return Fold(data, data.split != TEST, data.split == TEST, "test")
    if stage == "valid":
        return Fold(data, data.split == TRAIN, data.split == VALID, "valid")
    raise ValueError(f"stage must be 'test' or 'valid', not {stage!r}")


def cold_items(n_items: int, fraction: float = 0.1, seed: int = 0) -> np.ndarray:
    """A fixed random `fraction` of the catalog (sorted item indices), chosen by `seed`."""
    if not 0.0 < fraction < 1.0:
        raise ValueError("fraction must be between 0 and 1")
    size = int(round(fraction * n_items))
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_items, size=size, replace=False)).astype(np.int32)


def make_cold_fold(fold: Fold, hidden: np.ndarray) -> Fold:
    """Drop the hidden items' training events; keep only targets on hidden items."""
    is_hidden = np.isin(fold.data.item, hidden)
    return Fold(fold.data, fold.train & ~is_hidden, fold.target & is_hidden, fold.name + "-cold")


def load_csv(interactions_path: str | Path, products_path: str | Path) -> InteractionData:
    """Load the shared dataset's CSV shapes (interactions: shopper, sku, seq[, split][, event_type]
    [, timestamp]; products: sku[, categories][, text]). Vectors are added by the caller."""
    with open(products_path, newline="", encoding="utf-8") as fh:
        products = list(csv.DictReader(fh))
    with open(interactions_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"{interactions_path} holds no interactions")
    has_time = "timestamp" in rows[0]
    return make_data(
        shopper_ids=[r["shopper"] for r in rows],
        item_ids=[r["sku"] for r in rows],
        order=[float(r["timestamp"] if has_time else r["seq"]) for r in rows],
        split=[r["split"] for r in rows] if "split" in rows[0] else None,
        event_types=[r["event_type"] for r in rows] if "event_type" in rows[0] else None,
        catalog=[p["sku"] for p in products],
        item_categories=[p.get("categories", "") for p in products],
        order_kind="timestamp" if has_time else "position",
    )


def load_product_texts(products_path: str | Path) -> dict[str, str]:
    """sku -> the text to embed (the products CSV's `text`: title, categories, brand)."""
    with open(products_path, newline="", encoding="utf-8") as fh:
        return {p["sku"]: p["text"] for p in csv.DictReader(fh)}


def subsample_shoppers(
    data: InteractionData, n_shoppers: int, seed: int = 0, *, keep_catalog: bool = True
) -> InteractionData:
    """A seeded random sample of shoppers with all their events.

    `keep_catalog=False` also cuts the catalog (and its vectors and categories) down to
    the products those shoppers touched, for quick runs that embed only those.
    """
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(data.n_shoppers, size=min(n_shoppers, data.n_shoppers), replace=False))
    new_shopper = np.full(data.n_shoppers, -1, dtype=np.int32)
    new_shopper[keep] = np.arange(len(keep), dtype=np.int32)
    rows = np.flatnonzero(new_shopper[data.shopper] >= 0)
    items = data.item[rows]
    catalog, vectors, categories = data.catalog, data.item_vectors, data.item_categories
    if not keep_catalog:
        kept_items = np.unique(items)
        new_item = np.full(data.n_items, -1, dtype=np.int32)
        new_item[kept_items] = np.arange(len(kept_items), dtype=np.int32)
        items = new_item[items]
        catalog, categories = catalog[kept_items], categories[kept_items]
        vectors = None if vectors is None else vectors[kept_items]
    return replace(
        data,
        catalog=catalog,
        item_vectors=vectors,
        item_categories=categories,
        shopper_ids=data.shopper_ids[keep],
        shopper=new_shopper[data.shopper[rows]],
        item=items.astype(np.int32),
        order=data.order[rows],
        split=data.split[rows],
        event_type=data.event_type[rows],
    )
