"""The build graph's nodes and routers: each reads the state, delegates, and returns a partial update.

The work itself lives elsewhere: what to ask in agents/writing.py, how to choose in agents/selection.py,
the examples as cases in agents/cases.py, the app's files in agents/appfiles.py, the report in
agents/report.py, and the hand-edit merge in agents/handedits.py.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from langgraph.runtime import Runtime
from langgraph.types import Send, interrupt

from agents import writing
from agents.writing import work_for
from agents.appfiles import record_build, to_write, write_app
from agents.cases import app_cases, first_failure, made_for, scores
from agents.events import BuildEvent, Say, Step, quiet
from agents.handedits import merge_hand_edits
from agents.progress import Progress, answered, current_code, measured, merge_progress
from agents.report import build_report, commit_message, requirement_state
from agents.sandbox import run_cases
from agents.selection import choose, none_pass, revisions, try_candidates
from agents import answers
from agents.questions import Question, ask_about
from agents.state import BuildContext, BuildState, Resample, Revision, WorkOnComponent
from reqs.gitrepo import GitRepo
from reqs.model import Project, Requirement
from reqs.problems import InvalidInput, ShallError
from reqs.words import counted
from reqs.workspace import load_workspace
from specs.checks import design_problems
from specs.design import Design
from specs.designfile import design_text
from specs.infer import infer_design
from specs.lock import load_lock, requirement_changes


class DesignRefused(ShallError):
    exit_code = 1


# --- load, changes, design -----------------------------------------------------------


def load(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    _say(runtime)(BuildEvent(Step.LOAD, "Reading the requirements"))
    workspace = load_workspace(Path(state["root"]))
    if workspace.problems:
        raise InvalidInput(workspace.problems)
    unknown = [r for r in state.get("only") or [] if r not in {q.id for q in workspace.requirements}]
    if unknown:
        raise ShallError(f"--only names {', '.join(unknown)}, which {'is' if len(unknown) == 1 else 'are'} "
                         "not a requirement here")
    return {"project_name": workspace.project.name, "project": workspace.project.model_dump(),
            "requirements": [r.model_dump() for r in workspace.requirements]}


def changes(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Which requirements are new, changed or removed since the last build, by their content hash in shall.lock."""
    found = requirement_changes(load_lock(Path(state["root"])), _requirements(state))
    if found:
        said = ", ".join(f"{rid} {kind}" for rid, kind in sorted(found.items()))
        _say(runtime)(BuildEvent(Step.CHANGES, f"Since the last build: {said}", changes=found))
    changed = state.get("only") or [r for r, kind in found.items() if kind != "removed"]
    return {"lock_changes": found, "changed": list(changed)}


