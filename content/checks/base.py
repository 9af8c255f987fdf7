"""The plain data the checks take and give: no Django here, the app stores these as JSON."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)

CONTENT_TYPES = ("description", "marketing", "answer", "video_script")
LANGUAGES = ("en", "zh")


@dataclass(frozen=True, order=True)
class Span:
    """Characters text[start:end] of the draft (Python str indices, i.e. code points)."""

    start: int
    end: int
    note: str = field(default="", compare=False)  # why this stretch is marked, for a tooltip

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "note": self.note}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        return cls(int(data["start"]), int(data["end"]), str(data.get("note", "")))


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict on one text.

    `severity` says how much a failure weighs: a failed "error" flags the draft, a failed
    "warning" is shown but does not. A passed result keeps the check's usual severity.
    """

    name: str
    passed: bool
    message: str
    spans: tuple[Span, ...] = ()
    severity: str = ERROR
    details: Mapping[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        object.__setattr__(self, "spans", tuple(self.spans))

    @property
    def flags_draft(self) -> bool:
        return not self.passed and self.severity == ERROR

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "message": self.message,
            "spans": [span.to_dict() for span in self.spans],
            "severity": self.severity,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CheckResult:
        # Tolerates rows stored before a key existed: results live on drafts for years.
        return cls(
            name=str(data["name"]),
            passed=bool(data["passed"]),
            message=str(data.get("message", "")),
            spans=tuple(Span.from_dict(span) for span in data.get("spans", ())),
            severity=str(data.get("severity", ERROR)),
            details=dict(data.get("details") or {}),
        )


def results_to_json(results: Sequence[CheckResult]) -> list[dict[str, Any]]:
    return [result.to_dict() for result in results]


def results_from_json(data: Sequence[Mapping[str, Any]] | None) -> list[CheckResult]:
    return [CheckResult.from_dict(item) for item in data or ()]


def has_errors(results: Sequence[CheckResult]) -> bool:
    """True when a draft should land in the Flagged tab."""
    return any(result.flags_draft for result in results)


def failed_names(results: Sequence[CheckResult]) -> list[str]:
    """Names of the failed checks (errors and warnings), for the "failed check" filter."""
    return [result.name for result in results if not result.passed]


_NEGATIVE_VALUES = {"", "no", "false", "none", "n/a", "na", "-", "0", "否", "无"}


@dataclass(frozen=True)
class ProductFacts:
    """What the merchant's data says about the product; every claim must come from here."""

    title: str
    brand: str = ""
    category: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict, hash=False)
    description: str = ""  # the merchant's own text, may be empty

    def text(self) -> str:
        lines = [self.title, self.brand, self.category]
        lines += [line for line in (_attribute_line(k, v) for k, v in self.attributes.items()) if line]
        lines.append(self.description)
        return "\n".join(line for line in lines if line)


def _attribute_line(key: str, value: Any) -> str:
    # "waterproof: False" must not read as support for "waterproof", so a negative value drops
    # the whole attribute rather than printing its key.
    if value is None or value is False:
        return ""
    if isinstance(value, Mapping):
        return "\n".join(filter(None, (_attribute_line(f"{key} {k}", v) for k, v in value.items())))
    if isinstance(value, (list, tuple, set, frozenset)):
        value = ", ".join(str(item) for item in value)
    if value is True:
        return str(key)
    if str(value).strip().lower() in _NEGATIVE_VALUES:
        return ""
    return f"{key}: {value}"


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds; module-level defaults explain each number."""

    length_tolerance: float = 0.10  # within 10% of a bound: a warning, beyond: an error
    repetition_share: float = 0.25  # share of words in repeats of earlier 3-grams (en) / 5-char grams (zh)
    echo_min_words: int = 8  # an echoed stretch at least this many words (en)
    echo_min_chars: int = 12  # ... or Chinese characters (zh)
    near_duplicate_warning: float = 0.50  # shingled Jaccard
    near_duplicate_error: float = 0.80


@dataclass(frozen=True)
class CheckContext:
    facts: ProductFacts
    content_type: str = "description"
    language: str = "en"
    target_length: tuple[int, int] | None = None  # words (en) or characters (zh), inclusive
    banned_words: Sequence[str] = ()
    required_phrases: Sequence[str] = ()
    prompt_text: str = ""
    other_texts: Sequence[tuple[str, str]] = ()  # (label, text) of other products' copy
    extra_facts_text: str = ""  # what an answer or campaign is grounded in: question, published copy, goal
    settings: CheckSettings = field(default_factory=CheckSettings)

    def __post_init__(self) -> None:
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r}; expected one of {LANGUAGES}")
        if self.content_type not in CONTENT_TYPES:
            raise ValueError(f"unknown content type {self.content_type!r}")
        if self.target_length is not None:
            low, high = self.target_length
            if not 0 <= low <= high:
                raise ValueError(f"bad target length {self.target_length!r}")
            object.__setattr__(self, "target_length", (int(low), int(high)))
        object.__setattr__(self, "banned_words", tuple(self.banned_words))
        object.__setattr__(self, "required_phrases", tuple(self.required_phrases))
        object.__setattr__(self, "other_texts", tuple((str(a), str(b)) for a, b in self.other_texts))

    @property
    def facts_text(self) -> str:
        return "\n".join(part for part in (self.facts.text(), self.extra_facts_text) if part)
