"""A copy of a GGUF model whose output layer scores only the tokens product copy uses.

Gemma 3's vocabulary has 262,144 tokens in some 140 languages; its output layer (the embedding
matrix, tied) is 262,144 x 640 weights in Q8_0, 178 MB of the 246 MB file, and at every step of
every draft llama.cpp multiplies all of it. Product copy in English and Chinese uses a fraction of
those tokens. The trimmed copy keeps:

- every token that is not ordinary text (control tokens, the 256 byte tokens that spell anything,
  the tokenizer's own user-defined pieces), less the thousands of `<unusedN>` placeholders;
- the `TOP_TOKENS` most frequent ordinary tokens (SentencePiece numbers them by frequency), so
  most of a store's words outside the corpus keep their usual pieces (a rarer one is read as
  smaller pieces: 11% of the distinct words of this repository's English docs, mostly names and
  upper-case setting names);
- every token, and every piece the tokenizer merges on the way to one, of the product-copy corpus
  and the demo catalog (`build_kept_tokens`): their text tokenizes exactly as with the full
  vocabulary, so the prompts a tuned adapter learnt on are the prompts it is given.

For the default model that is 82,003 tokens. The copy keeps the same weights in the same order, so a
kept token's logit is the number the full model computes (greedy drafts are the same); a token left
out can no longer be written. A decode step costs about a quarter less: 1.3x the tokens/s at batch
1 and 16 on 2 cores (bench/RESULTS.md, "A vocabulary for product copy"). Which tokens stay is data of the repository
(`data/<tokenizer fingerprint>.tokens`, made by `manage.py build_generation_vocabulary`), written
for one tokenizer: a model whose tokenizer has no list runs with its full vocabulary.
"""

from __future__ import annotations

import hashlib
import heapq
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import ModelLoadError
from ...fingerprint import file_fingerprint

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
# Ordinary tokens kept by frequency alone, whatever the corpus holds.
TOP_TOKENS = 65_536
_NORMAL, _CONTROL, _USER_DEFINED = 1, 3, 4
# The tensors with a row per token: the embedding, and the output layer where it is not tied.
_PER_TOKEN = ("token_embd.weight", "output.weight")
_TOKENIZER_ARRAYS = ("tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type")
_SPACE = "\u2581"  # SentencePiece's visible space


@dataclass(frozen=True)
class Vocabulary:
    """A tokenizer's tokens as the trimming needs them."""

    tokens: list[str]
    scores: np.ndarray
    types: np.ndarray

    @classmethod
    def of(cls, path: Path) -> Vocabulary:
        import gguf

        return cls.read(gguf.GGUFReader(str(path)))

    @classmethod
    def read(cls, reader) -> Vocabulary:
        """From a GGUFReader (reading one parses the tokenizer's arrays: seconds for 262,144 tokens)."""
        if "tokenizer.ggml.tokens" not in reader.fields:
            raise ModelLoadError(f"{reader.data.filename} has no tokenizer")
        fields = [reader.fields[name] for name in _TOKENIZER_ARRAYS]
        tokens = [bytes(fields[0].parts[i]).decode("utf-8", errors="replace") for i in fields[0].data]
        scores = np.array([fields[1].parts[i][0] for i in fields[1].data], dtype=np.float32)
        types = np.array([fields[2].parts[i][0] for i in fields[2].data], dtype=np.int32)
        return cls(tokens, scores, types)

    def fingerprint(self) -> str:
        """Names the tokenizer: the same tokens in the same order give the same fingerprint."""
        return hashlib.sha256("\n".join(self.tokens).encode("utf-8", errors="replace")).hexdigest()[:16]

    def always_kept(self, top: int = TOP_TOKENS) -> set[int]:
        """Tokens that are not ordinary text (less the `<unusedN>` placeholders), and the `top`
        most frequent ordinary ones."""
        kept = {index for index, kind in enumerate(self.types.tolist())
                if kind != _NORMAL and not (kind == _CONTROL and self.tokens[index].startswith("<unused"))}
        normal = [index for index, kind in enumerate(self.types.tolist()) if kind == _NORMAL]
        kept.update(normal[:top])
        return kept


