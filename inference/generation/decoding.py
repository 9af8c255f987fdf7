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


class GeneratedRepetitionPenalty(LogitsProcessor):
    """The CTRL repetition penalty over the tokens this completion generated.

    transformers' own processor also penalises every token of the prompt, and a
    few-shot prompt holds the very words a description must use (the title, the
    material, the brand): penalising them pushed the model off the product.
    """

    def __init__(self, *, penalty: float, prompt_length: int) -> None:
        self.penalty = penalty
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        generated = input_ids[:, self.prompt_length :]
        if generated.shape[1] == 0:
            return scores
        picked = scores.gather(-1, generated)
        picked = torch.where(picked < 0, picked * self.penalty, picked / self.penalty)
        return scores.scatter(-1, generated, picked)


class GeneratedNoRepeatNGram(LogitsProcessor):
    """Bans a token that would repeat an n-gram of this completion.

    transformers' `no_repeat_ngram_size` counts the prompt too, so with few-shot
    examples it forbids the phrases ("Made of", the product's name) that every
    description repeats from its facts. This one only looks at generated tokens.
    """

    def __init__(self, *, size: int, prompt_length: int) -> None:
        self.size = size
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        generated = input_ids[:, self.prompt_length :]
        n = self.size
        if generated.shape[1] < n:
            return scores
        for row, tokens in enumerate(generated.tolist()):
            prefix = tuple(tokens[len(tokens) - n + 1 :]) if n > 1 else ()
            banned = {
                tokens[start + n - 1]
                for start in range(len(tokens) - n + 1)
                if tuple(tokens[start : start + n - 1]) == prefix
            }
            if banned:
                scores[row, list(banned)] = float("-inf")
        return scores


class StopOnSequences(StoppingCriteria):
    """Marks a row finished once its generated text contains a stop sequence.

    transformers keeps padding finished rows and ends the batch when every row is
    finished, so a batch stops early when all its completions hit a stop. Only a
    window of recent tokens is decoded, which keeps each step cheap. A stop met
    before the completion has written anything (a base model often starts with
    a blank line, and "\\n\\n" is a common stop) does not count.
    """

    def __init__(self, *, stop: Sequence[str], tokenizer: PreTrainedTokenizerBase, prompt_length: int) -> None:
        self.stop = tuple(stop)
        self.tokenizer = tokenizer
        self.prompt_length = prompt_length
        self.window = max(len(sequence) for sequence in self.stop) * _TOKENS_PER_STOP_CHAR + _STOP_WINDOW_SLACK

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor | None, **kwargs) -> torch.BoolTensor:
        recent = input_ids[:, self.prompt_length :][:, -self.window :]
        texts = self.tokenizer.batch_decode(recent, skip_special_tokens=True)
        finished = [any(sequence in text.lstrip() for sequence in self.stop) for text in texts]
        return torch.tensor(finished, dtype=torch.bool, device=input_ids.device)
