"""The Generator for GGUF models on llama.cpp: quantized weights, several drafts per decode step."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterator, Sequence
from pathlib import Path

from ...errors import ChatTemplateUnavailable, ModelLoadError
from ...gguf_cache import gguf_path, llama_gguf
from ...lora import LoraAdapter, gguf_adapter
from ...params import GenerationParams, GenerationResult
from ...postprocess import clean_completion
from ...runtime import available_cpus
from ...spec import ModelSpec
from ..base import ChatMessage, GenerationRequest, Generator, take_from
from .engine import BatchDecoder, SequenceOutcome, SequenceRequest
from .library import gpu_offload_supported
from .model import LlamaContext, LlamaModel, LoraAdapterHandle

logger = logging.getLogger(__name__)

# Most tokens one llama_decode call takes, and llama.cpp's physical batch too: the
# engine decides where a batch is cut (see engine._chunks), llama.cpp never re-cuts it.
_BATCH_TOKENS = 512
# Tokens of one sequence (prompt and completion) when GENERATION_CONTEXT_LENGTH is
# unset: far more than a product prompt takes, and every sequence of a batch gets
# this many cells (about 1 KB a cell and full-attention layer for Gemma 3 270M).
_DEFAULT_CONTEXT = 4096


class LlamaCppGenerator(Generator):
    """GGUF models on llama.cpp (CPU, or GPU when the library was built with one).

    The context is created once with room for `spec.batch_size` sequences of
    `context_length` tokens each; a call with more prompts keeps that many decoding
    and gives a finished sequence's place to the next prompt. `generate` holds a lock: the
    context is one KV cache and one decode runs at a time.
    """

    def __init__(self, *, spec: ModelSpec) -> None:
        if spec.kind != "gguf":
            raise ModelLoadError(f"llama.cpp runs GGUF files, not {spec.kind!r} models")
        started = time.perf_counter()
        self.spec = spec
        self.load_source = "gguf"
        _require_gguf_magic(gguf_path(spec))
        path = llama_gguf(spec)
        on_gpu = spec.device != "cpu" and gpu_offload_supported()
        if spec.device == "cuda" and not on_gpu:
            raise ModelLoadError("device 'cuda' was requested but this llama.cpp build has no GPU support")
        self.device = "gpu" if on_gpu else "cpu"
        self.model = LlamaModel(path, gpu_layers=-1 if on_gpu else 0, exact=spec.exact_batches)
        per_sequence = min(spec.context_length or _DEFAULT_CONTEXT, self.model.n_ctx_train)
        self.num_threads = spec.num_threads or available_cpus()
        sequences = spec.batch_size + 1  # sequence 0 keeps the shared prefix
        context = LlamaContext(
            self.model,
            cells=per_sequence * sequences,
            sequences=sequences,
            batch_tokens=min(_BATCH_TOKENS, per_sequence),
            threads=self.num_threads,
            exact=spec.exact_batches,
        )
        # llama.cpp pads each sequence's cells up (to 256); the setting stays the limit.
        self._context_length = min(per_sequence, context.cells_per_sequence)
        self._decoder = BatchDecoder(model=self.model, context=context)
        self.model_id = spec.local_model_id()
        self._adapters: dict[LoraAdapter, LoraAdapterHandle] = {}
        self._lock = threading.Lock()
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "generation.model_loaded",
            extra={"model_id": self.model_id, "backend": "llama.cpp", "device": self.device,
                   "num_threads": self.num_threads, "parallel": spec.batch_size, "exact_batches": spec.exact_batches,
                   "vocabulary": self.model.n_vocab,
                   "context_per_sequence": self._context_length, "seconds": round(self.load_seconds, 2)},
        )

    # -- prompt helpers ---------------------------------------------------------------

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def has_chat_template(self) -> bool:
        return self.model.chat_template() is not None

    def render_chat(self, messages: Sequence[ChatMessage]) -> str:
        if not self.has_chat_template:
            raise ChatTemplateUnavailable(f"model {self.model_id} has no chat template; use a completion-style prompt")
        return self.model.render_chat([(message["role"], message["content"]) for message in messages])

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenize(text))

    def token_piece(self, token: int) -> bytes:
        """The text of one vocabulary entry: what a token filter needs to know which ids to ban."""
        return self.model.piece(token)

    @property
    def vocabulary_size(self) -> int:
        return self.model.n_vocab

    # -- generation ---------------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[str],
        *,
        params: GenerationParams,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        requests = [GenerationRequest(prompt=prompt, params=params) for prompt in prompts]
        return self.generate_requests(requests, batch_size=batch_size, adapter=adapter)

    def generate_requests(
        self,
        requests: Sequence[GenerationRequest],
        *,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        """One result per request, in order; each request brings its own parameters and token filters.

        A seeded request's i-th sequence in this call draws with seed + i, so the same
        request gives the same text alone or inside a batch. `batch_size` is how many
        sequences decode together (at most the spec's); a result's latency is its own,
        from the moment its sequence started. The shared prefix is computed over all of them.
        """
        results = dict(self.generate_stream(take_from(requests), batch_size=batch_size, adapter=adapter,
                                            lookahead=len(requests)))
        return [results[index] for index in range(len(requests))]

    def generate_stream(
        self,
        take: Callable[[int], Sequence[GenerationRequest]],
        *,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
        lookahead: int | None = None,
    ) -> Iterator[tuple[int, GenerationResult]]:
        """See Generator.generate_stream: a request starts as soon as a sequence is free and each
        result comes back as it finishes. The i-th request taken draws with its seed + i.

        The generator stays locked until the stream is exhausted or closed: close it (or
        let it go) to give the model to other callers."""
        width = min(batch_size or self.spec.batch_size, self._decoder.max_sequences)
        requests: list[GenerationRequest] = []
        tokens: list[list[int]] = []
        positions: list[int] = []  # engine index -> request index
        errors: deque[tuple[int, str]] = deque()  # requests that cannot run, waiting to be yielded

        def take_runnable(count: int) -> list[SequenceRequest]:
            runnable: list[SequenceRequest] = []
            while len(runnable) < count:
                batch = list(take(count - len(runnable)))
                if not batch:
                    break
                for request in batch:
                    index = len(requests)
                    prompt_tokens = self.model.tokenize(request.prompt)
                    requests.append(request)
                    tokens.append(prompt_tokens)
                    params = request.params
                    error = self.context_error(prompt_tokens=len(prompt_tokens), max_new_tokens=params.max_new_tokens)
                    if error:
                        errors.append((index, error))
                        continue
                    positions.append(index)
                    runnable.append(SequenceRequest(
                        tokens=tuple(prompt_tokens), params=params,
                        seed=None if params.seed is None else params.seed + index,
                        filters=tuple(request.token_filters)))
            return runnable

        def error_results() -> Iterator[tuple[int, GenerationResult]]:
            while errors:
                index, error = errors.popleft()
                yield index, self._error_result(error, prompt_tokens=len(tokens[index]))

        started = time.perf_counter()
        completion_tokens = 0
        with self._lock:
            prefix_key = self._use_adapter(adapter)
            outcomes = self._decoder.stream(take_runnable, prefix_key=prefix_key, width=width,
                                            lookahead=lookahead)
            try:
                for engine_index, outcome in outcomes:
                    yield from error_results()
                    index = positions[engine_index]
                    completion_tokens += len(outcome.generated)
                    yield index, self._result(requests[index], len(tokens[index]), outcome)
                yield from error_results()
            finally:
                outcomes.close()
                if positions:
                    seconds = time.perf_counter() - started
                    logger.info(
                        "generation.batch_done",
                        extra={"model_id": self.model_id, "backend": "llama.cpp",
                               "batch_size": min(width, len(positions)), "prompts": len(requests),
                               "prompt_tokens": sum(len(tokens[index]) for index in positions),
                               "completion_tokens": completion_tokens, "seconds": round(seconds, 3),
                               "tokens_per_s": round(completion_tokens / seconds, 2) if seconds > 0 else None},
                    )

    def _use_adapter(self, adapter: LoraAdapter | None) -> Hashable:
        """Apply the adapter (or none) to the context; returns the key a cached prefix is valid for."""
        if adapter is None:
            self._decoder.context.use_adapters([])
            return None
        handle = self._adapters.get(adapter)
        if handle is None:
            handle = LoraAdapterHandle(self.model, gguf_adapter(adapter, base=self.spec))
            self._adapters[adapter] = handle
        self._decoder.context.use_adapters([(handle, adapter.scale)])
        return adapter

    def _result(self, request: GenerationRequest, prompt_tokens: int, outcome: SequenceOutcome) -> GenerationResult:
        params = request.params
        ran_out = len(outcome.generated) >= params.max_new_tokens and not outcome.hit_eos and not outcome.hit_stop
        return GenerationResult(
            text=clean_completion(outcome.raw_text, prompt=request.prompt, stop=params.stop, truncated=ran_out),
            raw_text=outcome.raw_text,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(outcome.generated),
            latency_s=outcome.seconds,
            finish_reason="length" if ran_out else "stop",
            model_id=self.model_id,
        )

    def _error_result(self, error: str, *, prompt_tokens: int) -> GenerationResult:
        return GenerationResult(text="", raw_text="", prompt_tokens=prompt_tokens, completion_tokens=0,
                                latency_s=0.0, finish_reason="error", model_id=self.model_id, error=error)


def _require_gguf_magic(path: Path) -> None:
    """Refuse a file that is not GGUF before llama.cpp reads it (its message would be a log line)."""
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise ModelLoadError(f"cannot read GGUF file {path}: {exc}") from exc
    if magic != b"GGUF":
        raise ModelLoadError(f"not a GGUF file: {path} does not start with the GGUF magic bytes")
