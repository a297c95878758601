"""What a stopped build leaves behind: the app as committed, or after a kill what the next build clears; half-written
temporary files are never committed; sandboxed runs die with the build."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from agents import leftovers
from agents.build import run_build
from agents.events import Step
from agents.models.fake import ScriptedModel
from reqs.atomic import remove_strays
from reqs.gitrepo import GitRepo
from specs.lock import GENERATED_PATHS
from tests.helpers import WATER_TANKS, answers, correct_model, edit, workspace

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


# --- a build stopped, failed or killed ---------------------------------------------------------

ALERTS, ALERTS_MODULE = "reqs/REQ-002.yaml", "app/components/make_refill_alerts.py"
WRONG = dict(WATER_TANKS, make_refill_alerts="def run(latest_levels):\n    return []\n")
AT_25 = dict(WATER_TANKS, make_refill_alerts=WATER_TANKS["make_refill_alerts"].replace("< 20", "< 25"))
AT_25_PASSES = {"REQ-001": (1, 2), "REQ-002": (1, 2), "REQ-003": (1, 1), "REQ-004": (1, 2)}  # built straight through
ONE = {"candidates": 1, "languages": ["python"], "auto_approve": True}


def generated_changes(root: Path) -> dict[str, str]:
    return GitRepo.open_or_init(root).changed([str(p) for p in GENERATED_PATHS])


def passing(report: dict) -> dict[str, tuple[int, int]]:
    """Per requirement: the visible and the held-out examples that pass."""
    return {r["id"]: (r["examples_passed"], r["holdouts_passed"]) for r in report["requirements"]}


def committed(root: Path, path: str) -> str:
    return GitRepo.open_or_init(root).repo.git.show(f"HEAD:{path}")


@pytest.fixture
def stopped_mid_repair(tmp_path) -> Path:
    """Built once; then REQ-002 asks for 25 %, and a build is stopped (Ctrl-C) when it asks to repair the wrong
    candidate it had written into the app."""
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    edit(root, ALERTS, "below 20 %", "below 25 %")
    with pytest.raises(KeyboardInterrupt):
        run_build(root, ScriptedModel(answers(WRONG), KeyboardInterrupt()), **ONE)
    return root


def test_a_stopped_build_puts_the_app_back_as_committed_and_keeps_the_requirement_edit(stopped_mid_repair):
    root = stopped_mid_repair
    assert generated_changes(root) == {}, "the app, its design and its tests are as the last build committed them"
    assert "< 20" in (root / ALERTS_MODULE).read_text()
    assert "below 25 %" in (root / ALERTS).read_text()
    events = []
    report = run_build(root, ScriptedModel(answers(AT_25)), on_event=events.append, **ONE)
    [carried] = [e for e in events if e.step == Step.RESUME]
    assert carried.message == "Carrying on with the build that stopped while repairing the code (make_refill_alerts already chosen)"
    assert carried.components == (), "the build screen lists the components still to write: none"
    assert passing(report) == AT_25_PASSES
    assert "< 25" in committed(root, ALERTS_MODULE) and generated_changes(root) == {}


def test_a_build_stopped_before_its_last_checks_writes_the_app_again_before_carrying_on(tmp_path):
    """The held-out check and the commit read the app from disk: carried on, they must find the build's app,
    not the committed one the stop put back."""
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    edit(root, ALERTS, "below 20 %", "below 25 %")

    def stop_at_the_holdouts(event) -> None:
        if event.step == Step.HOLDOUT:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_build(root, ScriptedModel(answers(AT_25)), on_event=stop_at_the_holdouts, **ONE)
    assert "< 20" in (root / ALERTS_MODULE).read_text() and generated_changes(root) == {}
    report = run_build(root, ScriptedModel(), **ONE)  # no model call left to make
    assert passing(report) == AT_25_PASSES
    assert "< 25" in committed(root, ALERTS_MODULE) and generated_changes(root) == {}


def test_a_failed_build_puts_the_app_back_too(tmp_path):
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    edit(root, ALERTS, "below 20 %", "below 25 %")
    with pytest.raises(Exception, match="no answer for"):
        run_build(root, ScriptedModel(answers(WRONG)), **ONE)  # the repair finds the script empty
    assert generated_changes(root) == {} and "below 25 %" in (root / ALERTS).read_text()


@pytest.fixture
def killed_mid_repair(tmp_path, monkeypatch) -> Path:
    """As stopped_mid_repair, but killed: no clean-up runs, so the wrong candidate stays in the app."""
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    edit(root, ALERTS, "below 20 %", "below 25 %")
    with monkeypatch.context() as killed, pytest.raises(KeyboardInterrupt):
        killed.setattr(leftovers, "put_back", lambda root, repo: [])
        run_build(root, ScriptedModel(answers(WRONG), KeyboardInterrupt()), **ONE)
    assert "return []" in (root / ALERTS_MODULE).read_text(), "the killed build had written its candidate"
    return root


def test_after_a_kill_an_abandoned_build_leaves_nothing_taken_for_a_hand_edit(killed_mid_repair):
    """Then the requirement changes again: the half-done files are put back, not merged as a person's."""
    root = killed_mid_repair
    edit(root, ALERTS, "below 25 %", "below 30 %")
    events = []
    at_30 = dict(WATER_TANKS, make_refill_alerts=WATER_TANKS["make_refill_alerts"].replace("< 20", "< 30"))
    report = run_build(root, ScriptedModel(answers(at_30)), on_event=events.append, **ONE)
    messages = [e.message for e in events]
    # the candidate, and the app's about.json with the statement of then; the design was unchanged
    assert any(m.startswith("Put back 2 files an earlier, stopped build had left half-done") for m in messages), messages
    assert not any("edits to" in m for m in messages)
    assert report["conflicts"] == [] and "< 30" in (root / ALERTS_MODULE).read_text()
    assert not GitRepo.open_or_init(root).repo.head.commit.parents[0].message.startswith("Keep hand edits")