def design(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    _say(runtime)(BuildEvent(Step.DESIGN, "Working out the design"))
    requirements = _requirements(state)
    inferred = infer_design(Project.model_validate(state["project"]), requirements)
    problems = design_problems(inferred, requirements)
    if problems:
        raise ShallError("shall could not make a sound design from these requirements:\n- " + "\n- ".join(problems))
    reasons, hand_edits = to_write(Path(state["root"]), inferred, requirements, state.get("only") or [])
    stale = [c.name for c in inferred.flow() if c.name in reasons]
    _say(runtime)(BuildEvent(Step.DESIGN, f"{len(inferred.components)} components, {len(stale)} to write"
                             + "".join(f"\n  {name}: {reasons[name]}" for name in stale),
                             components=tuple(c.name for c in inferred.flow())))
    return {"design": inferred.model_dump(), "stale": stale, "pending": stale, "stale_reasons": reasons,
            "progress": {name: Progress(hand_edit=text) for name, text in hand_edits.items()}}


def approve(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    if runtime.context.auto_approve:
        return {"approved": True}
    answer = interrupt({"question": "approve_design", "design": design_text(_design(state))})
    if not answer:
        raise DesignRefused("The design was not approved, so nothing was built. Change the requirements, or build "
                            "again to see the design again.")
    return {"approved": True}


# --- generate, choose, ask again -------------------------------------------------------


def plan_wave(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """The next components to write: those whose inputs are all settled."""
    design_ = _design(state)
    pending = list(state.get("pending") or [])
    unsettled = set(pending)
    wave = [name for name in pending
            if not any((w := design_.writer_of(r)) is not None and w.name in unsettled and w.name != name
                       for r in design_.component(name).reads)]
    update = {"wave": wave, "pending": [name for name in pending if name not in wave]}
    stale = set(state.get("stale") or [])
    kept_inputs = {r for name in pending for r in design_.component(name).reads
                   if (w := design_.writer_of(r)) is not None and w.name not in stale}
    if state.get("upstream") is None and kept_inputs:
        # What the components kept from the last build make of each example, which the ones written anew read:
        # a new example has no such record until the app as it stands runs it.
        update["upstream"] = {key: result["actual"] or {} for key, result in _run_visible(state, runtime).items()}
    return update


def after_plan(state: BuildState, runtime: Runtime[BuildContext]) -> list:
    if not state.get("wave"):
        return ["render"]
    reused = answers.reusable(Path(state["root"]), _design(state), state["requirements"])  # read once a wave
    return [Send("generate_component", {**work_for(state, name), "reused": reused.get(name, [])})
            for name in state["wave"]]


def generate_component(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    """The first answers for one component, in every language of the build, asked for together; or, where
    the person answered a question about it, the answers it was about, chosen among again with no model call."""
    if work.get("reused"):
        _say(runtime)(BuildEvent(Step.GENERATE, f"Choosing {work['component']} again among the "
                                 f"{counted(len(work['reused']), 'answer')} your answer was about (no model needed)",
                                 component=work["component"]))
        return {"progress": {work["component"]: Progress(candidates={c.key: c for c in work["reused"]})}}
    found, usage = writing.first_answers(runtime.context.model, work, tuple(runtime.context.languages),
                                         work.get("first", 0), runtime.context.candidates, _say(runtime))
    return {"progress": {work["component"]: answered(found, usage)}}


def select(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Choose each component of the wave among its candidates (agents/selection.py says how).

    When no candidate of a component passes all its examples, the model is
    asked again before choosing, as BuildContext.when_none_pass says: as
    many first answers again ("resample", the default), or each different
    candidate back with the example it fails and what it did ("revise"),
    up to rounds_when_none_pass times. The choice is then made among them all.
    """
    design_, progress, say = _design(state), state.get("progress") or {}, _say(runtime)
    render(state, runtime, quiet=True)  # the app's shared files, which candidates import, are in place
    trials = {name: try_candidates(Path(state["root"]), state["requirements"], state.get("upstream") or {}, design_,
                                   design_.component(name), list(progress[name].candidates.values()), runtime.context.limits)
              for name in state["wave"] if name in progress and progress[name].candidates}
    failing = {name: wrong for name in trials if none_pass(trials[name])
               and (wrong := _fed_wrong(state, design_, design_.component(name)))}
    for name, (collection, writer) in failing.items():
        say(BuildEvent(Step.SELECT, f"{name}: none of its {len(trials[name].modules)} different answers passes its "
                       f"{counted(len(trials[name].cases), 'example')}, but it reads {collection.replace('_', ' ')}, "
                       f"which {writer} gets wrong, so no answer can pass; it is not asked again", component=name))
    stuck = sorted(name for name, tried in trials.items()
                   if progress[name].asked_again < runtime.context.rounds_when_none_pass and none_pass(tried)
                   and name not in failing)
    if stuck:
        resample = runtime.context.when_none_pass == "resample"
        for name in stuck:
            say(BuildEvent(Step.REVISE, f"{name}: none of its {len(trials[name].modules)} different answers passes its "
                           f"{counted(len(trials[name].cases), 'example')}; "
                           + ("asking for as many again" if resample else "each goes back once with what it got wrong"),
                           component=name))
        requests = ([Resample(name, progress[name].asked_again + 1) for name in stuck] if resample
                    else [r for name in stuck for r in revisions(design_, name, trials[name])])
        return {"ask_again": requests, "progress": {name: Progress(asked_again=1) for name in stuck}}
    chosen = {}
    raised = sum(1 for p in progress.values() if p.choice and p.choice.get("question"))  # by the waves before
    for name, tried in trials.items():
        component, question = design_.component(name), None
        pick, summary = choose(component, tried)
        if runtime.context.questions and (serving := _requirement_asked_about(state, component)) is not None:
            if (question := ask_about(Path(state["root"]), serving, design_, component, tried, runtime.context.limits)):
                summary = {**summary, "question": question.as_dict()}
        chosen[name] = Progress(current=pick, choice=summary)
        say(BuildEvent(Step.SELECT, summary["sentence"], component=name))
        if question is not None and raised < runtime.context.questions:  # said as it arises: the TUI asks it now
            raised += 1
            say(BuildEvent(Step.QUESTION, f"A question for you about {serving['title']} ({serving['id']}): the answers "
                           f"that pass its examples give different {question.output.replace('_', ' ')} for other "
                           "records", component=name, question=question.as_dict()))
    visible = _run_visible({**state, "progress": merge_progress(progress, chosen)}, runtime)
    upstream = {**(state.get("upstream") or {}), **{key: result["actual"] or {} for key, result in visible.items()}}
    return {"progress": chosen, "upstream": upstream, "wave": [], "ask_again": []}


def after_select(state: BuildState, runtime: Runtime[BuildContext]) -> list:
    if not state.get("ask_again"):
        return ["plan_wave"]
    count = max(1, runtime.context.candidates)
    more = [Send("generate_component", {**work_for(state, r.component), "first": count * r.round})
            for r in state["ask_again"] if isinstance(r, Resample)]
    groups: dict[tuple[str, str], list[Revision]] = {}  # one task per component and language, so prompts share a start
    for revision in (r for r in state["ask_again"] if isinstance(r, Revision)):
        groups.setdefault((revision.component, revision.candidate.language), []).append(revision)
    return more + [Send("revise_candidate", {**work_for(state, name), "revisions": revisions})
                   for (name, _), revisions in groups.items()]


def revise_candidate(work: WorkOnComponent, runtime: Runtime[BuildContext]) -> dict:
    """One more answer from each failing candidate: the model sees its code, the example it fails, and what it did."""
    found, usage = writing.revised_answers(runtime.context.model, work, work["revisions"], _say(runtime))
    return {"progress": {work["component"]: answered(found, usage)}}


# --- render, test, repair --------------------------------------------------------------


def render(state: BuildState, runtime: Runtime[BuildContext], quiet: bool = False) -> dict:
    write_state_app(state)
    if not quiet:
        _say(runtime)(BuildEvent(Step.RENDER, app_news(Path(state["root"]))))
    return {}


def app_news(root: Path) -> str:
    """What this build has done to the app so far, against the last commit: the components are written as they
    are chosen, so by the time the app is rendered most of it is written already."""
    repo = GitRepo.open_enclosing(root)
    changed = repo.changed([repo.relative(root / folder) for folder in ("app", "specs", "tests") if (root / folder).exists()])
    if not changed:
        return "The app is as the last build left it"
    if all(kind == "added" for kind in changed.values()) and not repo.is_tracked(repo.relative(root / "app" / "__init__.py")):
        return f"Wrote the app: {counted(len(changed), 'file')}"
    return f"Updated {counted(len(changed), 'file')} of the app"


def test(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    cases = _cases(state, holdout=False)
    say = _say(runtime)
    say(BuildEvent(Step.TEST, f"Running {counted(len(cases), 'example')} in the sandbox"))
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    visible = {r.key: asdict(r) for r in run.results}
    passed = sum(r.passed for r in run.results)
    say(BuildEvent(Step.TEST, f"{passed} of {len(cases)} examples pass", passed=passed, total=len(cases)))
    update = measured(state.get("progress") or {}, scores(_design(state), visible))
    return {"visible": visible, "progress": update, "isolation": run.isolation}


def after_test(state: BuildState, runtime: Runtime[BuildContext]) -> str:
    return "repair" if _repairable(state, runtime) else "finish"


def repair(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Each failing component whose inputs are right, sent back with the first example it gets wrong; the
    components are repaired together (agents.writing.repaired_together), so the embedded model writes their
    answers in one batch."""
    design_ = _design(state)
    works = [{**work_for(state, name), "failing": first_failure(state["requirements"], design_, state["visible"], name)}
             for name in _repairable(state, runtime)]
    found = writing.repaired_together(runtime.context.model, works, _say(runtime))
    return {"progress": {work["component"]: Progress(current=candidate, attempts=1, repairs=1, usage=usage)
                         for work, (candidate, usage) in zip(works, found)}}


def finish(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Put the best version of every component in place, carry a person's edits into it, then check it once more."""
    design_, progress = _design(state), state.get("progress") or {}
    back = {name: Progress(current=p.best.candidate) for name, p in progress.items()
            if p.best is not None and p.tested != p.best.candidate.text}
    now = merge_progress(progress, back)
    merged, conflicts = merge_hand_edits(
        Path(state["root"]), design_, _by_id(state), current_code(now),
        {c.path: p.hand_edit for c in design_.components if (p := now.get(c.name)) and p.hand_edit is not None},
        _say(runtime))
    if not back and not merged:
        return {"conflicts": conflicts}
    by_path = {c.path: c.name for c in design_.components}
    update = merge_progress(back, {by_path[path]: Progress(merged=text) for path, text in merged.items()})
    after = {**state, "progress": merge_progress(progress, update)}
    return {"progress": update, "conflicts": conflicts, "visible": _run_visible(after, runtime)}


def holdouts(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    # The app as finish left it: a build carried on after a stop here writes it from a state before finish's update.
    render(state, runtime, quiet=True)
    cases = _cases(state, holdout=True)
    _say(runtime)(BuildEvent(Step.HOLDOUT, f"Checking {counted(len(cases), 'held-out example')}"))
    run = run_cases(Path(state["root"]), cases, runtime.context.limits)
    return {"holdouts": {r.key: asdict(r) for r in run.results}}


def report(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """The build's report, with the questions for the person: this build's, and those earlier builds left about
    components it did not write again (kept in .shall/questions.json)."""
    found = [Question.from_dict(p.choice["question"]) for p in (state.get("progress") or {}).values()
             if p.choice and p.choice.get("question")]
    rewritten = set(state.get("stale") or [])
    waiting = answers.keep_open(Path(state["root"]), found, rewritten)
    answers.forget_answered(Path(state["root"]), rewritten)
    asked = waiting[:runtime.context.questions]
    built = build_report(state)
    for row in built["requirements"]:  # a requirement whose answers split is not known to work, whatever it passes
        row["questions_open"] = sum(q.requirement == row["id"] for q in waiting)
        row["state"] = requirement_state(row)
    return {"report": {**built, "questions": [q.as_dict() for q in asked], "questions_waiting": len(waiting) - len(asked)}}


def commit(state: BuildState, runtime: Runtime[BuildContext]) -> dict:
    """Record what was built in shall.lock, remove what no requirement needs any more, and commit it all."""
    design_, progress, stale = _design(state), state.get("progress") or {}, set(state.get("stale") or [])
    written = {name: p.current.text for name, p in progress.items() if name in stale and p.current is not None}
    served = sorted({rid for c in design_.components if c.name in stale for rid in c.requirements}
                    | {rid for rid, kind in (state.get("lock_changes") or {}).items() if kind == "removed"})
    sha = record_build(Path(state["root"]), design_, state["project_name"], _by_id(state),
                       state["report"]["requirements"], written, runtime.context.model.name, served,
                       commit_message(state["report"], served), state.get("project") or {})
    _say(runtime)(BuildEvent(Step.COMMIT, f"Committed the build as {sha[:8]}" if sha
                             else "Nothing changed, so nothing was committed"))
    return {"commit": sha}


# --- helpers ---------------------------------------------------------------------------


def write_state_app(state: BuildState) -> list[str]:
    """Write the app as the build's state has it: every component's current code, a person's edits merged
    where the build merged them. Returns the paths of the files whose text changed."""
    design_, progress = _design(state), state.get("progress") or {}
    merged = {c.path: p.merged for c in design_.components if (p := progress.get(c.name)) is not None and p.merged is not None}
    return write_app(Path(state["root"]), design_, state["project_name"], _by_id(state), current_code(progress), merged,
                     state.get("project") or {})


def _run_visible(state: BuildState, runtime: Runtime[BuildContext]) -> dict[str, dict]:
    render(state, runtime, quiet=True)
    run = run_cases(Path(state["root"]), _cases(state, holdout=False), runtime.context.limits)
    return {r.key: asdict(r) for r in run.results}


def _fed_wrong(state: BuildState, design_: Design, component) -> tuple[str, str] | None:
    """A collection the component is judged on as an upstream component made it, where that component's chosen
    answer fails its own examples: (collection, its writer). None of the component's answers can then pass,
    however right, so asking the model again would spend it for nothing, as a repair would (_repairable)."""
    progress = state.get("progress") or {}
    for name in sorted(made_for(state["requirements"], design_, component)):
        writer = design_.writer_of(name)
        chosen = progress.get(writer.name) if writer is not None else None
        choice = (chosen.choice if chosen is not None else None) or {}
        if choice.get("examples") and choice.get("passing") == 0:
            return name, writer.name
    return None


def _requirement_asked_about(state: BuildState, component) -> dict | None:
    """The requirement a question about a component would add an example to: the first it serves whose
    visible examples expect its output."""
    output = component.writes[0]
    return next((r for r in state["requirements"] if r["id"] in component.requirements
                 and any(output in e["then"] and not e["holdout"] for e in r["examples"])), None)


def _repairable(state: BuildState, runtime: Runtime[BuildContext]) -> list[str]:
    """The failing components whose inputs are right, with repairs left: a downstream failure may be an
    upstream mistake, so a component reading a failing one waits for it."""
    design_, progress = _design(state), state.get("progress") or {}
    failing = {name for name, (score, total) in scores(design_, state["visible"]).items() if score < total}
    blamed = [name for name in failing if name in progress and progress[name].current is not None
              and not any((w := design_.writer_of(read)) is not None and w.name in failing
                          for read in design_.component(name).reads)]
    return sorted(name for name in blamed if progress[name].repairs < runtime.context.max_repairs)


def _cases(state: BuildState, holdout: bool) -> list:
    return app_cases(state["requirements"], _design(state), holdout)


def _design(state: BuildState) -> Design:
    return Design.model_validate(state["design"])


def _by_id(state: BuildState) -> dict[str, dict]:
    return {r["id"]: r for r in state["requirements"]}


def _requirements(state: BuildState) -> list[Requirement]:
    return [Requirement.model_validate(r) for r in state["requirements"]]


def _say(runtime: Runtime[BuildContext]) -> Say:
    return runtime.stream_writer or quiet
