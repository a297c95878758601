"""shall.lock, incremental rebuilds, hand edits and their merge, commits, and `shall check`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.build import run_build
from agents.models.fake import ScriptedModel
from reqs.gitrepo import GitRepo
from reqs.workspace import load_workspace
from specs.infer import infer_design
from specs.lock import (
    LOCK_FILE,
    load_lock,
    requirement_changes,
    requirement_states,
    stale_components,
)
from tests.helpers import WATER_TANKS, answers, asked_for, edit, workspace
from tui.cli import main

ALERTS = "reqs/REQ-002.yaml"
ALERTS_MODULE = "app/components/make_refill_alerts.py"
NEW_ALERTS = dict(WATER_TANKS, make_refill_alerts="""
    def run(latest_levels):
        return [{"tank_id": r["tank_id"], "level_pct": r["level_pct"]} for r in latest_levels if r["level_pct"] < 25]
    """)

def build(root: Path, bodies: dict[str, str] = WATER_TANKS, calls: int = 4, **options) -> tuple[dict, ScriptedModel]:
    model = ScriptedModel(*[answers(bodies)] * calls)
    report = run_build(root, model, candidates=1, languages=["python"], auto_approve=True, **options)
    return report, model


@pytest.fixture
def built(tmp_path) -> Path:
    root = workspace(tmp_path)
    build(root)
    return root


def head(root: Path):
    return GitRepo.open_or_init(root).repo.head.commit


def stale_now(root: Path) -> dict[str, str]:
    workspace_ = load_workspace(root)
    design = infer_design(workspace_.project, workspace_.requirements)
    return stale_components(load_lock(root), design, workspace_.requirements, root)


# --- the lock and staleness ----------------------------------------------------------------


def test_the_lock_records_requirements_and_files_with_sorted_keys(built):
    text = (built / LOCK_FILE).read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True) + "\n"
    assert sorted(data["requirements"]) == ["REQ-001", "REQ-002", "REQ-003", "REQ-004"]
    assert data["requirements"]["REQ-002"]["examples_passed"] == 1
    entry = data["files"][ALERTS_MODULE]
    assert entry["component"] == "make_refill_alerts" and list(entry["requirements"]) == ["REQ-002"]
    assert entry["model"] == "fake/scripted" and entry["prompt"] and entry["generated"] == entry["tested"]
    assert "app/runner.py" in data["files"]


def test_nothing_is_stale_after_a_build(built):
    assert stale_now(built) == {}
    assert requirement_changes(load_lock(built), load_workspace(built).requirements) == {}


def test_a_whitespace_or_comment_edit_is_not_a_change(built):
    edit(built, ALERTS, "title:", "# reworded nothing\ntitle:  ")
    assert stale_now(built) == {}


def test_a_changed_requirement_makes_only_its_components_stale(built):
    edit(built, ALERTS, "below 20 %", "below 25 %")
    assert stale_now(built) == {"make_refill_alerts": "REQ-002 changed"}


def test_a_new_requirement_is_stale_and_a_removed_one_is_noticed(built):
    (built / "reqs/REQ-004.yaml").unlink()
    changes = requirement_changes(load_lock(built), load_workspace(built).requirements)
    assert changes == {"REQ-004": "removed"}
    assert stale_now(built) == {}
    lock = load_lock(built)
    del lock.requirements["REQ-003"]
    assert requirement_changes(lock, load_workspace(built).requirements) == {"REQ-003": "new", "REQ-004": "removed"}


def test_a_schema_change_makes_the_readers_of_that_collection_stale(built):
    """A new field in the tanks glossary changes what make_refill_plan and make_village_refills read."""
    edit(built, "reqs/project.yaml", "      village: {type: text}", "      village: {type: text}\n      district: {type: text}")
    assert stale_now(built) == {"make_refill_plan": "the collections it reads or writes changed",
                                "make_village_refills": "the collections it reads or writes changed"}


# --- incremental builds --------------------------------------------------------------------


def test_a_rebuild_after_one_change_asks_the_model_only_for_that_component(built):
    edit(built, ALERTS, "below 20 %", "below 25 %")
    report, model = build(built, calls=1)
    assert len(model.history) == 1 and asked_for(model.history[0].messages) == "make_refill_alerts"
    assert report["components_regenerated"] == ["make_refill_alerts"]
    assert report["why_regenerated"] == {"make_refill_alerts": "REQ-002 changed"}


def test_a_build_with_nothing_to_do_asks_nothing_and_commits_nothing(built):
    before = head(built)
    report, model = build(built, calls=0)
    assert model.history == [] and report["components_regenerated"] == []
    assert head(built) == before


def test_a_removed_requirement_takes_its_component_away(built):
    (built / "reqs/REQ-004.yaml").unlink()
    build(built, calls=0)
    assert not (built / "app/components/make_village_refills.py").exists()
    assert "app/components/make_village_refills.py" not in load_lock(built).files
    assert "REQ-004" not in load_lock(built).requirements
    assert "Shall-Requirement: REQ-004" in head(built).message
    assert not GitRepo.open_or_init(built).changed(["app", "reqs", LOCK_FILE])


# --- commits -------------------------------------------------------------------------------


def test_requirement_edits_are_committed_first_then_the_build_with_trailers(built):
    edit(built, ALERTS, "below 20 %", "below 25 %")
    build(built, bodies=NEW_ALERTS, calls=1)
    build_commit = head(built)
    requirements_commit = build_commit.parents[0]
    assert requirements_commit.message == "Requirements: change REQ-002\n\nShall-Requirement: REQ-002\n"
    assert list(requirements_commit.stats.files) == [ALERTS]
    assert build_commit.message.splitlines()[0] == "Build REQ-002"
    assert "Shall-Requirement: REQ-002" in build_commit.message.splitlines()
    assert re.search(r"Examples: 4 of 4 pass; held out: \d+ of 9\.", build_commit.message)
    # the app's first page shows each statement, so its about.json changes with the statement
    assert sorted(build_commit.stats.files) == ["app/about.json", ALERTS_MODULE, LOCK_FILE]


def test_the_first_build_commit_names_every_requirement(built):
    message = head(built).message
    assert message.startswith("Build REQ-001, REQ-002, REQ-003, REQ-004\n")
    assert [line for line in message.splitlines() if line.startswith("Shall-")] == [
        f"Shall-Requirement: REQ-00{n}" for n in range(1, 5)]


# --- hand edits ----------------------------------------------------------------------------




def test_a_hand_edit_whose_requirement_did_not_change_is_left_alone(built):
    edit(built, ALERTS_MODULE, "def run(", "# checked with the water board\ndef run(")
    report, model = build(built, calls=0)
    assert "# checked with the water board" in (built / ALERTS_MODULE).read_text()
    assert head(built).parents[0].message.startswith("Keep hand edits to generated files before shall builds")
    assert head(built).message.startswith("Record the results of the app as it stands")
    states = requirement_states(load_lock(built), load_workspace(built).requirements, built)
    assert states["REQ-002"][0] == "passing" and "hand-edited" in states["REQ-002"][1]


def test_a_hand_edit_is_merged_into_the_regenerated_file(built):
    edit(built, ALERTS_MODULE, '"""\n', '"""\n# checked with the water board\n')
    edit(built, ALERTS, "below 20 %", "below 25 %")
    report, model = build(built, bodies=NEW_ALERTS, calls=1)
    text = (built / ALERTS_MODULE).read_text()
    assert "# checked with the water board" in text and '< 25]' in text
    assert report["conflicts"] == []
    assert load_lock(built).files[ALERTS_MODULE].tested == GitRepo.open_or_init(built).repo.head.commit.tree[ALERTS_MODULE].hexsha


def test_a_conflicting_hand_edit_stays_in_place_and_is_named(built):
    edit(built, ALERTS_MODULE, 'r["level_pct"] < 20]', 'r["level_pct"] < 19]')
    edit(built, ALERTS, "below 20 %", "below 25 %")
    report, model = build(built, bodies=NEW_ALERTS, calls=1)
    text = (built / ALERTS_MODULE).read_text()
    assert 'r["level_pct"] < 19]' in text and "<<<<<<<" not in text
    assert report["conflicts"] == [ALERTS_MODULE]
    assert f"Conflict, left as you wrote it: {ALERTS_MODULE}" in head(built).message


# --- interrupted builds and shall check ---------------------------------------------------


def test_an_interrupted_build_leaves_the_lock_as_it_was(built):
    before = (built / LOCK_FILE).read_text()
    edit(built, ALERTS, "below 20 %", "below 25 %")
    with pytest.raises(KeyboardInterrupt):
        run_build(built, ScriptedModel(KeyboardInterrupt()), candidates=1, languages=["python"], auto_approve=True)
    assert (built / LOCK_FILE).read_text() == before
    assert stale_now(built) == {"make_refill_alerts": "REQ-002 changed"}
    report, _ = build(built, bodies=NEW_ALERTS, calls=1)
    assert report["components_regenerated"] == ["make_refill_alerts"]
    assert stale_now(built) == {}


def check(root: Path, capsys) -> tuple[int, str]:
    code = main(["-C", str(root), "check"])
    return code, capsys.readouterr().out


def test_check_exit_codes(built, capsys):
    assert check(built, capsys) == (0, "Up to date: 4 requirements, every example passes.\n")
    edit(built, ALERTS, "below 20 %", "below 25 %")
    code, out = check(built, capsys)
    assert code == 1 and "REQ-002 changed: changed since the last build" in out and "Run `shall build`" in out
    (built / "reqs/REQ-005.yaml").write_text("id: REQ-005\n")
    code, out = check(built, capsys)
    assert code == 2


def test_check_says_failing_and_untested(built, capsys):
    edit(built, ALERTS_MODULE, 'r["level_pct"] < 20]', 'r["level_pct"] < 0]')
    code, out = check(built, capsys)
    assert code == 1 and f"REQ-002 untested: {ALERTS_MODULE} was edited after the last build tested it" in out
    build(built, calls=0)
    code, out = check(built, capsys)
    assert code == 1 and "REQ-002 failing: 1 of 1 examples fail; hand-edited" in out


def test_check_on_a_workspace_never_built(tmp_path, capsys):
    root = workspace(tmp_path)
    code, out = check(root, capsys)
    assert code == 1 and "REQ-001 new: never built" in out


# --- shall diff and shall ci init ------------------------------------------------------------


def test_diff_groups_requirement_and_code_changes_by_requirement(built, capsys):
    edit(built, ALERTS, "below 20 %", "below 25 %")
    build(built, bodies=NEW_ALERTS, calls=1)
    assert main(["-C", str(built), "diff", "HEAD~2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Changes since HEAD~2, by requirement:\n\nREQ-002 Refill alert\n")
    section = out.split("REQ-002 Refill alert")[1]
    assert re.search(r"^-.*below 20 %", section, re.M) and re.search(r"^\+.*below 25 %", section, re.M)
    assert f"+++ b/{ALERTS_MODULE}" in section and '< 25]' in section
    assert "Shared by the whole app" in out and "shall.lock" in out.split("Shared by the whole app")[1]


def test_diff_shows_uncommitted_requirement_edits_by_default(built, capsys):
    edit(built, ALERTS, "below 20 %", "below 25 %")
    (built / "reqs/REQ-005.yaml").write_text("id: REQ-005\ntitle: New\n")
    assert main(["-C", str(built), "diff"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Changes since HEAD, by requirement:")
    assert "REQ-005 (removed)" not in out and "new file reqs/REQ-005.yaml" in out and "+title: New" in out


def test_ids_with_another_prefix_get_trailers_and_owners(tmp_path, capsys):
    root = workspace(tmp_path)
    for path in sorted((root / "reqs").glob("REQ-*.yaml")):
        renamed = path.with_name(path.name.replace("REQ-", "WT-"))
        renamed.write_text(path.read_text().replace("id: REQ-", "id: WT-"))
        path.unlink()
    build(root)
    assert head(root).message.splitlines()[-4:] == [f"Shall-Requirement: WT-00{n}" for n in range(1, 5)]
    edit(root, "reqs/WT-002.yaml", "below 20 %", "below 25 %")
    build(root, bodies=NEW_ALERTS, calls=1)
    requirements_commit = head(root).parents[0]
    assert requirements_commit.message.startswith("Requirements: change WT-002\n")
    assert "Shall-Requirement: WT-002" in requirements_commit.message
    assert main(["-C", str(root), "diff", "HEAD~2"]) == 0
    section = capsys.readouterr().out.split("WT-002 Refill alert\n")[1]
    assert "--- a/reqs/WT-002.yaml" in section and f"+++ b/{ALERTS_MODULE}" in section


def test_diff_names_an_unknown_revision(built, capsys):
    assert main(["-C", str(built), "diff", "no-such-rev"]) == 2
    assert "git does not know the revision 'no-such-rev'" in capsys.readouterr().err


def test_ci_init_writes_a_workflow_once(built, capsys):
    assert main(["-C", str(built), "ci", "init"]) == 0
    workflow = (built / ".github/workflows/shall.yml").read_text()
    assert 'paths: ["reqs/**"]' in workflow and "shall build --yes" in workflow and "shall check" in workflow
    assert "SHALL_MODEL=local/qwen2.5-coder-1.5b" in workflow and "create-pull-request" in workflow
    assert main(["-C", str(built), "ci", "init"]) == 2
    assert "already exists; nothing was changed" in capsys.readouterr().err
