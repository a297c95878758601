"""reqs/projectfile.py: the glossary changed as a person would by hand, comments and layout kept."""

from __future__ import annotations

import pytest

from reqs import drafts, projectfile
from reqs.initialize import init_workspace
from reqs.problems import ShallError
from reqs.workspace import load_project
from tests.helpers import EXAMPLES


def test_a_new_workspace_gets_a_collection_with_fields_and_keeps_its_comments(tmp_path):
    root = init_workspace(tmp_path / "clinic", "Antenatal clinic")
    document, data = projectfile.read(root)
    data["description"] = "Find the mothers who need a referral."
    projectfile.set_field(data, "visits", "mother_id", "text", "The number on the mother's card")
    projectfile.set_field(data, "visits", "systolic", "integer", "Top blood pressure number, mmHg")
    projectfile.set_field(data, "visits", "note", "text", required=False)
    projectfile.save(document, data)
    text = (root / "reqs" / "project.yaml").read_text()
    assert "# What this software is for." in text and "# Optional: the data you will give the software" in text
    assert "      systolic: {type: integer, description: 'Top blood pressure number, mmHg'}\n" in text
    assert "      note: {type: text, required: false}\n" in text
    project, _, problems = load_project(root)
    assert not problems and list(project.collections["visits"].fields) == ["mother_id", "systolic", "note"]
    assert project.collections["visits"].fields["note"].required is False


def test_a_field_is_renamed_in_its_place_and_removed(tmp_path):
    root = tmp_path / "water-tanks"
    root.mkdir()
    (root / "reqs").mkdir()
    (root / "reqs" / "project.yaml").write_text((EXAMPLES / "water-tanks" / "reqs" / "project.yaml").read_text())
    document, data = projectfile.read(root)
    projectfile.set_field(data, "tanks", "village_name", "text", was="village")
    projectfile.remove_field(data, "levels", "taken_at")
    projectfile.save(document, data)
    project, _, _ = load_project(root)
    assert list(project.collections["tanks"].fields) == ["tank_id", "village_name", "capacity_litres"]
    assert list(project.collections["levels"].fields) == ["tank_id", "level_pct"]
    text = (root / "reqs" / "project.yaml").read_text()
    assert "tank_id: {type: text, description: The number painted on the tank}" in text, "untouched lines stay as written"
    with pytest.raises(ShallError, match="has a field named tank_id already"):
        projectfile.set_field(data, "tanks", "tank_id", "text")


def test_a_name_as_typed_becomes_a_field_name():
    assert projectfile.field_name(" Visit date ") == "visit_date"
    with pytest.raises(ShallError, match="starts with a digit"):
        projectfile.field_name("2nd visit")
    with pytest.raises(ShallError, match="at least one letter"):
        projectfile.field_name("  ??")


def test_drafts_are_kept_on_disk_whole_and_forgotten_when_saved(tmp_path):
    drafts.keep(tmp_path, "REQ-001", {"title": "High blood pressure", "examples": []})
    drafts.keep(tmp_path, "project", {"name": "Clinic"})
    (tmp_path / ".shall" / "drafts" / "broken.json").write_text("{not json")
    assert drafts.kept(tmp_path) == {"REQ-001": {"title": "High blood pressure", "examples": []},
                                     "project": {"name": "Clinic"}}
    drafts.forget(tmp_path, "REQ-001")
    assert list(drafts.kept(tmp_path)) == ["project"]
