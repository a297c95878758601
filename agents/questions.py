"""Questions for the person: where the answers that pass every example disagree, which result is right?

A build knows exactly where its reading of a requirement is unsure: the candidates that pass every visible
example give different results on made-up inputs (agents/edgecases.py). A majority of a small model's
answers can share one misreading; the person who wrote the requirement knows the answer. So for each
component whose finalists split, one question: the made-up input they split most evenly on, cut down to
the records that still make them differ, and their distinct results, most agreed first. An answer becomes
a visible example of the requirement (agents/answers.py).

Only inputs made from visible examples are used: a question never shows a held-out example or anything
made from one.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from agents.edgecases import canonical, edge_inputs, own_fields
from agents.sandbox import Case, Limits, run_cases, run_trials
from specs.design import ComponentDesign, Design
from specs.lock import slice_hash

CHOICES_AT_MOST = 3   # results shown; "none of these, I'll type it" is always there besides
ASKED_PER_BUILD = 3   # questions a build asks; the rest wait for the next build


@dataclass(frozen=True)
class Choice:
    records: list[dict]   # the result, as the answers that give it give it
    answers: int          # how many of the finalists give it
    candidates: list[str]  # their keys ("python-0", "sql-2")


@dataclass(frozen=True)
class Question:
    key: str              # stable while the requirement and the input stay the same: skipping remembers it
    component: str
    requirement: str      # the requirement whose example the answer becomes
    output: str           # the collection asked about
    inputs: dict          # collection -> records, cut down to what still makes the answers differ
    choices: list[Choice]
    finalists: int        # answers that pass every visible example
    value: float          # how much an answer is worth: how evenly they split, and how much reads the output
    code: dict = field(default_factory=dict)  # candidate key -> its code, for each finalist: chosen among again
    made_for: str = ""    # what the component was made against (specs.lock.slice_hash): the code fits while it stays
    number: int = 0       # its number while it is open (`shall answer 2 a`), kept as others are answered

    def as_dict(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict) -> Question:
        return Question(**{**data, "choices": [Choice(**c) for c in data["choices"]]})


def ask_about(root: Path, requirement: dict, design: Design, component: ComponentDesign, tried,
              limits: Limits = Limits()) -> Question | None:
    """The question to ask about a component, or None when its finalists agree (or fewer than two pass).

    `tried` is agents.selection.Tried: the different candidates, run on the visible examples. The question
    is put in the requirement's own terms, the raw data its examples give: made-up variations of them near
    the edges its statement names (agents/edgecases.py), each run through the app as it stands to make
    what the component reads from other components, then through each finalist.
    """
    output = component.writes[0]
    finalists = [m for m, passed in tried.passes.items() if tried.cases and passed == len(tried.cases)]
    if len(finalists) < 2:
        return None
    code = {m: tried.code[m] for m in finalists}
    bases = [e["given"] for e in requirement["examples"] if not e["holdout"] and output in e["then"]]
    fields = {name: dict(design.collections[name].fields) for base in bases for name in base if name in design.collections}
    edges = edge_inputs(bases, fields, requirement["statement"])
    splits = _splits(root, design, component, code, edges, limits)
    if not splits:
        return None
    evenness = {key: 1 - Counter(given).most_common(1)[0][1] / len(given) for key, given in splits.items()}
    best = max(splits, key=lambda key: (evenness[key], -_size(edges[key])))
    raw = smallest_disagreement(root, code, edges[best], limits,
                                lambda candidates: set(_splits(root, design, component, code, candidates, limits)))
    outputs = run_trials(root, code, _component_inputs(root, design, component, {"question": raw}, limits), limits)
    groups: dict[str, list[str]] = {}
    records: dict[str, list[dict]] = {}
    fields = list(design.collections[output].fields)
    for module in finalists:
        trial = outputs.get((module, "question"))
        if trial is None or trial.output is None:
            continue
        kept = own_fields(trial.output, fields)
        shape = canonical(kept)
        groups.setdefault(shape, []).append(tried.modules[module].key)
        records.setdefault(shape, kept)
    if len(groups) < 2:
        return None
    order = sorted(groups, key=lambda shape: (-len(groups[shape]), shape))
    choices = [Choice(records[shape], len(groups[shape]), groups[shape]) for shape in order[:CHOICES_AT_MOST]]
    readers = sum(output in c.reads for c in design.components)
    return Question(question_key(component.name, requirement, raw), component.name, requirement["id"], output,
                    raw, choices, len(finalists), round(evenness[best] * (1 + readers), 3),
                    {tried.modules[m].key: tried.code[m] for m in finalists}, slice_hash(design, component))


def _splits(root: Path, design: Design, component: ComponentDesign, code: dict[str, str],
            raw: dict[str, dict[str, list[dict]]], limits: Limits) -> dict[str, list[str]]:
    """For each raw input (key -> collections) the answers (module -> code) give different results on: the
    results, one per answer that gave one (a crash is no reading)."""
    inputs = _component_inputs(root, design, component, raw, limits)
    if not inputs:
        return {}
    trials = run_trials(root, code, inputs, limits)
    fields = list(design.collections[component.writes[0]].fields)
    found = {}
    for key in inputs:
        given = [canonical(trials[m, key].output, fields=fields) for m in code if trials[m, key].output is not None]
        if len(set(given)) > 1:
            found[key] = given
    return found


def _component_inputs(root: Path, design: Design, component: ComponentDesign, raw: dict[str, dict[str, list[dict]]],
                      limits: Limits) -> dict[str, dict[str, list[dict]]]:
    """What the component reads for each raw input: the raw collections themselves, and what the app as it
    stands makes of them for the collections other components write. An input the app fails on is left out."""
    made = [name for name in component.reads if not design.collections[name].source]
    results = {}
    if made:
        cases = [Case(key, given, {}, keep=tuple(made)) for key, given in raw.items()]
        results = {r.key: r.actual or {} for r in run_cases(root, cases, limits).results}
    inputs = {}
    for key, given in raw.items():
        if any(name not in results.get(key, {}) for name in made):
            continue
        inputs[key] = {name: (results[key][name] if name in made else given.get(name, [])) for name in component.reads}
    return inputs


def smallest_disagreement(root: Path, code: dict[str, str], inputs: dict[str, list[dict]],
                          limits: Limits = Limits(), splitting=None) -> dict[str, list[dict]]:
    """The input cut down, a record at a time, while the answers (module -> code) still give different results.

    Each round tries every one-record-smaller input at once and keeps the first that still splits them, so
    a person reads only the records that matter. `splitting(inputs by key)` gives the keys of those the
    answers split on; by default the answers are run on the inputs themselves.
    """
    def split_by_code(candidates: dict[str, dict]) -> set[str]:
        trials = run_trials(root, code, candidates, limits)
        return {key for key in candidates
                if len({canonical(trials[m, key].output) for m in code if trials[m, key].output is not None}) > 1}

    splitting = splitting or split_by_code
    current = {name: list(records) for name, records in inputs.items()}
    while True:
        smaller = {f"{name}/{i}": {**current, name: current[name][:i] + current[name][i + 1:]}
                   for name in current for i in range(len(current[name]))}
        split = splitting(smaller) if smaller else set()
        if not split:
            return current
        current = smaller[next(key for key in smaller if key in split)]


def ranked(questions: list[Question], skipped: set[str] = frozenset(), at_most: int = ASKED_PER_BUILD) -> list[Question]:
    """The questions worth asking now, most valuable first, leaving out those the person skipped."""
    waiting = [q for q in questions if q.key not in skipped]
    return sorted(waiting, key=lambda q: (-q.value, q.number, q.component))[:max(0, at_most)]


def question_key(component: str, requirement: dict, inputs: dict) -> str:
    """A short name that stays while the requirement (its statement and examples) and the input stay the same."""
    text = json.dumps([component, requirement["statement"], requirement["examples"], inputs], sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _size(inputs: dict) -> int:
    return sum(len(records) for records in inputs.values())
