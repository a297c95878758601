"""Saving keeps what the person wrote: comments, key order, quoting and layout."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from reqs.workspace import load_requirement
from reqs.yamlfile import YamlDocument
from tests.conftest import REFILL_ALERT

BLOCK_STYLE = """\
# Ask the nurse before changing this one.
id: REQ-004
title: 'Due vaccinations'   # single quotes kept
statement: >
  When a child's next dose is due within 14 days,
  the system shall list the child.
priority: should
examples:
- name: one child due
  given:
    children:
    - child_id: C1
      born_on: 2025-01-10        # unquoted date
    doses: []
  then:
    due_list:
    - {child_id: C1, vaccine: "BCG"}

  # An edge the nurse cares about.
- name: nobody due
  holdout: true
  given: {children: [], doses: []}
  then: {due_list: []}
"""

FOUR_SPACES = textwrap.indent(textwrap.dedent("""\
id: REQ-009
title: Daily takings
statement: |
    The system shall add up the sales of each day.
    Refunds count as negative sales.
examples:
    -   name: two sales
        given:
            sales:
                -   {day: "2025-05-01", amount: 3.5}
                -   {day: "2025-05-01", amount: 1.5}
        then:
            takings:
                -   {day: "2025-05-01", total: 5.0}
"""), "")


@pytest.mark.parametrize("text", [REFILL_ALERT, BLOCK_STYLE, FOUR_SPACES], ids=["design-doc", "block", "four-spaces"])
def test_load_and_save_gives_back_the_same_bytes(tmp_path: Path, text: str):
    path = tmp_path / "REQ.yaml"
    path.write_text(text, encoding="utf-8")
    document, problems = YamlDocument.read(path, "reqs/REQ.yaml")
    assert problems == []
    assert document.dump() == text


def test_windows_line_endings_survive_a_save(tmp_path: Path):
    path = tmp_path / "REQ-001.yaml"
    path.write_bytes(REFILL_ALERT.replace("\n", "\r\n").encode())
    document, _ = YamlDocument.read(path, "reqs/REQ-001.yaml")
    document.update({**document.data, "title": "Refill soon"})
    document.save()
    assert path.read_bytes() == REFILL_ALERT.replace("Refill alert", "Refill soon").replace("\n", "\r\n").encode()


def test_changing_one_value_changes_only_that_value(tmp_path: Path):
    path = tmp_path / "REQ-004.yaml"
    path.write_text(BLOCK_STYLE, encoding="utf-8")
    document, _ = YamlDocument.read(path, "reqs/REQ-004.yaml")
    data = document.data
    data["title"] = "Vaccinations due soon"
    data["examples"][0]["then"]["due_list"][0]["vaccine"] = "Polio"
    document.update(data)
    assert document.save() is True
    # The end-of-line comment keeps its column where the longer title leaves room for it.
    assert path.read_text() == BLOCK_STYLE.replace("'Due vaccinations'   #", "'Vaccinations due soon' #").replace('"BCG"', '"Polio"')


def test_a_new_record_follows_the_style_of_its_neighbours(tmp_path: Path):
    path = tmp_path / "REQ-001.yaml"
    path.write_text(REFILL_ALERT, encoding="utf-8")
    document, _ = YamlDocument.read(path, "reqs/REQ-001.yaml")
    data = document.data
    data["examples"][0]["then"]["refill_alerts"].append({"tank_id": "T9", "level_pct": 3.0, "taken_at": "2025-05-01T09:00:00"})
    document.update(data)
    document.save()
    assert path.read_text() == REFILL_ALERT.replace(
        '        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}\n  - name',
        '        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}\n'
        "        - {tank_id: T9, level_pct: 3.0, taken_at: '2025-05-01T09:00:00'}\n  - name",
    )
    reread = load_requirement(path, "reqs/REQ-001.yaml")
    assert reread.problems == []
    assert reread.requirement.examples[0].then["refill_alerts"][1] == {"tank_id": "T9", "level_pct": 3.0, "taken_at": "2025-05-01T09:00:00"}


def test_removing_an_example_keeps_the_others_as_written(tmp_path: Path):
    path = tmp_path / "REQ-004.yaml"
    path.write_text(BLOCK_STYLE, encoding="utf-8")
    document, _ = YamlDocument.read(path, "reqs/REQ-004.yaml")
    data = document.data
    del data["examples"][1]
    document.update(data)
    document.save()
    saved = path.read_text()
    assert "nobody due" not in saved
    assert saved.startswith(BLOCK_STYLE.split("  # An edge")[0].rstrip("\n"))


def test_saving_an_unchanged_document_writes_nothing(tmp_path: Path):
    path = tmp_path / "REQ-001.yaml"
    path.write_text(REFILL_ALERT, encoding="utf-8")
    os.utime(path, (1_000_000, 1_000_000))
    document, _ = YamlDocument.read(path, "reqs/REQ-001.yaml")
    assert document.save() is False
    assert path.stat().st_mtime == 1_000_000


def test_a_save_leaves_no_temporary_files_and_keeps_the_mode(tmp_path: Path):
    path = tmp_path / "REQ-001.yaml"
    path.write_text(REFILL_ALERT, encoding="utf-8")
    path.chmod(0o640)
    document, _ = YamlDocument.read(path, "reqs/REQ-001.yaml")
    document.update({**document.data, "priority": "could"})
    document.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["REQ-001.yaml"]
    assert path.stat().st_mode & 0o777 == 0o640
    assert "priority: could              # must | should | could" in path.read_text()


def test_saving_a_new_requirement_writes_the_documented_style(tmp_path: Path):
    from reqs.model import Requirement
    from reqs.store import save_requirement

    requirement = Requirement.model_validate({
        "id": "REQ-007", "title": "Refill alert", "statement": "When a tank is below 20 %, the system shall alert.",
        "examples": [{"name": "low", "given": {"levels": [{"tank_id": "T1", "level_pct": 12.5}]},
                      "then": {"refill_alerts": [{"tank_id": "T1"}]}},
                     {"name": "none", "holdout": True, "given": {"levels": []}, "then": {"refill_alerts": []}}],
    })
    saved = save_requirement(tmp_path, requirement)
    assert saved.problems == [] and saved.requirement == requirement
    assert (tmp_path / "reqs/REQ-007.yaml").read_text() == textwrap.dedent("""\
        id: REQ-007
        title: Refill alert
        statement: When a tank is below 20 %, the system shall alert.
        examples:
          - name: low
            given:
              levels:
                - {tank_id: T1, level_pct: 12.5}
            then:
              refill_alerts:
                - {tank_id: T1}
          - name: none
            holdout: true
            given:
              levels: []
            then:
              refill_alerts: []
        """)


def test_saving_an_edited_requirement_keeps_comments_and_adds_no_defaults(tmp_path: Path):
    from reqs.store import save_requirement

    path = tmp_path / "reqs" / "REQ-004.yaml"
    path.parent.mkdir()
    path.write_text(BLOCK_STYLE, encoding="utf-8")
    loaded = load_requirement(path, "reqs/REQ-004.yaml")
    first = loaded.requirement.examples[0]
    edited = loaded.requirement.model_copy(update={
        "title": "Vaccinations due",
        "examples": [first.model_copy(update={"name": "one child is due"}), *loaded.requirement.examples[1:]],
    })
    saved = save_requirement(tmp_path, edited, loaded)
    assert saved.problems == [] and saved.requirement == edited
    assert path.read_text() == BLOCK_STYLE.replace("'Due vaccinations'", "'Vaccinations due'").replace(
        "- name: one child due", "- name: one child is due")


def test_a_new_requirement_never_overwrites_an_existing_file(tmp_path: Path):
    from reqs.model import Requirement
    from reqs.problems import ShallError
    from reqs.store import save_requirement

    existing = tmp_path / "reqs" / "REQ-001.yaml"
    existing.parent.mkdir()
    existing.write_text(REFILL_ALERT)
    loaded = load_requirement(existing, "reqs/REQ-001.yaml")
    with pytest.raises(ShallError, match="reqs/REQ-001.yaml already exists"):
        save_requirement(tmp_path, Requirement.model_validate(loaded.requirement.model_dump()))
    assert existing.read_text() == REFILL_ALERT


def test_deleting_a_requirement_removes_its_file_and_nothing_outside_reqs(tmp_path: Path):
    from reqs.problems import ShallError
    from reqs.store import delete_requirement
    from reqs.workspace import load_workspace

    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs" / "project.yaml").write_text("name: Tanks\ndescription: Levels.\n")
    (tmp_path / "reqs" / "REQ-001.yaml").write_text(REFILL_ALERT)
    [file] = load_workspace(tmp_path).files
    elsewhere = tmp_path / "notes.yaml"
    elsewhere.write_text(REFILL_ALERT)
    with pytest.raises(ShallError, match="not a requirement file in reqs/"):
        delete_requirement(tmp_path, load_requirement(elsewhere, "notes.yaml"))
    assert elsewhere.exists()
    delete_requirement(tmp_path, file)
    assert not (tmp_path / "reqs" / "REQ-001.yaml").exists()
    assert load_workspace(tmp_path).files == []
