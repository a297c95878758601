"""`shall init`: a new workspace with a project file, a .gitignore and a first commit."""

from __future__ import annotations

import json
import re
from pathlib import Path

from ruamel.yaml import YAML

from reqs.atomic import write_atomic
from reqs.gitrepo import GitRepo
from reqs.problems import ShallError
from reqs.workspace import PROJECT_FILE, load_project

PROJECT_TEMPLATE = """\
# What this software is for. shall reads this file and every requirement
# file beside it (REQ-001.yaml, REQ-002.yaml, ...).
name: {name}
description: {description}

# Optional: the data you will give the software, and the type of each field:
# text, integer, number, boolean, date or datetime. For example:
#
# collections:
#   levels:
#     description: Level readings sent by the tank sensors.
#     fields:
#       tank_id: {{type: text, description: The number painted on the tank}}
#       level_pct: {{type: number}}
#       taken_at: {{type: datetime}}
"""

GITIGNORE_LINES = [
    "# shall's own working files (build checkpoints, model answers)",
    ".shall/",
    "# the generated app's data: the records you add with `python -m app add`",
    "*.sqlite",
    "__pycache__/",
    "*.pyc",
    ".pytest_cache/",
]

_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.,()/'-]*$")


def init_workspace(directory: Path, name: str | None = None) -> Path:
    directory = directory.resolve()
    if directory.exists() and not directory.is_dir():
        raise ShallError(f"{directory} is a file, not a folder; choose a folder for the new workspace")
    if (directory / PROJECT_FILE).exists():
        raise ShallError(f"{directory} is already a shall workspace ({PROJECT_FILE} exists); nothing was changed")
    name = (name if name is not None else _name_from(directory)).strip()
    if not name:
        raise ShallError("the project name is empty; give one with --name, for example --name 'Village water tanks'")

    write_atomic(directory / PROJECT_FILE, PROJECT_TEMPLATE.format(name=_yaml_text(name), description='""'))
    _, _, problems = load_project(directory)
    if problems:  # the template and the quoting are ours, so this is a bug, not the user's input
        raise AssertionError(f"shall wrote a project file it cannot read: {problems}")
    _merge_gitignore(directory / ".gitignore")
    repo = GitRepo.open_or_init(directory)
    repo.commit([PROJECT_FILE, ".gitignore"], f"shall init: {name}")
    return directory


def _name_from(directory: Path) -> str:
    words = re.sub(r"[-_]+", " ", directory.name).strip()
    return words[:1].upper() + words[1:]


def _yaml_text(text: str) -> str:
    """`text` as a YAML value: bare when YAML reads it back as the same text, quoted otherwise."""
    if _PLAIN.match(text) and YAML(typ="safe").load(f"v: {text}")["v"] == text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _merge_gitignore(path: Path) -> None:
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    missing = [line for line in GITIGNORE_LINES if line not in existing]
    if missing:
        lines = existing + ([""] if existing else []) + missing
        write_atomic(path, "\n".join(lines) + "\n")
