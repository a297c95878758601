"""The example workspaces are the project's benchmark: they must be valid and probe edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from reqs.workspace import load_workspace

EXAMPLES = sorted(p.parent.parent for p in (Path(__file__).resolve().parent.parent / "examples").glob("*/reqs/project.yaml"))


def test_there_are_at_least_five_example_workspaces():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("root", EXAMPLES, ids=lambda p: p.name)
def test_each_example_workspace_is_valid_and_probes_edges(root: Path):
    workspace = load_workspace(root)
    assert [str(p) for p in workspace.problems] == []
    assert 3 <= len(workspace.requirements) <= 6
    for requirement in workspace.requirements:
        assert requirement.visible_examples, f"{requirement.id} needs a visible example"
        assert len(requirement.holdout_examples) >= 2, f"{requirement.id} needs two holdout examples"
