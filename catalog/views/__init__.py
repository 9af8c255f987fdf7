"""The catalog's screens: home, products, import, jobs."""
