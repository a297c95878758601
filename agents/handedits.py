"""A person's edits to generated component files, carried into the versions a build writes anew."""

from __future__ import annotations

from pathlib import Path

from agents.events import BuildEvent, Say, Step
from reqs.gitrepo import GitRepo, merge_texts
from specs.design import ComponentDesign, Design
from specs.lock import load_lock
from specs.render import component_module


def module_text(design: Design, component: ComponentDesign, code: str, requirements: dict[str, dict]) -> str:
    """The component's file as shall writes it: its code under a header naming the requirements it serves."""
    lines = [f"{r}: {requirements[r]['title']}" for r in component.requirements]
    return component_module(component, design, code, lines)


def merge_hand_edits(root: Path, design: Design, requirements: dict[str, dict], code: dict[str, str],
                     edits: dict[str, str], say: Say) -> tuple[dict[str, str], list[str]]:
    """Carry a person's edits (path -> their text) into the regenerated files: a three-way merge, or their
    version where both changed the same lines. Returns path -> text to write, and the paths in conflict."""
    if not edits:
        return {}, []
    lock = load_lock(root)
    repo = GitRepo.open_enclosing(root)
    merged, conflicts = {}, []
    for component in design.components:
        ours = edits.get(component.path)
        if ours is None or component.name not in code:
            continue
        theirs = module_text(design, component, code[component.name], requirements)
        base = repo.read_blob(lock.files[component.path].generated) if lock and component.path in lock.files else None
        result = merge_texts(base, ours, theirs, ("your edit", "last generated", "new")) if base is not None else None
        if result is None or result.conflicts:
            merged[component.path] = ours
            conflicts.append(component.path)
            say(BuildEvent(Step.MERGE, f"{component.path}: your edit and the new version change the same lines; "
                           "your version stays in place. Merge them by hand, then run `shall build` again.",
                           component=component.name))
        else:
            merged[component.path] = result.text
            say(BuildEvent(Step.MERGE, f"{component.path}: your edit was carried into the new version",
                           component=component.name))
    return merged, conflicts
