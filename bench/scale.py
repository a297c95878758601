"""How shall scales with the number of requirements, on the scripted fake model (no model download needed).

    .venv/bin/python bench/scale.py [--sizes 10 100 1000] [--repeat 5]

For each size it makes a synthetic workspace (each requirement: list the
sales above some amount, with one visible and one held-out example), builds
it once, then reports:
- `shall check` and `shall status` wall time, as a person runs them (a new
  process each time; the median of --repeat runs, after one warm-up run);
- the model calls and tokens of a rebuild after one requirement changes,
  which should not grow with the workspace.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.build import run_build  # noqa: E402
from agents.models.fake import ScriptedModel  # noqa: E402
from reqs.initialize import init_workspace  # noqa: E402

PROJECT = """name: Scale
description: A synthetic workspace for measuring shall.
collections:
  sales:
    fields:
      item: {type: text}
      amount: {type: number}
"""

REQUIREMENT = """id: REQ-{n:04d}
title: Sales above {n}
statement: The system shall list the sales whose amount is above {limit}.
examples:
  - name: one above, one not
    given:
      sales:
        - {{item: a, amount: {above}}}
        - {{item: b, amount: {limit}}}
    then:
      above_{n}:
        - {{item: a, amount: {above}}}
  - name: no sales
    holdout: true
    given: {{sales: []}}
    then: {{above_{n}: []}}
"""


def make_workspace(root: Path, size: int) -> None:
    init_workspace(root, "Scale")
    (root / "reqs/project.yaml").write_text(PROJECT)
    for n in range(1, size + 1):
        write_requirement(root, n, limit=n)


def write_requirement(root: Path, n: int, limit: int) -> None:
    (root / f"reqs/REQ-{n:04d}.yaml").write_text(REQUIREMENT.format(n=n, limit=limit, above=limit + 1))


def answer(messages: list[dict]) -> str:
    """What a perfect model would write: the limit comes from the statement in the prompt."""
    limit = re.search(r"amount is above (\d+)", messages[1]["content"]).group(1)
    return f"```python\ndef run(sales):\n    return [s for s in sales if s['amount'] > {limit}]\n```"


def build(root: Path, calls: int) -> tuple[dict, ScriptedModel, float]:
    model = ScriptedModel(*[answer] * calls)
    started = time.monotonic()
    report = run_build(root, model, candidates=1, languages=("python",), auto_approve=True)
    return report, model, time.monotonic() - started


def command_seconds(root: Path, command: str, repeat: int) -> float:
    shall = [sys.executable, "-m", "tui.cli"] if not Path(sys.executable).with_name("shall").exists() else [
        str(Path(sys.executable).with_name("shall"))]
    times = []
    for run in range(repeat + 1):
        started = time.perf_counter()
        subprocess.run([*shall, "-C", str(root), command], capture_output=True, check=False)
        if run:  # the first run warms the parse cache and the OS file cache
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'requirements':>12} {'first build s':>14} {'check s':>8} {'status s':>9} "
          f"{'rebuild calls':>14} {'rebuild tokens':>15} {'rebuild s':>10} {'regenerated'}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="shall-scale-") as scratch:
            root = Path(scratch) / f"scale-{size}"
            make_workspace(root, size)
            report, _, first = build(root, calls=size)
            assert all(r["examples_passed"] == r["examples"] for r in report["requirements"]), "the fake's answers fail"
            check = command_seconds(root, "check", args.repeat)
            status = command_seconds(root, "status", args.repeat)
            write_requirement(root, size // 2 or 1, limit=(size // 2 or 1) + 7)
            report, model, again = build(root, calls=size)
            tokens = report["tokens"]
            print(f"{size:>12} {first:>14.1f} {check:>8.2f} {status:>9.2f} {len(model.history):>14} {tokens:>15} "
                  f"{again:>10.1f} {', '.join(report['components_regenerated'])}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
