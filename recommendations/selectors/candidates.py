"""Nearest products from pgvector under the store's filters.

Two plans, chosen per query from a count of the products the filter keeps:

- `hnsw`: the HNSW index with `hnsw.iterative_scan = strict_order`, so the scan
  goes on until the LIMIT is met and returns rows in exact distance order.
  Good when the filter keeps most of the index.
- `exact`: a scan of the matching rows only (ORDER BY an expression the index
  cannot serve). With a selective filter, the graph walk of a filtered HNSW scan
  misses close matches (recall 0.89-0.92 measured with a 10% filter, see
  bench/RESULTS.md), while an exact scan of a few thousand rows costs a few
  milliseconds and has recall 1.

The count comes from the store model's product table in memory (no query). The
planner settings are set with set_config(..., true), i.e. SET LOCAL, in the same
transaction as the query, sent with it in one round trip; statements are never
prepared (settings: prepare_threshold None), so the plan always sees them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
from django.db import connection

from recommendations.models import EMBEDDING_DIMENSIONS, ProductEmbedding
from recommendations.vectors import stack, vector_from_bytes

logger = logging.getLogger(__name__)

EF_SEARCH_MIN = 40
MAX_SCAN_TUPLES = 50_000  # how far an iterative scan may go before giving up (pgvector's default: 20,000)
EXACT_ALWAYS_BELOW = 5_000  # an exact scan of this many rows costs ~2 ms
EXACT_BELOW_SELECTIVITY = 0.5  # under this share of the index, HNSW with a filter loses recall
EXACT_MAX_ROWS = 60_000  # beyond this an exact scan costs more than a recommendation may take
_INDEX_SIZE_TTL = 300.0


@dataclass(frozen=True)
class ProductFilter:
    store_id: int
    in_stock: bool = False
    category_ids: tuple[int, ...] | None = None  # a category and its descendants; None: any
    exclude_ids: frozenset[int] = field(default_factory=frozenset)

    def sql(self, model_id: str) -> tuple[str, dict]:
        """(conditions, parameters) over `pe`, the product embeddings, whose copies
        of stock and category serve the filter without a join."""
        conditions = ["pe.store_id = %(store)s", "pe.model_id = %(model)s", "pe.embedding IS NOT NULL"]
        params: dict = {"store": self.store_id, "model": model_id}
        if self.in_stock:
            conditions.append("pe.in_stock")
        if self.category_ids is not None:
            conditions.append("pe.category_id = ANY(%(categories)s)")
            params["categories"] = list(self.category_ids)
        if self.exclude_ids:
            conditions.append("NOT (pe.product_id = ANY(%(exclude)s))")
            params["exclude"] = sorted(self.exclude_ids)
        return " AND ".join(conditions), params

    def admits(self, product) -> bool:
        """The catalog's own answer for a product (the copies may lag a moment)."""
        return ((not self.in_stock or product.stock > 0)
                and (self.category_ids is None or product.category_id in self.category_ids)
                and product.pk not in self.exclude_ids)


@dataclass
class Candidates:
    product_ids: np.ndarray
    distances: np.ndarray
    vectors: np.ndarray
    plan: str
    ms: float = 0.0

    def __len__(self) -> int:
        return len(self.product_ids)


_index_size: tuple[float, int] | None = None


def indexed_rows() -> int:
    """Rows in the HNSW index (all stores), from the planner's statistics; cached."""
    global _index_size
    now = time.monotonic()
    if _index_size is None or now - _index_size[0] > _INDEX_SIZE_TTL:
        with connection.cursor() as cursor:
            cursor.execute("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass",
                           [ProductEmbedding._meta.db_table])
            estimate = cursor.fetchone()[0]
        if estimate <= 0:  # never analysed: count once
            estimate = ProductEmbedding.objects.count()
        _index_size = (now, int(estimate))
    return _index_size[1]


def choose_plan(*, matching: int, indexed: int) -> str:
    if matching <= EXACT_ALWAYS_BELOW:
        return "exact"
    if indexed > 0 and matching / indexed < EXACT_BELOW_SELECTIVITY and matching <= EXACT_MAX_ROWS:
        return "exact"
    return "hnsw"


