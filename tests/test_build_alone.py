"""One build at a time per workspace, and a requirement saved while a build runs is never lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from agents.build import BuildRunning, only_build, run_build
from agents.models.fake import ScriptedModel
from reqs.gitrepo import GitRepo
from reqs.store import save_requirement
from reqs.workspace import load_workspace
from tests.helpers import WATER_TANKS, answers, holding_the_lock, workspace

REPO = Path(__file__).resolve().parents[1]


def test_a_second_build_is_refused_at_once_with_who_holds_the_workspace(tmp_path):
    root = workspace(tmp_path)
    holder = holding_the_lock(root)
    try:
        empty = tmp_path / "no-models"  # a model opened from here would have to be fetched first, and say so
        done = subprocess.run([sys.executable, "-m", "tui", "-C", str(root), "build", "--yes",
                               "--model", "local/qwen2.5-coder-0.5b"], cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "SHALL_CACHE_DIR": str(empty)})
        assert done.returncode == 2
        assert "Building water-tanks with" not in done.stderr and not empty.exists()  # refused before any model is opened
        assert "a build is already running" in done.stderr and f"process {holder.pid}" in done.stderr
        assert "Traceback" not in done.stderr
    finally:
        holder.kill()
        holder.wait()


def test_a_killed_build_leaves_no_lock_behind(tmp_path):
    root = workspace(tmp_path)
    holder = holding_the_lock(root)
    with pytest.raises(BuildRunning):
        with only_build(root):
            pass
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    with only_build(root):
        assert (root / ".shall" / "build.running").read_text().startswith(f"process {os.getpid()}")


def test_a_requirement_saved_while_the_build_runs_is_kept_and_committed_next_time(tmp_path):
    root = workspace(tmp_path)
    repo = GitRepo.open_or_init(root)
    write_components = answers(WATER_TANKS)
    saved = {}

    def answer_and_meanwhile_edit(messages):
        if not saved:  # the person saves a requirement in the TUI while the model is writing
            requirements = {f.requirement.id: f for f in load_workspace(root).files}
            file = requirements["REQ-004"]
            changed = file.requirement.model_copy(update={"title": "Villages to visit this week"})
            save_requirement(root, changed, file)
            saved["text"] = (root / "reqs" / "REQ-004.yaml").read_text()
        return write_components(messages)

    run_build(root, ScriptedModel(*[answer_and_meanwhile_edit] * 4), candidates=1, languages=["python"],
              auto_approve=True)
    assert (root / "reqs" / "REQ-004.yaml").read_text() == saved["text"]
    assert "reqs/REQ-004.yaml" not in repo.repo.head.commit.stats.files
    assert repo.changed(["reqs"]) == {"reqs/REQ-004.yaml": "changed"}

    events = []
    run_build(root, ScriptedModel(*[write_components] * 4), candidates=1, languages=["python"], auto_approve=True,
              on_event=events.append)
    assert "Committed your requirement changes first (change REQ-004)" in [e.message for e in events]
    assert repo.changed(["reqs"]) == {}
    assert (root / "reqs" / "REQ-004.yaml").read_text() == saved["text"]
