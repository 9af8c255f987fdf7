"""The OpenAI-compatible client against real HTTP servers started in the test.

The completions server answers with the real local default generator, so a
request's parameters must survive the trip for the outputs to match.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inference import GenerationParams, ModelSpec, ModelUnavailable, get_generator
from inference.errors import ModelLoadError
from inference.generation.openai_compat import OpenAICompatibleGenerator
from inference.postprocess import cut_at_stop

pytestmark = pytest.mark.model

SERVED_MODEL = "gemma-3-270m-test"
API_KEY = "test-key-123"


class CompletionsHandler(BaseHTTPRequestHandler):
    """A small vLLM look-alike: /v1/models, /v1/completions and /tokenize."""

    generator = None  # set by the fixture
    required_key: str | None = None

    def do_GET(self):
        if self.path != "/v1/models":
            return self._send(404, {"error": "not found"})
        self._send(200, {"object": "list", "data": [{"id": SERVED_MODEL, "max_model_len": 4096}]})

    def do_POST(self):
        if self.required_key and self.headers.get("Authorization") != f"Bearer {self.required_key}":
            return self._send(401, {"error": "invalid api key"})
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("model") != SERVED_MODEL:
            return self._send(404, {"error": f"model {body.get('model')} does not exist"})
        if self.path == "/tokenize":
            return self._send(200, {"count": self.generator.count_tokens(body["prompt"])})
        if self.path != "/v1/completions":
            return self._send(404, {"error": "not found"})
        self._send(200, self._complete(body))

    def _complete(self, body):
        prompts = body["prompt"] if isinstance(body["prompt"], list) else [body["prompt"]]
        stop = tuple(body.get("stop") or ())
        params = GenerationParams(
            max_new_tokens=body.get("max_tokens", 16),
            temperature=body.get("temperature", 1.0),
            top_p=body.get("top_p", 1.0),
            top_k=body.get("top_k", 0),
            repetition_penalty=body.get("repetition_penalty", 1.0),
            stop=stop,
            seed=body.get("seed"),
        )
        results = self.generator.generate(prompts, params=params, batch_size=len(prompts))
        return {
            "id": "cmpl-test",
            "object": "text_completion",
            "model": SERVED_MODEL,
            # Like vLLM: the text ends before the stop sequence, post-processing is the client's.
            "choices": [
                {"index": index, "text": cut_at_stop(result.raw_text, stop=stop), "finish_reason": result.finish_reason}
                for index, result in enumerate(results)
            ],
            "usage": {
                "prompt_tokens": sum(result.prompt_tokens for result in results),
                "completion_tokens": sum(result.completion_tokens for result in results),
            },
        }

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # keep test output clean
        pass


# What a hostile or compromised server puts in its replies: none of it may reach
# an error message (a job's error is readable by every member of the store).
REMOTE_SECRET = "internal-db-password=hunter2"


class BrokenHandler(BaseHTTPRequestHandler):
    """Failures a real server can produce, chosen by the request path's first part."""

    def do_GET(self):
        if self.path.startswith("/manymodels"):
            return self._raw(200, json.dumps({"data": [{"id": REMOTE_SECRET}]}).encode())
        return self._raw(404, b"{}")

    def do_POST(self):
        if self.path.startswith("/error500"):
            return self._raw(500, b'{"error": "CUDA out of memory ' + REMOTE_SECRET.encode() + b'"}')
        if self.path.startswith("/malformed"):
            return self._raw(200, b'{"choices": [ {"text": "half ' + REMOTE_SECRET.encode())
        if self.path.startswith("/notext"):
            return self._raw(200, json.dumps({"choices": [{"index": 0, "note": REMOTE_SECRET}]}).encode())
        if self.path.startswith("/fewchoices"):
            return self._raw(200, json.dumps({"choices": [{"index": 0, "text": "one"}]}).encode())
        if self.path.startswith("/slow"):
            time.sleep(1.5)
            return self._raw(200, b"{}")
        return self._raw(404, b"{}")

    def _raw(self, status, data):
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The timeout test hangs up on purpose; the late reply's broken pipe is expected.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def serving(handler) -> Iterator[str]:
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def completions_server(generator) -> Iterator[str]:
    handler = type("Handler", (CompletionsHandler,), {"generator": generator, "required_key": API_KEY})
    with serving(handler) as url:
        yield url


@pytest.fixture(scope="module")
def broken_server() -> Iterator[str]:
    with serving(BrokenHandler) as url:
        yield url


def client(url: str, **options) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator(spec=ModelSpec.from_setting(url, **options))


def test_a_batch_through_the_server_matches_the_local_generator(completions_server, generator, product_prompt):
    prompts = [product_prompt("Wireless mouse", "2.4 GHz receiver"), product_prompt("Desk lamp", "LED, USB-C")]
    params = GenerationParams(max_new_tokens=16, temperature=0.9, top_p=0.9, seed=11, stop=("\n\n",))
    remote = client(completions_server, api_key=API_KEY)

    over_http = remote.generate(prompts, params=params)
    in_process = generator.generate(prompts, params=params, batch_size=2)

    assert [result.text for result in over_http] == [result.text for result in in_process]
    assert all(result.text for result in over_http)
    assert [result.finish_reason for result in over_http] == [result.finish_reason for result in in_process]
    assert [result.prompt_tokens for result in over_http] == [result.prompt_tokens for result in in_process]
    assert all(result.model_id == SERVED_MODEL for result in over_http)


