"""The questions a build leaves for the person, and what their answers become.

The open questions are kept in .shall/questions.json (never committed): a build replaces those of the
components it wrote again and keeps the others. A skipped question is remembered in .shall/skipped.json
by its key, which changes when the requirement does, so it is not asked again until then.

An answer is a new visible example of the requirement, named so a person can tell where it came from
("asked: ..."), saved through reqs/ (comments and layout kept) and committed as a requirement change.
The answers the question was about are kept in .shall/answered.json: the next build chooses among them
again, the new example included, with no model call, as long as nothing else in the requirement or the
component's design changed since. Where none of them gives the person's result, it asks the model again.

An answer given while a build runs (the TUI asks as questions arise) is held in .shall/held-answers.json
until no build holds the workspace, then saved as above: the build's own commit and the answer's never
meet, and quitting in between loses nothing.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from agents.progress import Candidate
from agents.questions import Choice, Question, ranked
from reqs.atomic import write_atomic
from reqs.gitrepo import GitRepo, trailers
from reqs.hashing import content_hash
from reqs.model import Example, Requirement
from reqs.problems import ShallError
from reqs.words import counted
from reqs.store import save_requirement
from reqs.workspace import load_workspace
from specs.design import Design
from specs.lock import slice_hash

OPEN = Path(".shall") / "questions.json"
SKIPPED = Path(".shall") / "skipped.json"
ANSWERED = Path(".shall") / "answered.json"
HELD = Path(".shall") / "held-answers.json"
LETTERS = "abc"


def open_questions(root: Path) -> list[Question]:
    """The questions the builds left, most valuable first, without those skipped."""
    try:
        stored = json.loads((root / OPEN).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    questions = [Question.from_dict(q) for q in stored]
    for index, question in enumerate(questions):  # a file from before questions kept their numbers
        if question.number == 0:
            questions[index] = replace(question, number=_free_number({q.number for q in questions}))
    return ranked(questions, skipped(root), at_most=len(stored))


def keep_open(root: Path, found: list[Question], rewritten: set[str]) -> list[Question]:
    """Record a build's questions: those of the components it wrote again are replaced by what it found. Each
    gets a number that stays while it is open, so answering one does not renumber the others."""
    earlier = [q for q in open_questions(root) if q.component not in rewritten]
    kept = {q.key: q for q in earlier}
    for question in found:
        if question.key in kept:
            continue
        kept[question.key] = replace(question, number=_free_number({q.number for q in kept.values()}))
    write_atomic(root / OPEN, json.dumps([q.as_dict() for q in kept.values()], indent=1, default=str))
    return ranked(list(kept.values()), skipped(root), at_most=len(kept))


def _free_number(taken: set[int]) -> int:
    """The smallest number from 1 that no open question has."""
    return next(n for n in range(1, len(taken) + 2) if n not in taken)


def skipped(root: Path) -> set[str]:
    try:
        return set(json.loads((root / SKIPPED).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return set()


def find(root: Path, key: str) -> Question:
    """An open question by its number in `shall questions`, or by its key."""
    questions = open_questions(root)
    for question in questions:
        if question.key == key or (key.isdigit() and question.number == int(key)):
            return question
    listed = ", ".join(f"{q.number} [{q.key}]" for q in questions) or "none are open"
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
    _remember_answered(root, question, content_hash(saved.requirement))
    repo = GitRepo.open_enclosing(root)
    sha = repo.commit([repo.relative(saved.path)],
                      f"Requirements: {requirement.id} gets the example \"{example.name}\", the person's answer to a "
                      f"question\n{trailers([requirement.id])}")
    _forget(root, question)
    return sha


def hold(root: Path, question: Question, records: list[dict]) -> None:
    """Keep an answer given while a build runs, to be saved (save_held) once no build holds the workspace."""
    held = [h for h in _held(root) if h["question"]["key"] != question.key]
    write_atomic(root / HELD, json.dumps([*held, {"question": question.as_dict(), "records": records}], default=str))


def save_held(root: Path) -> tuple[int, list[str]]:
    """Save the answers held during a build as examples, each committed: how many, and what kept any from it.
    Call it only where no build runs in the workspace."""
    saved, problems = 0, []
    waiting = _held(root)
    while waiting:
        question = Question.from_dict(waiting[0]["question"])
        try:
            answer(root, question, waiting[0]["records"])
            saved += 1
        except ShallError as error:
            problems.append(f"Your answer about {question.requirement} was not saved: {error.message}")
        waiting = waiting[1:]  # written after each, so a crash half-way never saves an answer twice
        write_atomic(root / HELD, json.dumps(waiting, default=str))
    (root / HELD).unlink(missing_ok=True)
    return saved, problems


def _held(root: Path) -> list[dict]:
    try:
        return json.loads((root / HELD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []


def reusable(root: Path, design: Design, requirements: list[dict]) -> dict[str, list[Candidate]]:
    """component -> the answers a question about it was about, to choose among again with no model call: only
    while the requirement is as the answer left it and the component is made against the same design."""
    return {name: found for name, record in _answered(root).items()
            if (found := _still_fit(name, record, design, requirements))}


def _still_fit(component: str, record: dict, design: Design, requirements: list[dict]) -> list[Candidate]:
    if component not in {c.name for c in design.components}:
        return []
    requirement = next((Requirement.model_validate(r) for r in requirements if r["id"] == record["requirement"]), None)
    if requirement is None or content_hash(requirement) != record["hash"] \
            or slice_hash(design, design.component(component)) != record["made_for"]:
        return []
    return [_candidate(key, code) for key, code in record["code"].items()]


def forget_answered(root: Path, components: set[str]) -> None:
    """Drop what was kept for the components a build wrote: they were chosen again, or written anew."""
    kept = _answered(root)
    if set(kept) & components:
        write_atomic(root / ANSWERED, json.dumps({c: r for c, r in kept.items() if c not in components}))


def _remember_answered(root: Path, question: Question, requirement_hash: str) -> None:
    record = {"requirement": question.requirement, "hash": requirement_hash, "made_for": question.made_for,
              "code": question.code}
    write_atomic(root / ANSWERED, json.dumps({**_answered(root), question.component: record}))


def _answered(root: Path) -> dict:
    try:
        return json.loads((root / ANSWERED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _candidate(key: str, code: str) -> Candidate:
    """A candidate back from its key ("python-0", "sql-2-revised") and its code."""
    language, number, *revised = key.split("-")
    return Candidate(language, int(number), code, revised=len(revised))


def _example_name(requirement, question: Question) -> str:
    taken = {e.name for e in requirement.examples}
    sizes = ", ".join(f"{counted(len(records), 'record')} of {name}" for name, records in question.inputs.items() if records)
    name = f"asked: {sizes or 'nothing given'}"
    number = 2
    while name in taken:
        name, number = f"asked: {sizes or 'nothing given'} ({number})", number + 1
    return name


def _forget(root: Path, question: Question) -> None:
    left = [q for q in open_questions(root) if q.key != question.key]
    write_atomic(root / OPEN, json.dumps([q.as_dict() for q in left], indent=1, default=str))
