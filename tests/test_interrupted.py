"""What a kill leaves behind: half-written temporary files are cleared, never committed; sandboxed runs die too."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from agents.build import run_build
from reqs.atomic import remove_strays
from reqs.gitrepo import GitRepo
from tests.helpers import correct_model, workspace

REPO = Path(__file__).resolve().parents[1]


def test_temporary_files_a_kill_left_are_removed_before_the_build_and_never_committed(tmp_path):
    root = workspace(tmp_path)
    run_build(root, correct_model(), candidates=1, languages=["python"], auto_approve=True)
    strays = [root / "app/components/.make_refill_plan.py.k3j_9x0a.tmp", root / "specs/.design.yaml.a1b2c3d4.tmp",
              root / ".shall.lock.zz99yy88.tmp"]
    old_draft, fresh_draft = root / "reqs/.REQ-001.yaml.old00000.tmp", root / "reqs/.REQ-002.yaml.new00000.tmp"
    for path in [*strays, old_draft, fresh_draft]:
        path.write_text("half of what was being wri")
    os.utime(old_draft, (time.time() - 3600, time.time() - 3600))
    (root / "reqs/REQ-001.yaml").write_text((root / "reqs/REQ-001.yaml").read_text() + "# a note\n")

    run_build(root, correct_model(), candidates=1, languages=["python"], auto_approve=True)
    assert not any(path.exists() for path in [*strays, old_draft])
    assert fresh_draft.exists()  # it may be a save going on right now in the terminal UI
    committed = GitRepo.open_or_init(root).repo.git.ls_files().splitlines()
    assert not [name for name in committed if name.endswith(".tmp")]


def test_only_files_named_as_write_atomic_names_them_are_strays(tmp_path):
    mine = [tmp_path / ".notes.tmp", tmp_path / "draft.abcdefgh.tmp", tmp_path / ".x.yaml.ABCDEFGH.tmp"]
    stray = tmp_path / ".x.yaml.abcdefgh.tmp"
    for path in [*mine, stray]:
        path.write_text("")
    assert remove_strays(tmp_path) == [stray]
    assert all(path.exists() for path in mine)


def test_a_run_in_the_sandbox_dies_with_the_build_that_started_it(tmp_path):
    script = textwrap.dedent(f"""
        from pathlib import Path
        from agents.sandbox import Limits, run_trials
        from tests.helpers import WATER_TANKS, built_workspace
        root = built_workspace(Path({str(tmp_path)!r}), WATER_TANKS)
        print("running", flush=True)
        run_trials(root, {{"loop": "def run():\\n    while True:\\n        pass\\n"}}, {{"once": {{}}}},
                   Limits(wall_seconds=300, seconds_per_example=300, cpu_seconds=300))
        """)

    scratch = tmp_path / "scratch"  # the run's folder, and so its command line, names this test alone
    scratch.mkdir()

    def harnesses() -> int:
        return subprocess.run(["pgrep", "-f", f"{scratch}/.*harness.py"], capture_output=True, text=True).stdout.count("\n")

    before = harnesses()
    build = subprocess.Popen([sys.executable, "-c", script], cwd=REPO, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(scratch)})
    assert build.stdout.readline().strip() == "running"
    deadline = time.monotonic() + 30
    while harnesses() == before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert harnesses() > before
    build.kill()
    build.wait()
    deadline = time.monotonic() + 10
    while harnesses() > before and time.monotonic() < deadline:
        time.sleep(0.1)
    assert harnesses() == before
