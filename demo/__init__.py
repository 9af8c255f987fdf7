"""The demo: two stores built from real data, with their users, catalog, shopper
events and embeddings. It sits above the apps it composes (catalog, content,
recommendations) and nothing imports it."""
