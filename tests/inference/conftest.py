"""Fixtures for the model runtime: the real default models, loaded once per test session.

The GGUF conversion takes minutes on two cores, so the cache lives in
MODEL_CACHE_DIR (default: the repository's var/models) and survives between runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from inference import GenerationParams, ModelSpec, get_generator
from inference.spec import default_cache_dir

FEW_SHOT = (
    "Product: Trail running shoes by Salomon\n"
    "Features: waterproof upper, rubber sole, weight 280 g\n"
    "Description: Light trail shoes with a waterproof upper and a grippy rubber sole, ready for wet mountain paths.\n"
    "\n"
    "Product: Ceramic coffee mug by Hario\n"
    "Features: 350 ml, dishwasher safe\n"
    "Description: A 350 ml ceramic mug that goes straight into the dishwasher after your morning brew.\n"
    "\n"
)


@pytest.fixture(scope="session")
def product_prompt():
    """Builds the completion-style few-shot prompt the default templates use."""

    def build(title: str, features: str) -> str:
        return f"{FEW_SHOT}Product: {title}\nFeatures: {features}\nDescription:"

    return build


@pytest.fixture(scope="session")
def model_cache_dir() -> Path:
    return Path(os.environ["MODEL_CACHE_DIR"]) if os.environ.get("MODEL_CACHE_DIR") else default_cache_dir()


@pytest.fixture(scope="session")
def default_spec(model_cache_dir: Path) -> ModelSpec:
    return ModelSpec.default(cache_dir=model_cache_dir, device="cpu", batch_size=4)


@pytest.fixture(scope="session")
def generator(default_spec: ModelSpec):
    return get_generator(default_spec)


@pytest.fixture
def short_params() -> GenerationParams:
    return GenerationParams(max_new_tokens=16, temperature=0.8, seed=1234, stop=("\n\n",))


@pytest.fixture(scope="session")
def peft_adapter(default_spec, tmp_path_factory) -> Path:
    """A tiny PEFT LoRA adapter for the default model (rank 4 on q_proj and v_proj, random
    weights), made the way fine-tuning makes one: PEFT over the transformers model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoConfig, AutoModelForCausalLM

    from inference.gguf_cache import gguf_path

    path = gguf_path(default_spec)
    config = AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name, local_files_only=True)
    # The base weights are never read: the adapter holds only its own matrices.
    with torch.device("meta"):
        base = AutoModelForCausalLM.from_config(config)
    lora = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    model = get_peft_model(base, lora)
    model.to_empty(device="cpu")
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "lora_" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.05)
    folder = tmp_path_factory.mktemp("adapters") / "tiny-lora"
    model.save_pretrained(folder)
    return folder
