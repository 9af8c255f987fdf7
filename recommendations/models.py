"""Shoppers, events, embeddings, profiles and evaluation runs (see issue 5)."""
