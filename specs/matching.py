"""How an app's output is compared with an example's `then`.

For each expected collection, the output has the same number of records, and
each expected record matches a distinct actual record on every field it
names (extra fields are fine). Order counts only when the example says
`ordered: true`. Numbers match within a relative 1e-6; dates and datetimes
match as values.

This file uses only the standard library: shall copies it into every
generated app, so the app's own tests run without shall installed.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

RELATIVE_TOLERANCE = 1e-6
ABSOLUTE_TOLERANCE = 1e-9  # so that 0.1 + 0.2 - 0.3 still counts as 0


def differences(expected: dict[str, list[dict]], actual: dict[str, Any], ordered: bool = False) -> list[str]:
    """What differs, one sentence each; an empty list when the output matches."""
    found = []
    for name, wanted in expected.items():
        if name not in actual:
            found.append(f"'{name}' is missing from the output")
            continue
        got = actual[name]
        if not isinstance(got, list) or not all(isinstance(record, dict) for record in got):
            found.append(f"'{name}' should be a list of records, got {_short(got)}")
            continue
        if len(got) != len(wanted):
            found.append(f"'{name}' has {len(got)} record{'s' * (len(got) != 1)}, expected {len(wanted)}")
        if ordered:
            for index, (want, have) in enumerate(zip(wanted, got)):
                if not record_matches(want, have):
                    found.append(f"'{name}' record {index + 1}: expected {_short(want)}, got {_short(have)}")
        else:
            pairs = match_records(wanted, got)
            for index, want in enumerate(wanted):
                if index not in pairs:
                    found.append(f"'{name}': no record matches {_short(want)}")
    return found


def match_records(wanted: list[dict], got: list[dict]) -> dict[int, int]:
    """The largest pairing of expected to distinct actual records (expected index -> actual index)."""
    candidates = [[j for j, have in enumerate(got) if record_matches(want, have)] for want in wanted]
    owner: dict[int, int] = {}  # actual index -> expected index

    def claim(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j not in seen:
                seen.add(j)
                if j not in owner or claim(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    for i in range(len(wanted)):
        claim(i, set())
    return {i: j for j, i in owner.items()}


def record_matches(want: dict, have: dict) -> bool:
    return all(field in have and values_match(value, have[field]) for field, value in want.items())


def values_match(want: Any, have: Any) -> bool:
    if want is None or have is None:
        return want is None and have is None
    if isinstance(want, bool) or isinstance(have, bool):
        return isinstance(want, bool) and isinstance(have, bool) and want == have
    if isinstance(want, (int, float)) and isinstance(have, (int, float)):
        return math.isclose(want, have, rel_tol=RELATIVE_TOLERANCE, abs_tol=ABSOLUTE_TOLERANCE)
    when_want, when_have = _moment(want), _moment(have)
    if when_want is not None and when_have is not None:
        return when_want == when_have
    return want == have


def _moment(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _short(value: Any, limit: int = 200) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " …"
