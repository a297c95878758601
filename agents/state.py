"""The build graph's state, context and results: plain data, so checkpoints can store them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, NotRequired, TypedDict

from agents.models.seam import ChatModel
from agents.sandbox import Limits


def merge(left: dict | None, right: dict | None) -> dict:
    return {**(left or {}), **(right or {})}


def add_counts(left: dict | None, right: dict | None) -> dict:
    total = dict(left or {})
    for key, count in (right or {}).items():
        total[key] = total.get(key, 0) + count
    return total


def merge_candidates(left: dict | None, right: dict | None) -> dict:
    merged = {name: dict(found) for name, found in (left or {}).items()}
    for name, found in (right or {}).items():
        merged.setdefault(name, {}).update(found)
    return merged


def add_usage(left: dict | None, right: dict | None) -> dict:
    total = dict(left or {})
    for component, usage in (right or {}).items():
        before = total.get(component, {"prompt": 0, "completion": 0, "seconds": 0.0, "calls": 0})
        total[component] = {key: before[key] + usage.get(key, 0) for key in before}
    return total


class BuildState(TypedDict, total=False):
    root: str
    only: list[str]                       # requirement ids asked for; empty means all
    project_name: str
    project: dict                         # Project.model_dump(): the name, description and glossary
    requirements: list[dict]              # Requirement.model_dump() of every requirement
    changed: list[str]                    # requirement ids whose components must be regenerated
    lock_changes: dict[str, str]          # requirement id -> "new", "changed" or "removed" since shall.lock
    stale_reasons: dict[str, str]         # component -> why it is written again
    hand_edits: dict[str, str]            # path -> a person's version of a stale generated file
    merged: dict[str, str]                # path -> the text to write instead of the rendered component
    conflicts: list[str]                  # paths where a person's edit and the new version clash
    commit: str | None
    design: dict                          # Design.model_dump()
    stale: list[str]                      # component names to generate
    pending: list[str]                    # stale components not generated yet
    wave: list[str]                       # components being generated now; their inputs are settled
    candidates: Annotated[dict[str, dict[str, str]], merge_candidates]  # component -> "python-0", "sql-1"... -> code
    agreement: Annotated[dict[str, dict], merge]  # component -> how its candidates fared, and which was kept
    ask_again: list[dict]                 # what to ask the model for when no candidate passes (nodes.select)
    asked_again: Annotated[dict[str, int], merge]  # component -> how many times it was asked again
    upstream: dict[str, dict]             # case key -> every output the app made for it, for later prompts
    approved: bool
    code: Annotated[dict[str, str], merge]        # component -> its code as it stands
    best: dict[str, dict]                         # component -> {"code", "passed", "total"}
    attempts: Annotated[dict[str, int], add_counts]  # component -> model answers used
    repairs: Annotated[dict[str, int], add_counts]   # component -> repairs asked for
    usage: Annotated[dict[str, dict], add_usage]  # component -> tokens and seconds
    tested: dict[str, str]                # component -> the code the visible results were measured on
    visible: dict[str, dict]              # case key -> CaseResult as a dict
    holdouts: dict[str, dict]
    isolation: str
    report: dict


class WorkOnComponent(TypedDict):
    """What a fanned-out generate or repair task gets."""

    component: str
    design: dict
    requirements: list[dict]
    code: str
    failing: dict | None  # a failing case, with its result, for repair
    attempt: int          # which answer this will be for the component, from 1
    language: str         # "python" or "sql", for the first answers
    first: NotRequired[int]  # the number of the first of them: more first answers start after the others
    upstream: dict        # case key -> outputs of the components this one reads from
    # For revise_candidate only: each candidate to revise, the example it fails, and what it did there
    # (keys revising, code, case, case_inputs, expected, outcome).
    revisions: NotRequired[list[dict]]


@dataclass
class BuildContext:
    model: ChatModel
    auto_approve: bool = False
    max_repairs: int = 3
    candidates: int = 3  # first answers per component and language; see nodes.select for how one is kept
    when_none_pass: str = "resample"  # or "revise": what nodes.select does when no candidate passes
    rounds_when_none_pass: int = 1  # how many times it does so for one component before choosing anyway
    languages: tuple[str, ...] = ("python", "sql")
    limits: Limits = field(default_factory=Limits)
