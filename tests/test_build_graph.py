"""The build graph with a scripted model: every step, the repair loop and its bound, approval and resuming."""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

import pytest
from rich.console import Console

from agents.build import run_build
from agents.models.fake import ScriptedModel
from agents.nodes import DesignRefused
from reqs.problems import InvalidInput
from tests.helpers import LATEST_BY_SQL, WATER_TANKS, WRONG, alert_rules, answers, asked_for, correct_model, right, workspace
from tui.building import _print_report

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_a_build_writes_a_tested_app_and_reports_every_requirement(tmp_path):
    root = workspace(tmp_path)
    events = []
    report = run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True, on_event=events.append)
    assert [(r["id"], r["examples_passed"], r["examples"], r["holdouts_passed"], r["holdouts"], r["attempts"]) for r in report["requirements"]] == [
        ("REQ-001", 1, 1, 2, 2, 1), ("REQ-002", 1, 1, 3, 3, 1), ("REQ-003", 1, 1, 2, 2, 1), ("REQ-004", 1, 1, 2, 2, 1)]
    assert report["components_regenerated"] == ["make_latest_levels", "make_refill_alerts", "make_refill_plan", "make_village_refills"]
    assert report["tokens"] > 0 and all(r["tokens"] > 0 for r in report["requirements"])
    assert (root / "specs/design.yaml").exists() and (root / "app/components/make_refill_plan.py").exists()
    assert (root / "tests/test_requirements.py").exists()
    steps = [e.step for e in events]
    assert steps[:4] == ["load", "changes", "design", "design"] and "generate" in steps and steps[-2:] == ["holdout", "commit"]
    assert not (root / ".shall/build.json").exists()


def test_holdout_examples_never_reach_the_model(tmp_path):
    root = workspace(tmp_path)
    model = correct_model()
    run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True)
    prompts = "\n".join(model.prompts)
    assert "one tank is low" in prompts  # a visible example is shown
    for holdout in ("exactly 20 is not low", "an old low reading does not count", "just below the limit",
                    "readings arrive out of order", "an empty tank needs its whole capacity", "19.9"):
        assert holdout not in prompts


def test_the_design_waits_for_approval(tmp_path):
    root = workspace(tmp_path)
    shown = []
    report = run_build(root, candidates=1, languages=["python"], model=correct_model(), ask_approval=lambda design: shown.append(design) or True)
    assert shown and "make_refill_plan" in shown[0] and "refill_alerts" in shown[0]
    assert report["requirements"][0]["examples_passed"] == 1


def test_a_refused_design_builds_nothing(tmp_path):
    root = workspace(tmp_path)
    model = correct_model()
    with pytest.raises(DesignRefused, match="The design was not approved, so nothing was built"):
        run_build(root, candidates=1, languages=["python"], model=model, ask_approval=lambda design: False)
    assert model.history == [] and not (root / "app").exists()
    shown = []
    run_build(root, candidates=1, languages=["python"], model=model, ask_approval=lambda design: shown.append(design) or True)
    assert len(shown) == 1, "built again, it shows the design again rather than replaying the refusal"
    assert (root / "app").exists()


def test_an_interrupted_build_resumes_where_it_stopped(tmp_path):
    root = workspace(tmp_path)
    crashing = ScriptedModel(answers(WATER_TANKS), answers(WATER_TANKS), KeyboardInterrupt(), answers(WATER_TANKS))
    with pytest.raises(KeyboardInterrupt):
        run_build(root, candidates=1, languages=["python"], model=crashing, auto_approve=True)
    assert (root / ".shall/build.json").exists()
    written_before = len(crashing.history)
    events = []
    resumed = ScriptedModel(*[answers(WATER_TANKS)] * 4)
    report = run_build(root, candidates=1, languages=["python"], model=resumed, auto_approve=True, on_event=events.append)
    assert events[0].step == "resume"
    assert events[0].message.endswith("(make_latest_levels, make_refill_alerts already chosen)")
    assert events[0].components == ("make_refill_plan", "make_village_refills"), "what the build screen lists as left"
    assert len(resumed.history) < 4, "components finished before the interruption are not written again"
    assert written_before + len(resumed.history) >= 4
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])


def test_a_build_stopped_by_a_shall_with_another_state_format_starts_afresh(tmp_path, monkeypatch):
    root = workspace(tmp_path)
    monkeypatch.setattr("agents.build.STATE_FORMAT", 1)
    with pytest.raises(KeyboardInterrupt):
        run_build(root, candidates=1, languages=["python"], auto_approve=True,
                  model=ScriptedModel(answers(WATER_TANKS), KeyboardInterrupt()))
    monkeypatch.setattr("agents.build.STATE_FORMAT", 2)
    events = []
    run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True, on_event=events.append)
    assert "resume" not in [e.step for e in events]


