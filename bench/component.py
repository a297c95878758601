"""Try the model on single components, fast, to compare prompts and settings.

    .venv/bin/python bench/component.py WORKSPACE [COMPONENT ...] [--model local/qwen2.5-coder-1.5b]
                                        [--candidates 2] [--languages python sql] [--revise] [--show]

For each component (all of them by default): the candidates the build would
ask for, and how many of the component's own visible and held-out examples
each passes, run in the sandbox by itself. A collection the component reads
comes from the example (given, or expected in full); an example that leaves
a read collection to another component is skipped, so the numbers measure
this component alone. Holdouts only score here; they never reach a prompt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langgraph.runtime import Runtime  # noqa: E402

from agents import nodes  # noqa: E402
from agents.models.select import open_model  # noqa: E402
from agents.sandbox import run_trials  # noqa: E402
from agents.state import BuildContext  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402
from specs.matching import differences  # noqa: E402
from specs.render import render_app, write_files  # noqa: E402


def component_cases(requirements: list[dict], design, component, holdout: bool) -> tuple[dict, int]:
    """key -> inputs and expected output for the component alone; and how many examples had to be skipped."""
    output, cases, skipped = component.writes[0], {}, 0
    for requirement in requirements:
        for example in requirement["examples"]:
            if example["holdout"] != holdout or output not in example["then"]:
                continue
            inputs = {}
            for name in component.reads:
                if name in example["given"]:
                    inputs[name] = example["given"][name]
                elif name in example["then"]:
                    inputs[name] = example["then"][name]
                elif design.collections[name].source:
                    inputs[name] = []
            if len(inputs) < len(component.reads):
                skipped += 1
                continue
            cases[f"{requirement['id']}/{example['name']}"] = {
                "inputs": inputs, "expected": example["then"][output], "ordered": example["ordered"]}
    return cases, skipped


def passed(trials, module: str, cases: dict, output: str) -> int:
    return sum(trials[module, key].output is not None
               and not differences({output: case["expected"]}, {output: trials[module, key].output}, ordered=case["ordered"])
               for key, case in cases.items())


def gist(error: str) -> str:
    """The line of an error that says what went wrong (DuckDB ends its errors with a caret line)."""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    return next((line for line in reversed(lines) if "Error" in line or "Exception" in line), lines[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("components", nargs="*")
    parser.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    parser.add_argument("--candidates", type=int, default=2)
    parser.add_argument("--languages", nargs="+", default=["python", "sql"])
    parser.add_argument("--show", action="store_true", help="print each candidate's code")
    parser.add_argument("--revise", action="store_true",
                        help="as the build does, send each candidate back once when none passes every visible example")
    args = parser.parse_args()

    workspace = load_workspace(args.workspace)
    requirements = [r.model_dump() for r in workspace.requirements]
    design = infer_design(workspace.project, workspace.requirements)
    context = BuildContext(model=open_model(args.model))
    runtime = Runtime(context=context)
    totals = {"visible": [0, 0], "holdout": [0, 0], "chosen visible": [0, 0], "chosen holdout": [0, 0]}
    with tempfile.TemporaryDirectory(prefix="shall-component-") as scratch:
        write_files(Path(scratch), render_app(design, workspace.project.name))
        for component in design.flow():
            if args.components and component.name not in args.components:
                continue
            output = component.writes[0]
            visible, skipped_visible = component_cases(requirements, design, component, holdout=False)
            held, skipped_held = component_cases(requirements, design, component, holdout=True)
            work = {"component": component.name, "design": design.model_dump(), "requirements": requirements,
                    "code": "", "failing": None, "attempt": 1, "upstream": {}}
            found, started = {}, time.monotonic()
            for language in args.languages:
                for number in range(args.candidates):
                    answer = nodes.generate_component({**work, "candidate": number, "language": language}, runtime)
                    found.update(answer["candidates"][component.name])
            if args.revise:
                state = {"root": scratch, "requirements": requirements, "design": design.model_dump(), "upstream": {},
                         "candidates": {component.name: found}}
                tried = nodes._try_candidates(state, runtime, design, component, found)
                for revision in nodes._revisions(state, design, component.name, tried):
                    answer = nodes.revise_candidate({**work, **revision}, runtime)
                    found.update(answer["candidates"][component.name])
            modules = {"_" + key.replace("-", "_"): code for key, code in found.items()}
            seconds = time.monotonic() - started
            state = {"root": scratch, "requirements": requirements, "design": design.model_dump(), "upstream": {},
                     "candidates": {component.name: found}}
            pick, _ = nodes._choose(component, nodes._try_candidates(state, runtime, design, component, found))
            chosen = "_" + pick.replace("-", "_")
            trials = run_trials(Path(scratch), modules, {k: c["inputs"] for k, c in {**visible, **held}.items()}, context.limits)
            print(f"{component.name} ({', '.join(component.requirements)}): {len(visible)} visible, {len(held)} held out"
                  + (f", {skipped_visible + skipped_held} skipped (read another component's output)"
                     if skipped_visible + skipped_held else "") + f"; {seconds:.0f} s to write")
            for module, code in modules.items():
                v, h = passed(trials, module, visible, output), passed(trials, module, held, output)
                totals["visible"][0] += v
                totals["visible"][1] += len(visible)
                totals["holdout"][0] += h
                totals["holdout"][1] += len(held)
                errors = {gist(trials[module, k].error) for k in {**visible, **held} if trials[module, k].error}
                print(f"{'*' if module == chosen else ' '} {module:18} visible {v}/{len(visible)}  held out {h}/{len(held)}"
                      + (f"  error: {sorted(errors)[0][:100]}" if errors else ""))
                if module == chosen:
                    totals["chosen visible"][0] += v
                    totals["chosen visible"][1] += len(visible)
                    totals["chosen holdout"][0] += h
                    totals["chosen holdout"][1] += len(held)
                if args.show:
                    print("    " + (nodes.query_of(code) if nodes.language_of(code) == "sql" else code).replace("\n", "\n    "))
    print("; ".join(f"{name}: {done}/{total}" for name, (done, total) in totals.items()) + " (* marks the one kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
