"""The build graph's nodes: plain functions from state (and the runtime) to a partial update."""

from __future__ import annotations

import ast
import datetime as dt
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents import leftovers, prompts
from agents.codefix import PARSING, extract_sql, fix_code, mend_query
from agents.edgecases import agreement, canonical, edge_inputs, nearness
from agents.models.seam import CallOptions
from agents.sandbox import Case, run_cases, run_trials
from agents.state import BuildContext, BuildState, WorkOnComponent, add_usage
from reqs.gitrepo import GitRepo, merge_texts
from reqs.hashing import content_hash
from reqs.model import Project, Requirement
from reqs.problems import InvalidInput, ShallError
from reqs.workspace import load_workspace
from specs.checks import design_problems
from specs.design import DESIGN_FILE, Design
from specs.designfile import design_text, write_design
from specs.infer import infer_design
from specs.lock import (LOCK_FILE, FileEntry, Lock, RequirementEntry, blob_id, file_blob_id, hand_edited, load_lock,
                        requirement_changes, slice_hash, stale_components, write_lock)
from specs.matching import differences
from specs.render import SQL_COLUMN_TYPES, SQL_MODULE_START, component_module, render_app, sql_component_code, write_files

MAX_TOKENS = 700
# At temperature 0 a repair repeats the first answer word for word; some
# randomness, with a different seed per attempt, lets it try something else.
REPAIR_TEMPERATURE = 0.7
CANDIDATE_TEMPERATURE = 0.8
LANGUAGE_WORDS = {"python": "Python", "sql": "SQL"}


class DesignRefused(ShallError):
    exit_code = 1


# --- load, changes, design -----------------------------------------------------------


