"""The build graph's nodes: plain functions from state (and the runtime) to a partial update."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents import prompts
from agents.codefix import fix_code
from agents.models.seam import CallOptions
from agents.sandbox import Case, run_cases
from agents.state import BuildContext, BuildState, WorkOnComponent
from reqs.model import Project, Requirement
from reqs.problems import InvalidInput, ShallError
from reqs.workspace import load_workspace
from specs.checks import design_problems
from specs.design import Design
from specs.designfile import design_text, write_design
from specs.infer import infer_design
from specs.render import component_module, render_app, write_files

MAX_TOKENS = 700
# At temperature 0 a repair repeats the first answer word for word; some
# randomness, with a different seed per attempt, lets it try something else.
REPAIR_TEMPERATURE = 0.7
CANDIDATE_TEMPERATURE = 0.8


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
    """Which requirements need their components rebuilt. Until shall.lock exists, all of them (or --only)."""
    every = [r["id"] for r in state["requirements"]]
    return {"changed": list(state.get("only") or every)}


def design(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    _say(runtime, "design", "Working out the design")
    requirements = _requirements(state)
    inferred = infer_design(Project.model_validate(state["project"]), requirements)
    problems = design_problems(inferred, requirements)
    if problems:
        raise ShallError("shall could not make a sound design from these requirements:\n- " + "\n- ".join(problems))
    changed = set(state["changed"])
    stale = [c.name for c in inferred.flow() if changed & set(c.requirements)]
    _say(runtime, "design", f"{len(inferred.components)} components, {len(stale)} to write",
         components=[c.name for c in inferred.flow()])
    return {"design": inferred.model_dump(), "stale": stale, "pending": stale}


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
    count = max(1, runtime.context.candidates)
    return [Send("generate_component", {**_work(state, name), "candidate": number})
            for name in state["wave"] for number in range(count)]


def generate_component(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    name, number = work["component"], work.get("candidate", 0)
    _say(runtime, "generate", f"Writing {name}" + (f", candidate {number + 1}" if number else ""), component=name)
    messages = [{"role": "system", "content": prompts.SYSTEM}, {"role": "user", "content": component_task(work)}]
    options = CallOptions(max_tokens=MAX_TOKENS, temperature=0.0 if number == 0 else CANDIDATE_TEMPERATURE, seed=number)
    update = _ask_for_code(runtime, name, messages, options)
    return {**update, "code": {}, "candidates": {name: {number: update["code"][name]}}}


def select(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Keep, for each component of the wave, the candidate that passes most of its visible examples."""
    wave = state["wave"]
    candidates = state.get("candidates") or {}
    tried: dict[str, list[tuple[int, int, str]]] = {name: [] for name in wave}  # (passed, -number, code)
    seen: dict[str, dict[str, int]] = {name: {} for name in wave}
    for number in range(max(len(candidates.get(name, {})) for name in wave)):
        trial = {name: candidates[name][number] for name in wave if number in candidates.get(name, {})}
        fresh = {name: code for name, code in trial.items() if code not in seen[name]}
        for name, code in trial.items():
            if code in seen[name]:
                tried[name].append((seen[name][code], -number, code))
        if not fresh:
            continue
        code = {**(state.get("code") or {}), **fresh}
        visible = _run_visible({**state, "code": code}, runtime)
        scores = _scores({**state, "code": code}, visible)
        for name, candidate in fresh.items():
            seen[name][candidate] = scores[name][0]
            tried[name].append((scores[name][0], -number, candidate))
    chosen = {name: max(options)[2] for name, options in tried.items() if options}
    code = {**(state.get("code") or {}), **chosen}
    visible = _run_visible({**state, "code": code}, runtime)
    for name in chosen:
        passed, total = _scores({**state, "code": code}, visible)[name]
        _say(runtime, "select", f"{name} passes {passed} of its {total} example{'s' * (total != 1)}", component=name)
    upstream = {**(state.get("upstream") or {}), **{key: result["actual"] or {} for key, result in visible.items()}}
    return {"code": chosen, "upstream": upstream, "wave": []}


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
    repair = prompts.REPAIR.format(code=work["code"].strip(), name=failing["name"], inputs=inputs, output=output,
                                   expected=repr(failing["then"][output]), outcome=outcome)
    messages = [{"role": "system", "content": prompts.SYSTEM},
                {"role": "user", "content": component_task(work)}, {"role": "user", "content": repair}]
    options = CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE, seed=work["attempt"])
    return {**_ask_for_code(runtime, name, messages, options), "repairs": {name: 1}}


