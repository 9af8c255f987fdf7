"""Reading vectors out of Postgres quickly.

pgvector's text form ("[0.1,0.2,...]") costs tens of microseconds per vector to
parse in Python; a recommendation reads a few hundred, so queries select the
binary form (`vector_send`) and numpy reads it directly."""

from __future__ import annotations

import numpy as np
from django.db.models import BinaryField, Func


class VectorBytes(Func):
    """The binary form of a vector column: 2-byte dimension, 2 unused bytes,
    then big-endian float32 values."""

    function = "vector_send"
    output_field = BinaryField()


def vector_from_bytes(data: bytes | memoryview | None) -> np.ndarray | None:
    if data is None:
        return None
    return np.frombuffer(bytes(data), dtype=">f4", offset=4).astype(np.float32)


def stack(vectors: list[np.ndarray], dimensions: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimensions), dtype=np.float32)
    return np.vstack(vectors).astype(np.float32, copy=False)
