"""Running the build graph for a workspace: checkpoints, resuming, approval and progress."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.types import Command

from agents import answers, leftovers
from agents.events import BuildEvent, Say, Step, quiet
from agents.graph import NODE_DOING, build_graph
from agents.nodes import DesignRefused, write_state_app
from agents.models.seam import ChatModel
from agents.state import CHECKPOINTED, BuildContext, repairs_by_default
from reqs.atomic import remove_strays, write_atomic
from reqs.gitrepo import GitRepo, trailers
from reqs.model import id_from_file_name
from reqs.problems import ShallError
from reqs.words import counted
from specs.lock import GENERATED_FOLDERS, GENERATED_PATHS, LOCK_FILE

STATE_DIR = ".shall"
CHECKPOINTS = "build.sqlite"
CURRENT = "build.json"
RUNNING = "build.running"
# The shape of the build's state in its checkpoints. Change it when the state changes shape: a build stopped
# by an older shall then starts afresh instead of resuming from a state this one cannot read.
STATE_FORMAT = 3

_held: dict[Path, int] = {}  # workspaces this process is building in, and how deep


class BuildRunning(ShallError):
    pass


@contextlib.contextmanager
def only_build(root: Path) -> Iterator[None]:
    """Hold the workspace's build lock; refuse at once if another process is building there.

    The OS releases the lock when the holder ends in any way, a kill included, so it never goes stale.
    """
    key = root.resolve()
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    state_dir = root / STATE_DIR
    state_dir.mkdir(exist_ok=True)
    handle = open(state_dir / RUNNING, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BuildRunning(f"a build is already running in {root} ({holder}); wait for it to finish, or stop it, "
                               "then build again. Your requirements are safe: edits saved meanwhile go into the next build.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
    finally:
        handle.close()

@dataclass(frozen=True)
class Approval:
    """What a build stopped to ask: whether to build this design (its YAML text)."""

    design: str


class BuildRun:
    """One build of a workspace, run step by step: `step()` runs the graph until the build ends (the report)
    or stops to ask for approval (an Approval); `step(answer)` resumes it with the answer.

    Use it in a `with` block: it holds the workspace's build lock and the checkpoint database from start to
    end, whichever thread calls `step`. Progress is checkpointed in .shall/build.sqlite: a build that was
    stopped (Ctrl-C, a crash, a model error) resumes where it stopped the next time, as long as the
    requirements and the model are the same.
    """

    def __init__(self, root: Path, model: ChatModel, *, only: list[str] | None = None, auto_approve: bool = False,
                 max_repairs: int | None = None, candidates: int = 3, languages: tuple[str, ...] = ("python", "sql"),
                 when_none_pass: str = "resample", rounds_when_none_pass: int = 1, questions: int = 3,
                 on_event: Say = quiet) -> None:
        self.root, self.only, self.on_event = root, list(only or []), on_event
        if max_repairs is None:
            max_repairs = repairs_by_default(model.name)
        self.context = BuildContext(model=model, auto_approve=auto_approve, max_repairs=max_repairs, candidates=candidates,
                                    languages=tuple(languages), when_none_pass=when_none_pass,
                                    rounds_when_none_pass=rounds_when_none_pass, questions=questions)
        self.settings = (f"state {STATE_FORMAT}: {model.name} {candidates} {'+'.join(languages)} {max_repairs} "
                         f"{when_none_pass} {rounds_when_none_pass}")
        self._open = contextlib.ExitStack()
        self._given: Any = None

    def __enter__(self) -> Self:
        with contextlib.ExitStack() as opening:
            opening.enter_context(only_build(self.root))
            _save_held_answers(self.root, self.on_event)  # before the requirements are read: they may add examples
            state_dir = self.root / STATE_DIR
            state_dir.mkdir(exist_ok=True)
            fingerprint = _fingerprint(self.root, self.settings, self.only)
            thread = _current_thread(state_dir, fingerprint)
            connection = sqlite3.connect(state_dir / CHECKPOINTS, check_same_thread=False)
            opening.callback(connection.close)
            self.graph = build_graph().compile(checkpointer=checkpoints(connection))
            self.config = {"configurable": {"thread_id": thread}}
            stopped = self.graph.get_state(self.config)
            # Not `.next`: a build stopped from outside its nodes (Ctrl-C, the TUI's cancel) may have finished its
            # last step without starting the next; that step's results wait in the checkpoint, and it has no "next".
            pending = tuple(dict.fromkeys(task.name for task in stopped.tasks))
            if pending and (edited := _edited_since_stopped(self.root)):
                self.on_event(BuildEvent(Step.RESUME, f"You changed {counted(len(edited), 'generated file')} since the "
                                         "last build stopped, so this one starts afresh and keeps your edits"))
                self.config = {"configurable": {"thread_id": _new_thread(state_dir, fingerprint)}}
                pending = ()
            if pending:
                values = stopped.values
                progress, stale = values.get("progress") or {}, values.get("stale") or []
                chosen = [name for name in stale if name in progress and progress[name].current is not None]
                self.on_event(BuildEvent(
                    Step.RESUME, "Carrying on with the build that stopped while "
                    + " and ".join(dict.fromkeys(NODE_DOING.get(name, name) for name in pending))
                    + (f" ({', '.join(chosen)} already chosen)" if chosen else ""),
                    components=tuple(name for name in stale if name not in chosen)))
                if "design" in values:
                    write_state_app(values)  # the app as the build had it: a stopped build put it back as committed
            else:
                _commit_before_building(self.root, self.on_event)
                self._given = {"root": str(self.root), "only": self.only}
            self._open = opening.pop_all()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._open.close()

    def step(self, answer: bool | None = None) -> dict | Approval:
        """Run until the build ends or asks; `answer` answers what it asked last."""
        given = self._given if answer is None else Command(resume=answer)
        self._given = None
        question = None
        try:
            for mode, chunk in self.graph.stream(given, self.config, context=self.context, stream_mode=["custom", "updates"]):
                if mode == "custom":
                    self.on_event(chunk)
                elif "__interrupt__" in chunk:
                    question = chunk["__interrupt__"][0].value
        except BaseException as error:
            # Stopped or failed: the app goes back to what was committed, so the workspace never holds half a
            # build. The checkpoint keeps the work; the next build carries on and writes the app again.
            leftovers.put_back(self.root, GitRepo.open_enclosing(self.root))
            if isinstance(error, DesignRefused):  # carried on, it would replay the "no" it was given: start afresh
                (self.root / STATE_DIR / CURRENT).unlink(missing_ok=True)
            raise
        if question is not None:
            return Approval(question["design"])
        report = self.graph.get_state(self.config).values["report"]
        (self.root / STATE_DIR / CURRENT).unlink(missing_ok=True)  # finished: the next build starts afresh
        return report


def checkpoints(connection: sqlite3.Connection) -> SqliteSaver:
    """The build's checkpoint store. It brings back only plain data and the build's own records: a changed
    database cannot make it build any other object."""
    allowed = [(kind.__module__, kind.__name__) for kind in CHECKPOINTED]
    return SqliteSaver(connection, serde=JsonPlusSerializer(allowed_msgpack_modules=allowed))


def run_build(root: Path, model: ChatModel, *, ask_approval: Callable[[str], bool] = lambda design: False,
              **options: Any) -> dict:
    """Build the workspace at `root` and return the report; `ask_approval` answers whether to build the design.
    The options are BuildRun's."""
    with BuildRun(root, model, **options) as build:
        outcome = build.step()
        while isinstance(outcome, Approval):
            outcome = build.step(ask_approval(outcome.design))
        return outcome