def spm_pieces(text: str, index: dict[str, int], scores: np.ndarray) -> set[int]:
    """The tokens llama.cpp's SentencePiece tokenizer (llm_tokenizer_spm) reaches for `text`:
    the tokens it writes and every piece it merges on the way, which a trimmed vocabulary must
    keep for the text to tokenize as before. Spaces are SentencePiece's visible space, as
    llama.cpp writes them before it merges."""
    symbols = list(text.replace(" ", _SPACE))
    if not symbols:
        return set()
    size = len(symbols)
    previous = list(range(-1, size - 1))
    following = list(range(1, size + 1))
    following[-1] = -1
    reached: set[int] = set()
    queue: list[tuple[float, int, int, str]] = []

    def push(left: int, right: int) -> None:
        if left < 0 or right < 0:
            return
        merged = symbols[left] + symbols[right]
        token = index.get(merged)
        if token is not None:
            heapq.heappush(queue, (-float(scores[token]), left, right, merged))

    for position in range(1, size):
        push(position - 1, position)
    while queue:
        _, left, right, merged = heapq.heappop(queue)
        if not symbols[left] or not symbols[right] or symbols[left] + symbols[right] != merged:
            continue  # one side changed since this pair was queued
        symbols[left], symbols[right] = merged, ""
        reached.add(index[merged])
        following[left] = following[right]
        if following[right] >= 0:
            previous[following[right]] = left
        push(previous[left], left)
        push(left, following[left])
    reached.update(index[symbol] for symbol in symbols if symbol in index)
    return reached


def build_kept_tokens(vocabulary: Vocabulary, texts: Iterable[str], *, top: int = TOP_TOKENS) -> list[int]:
    """The token ids a trimmed copy keeps: `always_kept`, and whatever the texts (and the kept
    tokens' own spellings, so each is still reachable) tokenize through."""
    index = {token: position for position, token in enumerate(vocabulary.tokens)
             if vocabulary.types[position] != _CONTROL}
    kept = vocabulary.always_kept(top)
    # llama.cpp cuts the text at the tokenizer's own pieces ("\n", runs of spaces) before it merges.
    pieces = sorted((token for token, kind in zip(vocabulary.tokens, vocabulary.types.tolist(), strict=True)
                     if kind == _USER_DEFINED), key=len, reverse=True)
    cut = re.compile("|".join(re.escape(piece) for piece in pieces)) if pieces else None
    for text in texts:
        for segment in (cut.split(text) if cut else [text]):
            for spelling in (segment, f" {segment}"):
                kept |= spm_pieces(spelling, index, vocabulary.scores)
    pending = [token for token in kept if vocabulary.types[token] == _NORMAL]
    while pending:  # each kept token's own merges, until nothing new is reached
        found = set()
        for token in pending:
            found |= spm_pieces(vocabulary.tokens[token].replace(_SPACE, " "), index, vocabulary.scores)
        pending = sorted(found - kept)
        kept |= found
    return sorted(kept)


# --------------------------------------------------------------------------- the data file


def kept_tokens_file(vocabulary: Vocabulary) -> Path:
    """Where the repository keeps the token list for this tokenizer (one file serves every
    model that shares it: Gemma 3's sizes all do)."""
    return DATA_DIR / f"{vocabulary.fingerprint()}.tokens"


def write_kept_tokens(path: Path, *, vocabulary: Vocabulary, kept: list[int], source: str) -> None:
    """Ranges of kept ids, one a line ("0-5", "107"), after a header naming the tokenizer."""
    lines = [f"# tokenizer {vocabulary.fingerprint()} tokens {len(vocabulary.tokens)} kept {len(kept)}",
             f"# {source}"]
    start = previous = None
    for token in [*kept, None]:
        if start is not None and token == previous + 1:
            previous = token
            continue
        if start is not None:
            lines.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = token
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def read_kept_tokens(path: Path) -> tuple[str, int, list[int]]:
    """(tokenizer fingerprint, its token count, kept ids) from a file `write_kept_tokens` wrote."""
    fingerprint, total, kept = "", 0, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# tokenizer "):
            words = line.split()
            fingerprint, total = words[2], int(words[4])
        elif line and not line.startswith("#"):
            first, _, last = line.partition("-")
            kept.extend(range(int(first), int(last or first) + 1))
    return fingerprint, total, kept


def lists_label(data_dir: Path = DATA_DIR) -> str:
    """Names the token lists the repository holds: a copy made from other lists is another file."""
    return hashlib.sha256(" ".join(list_label(path) for path in sorted(data_dir.glob("*.tokens"))).encode()
                          ).hexdigest()[:12]


