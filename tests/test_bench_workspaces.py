"""The benchmark's own workspaces are sound: every example, visible and held out, is what the hand-written
reference components make of its inputs, and each gold file of reads names what those components read."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from reqs.workspace import load_workspace
from specs.matching import differences

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from references import made_from, references  # noqa: E402
WORKSPACES = sorted(p for p in (BENCH / "workspaces").iterdir() if (p / "reqs").is_dir())
EXAMPLES = sorted(p for p in (BENCH.parent / "examples").iterdir() if (p / "reqs").is_dir())


def test_there_are_at_least_three_bench_workspaces():
    assert len(WORKSPACES) >= 3


@pytest.mark.parametrize("root", WORKSPACES, ids=lambda p: p.name)
def test_every_example_is_what_the_reference_makes(root):
    loaded = load_workspace(root)
    assert loaded.problems == []
    functions = references(root)
    held_out = 0
    for requirement in loaded.requirements:
        assert len(requirement.visible_examples) >= 1
        for example in requirement.examples:
            held_out += example.holdout
            made = made_from(example.given, functions)
            assert differences(example.then, made, ordered=example.ordered) == [], f"{requirement.id} {example.name}"
    assert held_out >= 2 * len(loaded.requirements)


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_every_examples_reference_makes_what_its_examples_expect(root):
    # the references the simulated person answers from (bench/asking.py); they live in bench/references/, not
    # in the example, which a newcomer copies
    functions = references(root)
    assert not (root / "reference.py").exists()
    for requirement in load_workspace(root).requirements:
        for example in requirement.examples:
            made = made_from(example.given, functions)
            assert differences(example.then, made, ordered=example.ordered) == [], f"{requirement.id} {example.name}"


@pytest.mark.parametrize("root", [*WORKSPACES, *EXAMPLES], ids=lambda p: p.name)
def test_the_gold_reads_are_what_the_reference_reads(root):
    gold = YAML(typ="safe").load((BENCH / "reads" / f"{root.name}.yaml").read_text(encoding="utf-8"))
    functions = references(root)
    assert set(gold) == set(functions)
    for output, function in functions.items():
        assert set(gold[output]["reads"]) == set(inspect.signature(function).parameters), output


def test_the_build_bench_finds_workspaces_by_name_or_by_path(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_build", BENCH / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.workspace_path("water-tanks") == BENCH.parent / "examples/water-tanks"
    assert module.workspace_path("market-fees") == BENCH / "workspaces/market-fees"
    (tmp_path / "exercise/reqs").mkdir(parents=True)
    assert module.workspace_path(str(tmp_path / "exercise")) == tmp_path / "exercise"
    with pytest.raises(SystemExit, match="no folder .*nowhere with reqs/ in it"):
        module.workspace_path(str(tmp_path / "nowhere"))


def test_the_simulated_person_answers_from_the_python_reference_and_from_the_sql_one():
    import sys

    sys.path.insert(0, str(BENCH))
    from asking import reference_answer

    from agents.questions import Question

    visits = [{"mother_id": "M1", "visited_on": "2025-04-02", "systolic": 150, "diastolic": 80, "haemoglobin": 12.0},
              {"mother_id": "M2", "visited_on": "2025-04-02", "systolic": 120, "diastolic": 80, "haemoglobin": 12.0}]
    asked = Question("k", "make_high_pressure_visits", "REQ-001", "high_pressure_visits", {"visits": visits}, [], 2, 1.0)
    assert reference_answer(BENCH / "workspaces/maternal-clinic", asked) == [
        {"mother_id": "M1", "visited_on": "2025-04-02", "systolic": 150, "diastolic": 80}]
    mothers = [{"mother_id": m, "name": m, "village": "Kisian", "due_on": "2025-09-01"} for m in ("M1", "M2")]
    # a question about a component made from others' results is asked in raw records: they go through them all
    by_village = Question("k", "make_village_pressure", "REQ-004", "village_pressure",
                          {"mothers": mothers, "visits": visits}, [], 2, 1.0)
    assert reference_answer(BENCH / "workspaces/maternal-clinic", by_village) == [{"village": "Kisian", "mothers": 1}]
    # bench/unasked.py judges one component at a time: its own reference, on what the component reads
    from asking import reference_result

    high = [{"mother_id": "M1", "visited_on": "2025-04-02", "systolic": 150, "diastolic": 80}]
    assert reference_result(BENCH / "workspaces/maternal-clinic", "village_pressure",
                            {"mothers": mothers, "high_pressure_visits": high}, raw=False) == [
        {"village": "Kisian", "mothers": 1}]
    assert reference_result(BENCH / "workspaces/maternal-clinic", "village_pressure",
                            {"mothers": mothers, "high_pressure_visits": high + high}, raw=False) == [
        {"village": "Kisian", "mothers": 1}], "a mother counts once"
    pgexercises = BENCH.parent.parent / "shared/bench/pgexercises/aggregates-count2"
    if not pgexercises.exists():
        pytest.skip("../shared/bench/pgexercises is not beside this checkout")
    facilities = [{"facid": 0, "name": "Tennis Court 1", "membercost": 5.0, "guestcost": 25.0, "initialoutlay": 10000.0,
                   "monthlymaintenance": 200.0},
                  {"facid": 3, "name": "Table Tennis", "membercost": 0.0, "guestcost": 5.0, "initialoutlay": 320.0,
                   "monthlymaintenance": 10.0}]
    counted = Question("k", "make_result", "REQ-001", "result", {"facilities": facilities}, [], 2, 1.0)
    assert reference_answer(pgexercises, counted) == [{"count": 1}]


def test_the_floor_scores_a_right_one_shot_answer_as_right_and_a_wrong_one_as_wrong(tmp_path):
    """The floor runs the one-shot module in an app of its own, not one shall built: the sandbox must not
    need shall's own files there (from f196b8b to 960ba7f it needed app/schemas.py, and every floor was 0)."""
    import shutil

    import build

    from agents.models.fake import ScriptedModel
    from tests.helpers import TWO_EXAMPLES

    root = tmp_path / "low-tanks"
    shutil.copytree(BENCH.parent / "examples/water-tanks", root)
    for path in (root / "reqs").glob("REQ-*.yaml"):
        path.unlink()
    (root / "reqs/REQ-001.yaml").write_text(TWO_EXAMPLES)
    right = ("```python\ndef run(inputs):\n    return {'low_tanks': [{'tank_id': r['tank_id']} "
             "for r in inputs['levels'] if r['level_pct'] < 20]}\n```")
    scores = build.floor(root, ScriptedModel(right))
    assert (scores["visible"], scores["holdout"]) == ((2, 2), (1, 1))
    wrong = right.replace("< 20", "<= 20")
    scores = build.floor(root, ScriptedModel(wrong))
    assert (scores["visible"], scores["holdout"]) == ((2, 2), (0, 1))
