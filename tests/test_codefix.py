"""Trivial mistakes in model-written code are mended without the model."""

from __future__ import annotations

from agents.codefix import extract_code, fix_code, mend_query


def test_code_is_taken_from_the_fenced_block_that_defines_a_function():
    answer = "Here you go:\n```text\nnot this\n```\n```python\ndef run(levels):\n    return levels\n```\nHope it helps."
    assert extract_code(answer) == "def run(levels):\n    return levels\n"


def test_forgotten_standard_imports_are_added():
    fixed = fix_code("def run(levels):\n    counts = defaultdict(int)\n    best = max(groupby(levels, key=len))\n    return [math.floor(x) for x in counts]\n")
    assert fixed.problems == []
    assert fixed.code.startswith("import math\nfrom collections import defaultdict\nfrom itertools import groupby\n\n")


def test_datetime_is_imported_as_the_module_or_the_class_as_it_is_used():
    as_module = fix_code("def run(xs):\n    return [datetime.date(2025, 1, 1)]\n")
    as_class = fix_code("def run(xs):\n    return [datetime.fromisoformat('2025-01-01')]\n")
    assert as_module.code.startswith("import datetime\n")
    assert as_class.code.startswith("from datetime import datetime\n")


def test_a_differently_named_function_becomes_run():
    fixed = fix_code("def make_refill_alerts(latest_levels):\n    return []\n")
    assert fixed.code.endswith("\n\nrun = make_refill_alerts\n")
    assert fixed.mended == ["named make_refill_alerts as run"]


def test_what_cannot_be_mended_is_said_for_the_model():
    assert fix_code("def run(levels):\n    return [r for r in levels if r[\"x\"] > limit]\n").problems == [
        "name 'limit' is used but never defined"]
    assert fix_code("def run(levels)\n    return levels\n").problems == ["line 1: expected ':'; the code does not parse"]
    assert fix_code("x = 1\n").problems == ["there is no function; write `def run(...)`"]


def test_names_defined_anywhere_in_the_code_are_not_reported():
    code = "LIMIT = 20\n\ndef helper(r):\n    return r\n\ndef run(levels):\n    try:\n        return [helper(r) for r in levels if r['x'] < LIMIT]\n    except KeyError as error:\n        return []\n"
    assert fix_code(code).problems == []


TABLES = {"pupils": {"pupil_id": "VARCHAR", "name": "VARCHAR"}, "attendance_rates": {"pupil_id": "VARCHAR", "rate_pct": "DOUBLE"}}


def test_a_column_read_from_the_wrong_table_is_read_from_the_one_that_has_it():
    query = "SELECT a.pupil_id, a.name, a.rate_pct FROM attendance_rates a JOIN pupils p ON a.pupil_id = p.pupil_id"
    fixed = mend_query(query, TABLES)
    assert fixed.code == "SELECT a.pupil_id, p.name, a.rate_pct FROM attendance_rates a JOIN pupils p ON a.pupil_id = p.pupil_id"
    assert fixed.mended == ["a.name is p.name"]
    in_a_cte = "WITH r AS (SELECT pupil_id, rate_pct FROM attendance_rates) SELECT r.pupil_id, r.name FROM r JOIN pupils p ON r.pupil_id = p.pupil_id"
    assert "SELECT r.pupil_id, p.name FROM r" in mend_query(in_a_cte, TABLES).code


def test_an_ambiguous_column_takes_the_first_table_offered_but_join_keys_and_output_names_stay():
    query = "SELECT pupil_id AS pupil_id, name, rate_pct FROM attendance_rates a JOIN pupils p ON a.pupil_id = p.pupil_id ORDER BY pupil_id"
    fixed = mend_query(query, TABLES)
    assert fixed.code == ("SELECT a.pupil_id AS pupil_id, name, rate_pct FROM attendance_rates a JOIN pupils p "
                          "ON a.pupil_id = p.pupil_id ORDER BY a.pupil_id")
    using = "SELECT pupil_id, name FROM attendance_rates JOIN pupils USING (pupil_id)"
    assert mend_query(using, TABLES) == type(fixed)(using), "USING makes the key unambiguous: nothing to mend"


def test_a_query_that_cannot_be_mended_stays_as_written_and_nothing_runs():
    for query in ["SELECT x FROM pupils",  # no table has x
                  "SELECT a.name FROM attendance_rates a",  # no table in the query has name
                  "SELECT * FROM read_csv('/etc/passwd')",
                  "SELECT count(*) FROM range(100000000000000)"]:  # planned, never run
        assert mend_query(query, TABLES).code == query


def test_a_settings_table_used_but_never_read_is_added_beside_the_first_table():
    tables = {"doses": {"vaccine": "VARCHAR", "given_on": "DATE"}, "clinic_days": {"day": "DATE"}}
    query = "SELECT vaccine, COUNT(*) AS doses FROM doses d WHERE d.given_on >= DATE_TRUNC('month', clinic_days.day) GROUP BY vaccine"
    fixed = mend_query(query, tables)
    assert fixed.code == query.replace("FROM doses d", "FROM doses d, clinic_days")
    assert fixed.mended == ["added clinic_days to FROM"]
    assert mend_query("SELECT vaccine FROM doses WHERE elsewhere.day > 1", tables).code.endswith("elsewhere.day > 1")