def list_label(path: Path) -> str:
    """A token list's content hash, read once per process while the file is unchanged (a generator
    load and each merged version's lookup ask for it)."""
    stat = path.stat()
    return _content_label(path, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _content_label(path: Path, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


# --------------------------------------------------------------------------- the trimmed model


def trimmed_model(base: Path, *, cache_dir: Path, data_dir: Path = DATA_DIR) -> Path | None:
    """The copy of `base` with the tokens its tokenizer's list keeps, written once under
    `cache_dir`/vocabulary; None where `data_dir` has no list for this tokenizer (the caller
    runs the full model). A warm start only looks for files: reading a tokenizer of 262,144
    tokens takes seconds, so it happens once per model file, and a model without a list leaves
    a note that says so."""
    lists = sorted(data_dir.glob("*.tokens"))
    if not lists:
        return None
    folder = cache_dir / "vocabulary"
    stem = f"{base.stem}-{file_fingerprint(base)}"
    labels = {path: list_label(path) for path in lists}
    for label in labels.values():
        target = folder / f"{stem}-{label}.gguf"
        if target.is_file():
            return target
    note = folder / f"{stem}.full"
    if note.is_file() and note.read_text() == " ".join(sorted(labels.values())):
        return None
    import gguf

    try:
        reader = gguf.GGUFReader(str(base))
        vocabulary = Vocabulary.read(reader)
    except (OSError, ValueError, KeyError, IndexError, ModelLoadError):
        # Not a GGUF llama.cpp can read either: loading the file itself gives llama.cpp's reason.
        logger.warning("generation.vocabulary_unreadable", extra={"model": str(base)}, exc_info=True)
        return None
    kept = kept_with(vocabulary, data_dir=data_dir)
    if kept is not None:
        target = folder / f"{stem}-{labels[data_dir / kept_tokens_file(vocabulary).name]}.gguf"
        write_trimmed(base, kept=kept, output=target, reader=reader)
        copies = re.compile(rf"{re.escape(base.stem)}-[0-9a-f]{{12}}-[0-9a-f]{{12}}\.gguf")
        for stale in folder.iterdir():  # this model's copies from an older list or file
            if stale != target and copies.fullmatch(stale.name):
                stale.unlink(missing_ok=True)  # a process still mapping it keeps its pages
        logger.info("generation.vocabulary_trimmed", extra={
            "model": str(base), "tokens": len(vocabulary.tokens), "kept": len(kept), "path": str(target)})
        return target
    folder.mkdir(parents=True, exist_ok=True)
    note.write_text(" ".join(sorted(labels.values())))
    return None


def kept_with(vocabulary: Vocabulary, extra: Iterable[int] = (), *, data_dir: Path = DATA_DIR) -> list[int] | None:
    """The ids a copy of a model with this tokenizer keeps: its list's, and `extra` (the tokens a
    tuned adapter learnt to write); None where the repository has no list for the tokenizer."""
    path = data_dir / kept_tokens_file(vocabulary).name
    if not path.is_file():
        return None
    fingerprint, total, kept = read_kept_tokens(path)
    if fingerprint != vocabulary.fingerprint() or total != len(vocabulary.tokens):
        return None
    return sorted(set(kept) | {token for token in extra if 0 <= token < total})


class Cut:
    """Cuts a GGUF's per-token fields and tensors down to `kept` ids (None: keeps them all)."""

    def __init__(self, reader, kept: list[int] | None) -> None:
        self.ids = None if kept is None else np.asarray(kept, dtype=np.int64)
        self._position = {} if kept is None else {int(old): new for new, old in enumerate(kept)}
        self._reader = reader

    def value(self, field):
        """The field's value in the copy."""
        value = field.contents()
        if self.ids is None:
            return value
        if field.name in _TOKENIZER_ARRAYS:
            return [value[i] for i in self.ids]
        if field.name.startswith("tokenizer.ggml.") and field.name.endswith("_token_id"):
            if int(value) not in self._position:
                raise ModelLoadError(f"the kept tokens leave out {field.name} ({value})")
            return self._position[int(value)]
        return value

    def writer(self, path: Path):
        """A GGUFWriter to `path` holding the model's metadata, cut."""
        import gguf

        writer = gguf.GGUFWriter(str(path), self._reader.fields["general.architecture"].contents())
        for field in self._reader.fields.values():
            if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith("GGUF."):
                continue  # written by GGUFWriter itself
            kind = field.types[0]
            writer.add_key_value(field.name, self.value(field), kind,
                                 sub_type=field.types[-1] if kind == gguf.GGUFValueType.ARRAY else None)
        return writer

    def data(self, tensor):
        """The tensor's rows in the copy (raw bytes, quantized as they are)."""
        if self.ids is None or tensor.name not in _PER_TOKEN:
            return tensor.data
        return np.ascontiguousarray(tensor.data[self.ids])


def write_trimmed(base: Path, *, kept: list[int], output: Path, reader=None) -> None:
    """Write `base` with only the `kept` token ids (in their order) to `output`, atomically:
    the tokenizer's arrays and the embedding rows are cut, everything else is copied. `reader`:
    a GGUFReader of `base` already open."""
    import gguf

    reader = reader or gguf.GGUFReader(str(base))
    cut = Cut(reader, kept)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vocabulary-", dir=output.parent) as work:
        partial = Path(work) / output.name
        writer = cut.writer(partial)
        tensors = [(tensor, cut.data(tensor)) for tensor in reader.tensors]
        for tensor, data in tensors:
            writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, tensor.tensor_type)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_ti_data_to_file()
        for _, data in tensors:
            writer.write_tensor_data(data, tensor_endianess=reader.endianess)
        writer.close()
        os.replace(partial, output)  # appears complete or not at all
