"""Snapshots of the main TUI screens at 80×24 and 140×45 (pytest-textual-snapshot).

After a deliberate change to a screen, look at the new pictures, then accept
them with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tui.app import ShallApp

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SIZES = [(80, 24), (140, 45)]


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "water-tanks"
    shutil.copytree(EXAMPLES / "water-tanks", root, ignore=shutil.ignore_patterns(".shall"))
    return root


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_requirement_list(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_editor(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size, press=["down", "enter"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_design_view(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size, press=["d"])


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_project_screen(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size, press=["p"])


async def _type_in_a_cell(pilot, text: str) -> None:
    await pilot.press("enter")
    pilot.app.screen.query_one("#ex-0-given-levels").focus()
    await pilot.press("down", "right", *text)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_cell_being_typed_in(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size, run_before=lambda pilot: _type_in_a_cell(pilot, "40.5"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_wrong_value_said_at_its_cell(snap_compare, root, size):
    assert snap_compare(ShallApp(root), terminal_size=size,
                        run_before=lambda pilot: _type_in_a_cell(pilot, "10.2 g/dL"))
