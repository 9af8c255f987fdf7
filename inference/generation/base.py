"""The interface every generator implements, whatever runs the model."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ..errors import InferenceError
from ..params import GenerationParams, GenerationResult
from ..prompt_fit import FittedPrompt, Render, fit_prompt

if TYPE_CHECKING:
    from ..lora import LoraAdapter
    from ..spec import ModelSpec
    from .sampling import TokenFilter

T = TypeVar("T")
ChatMessage = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}


def take_from(items: Sequence[T]) -> Callable[[int], list[T]]:
    """A `take` for `Generator.generate_stream` that hands out `items` in order, n at a time."""
    pending = list(items)

    def take(count: int) -> list[T]:
        taken = pending[:count]
        del pending[:count]
        return taken

    return take


@dataclass(frozen=True)
class GenerationRequest:
    """One prompt with its own parameters and token filters (constraints on what may be sampled).

    Asking for n candidates of one prompt is n requests with that prompt: engines that
    share prompt computation (llama.cpp) compute it once.
    """

    prompt: str
    params: GenerationParams
    token_filters: tuple[TokenFilter, ...] = ()


class Generator(ABC):
    """Turns prompts into post-processed completions, in batches.

    A generator is loaded once per process (see `get_generator`) and may be shared by
    threads; implementations serialise access to the model where they must.
    """

    model_id: str
    spec: ModelSpec

    @property
    @abstractmethod
    def context_length(self) -> int:
        """Tokens the model attends to: prompt plus completion."""

    @property
    @abstractmethod
    def has_chat_template(self) -> bool: ...

    @abstractmethod
    def render_chat(self, messages: Sequence[ChatMessage]) -> str:
        """Render chat messages into a prompt string; ChatTemplateUnavailable if the model has no template."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens `text` takes as a prompt (special tokens such as BOS included)."""

    @abstractmethod
    def generate(
        self,
        prompts: Sequence[str],
        *,
        params: GenerationParams,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        """One result per prompt, in the order given, with `adapter` over the base model if given.

        A prompt that cannot run (too long for the context) gets a result with
        finish_reason "error" and the reason in `error`; the others still run.
        Failures of the model itself raise an InferenceError.
        """

    def generate_requests(
        self,
        requests: Sequence[GenerationRequest],
        *,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> list[GenerationResult]:
        """Like `generate`, with parameters and token filters per request.

        Engines without per-sequence sampling run requests grouped by parameters and
        refuse token filters.
        """
        if any(request.token_filters for request in requests):
            raise InferenceError(f"{type(self).__name__} cannot apply token filters; use the llama.cpp backend")
        results: dict[int, GenerationResult] = {}
        groups: dict[GenerationParams, list[int]] = {}
        for index, request in enumerate(requests):
            groups.setdefault(request.params, []).append(index)
        for params, indices in groups.items():
            outputs = self.generate([requests[index].prompt for index in indices], params=params,
                                    batch_size=batch_size, adapter=adapter)
            results.update(zip(indices, outputs, strict=True))
        return [results[index] for index in range(len(requests))]

    def generate_stream(
        self,
        take: Callable[[int], Sequence[GenerationRequest]],
        *,
        batch_size: int | None = None,
        adapter: LoraAdapter | None = None,
    ) -> Iterator[tuple[int, GenerationResult]]:
        """Results for requests as `take(n)` hands them out, yielded as (index, result).

        `take(n)` returns up to n more requests (none: nothing more for now); the caller
        may make more available while results come back (a retry, the next rendered
        batch). The index counts requests in the order taken. The stream ends when
        nothing runs and `take` has nothing more. Here requests run in batches of
        `batch_size`, each yielded when its batch is done; engines with continuous
        batching (llama.cpp) start a request as soon as a sequence is free and yield
        each result as it finishes.
        """
        size = batch_size or self.spec.batch_size
        offset = 0
        while batch := list(take(size)):
            for index, result in enumerate(self.generate_requests(batch, batch_size=size, adapter=adapter)):
                yield offset + index, result
            offset += len(batch)

    def prompt_budget(self, *, max_new_tokens: int) -> int:
        """Prompt tokens that leave room for `max_new_tokens` within the context."""
        return max(0, self.context_length - max_new_tokens)

    def fit_prompt(
        self,
        *,
        render: Render,
        values: Mapping[str, str],
        trim_order: Sequence[str],
        max_new_tokens: int,
    ) -> FittedPrompt:
        """Render a prompt that fits with `max_new_tokens` to spare, trimming sections in `trim_order`."""
        return fit_prompt(
            render=render,
            values=values,
            trim_order=trim_order,
            count_tokens=self.count_tokens,
            max_prompt_tokens=self.prompt_budget(max_new_tokens=max_new_tokens),
        )

    def context_error(self, *, prompt_tokens: int, max_new_tokens: int) -> str | None:
        """Why a prompt cannot run, or None when it fits."""
        if prompt_tokens + max_new_tokens <= self.context_length:
            return None
        return (
            f"the prompt has {prompt_tokens} tokens; with max_new_tokens {max_new_tokens} it exceeds "
            f"the model's context of {self.context_length} tokens"
        )
