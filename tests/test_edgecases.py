"""Made-up inputs near a statement's edges, and agreement among candidates on them."""

from __future__ import annotations

from agents.edgecases import (
    agreement,
    canonical,
    edge_inputs,
    nearness,
    statement_numbers,
)

FIELDS = {"levels": {"tank_id": "text", "level_pct": "number", "taken_at": "datetime"}}
BASE = {"levels": [{"tank_id": "T1", "level_pct": 55.0, "taken_at": "2025-05-01T07:00:00"},
                   {"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T18:00:00"}]}


def test_statement_numbers_are_the_numbers_a_person_wrote_not_parts_of_names():
    assert statement_numbers("When a tank's level is below 20 %, or 12.5 within 7 days (REQ-001, v2), alert 20 times") == [20, 12.5, 7]


def test_edge_inputs_move_values_to_the_statement_s_numbers_and_a_step_either_side():
    made = edge_inputs([BASE], FIELDS, "below 20 %", limit=1000)
    levels = {variant["levels"][0]["level_pct"] for name, variant in made.items() if "levels[0].level_pct" in name}
    assert levels == {19.5, 20.0, 20.5}
    assert made["every collection empty"] == {"levels": []}
    assert made["example 1, records reversed"]["levels"] == list(reversed(BASE["levels"]))
    assert made["example 1, levels without its first record"]["levels"] == BASE["levels"][1:]
    tie = made["example 1, levels[1] with a tie"]["levels"]
    assert tie[-1] == {"tank_id": "T1", "level_pct": 13.5, "taken_at": "2025-05-01T18:00:00"}
    assert made["example 1, levels[0].taken_at +1 days"]["levels"][0]["taken_at"] == "2025-05-02T07:00:00"
    assert BASE["levels"][0]["level_pct"] == 55.0, "the visible example itself is never changed"


def test_edge_inputs_never_repeat_an_input_or_a_visible_example_and_keep_within_the_limit():
    made = edge_inputs([BASE, BASE], FIELDS, "below 20 % within 7 days", limit=1000)
    fingerprints = [canonical(v["levels"], ordered=True) for v in made.values()]
    assert len(fingerprints) == len(set(fingerprints))
    assert canonical(BASE["levels"], ordered=True) not in fingerprints
    few = edge_inputs([BASE], FIELDS, "below 20 % within 7 days", limit=10)
    assert len(few) == 10
    assert len({name.split(", ", 1)[-1].split(" ")[0] for name in few}) > 3, "a spread of kinds, not only the first kind"


def test_edge_inputs_are_the_same_every_time():
    made = edge_inputs([BASE], FIELDS, "below 20", seed=3)
    assert len(made) > 10 and "every collection empty" in made
    assert made == edge_inputs([BASE], FIELDS, "below 20", seed=3)


def test_canonical_ignores_order_and_rounding_noise_but_not_real_differences():
    assert canonical([{"a": 1, "b": 0.1 + 0.2}, {"a": 2}]) == canonical([{"a": 2}, {"b": 0.3, "a": 1}])
    assert canonical([{"a": 1}, {"a": 2}], ordered=True) != canonical([{"a": 2}, {"a": 1}], ordered=True)
    assert canonical([{"a": 20}]) == canonical([{"a": 20.0}])
    assert canonical([{"a": 1}]) != canonical([{"a": 1}, {"a": 1}])
    assert canonical(None) is None


def test_agreement_counts_who_gave_the_same_answer_and_failures_agree_with_nothing():
    outputs = {"p0": {"x": "A", "y": "B"}, "p1": {"x": "A", "y": "C"}, "s0": {"x": "A", "y": "C"}, "s1": {"x": None, "y": None}}
    assert agreement(outputs) == {"p0": 3 + 1, "p1": 3 + 2, "s0": 3 + 2, "s1": 0}


def test_nearness_ranks_failing_outputs_by_how_much_of_the_example_they_get_right():
    wanted = [{"tank_id": "T1", "litres": 4375.0}, {"tank_id": "T2", "litres": 100.0}]
    assert nearness(wanted, wanted) == 1.0
    one_value_wrong = nearness(wanted, [{"tank_id": "T1", "litres": 4375.0}, {"tank_id": "T2", "litres": 99.0}])
    one_record_missing = nearness(wanted, [{"tank_id": "T1", "litres": 4375.0}])
    nothing = nearness(wanted, [])
    assert 1.0 > one_value_wrong > one_record_missing > nothing > nearness(wanted, None) == -1.0
    assert nearness([], []) == 1.0 and nearness([], [{"x": 1}]) == 0.0


def test_edge_inputs_give_every_record_the_same_yes_no_or_repeated_text_value():
    fields = {"attendance": {"pupil_id": "text", "day": "date", "present": "boolean"}}
    base = {"attendance": [{"pupil_id": "P1", "day": "2025-05-05", "present": True},
                           {"pupil_id": "P2", "day": "2025-05-05", "present": True},
                           {"pupil_id": "P2", "day": "2025-05-06", "present": False}]}
    made = edge_inputs([base], fields, "nobody present shows 0", limit=1000)
    nobody = made["example 1, every attendance.present = false"]["attendance"]
    assert [r["present"] for r in nobody] == [False, False, False]
    assert [r["pupil_id"] for r in nobody] == ["P1", "P2", "P2"], "only the one field changes"
    assert [r["present"] for r in made["example 1, every attendance.present = true"]["attendance"]] == [True] * 3
    assert [r["present"] for r in made["example 1, attendance[0].present = false"]["attendance"]] == [False, True, False]
    one_pupil = made["example 1, every attendance.pupil_id = P2"]["attendance"]
    assert {r["pupil_id"] for r in one_pupil} == {"P2"}
    assert not any("attendance.day" in name and "every" in name for name in made), "dates are moved, not made alike"
    assert base["attendance"][0]["present"] is True, "the visible example itself is never changed"
