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
