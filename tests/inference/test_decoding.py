"""The logits processors and stopping criterion plugged into generate: they
must look at the generated tokens only, never at the prompt."""

import torch

from inference.generation.decoding import GeneratedNoRepeatNGram, GeneratedRepetitionPenalty, StopOnSequences

VOCABULARY = 10


def scores():
    return torch.arange(VOCABULARY, dtype=torch.float).repeat(2, 1) - 4.0  # token 4 scores 0


def test_repetition_penalty_ignores_prompt_tokens():
    # Prompt [7, 8]; each row has generated one token since.
    input_ids = torch.tensor([[7, 8, 9], [7, 8, 2]])
    out = GeneratedRepetitionPenalty(penalty=2.0, prompt_length=2)(input_ids, scores())
    expected = scores()
    expected[0, 9] = 5.0 / 2.0  # positive score divided
    expected[1, 2] = -2.0 * 2.0  # negative score multiplied
    assert torch.equal(out, expected)  # tokens 7 and 8 (the prompt) untouched


def test_repetition_penalty_with_nothing_generated_changes_nothing():
    input_ids = torch.tensor([[7, 8], [1, 2]])
    assert torch.equal(GeneratedRepetitionPenalty(penalty=2.0, prompt_length=2)(input_ids, scores()), scores())


def test_no_repeat_ngram_bans_the_token_that_would_repeat_a_generated_ngram():
    # Generated so far (after a 3-token prompt): 1 2 3 1 2 -> "1 2 3" again is banned.
    input_ids = torch.tensor([[5, 6, 7, 1, 2, 3, 1, 2], [5, 6, 7, 4, 4, 4, 4, 3]])
    out = GeneratedNoRepeatNGram(size=3, prompt_length=3)(input_ids, scores())
    assert out[0, 3] == float("-inf")
    assert torch.isfinite(out[0, [0, 1, 2, 4, 5, 6, 7, 8, 9]]).all()
    # Row 1: "4 4 4" would repeat only after "4 4"; its last two tokens are "4 3".
    assert torch.isfinite(out[1]).all()


def test_no_repeat_ngram_ignores_ngrams_of_the_prompt():
    # "1 2 3" is in the prompt; the completion writing "1 2" may go on with 3.
    input_ids = torch.tensor([[1, 2, 3, 9, 1, 2]])
    out = GeneratedNoRepeatNGram(size=3, prompt_length=4)(input_ids, scores()[:1])
    assert torch.isfinite(out).all()


class FakeTokenizer:
    def batch_decode(self, rows, skip_special_tokens=True):
        return ["".join(" \n"[t] if t < 2 else chr(ord("a") + t) for t in row.tolist()) for row in rows]


def test_a_stop_sequence_before_any_text_does_not_finish_the_row():
    criterion = StopOnSequences(stop=["\n\n"], tokenizer=FakeTokenizer(), prompt_length=1)
    opening_blank_line = torch.tensor([[5, 1, 1], [5, 3, 4]])
    assert criterion(opening_blank_line, None).tolist() == [False, False]
    after_text = torch.tensor([[5, 1, 1, 3, 1, 1]])
    assert criterion(after_text, None).tolist() == [True]
