"""Generation parameters and results shared by every generator.

Prompt template versions store their parameters as JSON; `GenerationParams.from_dict`
is the gate that turns that JSON into a validated, immutable object.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

FinishReason = Literal["stop", "length", "error"]

MAX_NEW_TOKENS_LIMIT = 4096
MAX_STOP_SEQUENCES = 16
MAX_STOP_LENGTH = 200


@dataclass(frozen=True)
class GenerationParams:
    """How to sample a completion.

    temperature 0 (or do_sample False) means greedy decoding. top_k 0 disables the
    top-k filter; it defaults to 50 as in transformers, and keeping it on is also what
    makes sampling fast here (top-p then only sorts 50 candidates, not 262k).
    """

    max_new_tokens: int = 128
    temperature: float = 0.7
    top_p: float = 0.95
    top_k: int = 50
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 0
    stop: tuple[str, ...] = ()
    seed: int | None = None
    do_sample: bool = True

    def __post_init__(self) -> None:
        # JSON has no tuples and writes 1.0 as 1: normalise before validating.
        object.__setattr__(self, "stop", _stop_tuple(self.stop))
        for name in _FLOAT_FIELDS:
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        for field in dataclasses.fields(self):
            _VALIDATORS[field.name](field.name, getattr(self, field.name))

    @property
    def greedy(self) -> bool:
        return not self.do_sample or self.temperature == 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> GenerationParams:
        """Build params from stored JSON; unknown keys and bad values raise ValueError naming the key."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError(f"generation parameters must be an object, got {type(data).__name__}")
        known = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(str(key) for key in set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown generation parameter(s): {', '.join(unknown)}; allowed: {', '.join(sorted(known))}"
            )
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form; `from_dict(to_dict())` gives an equal object."""
        data = dataclasses.asdict(self)
        data["stop"] = list(self.stop)
        return data

    def replace(self, **changes: Any) -> GenerationParams:
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class GenerationResult:
    """One prompt's completion.

    `latency_s` is the wall time of the batch the prompt ran in: every prompt of a batch
    waits for the whole batch. Token counts exclude padding and anything after EOS.
    """

    text: str
    raw_text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    finish_reason: FinishReason
    model_id: str
    error: str | None = None


_FLOAT_FIELDS = ("temperature", "top_p", "repetition_penalty")


def _stop_tuple(value: Any) -> Any:
    # A lone string is accepted as one stop sequence.
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(value)
    return value


def _int_in(low: int, high: int | None):
    def check(name: str, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be an integer, got {value!r}")
        if value < low or (high is not None and value > high):
            upper = f" and at most {high}" if high is not None else ""
            raise ValueError(f"{name} must be at least {low}{upper}, got {value}")

    return check


def _float_in(low: float, high: float, *, low_inclusive: bool = True):
    def check(name: str, value: Any) -> None:
        if not isinstance(value, float):
            raise ValueError(f"{name} must be a number, got {value!r}")
        too_low = value < low if low_inclusive else value <= low
        if too_low or value > high or value != value:  # value != value catches NaN
            bracket = "[" if low_inclusive else "("
            raise ValueError(f"{name} must be in {bracket}{low}, {high}], got {value}")

    return check


def _check_stop(name: str, value: Any) -> None:
    if not isinstance(value, tuple) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{name} must be a list of strings, got {value!r}")
    if len(value) > MAX_STOP_SEQUENCES:
        raise ValueError(f"{name} accepts at most {MAX_STOP_SEQUENCES} sequences, got {len(value)}")
    for item in value:
        if not item or len(item) > MAX_STOP_LENGTH:
            raise ValueError(f"{name} sequences must be 1 to {MAX_STOP_LENGTH} characters, got {item!r}")


def _check_seed(name: str, value: Any) -> None:
    if value is not None:
        _int_in(0, 2**63 - 1)(name, value)


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false, got {value!r}")


_VALIDATORS = {
    "max_new_tokens": _int_in(1, MAX_NEW_TOKENS_LIMIT),
    "temperature": _float_in(0.0, 5.0),
    "top_p": _float_in(0.0, 1.0, low_inclusive=False),
    "top_k": _int_in(0, None),
    "repetition_penalty": _float_in(0.0, 10.0, low_inclusive=False),
    "no_repeat_ngram_size": _int_in(0, 20),
    "stop": _check_stop,
    "seed": _check_seed,
    "do_sample": _check_bool,
}
