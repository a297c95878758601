"""Made-up inputs near the edges a requirement implies, for candidates to agree or disagree on.

No model and no holdout example is involved: the inputs are variations of the
visible examples' inputs, moved to the boundaries the statement names (its
numbers, and a step either side), emptied, reordered, cut short, and given
ties. Nobody knows the right output for them. What they show is which
candidates behave alike where the visible examples say nothing, and the
candidate most others agree with is the best bet (as in CodeT).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
import re
from collections.abc import Iterable

from specs.matching import values_match

Inputs = dict[str, list[dict]]

_NUMBER = re.compile(r"(?<![\w.-])(\d+(?:\.\d+)?)(?![\w-])")
_NUMERIC = {"integer", "number"}


def statement_numbers(text: str) -> list[float]:
    """The numbers a statement names, in order and without repeats: "below 20%" gives 20."""
    found: list[float] = []
    for match in _NUMBER.finditer(text):
        value = float(match.group(1))
        if value not in found:
            found.append(value)
    return found


def edge_inputs(bases: list[Inputs], fields: dict[str, dict[str, str]], statement: str,
                limit: int = 40, seed: int = 0) -> dict[str, Inputs]:
    """Up to `limit` inputs, by name, made from the visible inputs `bases` (collection -> records)."""
    numbers = statement_numbers(statement)
    made: dict[str, Inputs] = {"every collection empty": {name: [] for name in fields}}
    for number, base in enumerate(bases, start=1):
        for name, variant in _variants(base, fields, numbers, random.Random(seed + number)):
            made.setdefault(f"example {number}, {name}", variant)
    unique: dict[str, Inputs] = {}
    seen = {_fingerprint(base) for base in bases}
    for name, variant in made.items():
        fingerprint = _fingerprint(variant)
        if fingerprint not in seen:
            seen.add(fingerprint)
            unique[name] = variant
    if len(unique) <= limit:
        return unique
    names = list(unique)  # keep a spread of every kind of variation, not just the first kinds
    step = len(names) / limit
    return {names[int(i * step)]: unique[names[int(i * step)]] for i in range(limit)}


def _variants(base: Inputs, fields: dict[str, dict[str, str]], numbers: list[float],
              rng: random.Random) -> Iterable[tuple[str, Inputs]]:
    for collection in base:
        if base[collection]:
            yield f"{collection} empty", {**base, collection: []}
    yield "records reversed", {name: list(reversed(records)) for name, records in base.items()}
    shuffled = {name: rng.sample(records, len(records)) for name, records in base.items()}
    yield "records shuffled", shuffled
    for collection, records in base.items():
        kinds = fields.get(collection, {})
        if len(records) > 1:
            yield f"{collection} without its first record", {**base, collection: records[1:]}
            yield f"{collection} without its last record", {**base, collection: records[:-1]}
        yield from _all_alike(base, collection, kinds)
        for index, record in enumerate(records[:3]):
            for field, kind in kinds.items():
                value = record.get(field)
                if kind in _NUMERIC and isinstance(value, (int, float)) and not isinstance(value, bool):
                    for changed in _near(numbers, kind):
                        yield f"{collection}[{index}].{field} = {changed:g}", _with(base, collection, index, field, changed)
                elif kind == "boolean" and isinstance(value, bool):
                    yield f"{collection}[{index}].{field} = {str(not value).lower()}", _with(base, collection, index, field, not value)
                elif kind in ("date", "datetime") and isinstance(value, str):
                    for days in _day_shifts(numbers):
                        shifted = _shift(value, kind, days)
                        if shifted is not None:
                            yield f"{collection}[{index}].{field} {days:+d} days", _with(base, collection, index, field, shifted)
            twin = copy.deepcopy(record)
            for field, kind in kinds.items():
                if kind in _NUMERIC and isinstance(twin.get(field), (int, float)) and not isinstance(twin.get(field), bool):
                    twin[field] = twin[field] + 1
            yield f"{collection}[{index}] with a tie", {**base, collection: [*records, twin]}


def _all_alike(base: Inputs, collection: str, kinds: dict[str, str]) -> Iterable[tuple[str, Inputs]]:
    """Every record given the same value of one yes/no or repeated text field: nobody present, one group only.

    "A day with records but nobody present shows 0" is decided exactly here,
    and a visible example rarely shows it.
    """
    records = base[collection]
    for field, kind in kinds.items():
        values = [r.get(field) for r in records if field in r]
        if len(values) < 2:
            continue
        if kind == "boolean":
            choices = [False, True]
        elif kind == "text" and len(set(values)) < len(values) and len(set(values)) <= 4:
            choices = list(dict.fromkeys(values))
        else:
            continue
        for choice in choices:
            if any(value != choice for value in values):
                shown = str(choice).lower() if isinstance(choice, bool) else choice
                changed = [{**r, field: choice} if field in r else dict(r) for r in records]
                yield f"every {collection}.{field} = {shown}", {**base, collection: changed}


def _near(numbers: list[float], kind: str) -> list[float]:
    values: list[float] = []
    for number in numbers[:4]:
        step = 1 if kind == "integer" or number >= 100 else 0.5
        for value in (number - step, number, number + step):
            value = int(value) if kind == "integer" else float(value)
            if value >= 0 and value not in values:
                values.append(value)
    return values


def _day_shifts(numbers: list[float]) -> list[int]:
    shifts = [1, -1]
    for number in numbers[:3]:
        if number == int(number) and 1 < number <= 366:
            shifts += [int(number), int(number) - 1, int(number) + 1, -int(number)]
    return list(dict.fromkeys(shifts))


def _shift(value: str, kind: str, days: int) -> str | None:
    try:
        parsed = dt.date.fromisoformat(value) if kind == "date" else dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return (parsed + dt.timedelta(days=days)).isoformat()


def _with(base: Inputs, collection: str, index: int, field: str, value) -> Inputs:
    records = [dict(r) for r in base[collection]]
    records[index][field] = value
    return {**base, collection: records}


def _fingerprint(inputs: Inputs) -> str:
    return json.dumps(inputs, sort_keys=True, default=str)


def own_fields(records: list[dict] | None, fields: list[str]) -> list[dict] | None:
    """The records with only the output's own fields. An extra field is no difference: the examples ignore it,
    so two answers that keep the same records but carry different extra fields read the statement alike."""
    if records is None:
        return None
    return [{f: r[f] for f in fields if f in r} if isinstance(r, dict) else r for r in records]


def canonical(records: list[dict] | None, ordered: bool = False, fields: list[str] | None = None) -> str | None:
    """One string per distinct output, so outputs can be compared: rounding noise and record order ignored,
    and with `fields`, any field but those (own_fields)."""
    if records is None:
        return None
    if fields is not None:
        records = own_fields(records, fields)
    rows = [json.dumps({k: _round(v) for k, v in sorted(r.items())}, sort_keys=True, default=str) for r in records]
    return json.dumps(rows if ordered else sorted(rows))


def _round(value):
    if isinstance(value, float):
        rounded = round(value, 6)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def agreement(outputs: dict[str, dict[str, str | None]]) -> dict[str, int]:
    """candidate -> over every input, how many candidates (itself included) gave the same output.

    `outputs` maps candidate -> input -> canonical output, None where it failed;
    a failure agrees with nothing.
    """
    scores = {}
    for candidate, mine in outputs.items():
        scores[candidate] = sum(
            sum(1 for theirs in outputs.values() if theirs.get(key) == answer)
            for key, answer in mine.items() if answer is not None
        )
    return scores


def nearness(wanted: list[dict], got: list[dict] | None) -> float:
    """How close an output that fails an example came to it, from -1 (it crashed) to 1 (it matches).

    Each expected record scores the share of its fields that the best actual
    record gets right; a wrong number of records costs half a record each.
    Among candidates that all fail, the nearest is the best one to repair.
    """
    if got is None:
        return -1.0
    if not wanted:
        return 1.0 if not got else 0.0
    fields_right = 0.0
    for want in wanted:
        fields_right += max((sum(k in have and values_match(v, have[k]) for k, v in want.items()) / max(len(want), 1)
                             for have in got), default=0.0)
    return (fields_right - 0.5 * abs(len(got) - len(wanted))) / len(wanted)
