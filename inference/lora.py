"""LoRA adapters on a base model: which adapter a request uses, and PEFT -> GGUF conversion.

Fine-tuning (transformers + PEFT) writes a PEFT folder (adapter_config.json and
adapter_model.safetensors). The transformers runtime loads that folder as is;
llama.cpp needs the adapter as GGUF. `gguf_adapter` converts a PEFT folder once
with llama.cpp's own `convert_lora_to_gguf.py`, from the llama-cpp-python source
that `make install` built the library from (the wheel does not ship the script,
and the `gguf` package has the writer but not the conversion), so converter and
library are always the same version. The converted file is cached under
MODEL_CACHE_DIR, named after the adapter folder's fingerprint.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ModelLoadError
from .fingerprint import file_fingerprint, folder_fingerprint
from .spec import _REPO_ROOT, ModelSpec

LLAMA_CPP_VERSION = "0.3.36"
_CONVERT_TIMEOUT_S = 600
# Beside a PEFT adapter: the token ids of its training completions ({"tokens": [...]}).
ADAPTER_TOKENS = "tokens.json"


def llama_cpp_source_dir() -> Path:
    """The llama.cpp sources inside the llama-cpp-python sdist that `make install` unpacked."""
    configured = os.environ.get("LLAMA_CPP_SOURCE_DIR", "").strip()
    if configured:
        return Path(configured)
    return _REPO_ROOT / "var" / "llama.cpp" / f"llama_cpp_python-{LLAMA_CPP_VERSION}" / "vendor" / "llama.cpp"


@dataclass(frozen=True)
class LoraAdapter:
    """An adapter to apply over the base model: a GGUF file or a PEFT folder, with a scale."""

    path: Path
    scale: float = 1.0
    fingerprint: str = field(init=False, compare=True)

    def __post_init__(self) -> None:
        path = Path(self.path).expanduser().resolve()
        object.__setattr__(self, "path", path)
        if not isinstance(self.scale, int | float) or not math.isfinite(self.scale):
            raise ModelLoadError(f"a LoRA scale must be a finite number, got {self.scale!r}")
        if path.is_file() and path.suffix.lower() == ".gguf":
            fingerprint = file_fingerprint(path)
        elif path.is_dir() and (path / "adapter_config.json").is_file():
            fingerprint = folder_fingerprint(path)
        elif path.exists():
            raise ModelLoadError(f"not a LoRA adapter: {path} is neither a .gguf file nor a PEFT folder "
                                 "(with adapter_config.json)")
        else:
            raise ModelLoadError(f"LoRA adapter not found: {path}")
        object.__setattr__(self, "fingerprint", fingerprint)

    @property
    def is_gguf(self) -> bool:
        return self.path.suffix.lower() == ".gguf"


def gguf_adapter(adapter: LoraAdapter, *, base: ModelSpec) -> Path:
    """The adapter as a GGUF file for llama.cpp, converting a PEFT folder the first time."""
    if adapter.is_gguf:
        return adapter.path
    target = base.cache_dir / "lora" / f"{adapter.path.name}-{adapter.fingerprint}.gguf"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lora-", dir=target.parent) as work:
        partial = Path(work) / target.name
        convert_peft_adapter(adapter_dir=adapter.path, base_config_dir=base_config_dir(base, Path(work)),
                             output=partial)
        os.replace(partial, target)  # appears complete or not at all
    return target


def merged_model(adapter: LoraAdapter, *, base: ModelSpec) -> Path:
    """The base GGUF with `adapter` merged into its weights (inference.generation.llama.merge):
    llama.cpp decodes it about 1.45x as fast as the adapter applied at run time. Built the
    first time (a few seconds for Gemma 3 270M) and cached under MODEL_CACHE_DIR, named after
    both files' fingerprints, so a replaced base or a retrained adapter gets a new file."""
    from .generation.llama.merge import merge_lora
    from .generation.llama.vocabulary import lists_label
    from .gguf_cache import gguf_path

    if base.kind != "gguf":
        raise ModelLoadError("only a GGUF model can have an adapter merged into it")
    base_file = gguf_path(base)
    adapter_file = gguf_adapter(adapter, base=base)
    vocabulary = f"-copy-{lists_label()}" if base.vocabulary == "copy" else ""
    target = base.cache_dir / "merged" / (
        f"{base_file.stem}-{file_fingerprint(base_file)}-{adapter.fingerprint}{vocabulary}.gguf")
    if target.is_file():
        return target
    merge_lora(base=base_file, adapter=adapter_file, output=target, vocabulary=base.vocabulary,
               adapter_tokens=adapter_tokens(adapter))
    return target


def adapter_tokens(adapter: LoraAdapter) -> list[int]:
    """The token ids an adapter's training completions hold (ADAPTER_TOKENS, written by
    inference.finetune): a merged model with the product-copy vocabulary keeps them, so a tuned
    version can write every word it was taught. Empty for an adapter without the file."""
    path = (adapter.path if adapter.path.is_dir() else adapter.path.parent) / ADAPTER_TOKENS
    try:
        return [int(token) for token in json.loads(path.read_text())["tokens"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def convert_peft_adapter(*, adapter_dir: Path, base_config_dir: Path, output: Path) -> None:
    """Run llama.cpp's convert_lora_to_gguf.py on a PEFT folder (f16 weights, alpha kept)."""
    script = llama_cpp_source_dir() / "convert_lora_to_gguf.py"
    if not script.is_file():
        raise ModelLoadError(
            f"cannot convert the PEFT adapter {adapter_dir} to GGUF: {script} is missing (run `make install`, "
            "which unpacks the llama.cpp sources, or set LLAMA_CPP_SOURCE_DIR)"
        )
    command = [sys.executable, str(script), "--base", str(base_config_dir), "--outfile", str(output),
               "--outtype", "f16", str(adapter_dir)]
    environment = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    try:
        finished = subprocess.run(command, capture_output=True, text=True, timeout=_CONVERT_TIMEOUT_S,
                                  env=environment, check=False)
    except subprocess.TimeoutExpired as exc:
        raise ModelLoadError(f"converting the PEFT adapter {adapter_dir} took over {_CONVERT_TIMEOUT_S} s") from exc
    if finished.returncode != 0 or not output.is_file():
        tail = (finished.stderr or finished.stdout).strip().splitlines()[-3:]
        raise ModelLoadError(f"could not convert the PEFT adapter {adapter_dir} to GGUF: {' | '.join(tail)}")


def base_config_dir(base: ModelSpec, scratch: Path) -> Path:
    """A folder with the base model's config.json, which is all the converter reads of the base.

    A GGUF base states its config in its metadata: transformers reads it from there
    without loading (or dequantizing) a single weight.
    """
    if base.kind == "hf":
        return Path(base.source)
    from transformers import AutoConfig

    from .gguf_cache import gguf_path

    path = gguf_path(base)
    try:
        config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"could not read the model config from {path}: {exc}") from exc
    if not getattr(config, "architectures", None):
        # The converter picks its model class by this name, which GGUF metadata lacks.
        from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

        config.architectures = [MODEL_FOR_CAUSAL_LM_MAPPING_NAMES[config.model_type]]
    folder = scratch / "base-config"
    folder.mkdir()
    config.save_pretrained(folder)
    return folder

