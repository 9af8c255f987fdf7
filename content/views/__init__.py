"""The content screens: Generate, Prompts (with the playground), Brand voice, Review, and what the
content app adds to catalog pages (`sections`)."""
