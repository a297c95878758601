"""One real build on the embedded 0.5b model, over a small workspace."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from agents.build import run_build
from agents.state import BuildContext
from tests.helpers import TWO_EXAMPLES

pytestmark = pytest.mark.e2e

PROJECT = """\
name: Tanks
collections:
  levels:
    fields:
      tank_id: text
      level_pct: number
      taken_at: datetime
"""


def test_a_real_build_makes_an_app_that_runs_and_a_complete_report(tmp_path, small_model):
    root = tmp_path / "tanks"
    (root / "reqs").mkdir(parents=True)
    (root / "reqs/project.yaml").write_text(PROJECT)
    (root / "reqs/REQ-001.yaml").write_text(TWO_EXAMPLES)
    events = []
    report = run_build(root, small_model, auto_approve=True, max_repairs=1, on_event=events.append)
    [row] = report["requirements"]
    assert (row["id"], row["examples"], row["holdouts"]) == ("REQ-001", 2, 1)
    defaults = BuildContext(model=small_model)
    first_answers = defaults.candidates * len(defaults.languages)
    # the first answers, as many again if none passes, and 1 repair
    assert 1 <= row["attempts"] <= 2 * first_answers + 1 and row["tokens"] > 0 and row["seconds"] > 0
    assert 0 <= row["examples_passed"] <= 2 and 0 <= row["holdouts_passed"] <= 1
    ran = subprocess.run(
        [sys.executable, "-c", "import json; from app import run_detailed; r = run_detailed({'levels': []}); "
                               "print(json.dumps({'outputs': sorted(r.outputs), 'failures': sorted(r.failures)}))"],
        cwd=root, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert result["outputs"] == ["low_tanks"] or result["failures"] == ["make_low_tanks"]
    assert {"load", "design", "generate", "written", "test", "holdout"} <= {e.step for e in events}
