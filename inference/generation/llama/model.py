"""Typed wrappers over llama.cpp's model, context, batch and LoRA handles.

Each wrapper owns one C handle and frees it once; nothing here knows about
prompts or sampling.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ...errors import InferenceError, ModelLoadError
from .library import library, take_recent_errors

# A token's text is rarely more than a few bytes; longer pieces are retried.
_PIECE_BUFFER = 64


class LlamaModel:
    """Weights mapped from a GGUF file (mmap: loading takes well under a second)."""

    def __init__(self, path: Path, *, gpu_layers: int, exact: bool = True) -> None:
        lib = library()
        self._lib = lib
        params = lib.llama_model_default_params()
        params.n_gpu_layers = gpu_layers
        # Repacked weights (and AMX tiles) run other kernels for 1-3 rows than for 4 or
        # more, so a draft's logits would depend on how many drafts decode beside it.
        params.use_extra_bufts = not exact
        take_recent_errors()
        handle = lib.llama_model_load_from_file(str(path).encode("utf-8"), params)
        if not handle:
            reason = "; ".join(take_recent_errors()) or "llama.cpp could not read it"
            raise ModelLoadError(f"could not load GGUF file {path}: {reason}")
        self.handle = handle
        self.vocab = lib.llama_model_get_vocab(handle)
        self.n_vocab = int(lib.llama_vocab_n_tokens(self.vocab))
        self.n_ctx_train = int(lib.llama_model_n_ctx_train(handle))
        self.bos = int(lib.llama_vocab_bos(self.vocab))
        self._adds_bos = bool(lib.llama_vocab_get_add_bos(self.vocab))
        self._pieces: dict[int, bytes] = {}

    handle = None  # until a load succeeds

    def close(self) -> None:
        if self.handle:
            self._lib.llama_model_free(self.handle)
            self.handle = None

    # sys.is_finalizing is bound here: at exit the module's globals (sys, the bindings) may be gone.
    def __del__(self, _finalizing=sys.is_finalizing) -> None:
        if not _finalizing():  # the process frees everything at exit
            self.close()

    def tokenize(self, text: str) -> list[int]:
        """Prompt tokens, BOS included when the model wants it; special tokens in the text are parsed
        (a chat-rendered prompt holds them), as transformers' tokenizers do."""
        data = text.encode("utf-8", "replace")
        capacity = len(data) + 8
        buffer = (ctypes.c_int32 * capacity)()
        count = self._lib.llama_tokenize(self.vocab, data, len(data), buffer, capacity, True, True)
        if count < 0:  # the buffer was too small: -count is what it needs
            capacity = -count
            buffer = (ctypes.c_int32 * capacity)()
            count = self._lib.llama_tokenize(self.vocab, data, len(data), buffer, capacity, True, True)
        if count < 0:
            raise InferenceError(f"llama.cpp could not tokenize a prompt of {len(data)} bytes")
        return list(buffer[:count])

    def piece(self, token: int) -> bytes:
        """The bytes a generated token stands for (control tokens give none)."""
        cached = self._pieces.get(token)
        if cached is not None:
            return cached
        buffer = ctypes.create_string_buffer(_PIECE_BUFFER)
        length = self._lib.llama_token_to_piece(self.vocab, token, buffer, _PIECE_BUFFER, 0, False)
        if length < 0:
            buffer = ctypes.create_string_buffer(-length)
            length = self._lib.llama_token_to_piece(self.vocab, token, buffer, -length, 0, False)
        piece = buffer.raw[: max(length, 0)]
        self._pieces[token] = piece
        return piece

    def is_end_of_generation(self, token: int) -> bool:
        return bool(self._lib.llama_vocab_is_eog(self.vocab, token))

    @property
    def adds_bos(self) -> bool:
        return self._adds_bos

    def chat_template(self) -> str | None:
        template = self._lib.llama_model_chat_template(self.handle, None)
        return template.decode("utf-8", "replace") if template else None

    def render_chat(self, messages: Sequence[tuple[str, str]]) -> str:
        """The model's chat template, as llama.cpp applies it, ending with the assistant's turn."""
        lib = self._lib
        template = lib.llama_model_chat_template(self.handle, None)
        encoded = [(role.encode("utf-8"), content.encode("utf-8")) for role, content in messages]
        chat = (lib.llama_chat_message * len(encoded))(*[lib.llama_chat_message(r, c) for r, c in encoded])
        size = sum(len(r) + len(c) for r, c in encoded) * 2 + 256
        buffer = ctypes.create_string_buffer(size)
        written = lib.llama_chat_apply_template(template, chat, len(encoded), True, buffer, size)
        if written > size:
            buffer = ctypes.create_string_buffer(written)
            written = lib.llama_chat_apply_template(template, chat, len(encoded), True, buffer, written)
        if written < 0:
            raise InferenceError("llama.cpp does not know this model's chat template")
        return buffer.raw[:written].decode("utf-8", "replace")


