"""Build every example workspace and score the result, against a one-shot floor.

    .venv/bin/python bench/build.py [--model local/qwen2.5-coder-1.5b] [--workspaces water-tanks ...]
                                    [--floor | --floor-only] [--max-repairs N] [--candidates 3] [--languages python sql]
                                    [--when-none-pass revise|resample] [--rounds N]
                                    [--keep DIR] [--json-out results.json [--resume]]

--workspaces takes names from examples/ (all of them by default) or from
bench/workspaces/, the projects written to measure on and never tuned on, or
paths to workspaces (../shared/bench/pgexercises/*, the figure no one here
wrote). A workspace is solved when every one of its holdouts passes.
With --resume, the workspaces already in --json-out are kept, not built again:
a long run (PGExercises takes hours) goes on where it stopped, at the same commit.

For each workspace: visible and holdout pass rates, tokens and wall time,
then the totals. With --floor, also the floor: the same model given every
requirement file in one prompt (holdout examples removed), one answer, no
design step and no repair.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.build import run_build  # noqa: E402
from agents.codefix import fix_code  # noqa: E402
from agents.events import Step  # noqa: E402
from agents.models.seam import CallOptions  # noqa: E402
from agents.models.select import open_model  # noqa: E402
from agents.sandbox import Case, run_cases  # noqa: E402
from agents.state import repairs_by_default  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
BENCH_WORKSPACES = Path(__file__).resolve().parent / "workspaces"  # written for measuring, never tuned on


def workspace_path(name: str) -> Path:
    """A workspace by name (from examples/ or bench/workspaces/) or by path (../shared/bench/pgexercises/basic-where)."""
    for place in (EXAMPLES, BENCH_WORKSPACES):
        if (place / name / "reqs").is_dir():
            return place / name
    if (Path(name) / "reqs").is_dir():
        return Path(name).resolve()
    raise SystemExit(f"no workspace named {name} in examples/ or bench/workspaces/, and no folder {name} with reqs/ in it")

FLOOR_PROMPT = """Write a Python module for the program these requirements describe.
It must define `run(inputs)`: inputs is a dict from collection name to a list of records (dicts);
return a dict from each output collection named in the examples' `then` to its list of records.
Dates and datetimes are ISO-8601 strings. Use only the standard library.
Answer with the code only, in one ```python block.

{requirements}"""

FLOOR_SHIM = '''

class _Result:
    def __init__(self, outputs, failures):
        self.outputs, self.failures = outputs, failures


def run_detailed(inputs):
    return _Result(run(inputs), {})
'''


def build(workspace: Path, model, max_repairs: int, candidates: int, languages: list[str], keep: Path | None,
          when_none_pass: str = "resample", rounds: int = 1) -> dict:
    with tempfile.TemporaryDirectory(prefix="shall-bench-") as scratch:
        root = (keep or Path(scratch)) / workspace.name
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(workspace, root)
        started = time.monotonic()
        report = run_build(root, model, auto_approve=True, max_repairs=max_repairs, candidates=candidates,
                           languages=tuple(languages), when_none_pass=when_none_pass,
                           rounds_when_none_pass=rounds,
                           on_event=lambda e: e.step == Step.TOKENS or print(f"    {e.message}", file=sys.stderr))
        seconds = time.monotonic() - started
    rows = report["requirements"]
    return {
        "visible": (sum(r["examples_passed"] for r in rows), sum(r["examples"] for r in rows)),
        "holdout": (sum(r["holdouts_passed"] for r in rows), sum(r["holdouts"] for r in rows)),
        "tokens": report["tokens"], "seconds": round(seconds, 1),
        "failing_holdouts": [r["id"] for r in rows if r["holdouts_passed"] < r["holdouts"]],
    }


def _holdouts(workspace: Path) -> tuple[int, int]:
    """How many visible and held-out examples a workspace has."""
    examples = [e for r in load_workspace(workspace).requirements for e in r.examples]
    return sum(not e.holdout for e in examples), sum(e.holdout for e in examples)


def floor(workspace: Path, model) -> dict:
    loaded = load_workspace(workspace)
    texts = []
    for file in loaded.files:
        data = file.requirement.model_dump()
        data["examples"] = [e for e in data["examples"] if not e["holdout"]]
        texts.append(json.dumps(data, indent=1))
    project = (workspace / "reqs/project.yaml").read_text()
    started = time.monotonic()
    completion = model.complete([{"role": "user", "content": FLOOR_PROMPT.format(requirements=project + "\n" + "\n".join(texts))}],
                                options=CallOptions(max_tokens=1500))
    code = fix_code(completion.text).code + FLOOR_SHIM
    with tempfile.TemporaryDirectory(prefix="shall-floor-") as scratch:
        app = Path(scratch) / "app"
        app.mkdir()
        (app / "__init__.py").write_text(code)
        shutil.copy(Path(__file__).resolve().parent.parent / "specs/matching.py", app / "matching.py")
        scores = {}
        for holdout in (False, True):
            cases = [Case(f"{r.id}/{e.name}", e.given, e.then, e.ordered) for r in loaded.requirements for e in r.examples if e.holdout == holdout]
            results = run_cases(Path(scratch), cases).results
            scores["holdout" if holdout else "visible"] = (sum(r.passed for r in results), len(results))
    return {**scores, "tokens": completion.usage.total, "seconds": round(time.monotonic() - started, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    parser.add_argument("--workspaces", nargs="+", default=sorted(p.name for p in EXAMPLES.iterdir() if (p / "reqs").is_dir()),
                        help="names in examples/ (the default: all of them) or bench/workspaces/")
    parser.add_argument("--floor", action="store_true", help="also measure the one-shot floor")
    parser.add_argument("--floor-only", action="store_true", help="measure the one-shot floor alone, no shall build")
    parser.add_argument("--max-repairs", type=int, help="the model's default unless given (agents.state.repairs_by_default)")
    parser.add_argument("--candidates", type=int, default=3, help="first answers per component and language")
    parser.add_argument("--languages", nargs="+", default=["python", "sql"], choices=["python", "sql"])
    parser.add_argument("--when-none-pass", choices=["revise", "resample"], default="resample",
                        help="when no candidate passes: send each back with its failure, or ask for as many again")
    parser.add_argument("--rounds", type=int, default=1, help="how many times to do so for one component")
    parser.add_argument("--keep", type=Path, help="build in this folder and keep the workspaces, to read what was made")
    parser.add_argument("--json-out", type=Path)
    parser.add_argument("--resume", action="store_true", help="keep the rows already in --json-out and build only the rest")
    args = parser.parse_args()
    if args.resume and not args.json_out:
        parser.error("--resume needs --json-out, the file of the run to go on with")
    model = open_model(args.model)
    if args.max_repairs is None:
        args.max_repairs = repairs_by_default(model.name)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"bench/build.py at {commit}, model {args.model}, max repairs {args.max_repairs}, "
          f"candidates {args.candidates} per language in {' and '.join(args.languages)}, "
          f"when none passes: {args.when_none_pass} (up to {args.rounds} time{'s' * (args.rounds != 1)})")
    print(f"{'workspace':<20} {'way':<6} {'visible':>9} {'holdout':>9} {'tokens':>7} {'seconds':>8}  holdouts failing in")
    results = json.loads(args.json_out.read_text()) if args.resume and args.json_out.exists() else {}
    for name in args.workspaces:
        ways = {} if args.floor_only else {"shall": lambda: build(workspace_path(name), model, args.max_repairs, args.candidates, args.languages,
                                       args.keep, args.when_none_pass, args.rounds)}
        if args.floor or args.floor_only:
            ways["floor"] = lambda: floor(workspace_path(name), model)
        for way, measure in ways.items():
            if Path(name).name in results.get(way, {}):
                continue
            try:
                row = measure()
            except Exception as error:  # one workspace that breaks the build is a result, not the end of the run
                total = _holdouts(workspace_path(name))
                row = {"visible": (0, total[0]), "holdout": (0, total[1]), "tokens": 0, "seconds": 0,
                       "failing_holdouts": ["all"], "error": f"{type(error).__name__}: {error}"}
                print(f"    {name}: {row['error']}", file=sys.stderr)
            key = Path(name).name
            results.setdefault(way, {})[key] = row
            if args.json_out:
                args.json_out.write_text(json.dumps(results, indent=2))
            print(f"{key:<20} {way:<6} {row['visible'][0]:>4}/{row['visible'][1]:<4} {row['holdout'][0]:>4}/{row['holdout'][1]:<4} "
                  f"{row['tokens']:>7} {row['seconds']:>8}  {' '.join(row.get('failing_holdouts', []))}", flush=True)
    for way, rows in results.items():
        visible = [sum(r["visible"][i] for r in rows.values()) for i in (0, 1)]
        holdout = [sum(r["holdout"][i] for r in rows.values()) for i in (0, 1)]
        tokens = sum(r["tokens"] for r in rows.values())
        seconds = sum(r["seconds"] for r in rows.values())
        solved = sum(r["holdout"][0] == r["holdout"][1] for r in rows.values())
        print(f"{'TOTAL':<20} {way:<6} {visible[0]:>4}/{visible[1]:<4} {holdout[0]:>4}/{holdout[1]:<4} {tokens:>7} {seconds:>8.1f}"
              f"  holdout pass rate {100 * holdout[0] / max(holdout[1], 1):.0f}%, solved {solved}/{len(rows)}")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
