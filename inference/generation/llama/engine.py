"""Several sequences decoded together in one llama.cpp context, sharing their common prefix.

`BatchDecoder.stream` takes requests as sequences free up and yields each
outcome as it finishes, so a job of a thousand drafts keeps every sequence busy
from its first prompt to its last (continuous batching), and its caller writes
drafts while the rest decode.

Sequence 0 holds the prefix that the first prompts of a stream share (the
few-shot examples of a template) and keeps it between streams: the next stream
computes only where its prefix departs from the cached one. Every prompt's
sequence starts as a copy of the part of sequence 0's cache it shares, so the
shared part is computed once per template, not once per draft. Identical prompts
(variants, best-of-n) are computed once and copied as well. Each decoding step
then sends one token per unfinished sequence in one llama_decode call.

A draft's numbers do not depend on its batch: each sequence has a cache of its
own, prompts are computed in calls of their own sequence (see `_chunks`), and
the context avoids kernels that change with the number of rows (see model.py),
so a seeded greedy request writes the same text alone or among others.
"""

from __future__ import annotations

import collections
import logging
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from ...params import GenerationParams
from ..sampling import SequenceSampler, TokenFilter
from .model import LlamaContext, LlamaModel

logger = logging.getLogger(__name__)

PREFIX_SEQUENCE = 0
# Every sequence computes at least its prompt's last tokens itself, with a second
# token of its own beside the last: llama.cpp computes a prompt token that sits
# alone in its sequence's share of a batch along another kernel path, whose logits
# differ in the last bits, and a greedy draft must not depend on whether its
# prompt's prefix was shared.
_OWN_TAIL = 2


@dataclass(frozen=True)
class SequenceRequest:
    tokens: tuple[int, ...]
    params: GenerationParams
    seed: int | None
    filters: tuple[TokenFilter, ...] = ()


@dataclass
class SequenceOutcome:
    generated: list[int]
    raw_text: str
    hit_eos: bool
    hit_stop: bool
    seconds: float


@dataclass
class _Sequence:
    request: SequenceRequest
    index: int
    sequence_id: int
    sampler: SequenceSampler
    admitted_at: float
    position: int = 0
    text: bytearray = field(default_factory=bytearray)
    hit_eos: bool = False
    hit_stop: bool = False
    done: bool = False
    finished_at: float = 0.0


