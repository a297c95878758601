"""Where a build's chosen answers are wrong without a question finding it: read from kept builds, no model.

    .venv/bin/python bench/unasked.py KEPT_WORKSPACE ... [--json-out rows.json]

KEPT_WORKSPACE is a workspace built by `bench/build.py --keep DIR` that has a reference
(bench/references/<example>.py, bench/workspaces/*/reference.py, or a PGExercises reference.sql). For each
component with more than one different answer, the build's own choice is made again on the kept answers
(as bench/replay.py does), and on each made-up input the choice is compared with the reference's result
for the same input (the reference component run on what the component reads). Per component:

- held out: the chosen answer's held-out examples passed (the figure that matters);
- split: made-up inputs where the finalists (the answers passing the most visible examples) give
  different results: where the build can ask the person today (agents/questions.py);
- wrong: made-up inputs where the chosen answer's result is not the reference's, and of those, how many
  the finalists split on (a question could find it) and how many some answer gets right (a choice the
  person could point at rather than type);
- confirm: where the finalists agree, the question a "please confirm" kind would ask: the made-up input,
  other than a reordering or an emptied collection, where most of the other answers give another result,
  and whether the chosen result is wrong there (the question would have mattered).

Holdouts only score here; they reach no prompt and no question.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from asking import reference_result  # noqa: E402
from component import component_cases, passed  # noqa: E402
from replay import Kept, kept_components  # noqa: E402

from agents import selection  # noqa: E402
from agents.edgecases import canonical  # noqa: E402
from agents.sandbox import run_trials  # noqa: E402

ORDER_ONLY = ("reversed", "shuffled", "empty")  # made-up inputs that only reorder or empty the visible ones


def truth(workspace: Path, output: str, inputs: dict, fields: list[str]) -> str | None:
    """The reference's result for a component's inputs, comparable with Tried.output; None if it cannot say."""
    try:
        records = reference_result(workspace, output, inputs, raw=False)
    except Exception:  # noqa: BLE001 - a made-up input the reference cannot read (an empty table in SQL)
        return None
    plain = [{k: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v for k, v in r.items()} for r in records]
    return canonical(plain, fields=fields)


def component_rows(workspace: Path) -> list[dict]:
    return [_row(workspace, k) for k in kept_components(workspace, "shall-unasked-") if len(k.found) > 1]


def _row(workspace: Path, k: Kept) -> dict:
    component, output = k.component, k.component.writes[0]
    tried = selection.try_candidates(k.app, k.requirements, k.built.get("upstream") or {}, k.design, component,
                                     k.found, k.limits)
    pick, _ = selection.choose(component, tried)
    chosen = next(m for m, candidate in tried.modules.items() if candidate == pick)
    most = max(tried.passes.values())
    finalists = [m for m in tried.modules if tried.passes[m] == most]
    held = component_cases(k.requirements, k.design, component, k.made, holdout=True)
    trials = run_trials(k.app, {chosen: tried.code[chosen]}, {key: c["inputs"] for key, c in held.items()}, k.limits)
    truths = {key: truth(workspace, output, inputs, tried.fields) for key, inputs in tried.edges.items()}
    split = {key for key in tried.edges if len({tried.output(m, key) for m in finalists}) > 1}
    wrong = {key for key, right in truths.items() if right is not None and tried.output(chosen, key) != right}
    row = {"workspace": workspace.name, "component": component.name, "answers": len(tried.modules),
           "finalists": len(finalists), "visible": [most, len(tried.cases)],
           "held_out": [passed(trials, chosen, held, output), len(held)], "made_up": len(tried.edges),
           "judged": sum(t is not None for t in truths.values()), "split": len(split), "wrong": len(wrong),
           "wrong_and_split": len(wrong & split),
           "wrong_and_some_answer_right": sum(any(tried.output(m, key) == truths[key] for m in tried.modules)
                                              for key in wrong),
           "confirm": None}
    if most == len(tried.cases) and not split:
        row["confirm"] = _confirm(tried, chosen, finalists, truths)
    return row


def _confirm(tried, chosen: str, finalists: list[str], truths: dict) -> dict | None:
    """The made-up input a "please confirm" question would show, and whether the chosen result is wrong there."""
    others = [m for m in tried.modules if m not in finalists]
    best, most = None, 0
    for key in tried.edges:
        if any(word in key for word in ORDER_ONLY):
            continue
        mine = tried.output(chosen, key)
        against = sum(1 for m in others if (theirs := tried.output(m, key)) is not None and theirs != mine)
        if against > most:
            best, most = key, against
    if best is None or truths.get(best) is None:
        return None
    return {"input": best, "others_against": [most, len(others)], "chosen_wrong": tried.output(chosen, best) != truths[best]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspaces", nargs="+", type=Path)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    rows = [row for workspace in args.workspaces for row in component_rows(workspace)]
    print(f"{'workspace':22} {'component':26} {'finalists':>9} {'held out':>8} {'split':>5} {'wrong':>5} "
          f"{'w+split':>7} {'w+some':>6}  confirm")
    for r in rows:
        confirm = r["confirm"]
        said = "" if confirm is None else (f"{'WRONG' if confirm['chosen_wrong'] else 'right'} "
                                           f"({confirm['others_against'][0]}/{confirm['others_against'][1]} against)")
        print(f"{r['workspace'][:22]:22} {r['component'][:26]:26} {r['finalists']:>4}/{r['answers']:<4} "
              f"{r['held_out'][0]:>5}/{r['held_out'][1]:<2} {r['split']:>5} {r['wrong']:>5} {r['wrong_and_split']:>7} "
              f"{r['wrong_and_some_answer_right']:>6}  {said}")
    losing = [r for r in rows if r["held_out"][0] < r["held_out"][1] and r["visible"][0] == r["visible"][1]]
    confirms = [r["confirm"] for r in rows if r["confirm"]]
    print(f"\n{len(rows)} components with several answers; {len(losing)} pass every visible example and lose a holdout: "
          f"{sum(r['split'] > 0 for r in losing)} of them have finalists that split (a question today), "
          f"{sum(r['wrong'] > 0 for r in losing)} are wrong on some made-up input, "
          f"{sum(r['wrong_and_split'] > 0 for r in losing)} where the finalists split.")
    print(f"Confirm questions: {len(confirms)}, the chosen result wrong in {sum(c['chosen_wrong'] for c in confirms)}.")
    if args.json_out:
        args.json_out.write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
