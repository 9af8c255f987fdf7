"""LoRA fine-tuning of the generation model (transformers + PEFT), on the CPU or a GPU.

`lora_train` takes (prompt, completion, weight) examples and writes a PEFT adapter folder
(adapter_config.json, adapter_model.safetensors in fp16) that the transformers runtime loads as
is and `inference.lora.gguf_adapter` converts for llama.cpp. The base is the model the runtime
serves: a GGUF spec trains on its dequantized weights (the cached safetensors conversion), so
the adapter is applied at inference over the same weights, quantized.

What makes it affordable on two cores:
- the loss is taken on the completion only, and the 262,144-token output layer runs only at
  those positions (it is 168M of Gemma 3 270M's 268M parameters; the prompt's positions need
  the hidden states alone);
- examples are batched by length, so a batch pads little;
- one epoch over a set sized to the time available (the caller decides the size from the
  measured examples/s, see content.services.training).

The progress callback is called after every optimiser step; an exception it raises (a
cancelled job) stops the run and leaves no adapter behind.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InferenceError, ModelLoadError
from .lora import ADAPTER_TOKENS, LoraAdapter, adapter_tokens
from .runtime import configure_torch_threads, enforce_offline, resolve_device
from .spec import ModelSpec

logger = logging.getLogger(__name__)

TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class TrainingExample:
    """A prompt as the model will receive it and the completion it should write after it
    (with the leading space a "Description:" prompt is continued with). `weight` scales the
    example's loss: an approved draft a reviewer had to edit teaches more than one they did not."""

    prompt: str
    completion: str
    weight: float = 1.0


@dataclass(frozen=True)
class LoraParams:
    rank: int = 8
    alpha: int = 16
    dropout: float = 0.05
    learning_rate: float = 3e-4
    epochs: int = 1
    batch_size: int = 4
    warmup_steps: int = 8
    max_tokens: int = 384  # prompt + completion; longer examples are left out
    seed: int = 2024
    target_modules: tuple[str, ...] = TARGET_MODULES

    def __post_init__(self) -> None:
        if not 1 <= self.rank <= 256:
            raise ValueError(f"LoRA rank must be 1 to 256, got {self.rank}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning rate must be between 0 and 1, got {self.learning_rate}")
        if not 1 <= self.epochs <= 20 or not 1 <= self.batch_size <= 256:
            raise ValueError("epochs must be 1 to 20 and batch size 1 to 256")
        object.__setattr__(self, "target_modules", tuple(self.target_modules))

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data["target_modules"] = list(self.target_modules)
        return data

    @classmethod
    def from_dict(cls, data: dict | None) -> LoraParams:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data or {}) - known)
        if unknown:
            raise ValueError(f"unknown training parameter(s): {', '.join(unknown)}")
        return cls(**(data or {}))


@dataclass(frozen=True)
class StepReport:
    step: int
    total_steps: int
    loss: float
    examples_done: int
    seconds: float


@dataclass
class TrainingResult:
    adapter_dir: Path
    examples: int
    skipped: int  # longer than max_tokens
    steps: int
    seconds: float
    examples_per_second: float
    tokens_per_second: float
    device: str
    loss_curve: list[tuple[int, float]] = field(default_factory=list)


