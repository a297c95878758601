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
