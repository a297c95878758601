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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("components", nargs="*")
    args = parser.parse_args()

    built = last_build(args.workspace)
    design, requirements = Design.model_validate(built["design"]), built["requirements"]
    limits = Limits()
    examples = {f"{r['id']}/{e['name']}": e for r in requirements for e in r["examples"]}
    made: dict[str, dict] = {}  # example key -> collection -> what the kept code made
    changed = 0
    with tempfile.TemporaryDirectory(prefix="shall-replay-") as scratch:
        write_files(Path(scratch), render_app(design, "replay"))
        for component in design.flow():
            progress = (built.get("progress") or {}).get(component.name)
            if progress is None or progress.current is None:
                continue
            found, output, kept = list(progress.candidates.values()), component.writes[0], progress.current.text
            if len(found) > 1 and (not args.components or component.name in args.components):
                tried = selection.try_candidates(Path(scratch), requirements, built.get("upstream") or {}, design,
                                                 component, found, limits)
                pick, summary = selection.choose(component, tried)
                visible = component_cases(requirements, design, component, made, holdout=False)
                held = component_cases(requirements, design, component, made, holdout=True)
                trials = run_trials(Path(scratch), tried.code, {k: c["inputs"] for k, c in {**visible, **held}.items()},
                                    limits)
                print(summary["sentence"])
                for module, candidate in tried.modules.items():
                    mark = ("*" if candidate == pick else " ") + ("K" if candidate.text == kept else " ")
                    print(f"  {mark} {candidate.key:18} visible {passed(trials, module, visible, output)}/{len(visible)}"
                          f"  held out {passed(trials, module, held, output)}/{len(held)}")
                changed += pick.text != kept
            remember(made, Path(scratch), design, component, examples, kept, limits)
    print(f"{changed} component(s) where the choice now differs from the code the build kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
