"""A simulated person answers the build's questions from a reference; holdouts with 0, 1, 3 and 5 answers.

    .venv/bin/python bench/asking.py [--workspaces maternal-clinic ...] [--answers 0 1 3 5]
                                     [--model local/qwen2.5-coder-1.5b] [--json-out asking.json]

For each workspace with a reference (bench/workspaces/*/reference.py or bench/references/<example>.py: one
function per component, all run on the question's raw records, bench/references.py; PGExercises: reference.sql run on DuckDB with the records
as tables):
1. build once, as `shall build` does, keeping up to max(--answers) questions;
2. for each K, in a copy of that build, the person answers the K most valuable questions: the letter of
   the result that matches the reference's, or the reference's result typed when none does; then the
   workspace is built again and its holdouts are counted. K = 0 is the first build itself.

Reported per K: holdouts passed, the tokens and seconds the second build added; and per workspace, the
questions asked and how many of them the majority answer (A) had wrong: the questions that mattered.
"""

from __future__ import annotations

import argparse
import inspect
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import workspace_path  # noqa: E402
from references import made_from, reference_file, references  # noqa: E402

from agents import answers  # noqa: E402
from agents.build import run_build  # noqa: E402
from agents.models.select import open_model  # noqa: E402
from agents.questions import Question  # noqa: E402
from specs.matching import differences  # noqa: E402


def reference_answer(workspace: Path, question: Question) -> list[dict]:
    """What the reference gives for a question's inputs."""
    return reference_result(workspace, question.output, question.inputs)


def reference_result(workspace: Path, output: str, inputs: dict[str, list[dict]], raw: bool = True) -> list[dict]:
    """What the reference makes of `inputs` for `output`: from the raw records through every reference
    component, or (raw=False) by the output's own reference component from the collections it reads."""
    if reference_file(workspace) is not None:
        functions = references(workspace)
        if raw:
            return made_from(inputs, functions)[output]
        function = functions[output]
        return function(**{name: inputs.get(name, []) for name in inspect.signature(function).parameters})
    import duckdb  # PGExercises: the site's query, on the inputs as tables

    connection = duckdb.connect()
    for name, records in inputs.items():
        if records:
            columns = list(records[0])
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM (VALUES "
                               + ", ".join("(" + ", ".join("?" * len(columns)) + ")" for _ in records)
                               + f") AS t({', '.join(columns)})", [r[c] for r in records for c in columns])
    cursor = connection.execute((workspace / "reference.sql").read_text())
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def has_reference(workspace: Path) -> bool:
    return reference_file(workspace) is not None or (workspace / "reference.sql").exists()


def holdouts(report: dict) -> tuple[int, int]:
    rows = report["requirements"]
    return sum(r["holdouts_passed"] for r in rows), sum(r["holdouts"] for r in rows)


def quietly(event) -> None:
    print(f"    {event.message}", file=sys.stderr)


def measure(workspace: Path, model, counts: list[int]) -> dict:
    with tempfile.TemporaryDirectory(prefix="shall-asking-") as scratch:
        first = Path(scratch) / "first" / workspace.name
        shutil.copytree(workspace, first)
        started = time.monotonic()
        report = run_build(first, model, auto_approve=True, questions=max(counts), on_event=quietly)
        row = {"workspace": workspace.name, "first": {"holdout": holdouts(report), "tokens": report["tokens"],
                                                      "seconds": round(time.monotonic() - started, 1)}}
        asked = [Question.from_dict(q) for q in report["questions"]]
        truths = [reference_answer(workspace, q) for q in asked]
        row["questions"] = [{"component": q.component, "requirement": q.requirement, "value": q.value,
                             "choices": len(q.choices), "majority_wrong": bool(differences(
                                 {q.output: truth}, {q.output: q.choices[0].records}, ordered=False)),
                             "reference_among_choices": any(not differences({q.output: truth}, {q.output: c.records},
                                                                            ordered=False) for c in q.choices)}
                            for q, truth in zip(asked, truths)]
        row["answered"] = {}
        for count in counts:
            if count == 0:
                row["answered"][0] = {"holdout": row["first"]["holdout"], "tokens": 0, "seconds": 0.0}
                continue
            again = Path(scratch) / f"k{count}" / workspace.name
            shutil.copytree(first, again)
            for question, truth in list(zip(asked, truths))[:count]:
                answers.answer(again, question, truth)
            started = time.monotonic()
            rebuilt = run_build(again, model, auto_approve=True, questions=0, on_event=quietly)
            row["answered"][count] = {"holdout": holdouts(rebuilt), "tokens": rebuilt["tokens"],
                                      "seconds": round(time.monotonic() - started, 1),
                                      "answers": min(count, len(asked))}
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="local/qwen2.5-coder-1.5b")
    parser.add_argument("--workspaces", nargs="+", default=["maternal-clinic", "market-fees", "school-feeding"])
    parser.add_argument("--answers", nargs="+", type=int, default=[0, 1, 3, 5])
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    model = open_model(args.model)
    counts = sorted(set(args.answers) | {0})
    rows = []
    print(f"{'workspace':<24} {'asked':>5} {'A wrong':>7} " + " ".join(f"{f'{k} answered':>14}" for k in counts)
          + "  (holdouts; tokens and seconds the second build added)")
    for name in args.workspaces:
        workspace = workspace_path(name)
        if not has_reference(workspace):
            print(f"{workspace.name:<24} no reference to answer from: left out", flush=True)
            continue
        row = measure(workspace, model, counts)
        rows.append(row)
        cells = [f"{a['holdout'][0]}/{a['holdout'][1]} +{a['tokens']}" for a in (row["answered"][k] for k in counts)]
        print(f"{workspace.name:<24} {len(row['questions']):>5} {sum(q['majority_wrong'] for q in row['questions']):>7} "
              + " ".join(f"{c:>14}" for c in cells), flush=True)
        if args.json_out:
            args.json_out.write_text(json.dumps(rows, indent=2, default=str))
    for count in counts:
        passed = sum(r["answered"][count]["holdout"][0] for r in rows)
        total = sum(r["answered"][count]["holdout"][1] for r in rows)
        print(f"TOTAL with {count} answered: {passed}/{total} holdouts "
              f"({100 * passed / max(total, 1):.0f}%), +{sum(r['answered'][count]['tokens'] for r in rows)} tokens, "
              f"+{sum(r['answered'][count]['seconds'] for r in rows):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