def lora_train(
    *,
    base: ModelSpec,
    examples: Sequence[TrainingExample],
    params: LoraParams,
    output_dir: Path,
    init_adapter: Path | None = None,
    on_step: Callable[[StepReport], None] | None = None,
) -> TrainingResult:
    """Train a LoRA adapter on `examples` and write it to `output_dir` (which must not exist;
    it appears complete or not at all). With `init_adapter`, training continues from that
    adapter (its rank and modules win over `params`')."""
    enforce_offline()
    import torch

    if output_dir.exists():
        raise InferenceError(f"the adapter folder {output_dir} exists already")
    if not examples:
        raise InferenceError("no training examples")
    threads = configure_torch_threads(base.num_threads)
    device = resolve_device(base.device)
    folder = base_weights_folder(base)
    tokenizer, model = _load(folder, device=device)
    model = _with_lora(model, params=params, init_adapter=init_adapter)
    encoded, skipped = _encode(tokenizer, examples, max_tokens=params.max_tokens)
    if not encoded:
        raise InferenceError(f"every example is longer than {params.max_tokens} tokens")
    random.seed(params.seed)
    torch.manual_seed(params.seed)
    batches = _batches(encoded, size=params.batch_size, epochs=params.epochs, seed=params.seed)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=params.learning_rate, weight_decay=0.0)
    schedule = _schedule(params.warmup_steps, len(batches))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)
    decoder, head = _decoder_and_head(model)
    softcap = getattr(model.config, "final_logit_softcapping", None)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    mixed = bf16_autocast(device)
    logger.info("finetune.started", extra={"examples": len(encoded), "skipped": skipped, "steps": len(batches),
                                           "device": str(device), "threads": threads, "bf16": mixed,
                                           "params": params.to_dict()})
    model.train()
    curve: list[tuple[int, float]] = []
    done = tokens = 0
    started = time.perf_counter()
    for step, batch in enumerate(batches, start=1):
        input_ids, attention, targets, weights = _tensors(batch, pad=pad, device=device)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=mixed):
            hidden = decoder(input_ids=input_ids, attention_mask=attention).last_hidden_state
        loss = _completion_loss(hidden, head, targets, weights, softcap=softcap)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise InferenceError(f"the training loss became {value} at step {step}; lower the learning rate")
        done += len(batch)
        tokens += int(attention.sum())
        curve.append((step, round(value, 4)))
        if on_step is not None:
            on_step(StepReport(step, len(batches), value, done, time.perf_counter() - started))
    seconds = time.perf_counter() - started
    # What this adapter may write: its completions' tokens, and those of the adapter it grew from.
    inherited = adapter_tokens(LoraAdapter(init_adapter)) if init_adapter is not None else []
    written = sorted({token for item in encoded for token in item.ids[item.completion_start:]} | set(inherited))
    _save(model, output_dir, meta={"examples": len(encoded), "params": params.to_dict()}, tokens=written)
    return TrainingResult(
        adapter_dir=output_dir, examples=len(encoded), skipped=skipped, steps=len(batches), seconds=seconds,
        examples_per_second=done / seconds if seconds else 0.0, tokens_per_second=tokens / seconds if seconds else 0.0,
        device=_device_label(device, threads=threads, mixed=mixed), loss_curve=curve,
    )


def bf16_autocast(device) -> bool:
    """Whether the decoder runs in bfloat16 autocast (the LoRA weights, the optimiser and the
    loss stay fp32): on a GPU, and on a CPU with native bfloat16 matrix units (AMX or AVX-512
    BF16), where it trains 6% (the corpus pairs) to 35% (longer batches) faster here
    (bench/RESULTS.md, "fine-tuning"). Elsewhere bfloat16 is emulated and slower, so fp32 it is."""
    import torch

    if device.type == "cuda":
        return True
    if device.type != "cpu" or not torch.backends.mkldnn.is_available():
        return False
    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)()) or _cpu_flag("avx512_bf16")


def _cpu_flag(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


def _device_label(device, *, threads: int, mixed: bool) -> str:
    if device.type != "cpu":
        return str(device)
    return f"cpu ({threads} threads{', bf16' if mixed else ''})"


def base_weights_folder(base: ModelSpec) -> Path:
    """The transformers folder of the base model: a model folder, or a GGUF's converted cache."""
    if base.kind == "hf":
        return Path(base.source)
    if base.kind != "gguf":
        raise ModelLoadError("fine-tuning needs a local model (a GGUF file or a model folder), not a server")
    from .gguf_cache import converted_model_folder

    return converted_model_folder(base).folder


def _load(folder: Path, *, device):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        # Eager attention: Gemma 3's recommendation for training, and the faster one on the CPU.
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, local_files_only=True,
                                                     attn_implementation="eager")
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise ModelLoadError(f"could not load the base model from {folder} for training: {exc}") from exc
    return tokenizer, model.to(device)