def nearest(
    *,
    vector: np.ndarray,
    limit: int,
    product_filter: ProductFilter,
    model_id: str,
    plan: str,
    ef_search: int | None = None,
    iterative_scan: str = "strict_order",
) -> Candidates:
    """The `limit` products nearest to `vector` (cosine) that pass the filter."""
    started = time.perf_counter()
    rows = _run(vector=vector, limit=limit, product_filter=product_filter, model_id=model_id, plan=plan,
                ef_search=ef_search, iterative_scan=iterative_scan)
    if plan == "hnsw" and len(rows) < limit:
        # The scan gave up (max_scan_tuples) before the LIMIT was met: the exact
        # scan returns everything that matches, so the caller gets its k.
        plan = "exact"
        rows = _run(vector=vector, limit=limit, product_filter=product_filter, model_id=model_id, plan=plan)
    return Candidates(
        product_ids=np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
        distances=np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows)),
        vectors=stack([vector_from_bytes(row[2]) for row in rows], EMBEDDING_DIMENSIONS),
        plan=plan,
        ms=(time.perf_counter() - started) * 1000,
    )


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.8g}" for x in np.asarray(vector, dtype=np.float32)) + "]"


def candidate_sql(*, product_filter: ProductFilter, model_id: str, plan: str) -> tuple[str, dict]:
    """The query of a plan. Raw SQL: this is the hot path of every recommendation,
    and its shape matters (see the module docstring):

    - hnsw: ORDER BY the distance operator itself, which the index serves.
    - exact: distances of the matching rows behind an OFFSET 0 fence (so the
      index cannot serve the ORDER BY), sorted and cut to the limit, and only
      then the vectors of the rows kept (vector_send on every matching row
      would cost more than the scan).
    """
    table = ProductEmbedding._meta.db_table
    where, params = product_filter.sql(model_id)
    if plan == "hnsw":
        sql = (f"SELECT pe.product_id, pe.embedding <=> %(q)s::vector, vector_send(pe.embedding) "
               f"FROM {table} pe WHERE {where} ORDER BY pe.embedding <=> %(q)s::vector LIMIT %(limit)s")
    else:
        sql = (f"SELECT t.product_id, t.distance, vector_send(e.embedding) FROM ("
               f"SELECT product_id, distance FROM (SELECT pe.product_id, pe.embedding <=> %(q)s::vector AS distance "
               f"FROM {table} pe WHERE {where} OFFSET 0) s ORDER BY distance, product_id LIMIT %(limit)s"
               f") t JOIN {table} e ON e.product_id = t.product_id ORDER BY t.distance, t.product_id")
    return sql, params


def _run(*, vector, limit, product_filter, model_id, plan, ef_search=None, iterative_scan="strict_order") -> list:
    sql, params = candidate_sql(product_filter=product_filter, model_id=model_id, plan=plan)
    params.update(q=_literal(vector), limit=limit)
    with connection.cursor() as cursor:
        if plan != "hnsw":
            cursor.execute(sql, params)
            return cursor.fetchall()
        # The settings and the query in one round trip: statements sent together
        # run in one transaction (an implicit one, or the caller's), so the
        # set_config(..., true) (SET LOCAL) is in force when the query is planned.
        # Parameters are bound on the client (Django's psycopg cursor), which is
        # what lets one execute() carry two statements.
        params.update(ef_search=str(max(ef_search or EF_SEARCH_MIN, min(limit, 1000))), mode=iterative_scan,
                      max_tuples=str(MAX_SCAN_TUPLES))
        cursor.execute(
            "SELECT set_config('hnsw.ef_search', %(ef_search)s, true), "
            "set_config('hnsw.iterative_scan', %(mode)s, true), "
            "set_config('hnsw.max_scan_tuples', %(max_tuples)s, true); " + sql,
            params,
        )
        cursor.nextset()
        return cursor.fetchall()


def vectors_for(*, product_ids, product_filter: ProductFilter, model_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Vectors of those of `product_ids` that pass the filter (co-occurrence candidates)."""
    ids = [int(pk) for pk in product_ids]
    if not ids:
        return np.zeros(0, dtype=np.int64), np.zeros((0, EMBEDDING_DIMENSIONS), np.float32)
    where, params = product_filter.sql(model_id)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pe.product_id, vector_send(pe.embedding) FROM {ProductEmbedding._meta.db_table} pe "
                       f"WHERE {where} AND pe.product_id = ANY(%(ids)s)", {**params, "ids": ids})
        rows = cursor.fetchall()
    return (np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)),
            stack([vector_from_bytes(row[1]) for row in rows], EMBEDDING_DIMENSIONS))
