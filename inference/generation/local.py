"""Generation with a transformers causal LM in this process (GGUF or a model folder)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    GenerationConfig,
    LogitsProcessorList,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    StoppingCriteriaList,
)

from ..errors import ChatTemplateUnavailable, ModelLoadError
from ..gguf_cache import converted_model_folder
from ..lora import LoraAdapter
from ..params import GenerationParams, GenerationResult
from ..postprocess import clean_completion
from ..runtime import configure_torch_threads, enforce_offline, resolve_device, resolve_dtype
from ..spec import ModelSpec, require_model_folder
from .base import ChatMessage, Generator
from .decoding import GeneratedNoRepeatNGram, GeneratedRepetitionPenalty, StopOnSequences, TopKTopPSampler

logger = logging.getLogger(__name__)

# "gguf": converted from the GGUF file during this load (slow); "cache": an earlier
# conversion was reused; "folder": a Hugging Face model folder was loaded as is.
LoadSource = Literal["gguf", "cache", "folder"]

class LocalGenerator(Generator):
    """A causal LM loaded with transformers; CUDA in bf16 when present, CPU fp32 otherwise.

    Loading is expensive, so callers should go through `get_generator`, which keeps
    one instance per spec and process. `generate` holds a lock: one batch runs at a
    time, because batches already use every core and seeding is process-global.
    """

    def __init__(self, *, spec: ModelSpec) -> None:
        if spec.kind not in ("gguf", "hf"):
            raise ModelLoadError(f"LocalGenerator runs gguf or hf models, not {spec.kind!r}")
        enforce_offline()
        started = time.perf_counter()
        self.spec = spec
        self.num_threads = configure_torch_threads(spec.num_threads)
        self.device = resolve_device(spec.device)
        self.dtype = resolve_dtype(spec.dtype, self.device)
        folder, self.load_source = self._weights_folder()
        self.tokenizer = _load_tokenizer(folder)
        self.model = _load_model(folder, device=self.device, dtype=self.dtype)
        self.model_id = spec.local_model_id()
        self._context_length = spec.context_length or _config_context_length(self.model)
        self._eos_ids = _eos_token_ids(self.model, self.tokenizer)
        # Re-entrant: generate holds it across its batches so no other thread switches
        # the adapter between them; each batch takes it again.
        self._lock = threading.RLock()
        self._tokenizer_lock = threading.Lock()
        self._loaded_adapters: set[str] = set()
        self._active_adapter: str | None = None
        self.load_seconds = time.perf_counter() - started
        logger.info(
            "generation.model_loaded",
            extra={
                "model_id": self.model_id,
                "load_source": self.load_source,
                "device": str(self.device),
                "dtype": str(self.dtype),
                "num_threads": self.num_threads,
                "seconds": round(self.load_seconds, 2),
            },
        )

    # -- prompt helpers ---------------------------------------------------------

    @property
    def context_length(self) -> int:
        return self._context_length

    @property
    def has_chat_template(self) -> bool:
        return bool(getattr(self.tokenizer, "chat_template", None))

    def render_chat(self, messages: Sequence[ChatMessage]) -> str:
        if not self.has_chat_template:
            raise ChatTemplateUnavailable(f"model {self.model_id} has no chat template; use a completion-style prompt")
        text = self.tokenizer.apply_chat_template(list(messages), tokenize=False, add_generation_prompt=True)
        # The template writes BOS and the tokenizer adds another when encoding; two BOS
        # tokens derail small models, so the rendered text leaves it to the tokenizer.
        bos = self.tokenizer.bos_token
        if bos and text.startswith(bos) and self._tokenizer_adds_bos():
            text = text[len(bos) :]
        return text

    def count_tokens(self, text: str) -> int:
        return len(self._encode([text])[0])

    # -- generation --------------------------------------------------------------

    def generate(
        self,
        prompts: Sequence[str],
        *,
        params: GenerationParams,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        with self._lock:
            self._activate_adapter(adapter)
            return self._generate_all(prompts, params=params, size=batch_size or self.spec.batch_size)

    def _generate_all(self, prompts: Sequence[str], *, params: GenerationParams, size: int) -> list[GenerationResult]:
        encoded = self._encode(list(prompts)) if prompts else []
        results: list[GenerationResult | None] = [None] * len(prompts)
        runnable = []
        for index, token_ids in enumerate(encoded):
            error = self.context_error(prompt_tokens=len(token_ids), max_new_tokens=params.max_new_tokens)
            if error:
                results[index] = self._error_result(error, prompt_tokens=len(token_ids))
            else:
                runnable.append(index)
        for batch_number, batch in enumerate(_batches_by_length(runnable, encoded, size=size)):
            seed = None if params.seed is None else params.seed + batch_number
            batch_results = self._generate_batch(
                [prompts[index] for index in batch], [encoded[index] for index in batch], params=params, seed=seed
            )
            for index, result in zip(batch, batch_results, strict=True):
                results[index] = result
        return [result for result in results if result is not None]

    def _activate_adapter(self, adapter: LoraAdapter | None) -> None:
        """Switch the PEFT adapter that the next batches use (none: the base model alone)."""
        if adapter is None:
            if self._active_adapter is not None:
                self.model.disable_adapters()
                self._active_adapter = None
            return
        if adapter.is_gguf:
            raise ModelLoadError(f"the transformers runtime loads PEFT adapter folders, not GGUF files: {adapter.path}")
        if adapter.scale != 1.0:
            raise ModelLoadError("the transformers runtime applies a LoRA adapter at scale 1.0 only")
        name = f"adapter_{adapter.fingerprint}"
        if name not in self._loaded_adapters:
            try:
                self.model.load_adapter(str(adapter.path), adapter_name=name)
            except (OSError, ValueError, KeyError, RuntimeError) as exc:
                raise ModelLoadError(f"could not load the LoRA adapter {adapter.path}: {exc}") from exc
            self._loaded_adapters.add(name)
        self.model.set_adapter(name)
        self.model.enable_adapters()
        self._active_adapter = name

    def _generate_batch(
        self, prompts: list[str], token_lists: list[list[int]], *, params: GenerationParams, seed: int | None
    ) -> list[GenerationResult]:
        input_ids, attention_mask = _left_pad(token_lists, pad_id=self.tokenizer.pad_token_id, device=self.device)
        prompt_length = input_ids.shape[1]
        processors = LogitsProcessorList()
        if params.repetition_penalty != 1.0:
            processors.append(
                GeneratedRepetitionPenalty(penalty=params.repetition_penalty, prompt_length=prompt_length)
            )
        if params.no_repeat_ngram_size:
            processors.append(GeneratedNoRepeatNGram(size=params.no_repeat_ngram_size, prompt_length=prompt_length))
        if not params.greedy:
            processors.append(TopKTopPSampler(temperature=params.temperature, top_k=params.top_k, top_p=params.top_p))
        criteria = StoppingCriteriaList()
        if params.stop:
            criteria.append(
                StopOnSequences(stop=params.stop, tokenizer=self.tokenizer, prompt_length=input_ids.shape[1])
            )
        started = time.perf_counter()
        with self._lock, torch.inference_mode(), _seeded(seed, device=self.device):
            output = self.model.generate(
                input_ids=input_ids,
                attention_mask=attention_mask,
                generation_config=self._generation_config(params),
                logits_processor=processors,
                stopping_criteria=criteria,
            )
        latency = time.perf_counter() - started
        completions = output[:, input_ids.shape[1] :].tolist()
        results = [
            self._result(prompt, len(tokens), completion, params=params, latency=latency)
            for prompt, tokens, completion in zip(prompts, token_lists, completions, strict=True)
        ]
        completion_tokens = sum(result.completion_tokens for result in results)
        logger.info(
            "generation.batch_done",
            extra={
                "model_id": self.model_id,
                "batch_size": len(prompts),
                "padded_length": input_ids.shape[1],
                "steps": output.shape[1] - input_ids.shape[1],
                "prompt_tokens": sum(len(tokens) for tokens in token_lists),
                "completion_tokens": completion_tokens,
                "seconds": round(latency, 3),
                "tokens_per_s": round(completion_tokens / latency, 2) if latency > 0 else None,
            },
        )
        return results

    def _generation_config(self, params: GenerationParams) -> GenerationConfig:
        model_config = self.model.generation_config
        options = {
            "max_new_tokens": params.max_new_tokens,
            # Sampling happens in TopKTopPSampler, which leaves one candidate per row;
            # greedy mode then takes it without transformers' slower sampling path.
            "do_sample": False,
            "pad_token_id": self.tokenizer.pad_token_id,
            "eos_token_id": sorted(self._eos_ids),
            "bos_token_id": model_config.bos_token_id,
            "use_cache": True,
        }
        # Repetition penalty and no-repeat n-grams are applied by this package's own
        # processors (see _generate_batch): transformers' versions count the prompt.
        return GenerationConfig(**options)

    def _result(
        self, prompt: str, prompt_tokens: int, completion: list[int], *, params: GenerationParams, latency: float
    ) -> GenerationResult:
        produced, hit_eos = _produced_tokens(completion, eos_ids=self._eos_ids, pad_id=self.tokenizer.pad_token_id)
        raw_text = self.tokenizer.decode(produced, skip_special_tokens=True)
        hit_stop = any(sequence in raw_text.lstrip() for sequence in params.stop)
        ran_out = len(produced) >= params.max_new_tokens and not hit_eos and not hit_stop
        finish_reason = "length" if ran_out else "stop"
        return GenerationResult(
            text=clean_completion(raw_text, prompt=prompt, stop=params.stop, truncated=ran_out),
            raw_text=raw_text,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(produced),
            latency_s=latency,
            finish_reason=finish_reason,
            model_id=self.model_id,
        )

    def _error_result(self, error: str, *, prompt_tokens: int) -> GenerationResult:
        return GenerationResult(
            text="",
            raw_text="",
            prompt_tokens=prompt_tokens,
            completion_tokens=0,
            latency_s=0.0,
            finish_reason="error",
            model_id=self.model_id,
            error=error,
        )

    # -- loading -------------------------------------------------------------------

    def _weights_folder(self) -> tuple[Path, LoadSource]:
        if self.spec.kind == "hf":
            folder = Path(self.spec.source)
            require_model_folder(folder)
            return folder, "folder"
        converted = converted_model_folder(self.spec)
        return converted.folder, "gguf" if converted.converted_now else "cache"

    def _encode(self, texts: list[str]) -> list[list[int]]:
        # A fast tokenizer re-applies its padding settings on each call, which takes a
        # mutable borrow in Rust; two threads encoding at once can fail "Already borrowed".
        with self._tokenizer_lock:
            return self.tokenizer(texts).input_ids

    def _tokenizer_adds_bos(self) -> bool:
        bos_id = self.tokenizer.bos_token_id
        return bos_id is not None and bos_id in self._encode([""])[0]


def _load_tokenizer(folder: Path) -> PreTrainedTokenizerBase:
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"could not load the tokenizer from {folder}: {exc}") from exc
    # Decoder-only models continue from the last position, so padding goes on the left.
    tokenizer.padding_side = "left"
    if tokenizer.pad_token_id is None:
        if tokenizer.eos_token_id is None:
            raise ModelLoadError(f"the tokenizer in {folder} has neither a pad nor an EOS token")
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _load_model(folder: Path, *, device: torch.device, dtype: torch.dtype) -> PreTrainedModel:
    # On the CPU, plain ("eager") attention: torch's CPU SDPA kernel with the padding
    # mask of a left-padded batch cost more than the rest of the model here (Gemma 3
    # 270M, batch 8, 2 cores: 5.0 tokens/s with "sdpa", 19.0 with "eager";
    # bench/RESULTS.md). On CUDA the fused SDPA kernels are the faster ones.
    attention = "eager" if device.type == "cpu" else "sdpa"
    try:
        model = AutoModelForCausalLM.from_pretrained(
            folder, dtype=dtype, local_files_only=True, attn_implementation=attention
        )
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"could not load a causal language model from {folder}: {exc}") from exc
    return model.to(device).eval()


def _config_context_length(model: PreTrainedModel) -> int:
    config = model.config.get_text_config()
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    raise ModelLoadError(
        f"the model config does not state its context length; set context_length for {model.name_or_path}"
    )


def _eos_token_ids(model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase) -> frozenset[int]:
    configured = model.generation_config.eos_token_id
    ids = set(configured if isinstance(configured, list) else [configured])
    ids.add(tokenizer.eos_token_id)
    return frozenset(token for token in ids if token is not None)


def _batches_by_length(indices: list[int], encoded: list[list[int]], *, size: int) -> Iterator[list[int]]:
    """Chunks of prompt indices, longest prompts first, so each batch pads little."""
    ordered = sorted(indices, key=lambda index: (-len(encoded[index]), index))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _left_pad(token_lists: list[list[int]], *, pad_id: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(tokens) for tokens in token_lists)
    input_ids = torch.full((len(token_lists), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(token_lists), width), dtype=torch.long)
    for row, tokens in enumerate(token_lists):
        input_ids[row, width - len(tokens) :] = torch.tensor(tokens, dtype=torch.long)
        attention_mask[row, width - len(tokens) :] = 1
    return input_ids.to(device), attention_mask.to(device)


def _produced_tokens(completion: list[int], *, eos_ids: frozenset[int], pad_id: int) -> tuple[list[int], bool]:
    """The tokens a row really generated, and whether it ended on EOS.

    transformers fills a finished row with padding until the whole batch is done;
    the row's own output ends at its first EOS (not counted) or padding token.
    """
    for position, token in enumerate(completion):
        if token in eos_ids:
            return completion[:position], True
        if token == pad_id:
            return completion[:position], False
    return completion, False


@contextmanager
def _seeded(seed: int | None, *, device: torch.device) -> Iterator[None]:
    """Seed torch for one batch without leaving the process's random state changed."""
    if seed is None:
        yield
        return
    devices = []
    if device.type == "cuda":
        devices = [device.index if device.index is not None else torch.cuda.current_device()]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
