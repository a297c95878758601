"""Turn pydantic's validation errors into problems a person can act on."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from reqs.fieldtypes import show
from reqs.model import ID_PATTERN, NO_OUTPUT, slug_name
from reqs.problems import Problem
from reqs.yamlfile import YamlDocument

# What to write for a missing or empty key.
_HINTS = {
    "id": "the requirement's id, like REQ-001, matching the start of the file name",
    "title": "a short name for the requirement, like 'Refill alert'",
    "statement": "what the system shall do, like 'When …, the system shall …'",
    "examples": "at least one worked example with 'name', 'given' and 'then'",
    "name": "a short name for it",
    "given": "the data the example starts from, or {} when it starts from nothing",
    "then": "the collections the example should produce, with the records you expect",
    "fields": "at least one field, like `tank_id: text`",
    "type": "one of text, integer, number, boolean, date, datetime",
}

_KEYS = {
    "requirement": ["id", "title", "statement", "priority", "examples"],
    "example": ["name", "given", "then", "holdout", "ordered"],
    "project": ["name", "description", "collections"],
    "collection": ["description", "fields"],
    "field": ["type", "description", "required"],
}


def problems_from(error: ValidationError, document: YamlDocument, kind: str) -> list[Problem]:
    data = document.data
    problems = []
    for detail in error.errors(include_url=False):
        loc = tuple(detail["loc"])
        message = _describe(detail, loc, kind)
        problems.append(Problem(document.display, document.line_of(loc), _context(loc, data, kind) + message))
    return problems


def _describe(detail: dict[str, Any], loc: tuple[Any, ...], kind: str) -> str:
    kind_of_error = detail["type"]
    value = detail.get("input")
    key = _key(loc)
    if kind_of_error == "missing" and key == "then" and len(loc) == 3:
        return NO_OUTPUT
    if kind_of_error == "missing":
        return f"'{key}' is missing; add `{key}:` with {_HINTS.get(key, 'a value')}"
    if kind_of_error in ("string_too_short", "too_short") or (kind_of_error == "string_type" and value is None):
        return f"'{key}' is empty; write {_HINTS.get(key, 'a value')}"
    if kind_of_error == "string_type":
        return f"'{key}' should be text, got {show(value)}"
    if kind_of_error == "string_pattern_mismatch":
        if loc and loc[-1] == "[key]":
            return f"'{value}' cannot be used as a name; use lowercase letters, digits and _, like '{slug_name(str(value))}'"
        if detail.get("ctx", {}).get("pattern") == ID_PATTERN:
            return f"'id' should look like REQ-001 (capital letters, a dash, then a number), got {show(value)}"
        return f"'{key}' has the wrong form, got {show(value)}"
    if kind_of_error == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"'{key}' should be {expected.replace(chr(39), '')}, got {show(value)}"
    if kind_of_error == "extra_forbidden":
        return _unknown_key(key, _section(loc, kind), value)
    if kind_of_error == "dict_type":
        if isinstance(loc[-1], int):
            return f"record {loc[-1] + 1} of '{loc[-2]}' should be a mapping of fields, like {{tank_id: T1, level_pct: 12.5}}"
        return f"'{key}' should be a mapping with one entry per line, like `{key}:` followed by indented `name: value` lines"
    if kind_of_error == "list_type":
        return f"'{key}' should be a list, with each item on its own line starting with '- '"
    if kind_of_error in ("bool_type", "bool_parsing"):
        return f"'{key}' should be true or false, got {show(value)}"
    if kind_of_error == "model_type":
        return f"{_item(loc)} should be a mapping of keys and values, got {show(value)}"
    if kind_of_error == "not_a_value":
        return f"field '{key}' {detail['msg']}"
    if kind_of_error in ("unknown_field_type", "no_output", "input_is_output"):
        return detail["msg"]
    return f"'{key}': {detail['msg']}"


def _key(loc: tuple[Any, ...]) -> str:
    for step in reversed(loc):
        if isinstance(step, str) and step != "[key]":
            return step
    return "this file"


def _item(loc: tuple[Any, ...]) -> str:
    if not loc:
        return "this file"
    if isinstance(loc[-1], int):
        return f"item {loc[-1] + 1} of '{_key(loc[:-1])}'"
    return f"'{_key(loc)}'"


def _section(loc: tuple[Any, ...], kind: str) -> str:
    """Which kind of mapping the last key of `loc` sits in."""
    if kind == "requirement":
        return "example" if len(loc) >= 3 and loc[0] == "examples" else "requirement"
    depth = len(loc)
    return {1: "project", 3: "collection", 5: "field"}.get(depth, "project")


def _unknown_key(key: str, section: str, value: Any = ...) -> str:
    allowed = _KEYS[section]
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    if " " in key.strip() or (value is None and not close):  # `{description: Top number, mmHg}`: mmHg became a key
        hint = (f"'{key}' looks like the end of a text cut at a comma: inside {{ }} a comma starts a new key, so put "
                f"the whole text in quotes, like description: \"..., {key}\"; ")
    return f"unknown key '{key}'; {hint}{'an' if section[0] in 'aeiou' else 'a'} {section} can have: {', '.join(allowed)}"


def _context(loc: tuple[Any, ...], data: Any, kind: str) -> str:
    """`example "one tank is low": ` when the problem sits inside an example."""
    if kind != "requirement" or len(loc) < 2 or loc[0] != "examples" or not isinstance(loc[1], int):
        return ""
    return example_label(data, loc[1]) + ": "


def example_label(data: Any, index: int) -> str:
    try:
        name = data["examples"][index]["name"]
    except (KeyError, IndexError, TypeError):
        name = None
    if isinstance(name, (str, int, float)) and str(name).strip():
        return f'example "{str(name).strip()}"'
    return f"example {index + 1}"
