"""What a build tells the person: the report per requirement, advice where the answers agree on something
an example does not expect, and the build's commit message."""

from __future__ import annotations

from agents.state import BuildState
from reqs.gitrepo import trailers
from reqs.model import Requirement
from specs.design import Design

def build_report(state: BuildState) -> dict:
    """Per requirement: examples and held-out examples passed, attempts, tokens, seconds, what fails and why;
    then the build as a whole."""
    design_ = Design.model_validate(state["design"])
    usage = state.get("usage") or {}
    rows = []
    for requirement in (Requirement.model_validate(r) for r in state["requirements"]):
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
            "advice": {example: advice(alike) for example in failing
                       if (alike := alike_for(state, components, f"{requirement.id}/{example}"))},
            "compared": {  # expected against actual, for the failing examples
                example.name: {"expected": example.then,
                               "actual": {name: (state["visible"][key].get("actual") or {}).get(name) for name in example.then}}
                for example in requirement.visible_examples
                if not (state["visible"].get(key := f"{requirement.id}/{example.name}") or {"passed": True})["passed"]
            },
        })
    return {
        "requirements": rows,
        "components_regenerated": list(state.get("stale") or []),
        "tokens": sum(u["prompt"] + u["completion"] for u in usage.values()),
        "model_seconds": round(sum(u["seconds"] for u in usage.values()), 1),
        "isolation": state.get("isolation", ""),
        "why_regenerated": dict(state.get("stale_reasons") or {}),
        "conflicts": list(state.get("conflicts") or []),
        "agreement": dict(state.get("agreement") or {}),
    }


def alike_for(state: BuildState, components: list[str], key: str) -> dict | None:
    agreements = state.get("agreement") or {}
    return next((found for c in components if (found := (agreements.get(c) or {}).get("alike_and_wrong", {}).get(key))),
                None)


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
