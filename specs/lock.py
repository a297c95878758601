"""shall.lock: what each generated file was made from, so a build redoes only what a change touches.

The lock is JSON with sorted keys and one value per line, so that its diff
in a review says plainly which requirement changed and which files followed.
File contents are named by their git blob id: the same id git gives them,
so the version shall generated can always be read back from the repository
as the base of a three-way merge.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from reqs.atomic import write_atomic
from reqs.hashing import content_hash
from reqs.model import Requirement
from reqs.problems import ShallError
from specs.design import ComponentDesign, Design

LOCK_FILE = "shall.lock"
GENERATED_FOLDERS = ("app", "specs", "tests")
GENERATED_PATHS = (*GENERATED_FOLDERS, LOCK_FILE)  # everything a build writes, and commits
LOCK_VERSION = 1


class RequirementEntry(BaseModel):
    hash: str
    examples_passed: int = 0
    examples: int = 0
    holdouts_passed: int = 0
    holdouts: int = 0
    questions_open: int = 0  # questions the build left about it: its answers split where the examples say nothing


class FileEntry(BaseModel):
    component: str | None = None           # None for files rendered from the design alone
    requirements: dict[str, str] = Field(default_factory=dict)  # requirement id -> content hash it was made from
    design: str = ""                       # hash of the design slice the file was made from
    model: str = ""
    prompt: str = ""
    generated: str                         # blob id of the text as shall wrote it
    tested: str = ""                       # blob id of the text the recorded results were measured on


class Lock(BaseModel):
    version: int = LOCK_VERSION
    requirements: dict[str, RequirementEntry] = Field(default_factory=dict)
    files: dict[str, FileEntry] = Field(default_factory=dict)


def blob_id(data: bytes | str) -> str:
    """The id git gives a file with these contents (`git hash-object`)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def file_blob_id(path: Path) -> str | None:
    try:
        return blob_id(path.read_bytes())
    except FileNotFoundError:
        return None


def load_lock(root: Path) -> Lock | None:
    """The lock, or None when the workspace was never built."""
    path = root / LOCK_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise ShallError(f"{path}:1: shall.lock is not text shall wrote (it holds bytes that are not UTF-8). It is "
                         "written by `shall build`; restore it with `git checkout shall.lock`, or delete it to rebuild "
                         "everything.") from None
    try:
        return lock_from_text(text)
    except json.JSONDecodeError as error:
        raise ShallError(f"{path}:{error.lineno}: shall.lock is not valid JSON ({error.msg}). It is written by "
                         "`shall build`; restore it with `git checkout shall.lock`, or delete it to rebuild everything.")
    except ValidationError as error:
        raise ShallError(f"{path}: shall.lock does not have the shape shall writes ({error.errors()[0]['msg']}). "
                         "Restore it with `git checkout shall.lock`, or delete it to rebuild everything.")


def lock_from_text(text: str) -> Lock:
    """The lock a text holds; json.JSONDecodeError or pydantic's ValidationError (both ValueErrors) if none."""
    return Lock.model_validate(json.loads(text))