def test_changed_requirements_start_a_new_build_rather_than_resume(tmp_path):
    root = workspace(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_build(root, candidates=1, languages=["python"], model=ScriptedModel(*[KeyboardInterrupt()] * 4), auto_approve=True)  # four components ask at once
    text = (root / "reqs/REQ-004.yaml").read_text()
    (root / "reqs/REQ-004.yaml").write_text(text.replace("priority: should", "priority: must"))
    events = []
    run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True, on_event=events.append)
    assert events[0].message == "Committed your requirement changes first (change REQ-004)"
    assert events[1].step == "load"


def test_invalid_requirements_stop_the_build_with_their_problems(tmp_path):
    root = workspace(tmp_path)
    (root / "reqs/REQ-002.yaml").write_text("id: REQ-002\ntitle: [\n")
    with pytest.raises(InvalidInput) as error:
        run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True)
    assert "reqs/REQ-002.yaml:2" in error.value.message


def test_only_rebuilds_the_components_of_the_named_requirements(tmp_path):
    root = workspace(tmp_path)
    run_build(root, candidates=1, languages=["python"], model=correct_model(), auto_approve=True)
    model = correct_model(1)
    report = run_build(root, candidates=1, languages=["python"], model=model, auto_approve=True, only=["REQ-003"])
    assert report["components_regenerated"] == ["make_refill_plan"]
    assert [asked_for(call.messages) for call in model.history] == ["make_refill_plan"]
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])


def test_of_several_candidates_the_one_passing_most_examples_is_kept(tmp_path):
    root = workspace(tmp_path)

    def by_candidate(messages, options):
        name = asked_for(messages)
        if name == "make_latest_levels" and options.seed != 1:
            return f"```python\n{WRONG}```"  # only the second candidate gets the latest level right
        return right(name)

    model = ScriptedModel(*[by_candidate] * 12)
    events = []
    report = run_build(root, model, candidates=3, languages=["python"], auto_approve=True, on_event=events.append)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    assert [r["attempts"] for r in report["requirements"]] == [3, 3, 3, 3]
    assert len(model.history) == 12, "no repair was needed"
    assert "for reading in levels" in (root / "app/components/make_latest_levels.py").read_text()
    chose = [e.message for e in events if e.step == "select"]
    assert "make_latest_levels: 1 of 2 different answers pass its 1 example; kept the Python one" in chose


def test_later_components_are_shown_the_outputs_of_earlier_ones(tmp_path):
    root = workspace(tmp_path)
    model = correct_model()
    run_build(root, model, candidates=1, languages=["python"], auto_approve=True)
    [alerts_prompt] = [call.messages[1]["content"] for call in model.history if asked_for(call.messages) == "make_refill_alerts"]
    assert "latest_levels = [{'tank_id': 'T1', 'level_pct': 12.5, 'taken_at': datetime.datetime(2025, 5, 1, 18, 0)}" in alerts_prompt
    assert "(computed by" not in alerts_prompt


def test_a_component_can_be_written_in_sql_and_runs_in_the_app(tmp_path):
    root = workspace(tmp_path)

    def by_language(messages):
        name = asked_for(messages)
        if messages[0]["content"].startswith("You write one DuckDB SQL query"):
            if name != "make_latest_levels":
                return "I cannot."
            assert "- levels(tank_id VARCHAR, level_pct DOUBLE, taken_at TIMESTAMP)" in messages[1]["content"]
            return f"```sql\n{textwrap.dedent(LATEST_BY_SQL).strip()}\n```"
        if name == "make_latest_levels":
            return f"```python\n{WRONG}```"
        return right(name)

    events = []
    report = run_build(root, ScriptedModel(*[by_language] * 8), candidates=1, auto_approve=True, on_event=events.append)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    module = (root / "app/components/make_latest_levels.py").read_text()
    assert "from app.sql import run_sql" in module and "PARTITION BY tank_id" in module
    assert "make_latest_levels: 1 of 2 different answers pass its 1 example; kept the SQL one" in [
        e.message for e in events if e.step == "select"]
    assert report["requirements"][0]["holdouts_passed"] == 2  # out-of-order readings and no readings at all


