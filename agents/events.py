"""What a build says while it runs: one typed event per step, for the command line, the terminal UI and tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Step(StrEnum):
    MODEL = "model"          # opening the model
    GIT = "git"              # committing what the person changed before building
    RESUME = "resume"        # carrying on with a build that stopped
    LOAD = "load"
    CHANGES = "changes"
    DESIGN = "design"
    GENERATE = "generate"    # asking the model for a component
    TOKENS = "tokens"        # how far the model is with the answers it writes: a status, not a line of the log
    WRITTEN = "written"      # an answer came back
    SELECT = "select"        # one candidate kept
    REVISE = "revise"        # no candidate passes: asking again
    REPAIR = "repair"
    MERGE = "merge"          # a person's edit carried into a new version
    QUESTION = "question"    # the answers that pass every example disagree: a question for the person
    RENDER = "render"
    TEST = "test"
    HOLDOUT = "holdout"
    COMMIT = "commit"


# What a component is doing, in the words the build screen shows beside its name.
DOING = {Step.GENERATE: "writing", Step.WRITTEN: "written", Step.SELECT: "chosen", Step.REVISE: "revising",
         Step.REPAIR: "repairing", Step.MERGE: "merged", Step.QUESTION: "asks you"}


@dataclass(frozen=True)
class BuildEvent:
    step: Step
    message: str                            # one or more lines for the person
    component: str | None = None            # the component it is about
    components: tuple[str, ...] = ()        # the design's components, in build order (Step.DESIGN)
    changes: dict[str, str] = field(default_factory=dict)  # requirement id -> "new", "changed" or "removed"
    passed: int | None = None               # examples passing, of `total` (Step.TEST)
    total: int | None = None
    question: dict | None = None            # Step.QUESTION: the question (agents.questions.Question.as_dict)

    @property
    def doing(self) -> str:
        return DOING.get(self.step, str(self.step))


Say = Callable[[BuildEvent], None]


def quiet(event: BuildEvent) -> None:
    """For callers that want no progress: a bench, a test."""