def test_model_name_context_and_token_counts_come_from_the_server(completions_server, generator):
    remote = client(completions_server + "/v1", api_key=API_KEY)
    text = "Product: Ceramic mug\nDescription:"

    assert remote.model_name == SERVED_MODEL
    assert remote.context_length == 4096
    assert remote.count_tokens(text) == generator.count_tokens(text)
    assert remote.has_chat_template is False


def test_a_single_prompt_uses_the_servers_usage_counts(completions_server, generator):
    remote = client(completions_server, api_key=API_KEY, model_name=SERVED_MODEL)
    params = GenerationParams(max_new_tokens=12, seed=4)

    result = remote.generate(["Product: Yoga mat\nDescription:"], params=params)[0]
    local = generator.generate(["Product: Yoga mat\nDescription:"], params=params)[0]

    assert (result.prompt_tokens, result.completion_tokens) == (local.prompt_tokens, local.completion_tokens)


def test_get_generator_builds_the_http_client_for_a_url(completions_server):
    remote = get_generator(ModelSpec.from_setting(completions_server, api_key=API_KEY))

    assert isinstance(remote, OpenAICompatibleGenerator)
    assert remote.load_source == "server"


def test_a_wrong_api_key_is_unavailable_with_status_401(completions_server):
    remote = client(completions_server, api_key="wrong", model_name=SERVED_MODEL)

    with pytest.raises(ModelUnavailable, match="HTTP 401") as caught:
        remote.generate(["Hello"], params=GenerationParams(max_new_tokens=4))
    assert caught.value.status == 401


def test_an_unknown_model_name_is_reported_with_the_status(completions_server):
    named = client(completions_server, api_key=API_KEY, model_name="llama-70b")
    listed = client(completions_server, api_key=API_KEY, model_name="llama-70b")

    with pytest.raises(ModelUnavailable, match="HTTP 404") as caught:
        named.generate(["Hello"], params=GenerationParams(max_new_tokens=4))
    assert caught.value.status == 404
    # Asking for the context length reads the model list; the names it serves stay in the log.
    with pytest.raises(ModelUnavailable, match="'llama-70b' is not among the 1 model"):
        listed.context_length  # noqa: B018


def test_a_server_that_is_down_is_unavailable():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    remote = client(f"http://127.0.0.1:{port}", model_name="any")

    with pytest.raises(ModelUnavailable, match=f"cannot reach the model server at http://127.0.0.1:{port}"):
        remote.generate(["Hello"], params=GenerationParams(max_new_tokens=4))


def test_http_500_is_unavailable_with_the_status_and_never_the_body(broken_server, caplog):
    remote = client(f"{broken_server}/error500", model_name="any")

    with pytest.raises(ModelUnavailable, match="HTTP 500") as caught:
        remote.generate(["Hello"], params=GenerationParams(max_new_tokens=4))
    assert caught.value.status == 500
    assert REMOTE_SECRET not in str(caught.value) and "CUDA" not in str(caught.value)


@pytest.mark.parametrize("path, reason", [("malformed", "malformed JSON"), ("notext", "a choice without text"),
                                          ("manymodels", "is not among the 1 model")])
def test_a_bad_reply_is_unavailable_without_echoing_what_the_server_sent(broken_server, path, reason):
    remote = client(f"{broken_server}/{path}", model_name="any")

    with pytest.raises(ModelUnavailable, match=reason) as caught:
        if path == "manymodels":
            remote.context_length  # noqa: B018 - reads the model list
        else:
            remote.generate(["Hello"], params=GenerationParams(max_new_tokens=4))
    assert REMOTE_SECRET not in str(caught.value)


class RecordingHandler(BaseHTTPRequestHandler):
    """Any request: its path and Authorization header are kept; the model list answers."""

    seen: list

    def do_GET(self):
        self.seen.append((self.path, self.headers.get("Authorization")))
        data = json.dumps({"data": [{"id": "m"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_GET

    def log_message(self, format, *args):
        pass


@contextmanager
def recording() -> Iterator[tuple[str, list]]:
    seen: list = []
    with serving(type("Recorder", (RecordingHandler,), {"seen": seen})) as url:
        yield url, seen


def test_the_key_is_never_sent_on_where_a_server_redirects():
    with recording() as (elsewhere, seen):
        class Redirecting(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(307)
                self.send_header("Location", f"{elsewhere}{self.path}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET

            def log_message(self, format, *args):
                pass

        with serving(Redirecting) as configured:
            remote = client(configured, api_key=API_KEY)
            with pytest.raises(ModelUnavailable, match="redirect"):
                remote.model_name  # noqa: B018

    assert seen == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/?x=/v1", "http://127.0.0.1:9/v1#/v1", "http://127.0.0.1:9/v1?"])
def test_a_server_url_with_a_query_or_fragment_is_refused(url):
    with pytest.raises(ModelLoadError, match="query or fragment"):
        client(url)


def test_too_few_choices_is_unavailable(broken_server):
    remote = client(f"{broken_server}/fewchoices", model_name="any")

    with pytest.raises(ModelUnavailable, match="1 choices for 2 prompts"):
        remote.generate(["Hello", "World"], params=GenerationParams(max_new_tokens=4))


def test_a_slow_server_times_out(broken_server):
    remote = client(f"{broken_server}/slow", model_name="any", timeout_s=0.3)

    with pytest.raises(ModelUnavailable, match="did not answer within 0.3 s"):
        remote.generate(["Hello"], params=GenerationParams(max_new_tokens=4))