def _ask_for_code(runtime: Runtime[BuildContext], name: str, messages: list[dict], options: CallOptions) -> dict:
    completion = runtime.context.model.complete(messages, options=options)
    fixed = fix_code(completion.text)
    usage = {name: {"prompt": completion.usage.prompt_tokens, "completion": completion.usage.completion_tokens,
                    "seconds": completion.seconds, "calls": 1}}
    code = fixed.code if not fixed.problems else fixed.code + _problems_comment(fixed.problems)
    _say(runtime, "written", f"Wrote {name} ({completion.usage.completion_tokens} tokens, {completion.seconds:.0f} s)",
         component=name)
    return {"code": {name: code}, "attempts": {name: 1}, "usage": usage}


def _problems_comment(problems: list[str]) -> str:
    return "\n# shall: " + "\n# shall: ".join(problems) + "\n"


def component_task(work: WorkOnComponent) -> str:
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
            examples.append(prompts.EXAMPLE.format(
                name=example["name"], inputs=_inputs_shown(component.reads, example["given"], design_, computed),
                output=output, expected=repr(_typed(design_, output, example["then"][output]))))
    fields = ", ".join(f"{f} ({t})" for f, t in design_.collections[output].fields.items())
    return prompts.TASK.format(plural="s" if len(serving) > 1 else "", requirements=requirements, inputs=inputs,
                               output=output, fields=fields, examples="\n\n".join(examples),
                               parameters=", ".join(component.reads))


def _describe_collection(design_: Design, name: str) -> str:
    collection = design_.collections[name]
    fields = ", ".join(f"{f} ({t})" for f, t in collection.fields.items())
    made_by = "" if collection.source else f"; made by {design_.writer_of(name).name}" if design_.writer_of(name) else ""
    return f"records with {fields}{made_by}"


def _inputs_shown(reads: list[str], given: dict, design_: Design, actual: dict | None) -> str:
    lines = []
    for name in reads:
        if name in given:
            lines.append(f"{name} = {repr(_typed(design_, name, given[name]))}")
        elif actual and name in actual:
            lines.append(f"{name} = {repr(_typed(design_, name, actual[name]))}")
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
        lines = [f"{r}: {requirements[r]['title']}" for r in component.requirements]
        files[component.path] = component_module(component, design_, code, lines)
    write_design(root, design_)
    written = write_files(root, files)
    if not quiet:
            _say(runtime, "render", f"Updated {len(written)} file{'s' * (len(written) != 1)} of the app" if written
             else "The app is unchanged")
    return {}


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
    if code:
        return {"code": code, "visible": _run_visible({**state, "code": {**state["code"], **code}}, runtime)}
    return {}


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
        rows.append({
            "id": requirement.id, "title": requirement.title,
            "examples_passed": sum(v["passed"] for v in visible), "examples": len(visible),
            "holdouts_passed": sum(v["passed"] for v in held), "holdouts": len(held),
            "attempts": max((state.get("attempts", {}).get(c, 0) for c in components), default=0),
            "tokens": sum(usage.get(c, {}).get("prompt", 0) + usage.get(c, {}).get("completion", 0) for c in components),
            "seconds": round(sum(usage.get(c, {}).get("seconds", 0.0) for c in components), 1),
            "failing": {k.split("/", 1)[1]: v["problems"] for k, v in state["visible"].items()
                        if k.startswith(requirement.id + "/") and not v["passed"]},
        })
    return {"report": {
        "requirements": rows,
        "components_regenerated": list(state.get("stale") or []),
        "tokens": sum(u["prompt"] + u["completion"] for u in usage.values()),
        "model_seconds": round(sum(u["seconds"] for u in usage.values()), 1),
        "isolation": state.get("isolation", ""),
    }}


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
            "attempt": (state.get("attempts") or {}).get(name, 0) + 1, "candidate": 0, "upstream": upstream}


def _cases(state: BuildState, holdout: bool) -> list[Case]:
    return [Case(f"{r['id']}/{e['name']}", e["given"], e["then"], e["ordered"])
            for r in state["requirements"] for e in r["examples"] if e["holdout"] == holdout]


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
