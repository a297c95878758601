"""The six field types a person can name, and how values are checked against them."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Literal, get_args

FieldType = Literal["text", "integer", "number", "boolean", "date", "datetime"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)

# Words people (and other tools) use for the same types.
SYNONYMS = {
    "string": "text", "str": "text", "words": "text",
    "int": "integer", "whole number": "integer", "count": "integer",
    "float": "number", "decimal": "number", "real": "number", "double": "number", "numeric": "number",
    "bool": "boolean", "yes/no": "boolean", "yesno": "boolean", "flag": "boolean",
    "timestamp": "datetime", "time": "datetime", "date time": "datetime", "date-time": "datetime",
    "day": "date",
}

_DESCRIPTIONS = {
    "text": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "date": "a date like 2025-05-01",
    "datetime": "a date and time like 2025-05-01T08:00:00",
}

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def describe(field_type: str) -> str:
    return _DESCRIPTIONS[field_type]


def show(value: Any) -> str:
    """A value as it would appear in the YAML file."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return str(value)


def type_error(field_type: str, value: Any) -> str | None:
    """Why `value` is not a `field_type`, in words, or None when it fits. Null fits every type."""
    if value is None or fits(field_type, value):
        return None
    problem = f"should be {describe(field_type)}, got {show(value)}"
    if field_type == "text" and isinstance(value, (int, float, bool)):
        return f"{problem}; put it in quotes to keep it as text: \"{show(value)}\""
    if field_type == "boolean" and isinstance(value, str):
        return f"{problem}; write true or false without quotes"
    if field_type in ("integer", "number") and isinstance(value, str) and _looks_numeric(value):
        return f"{problem}; remove the quotes around the number"
    if field_type in ("date", "datetime") and isinstance(value, str):
        return f"{problem} (write it as YYYY-MM-DD{'THH:MM:SS' if field_type == 'datetime' else ''})"
    return problem


def fits(field_type: str, value: Any) -> bool:
    if field_type == "text":
        return isinstance(value, str)
    if field_type == "boolean":
        return isinstance(value, bool)
    if field_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if field_type == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if field_type == "date":
        return isinstance(value, str) and bool(_DATE.match(value)) and _parses(dt.date.fromisoformat, value)
    if field_type == "datetime":
        return isinstance(value, str) and bool(_DATETIME.match(value)) and _parses(dt.datetime.fromisoformat, value)
    raise ValueError(f"unknown field type {field_type!r}")


def infer(value: Any) -> str | None:
    """The type a value written in an example most likely means; None for null."""
    if value is None:
        return None
    for field_type in ("boolean", "integer", "number", "date", "datetime"):
        if fits(field_type, value):
            return field_type
    return "text"


def suggest_type(word: str) -> str | None:
    word = word.strip().lower()
    if word in FIELD_TYPES:
        return word
    return SYNONYMS.get(word)


def _parses(parse: Any, value: str) -> bool:
    try:
        parse(value)
    except ValueError:
        return False
    return True


def _looks_numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True
