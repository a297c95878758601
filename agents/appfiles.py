"""The app in the workspace: writing every file of it as a build goes, and recording a finished build in
shall.lock and a git commit."""

from __future__ import annotations

from pathlib import Path

from agents import leftovers, prompts
from agents.handedits import module_text
from reqs.gitrepo import GitRepo
from reqs.hashing import content_hash
from reqs.model import Requirement
from specs.design import DESIGN_FILE, Design
from specs.designfile import design_text, write_design
from specs.lock import (GENERATED_PATHS, LOCK_FILE, FileEntry, Lock, RequirementEntry, blob_id, file_blob_id, hand_edited,
                        load_lock, lock_text, slice_hash, stale_components, write_lock)
from specs.render import render_app, write_files

NOT_WRITTEN_YET = "def run(**inputs):\n    raise NotImplementedError\n"


def to_write(root: Path, design: Design, requirements: list[Requirement],
             only: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The components a build writes anew, each with the reason (those serving `only`, when it names requirements,
    else those the requirements, the design or the model changed under since shall.lock), and of those, the
    ones a person edited since: component -> the text of their edit."""
    lock = load_lock(root)
    if only:
        reasons = {c.name: "asked for with --only" for c in design.components if set(only) & set(c.requirements)}
    else:
        reasons = stale_components(lock, design, requirements, root)
    edited = set(hand_edited(lock, root))
    return reasons, {c.name: (root / c.path).read_text(encoding="utf-8") for c in design.components
                     if c.name in reasons and c.path in edited}


def rendered(design: Design, project_name: str, requirements: dict[str, dict], project: dict) -> dict[str, str]:
    """The app's files rendered from the design, its first page saying what the project and each requirement are,
    its forms in the glossary's words. `project`: Project.model_dump()."""
    return render_app(design, project_name, {"description": project.get("description") or "",
                                             "collections": project.get("collections") or {},
                                             "requirements": list(requirements.values())})


def write_app(root: Path, design: Design, project_name: str, requirements: dict[str, dict], code: dict[str, str],
              merged: dict[str, str], project: dict | None = None) -> list[str]:
    """Write the design and the app: its shared files, and each component's code as it stands (`code`:
    component -> code; `merged`: path -> a person's edit merged with it, written instead). A component with
    no code yet keeps its file. Only files whose text changes are written. Returns their paths."""
    files = rendered(design, project_name, requirements, project or {})
    for component in design.components:
        if component.name not in code:
            existing = root / component.path
            files[component.path] = existing.read_text(encoding="utf-8") if existing.exists() else NOT_WRITTEN_YET
        else:
            files[component.path] = merged.get(component.path) or module_text(design, component, code[component.name],
                                                                              requirements)
    write_design(root, design)
    written = write_files(root, files)
    leftovers.record(root, {DESIGN_FILE: design_text(design), **{path: files[path] for path in written}})
    return written


def record_build(root: Path, design: Design, project_name: str, requirements: dict[str, dict], rows: list[dict],
                 written: dict[str, str], model_name: str, served: list[str], message: str,
                 project: dict | None = None) -> str | None:
    """Record what was built in shall.lock, remove the files of components no requirement needs any more, and
    commit it all. `rows`: the report's rows per requirement; `written`: component -> the code this build wrote
    for it; `served`: the requirement ids it built for. Returns the commit's sha, or None if nothing changed."""
    lock = load_lock(root) or Lock()
    repo = GitRepo.open_enclosing(root)
    removed = [path for path, entry in lock.files.items()
               if entry.component is not None and path not in {c.path for c in design.components}]
    leftovers.record_removed(root, removed)  # a kill before the commit must not leave them gone, as if by hand
    for path in removed:
        (root / path).unlink(missing_ok=True)
    by_id = {row["id"]: row for row in rows}
    new = Lock(requirements={
        rid: RequirementEntry(hash=content_hash(Requirement.model_validate(r)), **{k: by_id[rid][k] for k in (
            "examples_passed", "examples", "holdouts_passed", "holdouts")}, questions_open=by_id[rid].get("questions_open", 0))
        for rid, r in requirements.items()
    })
    for path, text in rendered(design, project_name, requirements, project or {}).items():
        new.files[path] = FileEntry(generated=blob_id(text), tested=file_blob_id(root / path) or "")
    for component in design.components:
        on_disk = file_blob_id(root / component.path) or ""
        entry = lock.files.get(component.path)
        if component.name in written:
            generated = repo.store_blob(module_text(design, component, written[component.name], requirements))
            entry = FileEntry(component=component.name, model=model_name, prompt=prompts.PROMPT_VERSION,
                              generated=generated, requirements={})
        if entry is None:
            continue
        new.files[component.path] = entry.model_copy(update={
            "tested": on_disk, "design": slice_hash(design, component),
            "requirements": {rid: new.requirements[rid].hash for rid in component.requirements}})
    # Noted with the rest of what the build wrote: a kill before the commit then has the lock put back too.
    leftovers.record(root, {LOCK_FILE: lock_text(new)})
    write_lock(root, new)
    paths = [repo.relative(root / p) for p in GENERATED_PATHS if (root / p).exists()]
    paths += [relative for p in removed if repo.is_tracked(relative := repo.relative(root / p))]  # not if gone by hand
    sha = repo.commit(paths, message)
    leftovers.clear(root)  # everything the build wrote is now recorded in the lock and committed
    return sha
