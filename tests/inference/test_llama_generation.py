"""The llama.cpp runtime with the real default model (Gemma 3 270M Q4_K_M GGUF)."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest

from inference import (
    GenerationParams,
    GenerationRequest,
    ModelLoadError,
    ModelSpec,
    get_generator,
)
from inference.generation.base import take_from
from inference.generation.llama import LlamaCppGenerator
from inference.generation.llama.engine import _stopped
from inference.spec import PACKAGED_MODEL_ID

pytestmark = pytest.mark.model

GREEDY = GenerationParams(max_new_tokens=20, do_sample=False, stop=("\n\n",))


@pytest.fixture(scope="module")
def prompts(product_prompt):
    return [
        product_prompt("Wireless mouse by Logi", "2.4 GHz receiver, 12 months battery"),
        product_prompt("Yoga mat", "5 mm"),
        product_prompt("Desk lamp by IKEA", "LED, three brightness levels, USB-C charging, aluminium arm"),
        product_prompt("Borosilicate glass beaker set", "50, 100, 250 and 500 ml, graduated"),
        product_prompt("Nitrile exam gloves by Medline", "powder-free, box of 100"),
    ]


def test_the_default_model_runs_on_llama_cpp(generator):
    assert isinstance(generator, LlamaCppGenerator)
    assert generator.model_id == PACKAGED_MODEL_ID
    assert generator.context_length == 4096  # tokens per sequence unless GENERATION_CONTEXT_LENGTH says
    assert generator.has_chat_template is False


def test_a_batch_gives_text_with_exact_token_counts_and_a_latency_each(generator, prompts):
    params = GenerationParams(max_new_tokens=24, seed=7)

    started = time.perf_counter()
    results = generator.generate(prompts, params=params)
    wall = time.perf_counter() - started

    assert len(results) == len(prompts)
    for prompt, result in zip(prompts, results, strict=True):
        assert result.text.strip()
        assert result.model_id == PACKAGED_MODEL_ID
        assert result.finish_reason in ("stop", "length")
        assert result.prompt_tokens == generator.count_tokens(prompt)
        assert 0 < result.completion_tokens <= 24
        assert 0 < result.latency_s <= wall  # its own: until its last token


def test_a_seeded_greedy_request_gives_the_same_text_alone_and_inside_a_batch(generator, prompts):
    params = GREEDY.replace(seed=11)

    alone = [generator.generate([prompt], params=params)[0] for prompt in prompts]
    together = generator.generate(prompts, params=params)

    assert [result.raw_text for result in together] == [result.raw_text for result in alone]
    assert [result.completion_tokens for result in together] == [result.completion_tokens for result in alone]


def test_a_seeded_sampled_request_gives_the_same_text_alone_and_first_in_a_batch(generator, prompts):
    params = GenerationParams(max_new_tokens=16, seed=5)

    first_alone = generator.generate(prompts[:1], params=params)[0]
    batch = generator.generate(prompts, params=params)
    again = generator.generate(prompts, params=params)
    other_seed = generator.generate(prompts, params=params.replace(seed=6))

    assert batch[0].raw_text == first_alone.raw_text
    assert [result.raw_text for result in batch] == [result.raw_text for result in again]
    assert [result.raw_text for result in batch] != [result.raw_text for result in other_seed]


def test_identical_prompts_share_their_computation_and_still_sample_apart(generator, prompts):
    params = GenerationParams(max_new_tokens=16, seed=3)

    variants = generator.generate([prompts[0]] * 4, params=params)
    greedy = generator.generate([prompts[0]] * 2 + [prompts[1]], params=GREEDY)

    assert len({result.raw_text for result in variants}) > 1  # seed + index per variant
    assert greedy[0].raw_text == greedy[1].raw_text == generator.generate([prompts[0]], params=GREEDY)[0].raw_text
    assert greedy[2].raw_text == generator.generate([prompts[1]], params=GREEDY)[0].raw_text


def test_more_prompts_than_a_batch_run_in_several_batches_in_order(generator, prompts):
    results = generator.generate(prompts, params=GREEDY, batch_size=2)

    assert [result.raw_text for result in results] == [
        generator.generate([prompt], params=GREEDY)[0].raw_text for prompt in prompts
    ]


def test_every_decoding_step_lists_its_sequences_in_order_after_ids_are_handed_out_again(
        generator, prompts, monkeypatch):
    # Finished sequences give their ids back in the order they finished; llama.cpp splits a step
    # whose sequences are out of order into many small decodes (4x slower per step, measured).
    decoder = generator._decoder
    steps: list[list[int]] = []
    feed = decoder._feed

    def recording_feed(tokens):
        ids = [entry[0] for entry in tokens]
        if len(ids) > 1 and len(set(ids)) == len(ids):  # one token per sequence: a decoding step
            steps.append(ids)
        return feed(tokens)

    monkeypatch.setattr(decoder, "_feed", recording_feed)
    params = GenerationParams(max_new_tokens=12, do_sample=False)

    generator.generate(prompts, params=params, batch_size=3)

    assert len(steps) > 12  # the two prompts after the first three were decoded too
    assert all(ids == sorted(ids) for ids in steps)
    assert any(ids != list(range(1, len(ids) + 1)) for ids in steps)  # ids were handed out again


def test_a_stream_starts_requests_as_places_free_and_takes_more_while_results_come_back(generator, prompts):
    alone = {prompt: generator.generate([prompt], params=GREEDY)[0].raw_text for prompt in prompts}
    queue = [GenerationRequest(prompt=prompt, params=GREEDY) for prompt in prompts[:3]]
    asked: list[int] = []

    def take(count):
        asked.append(count)
        taken = queue[:count]
        del queue[:count]
        return taken

    order: list[int] = []
    texts: dict[int, str] = {}
    for index, result in generator.generate_stream(take, batch_size=2):
        order.append(index)
        texts[index] = result.raw_text
        if index == 0:  # added while the stream runs, as a job adds a retry or its next batch
            queue.extend(GenerationRequest(prompt=prompt, params=GREEDY) for prompt in prompts[3:])

    assert sorted(order) == list(range(len(prompts)))
    assert [texts[index] for index in range(len(prompts))] == [alone[prompt] for prompt in prompts]
    assert asked[0] == 4 and all(count <= 2 for count in asked[1:])  # two widths first, then free places


def test_a_prompt_that_departs_from_the_cached_prefix_sooner_writes_what_it_writes_alone(generator, prompts):
    other = "Write one sentence about this product.\nProduct: Glass beaker, 250 ml\nSentence:"
    alone = generator.generate([other], params=GREEDY)[0].raw_text
    queue = [GenerationRequest(prompt=prompt, params=GREEDY) for prompt in prompts[:2]]
    sent_other = False

    def take(count):
        nonlocal sent_other
        if queue:
            taken = queue[:count]
            del queue[:count]
            return taken
        if not sent_other:
            sent_other = True
            return [GenerationRequest(prompt=other, params=GREEDY)]
        return []

    results = dict(generator.generate_stream(take, batch_size=2, lookahead=2))

    assert results[2].raw_text == alone


def test_closing_a_stream_frees_its_sequences_and_the_model(generator, prompts):
    take = take_from([GenerationRequest(prompt=prompt, params=GREEDY) for prompt in prompts])

    stream = generator.generate_stream(take, batch_size=4)
    next(stream)
    stream.close()

    context = generator._decoder.context
    assert all(context.first_position(sequence) == -1 for sequence in range(1, context.sequences))
    assert generator.generate([prompts[0]], params=GREEDY)[0].raw_text  # not locked out


def test_without_exact_batches_the_faster_kernels_write_drafts_with_exact_token_counts(default_spec, prompts,
                                                                                      caplog):
    with caplog.at_level(logging.INFO, logger="inference.generation.llama.generator"):
        fast = get_generator(default_spec.replace(exact_batches=False))

    results = fast.generate(prompts[:3], params=GREEDY.replace(max_new_tokens=16))

    loaded = [record for record in caplog.records if record.msg == "generation.model_loaded"]
    assert [record.exact_batches for record in loaded] == [False]
    for prompt, result in zip(prompts, results, strict=False):
        assert result.text.strip() and 0 < result.completion_tokens <= 16
        assert result.prompt_tokens == fast.count_tokens(prompt)


def test_a_stop_sequence_ends_a_completion_and_is_cut(generator, prompts):
    params = GenerationParams(max_new_tokens=48, seed=5, stop=(".",))

    results = generator.generate(prompts[:3], params=params)

    for result in results:
        assert "." not in result.text
        if result.finish_reason == "stop":
            assert "." in result.raw_text and result.completion_tokens < 48


def test_a_stop_before_the_first_word_does_not_count():
    assert not _stopped(bytearray(b"\n\n"), ["\n\n"])
    assert not _stopped(bytearray(b"\n\nA light"), ["\n\n"])
    assert _stopped(bytearray(b"\n\nA light shoe.\n\n"), ["\n\n"])


def test_a_token_filter_keeps_banned_tokens_out_of_the_completion(generator, prompts):
    digits = np.array([token for token in range(generator.vocabulary_size)
                       if any(character.isdigit() for character in generator.token_piece(token).decode(
                           "utf-8", "ignore"))])

    def no_digits(*, generated, logits):
        logits[digits] = -np.inf

    prompt = prompts[3]  # the beaker set: the model wants to write its volumes
    plain = generator.generate([prompt], params=GREEDY.replace(max_new_tokens=32))[0]
    filtered = generator.generate_requests(
        [GenerationRequest(prompt=prompt, params=GREEDY.replace(max_new_tokens=32), token_filters=(no_digits,))]
    )[0]

    assert any(character.isdigit() for character in plain.raw_text)
    assert filtered.completion_tokens > 0
    assert not any(character.isdigit() for character in filtered.raw_text)


def test_requests_in_one_batch_keep_their_own_parameters(generator, prompts):
    short = GREEDY.replace(max_new_tokens=3, stop=())
    long = GREEDY.replace(max_new_tokens=12, stop=())

    results = generator.generate_requests([GenerationRequest(prompt=prompts[0], params=short),
                                           GenerationRequest(prompt=prompts[1], params=long)])

    assert [result.completion_tokens for result in results] == [3, 12]
    assert results[1].raw_text == generator.generate([prompts[1]], params=long)[0].raw_text


def test_a_prompt_longer_than_the_context_fails_alone(default_spec, prompts):
    small = get_generator(default_spec.replace(context_length=256))
    too_long = "Product: " + "very " * 400 + "long\nDescription:"

    results = small.generate([prompts[1], too_long], params=GREEDY)

    assert results[0].finish_reason in ("stop", "length") and results[0].text
    assert results[1].finish_reason == "error" and "exceeds the model's context of 256 tokens" in results[1].error


def test_fit_prompt_trims_attributes_with_the_llama_tokenizer(default_spec):
    small = get_generator(default_spec.replace(context_length=256))
    values = {"title": "Desk lamp", "attributes": "\n".join(f"feature {n}: a long description" for n in range(80))}

    fitted = small.fit_prompt(render=lambda v: f"Product: {v['title']}\n{v['attributes']}\nDescription:",
                              values=values, trim_order=["attributes"], max_new_tokens=48)

    assert fitted.trimmed and fitted.prompt_tokens <= 256 - 48
    assert fitted.prompt_tokens == small.count_tokens(fitted.text)


def test_batches_are_logged_with_their_tokens_per_second(generator, prompts, caplog):
    with caplog.at_level(logging.INFO, logger="inference.generation.llama.generator"):
        generator.generate(prompts[:2], params=GREEDY)

    done = [record for record in caplog.records if record.msg == "generation.batch_done"]
    assert done and done[-1].batch_size == 2 and done[-1].tokens_per_s > 0


def test_a_missing_gguf_file_is_a_load_error_naming_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "model.gguf"

    with pytest.raises(ModelLoadError, match=f"GGUF file not found: {missing}"):
        LlamaCppGenerator(spec=ModelSpec(kind="gguf", source=str(missing), cache_dir=tmp_path))


def test_a_file_that_is_not_gguf_is_a_load_error(tmp_path):
    broken = tmp_path / "notes.gguf"
    broken.write_text("these are not weights")

    with pytest.raises(ModelLoadError, match=f"not a GGUF file: {broken}"):
        LlamaCppGenerator(spec=ModelSpec.from_setting(str(broken), cache_dir=tmp_path))


def test_a_truncated_gguf_file_is_a_load_error_with_llama_cpps_reason(tmp_path, default_spec):
    from inference.gguf_cache import gguf_path

    truncated = tmp_path / "truncated.gguf"
    truncated.write_bytes(gguf_path(default_spec).read_bytes()[:100_000])

    with pytest.raises(ModelLoadError, match=f"could not load GGUF file {truncated}: .+"):
        LlamaCppGenerator(spec=ModelSpec.from_setting(str(truncated), cache_dir=tmp_path))
