"""A word-level diff of the generated text against the reviewer's current text,
for the review pane. Plain data out; templates escape it."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Tokens are words, single punctuation marks and runs of whitespace, so joining
# them gives the text back exactly and a changed comma does not mark the word
# before it. Chinese has no spaces: each CJK character is its own token.
_TOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|\w+|[^\w\s]|\s+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def word_diff(a: str, b: str) -> list[tuple[str, str]]:
    """[(op, text)] with op in equal / insert / delete: the deletions join back
    into `a` with the equal parts, the insertions into `b`. Neighbouring pieces
    with the same op are merged."""
    old, new = tokenize(a), tokenize(b)
    # Whitespace may extend a match but never anchor one: otherwise every space
    # would pair up and chop a rewritten sentence into confetti.
    matcher = SequenceMatcher(isjunk=str.isspace, a=old, b=new, autojunk=False)
    pieces: list[tuple[str, str]] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if pieces and pieces[-1][0] == op:
            pieces[-1] = (op, pieces[-1][1] + text)
        else:
            pieces.append((op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            add(EQUAL, "".join(old[i1:i2]))
        else:
            # A replacement shows what went before what came in.
            add(DELETE, "".join(old[i1:i2]))
            add(INSERT, "".join(new[j1:j2]))
    return pieces


def diff_stats(pieces: list[tuple[str, str]]) -> dict[str, int]:
    """Words added and removed, for the pane's one-line summary."""
    added = sum(len(tokenize(text)) for op, text in pieces if op == INSERT)
    removed = sum(len(tokenize(text)) for op, text in pieces if op == DELETE)
    return {"added": added, "removed": removed}
