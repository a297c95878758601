"""How right the design is about what each component reads, against hand-written gold files (no model).

    .venv/bin/python bench/reads.py [--workspaces water-tanks market-fees ...] [--model local/qwen2.5-coder-1.5b]
                                    [--votes 3] [--json-out reads.json]

For every workspace with a gold file in bench/reads/ (examples/ and bench/workspaces/), the design shall
infers (from the words of the statements; with --model, as the model judges it, agents/reads.py) is
compared with the gold, component by component (by the collection it writes):
- precision: of the collections the design has a component read, the share the gold says it needs or may
  read (`reads` or `also_fine`);
- recall: of the collections the gold says a component needs, the share the design has it read.
A collection missed means the component's prompt never shows what it needs; one read for nothing shows
it data that misleads. Both are counted over all components (each read one count), then per workspace.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ruamel.yaml import YAML  # noqa: E402

from build import workspace_path  # noqa: E402

from agents.models.select import open_model  # noqa: E402
from agents.reads import choose_reads, choose_reads_by_component, choose_reads_by_pair, with_reads  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402

HERE = Path(__file__).resolve().parent
GOLD = HERE / "reads"


def compare(name: str, model=None, votes: int = 3, ask: str = "project") -> dict:
    """For one workspace: per component, what the design reads, what the gold needs, and the counts."""
    gold = YAML(typ="safe").load((GOLD / f"{name}.yaml").read_text(encoding="utf-8"))
    loaded = load_workspace(workspace_path(name))
    if loaded.problems:
        raise SystemExit(f"{name}: the workspace has problems: {loaded.problems[0]}")
    design = infer_design(loaded.project, loaded.requirements)
    tokens, tally = 0, {}
    if model is not None:
        choose = {"project": choose_reads, "component": choose_reads_by_component, "pair": choose_reads_by_pair}[ask]
        chosen = choose(model, loaded.project, loaded.requirements, design, votes)
        design, tokens, tally = with_reads(design, chosen.reads), chosen.usage.tokens, chosen.votes
    rows, right, inferred, needed, found = [], 0, 0, 0, 0
    for component in design.flow():
        output = component.writes[0]
        if output not in gold:
            raise SystemExit(f"{name}: bench/reads/{name}.yaml says nothing about {output}")
        wanted = set(gold[output]["reads"])
        fine = wanted | set(gold[output].get("also_fine") or [])
        reads = set(component.reads)
        right += len(reads & fine)
        inferred += len(reads)
        found += len(reads & wanted)
        needed += len(wanted)
        rows.append({"output": output, "reads": sorted(reads), "missed": sorted(wanted - reads),
                     "extra": sorted(reads - fine), "votes": tally.get(component.name, {})})
    return {"workspace": name, "components": rows, "right": right, "inferred": inferred, "found": found,
            "needed": needed, "tokens": tokens}


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", nargs="+", default=sorted(p.stem for p in GOLD.glob("*.yaml")))
    parser.add_argument("--model", help="judge the reads with this model (agents/reads.py), not by the words")
    parser.add_argument("--votes", type=int, default=3)
    parser.add_argument("--ask", choices=["project", "component", "pair"], default="project",
                        help="one question for the whole project, one per component, or a yes or no per component "
                             "and collection another makes")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    model = open_model(args.model) if args.model else None
    results = [compare(name, model, args.votes, args.ask) for name in args.workspaces]
    print(f"{'workspace':20} {'precision':>9} {'recall':>7}  wrong reads")
    for result in results:
        wrong = [f"{row['output']}: " + ", ".join([f"-{m}" for m in row["missed"]] + [f"+{e}" for e in row["extra"]])
                 for row in result["components"] if row["missed"] or row["extra"]]
        print(f"{result['workspace']:20} {percent(result['right'], result['inferred']):>9} "
              f"{percent(result['found'], result['needed']):>7}  {'; '.join(wrong)}")
    totals = {key: sum(r[key] for r in results) for key in ("right", "inferred", "found", "needed")}
    print(f"{'TOTAL':20} {percent(totals['right'], totals['inferred']):>9} {percent(totals['found'], totals['needed']):>7}"
          "  (-missed, +read for nothing)" + (f"; {sum(r['tokens'] for r in results)} tokens" if model else ""))
    if args.json_out:
        args.json_out.write_text(json.dumps({"workspaces": results, "totals": totals}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