def test_among_candidates_that_pass_the_examples_the_one_most_others_agree_with_is_kept(tmp_path):
    """Three alert rules pass the visible example; on made-up levels near 20, two agree and one does not."""
    root = workspace(tmp_path)
    rules = ["r['level_pct'] <= 20", "r['level_pct'] < 20", "r['level_pct'] < 20.0"]

    events = []
    report = run_build(root, ScriptedModel(*[alert_rules(rules)] * 12), candidates=3, languages=["python"], auto_approve=True,
                       on_event=events.append)
    module = (root / "app/components/make_refill_alerts.py").read_text()
    assert "r['level_pct'] < 20]" in module, "the majority's rule, the first written of the two"
    assert report["requirements"][1]["holdouts_passed"] == 3  # exactly 20 is not low
    [sentence] = [e.message for e in events if e.step == "select" and e.component == "make_refill_alerts"]
    assert sentence.startswith("make_refill_alerts: 3 of 3 different answers pass its 1 example; kept the Python one, "
                               "which agrees with most on ")


def test_answers_are_compared_on_the_outputs_own_fields_so_an_extra_field_splits_no_vote(tmp_path):
    """Three of five alert rules read "below 20" alike, two of them keeping a field the output does not have;
    the other two read "below 19". The examples ignore an extra field, and so does the vote: counted with their
    extra fields, the three would agree with nobody wherever a tank is low, and "below 19" would win."""
    root = workspace(tmp_path)
    rules = [("< 19", ""), ("< 19.0", ""), ("< 20", ""), ("< 20", ", 'taken_at': r['taken_at']"),
             ("< 20.0", ", 'seen': True")]

    def answer(messages, options):
        if asked_for(messages) != "make_refill_alerts":
            return right(asked_for(messages))
        rule, extra = rules[options.seed % len(rules)]
        return ("```python\ndef run(latest_levels):\n    return [{'tank_id': r['tank_id'], 'level_pct': r['level_pct']"
                f"{extra}}} for r in latest_levels if r['level_pct'] {rule}]\n```")

    events = []
    report = run_build(root, ScriptedModel(*[answer] * 40), candidates=5, languages=["python"], auto_approve=True,
                       on_event=events.append)
    module = (root / "app/components/make_refill_alerts.py").read_text()
    assert "r['level_pct']} for r in latest_levels if r['level_pct'] < 20]" in module, "the plainest of the three"
    assert report["requirements"][1]["holdouts_passed"] == 3  # 19.9 is low
    [sentence] = [e.message for e in events if e.step == "select" and e.component == "make_refill_alerts"]
    assert sentence.endswith("(2 split the answers)"), "only made-up levels between 19 and 20 tell the rules apart"


def test_of_candidates_alike_on_everything_tried_the_plainest_is_kept(tmp_path):
    """Both alert rules pass the example and agree on every made-up input; the extra condition is a guess."""
    root = workspace(tmp_path)
    rules = ["r['level_pct'] < 20 and r['tank_id'] != ''", "r['level_pct'] < 20"]

    run_build(root, ScriptedModel(*[alert_rules(rules)] * 8), candidates=2, languages=["python"], auto_approve=True)
    module = (root / "app/components/make_refill_alerts.py").read_text()
    assert "if r['level_pct'] < 20]" in module, "the second answer, the plainer of the two"


def test_when_the_answers_agree_on_what_an_example_does_not_expect_the_report_says_to_check_both(tmp_path):
    """Three alert rules, written apart, alert both tanks, and one crashes; the example alerts one tank."""
    root = workspace(tmp_path)
    rules = ["r['level_pct'] < 100", "r['level_pct'] <= 100", "r['level_pct'] < 99", "r['level'] < 20"]

    report = run_build(root, ScriptedModel(*[alert_rules(rules)] * 30), candidates=3, languages=["python"], auto_approve=True)
    alerts = report["requirements"][1]
    assert alerts["failing"] and alerts["advice"] == {
        "one tank is low": "3 of the 3 different answers shall tried that gave a result here agree on another one "
                           "(tank_id: T1, level_pct: 12.5; tank_id: T2, level_pct: 64.0). The statement may say "
                           "something other than this example: read them side by side and correct whichever is "
                           "wrong."}, "the crashing answer is not counted"
    assert all(row["advice"] == {} for row in report["requirements"] if row is not alerts)
    out = Console(file=io.StringIO(), width=200)
    _print_report(out, {**report, "model": "fake/scripted", "seconds": 1.0})
    assert 'REQ-002 "one tank is low" fails' in out.file.getvalue()
    assert "  3 of the 3 different answers shall tried that gave a result here agree on another one" in out.file.getvalue()


