"""bench/realistic.py makes data the way records pile up in use: ids that meet across collections, one record
per id where a collection is keyed by one, many records in no order elsewhere, and dates over weeks."""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

from realistic import Pools, dataset  # noqa: E402
from reqs.workspace import load_workspace  # noqa: E402
from specs.infer import infer_design  # noqa: E402

EXAMPLES = BENCH.parent / "examples"


def test_a_realistic_dataset_has_ids_that_meet_one_record_per_key_and_weeks_of_readings():
    workspace = load_workspace(EXAMPLES / "water-tanks")
    design = infer_design(workspace.project, workspace.requirements)
    rng = random.Random(3)
    sets = [dataset(design, Pools(workspace), rng) for _ in range(10)]
    for data in sets:
        tanks = [t["tank_id"] for t in data["tanks"]]
        assert len(tanks) == len(set(tanks)) >= 2, "one record per tank"
        assert {r["tank_id"] for r in data["levels"]} <= set(tanks), "every reading names a tank that exists"
        assert 5 <= len(data["levels"]) <= 60
    days = {dt.datetime.fromisoformat(r["taken_at"]).date() for data in sets for r in data["levels"]}
    assert (max(days) - min(days)).days >= 14, "readings spread over weeks"
    assert dt.date(2025, 5, 1) in days, "the examples' own day recurs"
    interleaved = [data["levels"] for data in sets
                   if any(a["tank_id"] != b["tank_id"] for a, b in zip(data["levels"], data["levels"][1:]))]
    assert interleaved, "two tanks' readings interleave"
