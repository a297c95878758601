"""Questions for the person: found where the answers that pass every example disagree, cut down, ranked,
skipped, and answered as a new example of the requirement."""

from __future__ import annotations

import json
import textwrap

import pytest

from agents import answers
from agents.build import run_build
from agents.models.fake import ScriptedModel
from agents.questions import Choice, Question, ranked, smallest_disagreement
from reqs.gitrepo import GitRepo
from reqs.workspace import load_workspace
from tests.helpers import asked_for, built_workspace, right, workspace, WATER_TANKS

# Three ways to keep each tank's latest level. The first and the last read the time; the second keeps
# the last reading in the list, which passes the visible example (given in time order) and nothing else.
LATEST = [
    """
    def run(levels):
        latest = {}
        for r in levels:
            if r["tank_id"] not in latest or r["taken_at"] > latest[r["tank_id"]]["taken_at"]:
                latest[r["tank_id"]] = r
        return list(latest.values())
    """,
    """
    def run(levels):
        return list({r["tank_id"]: r for r in levels}.values())
    """,
    """
    def run(levels):
        tanks = {r["tank_id"] for r in levels}
        return [max((r for r in levels if r["tank_id"] == t), key=lambda r: r["taken_at"]) for t in sorted(tanks)]
    """,
]


def latest_rules(messages, options):
    if asked_for(messages) != "make_latest_levels":
        return right(asked_for(messages))
    return f"```python\n{textwrap.dedent(LATEST[options.seed % 3]).strip()}\n```"


