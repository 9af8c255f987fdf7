"""Reads of the recommendations app: shoppers and their timelines (here),
recommendations for a shopper (`ranking`, with `candidates` from pgvector and
`history`), similar products and search (`discovery`), embeddings and
evaluations."""

from recommendations.selectors.shoppers import (
    active_summary_job,
    evaluation_runs,
    latest_evaluation,
    sample_shoppers,
    shopper_by_external_id,
    shopper_for_store,
    shopper_page,
    shopper_profile,
    shopper_queryset,
    shopper_timeline,
    store_numbers,
)

__all__ = [
    "active_summary_job",
    "evaluation_runs",
    "latest_evaluation",
    "sample_shoppers",
    "shopper_by_external_id",
    "shopper_for_store",
    "shopper_page",
    "shopper_profile",
    "shopper_queryset",
    "shopper_timeline",
    "store_numbers",
]
