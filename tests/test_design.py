"""The first design comes from the requirements alone; its checks say what to repair."""

from __future__ import annotations

from pathlib import Path

import pytest

from reqs.workspace import load_workspace
from specs.checks import design_problems
from specs.design import ComponentDesign, Design, reads_in_words
from specs.designfile import design_text, load_design, write_design
from specs.infer import infer_design

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def inferred(name: str) -> tuple[Design, list]:
    workspace = load_workspace(EXAMPLES / name)
    return infer_design(workspace.project, workspace.requirements), workspace.requirements


def test_water_tanks_design_is_inferred_without_a_model():
    design, requirements = inferred("water-tanks")
    assert design_problems(design, requirements) == []
    assert list(design.collections) == ["tanks", "levels", "latest_levels", "refill_alerts", "refill_plan", "village_refills"]
    assert design.sources == ["tanks", "levels"]
    assert design.collections["levels"].fields == {"tank_id": "text", "level_pct": "number", "taken_at": "datetime"}
    assert design.collections["refill_plan"].fields == {"tank_id": "text", "village": "text", "litres_needed": "number"}
    assert design.collections["village_refills"].fields == {"village": "text", "tanks_to_refill": "integer"}
    assert [(c.name, c.reads, c.writes, c.requirements) for c in design.flow()] == [
        ("make_latest_levels", ["levels"], ["latest_levels"], ["REQ-001"]),
        ("make_refill_alerts", ["latest_levels"], ["refill_alerts"], ["REQ-002"]),
        ("make_refill_plan", ["latest_levels", "refill_alerts", "tanks"], ["refill_plan"], ["REQ-003"]),
        ("make_village_refills", ["refill_alerts", "tanks"], ["village_refills"], ["REQ-004"]),
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir() if (p / "reqs").is_dir()))
def test_every_example_gets_a_sound_first_design(name):
    design, requirements = inferred(name)
    assert design_problems(design, requirements) == []
    assert {r for c in design.components for r in c.requirements} == {r.id for r in requirements}


def test_a_statement_naming_another_output_chains_to_it():
    design, _ = inferred("school-attendance")
    assert "attendance_rates" in design.component("make_home_visits").reads
    design, _ = inferred("village-shop")
    assert "stock_on_hand" in design.component("make_reorder_list").reads


def test_a_statement_using_a_field_another_requirement_works_out_chains_to_it():
    design, _ = inferred("dairy-coop")
    # "the price per litre of the delivery's grade": graded_deliveries, which adds the grade, stands in for deliveries
    assert design.component("make_payments").reads == ["graded_deliveries", "prices"]
    # "three or more of a farmer's deliveries are grade C"
    assert design.component("make_quality_warnings").reads == ["farmers", "graded_deliveries"]
    assert design.component("make_daily_totals").reads == ["deliveries"]  # "litres delivered each day" needs no grade
    design, _ = inferred("clinic-vaccines")
    # "39 weeks old" is a measure in child_ages' unit; children stays, for the name the output lists
    assert design.component("make_measles_due").reads == ["child_ages", "children", "clinic_days", "doses"]
    design, _ = inferred("school-attendance")
    assert "class_presence" not in design.component("make_attendance_rates").reads  # "days marked present" is no field's


def test_a_collection_only_held_out_examples_give_is_not_read():
    """Held-out examples check the build and never shape it: "farmers who delivered nothing are not listed" is
    checked by a held-out example giving farmers, and a payment that read farmers would be tempted to list them."""
    design, requirements = inferred("dairy-coop")
    payments = next(r for r in requirements if r.id == "REQ-002")
    assert any(e.holdout and "farmers" in e.given for e in payments.examples)
    assert "farmers" not in design.component("make_payments").reads
    assert "farmers" in design.collections, "the app still accepts the records it is given"
    design, _ = inferred("school-attendance")
    assert design.component("make_attendance_rates").reads == ["attendance"]