class LoraAdapterHandle:
    """A GGUF LoRA adapter loaded against one model."""

    def __init__(self, model: LlamaModel, path: Path) -> None:
        lib = library()
        self._lib = lib
        take_recent_errors()
        handle = lib.llama_adapter_lora_init(model.handle, str(path).encode("utf-8"))
        if not handle:
            reason = "; ".join(take_recent_errors()) or "llama.cpp could not read it"
            raise ModelLoadError(f"could not load LoRA adapter {path}: {reason}")
        self.handle = handle

    def close(self) -> None:
        # Adapters belong to their model: llama.cpp frees them with it, and freeing one
        # the model still lists is not allowed in every version.
        self.handle = None


class LlamaContext:
    """A KV cache for up to `sequences` sequences of `cells / sequences` tokens each, plus the
    buffers of one decode call."""

    def __init__(
        self, model: LlamaModel, *, cells: int, sequences: int, batch_tokens: int, threads: int, exact: bool = True
    ) -> None:
        lib = library()
        self._lib = lib
        self.model = model
        params = lib.llama_context_default_params()
        params.n_ctx = cells
        params.n_batch = batch_tokens
        params.n_ubatch = batch_tokens
        params.n_seq_max = sequences
        # Logits come back for one token per sequence at most; the default (one per
        # batch token) would reserve n_batch rows of 262,144 floats.
        params.n_outputs_max = sequences
        params.n_threads = threads
        params.n_threads_batch = threads
        # A buffer per sequence: a sequence then attends over its own cells only, laid
        # out as they would be alone, so its numbers do not depend on its batch (in a
        # shared buffer other sequences' cells, masked, change the order of the sums).
        # Copying the shared prefix into a sequence copies its buffer (a memcpy).
        params.kv_unified = False
        # The sliding-window layers keep only the window each sequence still needs.
        params.swa_full = False
        # llama.cpp's CPU flash attention takes other paths for 1, 2-63 and 64+ query
        # tokens and for long caches; plain attention computes the same way for all.
        params.flash_attn_type = lib.LLAMA_FLASH_ATTN_TYPE_DISABLED if exact else lib.LLAMA_FLASH_ATTN_TYPE_AUTO
        params.no_perf = True
        take_recent_errors()
        handle = lib.llama_init_from_model(model.handle, params)
        if not handle:
            reason = "; ".join(take_recent_errors()) or "out of memory?"
            raise ModelLoadError(f"llama.cpp could not create a context of {cells} cells: {reason}")
        self.handle = handle
        self.sequences = sequences
        self.cells_per_sequence = int(lib.llama_n_ctx_seq(handle))
        self.memory = lib.llama_get_memory(handle)
        self.batch = TokenBatch(batch_tokens)
        self._adapters: tuple[int, ...] = ()

    handle = None  # until the context is created

    def close(self) -> None:
        if self.handle:
            self._lib.llama_free(self.handle)
            self.handle = None

    def __del__(self, _finalizing=sys.is_finalizing) -> None:
        if not _finalizing():
            self.close()

    # -- memory ------------------------------------------------------------------------

    def remove(self, sequence: int, start: int = -1, end: int = -1) -> bool:
        return bool(self._lib.llama_memory_seq_rm(self.memory, sequence, start, end))

    def copy(self, source: int, target: int) -> None:
        self._lib.llama_memory_seq_cp(self.memory, source, target, -1, -1)

    def first_position(self, sequence: int) -> int:
        """The lowest position still cached for a sequence (-1 when it has none)."""
        return int(self._lib.llama_memory_seq_pos_min(self.memory, sequence))

    def clear(self) -> None:
        self._lib.llama_memory_clear(self.memory, True)

    # -- adapters ------------------------------------------------------------------------

    def use_adapters(self, adapters: Sequence[tuple[LoraAdapterHandle, float]]) -> None:
        key = tuple((id(handle), scale) for handle, scale in adapters)
        if key == self._adapters:
            return
        count = len(adapters)
        handles = (self._lib.llama_adapter_lora_p_ctypes * max(count, 1))(*[handle.handle for handle, _ in adapters])
        scales = (ctypes.c_float * max(count, 1))(*[scale for _, scale in adapters])
        status = self._lib.llama_set_adapters_lora(self.handle, handles if count else None, count,
                                                   scales if count else None)
        if status != 0:
            raise InferenceError("llama.cpp refused the LoRA adapter for this model")
        self._adapters = key

    # -- decoding ------------------------------------------------------------------------

    def decode(self, count: int) -> None:
        """Run the first `count` tokens of `self.batch` through the model."""
        self.batch.struct.n_tokens = count
        status = self._lib.llama_decode(self.handle, self.batch.struct)
        if status == 1:
            raise InferenceError("the KV cache is full: lower the batch size or raise the context length")
        if status != 0:
            reason = "; ".join(take_recent_errors())
            detail = f": {reason}" if reason else ""
            raise InferenceError(f"llama.cpp failed to decode a batch (status {status}){detail}")

    def logits(self, rows: int) -> np.ndarray:
        """The output rows of the last decode, in batch order; writable, valid until the next decode."""
        pointer = self._lib.llama_get_logits(self.handle)
        return np.ctypeslib.as_array(pointer, shape=(rows, self.model.n_vocab))


