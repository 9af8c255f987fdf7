"""Settings read from the environment: what the operator configures, and what
production refuses to start without."""

import pytest

from commerce_site.env import ImproperlyConfiguredEnv, env_models


def test_named_models_take_a_source_a_served_name_and_their_own_key(monkeypatch):
    monkeypatch.setenv("GENERATION_MODELS", "tuned=/srv/models/tuned.gguf, big-one=http://vllm:8000/v1#Qwen/Qwen2.5")
    monkeypatch.setenv("GENERATION_API_KEY_BIG_ONE", "big-key")

    assert env_models("GENERATION_MODELS") == {
        "tuned": {"source": "/srv/models/tuned.gguf", "served_name": "", "api_key": ""},
        "big-one": {"source": "http://vllm:8000/v1", "served_name": "Qwen/Qwen2.5", "api_key": "big-key"},
    }


@pytest.mark.parametrize("value, problem", [
    ("tuned", "is not name=source"), ("Tuned=/a.gguf", "is not a model name"), ("default=/a.gguf", "not 'default'"),
    ("a=/x.gguf,a=/y.gguf", "named twice"), ("a=", "is not name=source"),
])
def test_a_malformed_model_list_stops_the_start_naming_the_variable(monkeypatch, value, problem):
    monkeypatch.setenv("GENERATION_MODELS", value)

    with pytest.raises(ImproperlyConfiguredEnv, match=f"GENERATION_MODELS.*{problem}"):
        env_models("GENERATION_MODELS")
