"""Recommendation scoring in plain numpy: settings, profiles, co-occurrence,
popularity, the hybrid score with reasons, and diversity (MMR).

No Django here. The app calls these functions online (one shopper, a candidate
pool from pgvector) and the offline evaluation (recommendations.evaluation)
calls the same ones in batch (many shoppers, every product), so the evaluation
measures what production serves.

Items are integer indices into the caller's catalog arrays (the app maps product
ids to indices when it builds its scoring data). Ages are in days; data that only
has an order (the shared dataset's `seq`) passes the position from the end as a
pseudo-age, one position counting as one day.
"""

from recommendations.engine.cooccurrence import (
    CooccurrenceModel,
    build_cooccurrence,
    build_cooccurrence_from_settings,
    cooccurrence_candidates,
    cooccurrence_scores,
)
from recommendations.engine.diversity import MMR_TOP, mmr, recommend
from recommendations.engine.hybrid import PARTS, Reason, Scored, fallback, hybrid_parts, hybrid_score
from recommendations.engine.popularity import Popularity, build_popularity
from recommendations.engine.profiles import event_weights, profile_matrix, profile_vector
from recommendations.engine.settings import (
    EVENT_TYPES,
    EVENT_VERBS,
    EventWeights,
    HybridSettings,
    ProfileSettings,
    SettingsError,
)

__all__ = [
    "CooccurrenceModel",
    "EVENT_TYPES",
    "EVENT_VERBS",
    "EventWeights",
    "HybridSettings",
    "MMR_TOP",
    "PARTS",
    "Popularity",
    "ProfileSettings",
    "Reason",
    "Scored",
    "SettingsError",
    "build_cooccurrence",
    "build_cooccurrence_from_settings",
    "build_popularity",
    "cooccurrence_candidates",
    "cooccurrence_scores",
    "event_weights",
    "fallback",
    "hybrid_parts",
    "hybrid_score",
    "mmr",
    "profile_matrix",
    "profile_vector",
    "recommend",
]