def test_after_a_kill_the_same_build_carries_on_from_the_committed_app(killed_mid_repair):
    root = killed_mid_repair
    events = []
    run_build(root, ScriptedModel(answers(AT_25)), on_event=events.append, **ONE)
    assert any(e.message.startswith("Carrying on") for e in events)
    assert "< 25" in committed(root, ALERTS_MODULE) and generated_changes(root) == {}


def test_an_edit_to_a_generated_file_after_a_kill_starts_the_build_afresh_and_is_kept(killed_mid_repair):
    """The stopped build's state knows nothing of the edit: carrying on would write over it."""
    root = killed_mid_repair
    plan = root / "app/components/make_refill_plan.py"
    plan.write_text(plan.read_text() + "# checked with the water officer\n")
    events = []
    run_build(root, ScriptedModel(answers(AT_25)), on_event=events.append, **ONE)
    messages = [e.message for e in events]
    assert any(m.startswith("You changed 1 generated file since the last build stopped, so this one starts afresh")
               for m in messages), messages
    assert not any(m.startswith("Carrying on") for m in messages)
    assert "# checked with the water officer" in committed(root, "app/components/make_refill_plan.py")
    assert "< 25" in committed(root, ALERTS_MODULE) and generated_changes(root) == {}


def killed_as_it_commits(root: Path, model: ScriptedModel, monkeypatch) -> None:
    """Build, and be killed at the build's own commit (a person's edits and requirements still commit first)."""
    builds = GitRepo.commit

    def killed_at_the_build_commit(repo, paths, message):
        if message.startswith(("Requirements:", "Keep")):
            return builds(repo, paths, message)
        raise KeyboardInterrupt

    with monkeypatch.context() as killed, pytest.raises(KeyboardInterrupt):
        killed.setattr(GitRepo, "commit", killed_at_the_build_commit)
        killed.setattr(leftovers, "put_back", lambda root, repo: [])  # a kill: no clean-up runs
        run_build(root, model, **ONE)


def built_again(root: Path) -> list[str]:
    """Build after the kill, with nothing to write: what it said. It must commit as the build, not as a person."""
    events = []
    run_build(root, ScriptedModel(), on_event=events.append, **ONE)
    messages = [e.message for e in events]
    assert any(m.startswith("Carrying on") for m in messages), messages
    assert not any("generated file" in m for m in messages), messages
    head = GitRepo.open_or_init(root).repo.head.commit
    assert not head.message.startswith("Keep hand edits") and not head.parents[0].message.startswith("Keep hand edits")
    assert generated_changes(root) == {}
    return messages


def test_a_build_killed_as_it_commits_carries_on_and_nothing_is_taken_for_a_hand_edit(tmp_path, monkeypatch):
    """Killed between writing shall.lock and committing: the next build puts the lock back with the rest of what
    the build left, carries on, and commits the build as the build's, not as a person's edits."""
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    edit(root, ALERTS, "below 20 %", "below 25 %")
    killed_as_it_commits(root, ScriptedModel(answers(AT_25)), monkeypatch)
    assert "shall.lock" in generated_changes(root), "the killed build had written its lock"
    built_again(root)
    assert "< 25" in committed(root, ALERTS_MODULE)


def test_a_build_killed_after_deleting_a_component_no_one_needs_puts_it_back_and_deletes_it_in_its_commit(tmp_path, monkeypatch):
    """A requirement taken out: the build deletes its component's file and is killed before committing. The
    next build does not take the deletion for a person's: it puts the file back, carries on, and commits it gone."""
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    (root / "reqs/REQ-004.yaml").unlink()
    village = "app/components/make_village_refills.py"
    killed_as_it_commits(root, ScriptedModel(), monkeypatch)
    assert generated_changes(root).get(village) == "removed", "the killed build had deleted it"
    built_again(root)
    assert village not in GitRepo.open_or_init(root).repo.head.commit.tree.join("app/components")
    assert not (root / village).exists()


def test_a_component_file_a_person_deleted_with_its_requirement_is_no_trouble_to_the_build(tmp_path):
    root = workspace(tmp_path)
    run_build(root, correct_model(), **ONE)
    (root / "reqs/REQ-004.yaml").unlink()
    (root / "app/components/make_village_refills.py").unlink()
    report = run_build(root, ScriptedModel(), **ONE)
    assert [r["id"] for r in report["requirements"]] == ["REQ-001", "REQ-002", "REQ-003"]
    assert generated_changes(root) == {}
