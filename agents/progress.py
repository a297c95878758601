"""One component's progress through a build, as one typed record: its candidates, the one chosen, the best
version so far, what was tested, the hand-edit merge, and what the model was asked and what it cost.

The build state keeps one Progress per component under the key "progress", merged by `merge_progress`: the
nodes, some of them running side by side, each return only what they add or decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

PROBLEM_MARK = "# shall: "  # how a problem found in an answer is shown in the code it runs and is written as


@dataclass(frozen=True)
class Candidate:
    """One answer for a component: which first answer it is (or which one it revises), in which language."""

    language: str                  # "python" or "sql"
    number: int                    # the first answers count from 0; a revision keeps the number it revises
    code: str                      # the component module's code, mended where it could be without the model
    problems: list[str] = field(default_factory=list)  # what is wrong with it that mending could not put right
    # (a list, as a checkpoint brings it back)
    revised: int = 0               # how many times it went back to the model with an example it fails

    @property
    def key(self) -> str:
        """Its name in the build's report and checkpoints: "python-0", "sql-2", "python-1-revised"."""
        return f"{self.language}-{self.number}" + "-revised" * self.revised

    @property
    def text(self) -> str:
        """The code as it runs and is written into the app: its problems follow it as comments for the reader."""
        if not self.problems:
            return self.code
        return self.code + "\n" + "".join(f"{PROBLEM_MARK}{problem}\n" for problem in self.problems)

    def order(self) -> tuple[bool, int, str]:
        """First answers before revised ones, then by number, then by language."""
        return self.revised > 0, self.number, self.language

    def revision(self, code: str, problems: list[str] | None = None) -> Candidate:
        return replace(self, code=code, problems=list(problems or []), revised=self.revised + 1)


@dataclass(frozen=True)
class Cost:
    """What asking the model cost: tokens, seconds and calls (the seam's Usage counts only one call's tokens)."""

    prompt: int = 0
    completion: int = 0
    seconds: float = 0.0
    calls: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.prompt + other.prompt, self.completion + other.completion, self.seconds + other.seconds,
                     self.calls + other.calls)

    @property
    def tokens(self) -> int:
        return self.prompt + self.completion


@dataclass(frozen=True)
class Scored:
    """A version of a component and how many of the visible examples of its output it passed."""

    candidate: Candidate
    passed: int
    total: int


@dataclass(frozen=True)
class Progress:
    """Where one component stands. As an update (see merge_progress): what a node adds or decides."""

    candidates: dict[str, Candidate] = field(default_factory=dict)  # key -> every answer asked for the choice
    current: Candidate | None = None    # the code as it stands: the chosen candidate, then each repair
    choice: dict | None = None          # how the candidates fared and which was kept (selection.choose)
    best: Scored | None = None          # the version passing the most visible examples so far
    tested: str | None = None           # the code the last visible results were measured on
    hand_edit: str | None = None        # a person's version of its file, when the build writes it anew
    merged: str | None = None           # the file to write instead of the rendered one: the person's edit merged
    attempts: int = 0                   # model answers used
    repairs: int = 0                    # repairs asked for
    asked_again: int = 0                # rounds of asking again because no candidate passed
    usage: Cost = field(default_factory=Cost)

    def then(self, update: Progress) -> Progress:
        """This progress with an update applied: candidates join, counts and usage add up, and the other
        fields, where the update gives them, replace what was there."""
        decided = {name: value for name in ("current", "choice", "best", "tested", "hand_edit", "merged")
                   if (value := getattr(update, name)) is not None}
        return replace(self, candidates={**self.candidates, **update.candidates}, attempts=self.attempts + update.attempts,
                       repairs=self.repairs + update.repairs, asked_again=self.asked_again + update.asked_again,
                       usage=self.usage + update.usage, **decided)


def merge_progress(left: dict[str, Progress] | None, right: dict[str, Progress] | None) -> dict[str, Progress]:
    """The state's reducer for "progress": component -> Progress, each update applied with Progress.then."""
    merged = dict(left or {})
    for name, update in (right or {}).items():
        merged[name] = merged.get(name, Progress()).then(update)
    return merged


def answered(candidates: list[Candidate], usage: Cost) -> Progress:
    """The update for a task that asked the model for these candidates."""
    return Progress(candidates={c.key: c for c in candidates}, attempts=len(candidates), usage=usage)


def measured(progress: dict[str, Progress], scores: dict[str, tuple[int, int]]) -> dict[str, Progress]:
    """The update once the app's visible examples ran (`scores`: component -> examples of its output passed, and
    of them all): each component's code is its best so far if it does as well, and a repair that made it
    worse is undone."""
    update = {}
    for name, (passed, total) in scores.items():
        current = progress[name].current if name in progress else None
        if current is None:
            continue
        best = progress[name].best
        if best is None or passed >= best.passed:
            update[name] = Progress(best=Scored(current, passed, total), tested=current.text)
        else:  # the repair made it worse: keep the better version
            update[name] = Progress(current=best.candidate, tested=current.text)
    return update


def current_code(progress: dict[str, Progress]) -> dict[str, str]:
    """component -> its code as it stands, for every component the build has written."""
    return {name: p.current.text for name, p in progress.items() if p.current is not None}