class BatchDecoder:
    """Runs batches of sequence requests on one context; not thread-safe (the generator locks)."""

    def __init__(self, *, model: LlamaModel, context: LlamaContext) -> None:
        self.model = model
        self.context = context
        self._prefix: list[int] = []
        self._prefix_key: Hashable = None

    @property
    def max_sequences(self) -> int:
        return self.context.sequences - 1  # sequence 0 keeps the shared prefix

    def forget_prefix(self) -> None:
        self.context.remove(PREFIX_SEQUENCE)
        self._prefix = []

    def stream(
        self, take: Callable[[int], Sequence[SequenceRequest]], *, prefix_key: Hashable, width: int,
        lookahead: int | None = None,
    ) -> Iterator[tuple[int, SequenceOutcome]]:
        """Generate for requests as `take(n)` hands them out, at most `width` sequences at a time.

        `take(n)` returns up to n more requests (none: nothing more for now) and is called
        whenever sequences are free, so a finished sequence's place goes to the next request
        at once (continuous batching) and the caller may add requests while results come
        back. Yields (index, outcome) as each sequence finishes, the index counting requests
        in the order taken; ends when nothing runs and `take` has nothing more. The first
        requests taken (`lookahead`, two widths unless given) set the shared prefix; a later
        prompt that departs from it sooner shares what it can.
        """
        started = time.perf_counter()
        slots = min(width, self.max_sequences)
        requests: list[SequenceRequest] = []
        waiting: collections.deque[list[int]] = collections.deque()

        def pull(count: int) -> None:
            for request in take(count):
                index = len(requests)
                requests.append(request)
                # Identical prompts next to each other (candidates of one item) are computed once.
                if waiting and requests[waiting[-1][0]].tokens == request.tokens:
                    waiting[-1].append(index)
                else:
                    waiting.append([index])

        pull(lookahead or 2 * slots)
        if not requests:
            return
        distinct = list(dict.fromkeys(request.tokens for request in requests))
        shared = _shared_prefix_length(distinct)
        reused = self._load_prefix(list(distinct[0][:shared]), key=prefix_key)
        free = list(range(slots, 0, -1))
        active: dict[int, _Sequence] = {}
        rows: dict[int, np.ndarray] = {}
        steps = 0
        try:
            while True:
                queued = sum(len(group) for group in waiting)
                if len(free) > queued:
                    pull(len(free) - queued)
                if not waiting and not active:
                    break
                admitted = self._admit(waiting, free, requests)
                if admitted:
                    for sequence in admitted:
                        active[sequence.sequence_id] = sequence
                    # The prefill below reuses llama.cpp's logits buffer.
                    rows = {sequence_id: row.copy() for sequence_id, row in rows.items()}
                    rows.update(self._prefill(admitted))
                step = self._sample(active, rows)
                finished = [sequence for sequence in active.values() if sequence.done]
                for sequence in finished:
                    del active[sequence.sequence_id]
                    free.append(sequence.sequence_id)
                # In order of sequence id: llama.cpp splits a step whose sequences come out of
                # order (as they do once finished sequences' ids are handed out again) into many
                # small decodes, which made every step after the first wave about 4x slower.
                rows = self._feed(sorted(step, key=lambda entry: entry[0])) if step else {}
                steps += bool(step)
                # The caller runs while `rows` wait for sampling; it cannot decode meanwhile (the
                # generator holds its lock), so the rows stay valid.
                for sequence in sorted(finished, key=lambda sequence: sequence.index):
                    yield sequence.index, _outcome(sequence)
        finally:
            for sequence_id in active:
                self.context.remove(sequence_id)
            logger.debug(
                "generation.llama_batch",
                extra={"sequences": len(requests), "distinct_prompts": len(distinct), "shared_prefix": shared,
                       "prefix_reused": reused, "steps": steps,
                       "seconds": round(time.perf_counter() - started, 3)},
            )

    def _admit(
        self, waiting: collections.deque[list[int]], free: list[int], requests: Sequence[SequenceRequest]
    ) -> list[_Sequence]:
        """Give free sequence ids to waiting requests, keeping identical prompts together where they fit."""
        admitted: list[_Sequence] = []
        now = time.perf_counter()
        while waiting and free:
            group = waiting[0]
            taken, rest = group[: len(free)], group[len(free) :]
            if rest:
                waiting[0] = rest
            else:
                waiting.popleft()
            for index in taken:
                request = requests[index]
                admitted.append(_Sequence(
                    request=request, index=index, sequence_id=free.pop(), admitted_at=now,
                    sampler=SequenceSampler(params=request.params, seed=request.seed, filters=request.filters),
                ))
        return admitted

    # -- prefix ---------------------------------------------------------------------------

    def _load_prefix(self, prefix: list[int], *, key: Hashable) -> int:
        """Make sequence 0 hold exactly `prefix`, computing only what the cache lacks; returns tokens reused."""
        if key != self._prefix_key:
            self.forget_prefix()
            self._prefix_key = key
        kept = _common_length(self._prefix, prefix)
        if 0 < len(prefix) - kept < _OWN_TAIL:
            kept = max(0, len(prefix) - _OWN_TAIL)  # never compute a lone token (see _OWN_TAIL)
        if kept < len(self._prefix):
            # A sliding-window cache drops cells a long prefix no longer needs; cutting
            # such a prefix short could leave a hole, so it is computed again instead.
            if self.context.first_position(PREFIX_SEQUENCE) > 0:
                kept = 0
            if kept == 0:
                self.forget_prefix()
            else:
                self.context.remove(PREFIX_SEQUENCE, kept, -1)
                self._prefix = self._prefix[:kept]
        self._feed([(PREFIX_SEQUENCE, token, kept + offset, False) for offset, token in enumerate(prefix[kept:])])
        self._prefix = list(prefix)
        return kept

    # -- prompts ----------------------------------------------------------------------------

    def _prefill(self, sequences: list[_Sequence]) -> dict[int, np.ndarray]:
        """Compute these sequences' prompts past what they share with the cached prefix;
        returns sequence id -> logits row."""
        groups: dict[tuple[int, ...], list[_Sequence]] = {}
        for sequence in sequences:
            groups.setdefault(sequence.request.tokens, []).append(sequence)
        last_tokens: list[tuple[int, int, int, bool]] = []
        bodies: list[tuple[int, int, int, bool]] = []
        for tokens, members in groups.items():
            lead = members[0]
            start = self._start_from_prefix(tokens, lead.sequence_id)
            # The lead computes the prompt up to its tail; copies of it then compute
            # only the tail, each in its own sequence, so that each has a logits row
            # of its own to sample (and filter) from.
            tail_start = len(tokens) if len(members) == 1 else max(start, len(tokens) - _OWN_TAIL)
            if tail_start - start < _OWN_TAIL:
                tail_start = start  # no body of a single token either
            bodies += [(lead.sequence_id, tokens[position], position, position == len(tokens) - 1)
                       for position in range(start, tail_start)]
            if len(members) > 1:
                last_tokens += [(member.sequence_id, tokens[position], position, position == len(tokens) - 1)
                                for member in members for position in range(tail_start, len(tokens))]
            for member in members:
                member.position = len(tokens)
        rows = self._feed(bodies)
        if last_tokens:
            rows = {sequence_id: row.copy() for sequence_id, row in rows.items()}  # the next call reuses the buffer
            for members in groups.values():
                for member in members[1:]:
                    self.context.copy(members[0].sequence_id, member.sequence_id)
            rows.update(self._feed(last_tokens))
        return rows

    def _start_from_prefix(self, tokens: tuple[int, ...], sequence_id: int) -> int:
        """Give the sequence the cached prefix's tokens that `tokens` starts with; returns how many.

        At least its last _OWN_TAIL tokens stay the sequence's own to compute."""
        start = max(0, min(_common_length(self._prefix, tokens), len(tokens) - _OWN_TAIL))
        if start < len(self._prefix) and self.context.first_position(PREFIX_SEQUENCE) > 0:
            start = 0  # a sliding window dropped cells: the prefix cannot be cut short (see _load_prefix)
        if start:
            self.context.copy(PREFIX_SEQUENCE, sequence_id)
            if start < len(self._prefix):
                self.context.remove(sequence_id, start, -1)
        return start

    def _feed(self, tokens: list[tuple[int, int, int, bool]]) -> dict[int, np.ndarray]:
        """Decode (sequence id, token, position, wants logits) entries, as many per call as fit.

        Returns each wanting sequence's logits row: a view into llama.cpp's buffer for
        the last call, a copy for earlier ones (the next call overwrites the buffer)."""
        rows: dict[int, np.ndarray] = {}
        for start, end in _chunks(tokens, capacity=self.context.batch.capacity):
            chunk = tokens[start:end]
            batch = self.context.batch
            wanting = []
            for index, (sequence_id, token, position, wants_logits) in enumerate(chunk):
                batch.tokens[index] = token
                batch.positions[index] = position
                batch.sequences[index] = sequence_id
                batch.outputs[index] = wants_logits
                if wants_logits:
                    wanting.append(sequence_id)
            self.context.decode(len(chunk))
            if wanting:
                logits = self.context.logits(len(wanting))
                last = end == len(tokens)
                rows.update((sequence_id, logits[row] if last else logits[row].copy())
                            for row, sequence_id in enumerate(wanting))
        return rows

    # -- completions ------------------------------------------------------------------------

    def _sample(self, active: dict[int, _Sequence], rows: dict[int, np.ndarray]) -> list[tuple[int, int, int, bool]]:
        """Choose each active sequence's next token; returns the decoding step for those that go on."""
        model = self.model
        step: list[tuple[int, int, int, bool]] = []
        for sequence_id, sequence in active.items():
            token = sequence.sampler.sample(rows[sequence_id])
            if model.is_end_of_generation(token):
                sequence.hit_eos = True
                self._finish(sequence)
                continue
            sequence.sampler.accept(token)
            sequence.text += model.piece(token)
            params = sequence.request.params
            if params.stop and _stopped(sequence.text, params.stop):
                sequence.hit_stop = True
                self._finish(sequence)
            elif len(sequence.sampler.generated) >= params.max_new_tokens:
                self._finish(sequence)
            else:
                step.append((sequence_id, token, sequence.position, True))
                sequence.position += 1
        return step

    def _finish(self, sequence: _Sequence) -> None:
        sequence.done = True
        sequence.finished_at = time.perf_counter()
        # Its cache is emptied for the next request that takes its sequence id.
        self.context.remove(sequence.sequence_id)


