"""The build graph's nodes: plain functions from state (and the runtime) to a partial update."""

from __future__ import annotations

import functools
from dataclasses import asdict
from pathlib import Path
from typing import Any

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents import leftovers, prompts
from agents.cases import PROBLEM_MARK, app_cases, first_failure, scores
from agents.codefix import extract_sql, fix_code, mend_query
from agents.handedits import merge_hand_edits, module_text
from agents.models.seam import CallOptions
from agents.report import build_report, commit_message
from agents.sandbox import Case, run_cases
from agents.selection import choose, none_pass, revisions, try_candidates
from agents.state import BuildContext, BuildState, WorkOnComponent, add_usage
from agents.tasks import LANGUAGE_WORDS, component_task, inputs_shown, language_of, repair_messages, system_prompt
from reqs.gitrepo import GitRepo
from reqs.hashing import content_hash
from reqs.model import Project, Requirement
from reqs.problems import InvalidInput, ShallError
from reqs.words import counted
from reqs.workspace import load_workspace
from specs.checks import design_problems
from specs.design import DESIGN_FILE, Design
from specs.designfile import design_text, write_design
from specs.infer import infer_design
from specs.lock import (GENERATED_PATHS, FileEntry, Lock, RequirementEntry, blob_id, file_blob_id, hand_edited, load_lock,
                        requirement_changes, slice_hash, stale_components, write_lock)
from specs.render import SQL_COLUMN_TYPES, render_app, sql_component_code, write_files

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
    messages = [{"role": "system", "content": system_prompt(language)}, {"role": "user", "content": component_task(work, language)}]
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
            trials[name] = try_candidates(Path(state["root"]), state["requirements"], state.get("upstream") or {}, design_,
                                          design_.component(name), found, runtime.context.limits)
    stuck = sorted(name for name, tried in trials.items()
                   if rounds.get(name, 0) < runtime.context.rounds_when_none_pass and none_pass(tried))
    if stuck:
        resample = runtime.context.when_none_pass == "resample"
        for name in stuck:
            tried = trials[name]
            _say(runtime, "revise", f"{name}: none of its {len(tried.modules)} different answers passes its "
                 f"{counted(len(tried.cases), 'example')}; "
                 + ("asking for as many again" if resample else "each goes back once with what it got wrong"),
                 component=name)
        requests = ([{"component": name, "resample": True, "round": rounds.get(name, 0) + 1} for name in stuck]
                    if resample else [r for name in stuck for r in revisions(state["candidates"][name], design_, name, trials[name])])
        return {"ask_again": requests, "asked_again": {name: rounds.get(name, 0) + 1 for name in stuck}}
    chosen, agreements = {}, {}
    for name, tried in trials.items():
        found = state["candidates"][name]
        pick, summary = choose(design_.component(name), tried)
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
            inputs = inputs_shown(component.reads, revision["case_inputs"], design_, None, typed=language == "python")
            messages = repair_messages({**work, "code": revision["code"]}, language, revision["case"], inputs,
                                        revision["expected"], revision["outcome"])
            options = CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE, seed=work["attempt"] + len(answers))
            answers.append((f"{revision['revising']}-revised", _ask_for_code(runtime, work, messages, options, language)))
    return _together(name, answers)


def _run_visible(state: BuildState, runtime: Runtime[BuildContext]) -> dict[str, dict]:
    render(state, runtime, quiet=True)
    return {r.key: asdict(r) for r in run_cases(Path(state["root"]), _cases(state, holdout=False),
                                                     runtime.context.limits).results}


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
    inputs = inputs_shown(component.reads, failing["given"], design_, result.get("actual"))
    language = language_of(work["code"])
    messages = repair_messages(work, language, failing["name"], inputs, failing["then"][output], outcome)
    options = CallOptions(max_tokens=MAX_TOKENS, temperature=REPAIR_TEMPERATURE, seed=work["attempt"])
    return {**_ask_for_code(runtime, work, messages, options, language), "repairs": {name: 1}}


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


def _problems_comment(problems: list[str]) -> str:
    return "\n" + "".join(f"{PROBLEM_MARK}{problem}\n" for problem in problems)


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
        files[component.path] = (state.get("merged") or {}).get(component.path) or module_text(design_, component, code, requirements)
    write_design(root, design_)
    written = write_files(root, files)
    leftovers.record(root, {DESIGN_FILE: design_text(design_), **{path: files[path] for path in written}})
    if not quiet:
        _say(runtime, "render", f"Updated {counted(len(written), 'file')} of the app" if written
             else "The app is unchanged")
    return {}


def test(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    cases = _cases(state, holdout=False)
    _say(runtime, "test", f"Running {counted(len(cases), 'example')} in the sandbox")
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    visible = {r.key: asdict(r) for r in run.results}
    passed = sum(r.passed for r in run.results)
    _say(runtime, "test", f"{passed} of {len(cases)} examples pass", passed=passed, total=len(cases))
    best = dict(state.get("best") or {})
    code = {}
    for name, (score, total) in scores(Design.model_validate(state["design"]), visible).items():
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
    failing = {name for name, (score, total) in scores(design_, state["visible"]).items() if score < total}
    blamed = [
        name for name in failing
        if name in state.get("code", {})
        and not any((w := design_.writer_of(read)) is not None and w.name in failing for read in design_.component(name).reads)
    ]
    repairable = [name for name in blamed if (state.get("repairs") or {}).get(name, 0) < runtime.context.max_repairs]
    if not repairable:
        return ["finish"]
    return [Send("repair_component", _work(state, name, failing=first_failure(state["requirements"], design_, state["visible"], name, state["code"][name]))) for name in sorted(repairable)]


def finish(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Put the best version of every component in place, then check it once more."""
    code = {name: entry["code"] for name, entry in (state.get("best") or {}).items()
            if (state.get("tested") or {}).get(name) != entry["code"]}
    merged, conflicts = merge_hand_edits(
        Path(state["root"]), Design.model_validate(state["design"]), {r["id"]: r for r in state["requirements"]},
        {**(state.get("code") or {}), **code}, state.get("hand_edits") or {}, functools.partial(_say, runtime))
    if code or merged:
        after = {**state, "code": {**(state.get("code") or {}), **code}, "merged": merged}
        return {"code": code, "merged": merged, "conflicts": conflicts, "visible": _run_visible(after, runtime)}
    return {"conflicts": conflicts}


def holdouts(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    cases = _cases(state, holdout=True)
    _say(runtime, "holdout", f"Checking {counted(len(cases), 'held-out example')}")
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    return {"holdouts": {r.key: asdict(r) for r in run.results}}


def report(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    return {"report": build_report(state)}


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
            generated = repo.store_blob(module_text(design_, component, state["code"][component.name], requirements))
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
    paths = [repo.relative(root / p) for p in GENERATED_PATHS if (root / p).exists()]
    paths += [repo.relative(root / p) for p in removed]
    sha = repo.commit(paths, commit_message(state["report"], served))
    _say(runtime, "commit", f"Committed the build as {sha[:8]}" if sha else "Nothing changed, so nothing was committed")
    return {"commit": sha}


# --- helpers ---------------------------------------------------------------------------


def _cases(state: BuildState, holdout: bool) -> list[Case]:
    return app_cases(state["requirements"], Design.model_validate(state["design"]), holdout)


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


def _say(runtime: Runtime[BuildContext], step: str, message: str, **details: Any) -> None:
    if runtime.stream_writer is not None:
        runtime.stream_writer({"step": step, "message": message, **details})
