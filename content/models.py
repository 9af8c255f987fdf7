"""Prompt templates, generation jobs, drafts and their review (see issue 3 and 4)."""
