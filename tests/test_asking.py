"""Questions on the command line: listed after a build with no one to ask, asked at the terminal, answered later."""

from __future__ import annotations

import sys

from agents.models.fake import ScriptedModel
from reqs.gitrepo import GitRepo
from reqs.workspace import load_workspace
from tests.helpers import workspace
from tests.test_questions import latest_rules
from tui.cli import main


def _asking_model(monkeypatch):
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: ScriptedModel(*[latest_rules] * 60))


def _asked_examples(root):
    [requirement] = [r for r in load_workspace(root).requirements if r.id == "REQ-001"]
    return [e for e in requirement.examples if e.name.startswith("asked:")]


def test_with_no_one_at_the_terminal_the_build_lists_its_questions_and_how_to_answer(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    assert main(["-C", str(root), "build", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "about Latest level of each tank (REQ-001): for these records, which latest levels is right?" in out
    assert "  A (2 of 3 answers): \n    tank_id: T1, level_pct: 12.5" in out
    assert "answer with `shall answer 1 a`" in out
    assert _asked_examples(root) == []


def test_a_question_left_by_a_build_is_answered_later_and_becomes_a_committed_example(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    main(["-C", str(root), "build", "--yes"])
    capsys.readouterr()
    assert main(["-C", str(root), "questions"]) == 0
    assert "Question 1 [" in capsys.readouterr().out
    assert main(["-C", str(root), "answer", "1", "a"]) == 0
    assert "Saved as a new example of REQ-001 and committed as " in capsys.readouterr().out
    [example] = _asked_examples(root)
    assert example.then["latest_levels"][0]["level_pct"] == 12.5
    assert "asked: 2 records of levels" in GitRepo.open_enclosing(root).show("HEAD:reqs/REQ-001.yaml")
    assert main(["-C", str(root), "questions"]) == 0
    assert "No open questions" in capsys.readouterr().out


def test_at_the_terminal_the_build_asks_and_a_wrong_key_is_asked_again(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    replies = iter(["y", "z", "t", "[{tank_id: T1, level_pct: 55.0, taken_at: '2025-05-01T07:00:00'}]"])
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or next(replies))
    assert main(["-C", str(root), "build"]) == 0
    out = capsys.readouterr().out
    assert "'z' is not one of the results: answer with a or b" in out
    assert prompts[1] == prompts[2] == "Keys: a / b, or t to type the right result yourself, s to skip. "
    [example] = _asked_examples(root)
    assert example.then == {"latest_levels": [{"tank_id": "T1", "level_pct": 55.0, "taken_at": "2025-05-01T07:00:00"}]}
    assert "Build again to use them: shall build" in out


def test_a_result_file_that_is_not_a_list_of_records_is_refused_with_its_name(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    main(["-C", str(root), "build", "--yes"])
    bad = tmp_path / "right.yaml"
    bad.write_text("- {tank_id: T1\n- oops: [\n")
    capsys.readouterr()
    assert main(["-C", str(root), "answer", "1", "--result", str(bad)]) != 0
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}, line ") and "not YAML or JSON" in err
    bad.write_text("tank_id: T1\n")
    assert main(["-C", str(root), "answer", "1", "--result", str(bad)]) != 0
    assert "a result is a list of records" in capsys.readouterr().err
    assert _asked_examples(root) == []


def test_a_skipped_question_is_said_to_wait_for_a_change(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    main(["-C", str(root), "build", "--yes"])
    capsys.readouterr()
    assert main(["-C", str(root), "answer", "1", "--skip"]) == 0
    assert "not asked again until REQ-001 changes" in capsys.readouterr().out
    main(["-C", str(root), "questions"])
    assert "No open questions" in capsys.readouterr().out


def test_the_summary_for_a_pull_request_lists_the_questions_with_the_commands_that_answer_them(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    summary = tmp_path / "shall-build.md"
    assert main(["-C", str(root), "build", "--yes", "--json", "--summary", str(summary)]) == 0
    text = summary.read_text()
    assert "| REQ-001 | Latest level of each tank | 1/1 | 2/2 |" in text
    assert "## Questions for the person who wrote the requirements" in text
    assert "- given levels: tank_id: T1, level_pct: 12.5" in text
    assert "— `shall answer 1 a`" in text and "— `shall answer 1 b`" in text


def test_a_build_whose_answers_agree_says_it_has_no_questions(tmp_path, capsys, monkeypatch):
    from tests.helpers import correct_model

    root = workspace(tmp_path)
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: correct_model(24))
    assert main(["-C", str(root), "build", "--yes"]) == 0
    assert "No questions for you" in capsys.readouterr().out


def test_an_answer_held_when_the_tui_closed_mid_build_is_saved_by_shall_questions_but_not_while_a_build_runs(
        tmp_path, capsys, monkeypatch):
    from agents import answers
    from agents.build import only_build, save_held_answers

    root = workspace(tmp_path)
    _asking_model(monkeypatch)
    main(["-C", str(root), "build", "--yes"])
    capsys.readouterr()
    [question] = answers.open_questions(root)
    answers.hold(root, question, question.choices[0].records)  # answered in the TUI, closed before the build ended
    with only_build(root):
        assert save_held_answers(root) is False and _asked_examples(root) == [], "never beside a running build"
    assert main(["-C", str(root), "questions"]) == 0
    out = capsys.readouterr().out
    assert "Saved 1 answer you gave during the last build as an example" in out and "No open questions" in out
    [example] = _asked_examples(root)
    assert example.then["latest_levels"] == question.choices[0].records