def _with_lora(model, *, params: LoraParams, init_adapter: Path | None):
    from peft import LoraConfig, PeftModel, get_peft_model

    if init_adapter is not None:
        return PeftModel.from_pretrained(model, str(init_adapter), is_trainable=True)
    config = LoraConfig(r=params.rank, lora_alpha=params.alpha, lora_dropout=params.dropout,
                        target_modules=list(params.target_modules), task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def _decoder_and_head(model):
    causal_lm = model.get_base_model()
    return causal_lm.model, causal_lm.lm_head


@dataclass(frozen=True)
class _Encoded:
    ids: list[int]
    completion_start: int  # index of the first completion token in ids
    weight: float


def _encode(tokenizer, examples: Sequence[TrainingExample], *, max_tokens: int) -> tuple[list[_Encoded], int]:
    eos = tokenizer.eos_token_id
    encoded, skipped = [], 0
    for example in examples:
        prompt = tokenizer(example.prompt).input_ids  # BOS included, as the runtime tokenizes prompts
        completion = tokenizer(example.completion, add_special_tokens=False).input_ids + [eos]
        if len(prompt) + len(completion) > max_tokens or len(completion) < 2:
            skipped += 1
            continue
        encoded.append(_Encoded(prompt + completion, len(prompt), float(example.weight)))
    return encoded, skipped


def _batches(encoded: list[_Encoded], *, size: int, epochs: int, seed: int) -> list[list[_Encoded]]:
    """Batches of similar length (little padding), in a seeded random order per epoch."""
    rng = random.Random(seed)
    batches: list[list[_Encoded]] = []
    for _ in range(epochs):
        order = sorted(encoded, key=lambda e: (len(e.ids), rng.random()))
        chunks = [order[i : i + size] for i in range(0, len(order), size)]
        rng.shuffle(chunks)
        batches += chunks
    return batches


def _schedule(warmup: int, total: int) -> Callable[[int], float]:
    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        remaining = max(total - warmup, 1)
        return max(0.05, 0.5 * (1 + math.cos(math.pi * min(step - warmup, remaining) / remaining)))

    return factor


def _tensors(batch: list[_Encoded], *, pad: int, device):
    import torch

    length = max(len(e.ids) for e in batch)
    input_ids = torch.full((len(batch), length), pad, dtype=torch.long)
    attention = torch.zeros((len(batch), length), dtype=torch.long)
    # targets[i, t] is the token position t must predict, -100 where no loss is taken.
    targets = torch.full((len(batch), length), -100, dtype=torch.long)
    for row, example in enumerate(batch):
        ids = torch.tensor(example.ids, dtype=torch.long)
        input_ids[row, : len(ids)] = ids
        attention[row, : len(ids)] = 1
        targets[row, example.completion_start - 1 : len(ids) - 1] = ids[example.completion_start :]
    weights = torch.tensor([e.weight for e in batch], dtype=torch.float32)
    return input_ids.to(device), attention.to(device), targets.to(device), weights.to(device)


def _completion_loss(hidden, head, targets, weights, *, softcap):
    """Weighted mean over examples of each example's mean token loss, with the output layer run
    only where a completion token is predicted."""
    import torch

    rows, positions = torch.nonzero(targets != -100, as_tuple=True)
    logits = head(hidden[rows, positions]).float()
    if softcap:
        logits = torch.tanh(logits / softcap) * softcap
    token_loss = torch.nn.functional.cross_entropy(logits, targets[rows, positions], reduction="none")
    per_example = torch.zeros(targets.shape[0], device=hidden.device).index_add(0, rows, token_loss)
    counts = torch.zeros(targets.shape[0], device=hidden.device).index_add(0, rows, torch.ones_like(token_loss))
    per_example = per_example / counts.clamp(min=1)
    return (per_example * weights).sum() / weights.sum()


def _save(model, output_dir: Path, *, meta: dict, tokens: list[int]) -> None:
    """The PEFT folder, its training.json and the tokens its completions hold (ADAPTER_TOKENS: a
    merged model with the product-copy vocabulary keeps them), written whole or not at all."""
    import torch

    output_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{output_dir.name}-", dir=output_dir.parent))
    try:
        # fp16 halves the file; PEFT casts it back to the base's dtype when it loads.
        for name, parameter in model.named_parameters():
            if "lora_" in name:
                parameter.data = parameter.data.to(torch.float16)
        model.save_pretrained(str(work), safe_serialization=True)
        (work / "training.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
        (work / ADAPTER_TOKENS).write_text(json.dumps({"tokens": tokens}))
        os.chmod(work, 0o755)
        os.replace(work, output_dir)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