def test_mixed_whole_and_decimal_numbers_make_a_number_field(tmp_path):
    from tests.conftest import PROJECT, WorkspaceDir

    ws = WorkspaceDir(tmp_path)
    ws.write("reqs/project.yaml", PROJECT)
    ws.requirement("REQ-001.yaml", """\
        id: REQ-001
        title: Totals
        statement: The system shall total the levels.
        examples:
          - name: a
            given: {levels: []}
            then: {totals: [{n: 1, when: null}]}
          - name: b
            given: {levels: []}
            then: {totals: [{n: 2.5, when: "2025-05-01"}]}
        """)
    workspace = ws.load()
    assert workspace.problems == []
    assert infer_design(workspace.project, workspace.requirements).collections["totals"].fields == {"n": "number", "when": "date"}


def broken(design: Design, **changes) -> Design:
    component = design.components[1].model_copy(update=changes)
    return design.model_copy(update={"components": [design.components[0], component, *design.components[2:]]})


def test_design_checks_name_each_problem_and_its_repair():
    design, requirements = inferred("water-tanks")
    assert design_problems(broken(design, reads=["levels", "tank_levels"]), requirements) == [
        "component 'make_refill_alerts' reads 'tank_levels', which is not a collection; the collections are "
        "latest_levels, levels, refill_alerts, refill_plan, tanks, village_refills"
    ]
    assert design_problems(broken(design, writes=["latest_levels"]), requirements) == [
        "'latest_levels' is written by both 'make_latest_levels' and 'make_refill_alerts'; each collection must be written by exactly one component",
        "component 'make_refill_alerts' reads 'latest_levels', which it also writes; a component reads its inputs and writes new collections",
        "no component writes 'refill_alerts'; add one, or make 'refill_alerts' part of another component's writes",
    ]
    assert design_problems(broken(design, writes=["levels"]), requirements)[0] == (
        "component 'make_refill_alerts' writes 'levels', but 'levels' is source data the person gives; "
        "components may only write derived collections"
    )
    assert design_problems(broken(design, requirements=[]), requirements) == [
        "REQ-002 (Refill alert) is served by no component; list it under a component's requirements"
    ]


def test_a_cycle_is_found_and_named():
    design, requirements = inferred("water-tanks")
    first = design.components[0].model_copy(update={"reads": ["levels", "refill_alerts"]})
    looped = design.model_copy(update={"components": [first, *design.components[1:]]})
    problems = design_problems(looped, requirements)
    assert len(problems) == 1 and problems[0].startswith("components read each other in a circle: ")
    assert "make_latest_levels" in problems[0] and "make_refill_alerts" in problems[0]


def test_the_design_file_round_trips_and_reads_well(tmp_path):
    design, _ = inferred("water-tanks")
    write_design(tmp_path, design)
    assert load_design(tmp_path) == design
    text = (tmp_path / "specs/design.yaml").read_text()
    assert text == design_text(design)
    assert "  latest_levels: {fields: {tank_id: text, level_pct: number, taken_at: datetime}}\n" in text
    assert "  - name: make_refill_alerts\n    path: app/components/make_refill_alerts.py\n    reads: [latest_levels]\n" in text
    assert load_design(tmp_path / "nowhere") is None


def test_component_paths_follow_their_names():
    assert ComponentDesign.path_for("flag_low_tanks") == "app/components/flag_low_tanks.py"


def test_the_reads_are_said_in_plain_words_naming_where_made_ones_come_from():
    loaded = load_workspace(EXAMPLES / "dairy-coop")
    design = infer_design(loaded.project, loaded.requirements)
    said = reads_in_words(design, {r.id: r.title for r in loaded.requirements})
    assert said[0] == "To make the graded deliveries (REQ-001 Grade each delivery), shall uses the deliveries."
    assert ("To make the payments (REQ-002 Pay each farmer), shall uses the graded deliveries (from REQ-001) "
            "and the prices.") in said
