"""The requirements' examples as cases: for the whole app, for one component, and how each component fares."""

from __future__ import annotations

from agents.sandbox import Case
from agents.state import Failing
from specs.design import ComponentDesign, Design


def case_key(requirement_id: str, example_name: str) -> str:
    return f"{requirement_id}/{example_name}"


def component_cases(requirements: list[dict], upstream: dict[str, dict], design: Design,
                    component: ComponentDesign) -> dict[str, dict]:
    """The component's own view of each visible example that names its output.

    A collection it reads comes from the example where the example gives it
    (or expects it in full), else from what the upstream component made
    (`upstream`: case key -> every output the app made for it).
    """
    output = component.writes[0]
    cases = {}
    for requirement in requirements:
        for example in requirement["examples"]:
            if example["holdout"] or output not in example["then"]:
                continue
            key = case_key(requirement["id"], example["name"])
            inputs = {}
            for name in component.reads:
                shown = shown_in(example, name, design)
                inputs[name] = shown if shown is not None else (upstream.get(key) or {}).get(name) or []
            cases[key] = {"example": example["name"], "inputs": inputs, "expected": example["then"][output],
                          "ordered": example["ordered"]}
    return cases


def shown_in(example: dict, name: str, design: Design) -> list[dict] | None:
    """The records of a collection an example shows in full: given, or expected with every declared field."""
    if name in example["given"]:
        return example["given"][name]
    expected, declared = example["then"].get(name), set(design.collections[name].fields)
    return expected if expected is not None and all(set(r) >= declared for r in expected) else None


def made_for(requirements: list[dict], design: Design, component: ComponentDesign) -> set[str]:
    """The collections a component reads that some visible example of its own does not show, so that the
    records it is judged on there are what the upstream component made."""
    output = component.writes[0]
    return {name for r in requirements for e in r["examples"] if not e["holdout"] and output in e["then"]
            for name in component.reads if shown_in(e, name, design) is None}


def app_cases(requirements: list[dict], design: Design, holdout: bool) -> list[Case]:
    """Every visible (or every held-out) example, as a case for the whole app."""
    return [Case(case_key(r["id"], e["name"]), e["given"], e["then"], e["ordered"], keep=feeding(design, e["then"]))
            for r in requirements for e in r["examples"] if e["holdout"] == holdout]


def feeding(design: Design, expected: dict) -> tuple[str, ...]:
    """The collections an example expects, and every derived collection they are made from: the outputs worth
    bringing back from the sandbox (all of them would grow with the square of the workspace's size)."""
    wanted, queue = set(), list(expected)
    while queue:
        name = queue.pop()
        if name in wanted:
            continue
        wanted.add(name)
        if (writer := design.writer_of(name)) is not None:
            queue.extend(writer.reads)
    return tuple(sorted(name for name in wanted if not design.collections.get(name, None) or
                        not design.collections[name].source))


def scores(design: Design, visible: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """component -> (visible examples of its output that pass, examples of its output)."""
    found = {}
    for component in design.components:
        mine = [v for v in visible.values() if set(component.writes) & set(v.get("by_collection", {}))]
        passed = sum(all(not v["by_collection"].get(w) for w in component.writes if w in v["by_collection"]) for v in mine)
        found[component.name] = (passed, len(mine))
    return found


def first_failure(requirements: list[dict], design: Design, visible: dict[str, dict], name: str) -> Failing:
    """The first visible example the component gets wrong, with what went wrong."""
    writes = set(design.component(name).writes)
    for requirement in requirements:
        for example in requirement["examples"]:
            result = visible.get(case_key(requirement["id"], example["name"]))
            if result and not example["holdout"] and any(result["by_collection"].get(w) for w in writes):
                return Failing(example["name"], example["given"], example["then"], result)
    raise AssertionError(f"{name} has no failing example")
