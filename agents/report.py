"""What a build tells the person: the report per requirement, advice where the answers agree on something
an example does not expect, and the build's commit message."""

from __future__ import annotations

from agents.cases import case_key
from agents.state import BuildState
from reqs.gitrepo import trailers
from reqs.model import Requirement
from specs.design import Design


def requirement_state(row: dict) -> str:
    """What is known of a requirement after a build: failing, or passing, unless a question about it is open,
    for then its answers split on records the examples do not cover and nobody knows yet which is right."""
    if row["examples_passed"] < row["examples"]:
        return "failing"
    return "needs your answer" if row.get("questions_open") else "passing"


def build_report(state: BuildState) -> dict:
    """Per requirement: examples and held-out examples passed, attempts, tokens, seconds, what fails and why;
    then the build as a whole."""
    design_ = Design.model_validate(state["design"])
    progress = state.get("progress") or {}
    choices = {name: p.choice for name, p in progress.items() if p.choice is not None}
    visible, held = state["visible"], state.get("holdouts") or {}
    rows = []
    for requirement in (Requirement.model_validate(r) for r in state["requirements"]):
        mine = [progress[c.name] for c in design_.components if requirement.id in c.requirements and c.name in progress]
        choices_here = [p.choice for p in mine if p.choice is not None]
        shown = {e.name: visible[key] for e in requirement.visible_examples if (key := case_key(requirement.id, e.name)) in visible}
        kept = [held[key] for e in requirement.examples if e.holdout and (key := case_key(requirement.id, e.name)) in held]
        failing = {name: result["problems"] for name, result in shown.items() if not result["passed"]}
        rows.append({
            "id": requirement.id, "title": requirement.title,
            "examples_passed": sum(v["passed"] for v in shown.values()), "examples": len(shown),
            "holdouts_passed": sum(v["passed"] for v in kept), "holdouts": len(kept),
            "attempts": max((p.attempts for p in mine), default=0),
            "tokens": sum(p.usage.tokens for p in mine),
            "seconds": round(sum(p.usage.seconds for p in mine), 1),
            "failing": failing,
            "advice": {example: advice(alike) for example in failing
                       if (alike := alike_for(choices_here, case_key(requirement.id, example)))},
            "compared": {  # expected against actual, for the failing examples
                example.name: {"expected": example.then,
                               "actual": {name: (shown[example.name].get("actual") or {}).get(name) for name in example.then}}
                for example in requirement.visible_examples if example.name in failing
            },
        })
    usage = [p.usage for p in progress.values()]
    return {
        "requirements": rows,
        "components_regenerated": list(state.get("stale") or []),
        "tokens": sum(u.tokens for u in usage),
        "model_seconds": round(sum(u.seconds for u in usage), 1),
        "isolation": state.get("isolation", ""),
        "why_regenerated": dict(state.get("stale_reasons") or {}),
        "conflicts": list(state.get("conflicts") or []),
        "agreement": choices,
    }


def alike_for(choices: list[dict], key: str) -> dict | None:
    """Where the different answers (for the components of one requirement) agree on something the example with
    this case key does not expect."""
    return next((found for choice in choices if (found := choice.get("alike_and_wrong", {}).get(key))), None)


def advice(alike: dict) -> str:
    gave = alike.get("gave") or []
    shown = "; ".join(", ".join(f"{k}: {v}" for k, v in record.items()) for record in gave[:3])
    shown = (shown + ("; …" if len(gave) > 3 else "")) if gave else "no records"
    return (f"{alike['answers']} of the {alike['of']} different answers shall tried that gave a result here agree "
            f"on another one ({shown}). The statement may say something other than this example: "
            "read them side by side and correct whichever is wrong.")


def commit_message(report: dict, served: list[str]) -> str:
    rows = report["requirements"]
    subject = f"Build {', '.join(served[:4])}{' and more' if len(served) > 4 else ''}" if served else "Record the results of the app as it stands"
    passed = sum(r["examples_passed"] for r in rows)
    total = sum(r["examples"] for r in rows)
    held = sum(r["holdouts_passed"] for r in rows)
    held_total = sum(r["holdouts"] for r in rows)
    lines = [subject, "", f"Examples: {passed} of {total} pass; held out: {held} of {held_total}.",
             f"Regenerated: {', '.join(report['components_regenerated']) or 'nothing'}."]
    lines += [f"Conflict, left as you wrote it: {path}" for path in report.get("conflicts", [])]
    return "\n".join(lines) + "\n" + trailers(served)
