"""A content hash per requirement: blind to formatting, sensitive to meaning.

Two files hash the same when they say the same thing: comments, key order,
quoting, YAML style, line wrapping in prose, the order of examples, and the
order of expected records (unless the example is `ordered`) do not count.
Any change to an id, a word, a value or a flag does.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from reqs.model import Example, Requirement

HASH_VERSION = "shall-requirement-1"


def content_hash(requirement: Requirement) -> str:
    canonical = {
        "version": HASH_VERSION,
        "id": requirement.id,
        "title": _prose(requirement.title),
        "statement": _prose(requirement.statement),
        "priority": requirement.priority,
        "examples": sorted((_example(e) for e in requirement.examples), key=lambda e: e["name"]),
    }
    return hashlib.sha256(_json(canonical).encode("utf-8")).hexdigest()


def _example(example: Example) -> dict[str, Any]:
    then = {name: [_record(r) for r in records] for name, records in example.then.items()}
    if not example.ordered:
        then = {name: sorted(records, key=_json) for name, records in then.items()}
    return {
        "name": _prose(example.name),
        "holdout": example.holdout,
        "ordered": example.ordered,
        "given": {name: [_record(r) for r in records] for name, records in example.given.items()},
        "then": then,
    }


def _record(record: dict[str, Any]) -> dict[str, Any]:
    return {field: _value(value) for field, value in record.items()}


def _value(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 20.0 and 20 mean the same amount
    return value


def _prose(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
