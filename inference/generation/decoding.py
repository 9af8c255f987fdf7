"""Pieces plugged into transformers' generate loop: fast sampling and stop sequences."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import LogitsProcessor, PreTrainedTokenizerBase, StoppingCriteria

# A character may take up to four byte-fallback tokens; the extra tokens make sure
# the window starts before the stop sequence even when decoding drops a leading space.
_TOKENS_PER_STOP_CHAR = 4
_STOP_WINDOW_SLACK = 4


class TopKTopPSampler(LogitsProcessor):
    """Samples the next token with temperature, top-k and top-p, and hands generate a one-hot choice.

    Gemma's vocabulary has 262,144 entries. transformers' top-p warper sorts all of
    them for every row at every step, and its sampling step runs a softmax and a
    multinomial draw over all of them; on a two-core CPU that cost more than the
    model's forward pass at batch 8. After top-k only k candidates can win, so this
    processor works on those alone and returns scores in which only the drawn token
    is finite: generate then runs in greedy mode and its argmax picks that token.
    With top_k 0 the k is the whole vocabulary: slower, still exact. The draw uses
    torch's global generator, so a seeded batch is reproducible.
    """

    def __init__(self, *, temperature: float, top_k: int, top_p: float) -> None:
        self.temperature = temperature
        self.top_k = top_k
        self.top_p = top_p

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        vocabulary = scores.shape[-1]
        k = vocabulary if self.top_k == 0 else min(self.top_k, vocabulary)
        # Dividing by a positive temperature keeps the order, so select first, scale after.
        values, indices = torch.topk(scores, k, dim=-1)  # sorted, best first
        probabilities = (values / self.temperature).softmax(dim=-1)
        if self.top_p < 1.0:
            mass_before = probabilities.cumsum(dim=-1) - probabilities
            # Keep the smallest prefix whose mass reaches top_p; the best token always stays.
            probabilities = probabilities.masked_fill(mass_before > self.top_p, 0.0)
        drawn = indices.gather(-1, torch.multinomial(probabilities, num_samples=1))
        one_hot = torch.full_like(scores, float("-inf"))
        return one_hot.scatter_(-1, drawn, 0.0)


class StopOnSequences(StoppingCriteria):
    """Marks a row finished once its generated text contains a stop sequence.

    transformers keeps padding finished rows and ends the batch when every row is
    finished, so a batch stops early when all its completions hit a stop. Only a
    window of recent tokens is decoded, which keeps each step cheap.
    """

    def __init__(self, *, stop: Sequence[str], tokenizer: PreTrainedTokenizerBase, prompt_length: int) -> None:
        self.stop = tuple(stop)
        self.tokenizer = tokenizer
        self.prompt_length = prompt_length
        self.window = max(len(sequence) for sequence in self.stop) * _TOKENS_PER_STOP_CHAR + _STOP_WINDOW_SLACK

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor | None, **kwargs) -> torch.BoolTensor:
        recent = input_ids[:, self.prompt_length :][:, -self.window :]
        texts = self.tokenizer.batch_decode(recent, skip_special_tokens=True)
        finished = [any(sequence in text for sequence in self.stop) for text in texts]
        return torch.tensor(finished, dtype=torch.bool, device=input_ids.device)
