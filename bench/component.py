"""Try the model on single components, fast, to compare prompts and settings.

    .venv/bin/python bench/component.py WORKSPACE [COMPONENT ...] [--model local/qwen2.5-coder-1.5b]
                                        [--candidates 3] [--languages python sql] [--when-none-pass revise|resample] [--show]

For each component (all of them by default): the candidates the build would
ask for, and how many of the component's own visible and held-out examples
each passes, run in the sandbox by itself, and which one the build would keep
(marked *). A collection the component reads comes from the example (given,
or expected in full), or else from what the kept candidate upstream made of
it, as in a build without repairs. Holdouts only score here; they never
reach a prompt.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents import selection, tasks, writing  # noqa: E402
from agents.models.select import open_model  # noqa: E402
from agents.sandbox import Limits, run_trials  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402
from specs.matching import differences  # noqa: E402
from specs.render import render_app, write_files  # noqa: E402


def example_inputs(design, component, example: dict, made: dict) -> dict | None:
    """What the component reads for one example: given, expected in full, or made by the kept upstream candidate."""
    inputs = {}
    for name in component.reads:
        if name in example["given"]:
            inputs[name] = example["given"][name]
        elif name in example["then"]:
            inputs[name] = example["then"][name]
        elif design.collections[name].source:
            inputs[name] = []
        elif name in made:
            inputs[name] = made[name]
        else:
            return None
    return inputs


def component_cases(requirements: list[dict], design, component, made: dict, holdout: bool) -> dict:
    """key -> inputs and expected output of each example naming the component's output."""
    output, cases = component.writes[0], {}
    for requirement in requirements:
        for example in requirement["examples"]:
            key = f"{requirement['id']}/{example['name']}"
            if example["holdout"] != holdout or output not in example["then"]:
                continue
            inputs = example_inputs(design, component, example, made.get(key, {}))
            if inputs is not None:
                cases[key] = {"inputs": inputs, "expected": example["then"][output], "ordered": example["ordered"]}
    return cases


def remember(made: dict, root: Path, design, component, examples: dict, code: str, limits) -> None:
    """Record what `code` makes from every example, as made[example key][output], for the components reading it."""
    everywhere = {key: inputs for key, example in examples.items()
                  if (inputs := example_inputs(design, component, example, made.get(key, {}))) is not None}
    for (_, key), trial in run_trials(root, {"_kept": code}, everywhere, limits).items():
        if trial.output is not None:
            made.setdefault(key, {})[component.writes[0]] = trial.output


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
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--languages", nargs="+", default=["python", "sql"])
    parser.add_argument("--show", action="store_true", help="print each candidate's code")
    parser.add_argument("--when-none-pass", choices=["revise", "resample"],
                        help="as the build does when no candidate passes every visible example: send each back once "
                             "with its failure, or ask for as many again (default: neither)")
    args = parser.parse_args()

    workspace = load_workspace(args.workspace)
    requirements = [r.model_dump() for r in workspace.requirements]
    design = infer_design(workspace.project, workspace.requirements)
    model, limits = open_model(args.model), Limits()
    examples = {f"{r['id']}/{e['name']}": e for r in requirements for e in r["examples"]}
    made: dict[str, dict] = {}  # example key -> collection -> what the kept candidate made
    totals = {"visible": [0, 0], "holdout": [0, 0], "chosen visible": [0, 0], "chosen holdout": [0, 0]}
    with tempfile.TemporaryDirectory(prefix="shall-component-") as scratch:
        write_files(Path(scratch), render_app(design, workspace.project.name))
        for component in design.flow():
            if args.components and component.name not in args.components:
                continue
            output = component.writes[0]
            visible = component_cases(requirements, design, component, made, holdout=False)
            held = component_cases(requirements, design, component, made, holdout=True)
            upstream = {key: made[key] for key in visible if key in made}
            work = {"component": component.name, "design": design.model_dump(), "requirements": requirements,
                    "current": None, "attempt": 1, "upstream": upstream, "project": workspace.project.model_dump()}
            found, started = [], time.monotonic()
            found += writing.first_answers(model, work, tuple(args.languages), count=args.candidates)[0]
            if args.when_none_pass:
                tried = selection.try_candidates(Path(scratch), requirements, upstream, design, component, found, limits)
                if selection.none_pass(tried) and args.when_none_pass == "revise":
                    found += writing.revised_answers(model, work, selection.revisions(design, component.name, tried))[0]
                elif selection.none_pass(tried):
                    found += writing.first_answers(model, work, tuple(args.languages), first=args.candidates,
                                                   count=args.candidates)[0]
            modules = {"_" + c.key.replace("-", "_"): c.text for c in found}
            seconds = time.monotonic() - started
            pick, _ = selection.choose(component, selection.try_candidates(Path(scratch), requirements, upstream, design,
                                                                           component, found, limits))
            chosen = "_" + pick.key.replace("-", "_")
            remember(made, Path(scratch), design, component, examples, pick.text, limits)
            trials = run_trials(Path(scratch), modules, {k: c["inputs"] for k, c in {**visible, **held}.items()}, limits)
            print(f"{component.name} ({', '.join(component.requirements)}): {len(visible)} visible, {len(held)} held out; "
                  f"{seconds:.0f} s to write")
            for candidate in found:
                module, code = "_" + candidate.key.replace("-", "_"), candidate.text
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
                    print("    " + (tasks.query_of(code) if candidate.language == "sql" else code).replace("\n", "\n    "))
    print("; ".join(f"{name}: {done}/{total}" for name, (done, total) in totals.items()) + " (* marks the one kept)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
