"""Changing reqs/project.yaml as a person would by hand: its name, its description, and the glossary of the
data the project keeps (collections, their fields, each field's type, description and checks).

Every change goes through the file as loaded, so comments, key order and layout survive, and only the
values that change are rewritten. A field's options are written in the short form the README shows:
`level_pct: {type: number, description: How full the tank is}`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from reqs.fieldtypes import FIELD_TYPES
from reqs.problems import ShallError
from reqs.workspace import PROJECT_FILE, load_project
from reqs.yamlfile import YamlDocument

# Keys a field's options leave out while they hold their default, so the file says only what was chosen.
_FIELD_DEFAULTS = {"description": "", "required": True}


def field_name(text: str) -> str:
    """What a person typed ("Visit date") as a field or collection name (visit_date), or ShallError."""
    name = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    if not name:
        raise ShallError("a name needs at least one letter or digit, like visit_date")
    if name[0].isdigit():
        raise ShallError(f"'{name}' starts with a digit; start it with a letter, like v{name}")
    return name


def read(root: Path) -> tuple[YamlDocument, dict[str, Any]]:
    """The project file as loaded, and its data to change (a copy). ShallError when it cannot be read."""
    _, document, problems = load_project(root)
    if document is None or not isinstance(document.data, dict):
        where = f"{problems[0].path}:{problems[0].line}: {problems[0].message}" if problems else PROJECT_FILE
        raise ShallError(f"{where}; fix the file first, then change the project here")
    return document, document.data


def save(document: YamlDocument, data: dict[str, Any]) -> None:
    """Write `data` into the project file, keeping everything else as the person wrote it."""
    for collection in (data.get("collections") or {}).values():
        if isinstance(collection, dict):
            collection["fields"] = {name: _short(spec) for name, spec in (collection.get("fields") or {}).items()}
    if isinstance(document.root, CommentedMap) and not data.get("collections") and "collections" not in document.root:
        data.pop("collections", None)
    document.update(data)
    for name, collection in (document.root.get("collections") or {}).items():
        fields = collection.get("fields") if isinstance(collection, dict) else None
        if not isinstance(fields, CommentedMap):
            continue
        order = list((data["collections"][name] or {}).get("fields") or {})
        for place, field in enumerate(order):  # a renamed field keeps its place
            if list(fields)[place] != field:
                fields.insert(place, field, fields.pop(field))
        for spec in fields.values():
            if isinstance(spec, CommentedMap):
                spec.fa.set_flow_style()  # one field a line, as the README writes them
    document.save()


def _short(spec: Any) -> dict[str, Any]:
    spec = {"type": spec} if isinstance(spec, str) else dict(spec or {})
    return {key: value for key, value in spec.items() if key == "type" or _FIELD_DEFAULTS.get(key, object()) != value}


def set_field(data: dict[str, Any], collection: str, field: str, kind: str, description: str = "",
              required: bool = True, was: str | None = None) -> None:
    """Add `field` to `collection` (made if new), or change it; `was`: its old name, when it is renamed,
    keeping its place among the fields."""
    if kind not in FIELD_TYPES:
        raise ShallError(f"'{kind}' is not a field type; use one of {', '.join(FIELD_TYPES)}")
    collections = data.setdefault("collections", {}) or {}
    data["collections"] = collections
    entry = collections.setdefault(collection, {})
    fields = entry.setdefault("fields", {}) or {}
    if field != was and field in fields:
        raise ShallError(f"{collection} has a field named {field} already; choose another name")
    spec = {"type": kind, "description": description, "required": required}
    if was is not None and was in fields:
        entry["fields"] = {(field if name == was else name): (spec if name == was else value)
                           for name, value in fields.items()}
    else:
        entry["fields"] = {**fields, field: spec}


def remove_field(data: dict[str, Any], collection: str, field: str) -> None:
    """Take `field` out of `collection`; a collection left with no field goes too."""
    collections = data.get("collections") or {}
    fields = (collections.get(collection) or {}).get("fields") or {}
    fields.pop(field, None)
    if not fields:
        collections.pop(collection, None)
