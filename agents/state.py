"""The build graph's state, context and results: plain data, so checkpoints can store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, NotRequired, TypedDict

from agents.models.seam import ChatModel
from agents.progress import Candidate, Progress, Scored, Cost, merge_progress
from agents.sandbox import Limits


class BuildState(TypedDict, total=False):
    root: str
    only: list[str]                       # requirement ids asked for; empty means all
    project_name: str
    project: dict                         # Project.model_dump(): the name, description and glossary
    requirements: list[dict]              # Requirement.model_dump() of every requirement
    changed: list[str]                    # requirement ids whose components must be regenerated
    lock_changes: dict[str, str]          # requirement id -> "new", "changed" or "removed" since shall.lock
    stale_reasons: dict[str, str]         # component -> why it is written again
    conflicts: list[str]                  # paths where a person's edit and the new version clash
    commit: str | None
    design: dict                          # Design.model_dump()
    stale: list[str]                      # component names to generate
    pending: list[str]                    # stale components not generated yet
    wave: list[str]                       # components being generated now; their inputs are settled
    progress: Annotated[dict[str, Progress], merge_progress]  # component -> where it stands (agents.progress)
    ask_again: list[Resample | Revision]  # what to ask the model for when no candidate passes (nodes.select)
    upstream: dict[str, dict]             # case key -> every output the app made for it, for later prompts
    approved: bool
    visible: dict[str, dict]              # case key -> CaseResult as a dict
    holdouts: dict[str, dict]
    isolation: str
    report: dict


@dataclass(frozen=True)
class Resample:
    """Ask for as many first answers again, for a component none of whose candidates passes."""

    component: str
    round: int  # the how-manieth time, from 1


@dataclass(frozen=True)
class Revision:
    """A candidate to send back to the model, with the first visible example it fails and what it did there."""

    component: str
    candidate: Candidate
    example: str           # the example's name
    inputs: dict           # collection -> records the component was given
    expected: list[dict]
    outcome: str           # what it did, in words: "but it returned ..." or "It failed with: ..."


@dataclass(frozen=True)
class Failing:
    """The first visible example the app gets wrong where a component's output is expected."""

    example: str
    given: dict
    then: dict
    result: dict           # the sandbox's CaseResult, as a dict


class WorkOnComponent(TypedDict):
    """What a fanned-out generate, revise or repair task gets."""

    component: str
    design: dict
    requirements: list[dict]
    current: Candidate | None  # its code as it stands
    attempt: int          # which answer this will be for the component, from 1
    upstream: dict        # case key -> outputs of the components this one reads from
    project: NotRequired[dict]       # Project.model_dump(): its description and the glossary's field descriptions
    first: NotRequired[int]          # generate: the number of its first answer; more answers start after the others
    reused: NotRequired[list[Candidate]]  # generate: answers a person's answer was about, to choose among again
    revisions: NotRequired[list[Revision]]  # revise: each candidate to revise
    failing: NotRequired[Failing]    # repair: the example to show


@dataclass
class BuildContext:
    model: ChatModel
    auto_approve: bool = False
    # Repairs of a component that still fails its examples after the answers asked again: BuildRun gives
    # the model's default (repairs_by_default) unless told otherwise.
    max_repairs: int = 1
    candidates: int = 3  # first answers per component and language; see nodes.select for how one is kept
    when_none_pass: str = "resample"  # or "revise": what nodes.select does when no candidate passes
    rounds_when_none_pass: int = 1  # how many times it does so for one component before choosing anyway
    languages: tuple[str, ...] = ("python", "sql")
    limits: Limits = field(default_factory=Limits)
    questions: int = 3  # at most this many questions for the person a build, 0 for none (agents/questions.py)


def repairs_by_default(model_name: str) -> int:
    """How many times a component still failing its examples goes back to the model with one it gets wrong,
    unless the person says: none on the embedded models, once on an endpoint. On the embedded 1.5b, 86 repairs
    in 40 builds (every build log in bench/results/logs) never made one more example pass, while each cost a
    prompt of the task, the code and the example, and half a minute or more of the person's wait (bench/RESULTS.md).
    A larger model behind an endpoint may well use the example it is shown (not measured: none is reachable here)."""
    return 0 if model_name.startswith("local/") else 1


# The records a checkpoint may hold besides plain data (agents.build.checkpoints allows these and no others).
CHECKPOINTED = (Progress, Candidate, Scored, Cost, Resample, Revision, Failing)