def test_when_no_candidate_passes_each_goes_back_once_with_what_it_got_wrong(tmp_path):
    root = workspace(tmp_path)
    crashing = "def run(levels):\n    raise ValueError('no idea')\n"

    def by_candidate(messages, options):
        name = asked_for(messages)
        revising = "It is wrong on example" in messages[-1]["content"]
        if name != "make_latest_levels":
            return right(name)
        if not revising:
            return f"```python\n{WRONG if options.seed == 0 else crashing}```"
        if "no idea" in messages[-1]["content"]:  # the crashing one is put right
            return right(name)
        return f"```python\n{WRONG}```"

    model = ScriptedModel(*[by_candidate] * 10)
    events = []
    report = run_build(root, model, candidates=2, languages=["python"], when_none_pass="revise", auto_approve=True,
                       on_event=events.append)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    assert len(model.history) == 10, "8 first answers and 2 revisions; no repair was needed"
    revisions = [call.messages[-1]["content"] for call in model.history if "It is wrong on example" in call.messages[-1]["content"]]
    assert len(revisions) == 2
    assert any("It failed with: ValueError: no idea" in r and "raise ValueError('no idea')" in r for r in revisions)
    assert any("but it returned latest_levels = []" in r and "return []" in r for r in revisions)
    assert all("expected latest_levels = [{'tank_id': 'T1'" in r for r in revisions)
    said = [e.message for e in events if e.component == "make_latest_levels"]
    assert ("make_latest_levels: none of its 2 different answers passes its 1 example; each goes back once with what it "
            "got wrong") in said
    assert "make_latest_levels: 1 of 3 different answers pass its 1 example; kept the Python one" in said
    assert "for reading in levels" in (root / "app/components/make_latest_levels.py").read_text()


def empty_latest(options) -> str:
    """The latest levels written wrong, each answer a little different, so that none is taken for another."""
    return f"```python\ndef run(levels):\n    return []  # try {options.seed}\n```"


def test_candidates_go_back_only_once_and_then_the_repair_loop_takes_over(tmp_path):
    root = workspace(tmp_path)

    def by_candidate(messages, options):
        return empty_latest(options) if asked_for(messages) == "make_latest_levels" else right(asked_for(messages))

    model = ScriptedModel(*[by_candidate] * 13)
    events = []
    report = run_build(root, model, candidates=2, languages=["python"], when_none_pass="revise", auto_approve=True,
                       max_repairs=1, on_event=events.append)
    steps = [e.step for e in events if e.component == "make_latest_levels" and e.step in ("revise", "repair")]
    assert steps == ["revise", "revise", "repair"], "one sentence, the two revisions asked for together, then one repair"
    assert "Revising make_latest_levels: 2 answers sent back with the example each gets wrong" in \
        [e.message for e in events]
    assert len(model.history) == 8 + 2 + 1
    assert report["requirements"][0]["examples_passed"] == 0


def test_a_query_reading_a_column_from_the_wrong_table_is_mended_and_the_log_says_so(tmp_path):
    root = workspace(tmp_path)
    slipped = ("SELECT a.village, COUNT(a.tank_id) AS tanks_to_refill FROM tanks t "
               "LEFT JOIN refill_alerts a ON a.tank_id = t.tank_id GROUP BY a.village")

    def by_language(messages):
        name = asked_for(messages)
        if messages[0]["content"].startswith("You write one DuckDB SQL query"):
            return f"```sql\n{slipped}\n```" if name == "make_village_refills" else "I cannot."
        return f"```python\n{WRONG if name == 'make_village_refills' else textwrap.dedent(WATER_TANKS[name]).strip()}\n```"

    events = []
    report = run_build(root, ScriptedModel(*[by_language] * 8), candidates=1, auto_approve=True, on_event=events.append)
    assert "Wrote make_village_refills in SQL (" in "\n".join(e.message for e in events)
    assert any(e.message.endswith("; mended without the model: a.village is t.village") for e in events)
    assert "SELECT t.village, COUNT(a.tank_id)" in (root / "app/components/make_village_refills.py").read_text()
    assert report["requirements"][3]["examples_passed"] == report["requirements"][3]["examples"]


