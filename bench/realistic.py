"""Realistic data: does a built app agree with the hand-written reference on records like a committee's?

    .venv/bin/python bench/realistic.py BUILT_WORKSPACE [...] [--datasets 20] [--seed 1] [--json FILE]
    .venv/bin/python bench/realistic.py --self-check [NAME ...]     the yardstick on the references themselves

The examples a person writes are few and small. This makes datasets the way records pile up in use, from the
workspace's glossary and examples (never from the app): ids that recur across collections so that joins meet,
one record per id in a collection keyed by one (tanks by tank_id), 5 to 60 records in no particular order in
the others, numbers around the statements' own numbers and the examples' range, dates and times spread over
weeks with the examples' own days recurring. The built app (`app.run`, in a subprocess of the workspace) and
the reference (bench/references.py) each make every result from every dataset, and a result agrees when it
matches by the examples' own rules (specs/matching.py). The agreement is results agreeing / results compared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from references import made_from, reference_file, references  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402
from specs.matching import differences  # noqa: E402

RUN_ALL = """
import json, sys
from app.runner import run_detailed
out = []
for inputs in json.load(sys.stdin):
    result = run_detailed(inputs)
    out.append({"outputs": result.outputs, "failures": {c: e.strip().splitlines()[-1] for c, e in result.failures.items()}})
print(json.dumps(out))
"""


class Pools:
    """What the workspace's examples and statements say values look like."""

    def __init__(self, workspace) -> None:
        self.seen: dict[tuple[str, str], list] = {}
        for requirement in workspace.requirements:
            for example in requirement.examples:
                for collection, records in example.given.items():
                    for record in records:
                        for field, value in record.items():
                            self.seen.setdefault((collection, field), []).append(value)
        text = " ".join(r.statement for r in workspace.requirements)
        self.numbers = [float(n) for n in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", text)]

    def values(self, field: str, collection: str | None = None) -> list:
        if collection is not None and (collection, field) in self.seen:
            return self.seen[(collection, field)]
        return [v for (c, f), found in self.seen.items() if f == field for v in found]


def value(kind: str, field: str, collection: str, pools: Pools, rng: random.Random):
    seen = [v for v in pools.values(field, collection) if v is not None]
    if kind in ("integer", "number"):
        known = [float(v) for v in seen if isinstance(v, (int, float)) and not isinstance(v, bool)]
        near = [n for n in pools.numbers if not known or min(known) / 4 <= n <= max(known) * 4] if known else []
        if near and rng.random() < 0.35:  # the statement's own numbers, and a step either side
            number = rng.choice(near) + rng.choice([-1, 0, 0, 1]) * (1 if kind == "integer" else 0.5)
        elif known:
            low, high = min(known), max(known)
            spread = max(high - low, abs(high) * 0.5, 1.0)
            number = rng.uniform(max(0.0, low - spread / 2) if low >= 0 else low - spread / 2, high + spread / 2)
        else:
            number = rng.uniform(0, 100)
        return int(round(number)) if kind == "integer" else round(number, 1)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("date", "datetime"):
        days = [_moment(v) for v in seen if isinstance(v, str) and _moment(v)] or [dt.datetime(2025, 5, 1, 8)]
        base = rng.choice(days)
        moment = base if rng.random() < 0.3 else base + dt.timedelta(days=rng.randint(-21, 21))
        if kind == "date":
            return moment.date().isoformat()
        moment = moment.replace(hour=rng.randint(6, 19), minute=rng.choice([0, 15, 30, 45]), second=0)
        return moment.isoformat()
    texts = sorted({str(v) for v in seen}) or [f"{field}-1"]
    return rng.choice(texts + [f"{texts[0]}-{n}" for n in range(2, 4)] if rng.random() < 0.2 else texts)


def _moment(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


def dataset(design, pools: Pools, rng: random.Random) -> dict[str, list[dict]]:
    """One realistic set of every source collection."""
    keys = design.keys
    ids: dict[str, list] = {}
    for collection, key in keys.items():
        known = sorted({str(v) for v in pools.values(key) if v is not None})
        prefix = re.match(r"[A-Za-z-]*", known[0]).group(0) if known else key[0].upper()
        fresh = [f"{prefix}{n}" for n in range(1, 13) if f"{prefix}{n}" not in known]
        everyone = known + fresh
        ids[key] = rng.sample(everyone, k=min(len(everyone), rng.randint(2, 8)))
    data = {}
    for collection in design.sources:
        fields = design.collections[collection].fields
        if collection in keys:
            rows = [{keys[collection]: one} for one in ids[keys[collection]]]
        else:
            rows = [{} for _ in range(rng.randint(5, 60))]
        for row in rows:
            for field, kind in fields.items():
                if field in row:
                    continue
                row[field] = rng.choice(ids[field]) if field in ids else value(kind, field, collection, pools, rng)
        rng.shuffle(rows)
        data[collection] = rows
    return data


def measure(root: Path, reference_root: Path, count: int, seed: int) -> dict:
    workspace = load_workspace(reference_root)
    design = infer_design(workspace.project, workspace.requirements)
    pools, rng = Pools(workspace), random.Random(seed)
    sets = [dataset(design, pools, rng) for _ in range(count)]
    done = subprocess.run([sys.executable, "-c", RUN_ALL], cwd=root, input=json.dumps(sets), capture_output=True,
                          text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{root}: the app did not run: {done.stderr.strip().splitlines()[-1:]}")
    built = json.loads(done.stdout)
    functions = references(reference_root)
    rows = {name: [0, 0] for name in design.derived}
    for given, made in zip(sets, built):
        expected = made_from(json.loads(json.dumps(given)), functions)
        for name in design.derived:
            rows[name][1] += 1
            rows[name][0] += not differences({name: expected.get(name, [])}, made["outputs"])
    agree, total = sum(a for a, _ in rows.values()), sum(t for _, t in rows.values())
    return {"workspace": reference_root.name, "agree": agree, "results": total,
            "by_result": {name: f"{a}/{t}" for name, (a, t) in rows.items()}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspaces", nargs="*", type=Path)
    parser.add_argument("--datasets", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--self-check", action="store_true",
                        help="build each named example or bench workspace with its reference as the app; it must agree 100%%")
    args = parser.parse_args()
    rows = []
    if args.self_check:
        from screens import build_with_references

        names = [p.name for p in args.workspaces] or [p.name for p in sorted((HERE.parent / "examples").iterdir())]
        for name in names:
            source = next(p for p in (HERE.parent / "examples" / name, HERE / "workspaces" / name) if p.exists())
            with tempfile.TemporaryDirectory() as scratch:
                root = Path(scratch) / name
                build_with_references(source, root)
                rows.append(measure(root, source, args.datasets, args.seed))
    for root in args.workspaces if not args.self_check else []:
        source = next((p for p in (HERE.parent / "examples" / root.name, HERE / "workspaces" / root.name)
                       if p.exists() and reference_file(p)), root)
        rows.append(measure(root.resolve(), source, args.datasets, args.seed))
    for row in rows:
        print(f"{row['workspace']}: {row['agree']}/{row['results']} results agree with the reference "
              f"({', '.join(f'{k} {v}' for k, v in row['by_result'].items())})")
    if len(rows) > 1:
        print(f"all: {sum(r['agree'] for r in rows)}/{sum(r['results'] for r in rows)}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
