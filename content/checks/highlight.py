"""Cut a draft into plain and highlighted pieces, so a template can wrap the marked ones in <mark>
and let autoescaping handle the rest (model output is never marked safe)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .base import CheckResult


@dataclass(frozen=True)
class Segment:
    text: str
    checks: tuple[str, ...] = ()  # names of the failed checks that mark this piece
    notes: tuple[str, ...] = ()

    @property
    def marked(self) -> bool:
        return bool(self.checks)


def highlight_segments(text: str, results: Sequence[CheckResult]) -> list[Segment]:
    """Pieces that join back into `text`; spans out of range (text edited since) are clipped."""
    marks = [
        (max(0, span.start), min(len(text), span.end), result.name, span.note)
        for result in results
        if not result.passed
        for span in result.spans
        if span.start < len(text) and span.end > span.start
    ]
    cuts = sorted({0, len(text), *(m[0] for m in marks), *(m[1] for m in marks)})
    segments: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        covering = [m for m in marks if m[0] <= start and end <= m[1]]
        checks = tuple(dict.fromkeys(m[2] for m in covering))
        notes = tuple(dict.fromkeys(m[3] for m in covering if m[3]))
        if segments and segments[-1].checks == checks and segments[-1].notes == notes:
            segments[-1] = Segment(segments[-1].text + text[start:end], checks, notes)
        else:
            segments.append(Segment(text[start:end], checks, notes))
    return segments
