"""LoRA adapters over the default model: a PEFT folder converted to GGUF for llama.cpp."""

from __future__ import annotations

import pytest

from inference import GenerationParams, LoraAdapter, ModelLoadError
from inference.lora import gguf_adapter

pytestmark = pytest.mark.model

GREEDY = GenerationParams(max_new_tokens=16, do_sample=False)


def test_a_peft_adapter_converts_to_gguf_once(peft_adapter, default_spec):
    adapter = LoraAdapter(peft_adapter)

    converted = gguf_adapter(adapter, base=default_spec)
    modified = converted.stat().st_mtime_ns

    assert converted.suffix == ".gguf" and converted.read_bytes()[:4] == b"GGUF"
    assert gguf_adapter(LoraAdapter(peft_adapter), base=default_spec) == converted
    assert converted.stat().st_mtime_ns == modified


def test_base_plus_adapter_writes_other_text_than_the_base(generator, peft_adapter, product_prompt):
    prompt = product_prompt("Borosilicate glass beaker set", "50, 100, 250 and 500 ml")

    base = generator.generate([prompt], params=GREEDY)[0]
    adapted = generator.generate([prompt, prompt], params=GREEDY, adapter=LoraAdapter(peft_adapter))
    converted = generator.generate([prompt], params=GREEDY,
                                   adapter=LoraAdapter(gguf_adapter(LoraAdapter(peft_adapter),
                                                                    base=generator.spec)))[0]
    base_again = generator.generate([prompt], params=GREEDY)[0]

    assert adapted[0].raw_text != base.raw_text
    assert adapted[0].raw_text == adapted[1].raw_text == converted.raw_text
    assert base_again.raw_text == base.raw_text  # the adapter is off again, its cached prefix gone


def test_an_adapter_at_scale_zero_is_the_base(generator, peft_adapter, product_prompt):
    prompt = product_prompt("Nitrile exam gloves", "box of 100")

    base = generator.generate([prompt], params=GREEDY)[0]
    off = generator.generate([prompt], params=GREEDY, adapter=LoraAdapter(peft_adapter, scale=0.0))[0]

    assert off.raw_text == base.raw_text


def test_a_missing_or_foreign_adapter_is_a_load_error(tmp_path):
    with pytest.raises(ModelLoadError, match="LoRA adapter not found"):
        LoraAdapter(tmp_path / "missing")
    (tmp_path / "weights.bin").write_bytes(b"\x00")
    with pytest.raises(ModelLoadError, match="not a LoRA adapter"):
        LoraAdapter(tmp_path / "weights.bin")


def test_a_gguf_that_is_not_an_adapter_for_this_model_is_a_load_error(generator, tmp_path):
    broken = tmp_path / "broken-adapter.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)

    with pytest.raises(ModelLoadError, match=f"could not load LoRA adapter {broken}"):
        generator.generate(["Product: mug\nDescription:"], params=GREEDY, adapter=LoraAdapter(broken))