def _chunks(tokens: list[tuple[int, int, int, bool]], *, capacity: int) -> list[tuple[int, int]]:
    """[start, end) spans for llama_decode calls.

    A prompt's tokens go in calls of their own sequence only, cut (when longer than
    `capacity`) so that no piece is a single token; single tokens of many sequences
    (a decoding step) share calls. llama.cpp splits a call that mixes sequences of
    unequal lengths into physical batches of its choosing, and a token's logits
    depend, in their last bits, on how many tokens of its sequence it was computed
    with: this keeps a draft's numbers the same alone or in any batch.
    """
    spans: list[tuple[int, int]] = []
    singles_start: int | None = None
    position = 0
    while position < len(tokens):
        run_end = position
        while run_end < len(tokens) and tokens[run_end][0] == tokens[position][0]:
            run_end += 1
        if run_end - position == 1:
            if singles_start is None:
                singles_start = position
            elif position - singles_start == capacity:
                spans.append((singles_start, position))
                singles_start = position
        else:
            if singles_start is not None:
                spans.append((singles_start, position))
                singles_start = None
            start = position
            while run_end - start > capacity:
                end = start + min(capacity, run_end - start - _OWN_TAIL)
                spans.append((start, end))
                start = end
            spans.append((start, run_end))
        position = run_end
    if singles_start is not None:
        spans.append((singles_start, len(tokens)))
    return spans


def _stopped(text: bytearray, stop: Sequence[str]) -> bool:
    # A stop before the first word (a base model often opens with a blank line) does not count.
    decoded = bytes(text).decode("utf-8", "ignore").lstrip()
    return any(sequence in decoded for sequence in stop)


def _common_length(first: Sequence[int], second: Sequence[int]) -> int:
    length = min(len(first), len(second))
    for index in range(length):
        if first[index] != second[index]:
            return index
    return length


def _shared_prefix_length(distinct: Sequence[Sequence[int]]) -> int:
    """Tokens every distinct prompt starts with, leaving each its own tail to compute."""
    shared = min(len(tokens) for tokens in distinct) - _OWN_TAIL
    for tokens in distinct[1:]:
        shared = min(shared, _common_length(distinct[0], tokens))
    return max(shared, 0)


def _outcome(sequence: _Sequence) -> SequenceOutcome:
    return SequenceOutcome(
        generated=sequence.sampler.generated,
        raw_text=bytes(sequence.text).decode("utf-8", "replace"),
        hit_eos=sequence.hit_eos,
        hit_stop=sequence.hit_stop,
        seconds=sequence.finished_at - sequence.admitted_at,
    )
