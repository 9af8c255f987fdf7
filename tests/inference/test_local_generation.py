"""The transformers runtime with the real default model (Gemma 3 270M GGUF, dequantized).

The default model runs on llama.cpp; these tests ask for the transformers backend,
which GPU hosts and model folders use."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from inference import ChatTemplateUnavailable, GenerationParams, ModelLoadError, ModelSpec, get_generator
from inference.generation.local import LocalGenerator, _produced_tokens
from inference.gguf_cache import converted_model_folder
from inference.spec import PACKAGED_MODEL_ID

pytestmark = pytest.mark.model

TRIM_TEMPLATE = "Product: {title}\nFeatures:\n{attributes}\nDescription:"


@pytest.fixture(scope="module")
def default_spec(model_cache_dir):
    return ModelSpec.default(cache_dir=model_cache_dir, device="cpu", batch_size=4, backend="transformers")


@pytest.fixture(scope="module")
def generator(default_spec):
    generator = get_generator(default_spec)
    assert isinstance(generator, LocalGenerator)
    return generator


def test_batch_generation_gives_text_for_prompts_of_different_lengths(generator, product_prompt):
    prompts = [
        product_prompt("Wireless mouse by Logi", "2.4 GHz receiver, 12 months battery"),
        product_prompt("Yoga mat", "5 mm"),
        product_prompt(
            "Desk lamp by IKEA",
            "LED, three brightness levels, USB-C charging, aluminium arm, weighted base, warm and cold light",
        ),
    ]
    params = GenerationParams(max_new_tokens=32, seed=7)

    results = generator.generate(prompts, params=params, batch_size=2)

    assert len(results) == 3
    for prompt, result in zip(prompts, results, strict=True):
        assert result.text.strip()
        assert result.model_id == PACKAGED_MODEL_ID
        assert result.finish_reason in ("stop", "length")
        assert result.prompt_tokens == generator.count_tokens(prompt)
        assert 0 < result.completion_tokens <= 32
        assert result.latency_s > 0


def test_same_seed_gives_the_same_output(generator, product_prompt, short_params):
    prompts = [product_prompt("Backpack by Osprey", "28 L, laptop sleeve"), product_prompt("Notebook", "A5, dotted")]

    first = generator.generate(prompts, params=short_params)
    second = generator.generate(prompts, params=short_params)
    other_seed = generator.generate(prompts, params=short_params.replace(seed=99))

    assert [result.raw_text for result in first] == [result.raw_text for result in second]
    assert [result.completion_tokens for result in first] == [result.completion_tokens for result in second]
    assert [result.raw_text for result in first] != [result.raw_text for result in other_seed]


def test_a_stop_sequence_cuts_and_ends_the_batch_early(generator, product_prompt, caplog):
    prompts = [product_prompt("Water bottle by Hydro", "750 ml, insulated"), product_prompt("Headphones", "30 h")]
    params = GenerationParams(max_new_tokens=48, seed=5, stop=(".",))

    with caplog.at_level(logging.INFO, logger="inference.generation.local"):
        results = generator.generate(prompts, params=params, batch_size=2)

    for result in results:
        assert result.finish_reason == "stop"
        assert "." not in result.text
        assert result.completion_tokens < 48
    # Both rows stopped, so the batch stopped: it ran only as many steps as its longest
    # row (plus one when that row ended on EOS, which is not counted as output).
    batch_log = next(record for record in caplog.records if record.msg == "generation.batch_done")
    longest = max(result.completion_tokens for result in results)
    assert longest <= batch_log.steps <= longest + 1 < 48


def test_token_counts_are_exact_and_exclude_padding(generator, product_prompt):
    short, long = "Product: Mug\nDescription:", product_prompt("Lamp", "LED")
    params = GenerationParams(max_new_tokens=6, seed=3, repetition_penalty=1.0)

    results = generator.generate([short, long], params=params, batch_size=2)

    assert [result.prompt_tokens for result in results] == [
        len(generator.tokenizer(short).input_ids),
        len(generator.tokenizer(long).input_ids),
    ]
    for result in results:
        if result.finish_reason == "length":
            assert result.completion_tokens == 6
        assert result.completion_tokens <= 6


def test_produced_tokens_stop_at_eos_and_padding():
    eos, pad = frozenset({1}), 0

    assert _produced_tokens([5, 6, 1, 0, 0], eos_ids=eos, pad_id=pad) == ([5, 6], True)
    assert _produced_tokens([5, 6, 0, 0], eos_ids=eos, pad_id=pad) == ([5, 6], False)
    assert _produced_tokens([5, 6, 7], eos_ids=eos, pad_id=pad) == ([5, 6, 7], False)


def test_sampling_with_top_k_off_and_greedy_decoding_work(generator, product_prompt):
    prompt = product_prompt("Cotton t-shirt", "100% cotton, crew neck")

    nucleus_only = generator.generate([prompt], params=GenerationParams(max_new_tokens=8, top_k=0, seed=1))[0]
    greedy = GenerationParams(max_new_tokens=8, do_sample=False, no_repeat_ngram_size=3)
    first, second = generator.generate([prompt], params=greedy)[0], generator.generate([prompt], params=greedy)[0]

    assert nucleus_only.completion_tokens > 0
    assert first.raw_text == second.raw_text


def test_a_prompt_longer_than_the_context_fails_alone(generator):
    too_long = "word " * (generator.context_length + 10)
    params = GenerationParams(max_new_tokens=8, seed=1)

    failed, succeeded = generator.generate([too_long, "Product: Mug\nDescription:"], params=params)

    assert failed.finish_reason == "error"
    assert "exceeds the model's context" in failed.error
    assert failed.text == ""
    assert succeeded.finish_reason in ("stop", "length")


def test_fit_prompt_trims_attributes_with_the_real_tokenizer(generator):
    attributes = "\n".join(f"Detail {number}: a long descriptive value number {number}" for number in range(200))
    values = {"title": "Trail shoe", "attributes": attributes}
    budget = 60

    fitted = generator.fit_prompt(
        render=lambda current: TRIM_TEMPLATE.format_map(current),
        values=values,
        trim_order=["attributes"],
        max_new_tokens=generator.context_length - budget,
    )

    assert fitted.trimmed is True
    assert fitted.trimmed_sections == ("attributes",)
    assert fitted.prompt_tokens == generator.count_tokens(fitted.text) <= budget
    assert fitted.values["attributes"].startswith("Detail 0: a long descriptive value number 0")
    assert fitted.text.startswith("Product: Trail shoe\nFeatures:\nDetail 0")


def test_context_length_and_chat_template_of_the_default_model(generator):
    assert generator.context_length == 32768
    assert generator.has_chat_template is False
    with pytest.raises(ChatTemplateUnavailable):
        generator.render_chat([{"role": "user", "content": "Hello"}])


def test_a_second_load_reuses_the_converted_cache(generator, default_spec):
    folder = converted_model_folder(default_spec).folder

    again = LocalGenerator(spec=default_spec)

    assert generator.load_source in ("gguf", "cache")
    assert again.load_source == "cache"
    assert (folder / "model.safetensors").is_file()
    assert json.loads((folder / "runtime-cache.json").read_text())["source"] == default_spec.source
    assert again.model_id == generator.model_id


def test_a_model_folder_with_a_chat_template(default_spec, tmp_path):
    converted = converted_model_folder(default_spec).folder
    folder = tmp_path / "gemma-chat"
    folder.mkdir()
    for entry in converted.iterdir():
        if entry.name != "tokenizer_config.json":
            os.symlink(entry, folder / entry.name)
    tokenizer_config = json.loads((converted / "tokenizer_config.json").read_text())
    tokenizer_config["chat_template"] = (
        "{{ bos_token }}{% for message in messages %}<start_of_turn>{{ message['role'] }}\n"
        "{{ message['content'] }}<end_of_turn>\n{% endfor %}"
        "{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
    )
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config))

    chat = LocalGenerator(spec=ModelSpec.from_setting(str(folder), device="cpu"))
    prompt = chat.render_chat([{"role": "user", "content": "Describe a ceramic mug."}])
    result = chat.generate([prompt], params=GenerationParams(max_new_tokens=8, seed=2))[0]

    assert chat.load_source == "folder"
    assert chat.model_id.startswith("gemma-chat@")
    assert chat.has_chat_template
    assert prompt == "<start_of_turn>user\nDescribe a ceramic mug.<end_of_turn>\n<start_of_turn>model\n"
    assert chat.count_tokens(prompt) == len(chat.tokenizer(prompt).input_ids)
    assert chat.tokenizer(prompt).input_ids.count(chat.tokenizer.bos_token_id) == 1
    assert result.completion_tokens > 0


def test_a_missing_gguf_file_is_a_load_error_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "model.gguf"

    with pytest.raises(ModelLoadError, match=f"GGUF file not found: {missing}"):
        LocalGenerator(spec=ModelSpec(kind="gguf", source=str(missing), cache_dir=tmp_path))
    with pytest.raises(ModelLoadError, match=f"GGUF file not found: {missing}"):
        ModelSpec.from_setting(str(missing))


def test_a_broken_gguf_file_leaves_no_half_written_cache(tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\x00" * 64)
    cache_dir = tmp_path / "cache"

    with pytest.raises(ModelLoadError, match=f"could not read GGUF file {broken}"):
        LocalGenerator(spec=ModelSpec.from_setting(str(broken), cache_dir=cache_dir))

    leftovers = [path.name for path in (cache_dir / "converted").iterdir() if not path.name.endswith(".lock")]
    assert leftovers == []


def test_a_folder_without_config_is_not_a_model(tmp_path):
    with pytest.raises(ModelLoadError, match=f"not a model folder: {tmp_path}"):
        ModelSpec.from_setting(str(tmp_path))


def test_cuda_requested_without_cuda_is_a_load_error(default_spec):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelLoadError, match="CUDA is not available"):
        LocalGenerator(spec=default_spec.replace(device="cuda"))


def test_the_default_cache_dir_follows_model_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path))

    assert ModelSpec.from_setting("default").cache_dir == Path(tmp_path)
