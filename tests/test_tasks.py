"""How records are shown to the model: a table per collection, a cell per value, quoted only where it must be."""

import datetime as dt

from agents.tasks import records_shown


def test_records_are_a_header_and_a_line_each_in_the_collections_field_order():
    records = [{"name": "Achieng", "mother_id": "M1", "haemoglobin": 10.5}, {"mother_id": "M2", "name": "Nafula", "haemoglobin": 12.0}]
    assert records_shown(records, ["mother_id", "name", "haemoglobin"]) == (
        "mother_id | name | haemoglobin\nM1 | Achieng | 10.5\nM2 | Nafula | 12.0")


def test_a_text_that_could_be_read_as_something_else_is_quoted():
    records = [{"code": "12"}, {"code": ""}, {"code": " padded"}, {"code": "None"}, {"code": "a | b"}, {"code": "true"},
               {"code": "T1"}]
    assert records_shown(records, ["code"]).splitlines()[1:] == ["'12'", "''", "' padded'", "'None'", "'a | b'", "'true'", "T1"]


def test_missing_values_are_said_in_the_language_of_the_answer():
    records = [{"seen": None, "ok": True}]
    assert records_shown(records, ["seen", "ok"], "python").splitlines()[1] == "None | True"
    assert records_shown(records, ["seen", "ok"], "sql").splitlines()[1] == "NULL | true"


def test_dates_are_written_as_the_workspace_writes_them():
    records = [{"on": dt.date(2025, 4, 2), "at": dt.datetime(2025, 5, 1, 18, 0)}]
    assert records_shown(records, ["on", "at"]).splitlines()[1] == "2025-04-02 | 2025-05-01T18:00:00"


def test_an_expected_record_naming_some_fields_shows_only_the_fields_named():
    assert records_shown([{"tank_id": "T1"}, {"tank_id": "T2", "level_pct": 5}], ["tank_id", "taken_at", "level_pct"]) == (
        "tank_id | level_pct\nT1 | \nT2 | 5")


def test_no_records_and_what_is_not_records_are_said_plainly():
    assert records_shown([], ["a"]) == "no records"
    assert records_shown(7, ["a"]) == "7"
    assert records_shown([1, 2], ["a"]) == "[1, 2]"
