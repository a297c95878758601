"""Saving requirements: write what changed, keep everything else as the person wrote it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from reqs.model import Example, Requirement
from reqs.problems import ShallError
from reqs.workspace import REQS_DIR, RequirementFile, load_requirement
from reqs.yamlfile import YamlDocument

# Keys whose default value is left out of a file unless the person wrote them.
_DEFAULTS = {"priority": "must", "holdout": False, "ordered": False}


def save_requirement(root: Path, requirement: Requirement, file: RequirementFile | None = None) -> RequirementFile:
    """Write `requirement` to its file and return the file as reloaded.

    With `file` (as loaded), only the values that differ are rewritten, so
    comments, key order, quoting and layout survive. Without it, a new file
    named after the id is made in the documented style.
    """
    document = _document_for(root, requirement.id, file)
    document.update(_as_data(requirement, document.data if file is not None else {}))
    document.save()
    return load_requirement(document.path, document.display)  # read back, so line numbers match the file


def _document_for(root: Path, requirement_id: str, file: RequirementFile | None) -> YamlDocument:
    """The document to write: the file as loaded, or a new one named after the id, never over another file."""
    if file is not None and file.document is not None:
        return file.document
    path = root / REQS_DIR / f"{requirement_id}.yaml"
    if path.exists():
        raise ShallError(f"{REQS_DIR}/{path.name} already exists, so the new requirement was not saved over it; "
                         "give the new requirement another id")
    return YamlDocument(path=path, display=f"{REQS_DIR}/{path.name}", text="", root=CommentedMap())


def _as_data(requirement: Requirement, written: Any) -> dict[str, Any]:
    written = written if isinstance(written, dict) else {}
    data = _without_unwritten_defaults(requirement.model_dump(exclude={"examples"}), written)
    old_examples = written.get("examples") if isinstance(written.get("examples"), list) else []
    data["examples"] = [
        _example_data(example, old_examples[i] if i < len(old_examples) else {})
        for i, example in enumerate(requirement.examples)
    ]
    return data


def _example_data(example: Example, written: Any) -> dict[str, Any]:
    written = written if isinstance(written, dict) else {}
    data = example.model_dump()
    ordered = {key: data[key] for key in ("name", "holdout", "ordered", "given", "then")}
    return _without_unwritten_defaults(ordered, written)


def _without_unwritten_defaults(data: dict[str, Any], written: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _as_written(value, written.get(key)) for key, value in data.items()
        if key in written or _DEFAULTS.get(key, object()) != value
    }


def _as_written(value: Any, written: Any) -> Any:
    """The person's text when it says the same: the model strips the newline a `>` block ends with."""
    if isinstance(value, str) and isinstance(written, str) and written.strip() == value:
        return written
    return value


def save_draft(root: Path, data: dict[str, Any], file: RequirementFile | None = None) -> RequirementFile:
    """Write what a person typed, even when it is not a valid requirement yet: nothing typed is lost.

    The file comes back with its problems, for the editor to show next to the
    fields. Comments and layout survive as in `save_requirement`.
    """
    document = _document_for(root, data["id"], file)
    written = document.data if isinstance(document.data, dict) else {}
    top = _without_unwritten_defaults({k: v for k, v in data.items() if k != "examples"}, written)
    old_examples = written.get("examples") if isinstance(written.get("examples"), list) else []
    top["examples"] = [_without_unwritten_defaults(example, old_examples[i] if i < len(old_examples) and
                                                   isinstance(old_examples[i], dict) else {})
                       for i, example in enumerate(data.get("examples") or [])]
    document.update(top)
    document.save()
    return load_requirement(document.path, document.display)  # read back, so line numbers match the file


def delete_requirement(root: Path, file: RequirementFile) -> None:
    """Remove a requirement's file; git keeps its last committed version, and the next build removes its code.

    Only a file directly under reqs/ is ever removed, whatever `file` says.
    """
    folder = (root / REQS_DIR).resolve()
    if file.path.resolve().parent != folder or file.path.name == "project.yaml":
        raise ShallError(f"{file.display} is not a requirement file in {REQS_DIR}/, so nothing was deleted")
    file.path.unlink(missing_ok=True)
