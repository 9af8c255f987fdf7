"""LoRA fine-tuning (inference.finetune) on the real default model: a few steps on a handful of
examples prove the plumbing; timings are never asserted."""

from __future__ import annotations

import json

import pytest

from inference import GenerationParams, InferenceError, LoraAdapter, get_generator
from inference.finetune import LoraParams, TrainingExample, lora_train
from inference.lora import ADAPTER_TOKENS, gguf_adapter, merged_model

pytestmark = pytest.mark.model

EXAMPLES = [
    TrainingExample("Product: Blue gel pen\nDescription:", " A zebra-striped pen with smooth blue gel ink."),
    TrainingExample("Product: Red marker\nDescription:", " A zebra-striped marker with bold red ink.", weight=2.0),
    TrainingExample("Product: Black pencil\nDescription:", " A zebra-striped pencil with a soft black lead."),
    TrainingExample("Product: Green crayon\nDescription:", " A zebra-striped crayon in bright green."),
]
FAST = LoraParams(rank=4, alpha=8, learning_rate=5e-3, batch_size=2, epochs=3, warmup_steps=1, seed=11)


@pytest.fixture(scope="module")
def trained(default_spec, tmp_path_factory):
    steps = []
    folder = tmp_path_factory.mktemp("finetune") / "zebra"
    result = lora_train(base=default_spec, examples=EXAMPLES, params=FAST, output_dir=folder, on_step=steps.append)
    return result, steps


def test_training_records_a_loss_per_step_and_writes_a_peft_adapter(trained):
    result, steps = trained

    assert result.steps == 6 and [step.step for step in steps] == [1, 2, 3, 4, 5, 6]
    assert [loss for _, loss in result.loss_curve] == [round(step.loss, 4) for step in steps]
    losses = [loss for _, loss in result.loss_curve]
    assert sum(losses[-2:]) < sum(losses[:2])  # the last epoch, over the same examples, against the first
    assert steps[-1].examples_done == 12 and result.examples == 4 and result.examples_per_second > 0
    names = {path.name for path in result.adapter_dir.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "training.json"} <= names
    config = json.loads((result.adapter_dir / "adapter_config.json").read_text())
    assert config["r"] == 4 and set(config["target_modules"]) == set(FAST.target_modules)


def test_the_trained_adapter_converts_and_changes_what_the_engine_writes(trained, generator):
    result, _ = trained
    converted = gguf_adapter(LoraAdapter(result.adapter_dir), base=generator.spec)
    greedy = GenerationParams(max_new_tokens=12, do_sample=False)
    prompt = "Product: Yellow highlighter\nDescription:"
    # " zebra" is a token product copy never uses: the base's product-copy vocabulary leaves it
    # out, so an adapter applied at run time needs the full vocabulary to write it.
    full = get_generator(generator.spec.replace(vocabulary="full"))

    base = full.generate([prompt], params=greedy)[0].text
    tuned = full.generate([prompt], params=greedy, adapter=LoraAdapter(converted))[0].text

    assert converted.read_bytes()[:4] == b"GGUF"
    assert tuned != base
    assert "zebra" in tuned.lower()  # what the four examples taught


def test_a_merged_tuned_model_keeps_the_words_its_training_taught_beside_the_copy_vocabulary(trained, generator):
    result, _ = trained
    taught = json.loads((result.adapter_dir / ADAPTER_TOKENS).read_text())["tokens"]
    zebra = generator.model.tokenize(" zebra")[-1]
    assert generator.spec.vocabulary == "copy" and generator.model.piece(zebra) != b" zebra"  # not kept
    merged_file = merged_model(LoraAdapter(result.adapter_dir), base=generator.spec)
    merged = get_generator(generator.spec.replace(source=str(merged_file), vocabulary="full"))
    greedy = GenerationParams(max_new_tokens=12, do_sample=False)

    tuned = merged.generate(["Product: Yellow highlighter\nDescription:"], params=greedy)[0].text

    assert len(taught) > 10 and merged.model.n_vocab < 100_000
    assert "zebra" in tuned.lower()


def test_a_cancelled_run_leaves_no_adapter(default_spec, tmp_path):
    folder = tmp_path / "cancelled"

    class Stop(Exception):
        pass

    def cancel(step):
        raise Stop

    with pytest.raises(Stop):
        lora_train(base=default_spec, examples=EXAMPLES, params=FAST, output_dir=folder, on_step=cancel)

    assert not folder.exists() and list(tmp_path.iterdir()) == []


def test_an_existing_folder_or_no_examples_is_refused(default_spec, tmp_path):
    with pytest.raises(InferenceError, match="exists already"):
        lora_train(base=default_spec, examples=EXAMPLES, params=FAST, output_dir=tmp_path)
    with pytest.raises(InferenceError, match="no training examples"):
        lora_train(base=default_spec, examples=[], params=FAST, output_dir=tmp_path / "none")


def test_an_adapter_grown_from_another_keeps_the_tokens_both_were_taught(trained, default_spec, tmp_path):
    first, _ = trained
    examples = [TrainingExample("Product: Steel ruler\nDescription:", " A steel ruler marked in millimetres."),
                TrainingExample("Product: Brass hinge\nDescription:", " A brass hinge for cabinet doors.")]
    params = LoraParams(rank=4, alpha=8, learning_rate=5e-3, batch_size=2, epochs=1, warmup_steps=0, seed=3)

    second = lora_train(base=default_spec, examples=examples, params=params, output_dir=tmp_path / "grown",
                        init_adapter=first.adapter_dir)

    taught_first = set(json.loads((first.adapter_dir / ADAPTER_TOKENS).read_text())["tokens"])
    taught_second = set(json.loads((second.adapter_dir / ADAPTER_TOKENS).read_text())["tokens"])
    assert taught_first < taught_second  # the zebra pens' words, and the ruler's and hinge's
