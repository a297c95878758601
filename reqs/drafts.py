"""Drafts: what a person typed and has not saved yet, kept on disk as they type, so nothing is lost.

Each draft is one JSON file under .shall/drafts/ (ignored by git), written atomically: a crash, a kill or a
closed terminal leaves the last draft whole, and the TUI offers it back when it opens again. Saving the
requirement, or throwing the draft away, removes the file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from reqs.atomic import write_atomic

DRAFTS_DIR = ".shall/drafts"
PROJECT_DRAFT = "project"  # the draft of reqs/project.yaml, beside the requirements' drafts
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def _path(root: Path, name: str) -> Path:
    return root / DRAFTS_DIR / f"{_SAFE.sub('_', name)}.json"


def keep(root: Path, name: str, data: dict[str, Any]) -> None:
    """Write the draft of `name` (a requirement id, or PROJECT_DRAFT) as it is now."""
    write_atomic(_path(root, name), json.dumps({"name": name, "data": data}, ensure_ascii=False, indent=1, default=str))


def forget(root: Path, name: str) -> None:
    _path(root, name).unlink(missing_ok=True)


def kept(root: Path) -> dict[str, dict[str, Any]]:
    """Every draft left on disk: name -> what was typed. A file that cannot be read is skipped, not deleted."""
    found = {}
    for path in sorted((root / DRAFTS_DIR).glob("*.json")):
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(entry, dict) and isinstance(entry.get("name"), str) and isinstance(entry.get("data"), dict):
            found[entry["name"]] = entry["data"]
    return found