def _commit_before_building(root: Path, on_event: Say) -> None:
    """Commit what the person changed, so the build's own commit holds only what shall made, and nothing is lost."""
    repo = GitRepo.open_enclosing(root)
    _remove_strays(root)
    if restored := leftovers.put_back(root, repo):
        on_event(BuildEvent(Step.GIT, f"Put back {counted(len(restored), 'file')} an earlier, "
                            "stopped build had left half-done"))
    requirements = repo.changed([repo.relative(root / "reqs")])
    if requirements:
        words = {"added": "add", "changed": "change", "removed": "remove"}
        ids = {path: id_from_file_name(Path(path).name) for path in requirements}
        summary = ", ".join(f"{words[kind]} {ids[path] or Path(path).name}" for path, kind in requirements.items())
        sha = repo.commit([repo.relative(root / "reqs")],
                          f"Requirements: {summary}\n{trailers(sorted({rid for rid in ids.values() if rid}))}")
        if sha:
            on_event(BuildEvent(Step.GIT, f"Committed your requirement changes first ({summary})"))
    generated, edited = _generated_changes(root, repo)
    if edited:
        sha = repo.commit(generated, "Keep hand edits to generated files before shall builds\n\n"
                          + "\n".join(f"- {path}" for path in edited) + "\n")
        if sha:
            on_event(BuildEvent(Step.GIT, f"Committed your edits to {counted(len(edited), 'generated file')} "
                                "first, so the build cannot lose them"))


