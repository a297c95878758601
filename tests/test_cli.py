"""The shall command line: init, validate and status, as a person would run them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

import tui.building
from tests.conftest import REFILL_ALERT
from tests.helpers import correct_model, workspace
from tui.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_makes_a_workspace_with_a_first_commit(tmp_path, capsys):
    code, out, err = run(capsys, "init", str(tmp_path / "water-tanks"))
    root = tmp_path / "water-tanks"
    assert code == 0, err
    assert f"Made a shall workspace in {root}" in out
    assert (root / "reqs/project.yaml").read_text().count("name: Water tanks\n") == 1
    assert ".shall/" in (root / ".gitignore").read_text().splitlines()
    repo = git.Repo(root)
    assert repo.active_branch.name == "main"
    assert [c.message for c in repo.iter_commits()] == ["shall init: Water tanks"]
    assert sorted(repo.git.ls_files().splitlines()) == [".gitignore", "reqs/project.yaml"]
    assert not repo.is_dirty(untracked_files=True)


def test_init_takes_a_name_that_needs_quoting(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "init", "clinic", "--name", "Clinic: vaccines # 2025")
    assert code == 0, err
    code, out, _ = run(capsys, "-C", str(tmp_path / "clinic"), "status")
    assert code == 0
    assert "Clinic: vaccines # 2025" in out


def test_init_refuses_to_clobber_a_workspace(tmp_path, capsys):
    run(capsys, "init", str(tmp_path))
    project = (tmp_path / "reqs/project.yaml")
    project.write_text("name: Mine, edited\n")
    code, out, err = run(capsys, "init", str(tmp_path), "--name", "Other")
    assert code == 2
    assert err.strip() == f"{tmp_path} is already a shall workspace (reqs/project.yaml exists); nothing was changed"
    assert project.read_text() == "name: Mine, edited\n"
    assert len(list(git.Repo(tmp_path).iter_commits())) == 1


def test_init_in_an_existing_repository_keeps_its_history_and_gitignore(tmp_path, capsys):
    repo = git.Repo.init(tmp_path)
    (tmp_path / ".gitignore").write_text("secrets.txt\n.shall/\n")
    (tmp_path / "notes.md").write_text("ours\n")
    repo.index.add([".gitignore", "notes.md"])
    repo.index.commit("our own start")
    code, _, err = run(capsys, "init", str(tmp_path), "--name", "Farm")
    assert code == 0, err
    assert [c.message for c in repo.iter_commits()] == ["shall init: Farm", "our own start"]
    ignored = (tmp_path / ".gitignore").read_text().splitlines()
    assert ignored[:2] == ["secrets.txt", ".shall/"] and ignored.count(".shall/") == 1 and "*.sqlite" in ignored


def test_validate_accepts_a_valid_workspace(tmp_path, capsys):
    run(capsys, "init", str(tmp_path))
    (tmp_path / "reqs/REQ-001.yaml").write_text(REFILL_ALERT)
    code, out, err = run(capsys, "-C", str(tmp_path), "validate")
    assert (code, err) == (0, "")
    assert out.strip() == "All valid: 1 requirement with 2 examples (1 held out to check the build)."


def test_validate_reports_every_problem_and_exits_2(tmp_path, capsys):
    run(capsys, "init", str(tmp_path))
    (tmp_path / "reqs/REQ-001.yaml").write_text(REFILL_ALERT.replace("priority: must", "priority: urgent"))
    (tmp_path / "reqs/REQ-002.yaml").write_text("id: REQ-002\n\ttitle: x\n")
    code, out, err = run(capsys, "-C", str(tmp_path), "validate")
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "reqs/REQ-001.yaml:4: 'priority' should be must, should or could, got 'urgent'",
        "reqs/REQ-002.yaml:2: a tab is used for indenting here; YAML needs spaces, so replace the tab with spaces",
        "",
        "2 problems in 2 files. Fix them and run `shall validate` again.",
    ]


def test_validate_from_a_subfolder_finds_the_workspace(tmp_path, capsys):
    run(capsys, "init", str(tmp_path))
    (tmp_path / "reqs/REQ-001.yaml").write_text(REFILL_ALERT)
    code, out, _ = run(capsys, "-C", str(tmp_path / "reqs"), "validate")
    assert code == 0 and out.startswith("All valid")


def test_outside_a_workspace_says_how_to_start(tmp_path, capsys):
    code, _, err = run(capsys, "-C", str(tmp_path), "status")
    assert code == 2
    assert "no shall workspace here" in err and "Run `shall init` to make one" in err


def test_status_lists_requirements_with_their_examples(tmp_path, capsys):
    run(capsys, "init", str(tmp_path), "--name", "Village water tanks")
    (tmp_path / "reqs/REQ-001.yaml").write_text(REFILL_ALERT)
    (tmp_path / "reqs/REQ-002.yaml").write_text(REFILL_ALERT.replace("REQ-001", "REQ-002").replace("Refill alert", "Refill plan").replace("must ", "could"))
    code, out, _ = run(capsys, "-C", str(tmp_path), "status")
    assert code == 0
    rows = [line for line in out.splitlines() if "REQ-" in line]
    assert rows == [
        "REQ-001  Refill alert  must             1         1  new",
        "REQ-002  Refill plan   could            1         1  new",
    ]
    assert out.splitlines()[1] == "ID       Title         Priority  Examples  Held out  State"
    assert out.startswith("Village water tanks")


def test_status_shows_broken_files_and_exits_2(tmp_path, capsys):
    run(capsys, "init", str(tmp_path))
    (tmp_path / "reqs/REQ-001.yaml").write_text(REFILL_ALERT)
    (tmp_path / "reqs/REQ-002.yaml").write_text("id: REQ-002\n")
    code, out, err = run(capsys, "-C", str(tmp_path), "status")
    assert code == 2
    assert "REQ-002  (cannot be read, see below)" in out
    assert "reqs/REQ-002.yaml:1: 'title' is missing" in err


def test_no_command_or_a_wrong_one_is_a_usage_error(capsys):
    assert main([]) == 2
    with pytest.raises(SystemExit) as stopped:
        main(["bogus"])
    assert stopped.value.code == 2


def test_the_installed_command_runs_without_a_traceback(tmp_path):
    shall = shutil.which("shall", path=str(Path(sys.executable).parent))
    assert shall, "the shall command is installed beside the Python running the tests"
    made = subprocess.run([shall, "init", str(tmp_path / "ws")], capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    (tmp_path / "ws/reqs/REQ-001.yaml").write_text("id: REQ-001\ntitle: [\n")
    checked = subprocess.run([shall, "validate"], cwd=tmp_path / "ws", capture_output=True, text=True)
    assert checked.returncode == 2
    assert "Traceback" not in checked.stderr
    assert checked.stderr.startswith("reqs/REQ-001.yaml:2: a [ or { opened on this line is never closed")


def test_build_at_the_terminal_shows_the_design_in_plain_words_before_asking(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: correct_model())
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    assert main(["-C", str(root), "build"]) == 1
    said = capsys.readouterr().err
    assert asked == ["Build with this design? [Y/n] "]
    assert ("- To make the refill plan (REQ-003 Refill plan), shall uses the latest levels (from REQ-001), "
            "the refill alerts (from REQ-002) and the tanks.") in said
    assert "not approved" in said and not (root / "app").exists()


def test_a_build_logged_to_a_file_keeps_its_steps_and_leaves_how_far_the_model_is_out(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: correct_model(calls=24))
    assert main(["-C", str(root), "build", "--yes"]) == 0
    said = capsys.readouterr().err
    assert "Writing make_latest_levels in Python and SQL" in said and "Wrote make_latest_levels" in said
    assert "tokens written" not in said and "reading the question" not in said


def test_build_takes_how_many_repairs_and_refuses_a_count_below_zero(tmp_path, capsys, monkeypatch):
    root = workspace(tmp_path)
    given = {}
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: correct_model(calls=24))
    building = tui.building.run_build
    monkeypatch.setattr("tui.building.run_build", lambda root, model, **options: given.update(options)
                        or building(root, model, **options))
    with pytest.raises(SystemExit) as refused:
        main(["-C", str(root), "build", "--yes", "--repairs", "-1"])
    assert refused.value.code == 2
    assert "argument --repairs: '-1' is not a whole number of 0 or more" in capsys.readouterr().err
    assert main(["-C", str(root), "build", "--yes", "--repairs", "2"]) == 0
    assert given["max_repairs"] == 2
    assert main(["-C", str(root), "build", "--yes"]) == 0
    assert given["max_repairs"] is None, "nothing changed, and still: unless told, the model's own default (agents.state.repairs_by_default)"
