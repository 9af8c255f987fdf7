"""A shopper's history as arrays: what the profile is computed from, online for a
recommendation and offline for the stored profile, with the same code.

Ages are counted back from the shopper's latest event, not from now: a constant
shift only rescales every weight of a part (each part is normalised), and it
keeps a shopper who has been away for months from decaying to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import connection

from recommendations import engine
from recommendations.models import EMBEDDING_DIMENSIONS, SOCIAL_EVENT_TYPES, Event, EventType, ProductEmbedding
from recommendations.vectors import stack, vector_from_bytes

HISTORY_LIMIT = 500  # the latest events a profile looks at
RECENTLY_SEEN = timedelta(days=30)  # "recently seen": within this long of the shopper's latest event



@dataclass
class History:
    latest_at: datetime | None = None
    # product events, newest first; vectors only where the product has one from the current model
    product_ids: list[int] = field(default_factory=list)
    event_types: list[str] = field(default_factory=list)
    ages: list[float] = field(default_factory=list)
    vector_rows: list[int] = field(default_factory=list)  # positions in product_ids that have a vector
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, EMBEDDING_DIMENSIONS), np.float32))
    queries: list[str] = field(default_factory=list)
    query_vectors: np.ndarray | None = None
    query_ages: list[float] = field(default_factory=list)
    social_vectors: np.ndarray | None = None
    social_ages: list[float] = field(default_factory=list)
    purchased: set[int] = field(default_factory=set)
    recently_seen: set[int] = field(default_factory=set)
    # events whose text has no vector from the current model yet (the profile job embeds them)
    texts_to_embed: list[tuple[int, str]] = field(default_factory=list)
    event_count: int = 0

    @property
    def is_empty(self) -> bool:
        return self.event_count == 0

    def embedded(self) -> tuple[np.ndarray, list[str], list[float], list[int]]:
        """Product ids, types, ages and weights' inputs of the events that have a vector."""
        rows = self.vector_rows
        return (np.asarray([self.product_ids[i] for i in rows], dtype=np.int64),
                [self.event_types[i] for i in rows], [self.ages[i] for i in rows], rows)

    def profile_vector(self, settings: engine.ProfileSettings) -> np.ndarray | None:
        _, types, ages, _ = self.embedded()
        return engine.profile_vector(
            self.vectors, list(zip(types, ages, strict=True)), self.query_vectors, self.social_vectors, settings,
            query_ages=self.query_ages or None, social_ages=self.social_ages or None,
        )


def history_rows(*, shopper_ids: Sequence[int], limit: int | None = HISTORY_LIMIT) -> dict[int, list[tuple]]:
    """Each shopper's latest events (newest first) with their vectors as bytes:
    one query, whatever the number of shoppers. Raw SQL: it runs in every
    recommendation, and it joins the embeddings without going through products."""
    sql = (
        f"SELECT e.id, e.shopper_id, e.event_type, e.product_id, e.occurred_at, e.query, e.text, pe.model_id, "
        f"e.text_model_id, vector_send(pe.embedding), vector_send(e.text_embedding) "
        f"FROM {Event._meta.db_table} e LEFT JOIN {ProductEmbedding._meta.db_table} pe "
        f"ON pe.product_id = e.product_id WHERE e.shopper_id = ANY(%(ids)s) "
        f"ORDER BY e.shopper_id, e.occurred_at DESC, e.id DESC"
    )
    params: dict = {"ids": list(shopper_ids)}
    if len(shopper_ids) == 1 and limit:
        sql += " LIMIT %(limit)s"
        params["limit"] = limit
    grouped: dict[int, list[tuple]] = {pk: [] for pk in shopper_ids}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            rows = grouped[row[1]]
            if limit is None or len(rows) < limit:
                rows.append(row)
    return grouped


def build_history(rows: Iterable[tuple], *, model_id: str) -> History:
    history = History()
    product_vectors, query_vectors, social_vectors = [], [], []
    for (event_id, _shopper, event_type, product_id, occurred_at, query, text, product_model, text_model,
         product_bytes, text_bytes) in rows:
        if history.latest_at is None:
            history.latest_at = occurred_at
        history.event_count += 1
        age = (history.latest_at - occurred_at).total_seconds() / 86400.0
        if product_id is not None:
            history.product_ids.append(product_id)
            history.event_types.append(event_type)
            history.ages.append(age)
            if product_bytes is not None and product_model == model_id:
                history.vector_rows.append(len(history.product_ids) - 1)
                product_vectors.append(vector_from_bytes(product_bytes))
            if event_type == EventType.PURCHASE:
                history.purchased.add(product_id)
            if history.latest_at - occurred_at <= RECENTLY_SEEN:
                history.recently_seen.add(product_id)
        own_text = query if event_type == EventType.SEARCH else (text if event_type in SOCIAL_EVENT_TYPES else "")
        if not own_text:
            continue
        if text_bytes is None or text_model != model_id:
            history.texts_to_embed.append((event_id, own_text))
            continue
        if event_type == EventType.SEARCH:
            history.queries.append(own_text)
            history.query_ages.append(age)
            query_vectors.append(vector_from_bytes(text_bytes))
        else:
            history.social_ages.append(age)
            social_vectors.append(vector_from_bytes(text_bytes))
    history.vectors = stack(product_vectors, EMBEDDING_DIMENSIONS)
    history.query_vectors = stack(query_vectors, EMBEDDING_DIMENSIONS) if query_vectors else None
    history.social_vectors = stack(social_vectors, EMBEDDING_DIMENSIONS) if social_vectors else None
    return history
