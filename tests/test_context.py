"""What a component's prompt shows of the rest of the project: the statements it depends on, the project, the glossary.

The project is the herd-health one of issue 14, where the daily summary counts "fever readings" and the
fever is defined by another requirement.
"""

from __future__ import annotations

import textwrap

import pytest

from agents.context import field_notes, related_requirements
from reqs.words import notion_words, stem
from agents.tasks import component_task
from reqs.workspace import load_workspace
from specs.infer import infer_design

PROJECT = """\
name: Herd health
description: >
  A dairy farm takes each cow's temperature twice a day. The vet wants fevers
  caught early and the cows that keep having them seen.
collections:
  readings:
    description: Temperature readings, one per cow and time.
    fields:
      cow_id: {type: text}
      taken_at: {type: datetime}
      temp_c: {type: number, description: "Body temperature in degrees Celsius"}
"""

REQUIREMENTS = {
    "REQ-001": """\
id: REQ-001
title: Fever alert
statement: The system shall raise a fever alert for each reading above 39.5 °C.
examples:
  - name: one fever
    given:
      readings: [{cow_id: "C1", taken_at: "2025-03-01T06:00:00", temp_c: 40.1},
                 {cow_id: "C2", taken_at: "2025-03-01T06:00:00", temp_c: 38.6}]
    then:
      fever_alerts: [{cow_id: "C1", taken_at: "2025-03-01T06:00:00", temp_c: 40.1}]
""",
    "REQ-002": """\
id: REQ-002
title: Daily summary
statement: >
  The system shall summarise each cow's day: its highest temperature and the
  number of fever readings.
examples:
  - name: a day
    given:
      readings: [{cow_id: "C1", taken_at: "2025-03-01T06:00:00", temp_c: 40.1},
                 {cow_id: "C1", taken_at: "2025-03-01T18:00:00", temp_c: 38.9}]
    then:
      daily_summary: [{cow_id: "C1", day: "2025-03-01", max_temp_c: 40.1, fever_readings: 1}]
""",
    "REQ-003": """\
id: REQ-003
title: Vet visits
statement: >
  The system shall list for the vet each cow that had a fever on two or
  more different days.
examples:
  - name: two days
    given:
      readings: [{cow_id: "C1", taken_at: "2025-03-01T06:00:00", temp_c: 40.1},
                 {cow_id: "C1", taken_at: "2025-03-02T06:00:00", temp_c: 40.0}]
    then:
      vet_visits: [{cow_id: "C1", fever_days: 2}]
""",
}


@pytest.fixture
def herd(tmp_path):
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs/project.yaml").write_text(PROJECT)
    for name, text in REQUIREMENTS.items():
        (tmp_path / "reqs" / f"{name}.yaml").write_text(textwrap.dedent(text))
    loaded = load_workspace(tmp_path)
    design = infer_design(loaded.project, loaded.requirements)
    requirements = [r.model_dump() for r in loaded.requirements]
    return loaded.project.model_dump(), design, requirements


def task(herd, component: str, language: str = "python") -> str:
    project, design, requirements = herd
    return component_task({"component": component, "design": design.model_dump(), "requirements": requirements,
                           "current": None, "attempt": 1, "upstream": {}, "project": project}, language)


def test_word_forms_meet():
    assert stem("anaemic") == stem("anaemia")
    assert stem("grades") == stem("graded") == stem("grade")
    assert notion_words("The number of the fever readings") == {stem("number"), "fever", stem("readings")}


def test_a_borrowed_notion_brings_the_statement_that_defines_it(herd):
    _, design, requirements = herd
    related = [r["id"] for r in related_requirements(design, "make_daily_summary", requirements)]
    assert related == ["REQ-001"]  # "fever readings": the fever REQ-001 defines; "cow" and "temperature" are raw data


def test_what_a_component_reads_brings_the_statement_that_makes_it(herd):
    _, design, requirements = herd
    assert design.component("make_vet_visits").reads == ["fever_alerts"]
    assert [r["id"] for r in related_requirements(design, "make_vet_visits", requirements)] == ["REQ-001"]


def test_a_requirement_that_shares_only_raw_data_is_not_shown(herd):
    _, design, requirements = herd
    assert related_requirements(design, "make_fever_alerts", requirements) == []


def test_the_prompt_shows_the_project_the_definitions_and_the_field_meanings(herd):
    prompt = task(herd, "make_daily_summary")
    assert "About the project: A dairy farm takes each cow's temperature twice a day." in prompt
    assert "- REQ-001 Fever alert: The system shall raise a fever alert for each reading above 39.5 °C. " \
           "(this makes fever_alerts)" in prompt
    assert "temp_c (number; Body temperature in degrees Celsius)" in prompt
    sql = task(herd, "make_daily_summary", "sql")
    assert "REQ-001 Fever alert" in sql and "temp_c: Body temperature in degrees Celsius" in sql


