"""project.yaml, specs/design.yaml and shall.lock edited by hand or damaged: a message naming the file, never a crash."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reqs.workspace import load_workspace
from tests.conftest import PROJECT
from tests.helpers import correct_model, workspace
from tui.cli import main

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                             HealthCheck.function_scoped_fixture])
PUNCTUATION = [":", "-", " ", "\t", "'", '"', "[", "]", "{", "}", ",", "#", "\n", "&a", "*a", "!!int", "null", "~", "\0",
               "\ufeff", "\\", "0x", "1e999"]


def edited(data, text: str) -> str:
    """`text` after up to four random edits of the kinds a hand or a disk makes."""
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["delete", "insert", "duplicate-line", "swap-lines", "cut-off"]))
        if edit == "delete":
            text = text[:position] + text[position + data.draw(st.integers(1, 12)):]
        elif edit == "insert":
            text = text[:position] + data.draw(st.sampled_from(PUNCTUATION)) + text[position:]
        elif edit == "cut-off":
            text = text[:position]
        else:
            lines = text.splitlines(keepends=True) or [""]
            i, j = data.draw(st.integers(0, len(lines) - 1)), data.draw(st.integers(0, len(lines) - 1))
            if edit == "duplicate-line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "".join(lines)
    return text


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    root = workspace(tmp_path_factory.mktemp("built"))
    from agents.build import run_build
    run_build(root, correct_model(), candidates=1, languages=["python"], auto_approve=True)
    return root


def fresh(built: Path, tmp_path: Path, name: str) -> Path:
    root = tmp_path / name
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(built, root, symlinks=True)
    return root


def answers_plainly(root: Path, command: str, capsys) -> tuple[int, str]:
    code = main(["-C", str(root), command])
    said = capsys.readouterr()
    assert "internal error" not in said.err and "Traceback" not in said.err, said.err
    assert code in (0, 1, 2)
    return code, said.err


@SETTINGS
@given(data=st.data())
def test_a_project_file_edited_anyhow_gives_problems_naming_it(tmp_path_factory, data):
    root = tmp_path_factory.mktemp("project")
    (root / "reqs").mkdir(exist_ok=True)
    (root / "reqs" / "project.yaml").write_text(edited(data, PROJECT), encoding="utf-8")
    loaded = load_workspace(root)
    for problem in loaded.problems:
        assert problem.path == "reqs/project.yaml" and problem.line >= 0 and problem.message


def test_a_tag_its_value_does_not_fit_is_named_by_its_line(tmp_path):
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "project.yaml").write_text("name: Tanks\ndescription: !!int\n", encoding="utf-8")
    [problem] = load_workspace(tmp_path).problems
    assert (problem.path, problem.line) == ("reqs/project.yaml", 2) and "remove the tag" in problem.message


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["shall.lock", "specs/design.yaml"]))
def test_generated_files_damaged_anyhow_are_named_by_status_and_check(built, tmp_path_factory, capsys, data, which):
    root = fresh(built, tmp_path_factory.mktemp("damaged"), "ws")
    path = root / which
    path.write_text(edited(data, path.read_text(encoding="utf-8")), encoding="utf-8")
    for command in ("status", "check"):
        code, said = answers_plainly(root, command, capsys)
        if code == 2:
            assert which in said


@SETTINGS
@given(data=st.binary(max_size=300), which=st.sampled_from(["shall.lock", "specs/design.yaml", "reqs/project.yaml"]))
def test_any_bytes_in_a_workspace_file_give_a_message_not_a_crash(built, tmp_path_factory, capsys, data, which):
    root = fresh(built, tmp_path_factory.mktemp("bytes"), "ws")
    (root / which).write_bytes(data)
    for command in ("validate", "status", "check"):
        answers_plainly(root, command, capsys)


@pytest.mark.parametrize("damage", [b"", b"\0" * 64, b'{"version": 1, "files": []}', b"[]", "\ufeff{".encode(),
                                    b'{"requirements": {"REQ-001": {"hash": 5}}}'])
def test_a_build_over_a_damaged_lock_says_what_to_do(built, tmp_path, capsys, damage, monkeypatch):
    root = fresh(built, tmp_path, "ws")
    (root / "shall.lock").write_bytes(damage)
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: correct_model())
    code = main(["-C", str(root), "build", "--yes"])
    said = capsys.readouterr().err
    assert "internal error" not in said
    assert code == 2 and "shall.lock" in said and ("git checkout shall.lock" in said)
