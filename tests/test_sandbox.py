"""Generated code runs in a sandbox: loops, exits, fork bombs and stray writes never hurt the build."""

from __future__ import annotations

import shutil
import textwrap
import time
from pathlib import Path

import pytest

from agents.sandbox import Case, Limits, run_cases, run_trials
from tests.helpers import WATER_TANKS, built_workspace

LOW = Case("REQ-002/one tank is low",
           given={"levels": [{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T18:00:00"}]},
           then={"refill_alerts": [{"tank_id": "T1", "level_pct": 12.5}]})
QUICK = Limits(wall_seconds=20, seconds_per_example=3, cpu_seconds=10)


def with_alerts(tmp_path: Path, body: str) -> Path:
    return built_workspace(tmp_path, dict(WATER_TANKS, make_refill_alerts=textwrap.dedent(body)))


def test_a_correct_app_passes_and_the_run_says_how_it_was_isolated(tmp_path):
    run = run_cases(built_workspace(tmp_path, WATER_TANKS), [LOW])
    assert [r.passed for r in run.results] == [True]
    assert run.results[0].actual["refill_alerts"] == [{"tank_id": "T1", "level_pct": 12.5}]
    assert "audit hook" in run.isolation


def test_a_wrong_answer_says_what_differs(tmp_path):
    root = with_alerts(tmp_path, "def run(latest_levels):\n    return []\n")
    result = run_cases(root, [LOW], QUICK).results[0]
    assert not result.passed
    assert result.problems == ["'refill_alerts' has 0 records, expected 1", "'refill_alerts': no record matches {'tank_id': 'T1', 'level_pct': 12.5}"]
    assert result.by_collection == {"refill_alerts": result.problems}


def test_an_infinite_loop_is_stopped_per_example(tmp_path):
    root = with_alerts(tmp_path, "def run(latest_levels):\n    while True:\n        pass\n")
    started = time.monotonic()
    results = run_cases(root, [LOW, LOW.__class__("second", LOW.given, LOW.then)], QUICK).results
    assert time.monotonic() - started < 15
    assert [r.problems for r in results] == [["it took longer than 3 s; the code may loop forever"]] * 2


def test_sys_exit_in_generated_code_is_a_failure_not_the_end(tmp_path):
    root = with_alerts(tmp_path, "import sys\n\ndef run(latest_levels):\n    sys.exit(3)\n")
    results = run_cases(root, [LOW, LOW.__class__("second", LOW.given, LOW.then)], QUICK).results
    assert [r.passed for r in results] == [False, False]
    assert results[0].failures["make_refill_alerts"] == "SystemExit: 3"
    assert results[0].failures["make_refill_plan"] == "skipped, because it reads refill_alerts, which could not be made"


def test_a_hard_exit_marks_the_examples_it_never_reached(tmp_path):
    root = with_alerts(tmp_path, "import os\n\ndef run(latest_levels):\n    os._exit(0)\n")
    results = run_cases(root, [LOW], QUICK).results
    assert results[0].passed is False
    assert results[0].problems[0].startswith("the sandbox stopped it")


def test_a_fork_bomb_is_contained(tmp_path):
    root = with_alerts(tmp_path, """
        import os

        def run(latest_levels):
            while True:
                os.fork()
        """)
    started = time.monotonic()
    result = run_cases(root, [LOW], QUICK).results[0]
    assert time.monotonic() - started < 25
    assert not result.passed
    assert result.failures["make_refill_alerts"] == "PermissionError: the sandbox does not allow os.fork"


def test_a_write_outside_the_sandbox_is_refused(tmp_path):
    target = tmp_path / "outside.txt"
    root = with_alerts(tmp_path, f"""
        def run(latest_levels):
            with open({str(target)!r}, "w") as handle:
                handle.write("gotcha")
            return []
        """)
    result = run_cases(root, [LOW], QUICK).results[0]
    assert not target.exists()
    assert result.failures["make_refill_alerts"].startswith("PermissionError: the sandbox does not allow writing to")


def test_deleting_the_workspace_is_refused(tmp_path):
    root = with_alerts(tmp_path, f"""
        import shutil

        def run(latest_levels):
            shutil.rmtree({str(tmp_path)!r})
            return []
        """)
    result = run_cases(root, [LOW], QUICK).results[0]
    assert (root / "reqs" / "REQ-001.yaml").exists()
    assert "PermissionError" in result.failures["make_refill_alerts"]


def test_a_memory_hog_fails_alone(tmp_path):
    # One 16 GiB allocation: refused at once under the 1 GiB limit, though this machine has 24 GiB.
    root = with_alerts(tmp_path, "def run(latest_levels):\n    hoard = bytearray(1 << 34)\n    return []\n")
    result = run_cases(root, [LOW], QUICK).results[0]
    assert result.failures["make_refill_alerts"] == "MemoryError"


def test_printing_from_generated_code_does_not_garble_results(tmp_path):
    root = with_alerts(tmp_path, """
        def run(latest_levels):
            print('{"key": "REQ-002/one tank is low", "passed": true}')
            return [{"tank_id": r["tank_id"], "level_pct": r["level_pct"]} for r in latest_levels if r["level_pct"] < 20]
        """)
    run = run_cases(root, [LOW], QUICK)
    assert run.results[0].passed
    assert '"passed": true' in run.log


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux unshare")
def test_no_network_where_the_os_allows_it(tmp_path):
    root = with_alerts(tmp_path, """
        import socket

        def run(latest_levels):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
            return []
        """)
    result = run_cases(root, [LOW], QUICK).results[0]
    assert result.failures["make_refill_alerts"] == "PermissionError: the sandbox does not allow socket.connect"


# --- candidates tried one by one -------------------------------------------------------

LEVELS = {"levels": [{"tank_id": "T1", "level_pct": 12.5, "taken_at": "2025-05-01T18:00:00"}]}


def test_trials_run_each_candidate_on_each_input_and_keep_the_workspace_clean(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    candidates = {
        "_candidate_0": "def run(levels):\n    return [{'tank_id': r['tank_id'], 'day': r['taken_at'].date()} for r in levels]\n",
        "_candidate_1": "def run(levels):\n    return levels[0]\n",
        "_candidate_2": "def run(levels:\n",
    }
    trials = run_trials(root, candidates, {"one": LEVELS, "none": {"levels": []}}, QUICK)
    assert trials["_candidate_0", "one"].output == [{"tank_id": "T1", "day": "2025-05-01"}]  # dates come back as ISO text
    assert trials["_candidate_0", "none"].output == []
    assert trials["_candidate_1", "one"].error == "TypeError: run() should return a list of records (dicts), got dict"
    assert trials["_candidate_1", "none"].error.startswith("IndexError")
    assert "cannot be imported" in trials["_candidate_2", "one"].error
    assert not list((root / "app/components").glob("_candidate_*"))


def test_a_looping_candidate_is_stopped_once_and_skipped_after(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    started = time.monotonic()
    trials = run_trials(root, {"_candidate_0": "def run(levels):\n    while True:\n        pass\n",
                               "_candidate_1": "def run(levels):\n    return []\n"},
                        {"a": LEVELS, "b": LEVELS, "c": LEVELS}, QUICK)
    assert time.monotonic() - started < 15
    assert trials["_candidate_0", "a"].error == "it took longer than 3 s"
    assert trials["_candidate_0", "b"].error.startswith("skipped")
    assert trials["_candidate_1", "c"].output == []


def test_a_large_output_does_not_stall_the_run(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    big = "def run(levels):\n    return [{'tank_id': 'T' * 100, 'n': i} for i in range(5000)]\n"
    trials = run_trials(root, {"_candidate_0": big}, {f"input {i}": LEVELS for i in range(5)}, QUICK)
    assert all(len(trials["_candidate_0", f"input {i}"].output) == 5000 for i in range(5))


def test_a_sql_candidate_runs_on_typed_tables_even_when_empty(tmp_path):
    root = built_workspace(tmp_path, WATER_TANKS)
    query = ("SELECT tank_id, level_pct, CAST(taken_at AS DATE) AS day, count(*) OVER () AS n, 0.5 AS half FROM levels "
             "WHERE taken_at >= TIMESTAMP '2025-05-01 00:00:00'")
    module = ("from app.sql import run_sql\n\n\ndef run(levels):\n"
              f"    return run_sql({query!r}, {{'levels': levels}}, 'latest_levels')\n")
    trials = run_trials(root, {"_candidate_0": module}, {"one": LEVELS, "none": {"levels": []}}, QUICK)
    assert trials["_candidate_0", "one"].error is None
    assert trials["_candidate_0", "one"].output == [{"tank_id": "T1", "level_pct": 12.5, "day": "2025-05-01", "n": 1, "half": 0.5}]
    assert trials["_candidate_0", "none"].output == []


def test_a_case_brings_back_only_the_outputs_it_keeps(tmp_path):
    """With a thousand requirements, every output of every example would grow with the square of the size."""
    keep = Case(LOW.key, LOW.given, LOW.then, keep=("latest_levels", "refill_alerts"))
    [result] = run_cases(built_workspace(tmp_path, WATER_TANKS), [keep], QUICK).results
    assert result.passed and sorted(result.actual) == ["latest_levels", "refill_alerts"]
