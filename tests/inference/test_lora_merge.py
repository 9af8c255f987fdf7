"""A LoRA adapter merged into a copy of the GGUF base (GENERATION_MERGE_ADAPTERS): the adapter's
text without the adapter's run-time cost."""

from __future__ import annotations

import gguf
import numpy as np
import pytest

from inference import GenerationParams, LoraAdapter, ModelLoadError
from inference.generation import get_generator
from inference.generation.llama.merge import MERGED_TYPE, merge_lora
from inference.gguf_cache import gguf_path
from inference.lora import gguf_adapter, merged_model

pytestmark = pytest.mark.model

GREEDY = GenerationParams(max_new_tokens=16, do_sample=False)


def test_merging_changes_only_the_adapted_weights(default_spec, peft_adapter, tmp_path):
    base_file = gguf_path(default_spec)
    adapter_file = gguf_adapter(LoraAdapter(peft_adapter), base=default_spec)
    output = tmp_path / "merged.gguf"

    changed = merge_lora(base=base_file, adapter=adapter_file, output=output)

    base = {t.name: t for t in gguf.GGUFReader(str(base_file)).tensors}
    merged = {t.name: t for t in gguf.GGUFReader(str(output)).tensors}
    adapted = {t.name.rsplit(".lora_", 1)[0] for t in gguf.GGUFReader(str(adapter_file)).tensors}
    assert changed == len(adapted) == 36  # q_proj and v_proj of 18 layers
    assert set(merged) == set(base)
    for name, tensor in base.items():
        if name in adapted:  # in Q8_0, which keeps a tuning's small changes
            assert merged[name].tensor_type == MERGED_TYPE
            assert np.abs(_values(merged[name]) - _values(tensor)).max() > 0
        else:  # copied byte for byte
            assert merged[name].tensor_type == tensor.tensor_type
            assert np.array_equal(np.asarray(tensor.data), np.asarray(merged[name].data)), name
    assert [p.name for p in tmp_path.iterdir()] == ["merged.gguf"]  # the unquantized copy is gone


def _values(tensor) -> np.ndarray:
    from gguf.quants import dequantize

    return dequantize(tensor.data, tensor.tensor_type)


def test_the_merged_model_writes_the_adapters_text_and_is_built_once(generator, default_spec, peft_adapter,
                                                                      product_prompt):
    prompt = product_prompt("Borosilicate glass beaker set", "50, 100, 250 and 500 ml")
    path = merged_model(LoraAdapter(peft_adapter), base=default_spec)
    built = path.stat().st_mtime_ns
    merged = get_generator(default_spec.replace(source=str(path), model_name=generator.model_id))

    text = merged.generate([prompt], params=GREEDY)[0].raw_text
    base = generator.generate([prompt], params=GREEDY)[0].raw_text
    adapted = generator.generate([prompt], params=GREEDY, adapter=LoraAdapter(peft_adapter))[0].raw_text

    assert merged.model_id == generator.model_id  # drafts record the base's id, plus the version's label
    assert text != base
    assert text == adapted
    assert merged_model(LoraAdapter(peft_adapter), base=default_spec) == path
    assert path.stat().st_mtime_ns == built
    path.unlink()  # the fixture's adapter is new each session: its merged copy would only pile up


def test_an_adapter_for_weights_the_base_lacks_is_refused(default_spec, tmp_path):
    foreign = tmp_path / "foreign.gguf"
    writer = gguf.GGUFWriter(str(foreign), "gemma3")
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", 8.0)
    writer.add_tensor("blk.99.attn_q.weight.lora_a", np.zeros((4, 640), dtype=np.float32))
    writer.add_tensor("blk.99.attn_q.weight.lora_b", np.zeros((1024, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()

    with pytest.raises(ModelLoadError, match="weights the base model lacks: blk.99.attn_q.weight"):
        merge_lora(base=gguf_path(default_spec), adapter=foreign, output=tmp_path / "out.gguf")
    assert not (tmp_path / "out.gguf").exists()
