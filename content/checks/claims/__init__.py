"""Unsupported claims: facts in a draft that the product data does not give (see `check`)."""

from .check import NAME, Claim, check_unsupported_claims, find_unsupported_claims
from .facts import without_questions
from .kinds import KINDS

__all__ = ["KINDS", "NAME", "Claim", "check_unsupported_claims", "find_unsupported_claims", "without_questions"]
