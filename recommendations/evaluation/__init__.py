"""Offline evaluation of recommendation methods on any store's events (no Django here)."""

from recommendations.evaluation.data import InteractionData, cold_items, load_csv, make_data
from recommendations.evaluation.runner import evaluate_method, run_evaluation

__all__ = ["InteractionData", "cold_items", "evaluate_method", "load_csv", "make_data", "run_evaluation"]
