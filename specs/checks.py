"""Checks on a design, worded so that a person, or the model that proposed it, can repair it."""

from __future__ import annotations

from reqs.model import Requirement
from specs.design import ComponentDesign, Design


def design_problems(design: Design, requirements: list[Requirement]) -> list[str]:
    problems = []
    known = set(design.collections)
    written: dict[str, str] = {}
    for component in design.components:
        if component.path != ComponentDesign.path_for(component.name):
            problems.append(f"component '{component.name}' should live at {ComponentDesign.path_for(component.name)}, not {component.path}")
        for name in component.reads:
            if name not in known:
                problems.append(f"component '{component.name}' reads '{name}', which is not a collection; "
                                f"the collections are {', '.join(sorted(known))}")
        for name in component.writes:
            if name not in known:
                problems.append(f"component '{component.name}' writes '{name}', which is not a collection; add it to the collections")
            elif design.collections[name].source:
                problems.append(f"component '{component.name}' writes '{name}', but '{name}' is source data the person gives; "
                                "components may only write derived collections")
            elif name in written:
                problems.append(f"'{name}' is written by both '{written[name]}' and '{component.name}'; "
                                "each collection must be written by exactly one component")
            else:
                written[name] = component.name
        for name in sorted(set(component.reads) & set(component.writes)):
            problems.append(f"component '{component.name}' reads '{name}', which it also writes; a component reads its inputs "
                            "and writes new collections")
    for name in design.derived:
        if name not in written:
            problems.append(f"no component writes '{name}'; add one, or make '{name}' part of another component's writes")
    if (cycle := design.has_cycle()) is not None:
        problems.append(f"components read each other in a circle: {' -> '.join(cycle)}; break the circle")
    covered = {r for component in design.components for r in component.requirements}
    for requirement in requirements:
        if requirement.id not in covered:
            problems.append(f"{requirement.id} ({requirement.title}) is served by no component; list it under a component's requirements")
    ids = {r.id for r in requirements}
    for component in design.components:
        for requirement_id in component.requirements:
            if requirement_id not in ids:
                problems.append(f"component '{component.name}' serves {requirement_id}, which is not a requirement")
    names = [c.name for c in design.components]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"two components are named '{name}'; give each its own name")
    return problems
