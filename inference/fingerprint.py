"""Cheap identities for model files, used in cache keys and model ids.

Path, size and modification time identify a file well enough to notice a replaced
model without hashing hundreds of megabytes on every worker start.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".gguf")


def file_fingerprint(path: Path) -> str:
    stat = path.stat()
    return _short_hash(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}")


def folder_fingerprint(path: Path) -> str:
    """Hash of the folder's weight and config files (relative name, size, mtime).

    A model retrained into the same folder gets a new fingerprint, so vectors or
    drafts from the old weights are never attributed to the new ones.
    """
    parts = []
    for file in sorted(path.rglob("*")):
        if file.is_file() and (file.suffix in _WEIGHT_SUFFIXES or file.name == "config.json"):
            stat = file.stat()
            parts.append(f"{file.relative_to(path)}|{stat.st_size}|{stat.st_mtime_ns}")
    return _short_hash("\n".join(parts))


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
