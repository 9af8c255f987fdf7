"""Generation through an OpenAI-compatible /v1/completions server (vLLM, TGI, llama.cpp).

Only the standard library is used, so a web process can talk to a model server
without importing torch.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import ChatTemplateUnavailable, ModelLoadError, ModelUnavailable
from ..lora import LoraAdapter
from ..params import GenerationParams, GenerationResult
from ..postprocess import clean_completion
from ..spec import ModelSpec
from .base import ChatMessage, Generator

logger = logging.getLogger(__name__)

# Used when neither the setting nor the server states the context length.
FALLBACK_CONTEXT_LENGTH = 2048
# Without a tokenize endpoint we overestimate: about 4 bytes per token is typical for
# English, so 3 makes trimming err on the safe side; a Chinese character is 3 bytes
# and rarely more than one token.
_ESTIMATED_BYTES_PER_TOKEN = 3
# What a server sent goes to the log only, this much of it: a failure's message
# reaches a job's page, which every member of the store reads.
_LOGGED_BODY_CHARS = 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """urllib repeats the Authorization header to wherever a redirect points;
    the key is for the configured server only, so a redirect is an error."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to another URL ({code})", headers, fp)


_opener = urllib.request.build_opener(_NoRedirects)


class OpenAICompatibleGenerator(Generator):
    """Sends each batch as one /v1/completions request with a list prompt.

    Parameters the OpenAI API lacks (top_k, repetition_penalty) go as extra fields,
    which vLLM honours and other servers ignore; no_repeat_ngram_size has no
    equivalent there and is not sent.
    """

    def __init__(self, *, spec: ModelSpec) -> None:
        if spec.kind != "openai":
            raise ModelLoadError(f"OpenAICompatibleGenerator needs an openai spec, not {spec.kind!r}")
        self.spec = spec
        self.base_url = _api_base(spec.source)
        self.server_root = self.base_url.removesuffix("/v1")
        self._model_name = spec.model_name
        self._context_length = spec.context_length
        self._tokenize_available = True
        self.load_source = "server"

    # -- model facts, fetched lazily so constructing the client never blocks -------

    @property
    def model_name(self) -> str:
        if self._model_name is None:
            self._read_model_card()
        return self._model_name  # type: ignore[return-value]

    @property
    def model_id(self) -> str:  # type: ignore[override]
        return self.model_name

    @property
    def context_length(self) -> int:
        if self._context_length is None:
            self._read_model_card()
        return self._context_length  # type: ignore[return-value]

    @property
    def has_chat_template(self) -> bool:
        # The completions endpoint takes plain text; chat templates live on the server.
        return False

    def render_chat(self, messages: Sequence[ChatMessage]) -> str:
        raise ChatTemplateUnavailable(
            "chat templates are applied by the model server; use a completion-style prompt with "
            "an OpenAI-compatible completions server"
        )

    def count_tokens(self, text: str) -> int:
        """Exact through the server's /tokenize (vLLM); otherwise a deliberate overestimate."""
        if self._tokenize_available:
            try:
                reply = self._post(f"{self.server_root}/tokenize", {"model": self.model_name, "prompt": text})
                return int(reply["count"])
            except ModelUnavailable as exc:
                if exc.status not in (404, 405, 501):
                    raise
                self._tokenize_available = False
                logger.info("generation.tokenize_unavailable", extra={"server": self.server_root})
            except (KeyError, TypeError, ValueError):
                self._tokenize_available = False
        return math.ceil(len(text.encode("utf-8", "replace")) / _ESTIMATED_BYTES_PER_TOKEN) + 1

    # -- generation -------------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[str],
        *,
        params: GenerationParams,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        if adapter is not None:
            # vLLM serves each LoRA adapter under a model name of its own (--lora-modules).
            raise ModelLoadError(
                f"a model server applies LoRA adapters itself: serve {adapter.path.name} as a model of its own "
                "and name it in the model setting"
            )
        size = batch_size or self.spec.batch_size
        results: list[GenerationResult] = []
        for start in range(0, len(prompts), size):
            results.extend(self._generate_batch(list(prompts[start : start + size]), params=params))
        return results

    def _generate_batch(self, prompts: list[str], *, params: GenerationParams) -> list[GenerationResult]:
        started = time.perf_counter()
        reply = self._post(f"{self.base_url}/completions", self._request_body(prompts, params))
        latency = time.perf_counter() - started
        choices = _choices_by_prompt(reply, expected=len(prompts))
        usage = reply.get("usage") if isinstance(reply.get("usage"), Mapping) else None
        results = []
        for prompt, choice in zip(prompts, choices, strict=True):
            raw_text = choice["text"]
            finish_reason = "length" if choice.get("finish_reason") == "length" else "stop"
            prompt_tokens, completion_tokens = self._token_counts(prompt, raw_text, usage, batch=len(prompts))
            results.append(
                GenerationResult(
                    text=clean_completion(
                        raw_text, prompt=prompt, stop=params.stop, truncated=finish_reason == "length"
                    ),
                    raw_text=raw_text,
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    latency_s=latency,
                    finish_reason=finish_reason,
                    model_id=self.model_id,
                )
            )
        logger.info(
            "generation.batch_done",
            extra={
                "model_id": self.model_id,
                "batch_size": len(prompts),
                "completion_tokens": sum(result.completion_tokens for result in results),
                "seconds": round(latency, 3),
            },
        )
        return results

    def _request_body(self, prompts: list[str], params: GenerationParams) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model_name,
            "prompt": prompts,
            "max_tokens": params.max_new_tokens,
            "temperature": 0.0 if params.greedy else params.temperature,
            "top_p": params.top_p,
            "n": 1,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if params.seed is not None:
            body["seed"] = params.seed
        if params.top_k:
            body["top_k"] = params.top_k
        if params.repetition_penalty != 1.0:
            body["repetition_penalty"] = params.repetition_penalty
        return body

    def _token_counts(self, prompt: str, text: str, usage: Mapping[str, Any] | None, *, batch: int) -> tuple[int, int]:
        # OpenAI usage sums the whole request; it is per prompt only for a batch of one.
        if batch == 1 and usage and isinstance(usage.get("prompt_tokens"), int):
            return usage["prompt_tokens"], int(usage.get("completion_tokens") or 0)
        # BOS is counted for the prompt only, so it is subtracted from the completion.
        return self.count_tokens(prompt), max(0, self.count_tokens(text) - 1) if text else 0

    # -- HTTP ---------------------------------------------------------------------------

    def _read_model_card(self) -> None:
        reply = self._request("GET", f"{self.base_url}/models")
        models = reply.get("data")
        if not isinstance(models, list) or not models or not isinstance(models[0], Mapping):
            raise ModelUnavailable(f"model server at {self.base_url} lists no models")
        card = next((model for model in models if model.get("id") == self._model_name), None)
        if card is None and self._model_name is None:
            card = models[0]
        if card is None:
            logger.warning("generation.model_not_served", extra={
                "server": self.base_url, "model": self._model_name,
                "served": [str(model.get("id"))[:100] for model in models[:20]]})
            raise ModelUnavailable(f"model {self._model_name!r} is not among the {len(models)} model(s) served at "
                                   f"{self.base_url} (the worker log lists them)")
        self._model_name = str(card["id"])
        if self._context_length is None:
            stated = card.get("max_model_len")
            self._context_length = stated if isinstance(stated, int) and stated > 0 else FALLBACK_CONTEXT_LENGTH

    def _post(self, url: str, body: Mapping[str, Any]) -> dict[str, Any]:
        return self._request("POST", url, body)

    def _request(self, method: str, url: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.spec.api_key:
            headers["Authorization"] = f"Bearer {self.spec.api_key}"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with _opener.open(request, timeout=self.spec.timeout_s) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                raise ModelUnavailable(f"model server answered {method} {url} with a redirect (HTTP {exc.code}); "
                                       "set the URL it redirects to", status=exc.code) from None
            _log_reply(url, exc.code, exc.read())
            raise ModelUnavailable(
                f"model server returned HTTP {exc.code} for {method} {url} (the worker log has its reply)",
                status=exc.code,
            ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ModelUnavailable(
                    f"the model server at {url} did not answer within {self.spec.timeout_s:g} s"
                ) from exc
            raise ModelUnavailable(f"cannot reach the model server at {url}: {reason}") from exc
        try:
            parsed = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            _log_reply(url, 200, payload)
            raise ModelUnavailable(f"model server sent malformed JSON from {url}") from None
        if not isinstance(parsed, dict):
            raise ModelUnavailable(f"model server sent {type(parsed).__name__} instead of an object from {url}")
        return parsed


def _log_reply(url: str, status: int, body: bytes) -> None:
    logger.warning("generation.server_reply", extra={
        "url": url, "status": status, "body": body[:_LOGGED_BODY_CHARS].decode("utf-8", "replace")})


def _api_base(url: str) -> str:
    """Accept both http://host:8000 and http://host:8000/v1."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ModelLoadError(f"not an http(s) URL of a model server: {url!r}")
    if "?" in url or "#" in url:
        # "http://host/?x=/v1" ends in /v1 yet sends every request to a query of "/".
        raise ModelLoadError(f"a model server URL has no query or fragment: {url!r}")
    base = url.rstrip("/")
    return base if base.endswith("/v1") else f"{base}/v1"


def _choices_by_prompt(reply: Mapping[str, Any], *, expected: int) -> list[Mapping[str, Any]]:
    choices = reply.get("choices")
    if not isinstance(choices, list) or len(choices) != expected:
        count = len(choices) if isinstance(choices, list) else "no"
        raise ModelUnavailable(f"model server sent {count} choices for {expected} prompts")
    by_index: dict[int, Mapping[str, Any]] = {}
    for position, choice in enumerate(choices):
        if not isinstance(choice, Mapping) or not isinstance(choice.get("text"), str):
            raise ModelUnavailable(f"model server sent a choice without text (choice {position})")
        index = choice.get("index", position)
        by_index[index if isinstance(index, int) else position] = choice
    if sorted(by_index) != list(range(expected)):
        raise ModelUnavailable(f"model server sent choice indexes {sorted(by_index)} for {expected} prompts")
    return [by_index[index] for index in range(expected)]
