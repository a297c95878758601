"""Trivial mistakes in model-written code are mended without the model."""

from __future__ import annotations

from agents.codefix import extract_code, fix_code


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