@pytest.fixture
def asked(tmp_path):
    root = workspace(tmp_path)
    report = run_build(root, ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"], auto_approve=True)
    return root, report


def test_where_the_answers_that_pass_disagree_the_person_is_asked_which_result_is_right(asked):
    root, report = asked
    [question] = report["questions"]
    assert (question["component"], question["requirement"], question["output"]) == ("make_latest_levels", "REQ-001", "latest_levels")
    # cut down to the two readings of one tank, the later one first: the only records that still split them
    levels = question["inputs"]["levels"]
    assert len(levels) == 2 and {r["tank_id"] for r in levels} == {"T1"} and levels[0]["taken_at"] > levels[1]["taken_at"]
    most, fewer = question["choices"]
    assert (most["answers"], fewer["answers"], question["finalists"]) == (2, 1, 3)
    assert most["records"] == [levels[0]] and fewer["records"] == [levels[1]]
    assert [q.key for q in answers.open_questions(root)] == [question["key"]]


def test_a_question_never_shows_a_held_out_example(asked):
    root, report = asked
    shown = json.dumps(report["questions"])
    for requirement in load_workspace(root).requirements:
        for example in requirement.examples:
            if example.holdout:
                for records in example.given.values():
                    for record in records:
                        assert json.dumps(record)[1:-1] not in shown, f"{requirement.id} {example.name}"


def test_an_answer_becomes_a_committed_example_of_the_requirement_and_the_question_closes(asked):
    root, report = asked
    path = root / "reqs/REQ-001.yaml"
    path.write_text("# Tank levels come from the sensors every half hour.\n" + path.read_text())
    GitRepo.open_enclosing(root).commit(["reqs"], "A comment")
    question = answers.find(root, "1")
    sha = answers.answer(root, question, answers.choice_of(question, "a").records)
    assert sha
    text = path.read_text()
    assert text.startswith("# Tank levels come from the sensors every half hour.\n"), "the person's comment is kept"
    [requirement] = [r for r in load_workspace(root).requirements if r.id == "REQ-001"]
    example = requirement.examples[-1]
    assert example.name == "asked: 2 records of levels" and not example.holdout
    assert example.given == question.inputs and example.then == {"latest_levels": question.choices[0].records}
    assert GitRepo.open_enclosing(root).changed(["reqs"]) == {}, "committed"
    assert answers.open_questions(root) == []


def test_the_next_build_chooses_again_among_the_answers_the_question_was_about_with_no_model_call(asked):
    root, _ = asked
    question = answers.find(root, "1")
    answers.answer(root, question, answers.choice_of(question, "b").records)  # the minority's reading, this time
    events = []
    report = run_build(root, ScriptedModel(), candidates=3, languages=["python"], auto_approve=True, on_event=events.append)
    assert "Choosing make_latest_levels again among the 3 answers your answer was about (no model needed)" in \
        [e.message for e in events]
    assert 'return list({r["tank_id"]: r for r in levels}.values())' in (root / "app/components/make_latest_levels.py").read_text()
    assert report["tokens"] == 0 and report["components_regenerated"] == ["make_latest_levels"]
    assert report["questions"] == [], "they agree on everything now"


def test_when_no_answer_gives_the_persons_result_the_model_is_asked_again(asked):
    root, _ = asked
    question = answers.find(root, "1")
    answers.answer(root, question, [])  # typed: no latest level at all, which none of them gives
    model = ScriptedModel(*[latest_rules] * 12)
    run_build(root, model, candidates=3, languages=["python"], auto_approve=True)
    assert model.history and all("asked: 2 records of levels" in call.messages[1]["content"] for call in model.history), \
        "asked again, shown the new example"


def test_the_answers_are_not_reused_once_the_requirement_changed_again(asked):
    root, _ = asked
    question = answers.find(root, "1")
    answers.answer(root, question, answers.choice_of(question, "a").records)
    path = root / "reqs/REQ-001.yaml"
    path.write_text(path.read_text().replace("most recent level reading", "latest level reading"))
    model = ScriptedModel(*[latest_rules] * 12)
    run_build(root, model, candidates=3, languages=["python"], auto_approve=True)
    assert len(model.history) == 3, "written anew"


def test_a_skipped_question_is_not_asked_again_until_the_requirement_changes(asked):
    root, report = asked
    question = answers.find(root, report["questions"][0]["key"])
    answers.skip(root, question)
    assert answers.open_questions(root) == []
    again = run_build(root, ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"], auto_approve=True)
    assert again["questions"] == [], "nothing was written again, and the question was skipped"
    path = root / "reqs/REQ-001.yaml"
    path.write_text(path.read_text().replace("most recent level reading", "most recent level reading, by when it was taken"))
    changed = run_build(root, ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"], auto_approve=True)
    assert [q["component"] for q in changed["questions"]] == ["make_latest_levels"]


def test_answers_that_agree_leave_nothing_to_ask(tmp_path):
    root = workspace(tmp_path)
    report = run_build(root, ScriptedModel(*[lambda m: right(asked_for(m))] * 12), candidates=3, languages=["python"],
                       auto_approve=True)
    assert report["questions"] == [] and report["questions_waiting"] == 0


def test_a_build_told_to_ask_nothing_looks_for_no_questions(tmp_path):
    root = workspace(tmp_path)
    report = run_build(root, ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"], auto_approve=True,
                       questions=0)
    assert report["questions"] == [] and report["questions_waiting"] == 0 and answers.open_questions(root) == []


def test_an_answer_must_be_one_of_the_results_shown(asked):
    root, _ = asked
    question = answers.find(root, "1")
    with pytest.raises(Exception, match="answer with a or b"):
        answers.choice_of(question, "c")
    with pytest.raises(Exception, match="no open question 'zzz'"):
        answers.find(root, "zzz")


def test_the_input_is_cut_down_to_the_records_that_still_make_the_answers_differ(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    code = {"_by_time": textwrap.dedent(LATEST[0]), "_by_order": textwrap.dedent(LATEST[1])}
    levels = [{"tank_id": t, "level_pct": 50.0, "taken_at": f"2025-05-0{d}T07:00:00"} for t in ("T1", "T2", "T3") for d in (1, 2)]
    levels[0], levels[1] = levels[1], levels[0]  # only T1's readings are out of order
    cut = smallest_disagreement(root, code, {"levels": levels})
    assert cut == {"levels": [levels[0], levels[1]]}


def _question(key: str, component: str, value: float) -> Question:
    return Question(key, component, "REQ-001", "out", {}, [Choice([], 2, ["python-0"]), Choice([], 1, ["sql-0"])], 3, value)


def test_the_most_valuable_questions_come_first_and_skipped_ones_not_at_all():
    questions = [_question("k1", "make_a", 0.3), _question("k2", "make_b", 1.2), _question("k3", "make_c", 0.6)]
    assert [q.key for q in ranked(questions, at_most=2)] == ["k2", "k3"]
    assert [q.key for q in ranked(questions, skipped={"k2"})] == ["k3", "k1"]
    assert Question.from_dict(questions[0].as_dict()) == questions[0]


def test_a_component_made_from_other_components_results_is_asked_about_in_the_raw_data(tmp_path):
    from tests.helpers import alert_rules

    root = workspace(tmp_path)
    rules = ["r['level_pct'] < 20", "r['level_pct'] <= 20", "r['level_pct'] < 20.0"]
    report = run_build(root, ScriptedModel(*[alert_rules(rules)] * 12), candidates=3, languages=["python"], auto_approve=True)
    [question] = report["questions"]
    assert question["component"] == "make_refill_alerts"
    # the refill alerts read the latest levels; the person is shown the levels their example gives
    [reading] = question["inputs"]["levels"]
    assert reading["level_pct"] == 20 and "latest_levels" not in question["inputs"]
    assert [c["records"] for c in question["choices"]] == [[], [{"tank_id": reading["tank_id"], "level_pct": 20}]]


def test_answers_that_differ_only_by_a_field_the_result_does_not_have_raise_no_question(tmp_path):
    from tests.helpers import alert_rules

    root = workspace(tmp_path)
    # the same rule, one of them keeping the reading's time too: the examples ignore an extra field, and so do questions
    rules = ["r['level_pct'] < 20", "r['level_pct'] < 20.0", "(r['level_pct'] < 20) == True"]
    extra = ScriptedModel(*[lambda m, o: alert_rules(rules)(m, o).replace(
        "{'tank_id': r['tank_id'], 'level_pct': r['level_pct']}", "dict(r)") if o.seed == 1 else alert_rules(rules)(m, o)] * 12)
    report = run_build(root, extra, candidates=3, languages=["python"], auto_approve=True)
    assert report["questions"] == []


def test_a_questions_number_stays_while_others_are_answered(tmp_path):
    (tmp_path / ".shall").mkdir()
    first, second = _question("k1", "make_a", 1.2), _question("k2", "make_b", 0.6)
    kept = answers.keep_open(tmp_path, [first, second], set())
    assert [(q.key, q.number) for q in kept] == [("k1", 1), ("k2", 2)]
    answers._forget(tmp_path, kept[0])
    assert answers.find(tmp_path, "2").key == "k2", "still 2, as the person saw it listed"
    third = answers.keep_open(tmp_path, [_question("k3", "make_c", 2.0)], set())
    assert [(q.key, q.number) for q in third] == [("k3", 1), ("k2", 2)], "a new one takes the free number"


def test_a_component_made_from_results_kept_from_the_last_build_is_chosen_again_with_no_model_call(tmp_path):
    from tests.helpers import alert_rules

    root = workspace(tmp_path)
    rules = ["r['level_pct'] < 20", "r['level_pct'] <= 20", "r['level_pct'] < 20.0"]
    run_build(root, ScriptedModel(*[alert_rules(rules)] * 12), candidates=3, languages=["python"], auto_approve=True)
    question = answers.find(root, "1")
    answers.answer(root, question, answers.choice_of(question, "a").records)
    # only the refill alerts are written again; the latest levels they read come from the app as it stands,
    # for the new example too
    report = run_build(root, ScriptedModel(), candidates=3, languages=["python"], auto_approve=True)
    assert report["tokens"] == 0 and report["components_regenerated"] == ["make_refill_alerts"]
    assert "r['level_pct'] < 20]" in (root / "app/components/make_refill_alerts.py").read_text()


def test_a_question_is_said_as_it_arises_with_the_question_itself_and_no_more_than_the_build_asks(tmp_path):
    root = workspace(tmp_path)
    events = []
    run_build(root, ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"], auto_approve=True,
              on_event=events.append)
    [said] = [e for e in events if e.question is not None]
    assert said.component == "make_latest_levels" and said.question["key"] == answers.open_questions(root)[0].key
    assert said.message.startswith("A question for you about") and "(REQ-001)" in said.message
    order = [e.step for e in events]
    assert order.index(said.step) < order.index("holdout"), "said before the build goes on to its held-out examples"
    events.clear()
    run_build(workspace(tmp_path / "none"), ScriptedModel(*[latest_rules] * 12), candidates=3, languages=["python"],
              auto_approve=True, on_event=events.append, questions=0)
    assert not [e for e in events if e.question is not None]


def test_an_answer_held_during_a_build_is_saved_once_by_the_next_build_and_never_twice(asked):
    root, report = asked
    question = Question.from_dict(report["questions"][0])
    answers.hold(root, question, question.choices[1].records)
    answers.hold(root, question, question.choices[0].records)  # changed their mind: the last answer counts
    events = []
    run_build(root, ScriptedModel(), candidates=3, languages=["python"], auto_approve=True, on_event=events.append)
    assert "Saved 1 answer you gave during the last build as an example" in [e.message for e in events]
    [example] = [e for r in load_workspace(root).requirements if r.id == "REQ-001" for e in r.examples
                 if e.name.startswith("asked:")]
    assert example.then == {"latest_levels": question.choices[0].records}
    assert answers.save_held(root) == (0, []), "saved once"
    assert "Choosing make_latest_levels again" in "\n".join(e.message for e in events), "and used at once"


def test_an_answer_held_for_a_requirement_since_removed_is_reported_not_lost_silently(asked):
    root, report = asked
    question = Question.from_dict(report["questions"][0])
    answers.hold(root, question, question.choices[0].records)
    (root / "reqs/REQ-001.yaml").unlink()
    saved, problems = answers.save_held(root)
    assert saved == 0 and problems == ["Your answer about REQ-001 was not saved: REQ-001 is no longer in reqs/, so the "
                                       "answer has nowhere to go; build again for new questions"]


def test_a_requirement_whose_answers_split_is_reported_as_needing_an_answer_not_as_working(asked, capsys):
    from tui.cli import main

    root, report = asked
    rows = {row["id"]: row for row in report["requirements"]}
    assert rows["REQ-001"]["examples_passed"] == rows["REQ-001"]["examples"], "it passes every example it has"
    assert (rows["REQ-001"]["state"], rows["REQ-001"]["questions_open"]) == ("needs your answer", 1)
    assert {rows[r]["state"] for r in rows if r != "REQ-001"} == {"passing"}
    assert main(["-C", str(root), "status"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("REQ-001"))
    assert line.endswith("needs your answer (1 question)")


def test_the_apps_first_page_does_not_show_green_where_a_question_is_open(asked, monkeypatch):
    import importlib

    from starlette.testclient import TestClient

    from tests.webclient import forget_app

    root, _ = asked
    monkeypatch.setenv("APP_DB", str(root / "data.sqlite"))
    monkeypatch.syspath_prepend(str(root))
    forget_app()
    store = importlib.import_module("app.store").Store(root / "data.sqlite")
    try:
        page = TestClient(importlib.import_module("app.web").make_app(store), client=("127.0.0.1", 50000)).get("/").text
    finally:
        store.close()
        forget_app()
    assert page.count('class="state unsure"') == 1 and page.count('class="state passing"') == 3
    assert "Not known to work yet" in page and "1 question waits for whoever builds this app" in page
