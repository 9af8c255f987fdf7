"""A shopper's profile vector from the embeddings of what they did, weighted
by event type and decayed by age; in batch, a profile matrix."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from recommendations.engine.settings import ProfileSettings


def event_weights(
    event_types: Sequence[str], ages_days: Sequence[float] | np.ndarray, settings: ProfileSettings
) -> np.ndarray:
    """Weight of each event: its type's weight, halved every `half_life_days` of age."""
    ages = np.maximum(np.asarray(ages_days, dtype=np.float64), 0.0)
    type_weight = np.array([settings.event_weights.of(t) for t in event_types], dtype=np.float64)
    if type_weight.shape != ages.shape:
        raise ValueError("event_types and ages_days must have the same length")
    return type_weight * np.exp2(-ages / settings.half_life_days)


def _relative_weights(event_types: Sequence[str], ages: Sequence[float], settings: ProfileSettings) -> np.ndarray:
    # only ratios matter (each part is normalised): measuring age from the part's newest
    # event keeps a shopper whose events are all old from decaying to nothing
    ages = np.asarray(ages, dtype=np.float64)
    if len(ages):
        ages = ages - max(ages.min(), 0.0)
    return event_weights(event_types, ages, settings).astype(np.float32)


def _unit(vector: np.ndarray) -> np.ndarray | None:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 1e-12 else None


def _weighted_part(vectors, ages, settings: ProfileSettings, event_type: str) -> np.ndarray | None:
    if vectors is None or len(vectors) == 0:
        return None
    vectors = np.asarray(vectors, dtype=np.float32)
    ages = np.zeros(len(vectors)) if ages is None else np.asarray(ages, dtype=np.float64)
    return _unit(_relative_weights([event_type] * len(vectors), ages, settings) @ vectors)


def profile_vector(
    item_vectors: np.ndarray,
    item_events: Sequence[tuple[str, float]],
    query_vectors: np.ndarray | None = None,
    social_vectors: np.ndarray | None = None,
    settings: ProfileSettings | None = None,
    *,
    query_ages: Sequence[float] | None = None,
    social_ages: Sequence[float] | None = None,
) -> np.ndarray | None:
    """The shopper's unit profile vector u = f(x1..xn), or None for a shopper with no signal.

    `item_vectors[i]` is the embedding of the product of event i and `item_events[i]`
    its (event type, age in days). Queries and social texts are decayed by their own
    ages (age 0 when not given) with the same half-life. Each of the three parts is
    normalised, then mixed by the settings' shares; within a part only the ratios of
    the weights matter, so ages count from the part's newest event.
    Offline data without dates passes position-based pseudo-ages (0 for the latest event).
    """
    settings = settings or ProfileSettings()
    parts = []
    if item_vectors is not None and len(item_vectors):
        types = [t for t, _ in item_events]
        ages = [a for _, a in item_events]
        weights = _relative_weights(types, ages, settings)
        parts.append((settings.product_weight, _unit(weights @ np.asarray(item_vectors, dtype=np.float32))))
    parts.append((settings.query_weight, _weighted_part(query_vectors, query_ages, settings, "search")))
    parts.append((settings.social_weight, _weighted_part(social_vectors, social_ages, settings, "comment")))
    mixed = [w * v for w, v in parts if v is not None and w > 0]
    if not mixed:
        return None
    return _unit(np.sum(mixed, axis=0))


def profile_matrix(history: sp.csr_matrix, item_vectors: np.ndarray) -> np.ndarray:
    """Product parts of many profiles at once: row s = unit(sum_i history[s, i] * x_i).

    `history` holds each shopper's summed event weights per item (see `event_weights`);
    it is the same product part as `profile_vector`, in batch, for the evaluation.
    A row with no history stays zero.
    """
    profiles = np.asarray(history @ item_vectors, dtype=np.float32)
    norms = np.linalg.norm(profiles, axis=1, keepdims=True)
    return np.divide(profiles, norms, out=np.zeros_like(profiles), where=norms > 1e-12)
