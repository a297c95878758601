"""The repair loop: a component still failing its visible examples goes back to the model with one it gets
wrong, up to a bound, and the best version seen is kept. The embedded models repair nothing unless told."""

from __future__ import annotations

import textwrap

import pytest

from agents.build import run_build
from agents.models.fake import ScriptedModel
from tests.helpers import LATEST_BY_SQL, TWO_EXAMPLES, WATER_TANKS, WRONG, answers, asked_for, right, workspace


def test_a_failing_component_is_repaired_with_its_example(tmp_path):
    root = workspace(tmp_path)
    model = ScriptedModel(*[answers(dict(WATER_TANKS, make_refill_alerts=WRONG))] * 4, answers(WATER_TANKS))
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True)
    assert [r["attempts"] for r in report["requirements"]] == [1, 2, 1, 1]
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    repair = model.history[-1].messages[-1]["content"]
    assert repair.startswith("Your code:\n```python\n")
    assert "It is wrong on example \"one tank is low\"" in repair
    assert "expected refill_alerts = [{'tank_id': 'T1', 'level_pct': 12.5}]" in repair
    assert "but it returned refill_alerts = []" in repair
    assert "latest_levels = [{'tank_id': 'T1', 'level_pct': 12.5" in repair  # the upstream output, computed in the sandbox


def test_the_repair_loop_stops_at_its_bound(tmp_path):
    root = workspace(tmp_path)
    always_wrong = answers(dict(WATER_TANKS, make_latest_levels=WRONG))
    model = ScriptedModel(*[always_wrong] * 4, *[always_wrong] * 3)
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, max_repairs=3)
    assert len(model.history) == 4 + 3
    assert report["requirements"][0]["attempts"] == 4
    repairs = model.history[4:]
    assert [(call.options.temperature, call.options.seed) for call in repairs] == [(0.7, 2), (0.7, 3), (0.7, 4)]
    assert {call.options.temperature for call in model.history[:4]} == {0.0}
    assert report["requirements"][0]["failing"] == {"two readings of one tank": [
        "'latest_levels' has 0 records, expected 2",
        "'latest_levels': no record matches {'tank_id': 'T1', 'level_pct': 12.5, 'taken_at': '2025-05-01T18:00:00'}",
        "'latest_levels': no record matches {'tank_id': 'T2', 'level_pct': 64.0, 'taken_at': '2025-05-01T07:30:00'}",
    ]}


def test_a_worse_repair_is_never_kept(tmp_path):
    root = workspace(tmp_path)
    for path in (root / "reqs").glob("REQ-*.yaml"):
        path.unlink()
    (root / "reqs/REQ-001.yaml").write_text(TWO_EXAMPLES)
    half_right = "def run(levels):\n    return [{'tank_id': r['tank_id']} for r in levels]\n"  # passes 'one low' only
    worse = "def run(levels):\n    return [{'tank_id': 'nope'}, {'tank_id': 'nope'}]\n"  # passes nothing
    model = ScriptedModel(half_right, worse, worse, worse)
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, max_repairs=3)
    assert report["requirements"][0]["examples_passed"] == 1
    assert "for r in levels" in (root / "app/components/make_low_tanks.py").read_text()


def test_a_query_sent_back_for_repair_sees_the_inputs_as_its_task_showed_them(tmp_path):
    """A query reads timestamps as its task's examples show them, '2025-05-01T07:00:00', not as Python objects."""
    root = workspace(tmp_path)

    def by_language(messages):
        name = asked_for(messages)
        if not messages[0]["content"].startswith("You write one DuckDB SQL query"):
            return f"```python\n{WRONG}```" if name == "make_latest_levels" else right(name)
        if name != "make_latest_levels":
            return "I cannot."
        if "It is wrong on example" in messages[-1]["content"]:
            return f"```sql\n{textwrap.dedent(LATEST_BY_SQL).strip()}\n```"
        return "```sql\nSELECT tank_id, level_pct, taken_at FROM levels\n```"

    model = ScriptedModel(*[by_language] * 20)
    report = run_build(root, model, candidates=1, auto_approve=True, max_repairs=1)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    [repair] = [call.messages[-1]["content"] for call in model.history if "It is wrong on example" in call.messages[-1]["content"]]
    assert repair.startswith("Your query:\n```sql\n")
    assert "levels = [{'tank_id': 'T1', 'level_pct': 55.0, 'taken_at': '2025-05-01T07:00:00'}" in repair
    assert "datetime" not in repair


@pytest.mark.parametrize("model_name, repairs", [("local/qwen2.5-coder-1.5b", 0), ("openai/gpt-4o-mini", 1)])
def test_unless_told_the_embedded_models_repair_nothing_and_an_endpoint_repairs_once(tmp_path, model_name, repairs):
    root = workspace(tmp_path)
    wrong_alerts = answers(dict(WATER_TANKS, make_refill_alerts=WRONG))
    model = ScriptedModel(*[wrong_alerts] * (4 + repairs), name=model_name)
    events = []
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, on_event=events.append)
    assert len(model.history) == 4 + repairs
    assert [e.message for e in events if e.step == "repair"] == ["Repairing make_refill_alerts"] * repairs
    assert [r["attempts"] for r in report["requirements"]] == [1, 1 + repairs, 1, 1]
    assert report["requirements"][1]["examples_passed"] == 0


def test_a_person_can_ask_the_embedded_model_for_repairs(tmp_path):
    root = workspace(tmp_path)
    model = ScriptedModel(*[answers(dict(WATER_TANKS, make_refill_alerts=WRONG))] * 4, answers(WATER_TANKS),
                          name="local/qwen2.5-coder-1.5b")
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, max_repairs=1)
    assert [r["attempts"] for r in report["requirements"]] == [1, 2, 1, 1]
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])


def test_a_function_sent_back_for_repair_sees_the_records_as_its_task_showed_them(tmp_path):
    """A function's task shows timestamps as Python objects: so do the expected and returned records of its repair."""
    root = workspace(tmp_path)
    first_reading = "def run(levels):\n    return levels[:1]\n"  # one record where two are expected
    model = ScriptedModel(*[answers(dict(WATER_TANKS, make_latest_levels=first_reading))] * 4, answers(WATER_TANKS))
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, max_repairs=1)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    repair = model.history[-1].messages[-1]["content"]
    assert "expected latest_levels = [{'tank_id': 'T1', 'level_pct': 12.5, 'taken_at': datetime.datetime(2025, 5, 1, 18, 0)}" in repair
    assert ("but it returned latest_levels = [{'tank_id': 'T1', 'level_pct': 55.0, "
            "'taken_at': datetime.datetime(2025, 5, 1, 7, 0)}]") in repair
    assert "'2025-05-01T" not in repair