def test_when_every_candidate_fails_the_one_nearest_to_the_examples_is_kept_to_repair(tmp_path):
    root = workspace(tmp_path)
    crashing = "def run(levels):\n    raise ValueError('no idea')\n"
    every_reading = "def run(levels):\n    return [dict(r) for r in levels]\n"  # right fields, too many records

    def by_candidate(messages, options):
        name = asked_for(messages)
        if name != "make_latest_levels":
            return right(name)
        if "It is wrong on example" in messages[-1]["content"]:  # a revision changes nothing
            return f"```python\n{crashing if 'no idea' in messages[-1]['content'] else every_reading}```"
        return f"```python\n{crashing if options.seed == 0 else every_reading}```"

    events = []
    run_build(root, ScriptedModel(*[by_candidate] * 10), candidates=2, languages=["python"], when_none_pass="revise",
              auto_approve=True, max_repairs=0, on_event=events.append)
    assert "return [dict(r) for r in levels]" in (root / "app/components/make_latest_levels.py").read_text()
    assert ("make_latest_levels: 0 of 2 different answers pass its 1 example; kept the Python one, which comes nearest "
            "to the examples") in [e.message for e in events]


def test_when_none_pass_the_build_can_ask_for_as_many_first_answers_again(tmp_path):
    root = workspace(tmp_path)

    def by_candidate(messages, options):
        name = asked_for(messages)
        assert "It is wrong on example" not in messages[-1]["content"], "resampling sends nothing back"
        if name == "make_latest_levels" and options.seed < 2:
            return f"```python\ndef run(levels):\n    return []  # try {options.seed}\n```"
        return right(name)

    model = ScriptedModel(*[by_candidate] * 10)
    events = []
    report = run_build(root, model, candidates=2, languages=["python"], when_none_pass="resample", auto_approve=True,
                       on_event=events.append)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    seeds = [call.options.seed for call in model.history if asked_for(call.messages) == "make_latest_levels"]
    assert seeds == [0, 1, 2, 3], "two first answers, then two more with new seeds"
    said = [e.message for e in events if e.component == "make_latest_levels"]
    assert "make_latest_levels: none of its 2 different answers passes its 1 example; asking for as many again" in said
    assert "make_latest_levels: 1 of 3 different answers pass its 1 example; kept the Python one" in said


def test_resampling_goes_on_for_as_many_rounds_as_asked_and_no_more(tmp_path):
    root = workspace(tmp_path)

    def latest_passes_from(first_passing: int):
        def answer(messages, options):
            name = asked_for(messages)
            if name == "make_latest_levels" and options.seed < first_passing:
                return f"```python\ndef run(levels):\n    return []  # try {options.seed}\n```"
            return right(name)
        return answer

    model = ScriptedModel(*[latest_passes_from(4)] * 12)
    report = run_build(root, model, candidates=2, languages=["python"], rounds_when_none_pass=2, auto_approve=True)
    assert all(r["examples_passed"] == r["examples"] for r in report["requirements"])
    seeds = [call.options.seed for call in model.history if asked_for(call.messages) == "make_latest_levels"]
    assert seeds == [0, 1, 2, 3, 4, 5], "two rounds of two more, each with new seeds"

    again = workspace(tmp_path / "again")
    model = ScriptedModel(*[latest_passes_from(99)] * 20)
    run_build(again, model, candidates=2, languages=["python"], rounds_when_none_pass=2, max_repairs=1, auto_approve=True)
    seeds = [call.options.seed for call in model.history
             if asked_for(call.messages) == "make_latest_levels" and "It is wrong on example" not in call.messages[-1]["content"]]
    assert seeds == [0, 1, 2, 3, 4, 5], "after two rounds it chooses anyway and goes on to repair"


def test_a_component_judged_on_what_a_failing_one_made_is_not_asked_again(tmp_path):
    """Its answers are tried on the latest levels the app made, which are wrong: however right, none can pass."""
    root = workspace(tmp_path)

    def latest_always_wrong(messages, options):
        if (name := asked_for(messages)) == "make_latest_levels":
            return empty_latest(options)
        return f"```python\n{textwrap.dedent(WATER_TANKS[name]).strip()}  # try {options.seed}\n```"

    model = ScriptedModel(*[latest_always_wrong] * 20)
    events = []
    run_build(root, model, candidates=2, languages=["python"], auto_approve=True, max_repairs=0, on_event=events.append)
    seeds = {name: [call.options.seed for call in model.history if asked_for(call.messages) == name]
             for name in ("make_latest_levels", "make_refill_alerts", "make_refill_plan")}
    assert seeds == {"make_latest_levels": [0, 1, 2, 3], "make_refill_alerts": [0, 1], "make_refill_plan": [0, 1]}
    said = [e.message for e in events]
    assert ("make_refill_alerts: none of its 2 different answers passes its 1 example, but it reads latest levels, "
            "which make_latest_levels gets wrong, so no answer can pass; it is not asked again") in said
    assert any(m.startswith("make_refill_plan: none of its 2 different answers") and "which make_latest_levels" in m
               for m in said), "refill plan reads the latest levels too, and the alerts made from them"
