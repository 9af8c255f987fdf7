"""A LoRA adapter merged into the weights of its GGUF base model.

llama.cpp applies an adapter at run time as two small matrix products beside each adapted
weight: for Gemma 3 270M with the adapter over all seven projections, 252 more operations a
layer stack, and a third less throughput (bench/RESULTS.md, "Merged adapters"). Merged, the
model is one set of weights again.

`merge_lora` dequantizes each adapted weight W, adds scale * B @ A (scale = alpha / rank, as
llama.cpp applies it), and writes the sum in Q8_0; every other tensor is copied as it was. Q8_0,
not the base's own 4- or 5-bit type: the tuning changes a weight matrix by about 1.4% of its
norm (the bundled adapter), less than 4-bit rounding moves it, so quantized back to the base's
type the merged model lost most of what it learnt (30% of drafts passing the yardstick's checks
against 61%). Q8_0 keeps it, costs about 15% more bytes a step than the base, and still
decodes about 1.45x as fast as the adapter applied at run time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType

from ...errors import ModelLoadError

_LORA_A, _LORA_B = ".lora_a", ".lora_b"
MERGED_TYPE = GGMLQuantizationType.Q8_0


def merge_lora(*, base: Path, adapter: Path, output: Path, vocabulary: str = "full",
               adapter_tokens: Iterable[int] = ()) -> int:
    """Write `base` (a GGUF model) with `adapter` (a GGUF LoRA for it) merged, to `output`,
    atomically. Returns how many weights the adapter changed. ModelLoadError when the adapter
    does not fit the base.

    With vocabulary "copy" the merged model keeps only the tokens product copy uses
    (inference/generation/llama/vocabulary.py) and `adapter_tokens`, those its training data
    taught it to write, where the repository lists tokens for the base's tokenizer."""
    import gguf
    from gguf.quants import dequantize, quantize

    from .vocabulary import Cut, Vocabulary, kept_with

    model = gguf.GGUFReader(str(base))
    cut = Cut(model, kept_with(Vocabulary.read(model), adapter_tokens) if vocabulary == "copy" else None)
    lora = gguf.GGUFReader(str(adapter))
    pairs = {t.name: t for t in lora.tensors}
    alpha_field = lora.fields.get("adapter.lora.alpha")
    if alpha_field is None:
        raise ModelLoadError(f"{adapter} is not a LoRA adapter (no adapter.lora.alpha)")
    alpha = float(alpha_field.contents())
    names = {t.name for t in model.tensors}
    unknown = sorted({name.removesuffix(_LORA_A).removesuffix(_LORA_B) for name in pairs} - names)
    if unknown:
        raise ModelLoadError(f"the adapter {adapter.name} changes weights the base model lacks: "
                             f"{', '.join(unknown[:3])}")

    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="merge-", dir=output.parent) as work:
        partial = Path(work) / output.name
        writer = cut.writer(partial)
        merged = 0
        for tensor in model.tensors:
            a, b = pairs.get(tensor.name + _LORA_A), pairs.get(tensor.name + _LORA_B)
            if a is None or b is None:
                data = cut.data(tensor)
                writer.add_tensor(tensor.name, data, raw_shape=data.shape, raw_dtype=tensor.tensor_type)
                continue
            weight = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
            down = np.asarray(a.data, dtype=np.float32)  # rank x in
            up = np.asarray(b.data, dtype=np.float32)  # out x rank
            if down.shape[0] != up.shape[1] or (up.shape[0], down.shape[1]) != weight.shape:
                raise ModelLoadError(f"the adapter's {tensor.name} has shape {up.shape} x {down.shape}, "
                                     f"the model's {weight.shape}")
            packed = quantize(weight + (alpha / down.shape[0]) * (up @ down), MERGED_TYPE)
            writer.add_tensor(tensor.name, packed, raw_shape=packed.shape, raw_dtype=MERGED_TYPE)
            merged += 1
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(partial, output)  # appears complete or not at all
    return merged
