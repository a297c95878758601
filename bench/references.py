"""Hand-written reference components, run on raw data: what the right app makes of it.

A workspace's reference (bench/workspaces/*/reference.py, or bench/references/<name>.py for the example
workspaces, which a newcomer copies and should not find answers in) has one function per output collection,
named after the component (make_<collection>), whose parameters are the collections it reads. `made_from` runs them all, each
once what it reads is there, so a simulated person can answer a question about raw records and the tests can
check every example.
"""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path


HERE = Path(__file__).resolve().parent


def reference_file(root: Path) -> Path | None:
    """A workspace's hand-written reference components, if it has any."""
    for path in (root / "reference.py", HERE / "references" / f"{root.name}.py"):
        if path.exists():
            return path
    return None


def references(root: Path) -> dict:
    """output collection -> the reference function that makes it."""
    spec = importlib.util.spec_from_file_location(f"reference_{root.name.replace('-', '_')}", reference_file(root))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {name.removeprefix("make_"): function for name, function in vars(module).items() if name.startswith("make_")}


def made_from(given: dict, functions: dict) -> dict:
    """Every output made from the given collections, each once the collections it reads are there."""
    made, waiting = dict(given), dict(functions)
    while waiting:
        ready = [out for out, f in waiting.items()
                 if all(p in made or p not in functions for p in inspect.signature(f).parameters)]
        if not ready:
            raise ValueError(f"the reference components read each other in a circle: {sorted(waiting)}")
        for out in ready:
            f = waiting.pop(out)
            made[out] = f(**{p: made.get(p, []) for p in inspect.signature(f).parameters})
    return made
