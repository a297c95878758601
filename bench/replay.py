"""Choose again among the candidates a kept build wrote, without the model, to compare ways of choosing.

    .venv/bin/python bench/replay.py KEPT_WORKSPACE [COMPONENT ...]

KEPT_WORKSPACE is a workspace built by `bench/build.py --keep DIR` (or by
`shall build`): its .shall/build.sqlite holds every candidate of the last
build. For each component with more than one candidate, this runs the
build's own choice (agents.nodes) on them as the code stands now, and shows
every candidate's visible and held-out score. `*` marks the one chosen now,
`K` the code the build kept (after any repairs, it may be none of them).
Collections a component reads come from what the kept code upstream made,
as in the build. Holdouts only score here; they reach no prompt.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from component import component_cases, passed, remember  # noqa: E402
from agents import selection  # noqa: E402
from agents.build import CHECKPOINTS, CURRENT, STATE_DIR, checkpoints  # noqa: E402
from agents.graph import build_graph  # noqa: E402
from agents.sandbox import Limits, run_trials  # noqa: E402
from specs.design import Design  # noqa: E402
from specs.render import render_app, write_files  # noqa: E402


def last_build(root: Path) -> dict:
    """The state the last build of `root` ended in."""
    state_dir = root / STATE_DIR
    if not (state_dir / CHECKPOINTS).exists():
        raise SystemExit(f"{root}: no {STATE_DIR}/{CHECKPOINTS}; build it with bench/build.py --keep DIR first")
    saver = checkpoints(sqlite3.connect(state_dir / CHECKPOINTS, check_same_thread=False))
    if (state_dir / CURRENT).exists():  # a build that has not finished
        thread = json.loads((state_dir / CURRENT).read_text())["thread"]
    else:  # the newest checkpoint comes first
        thread = next(iter(saver.list(None)))[0]["configurable"]["thread_id"]
    return build_graph().compile(checkpointer=saver).get_state({"configurable": {"thread_id": thread}}).values


@dataclass
class Kept:
    """One component of a kept build, met in the design's flow, with what a reading of it needs."""

    built: dict         # the last build's state
    design: Design
    requirements: list[dict]
    app: Path           # an app rendered from the design, to run answers in
    component: object   # specs.design.Component
    found: list         # its different answers (agents.progress.Candidate)
    kept: str           # the code the build kept
    made: dict          # example key -> collection -> what the kept code upstream made
    limits: Limits


def kept_components(root: Path, prefix: str) -> Iterator[Kept]:
    """Each component the last build of `root` kept code for, in the design's flow. After each is read, what its
    kept code makes of every example is remembered, so the next ones read what the build's did."""
    built = last_build(root)
    design, requirements = Design.model_validate(built["design"]), built["requirements"]
    examples = {f"{r['id']}/{e['name']}": e for r in requirements for e in r["examples"]}
    made: dict[str, dict] = {}
    limits = Limits()
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch:
        app = Path(scratch)
        write_files(app, render_app(design, prefix.strip("-")))
        for component in design.flow():
            progress = (built.get("progress") or {}).get(component.name)
            if progress is None or progress.current is None:
                continue
            yield Kept(built, design, requirements, app, component, list(progress.candidates.values()),
                       progress.current.text, made, limits)
            remember(made, app, design, component, examples, progress.current.text, limits)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("components", nargs="*")
    args = parser.parse_args()

    changed = 0
    for k in kept_components(args.workspace, "shall-replay-"):
        component, output = k.component, k.component.writes[0]
        if len(k.found) < 2 or (args.components and component.name not in args.components):
            continue
        tried = selection.try_candidates(k.app, k.requirements, k.built.get("upstream") or {}, k.design, component,
                                         k.found, k.limits)
        pick, summary = selection.choose(component, tried)
        visible = component_cases(k.requirements, k.design, component, k.made, holdout=False)
        held = component_cases(k.requirements, k.design, component, k.made, holdout=True)
        trials = run_trials(k.app, tried.code, {key: c["inputs"] for key, c in {**visible, **held}.items()}, k.limits)
        print(summary["sentence"])
        for module, candidate in tried.modules.items():
            mark = ("*" if candidate == pick else " ") + ("K" if candidate.text == k.kept else " ")
            print(f"  {mark} {candidate.key:18} visible {passed(trials, module, visible, output)}/{len(visible)}"
                  f"  held out {passed(trials, module, held, output)}/{len(held)}")
        changed += pick.text != k.kept
    print(f"{changed} component(s) where the choice now differs from the code the build kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