class TokenBatch:
    """llama_batch over buffers owned here, filled through numpy views (one sequence id per token)."""

    def __init__(self, capacity: int) -> None:
        lib = library()
        self.capacity = capacity
        self._tokens = (ctypes.c_int32 * capacity)()
        self._positions = (ctypes.c_int32 * capacity)()
        self._seq_counts = (ctypes.c_int32 * capacity)(*([1] * capacity))
        self._seq_ids = (ctypes.c_int32 * capacity)()
        int_pointer = ctypes.POINTER(ctypes.c_int32)
        base = ctypes.addressof(self._seq_ids)
        size = ctypes.sizeof(ctypes.c_int32)
        self._seq_pointers = (int_pointer * capacity)(
            *[ctypes.cast(base + index * size, int_pointer) for index in range(capacity)]
        )
        self._outputs = (ctypes.c_int8 * capacity)()
        self.struct = lib.llama_batch(
            n_tokens=0,
            token=self._tokens,
            embd=None,
            pos=self._positions,
            n_seq_id=self._seq_counts,
            seq_id=self._seq_pointers,
            logits=self._outputs,
        )
        self.tokens = np.ctypeslib.as_array(self._tokens)
        self.positions = np.ctypeslib.as_array(self._positions)
        self.sequences = np.ctypeslib.as_array(self._seq_ids)
        self.outputs = np.ctypeslib.as_array(self._outputs)
