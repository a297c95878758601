"""The matching rules of the workspace contract."""

from __future__ import annotations

from specs.matching import differences, match_records, values_match


def test_order_is_ignored_and_extra_fields_are_allowed():
    expected = {"alerts": [{"tank_id": "T1"}, {"tank_id": "T2"}]}
    actual = {"alerts": [{"tank_id": "T2", "level": 3.0}, {"tank_id": "T1", "level": 1.0}]}
    assert differences(expected, actual) == []


def test_order_counts_when_the_example_says_ordered():
    expected = {"by_level": [{"tank_id": "T1"}, {"tank_id": "T2"}]}
    actual = {"by_level": [{"tank_id": "T2"}, {"tank_id": "T1"}]}
    assert differences(expected, actual, ordered=True) == [
        "'by_level' record 1: expected {'tank_id': 'T1'}, got {'tank_id': 'T2'}",
        "'by_level' record 2: expected {'tank_id': 'T2'}, got {'tank_id': 'T1'}",
    ]


def test_each_expected_record_needs_its_own_actual_record():
    # Greedy matching would give the first actual record to the loose first expectation and fail.
    expected = [{"tank_id": "T1"}, {"tank_id": "T1", "level": 5}]
    actual = [{"tank_id": "T1", "level": 5}, {"tank_id": "T1", "level": 9}]
    assert match_records(expected, actual) == {0: 1, 1: 0}
    assert differences({"a": [{"x": 1}, {"x": 1}]}, {"a": [{"x": 1}, {"x": 2}]}) == ["'a': no record matches {'x': 1}"]


def test_the_count_must_match():
    assert differences({"alerts": []}, {"alerts": [{"tank_id": "T1"}]}) == ["'alerts' has 1 record, expected 0"]


def test_a_missing_or_malformed_collection_is_named():
    assert differences({"alerts": []}, {}) == ["'alerts' is missing from the output"]
    assert differences({"alerts": []}, {"alerts": {"T1": 1}}) == ["'alerts' should be a list of records, got {'T1': 1}"]


def test_numbers_match_within_a_relative_tolerance():
    assert values_match(4375.0, 4375.000001)
    assert values_match(20, 20.0)
    assert values_match(0.0, 0.1 + 0.2 - 0.3)
    assert not values_match(19.9, 19.99)
    assert not values_match(1, True)
    assert not values_match(12.5, "12.5")


def test_dates_and_datetimes_match_as_values():
    assert values_match("2025-05-01T08:00:00", "2025-05-01 08:00:00")
    assert values_match("2025-05-01", "2025-05-01")
    assert not values_match("2025-05-01", "2025-05-02")
    assert values_match(None, None) and not values_match(None, 0)
