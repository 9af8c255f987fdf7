"""Writes of the recommendations app: event ingestion and event files,
embeddings, profiles and interest summaries, evaluation runs, store settings.
Each function a member can reach checks the member's role itself."""
