"""Reading ids and other values that come from a URL or a form field.

One rule for every view and selector: an id is 1 to 19 ASCII digits and fits
Postgres' bigint. `str.isdigit()` is not enough: it accepts "²" and "١٢٣",
which `int()` then refuses or reads as a number the merchant never wrote."""

from __future__ import annotations

import re
from collections.abc import Iterable

BIGINT_MAX = 2**63 - 1
_ID = re.compile(r"[0-9]{1,19}")
_WHOLE = re.compile(r"[0-9]{1,30}")


def id_or_none(value) -> int | None:
    """A positive id from a request value, or None for anything else."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= BIGINT_MAX else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 0 < number <= BIGINT_MAX else None


def ids_from(values: Iterable) -> list[int]:
    """The readable ids among `values` (a form's repeated field), in order, others left out."""
    return [number for number in (id_or_none(value) for value in values) if number is not None]


def whole_number_or_none(value) -> int | None:
    """A count or size typed in a form (0 and numbers too large for the use
    included, so the service can say what range it takes); None for anything
    that is not ASCII digits."""
    value = str(value if value is not None else "").strip()
    return int(value) if _WHOLE.fullmatch(value) else None