def test_without_description_or_related_requirements_the_prompt_is_as_before(herd):
    project, design, requirements = herd
    bare = {**project, "description": ""}
    prompt = component_task({"component": "make_fever_alerts", "design": design.model_dump(),
                             "requirements": requirements, "current": None, "attempt": 1, "upstream": {},
                             "project": bare}, "python")
    assert "About the project" not in prompt and "Other requirements" not in prompt
    assert prompt.startswith("Requirement:\n- REQ-001 Fever alert: The system shall raise a fever alert for each "
                             "reading above 39.5 °C.\n\nInputs:\n")


def test_field_notes_are_only_the_described_fields(herd):
    project, _, _ = herd
    assert field_notes(project, "readings") == {"temp_c": "Body temperature in degrees Celsius"}
    assert field_notes(project, "fever_alerts") == {}
    assert field_notes(None, "readings") == {}


def test_a_temperature_in_degrees_is_the_readings_own_not_the_summarys_maximum(herd):
    _, design, _ = herd  # "above 39.5 °C": the readings have temp_c; max_temp_c of the daily summary is not meant
    assert design.component("make_fever_alerts").reads == ["readings"]


def test_a_requirement_that_uses_what_a_component_makes_is_not_shown_to_it():
    from pathlib import Path

    loaded = load_workspace(Path(__file__).resolve().parent.parent / "examples/water-tanks")
    design = infer_design(loaded.project, loaded.requirements)
    requirements = [r.model_dump() for r in loaded.requirements]

    def related(component: str) -> list[str]:
        return [r["id"] for r in related_requirements(design, component, requirements)]

    # the refill plan and the village refills say "refill" because they use the alerts: they define nothing for them
    assert related("make_refill_alerts") == ["REQ-001"]
    # "refill" is what the plan's input refill_alerts says already; the village count beside it is no definition
    assert related("make_refill_plan") == ["REQ-001", "REQ-002"]
    assert related("make_village_refills") == ["REQ-002"]


def test_a_field_note_that_only_says_the_name_again_is_left_out():
    project = {"collections": {"bookings": {"fields": {
        "bookid": {"type": "integer", "description": "Booking id"},
        "starttime": {"type": "datetime", "description": "When the booking starts"},
        "memid": {"type": "integer", "description": "The member who made the booking; 0 means a guest"},
        "slots": {"type": "integer", "description": "How many half-hour slots are booked"}}}}}
    assert field_notes(project, "bookings") == {"memid": "The member who made the booking; 0 means a guest",
                                                "slots": "How many half-hour slots are booked"}


def test_only_the_descriptions_first_sentence_sets_the_scene(herd):
    prompt = task(herd, "make_fever_alerts")
    assert "About the project: A dairy farm takes each cow's temperature twice a day.\n" in prompt
    assert "The vet wants" not in prompt


def _design(tmp_path, requirements: dict[str, str]):
    (tmp_path / "reqs").mkdir()
    (tmp_path / "reqs/project.yaml").write_text(PROJECT)
    for name, text in requirements.items():
        (tmp_path / "reqs" / f"{name}.yaml").write_text(textwrap.dedent(text))
    loaded = load_workspace(tmp_path)
    return infer_design(loaded.project, loaded.requirements)


COUNT_BY_COW = """\
id: REQ-004
title: Fevers by cow
statement: For each cow, the system shall count its fever alerts.
examples:
  - name: one cow
    given:
      readings: [{cow_id: "C1", taken_at: "2025-03-01T06:00:00", temp_c: 40.1}]
    then:
      cow_fever_counts: [{cow_id: "C1", fevers: 1}]
"""


def test_on_the_same_words_the_notion_is_read_where_it_comes_from(tmp_path):
    # "a fever" in the vet visits matches fever_alerts and cow_fever_counts alike; the counts say "fever"
    # because they are made from the alerts, so the alerts are what the vet visits mean
    design = _design(tmp_path, {**REQUIREMENTS, "REQ-004": COUNT_BY_COW})
    assert design.component("make_cow_fever_counts").reads == ["fever_alerts"]
    assert design.component("make_vet_visits").reads == ["fever_alerts"]


def test_the_wider_notion_explains_the_words_a_narrower_one_shares(tmp_path):
    high = REQUIREMENTS["REQ-001"].replace("fever alert for each reading above 39.5", "high fever alert for each reading above 40.5") \
        .replace("fever_alerts:", "high_fever_alerts:")
    herd = COUNT_BY_COW.replace("For each cow, the system shall count its fever alerts", "The system shall count the herd's fevers") \
        .replace("cow_fever_counts:", "herd_fevers:").replace("[{cow_id: \"C1\", fevers: 1}]", "[{fevers: 1}]")
    vet = REQUIREMENTS["REQ-003"].replace("had a fever on", "had a high fever on")
    design = _design(tmp_path, {"REQ-001": high, "REQ-003": vet, "REQ-004": herd})
    # "a high fever" is the high fever alerts' notion; the herd's fevers share only "fever" of it
    assert design.component("make_vet_visits").reads == ["high_fever_alerts"]