def load(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    _say(runtime, "load", "Reading the requirements")
    workspace = load_workspace(Path(state["root"]))
    if workspace.problems:
        raise InvalidInput(workspace.problems)
    unknown = [r for r in state.get("only") or [] if r not in {q.id for q in workspace.requirements}]
    if unknown:
        raise ShallError(f"--only names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} not a requirement here")
    return {"project_name": workspace.project.name, "project": workspace.project.model_dump(),
            "requirements": [r.model_dump() for r in workspace.requirements]}


def changes(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Which requirements are new, changed or removed since the last build, by their content hash in shall.lock."""
    found = requirement_changes(load_lock(Path(state["root"])), _requirements(state))
    if found:
        _say(runtime, "changes", "Since the last build: " + ", ".join(f"{rid} {kind}" for rid, kind in sorted(found.items())),
             changes=found)
    return {"lock_changes": found, "changed": list(state.get("only") or [r for r, kind in found.items() if kind != "removed"])}


def design(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    _say(runtime, "design", "Working out the design")
    requirements = _requirements(state)
    inferred = infer_design(Project.model_validate(state["project"]), requirements)
    problems = design_problems(inferred, requirements)
    if problems:
        raise ShallError("shall could not make a sound design from these requirements:\n- " + "\n- ".join(problems))
    root = Path(state["root"])
    lock = load_lock(root)
    if state.get("only"):
        only = set(state["only"])
        reasons = {c.name: "asked for with --only" for c in inferred.components if only & set(c.requirements)}
    else:
        reasons = stale_components(lock, inferred, requirements, root)
    stale = [c.name for c in inferred.flow() if c.name in reasons]
    edited = set(hand_edited(lock, root))
    hand_edits = {c.path: (root / c.path).read_text(encoding="utf-8") for c in inferred.components
                  if c.name in reasons and c.path in edited}
    _say(runtime, "design", f"{len(inferred.components)} components, {len(stale)} to write"
         + "".join(f"\n  {name}: {reasons[name]}" for name in stale), components=[c.name for c in inferred.flow()])
    return {"design": inferred.model_dump(), "stale": stale, "pending": stale, "stale_reasons": reasons,
            "hand_edits": hand_edits}


def approve(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    if runtime.context.auto_approve:
        return {"approved": True}
    answer = interrupt({"question": "approve_design", "design": design_text(Design.model_validate(state["design"]))})
    if not answer:
        raise DesignRefused("The design was not approved, so nothing was built. Change the requirements and build again.")
    return {"approved": True}


# --- generate and repair -------------------------------------------------------------


def plan_wave(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """The next components to write: those whose inputs are all settled."""
    design_ = Design.model_validate(state["design"])
    pending = list(state.get("pending") or [])
    unsettled = set(pending)
    wave = [name for name in pending
            if not any((w := design_.writer_of(r)) is not None and w.name in unsettled and w.name != name
                       for r in design_.component(name).reads)]
    return {"wave": wave, "pending": [name for name in pending if name not in wave]}


def after_plan(state: BuildState, runtime: Runtime[BuildContext]) -> list:
    from langgraph.types import Send

    if not state.get("wave"):
        return ["render"]
    return [Send("generate_component", {**_work(state, name), "language": language})
            for name in state["wave"] for language in runtime.context.languages]


def generate_component(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    """The first answers for one component in one language, asked back to back with the same prompt."""
    name, language, first = work["component"], work.get("language", "python"), work.get("first", 0)
    messages = [{"role": "system", "content": _system(language)}, {"role": "user", "content": component_task(work, language)}]
    answers = []
    with runtime.context.model.turn():  # the same prompt in a row: the embedded model reads it once
        for number in range(first, first + max(1, runtime.context.candidates)):
            _say(runtime, "generate", f"Writing {name} in {LANGUAGE_WORDS[language]}" + (f", try {number + 1}" if number else ""),
                 component=name)
            options = CallOptions(max_tokens=MAX_TOKENS, temperature=0.0 if number == 0 else CANDIDATE_TEMPERATURE, seed=number)
            answers.append((f"{language}-{number}", _ask_for_code(runtime, work, messages, options, language)))
    return _together(name, answers)


def _together(name: str, answers: list[tuple[str, dict]]) -> dict:
    """Several answers for one component as one update: each a candidate, their attempts and usage added up."""
    usage = {}
    for _, update in answers:
        usage = add_usage(usage, update["usage"])
    return {"code": {}, "candidates": {name: {key: update["code"][name] for key, update in answers}},
            "attempts": {name: len(answers)}, "usage": usage}


def select(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Choose each component of the wave among its candidates.

    Every candidate runs by itself on the component's visible examples, and on
    made-up inputs near the edges its statement names. The candidates passing
    the most visible examples are kept; among them, the one whose outputs on
    the made-up inputs agree with the most others wins. Ties go to the one
    that agrees most with every candidate, failing ones included, then to the
    plainest (fewest words and symbols).

    When no candidate of a component passes all its examples, the model is
    asked again before choosing, as BuildContext.when_none_pass says: as
    many first answers again ("resample", the default), or each different
    candidate back with the example it fails and what it did ("revise", see
    revise_candidate), up to rounds_when_none_pass times. The choice is then
    made among them all.
    """
    design_ = Design.model_validate(state["design"])
    render(state, runtime, quiet=True)  # the app's shared files, which candidates import, are in place
    rounds = state.get("asked_again") or {}
    trials = {}
    for name in state["wave"]:
        found = (state.get("candidates") or {}).get(name) or {}
        if found:
            trials[name] = _try_candidates(state, runtime, design_, design_.component(name), found)
    stuck = sorted(name for name, tried in trials.items()
                   if rounds.get(name, 0) < runtime.context.rounds_when_none_pass and _none_pass(tried))
    if stuck:
        resample = runtime.context.when_none_pass == "resample"
        for name in stuck:
            tried = trials[name]
            _say(runtime, "revise", f"{name}: none of its {len(tried.modules)} different answers passes its "
                 f"{_count(len(tried.cases), 'example')}; "
                 + ("asking for as many again" if resample else "each goes back once with what it got wrong"),
                 component=name)
        requests = ([{"component": name, "resample": True, "round": rounds.get(name, 0) + 1} for name in stuck]
                    if resample else [r for name in stuck for r in _revisions(state, design_, name, trials[name])])
        return {"ask_again": requests, "asked_again": {name: rounds.get(name, 0) + 1 for name in stuck}}
    chosen, agreements = {}, {}
    for name, tried in trials.items():
        found = state["candidates"][name]
        pick, summary = _choose(design_.component(name), tried)
        chosen[name], agreements[name] = found[pick], summary
        _say(runtime, "select", summary["sentence"], component=name)
    code = {**(state.get("code") or {}), **chosen}
    visible = _run_visible({**state, "code": code}, runtime)
    upstream = {**(state.get("upstream") or {}), **{key: result["actual"] or {} for key, result in visible.items()}}
    return {"code": chosen, "upstream": upstream, "wave": [], "agreement": agreements, "ask_again": []}


def after_select(state: BuildState, runtime: Runtime[BuildContext]) -> list:
    from langgraph.types import Send

    if not state.get("ask_again"):
        return ["plan_wave"]
    count = max(1, runtime.context.candidates)
    more = [Send("generate_component", {**_work(state, r["component"]), "language": language, "first": count * r["round"]})
            for r in state["ask_again"] if r.get("resample") for language in runtime.context.languages]
    groups: dict[tuple[str, str], list[dict]] = {}  # one task per component and language, so prompts share a start
    for revision in (r for r in state["ask_again"] if not r.get("resample")):
        groups.setdefault((revision["component"], language_of(revision["code"])), []).append(revision)
    return more + [Send("revise_candidate", {**_work(state, name), "revisions": revisions})
                   for (name, _), revisions in groups.items()]


@dataclass
class _Tried:
    """A component's different candidates, run by themselves on its visible examples and on made-up inputs."""

    modules: dict[str, str]   # sandbox module name -> the first candidate key that wrote this code
    cases: dict[str, dict]    # case key -> inputs, expected and ordered
    edges: dict[str, dict]    # made-up input key -> inputs
    trials: dict              # (module, key) -> Trial
    passes: dict[str, int]    # module -> visible examples passed
    code: dict[str, str]      # module -> its code


def _try_candidates(state: BuildState, runtime: Runtime[BuildContext], design_: Design, component,
                    found: dict[str, str]) -> _Tried:
    output = component.writes[0]
    unique: dict[str, str] = {}  # code -> the first candidate that wrote it
    for key in sorted(found, key=_candidate_order):
        unique.setdefault(found[key], key)
    modules = {f"_candidate_{i}": key for i, key in enumerate(unique.values())}
    code = {module: found[key] for module, key in modules.items()}
    cases = _component_cases(state, design_, component)
    if len(modules) == 1:  # nothing to choose between: the app's own test run will judge it
        return _Tried(modules, cases, {}, {}, {}, code)
    statement = " ".join(r["statement"] for r in state["requirements"] if r["id"] in component.requirements)
    fields = {name: dict(design_.collections[name].fields) for name in component.reads}
    edges = {f"edge: {k}": v for k, v in edge_inputs([c["inputs"] for c in cases.values()], fields, statement).items()}
    trials = run_trials(Path(state["root"]), code, {**{k: c["inputs"] for k, c in cases.items()}, **edges},
                        runtime.context.limits)
    passes = {m: sum(_trial_passes(trials[m, k], output, c) for k, c in cases.items()) for m in modules}
    return _Tried(modules, cases, edges, trials, passes, code)


def _trial_passes(trial, output: str, case: dict) -> bool:
    return trial.output is not None and not differences({output: case["expected"]}, {output: trial.output},
                                                        ordered=case["ordered"])


def _none_pass(tried: _Tried) -> bool:
    """Whether the candidates were tried on examples and none passes them all."""
    return bool(tried.trials and tried.cases) and all(p < len(tried.cases) for p in tried.passes.values())


def _revisions(state: BuildState, design_: Design, name: str, tried: _Tried) -> list[dict]:
    """What to send back to the model for each different candidate of a component none of whose candidates pass."""
    output = design_.component(name).writes[0]
    found = state["candidates"][name]
    revisions = []
    for module, key in tried.modules.items():
        case_key, case = next((k, c) for k, c in tried.cases.items() if not _trial_passes(tried.trials[module, k], output, c))
        trial = tried.trials[module, case_key]
        outcome = (f"It failed with: {trial.error}" if trial.output is None
                   else f"but it returned {output} = {trial.output!r}")
        revisions.append({"component": name, "revising": key, "code": found[key], "case": case_key.split("/", 1)[1],
                          "case_inputs": case["inputs"], "expected": case["expected"], "outcome": outcome})
    return revisions


def revise_candidate(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    """One more answer from each failing candidate: the model sees its code, the example it fails, and what it did."""
    name = work["component"]
    design_ = Design.model_validate(work["design"])
    component = design_.component(name)
    answers = []
    with runtime.context.model.turn():  # the same task prompt in a row: the embedded model reads it once
        for revision in work["revisions"]:
            language = language_of(revision["code"])
            _say(runtime, "revise", f"Revising {name} ({LANGUAGE_WORDS[language]})", component=name)
            inputs = _inputs_shown(component.reads, revision["case_inputs"], design_, None, typed=language == "python")
            messages = _repair_messages({**work, "code": revision["code"]}, language, revision["case"], inputs,
                                        revision["expected"], revision["outcome"])
            options = CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE, seed=work["attempt"] + len(answers))
            answers.append((f"{revision['revising']}-revised", _ask_for_code(runtime, work, messages, options, language)))
    return _together(name, answers)


def _choose(component, tried: _Tried) -> tuple[str, dict]:
    modules, cases, edges, trials, passes = tried.modules, tried.cases, tried.edges, tried.trials, tried.passes
    if len(modules) == 1:  # nothing to choose between: the app's own test run will judge it
        key = next(iter(modules.values()))
        return key, {"sentence": f"{component.name}: one answer, kept", "candidates": len(modules), "different": 1,
                     "chosen": key}
    most = max(passes.values())
    finalists = [m for m in modules if passes[m] == most]
    outputs = {m: {k: canonical(trials[m, k].output) for k in edges} for m in modules}
    scores = agreement({m: outputs[m] for m in finalists})
    everyone = agreement(outputs)  # the others' outputs are evidence too, even where they fail an example
    # When none passes, the one nearest to the examples is the best to repair; agreement only breaks ties.
    near = {m: sum(nearness(c["expected"], trials[m, k].output) for k, c in cases.items()) if most == 0 else 0.0
            for m in finalists}
    # Then the plainest: a clause the examples do not ask for (HAVING n > 0) is more often a guess than a rule.
    winner = max(finalists, key=lambda m: (near[m], scores[m], everyone[m], -_size(tried.code[m]),
                                           -list(modules).index(m)))
    split = sum(len({outputs[m][k] for m in finalists}) > 1 for k in edges)
    passing_all = sum(passes[m] == len(cases) for m in modules)
    sentence = (f"{component.name}: {passing_all} of {len(modules)} different answers pass its "
                f"{_count(len(cases), 'example')}; kept the {LANGUAGE_WORDS[modules[winner].split('-')[0]]} one")
    if most == 0 and len(finalists) > 1:
        sentence += ", which comes nearest to the examples, to repair"
    elif len(finalists) > 1 and edges:
        sentence += f", which agrees with most on {len(edges)} made-up inputs ({split} split the answers)"
    return modules[winner], {"sentence": sentence, "candidates": len(modules), "different": len(modules),
                             "passing": passing_all, "examples": len(cases), "chosen": modules[winner],
                             "made_up_inputs": len(edges), "split": split,
                             "alike_and_wrong": _alike_and_wrong(component.writes[0], tried)}


def _alike_and_wrong(output: str, tried: _Tried) -> dict[str, dict]:
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
        if any(_trial_passes(trial, output, case) for trial in trials):
            continue
        gave = [t.output for t in trials if t.output is not None and (t.output or not case["expected"])]
        counted = [canonical(o) for o in gave]
        most = max(set(counted), key=counted.count, default=None)
        if most is not None and counted.count(most) >= 2 and 2 * counted.count(most) > len(counted):
            found[key] = {"answers": counted.count(most), "of": len(counted), "gave": gave[counted.index(most)]}
    return found


def _size(code: str) -> int:
    """How much an answer says: its words and symbols, the SQL query alone for SQL."""
    return len(_WORDS.findall(query_of(code) if language_of(code) == "sql" else code))


_WORDS = re.compile(r"\w+|[^\w\s]")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'s' * (number != 1)}"


def _candidate_order(key: str) -> tuple[bool, int, str]:
    """First answers before revised ones, then by number, then by language: "python-0", "sql-0", "python-1-revised"."""
    language, _, rest = key.partition("-")
    number, _, revised = rest.partition("-")
    return bool(revised), int(number or 0), language


def _component_cases(state: BuildState, design_: Design, component) -> dict[str, dict]:
    """The component's own view of each visible example that names its output.

    A collection it reads comes from the example where the example gives it
    (or expects it in full), else from what the upstream component made.
    """
    output = component.writes[0]
    upstream = state.get("upstream") or {}
    cases = {}
    for requirement in state["requirements"]:
        for example in requirement["examples"]:
            if example["holdout"] or output not in example["then"]:
                continue
            key = f"{requirement['id']}/{example['name']}"
            inputs = {}
            for name in component.reads:
                declared = set(design_.collections[name].fields)
                expected = example["then"].get(name)
                if name in example["given"]:
                    inputs[name] = example["given"][name]
                elif expected is not None and all(set(r) >= declared for r in expected):
                    inputs[name] = expected
                else:
                    inputs[name] = (upstream.get(key) or {}).get(name) or []
            cases[key] = {"inputs": inputs, "expected": example["then"][output], "ordered": example["ordered"]}
    return cases


def _run_visible(state: BuildState, runtime: Runtime[BuildContext]) -> dict[str, dict]:
    render(state, runtime, quiet=True)
    return {r.key: asdict(r) for r in run_cases(Path(state["root"]), _cases(state, holdout=False), runtime.context.limits).results}


def repair_component(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    name = work["component"]
    _say(runtime, "repair", f"Repairing {name}", component=name)
    failing = work["failing"]
    design_ = Design.model_validate(work["design"])
    component = design_.component(name)
    output = component.writes[0]
    result = failing["result"]
    if failing.get("problems_in_code"):
        outcome = "It has these problems: " + "; ".join(failing["problems_in_code"])
    elif result.get("failures", {}).get(name):
        outcome = f"It failed with: {result['failures'][name]}"
    elif result.get("actual") is not None and output in result["actual"]:
        outcome = f"but it returned {output} = {repr(result['actual'][output])}"
    else:
        outcome = "What went wrong: " + "; ".join(result.get("problems", []))
    inputs = _inputs_shown(component.reads, failing["given"], design_, result.get("actual"))
    language = language_of(work["code"])
    messages = _repair_messages(work, language, failing["name"], inputs, failing["then"][output], outcome)
    options = CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE, seed=work["attempt"])
    return {**_ask_for_code(runtime, work, messages, options, language), "repairs": {name: 1}}


def _repair_messages(work: WorkOnComponent, language: str, example: str, inputs: str, expected: list[dict],
                     outcome: str) -> list[dict]:
    """The component's task, then its current code with the example it gets wrong and what it did."""
    output = Design.model_validate(work["design"]).component(work["component"]).writes[0]
    shown = query_of(work["code"]) if language == "sql" else work["code"].strip()
    repair = prompts.REPAIR.format(**prompts.REPAIR_WORDS[language], code=shown, name=example, inputs=inputs,
                                   output=output, expected=repr(expected), outcome=outcome)
    return [{"role": "system", "content": _system(language)},
            {"role": "user", "content": component_task(work, language)}, {"role": "user", "content": repair}]


def _ask_for_code(runtime: Runtime[BuildContext], work: WorkOnComponent, messages: list[dict], options: CallOptions,
                  language: str = "python") -> dict:
    name = work["component"]
    completion = runtime.context.model.complete(messages, options=options)
    if language == "sql":
        design_ = Design.model_validate(work["design"])
        component = design_.component(name)
        fixed = extract_sql(completion.text)
        if not fixed.problems:
            fixed = mend_query(fixed.code, {table: {f: SQL_COLUMN_TYPES[t] for f, t in design_.collections[table].fields.items()}
                                                 for table in component.reads})
        fixed.code = sql_component_code(fixed.code, component)
    else:
        fixed = fix_code(completion.text)
    usage = {name: {"prompt": completion.usage.prompt_tokens, "completion": completion.usage.completion_tokens,
                    "seconds": completion.seconds, "calls": 1}}
    code = fixed.code if not fixed.problems else fixed.code + _problems_comment(fixed.problems)
    _say(runtime, "written", f"Wrote {name} in {LANGUAGE_WORDS[language]} ({completion.usage.completion_tokens} tokens, "
         f"{completion.seconds:.0f} s)" + (f"; mended without the model: {', '.join(fixed.mended)}" if fixed.mended else ""),
         component=name)
    return {"code": {name: code}, "attempts": {name: 1}, "usage": usage}


def _system(language: str) -> str:
    return prompts.SQL_SYSTEM if language == "sql" else prompts.SYSTEM


def language_of(code: str) -> str:
    return "sql" if code.startswith(SQL_MODULE_START) else "python"


def query_of(code: str) -> str:
    """The query inside a component module written in SQL."""
    with PARSING:
        tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "QUERY" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value.strip()
    return code


def _problems_comment(problems: list[str]) -> str:
    return "\n# shall: " + "\n# shall: ".join(problems) + "\n"


def component_task(work: WorkOnComponent, language: str = "python") -> str:
    design_ = Design.model_validate(work["design"])
    component = design_.component(work["component"])
    output = component.writes[0]
    serving = [r for r in work["requirements"] if r["id"] in component.requirements]
    requirements = "\n".join(f"- {r['id']} {r['title']}: {r['statement'].strip()}" for r in serving)
    inputs = "\n".join(f"- {name}: {_describe_collection(design_, name)}" for name in component.reads)
    examples = []
    upstream = work.get("upstream") or {}
    for requirement in serving:
        for example in requirement["examples"]:
            if example["holdout"] or output not in example["then"]:
                continue
            computed = upstream.get(f"{requirement['id']}/{example['name']}")
            typed = language == "python"
            examples.append(prompts.EXAMPLE.format(
                name=example["name"], inputs=_inputs_shown(component.reads, example["given"], design_, computed, typed),
                output=output, expected=repr(_typed(design_, output, example["then"][output]) if typed
                                             else example["then"][output])))
    if language == "sql":
        tables = "\n".join(f"- {name}({_columns(design_, name)})" for name in component.reads)
        return prompts.SQL_TASK.format(plural="s" if len(serving) > 1 else "", requirements=requirements, inputs=tables,
                                       output=output, fields=", ".join(design_.collections[output].fields),
                                       examples="\n\n".join(examples))
    fields = ", ".join(f"{f} ({t})" for f, t in design_.collections[output].fields.items())
    return prompts.TASK.format(plural="s" if len(serving) > 1 else "", requirements=requirements, inputs=inputs,
                               output=output, fields=fields, examples="\n\n".join(examples),
                               parameters=", ".join(component.reads))


def _describe_collection(design_: Design, name: str) -> str:
    collection = design_.collections[name]
    fields = ", ".join(f"{f} ({t})" for f, t in collection.fields.items())
    made_by = "" if collection.source else f"; made by {design_.writer_of(name).name}" if design_.writer_of(name) else ""
    return f"records with {fields}{made_by}"


def _columns(design_: Design, name: str) -> str:
    return ", ".join(f"{f} {SQL_COLUMN_TYPES[t]}" for f, t in design_.collections[name].fields.items())


def _inputs_shown(reads: list[str], given: dict, design_: Design, actual: dict | None, typed: bool = True) -> str:
    def shown(name: str, records: list[dict]) -> str:
        return repr(_typed(design_, name, records) if typed else records)

    lines = []
    for name in reads:
        if name in given:
            lines.append(f"{name} = {shown(name, given[name])}")
        elif actual and name in actual:
            lines.append(f"{name} = {shown(name, actual[name])}")
        elif design_.collections[name].source:
            lines.append(f"{name} = []")
        else:
            lines.append(f"{name} = (computed by {design_.writer_of(name).name} from the inputs above)")
    return "\n".join(lines)


def _typed(design_: Design, name: str, records: list[dict]) -> list[dict]:
    kinds = design_.collections[name].fields
    parse = {"date": dt.date.fromisoformat, "datetime": dt.datetime.fromisoformat}
    return [{k: parse[kinds[k]](v) if isinstance(v, str) and kinds.get(k) in parse else v for k, v in r.items()} for r in records]


# --- render and test -----------------------------------------------------------------


def render(state: BuildState, runtime: Runtime[BuildContext], quiet: bool = False) -> dict:
    root = Path(state["root"])
    design_ = Design.model_validate(state["design"])
    files = render_app(design_, state["project_name"])
    requirements = {r["id"]: r for r in state["requirements"]}
    for component in design_.components:
        code = state.get("code", {}).get(component.name)
        if code is None:
            existing = root / component.path
            code = existing.read_text(encoding="utf-8") if existing.exists() else "def run(**inputs):\n    raise NotImplementedError\n"
            files[component.path] = code
            continue
        files[component.path] = (state.get("merged") or {}).get(component.path) or _module_text(design_, component, code, requirements)
    write_design(root, design_)
    written = write_files(root, files)
    leftovers.record(root, {DESIGN_FILE: design_text(design_), **{path: files[path] for path in written}})
    if not quiet:
        _say(runtime, "render", f"Updated {len(written)} file{'s' * (len(written) != 1)} of the app" if written
             else "The app is unchanged")
    return {}


def _module_text(design_: Design, component, code: str, requirements: dict[str, dict]) -> str:
    lines = [f"{r}: {requirements[r]['title']}" for r in component.requirements]
    return component_module(component, design_, code, lines)


def test(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    cases = _cases(state, holdout=False)
    _say(runtime, "test", f"Running {len(cases)} example{'s' * (len(cases) != 1)} in the sandbox")
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    visible = {r.key: asdict(r) for r in run.results}
    passed = sum(r.passed for r in run.results)
    _say(runtime, "test", f"{passed} of {len(cases)} examples pass", passed=passed, total=len(cases))
    best = dict(state.get("best") or {})
    code = {}
    for name, (score, total) in _scores(state, visible).items():
        current = state["code"].get(name)
        if current is None:
            continue
        if name not in best or score >= best[name]["passed"]:
            best[name] = {"code": current, "passed": score, "total": total}
        else:  # the repair made it worse: keep the better version
            code[name] = best[name]["code"]
    return {"visible": visible, "best": best, "code": code, "tested": dict(state["code"]), "isolation": run.isolation}


def after_test(state: BuildState, runtime: Runtime[BuildContext]) -> list:
    """Repair the failing components whose inputs are right; a downstream failure may be an upstream mistake."""
    from langgraph.types import Send

    design_ = Design.model_validate(state["design"])
    failing = {name for name, (score, total) in _scores(state, state["visible"]).items() if score < total}
    blamed = [
        name for name in failing
        if name in state.get("code", {})
        and not any((w := design_.writer_of(read)) is not None and w.name in failing for read in design_.component(name).reads)
    ]
    repairable = [name for name in blamed if (state.get("repairs") or {}).get(name, 0) < runtime.context.max_repairs]
    if not repairable:
        return ["finish"]
    return [Send("repair_component", _work(state, name, failing=_first_failure(state, name))) for name in sorted(repairable)]


def finish(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Put the best version of every component in place, then check it once more."""
    code = {name: entry["code"] for name, entry in (state.get("best") or {}).items()
            if (state.get("tested") or {}).get(name) != entry["code"]}
    merged, conflicts = _merge_hand_edits({**state, "code": {**(state.get("code") or {}), **code}}, runtime)
    if code or merged:
        after = {**state, "code": {**(state.get("code") or {}), **code}, "merged": merged}
        return {"code": code, "merged": merged, "conflicts": conflicts, "visible": _run_visible(after, runtime)}
    return {"conflicts": conflicts}


def _merge_hand_edits(state: BuildState, runtime: Runtime[BuildContext]) -> tuple[dict[str, str], list[str]]:
    """Carry a person's edits into the regenerated files: a three-way merge, or their version where it conflicts."""
    edits = state.get("hand_edits") or {}
    if not edits:
        return {}, []
    root = Path(state["root"])
    design_ = Design.model_validate(state["design"])
    requirements = {r["id"]: r for r in state["requirements"]}
    lock = load_lock(root)
    repo = GitRepo.open_enclosing(root)
    merged, conflicts = {}, []
    for component in design_.components:
        ours = edits.get(component.path)
        if ours is None or component.name not in (state.get("code") or {}):
            continue
        theirs = _module_text(design_, component, state["code"][component.name], requirements)
        base = repo.read_blob(lock.files[component.path].generated) if lock and component.path in lock.files else None
        result = merge_texts(base, ours, theirs, ("your edit", "last generated", "new")) if base is not None else None
        if result is None or result.conflicts:
            merged[component.path] = ours
            conflicts.append(component.path)
            _say(runtime, "merge", f"{component.path}: your edit and the new version change the same lines; "
                 "your version stays in place. Merge them by hand, then run `shall build` again.", path=component.path)
        else:
            merged[component.path] = result.text
            _say(runtime, "merge", f"{component.path}: your edit was carried into the new version", path=component.path)
    return merged, conflicts


def holdouts(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    cases = _cases(state, holdout=True)
    _say(runtime, "holdout", f"Checking {len(cases)} held-out example{'s' * (len(cases) != 1)}")
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    return {"holdouts": {r.key: asdict(r) for r in run.results}}


def report(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    design_ = Design.model_validate(state["design"])
    usage = state.get("usage") or {}
    rows = []
    for requirement in _requirements(state):
        components = [c.name for c in design_.components if requirement.id in c.requirements]
        visible = [v for k, v in state["visible"].items() if k.startswith(requirement.id + "/")]
        held = [v for k, v in (state.get("holdouts") or {}).items() if k.startswith(requirement.id + "/")]
        failing = {k.split("/", 1)[1]: v["problems"] for k, v in state["visible"].items()
                   if k.startswith(requirement.id + "/") and not v["passed"]}
        rows.append({
            "id": requirement.id, "title": requirement.title,
            "examples_passed": sum(v["passed"] for v in visible), "examples": len(visible),
            "holdouts_passed": sum(v["passed"] for v in held), "holdouts": len(held),
            "attempts": max((state.get("attempts", {}).get(c, 0) for c in components), default=0),
            "tokens": sum(usage.get(c, {}).get("prompt", 0) + usage.get(c, {}).get("completion", 0) for c in components),
            "seconds": round(sum(usage.get(c, {}).get("seconds", 0.0) for c in components), 1),
            "failing": failing,
            "advice": {example: _advice(alike) for example in failing
                       if (alike := _alike_for(state, components, f"{requirement.id}/{example}"))},
            "compared": {  # expected against actual, for the failing examples
                example.name: {"expected": example.then,
                               "actual": {name: (state["visible"][key].get("actual") or {}).get(name) for name in example.then}}
                for example in requirement.visible_examples
                if not (state["visible"].get(key := f"{requirement.id}/{example.name}") or {"passed": True})["passed"]
            },
        })
    return {"report": {
        "requirements": rows,
        "components_regenerated": list(state.get("stale") or []),
        "tokens": sum(u["prompt"] + u["completion"] for u in usage.values()),
        "model_seconds": round(sum(u["seconds"] for u in usage.values()), 1),
        "isolation": state.get("isolation", ""),
        "why_regenerated": dict(state.get("stale_reasons") or {}),
        "conflicts": list(state.get("conflicts") or []),
        "agreement": dict(state.get("agreement") or {}),
    }}


def _alike_for(state: BuildState, components: list[str], key: str) -> dict | None:
    agreements = state.get("agreement") or {}
    return next((found for c in components if (found := (agreements.get(c) or {}).get("alike_and_wrong", {}).get(key))),
                None)


def _advice(alike: dict) -> str:
    gave = alike.get("gave") or []
    shown = "; ".join(", ".join(f"{k}: {v}" for k, v in record.items()) for record in gave[:3])
    shown = (shown + ("; …" if len(gave) > 3 else "")) if gave else "no records"
    return (f"{alike['answers']} of the {alike['of']} different answers shall tried that gave a result here agree "
            f"on another one ({shown}). The statement may say something other than this example: "
            "read them side by side and correct whichever is wrong.")


def commit(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Record what was built in shall.lock, remove what no requirement needs any more, and commit it all."""
    root = Path(state["root"])
    design_ = Design.model_validate(state["design"])
    requirements = {r["id"]: r for r in state["requirements"]}
    lock = load_lock(root) or Lock()
    repo = GitRepo.open_enclosing(root)
    removed = [path for path, entry in lock.files.items()
               if entry.component is not None and path not in {c.path for c in design_.components}]
    for path in removed:
        (root / path).unlink(missing_ok=True)
    rows = {row["id"]: row for row in state["report"]["requirements"]}
    new = Lock(requirements={
        rid: RequirementEntry(hash=content_hash(Requirement.model_validate(r)), **{k: rows[rid][k] for k in (
            "examples_passed", "examples", "holdouts_passed", "holdouts")})
        for rid, r in requirements.items()
    })
    stale = set(state.get("stale") or [])
    for path, text in render_app(design_, state["project_name"]).items():
        new.files[path] = FileEntry(generated=blob_id(text), tested=file_blob_id(root / path) or "")
    for component in design_.components:
        on_disk = file_blob_id(root / component.path) or ""
        entry = lock.files.get(component.path)
        if component.name in stale and component.name in (state.get("code") or {}):
            generated = repo.store_blob(_module_text(design_, component, state["code"][component.name], requirements))
            entry = FileEntry(component=component.name, model=runtime.context.model.name, prompt=prompts.PROMPT_VERSION,
                              generated=generated, requirements={})
        if entry is None:
            continue
        new.files[component.path] = entry.model_copy(update={
            "tested": on_disk, "design": slice_hash(design_, component),
            "requirements": {rid: new.requirements[rid].hash for rid in component.requirements}})
    write_lock(root, new)
    leftovers.clear(root)  # everything the build wrote is now recorded in the lock and committed
    served = sorted({rid for c in design_.components if c.name in stale for rid in c.requirements}
                    | {rid for rid, kind in (state.get("lock_changes") or {}).items() if kind == "removed"})
    paths = [repo.relative(root / p) for p in ("app", "specs", "tests", LOCK_FILE) if (root / p).exists()]
    paths += [repo.relative(root / p) for p in removed]
    sha = repo.commit(paths, _commit_message(state["report"], served))
    _say(runtime, "commit", f"Committed the build as {sha[:8]}" if sha else "Nothing changed, so nothing was committed")
    return {"commit": sha}


def _commit_message(report: dict, served: list[str]) -> str:
    rows = report["requirements"]
    subject = f"Build {', '.join(served[:4])}{' and more' if len(served) > 4 else ''}" if served else "Record the results of the app as it stands"
    passed = sum(r["examples_passed"] for r in rows)
    total = sum(r["examples"] for r in rows)
    held = sum(r["holdouts_passed"] for r in rows)
    held_total = sum(r["holdouts"] for r in rows)
    lines = [subject, "", f"Examples: {passed} of {total} pass; held out: {held} of {held_total}.",
             f"Regenerated: {', '.join(report['components_regenerated']) or 'nothing'}."]
    lines += [f"Conflict, left as you wrote it: {path}" for path in report.get("conflicts", [])]
    lines += [""] + [f"Shall-Requirement: {rid}" for rid in served]
    return "\n".join(lines) + "\n"


# --- helpers ---------------------------------------------------------------------------


def _requirements(state: BuildState) -> list[Requirement]:
    return [Requirement.model_validate(r) for r in state["requirements"]]


def _work(state: BuildState, name: str, failing: dict | None = None) -> WorkOnComponent:
    design_ = Design.model_validate(state["design"])
    reads = set(design_.component(name).reads)
    upstream = {key: {c: records for c, records in outputs.items() if c in reads}
                for key, outputs in (state.get("upstream") or {}).items()}
    return {"component": name, "design": state["design"], "requirements": state["requirements"],
            "code": (state.get("code") or {}).get(name, ""), "failing": failing,
            "attempt": (state.get("attempts") or {}).get(name, 0) + 1, "language": "python",
            "upstream": upstream}


def _cases(state: BuildState, holdout: bool) -> list[Case]:
    design_ = Design.model_validate(state["design"])
    return [Case(f"{r['id']}/{e['name']}", e["given"], e["then"], e["ordered"], keep=_feeding(design_, e["then"]))
            for r in state["requirements"] for e in r["examples"] if e["holdout"] == holdout]


def _feeding(design_: Design, expected: dict) -> tuple[str, ...]:
    """The collections an example expects, and every derived collection they are made from: the outputs worth
    bringing back from the sandbox (all of them would grow with the square of the workspace's size)."""
    wanted, queue = set(), list(expected)
    while queue:
        name = queue.pop()
        if name in wanted:
            continue
        wanted.add(name)
        if (writer := design_.writer_of(name)) is not None:
            queue.extend(writer.reads)
    return tuple(sorted(name for name in wanted if not design_.collections.get(name, None) or
                        not design_.collections[name].source))


def _scores(state: BuildState, visible: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """component -> (visible examples of its output that pass, examples of its output)."""
    design_ = Design.model_validate(state["design"])
    scores = {}
    for component in design_.components:
        mine = [v for v in visible.values() if set(component.writes) & set(v.get("by_collection", {}))]
        passed = sum(all(not v["by_collection"].get(w) for w in component.writes if w in v["by_collection"]) for v in mine)
        scores[component.name] = (passed, len(mine))
    return scores


def _first_failure(state: BuildState, name: str) -> dict:
    design_ = Design.model_validate(state["design"])
    writes = set(design_.component(name).writes)
    for requirement in state["requirements"]:
        for example in requirement["examples"]:
            result = state["visible"].get(f"{requirement['id']}/{example['name']}")
            if result and not example["holdout"] and any(result["by_collection"].get(w) for w in writes):
                problems = [line.removeprefix("# shall: ") for line in state["code"][name].splitlines() if line.startswith("# shall: ")]
                return {"name": example["name"], "given": example["given"], "then": example["then"],
                        "result": result, "problems_in_code": problems}
    raise AssertionError(f"{name} has no failing example")


def _say(runtime: Runtime[BuildContext], step: str, message: str, **details: Any) -> None:
    if runtime.stream_writer is not None:
        runtime.stream_writer({"step": step, "message": message, **details})
