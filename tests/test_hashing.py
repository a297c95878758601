"""The content hash ignores how a requirement is written, and catches what it says."""

from __future__ import annotations

import pytest

from reqs.hashing import content_hash
from reqs.workspace import load_requirement
from tests.conftest import REFILL_ALERT

SAME_MEANING_REWRITTEN = """\
# rewritten by hand, same meaning
id: REQ-001
priority: must
title: "Refill alert"
statement: >-
  When a tank's level is below 20 %,
  the system shall   raise a refill alert.
examples:
- name: exactly 20 is not low
  holdout: true
  given:
    levels:
    - tank_id: T3
      level_pct: 20
      taken_at: 2025-05-01T08:00:00
  then:
    refill_alerts: []
- name: one tank is low
  given:
    levels:
    - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}
    - {tank_id: T2, level_pct: 64, taken_at: "2025-05-01T08:00:00"}
  then:
    refill_alerts:
    - {taken_at: "2025-05-01T08:00:00", level_pct: 12.50, tank_id: T1}
"""


def hash_of(tmp_path, text: str) -> str:
    path = tmp_path / "REQ-001.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_requirement(path, "reqs/REQ-001.yaml")
    assert loaded.problems == []
    return content_hash(loaded.requirement)


def test_the_hash_is_a_stable_sha256(tmp_path):
    first = hash_of(tmp_path, REFILL_ALERT)
    assert len(first) == 64 and int(first, 16) >= 0
    assert hash_of(tmp_path, REFILL_ALERT) == first


def test_formatting_comments_order_and_wrapping_do_not_change_the_hash(tmp_path):
    assert hash_of(tmp_path, SAME_MEANING_REWRITTEN) == hash_of(tmp_path, REFILL_ALERT)


@pytest.mark.parametrize("before, after", [
    ("title: Refill alert", "title: Refill alarm"),
    ("below 20 %", "below 25 %"),
    ("priority: must", "priority: should"),
    ("level_pct: 64.0", "level_pct: 64.5"),
    ("tank_id: T2", "tank_id: T22"),
    ("holdout: true ", "holdout: false"),
    ("then: {refill_alerts: []}", "then: {refill_alerts: [], low_tanks: []}"),
    ("- name: one tank is low", "- name: one tank is empty"),
])
def test_any_change_in_meaning_changes_the_hash(tmp_path, before, after):
    assert before in REFILL_ALERT
    assert hash_of(tmp_path, REFILL_ALERT.replace(before, after)) != hash_of(tmp_path, REFILL_ALERT)


def test_the_order_of_input_records_counts(tmp_path):
    swapped = REFILL_ALERT.replace(
        '        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}\n        - {tank_id: T2, level_pct: 64.0, taken_at: "2025-05-01T08:00:00"}',
        '        - {tank_id: T2, level_pct: 64.0, taken_at: "2025-05-01T08:00:00"}\n        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}',
    )
    assert swapped != REFILL_ALERT
    assert hash_of(tmp_path, swapped) != hash_of(tmp_path, REFILL_ALERT)


ORDERED = """\
id: REQ-001
title: Lowest first
statement: The system shall list tanks from the lowest level up.
examples:
  - name: two tanks
    ordered: {ordered}
    given: {{levels: [{{tank_id: A, level_pct: 5.0, taken_at: "2025-05-01T08:00:00"}}]}}
    then: {{by_level: [{first}, {second}]}}
"""


def test_expected_order_counts_only_for_ordered_examples(tmp_path):
    def variant(ordered: str, first: str, second: str) -> str:
        return hash_of(tmp_path, ORDERED.format(ordered=ordered, first=first, second=second))

    a, b = "{tank_id: A}", "{tank_id: B}"
    assert variant("false", a, b) == variant("false", b, a)
    assert variant("true", a, b) != variant("true", b, a)
