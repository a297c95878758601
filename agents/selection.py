"""Choosing among a component's candidates: run each by itself, keep those passing the most examples, and of
those the one most others agree with on made-up inputs; when none passes, say what to ask the model again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from agents.cases import component_cases
from agents.edgecases import agreement, canonical, edge_inputs, nearness, own_fields
from agents.progress import Candidate
from agents.sandbox import Limits, run_trials
from agents.state import Revision
from agents.tasks import LANGUAGE_WORDS, it_returned, query_of
from reqs.words import counted
from specs.design import ComponentDesign, Design
from specs.matching import differences


@dataclass
class Tried:
    """A component's different candidates, run by themselves on its visible examples and on made-up inputs."""

    modules: dict[str, Candidate]  # sandbox module name -> the first candidate that wrote this code
    cases: dict[str, dict]    # case key -> inputs, expected and ordered
    edges: dict[str, dict]    # made-up input key -> inputs
    trials: dict              # (module, key) -> Trial
    passes: dict[str, int]    # module -> visible examples passed
    code: dict[str, str]      # module -> its code
    fields: list[str]         # the output's own fields: answers are compared on these alone

    def output(self, module: str, key: str) -> str | None:
        """What a candidate made of an input, as one comparable string (None where it failed)."""
        return canonical(self.trials[module, key].output, fields=self.fields)


def try_candidates(root: Path, requirements: list[dict], upstream: dict[str, dict], design: Design,
                   component: ComponentDesign, candidates: list[Candidate], limits: Limits) -> Tried:
    """Run a component's different candidates by themselves on its visible examples and on made-up inputs
    near the edges its statement names. `upstream`: case key -> the outputs the app made."""
    output = component.writes[0]
    unique: dict[str, Candidate] = {}  # code -> the first candidate that wrote it
    for candidate in sorted(candidates, key=Candidate.order):
        unique.setdefault(candidate.text, candidate)
    modules = {f"_candidate_{i}": candidate for i, candidate in enumerate(unique.values())}
    code = {module: candidate.text for module, candidate in modules.items()}
    cases = component_cases(requirements, upstream, design, component)
    fields = list(design.collections[output].fields)
    if len(modules) == 1:  # nothing to choose between: the app's own test run will judge it
        return Tried(modules, cases, {}, {}, {}, code, fields)
    statement = " ".join(r["statement"] for r in requirements if r["id"] in component.requirements)
    kinds = {name: dict(design.collections[name].fields) for name in component.reads}
    edges = {f"edge: {k}": v for k, v in edge_inputs([c["inputs"] for c in cases.values()], kinds, statement).items()}
    trials = run_trials(root, code, {**{k: c["inputs"] for k, c in cases.items()}, **edges}, limits)
    passes = {m: sum(trial_passes(trials[m, k], output, c) for k, c in cases.items()) for m in modules}
    return Tried(modules, cases, edges, trials, passes, code, fields)


def trial_passes(trial, output: str, case: dict) -> bool:
    return trial.output is not None and not differences({output: case["expected"]}, {output: trial.output},
                                                        ordered=case["ordered"])


def none_pass(tried: Tried) -> bool:
    """Whether the candidates were tried on examples and none passes them all."""
    return bool(tried.trials and tried.cases) and all(p < len(tried.cases) for p in tried.passes.values())


def revisions(design: Design, name: str, tried: Tried) -> list[Revision]:
    """What to send back to the model for each different candidate of a component none of whose candidates
    pass: its code, the first example it fails, and what it did there."""
    output = design.component(name).writes[0]
    asked = []
    for module, candidate in tried.modules.items():
        key, case = next((k, c) for k, c in tried.cases.items() if not trial_passes(tried.trials[module, k], output, c))
        trial = tried.trials[module, key]
        outcome = (f"It failed with: {trial.error}" if trial.output is None
                   else it_returned(design, output, trial.output, candidate.language))
        asked.append(Revision(name, candidate, case["example"], case["inputs"], case["expected"], outcome))
    return asked


def choose(component: ComponentDesign, tried: Tried) -> tuple[Candidate, dict]:
    """The candidate to keep, and a summary of how they fared: the sentence the person reads, and the counts."""
    modules, cases, edges, trials, passes = tried.modules, tried.cases, tried.edges, tried.trials, tried.passes
    if len(modules) == 1:  # nothing to choose between: the app's own test run will judge it
        only = next(iter(modules.values()))
        return only, {"sentence": f"{component.name}: one answer, kept", "candidates": len(modules), "different": 1,
                      "chosen": only.key}
    most = max(passes.values())
    finalists = [m for m in modules if passes[m] == most]
    outputs = {m: {k: tried.output(m, k) for k in edges} for m in modules}
    scores = agreement({m: outputs[m] for m in finalists})
    everyone = agreement(outputs)  # the others' outputs are evidence too, even where they fail an example
    # When none passes, the one nearest to the examples is the best bet (and the best to repair); agreement only
    # breaks ties.
    near = {m: sum(nearness(c["expected"], trials[m, k].output) for k, c in cases.items()) if most == 0 else 0.0
            for m in finalists}
    # Then the plainest: a clause the examples do not ask for (HAVING n > 0) is more often a guess than a rule.
    winner = max(finalists, key=lambda m: (near[m], scores[m], everyone[m], -size(modules[m]),
                                           -list(modules).index(m)))
    split = sum(len({outputs[m][k] for m in finalists}) > 1 for k in edges)
    passing_all = sum(passes[m] == len(cases) for m in modules)
    sentence = (f"{component.name}: {passing_all} of {len(modules)} different answers pass its "
                f"{counted(len(cases), 'example')}; kept the {LANGUAGE_WORDS[modules[winner].language]} one")
    if most == 0 and len(finalists) > 1:
        sentence += ", which comes nearest to the examples"
    elif len(finalists) > 1 and edges:
        sentence += f", which agrees with most on {len(edges)} made-up inputs ({split} split the answers)"
    return modules[winner], {"sentence": sentence, "candidates": len(modules), "different": len(modules),
                             "passing": passing_all, "examples": len(cases), "chosen": modules[winner].key,
                             "made_up_inputs": len(edges), "split": split,
                             "alike_and_wrong": alike_and_wrong(component.writes[0], tried)}


def alike_and_wrong(output: str, tried: Tried) -> dict[str, dict]:
    """Examples no candidate passes, where most different candidates give one and the same answer.

    Answers written apart that agree on a result the example does not expect
    usually read the statement the same way, and the example says otherwise:
    the person should read the two side by side. Only answers that gave a
    result count (a crash, or no records where records are expected, is no
    reading at all). Example key -> what they gave, and how many of how many gave it.
    """
    found = {}
    for key, case in tried.cases.items():
        trials = [tried.trials[m, key] for m in tried.modules]
        if any(trial_passes(trial, output, case) for trial in trials):
            continue
        gave = [own_fields(t.output, tried.fields) for t in trials if t.output is not None and (t.output or not case["expected"])]
        counted = [canonical(o) for o in gave]
        most = max(set(counted), key=counted.count, default=None)
        if most is not None and counted.count(most) >= 2 and 2 * counted.count(most) > len(counted):
            found[key] = {"answers": counted.count(most), "of": len(counted), "gave": gave[counted.index(most)]}
    return found


def size(candidate: Candidate) -> int:
    """How much an answer says: its words and symbols, the SQL query alone for SQL."""
    return len(_WORDS.findall(query_of(candidate.text) if candidate.language == "sql" else candidate.text))


_WORDS = re.compile(r"\w+|[^\w\s]")

