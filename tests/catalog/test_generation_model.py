"""The doorway to the generation model picks only models the operator
configured, by name, and each server's key goes to that server alone."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from catalog import generation_model
from catalog.generation_model import ModelNotConfigured


class Recorder(BaseHTTPRequestHandler):
    """A model server that lists one model and keeps what each request carried."""

    seen: list

    def do_GET(self):
        self.seen.append((self.command, self.path, self.headers.get("Authorization")))
        data = json.dumps({"data": [{"id": "served-model", "max_model_len": 2048}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET

    def log_message(self, format, *args):
        pass


@contextmanager
def model_server() -> Iterator[tuple[str, list]]:
    seen: list = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Server", (Recorder,), {"seen": seen}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_default_and_the_named_models_are_offered_by_name_only(settings):
    settings.GENERATION_MODELS = {"tuned": {"source": "/srv/models/tuned.gguf", "served_name": "", "api_key": ""},
                                  "big": {"source": "http://vllm:8000/v1", "served_name": "qwen", "api_key": "k"}}

    assert generation_model.model_choices() == [("", "The default model"), ("big", "big"), ("tuned", "tuned")]
    assert generation_model.model_validate(" tuned ") == "tuned"
    for typed in ("/srv/models/tuned.gguf", "http://vllm:8000/v1", "TUNED", "default"):
        with pytest.raises(ValueError, match="not one the operator configured"):
            generation_model.model_validate(typed)


def test_a_url_a_version_holds_from_before_is_never_called(settings):
    settings.GENERATION_API_KEY = "operator-secret"
    with model_server() as (url, seen):
        with pytest.raises(ModelNotConfigured, match="not one the operator configured"):
            generation_model.runtime_for(model=f"{url}/v1")

    assert seen == []


def test_each_servers_key_goes_to_that_server_only(settings):
    with model_server() as (default_url, default_seen), model_server() as (other_url, other_seen):
        settings.GENERATION_MODEL, settings.GENERATION_API_KEY = f"{default_url}/v1", "default-key"
        settings.GENERATION_MODEL_NAME = ""
        settings.GENERATION_MODELS = {"other": {"source": other_url, "served_name": "", "api_key": ""}}

        assert generation_model.runtime_for().model_id == "served-model"
        assert generation_model.runtime_for(model="other").model_id == "served-model"

    assert default_seen == [("GET", "/v1/models", "Bearer default-key")]
    assert other_seen == [("GET", "/v1/models", None)]



def test_exact_batches_is_the_default_and_the_operator_can_trade_it_for_speed(settings):
    assert generation_model.model_spec().exact_batches is True

    settings.GENERATION_EXACT_BATCHES = False

    assert generation_model.model_spec().exact_batches is False


def test_the_product_copy_vocabulary_is_the_default_and_the_operator_can_run_the_full_one(settings):
    assert generation_model.model_spec().vocabulary == "copy"

    settings.GENERATION_VOCABULARY = "full"

    assert generation_model.model_spec().vocabulary == "full"


@pytest.mark.model
def test_a_versions_adapter_is_merged_unless_the_operator_applies_it_at_run_time(settings, tmp_path):
    from content.services.training import BUNDLED_DIR, BUNDLED_NAME
    from inference.lora import LoraAdapter, merged_model

    settings.MODEL_ADAPTER_DIR = tmp_path
    shutil.copytree(BUNDLED_DIR / BUNDLED_NAME, tmp_path / "bundled" / BUNDLED_NAME)
    adapter = f"bundled/{BUNDLED_NAME}"
    prompt = ["Product: Borosilicate Glass Beaker Set, 50, 100, 250 and 500 ml\nDescription:"]
    greedy = {"max_new_tokens": 24, "temperature": 0.0, "stop": []}
    base = generation_model.runtime_for()
    try:
        merged = generation_model.runtime_for(adapter=adapter, adapter_label="7.v1")
        settings.GENERATION_MERGE_ADAPTERS = False
        applied = generation_model.runtime_for(adapter=adapter, adapter_label="7.v1")

        assert merged.model_id == applied.model_id == f"{base.model_id}+7.v1"
        assert merged._generator is not base._generator and applied._generator is base._generator
        # The merged file has the base's product-copy vocabulary, and is run as it is.
        assert merged._generator.model.n_vocab == base._generator.model.n_vocab < 262_144
        assert merged._generator.spec.vocabulary == "full"
        base_text = base.complete(prompt, greedy)[0].text
        assert merged.complete(prompt, greedy)[0].text != base_text
        assert applied.complete(prompt, greedy)[0].text != base_text
    finally:
        spec = generation_model.model_spec()
        merged_model(LoraAdapter(tmp_path / adapter / generation_model.ADAPTER_GGUF), base=spec).unlink()


@pytest.mark.model
def test_a_worker_keeps_at_most_the_configured_number_of_merged_models(settings, tmp_path):
    from content.services.training import BUNDLED_DIR, BUNDLED_NAME
    from inference.generation import get_generator
    from inference.lora import LoraAdapter, merged_model

    settings.MODEL_ADAPTER_DIR = tmp_path
    settings.GENERATION_MERGED_MODELS = 1
    # Two stores' versions: copies of one adapter in two folders are two versions to the cache.
    adapters = [f"store{number}/{BUNDLED_NAME}" for number in (1, 2)]
    for adapter in adapters:
        shutil.copytree(BUNDLED_DIR / BUNDLED_NAME, tmp_path / adapter)
    spec = generation_model.model_spec()
    files = [merged_model(LoraAdapter(tmp_path / adapter / generation_model.ADAPTER_GGUF), base=spec)
             for adapter in adapters]
    prompt = ["Product: Nitrile Exam Gloves, Blue, Box of 100\nDescription:"]
    greedy = {"max_new_tokens": 12, "temperature": 0.0, "stop": []}
    try:
        first = generation_model.runtime_for(adapter=adapters[0], adapter_label="1.v1")
        assert generation_model.runtime_for(adapter=adapters[0])._generator is first._generator  # kept while used
        first_text = first.complete(prompt, greedy)[0].text

        second = generation_model.runtime_for(adapter=adapters[1], adapter_label="2.v1")

        # The first version's model is no longer the process's: asked for again, it loads anew,
        # and the one still held (a job's stream) keeps writing meanwhile.
        assert second._generator is not first._generator
        again = generation_model.runtime_for(adapter=adapters[0], adapter_label="1.v1")
        assert again._generator is not first._generator
        assert first.complete(prompt, greedy)[0].text == again.complete(prompt, greedy)[0].text == first_text
        merged = [key for key in generation_model._merged_in_use]
        assert [Path(key.source) for key in merged] == [files[0]]
        assert get_generator(merged[0]) is again._generator
    finally:
        generation_model._merged_in_use.clear()
        for path in files:
            path.unlink(missing_ok=True)
