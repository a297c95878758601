"""The questions a build leaves for the person, and what their answers become.

The open questions are kept in .shall/questions.json (never committed): a build replaces those of the
components it wrote again and keeps the others. A skipped question is remembered in .shall/skipped.json
by its key, which changes when the requirement does, so it is not asked again until then.

An answer is a new visible example of the requirement, named so a person can tell where it came from
("asked: ..."), saved through reqs/ (comments and layout kept) and committed as a requirement change.
The next build writes the component again with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from agents.questions import Choice, Question, ranked
from reqs.atomic import write_atomic
from reqs.gitrepo import GitRepo, trailers
from reqs.model import Example
from reqs.problems import ShallError
from reqs.store import save_requirement
from reqs.workspace import load_workspace

OPEN = Path(".shall") / "questions.json"
SKIPPED = Path(".shall") / "skipped.json"
LETTERS = "abc"


def open_questions(root: Path) -> list[Question]:
    """The questions the builds left, most valuable first, without those skipped."""
    try:
        stored = json.loads((root / OPEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return ranked([Question.from_dict(q) for q in stored], skipped(root), at_most=len(stored))


def keep_open(root: Path, found: list[Question], rewritten: set[str]) -> list[Question]:
    """Record a build's questions: those of the components it wrote again are replaced by what it found."""
    earlier = [q for q in open_questions(root) if q.component not in rewritten]
    kept = {q.key: q for q in [*earlier, *found]}
    write_atomic(root / OPEN, json.dumps([q.as_dict() for q in kept.values()], indent=1, default=str))
    return ranked(list(kept.values()), skipped(root), at_most=len(kept))


def skipped(root: Path) -> set[str]:
    try:
        return set(json.loads((root / SKIPPED).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def find(root: Path, key: str) -> Question:
    """An open question by its key, or its number in `shall questions` (1 is the first)."""
    questions = open_questions(root)
    if key.isdigit() and 1 <= int(key) <= len(questions):
        return questions[int(key) - 1]
    for question in questions:
        if question.key == key:
            return question
    listed = ", ".join(q.key for q in questions) or "none are open"
    raise ShallError(f"no open question {key!r} ({listed}); `shall questions` lists them")


def skip(root: Path, question: Question) -> None:
    write_atomic(root / SKIPPED, json.dumps(sorted(skipped(root) | {question.key})))


def choice_of(question: Question, letter: str) -> Choice:
    index = LETTERS.find(letter.lower()) if len(letter) == 1 else -1
    if not 0 <= index < len(question.choices):
        raise ShallError(f"{letter!r} is not one of the results: answer with "
                         + " or ".join(LETTERS[:len(question.choices)]) + ", or type the right result yourself")
    return question.choices[index]


def answer(root: Path, question: Question, records: list[dict]) -> str | None:
    """Save the right result as a new visible example of the question's requirement, and commit it.

    Returns the commit, or None when git had nothing to commit.
    """
    workspace = load_workspace(root)
    file = next((f for f in workspace.files if f.requirement is not None and f.requirement.id == question.requirement), None)
    if file is None:
        raise ShallError(f"{question.requirement} is no longer in reqs/, so the answer has nowhere to go; "
                         "build again for new questions")
    requirement = file.requirement
    given = {name: [] for e in requirement.visible_examples for name in e.given}
    given.update(question.inputs)
    example = Example(name=_example_name(requirement, question), given=given, then={question.output: records})
    saved = save_requirement(root, requirement.model_copy(update={"examples": [*requirement.examples, example]}), file)
    repo = GitRepo.open_enclosing(root)
    sha = repo.commit([repo.relative(saved.path)],
                      f"Requirements: {requirement.id} gets the example \"{example.name}\", the person's answer to a "
                      f"question\n{trailers([requirement.id])}")
    _forget(root, question)
    return sha


def _example_name(requirement, question: Question) -> str:
    taken = {e.name for e in requirement.examples}
    sizes = ", ".join(f"{len(records)} {name}" for name, records in question.inputs.items() if records)
    name = f"asked: {sizes or 'nothing given'}"
    number = 2
    while name in taken:
        name, number = f"asked: {sizes or 'nothing given'} ({number})", number + 1
    return name


def _forget(root: Path, question: Question) -> None:
    left = [q for q in open_questions(root) if q.key != question.key]
    write_atomic(root / OPEN, json.dumps([q.as_dict() for q in left], indent=1, default=str))