def save_held_answers(root: Path, on_event: Say = quiet) -> bool:
    """Save the answers held from a build that ended before it could save them (agents.answers.hold), where no
    build holds the workspace now; False when one does (its end, or the next build, saves them)."""
    if root.resolve() in _held:
        return False
    try:
        with only_build(root):
            _save_held_answers(root, on_event)
    except BuildRunning:
        return False
    return True


def _save_held_answers(root: Path, on_event: Say) -> None:
    """Answers to questions given during an earlier build that ended before they could be saved."""
    saved, problems = answers.save_held(root)
    if saved:
        on_event(BuildEvent(Step.GIT, f"Saved {counted(saved, 'answer')} you gave during the last build as "
                            f"{'examples' if saved > 1 else 'an example'}"))
    for problem in problems:
        on_event(BuildEvent(Step.GIT, problem))


def _remove_strays(root: Path) -> None:
    """Temporary files of writes that a kill cut short: never a person's work, and never to be committed.

    Only builds write the generated files, and this one holds the build lock; requirements may be being
    saved right now (in the terminal UI), so theirs are removed only when a minute old.
    """
    for folder in GENERATED_FOLDERS:
        remove_strays(root / folder)
    remove_strays(root, recursive=False, named=LOCK_FILE)
    remove_strays(root / "reqs", older_than=60)


def _fingerprint(root: Path, model_name: str, only: list[str]) -> str:
    digest = hashlib.sha256(json.dumps([model_name, sorted(only)]).encode())
    for path in sorted((root / "reqs").glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _current_thread(state_dir: Path, fingerprint: str) -> str:
    """The unfinished build for these exact requirements, or a new one."""
    path = state_dir / CURRENT
    try:
        current = json.loads(path.read_text())
        if current.get("fingerprint") == fingerprint:
            return current["thread"]
    except (OSError, ValueError):
        pass
    return _new_thread(state_dir, fingerprint)


def _new_thread(state_dir: Path, fingerprint: str) -> str:
    thread = f"build-{uuid.uuid4().hex[:12]}"
    write_atomic(state_dir / CURRENT, json.dumps({"thread": thread, "fingerprint": fingerprint}))
    return thread


def _edited_since_stopped(root: Path) -> list[str]:
    """The generated files a person changed since a build stopped, once what the build itself left is put
    back (a kill leaves it in place): a stopped build's state knows nothing of them, so it cannot carry on."""
    repo = GitRepo.open_enclosing(root)
    leftovers.put_back(root, repo)
    return sorted(_generated_changes(root, repo)[1])


def _generated_changes(root: Path, repo: GitRepo) -> tuple[list[str], dict[str, str]]:
    """The generated paths that exist (relative to the repository), and those of them changed since the last commit."""
    generated = [repo.relative(root / p) for p in GENERATED_PATHS if (root / p).exists()]
    return generated, repo.changed(generated) if generated else {}