def lock_text(lock: Lock) -> str:
    return json.dumps(lock.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def write_lock(root: Path, lock: Lock) -> None:
    write_atomic(root / LOCK_FILE, lock_text(lock))


def slice_hash(design: Design, component: ComponentDesign) -> str:
    """What a component was made against: what it reads and writes, with the fields of each."""
    collections = sorted(set(component.reads) | set(component.writes))
    shape = {
        "reads": component.reads, "writes": component.writes,
        "fields": {name: dict(design.collections[name].fields) for name in collections if name in design.collections},
    }
    return hashlib.sha256(json.dumps(shape, sort_keys=True).encode("utf-8")).hexdigest()[:16]


def requirement_changes(lock: Lock | None, requirements: list[Requirement]) -> dict[str, str]:
    """requirement id -> "new", "changed" or "removed", for each that differs from the lock."""
    before = lock.requirements if lock else {}
    found = {}
    for requirement in requirements:
        if requirement.id not in before:
            found[requirement.id] = "new"
        elif before[requirement.id].hash != content_hash(requirement):
            found[requirement.id] = "changed"
    current = {r.id for r in requirements}
    found.update({rid: "removed" for rid in before if rid not in current})
    return found


def stale_components(lock: Lock | None, design: Design, requirements: list[Requirement], root: Path) -> dict[str, str]:
    """component name -> why it must be written again; components not named are up to date."""
    hashes = {r.id: content_hash(r) for r in requirements}
    files = lock.files if lock else {}
    stale = {}
    for component in design.components:
        entry = files.get(component.path)
        changed = [rid for rid in component.requirements if entry is None or entry.requirements.get(rid) != hashes.get(rid)]
        if entry is None or entry.component != component.name:
            stale[component.name] = "it is new"
        elif changed:
            stale[component.name] = f"{', '.join(changed)} changed"
        elif set(entry.requirements) != set(component.requirements):
            stale[component.name] = "the requirements it serves changed"
        elif entry.design != slice_hash(design, component):
            stale[component.name] = "the collections it reads or writes changed"
        elif not (root / component.path).exists():
            stale[component.name] = "its file is missing"
    return stale


def hand_edited(lock: Lock | None, root: Path) -> list[str]:
    """Generated files a person has changed since shall wrote them."""
    if lock is None:
        return []
    return sorted(path for path, entry in lock.files.items()
                  if (found := file_blob_id(root / path)) is not None and found != entry.generated)


def with_questions(state: str, count: int) -> str:
    """A requirement's state with the questions open about it: one that passes its examples while its answers
    split on other records is not known to work, so it needs the person's answer."""
    if not count:
        return state
    questions = "1 question" if count == 1 else f"{count} questions"
    if state == "passing":
        return f"needs your answer ({questions})"
    return f"{state}, {questions} open" if state else f"{questions} open"


def requirement_states(lock: Lock | None, requirements: list[Requirement], root: Path) -> dict[str, tuple[str, str]]:
    """requirement id -> (state, why), where state is new, changed, removed, untested, failing, passing or built.

    Reads only the lock and the files' hashes: no model, no sandbox, so it is fast.
    A hand-edited file is fine once a build has tested it; "hand-edited" is then
    added to the state's explanation.
    """
    changes = requirement_changes(lock, requirements)
    states: dict[str, tuple[str, str]] = {}
    files_of: dict[str, list[tuple[str, FileEntry]]] = {}
    for path, entry in (lock.files.items() if lock else []):
        for rid in entry.requirements:
            files_of.setdefault(rid, []).append((path, entry))
    for requirement in requirements:
        rid = requirement.id
        if rid in changes:
            why = "never built" if changes[rid] == "new" else "changed since the last build"
            states[rid] = (changes[rid], why)
            continue
        on_disk = {path: file_blob_id(root / path) for path, _ in files_of.get(rid, [])}
        missing = [path for path, found in on_disk.items() if found is None]
        untested = [path for path, entry in files_of.get(rid, []) if on_disk[path] not in (None, entry.tested)]
        edited = [path for path, entry in files_of.get(rid, []) if on_disk[path] not in (None, entry.generated)]
        entry = lock.requirements[rid]
        if missing:
            states[rid] = ("changed", f"{', '.join(missing)} is missing")
        elif untested:
            states[rid] = ("untested", f"{', '.join(untested)} was edited after the last build tested it")
        elif entry.examples_passed < entry.examples:
            states[rid] = ("failing", f"{entry.examples - entry.examples_passed} of {entry.examples} examples fail")
        else:
            states[rid] = ("passing" if entry.examples else "built",
                           f"{entry.examples_passed} of {entry.examples} examples pass")
        if edited:
            states[rid] = (states[rid][0], states[rid][1] + f"; hand-edited: {', '.join(edited)}")
    for rid, kind in changes.items():
        if kind == "removed":
            states[rid] = ("removed", "its file is gone, but its code is still in the app")
    return states


UP_TO_DATE = {"passing", "built"}
