"""English word forms for comparing a draft with product data: "pencils", "Pencil" and "penciled" are
one word here. Snowball stemming (PyStemmer, the Snowball project's C build: 0.3 µs a word where
the pure-Python build took 76 µs, see bench/RESULTS.md)."""

from __future__ import annotations

import threading
from functools import lru_cache

import Stemmer

_local = threading.local()  # a Stemmer object is not safe to share between threads


def _stemmer() -> Stemmer.Stemmer:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """Lower-cased stem; apostrophes and hyphens dropped first ("Wi-Fi" is "wifi")."""
    plain = word.lower().replace("'", "").replace("-", "").replace(".", "")
    return _stemmer().stemWord(plain) if plain.isalpha() else plain
