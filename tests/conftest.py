from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from reqs.workspace import Workspace, load_workspace


def pytest_addoption(parser):
    parser.addoption("--walls", choices=["best", "none"], default="best",
                     help="'none' runs the sandbox attacks with the audit hook as the only wall (bench/attacks.py)")

PROJECT = """\
name: Village water tanks
description: Tell us when a tank needs refilling.
collections:
  levels:
    description: Level readings sent by the tank sensors.
    fields:
      tank_id: {type: text, description: The number painted on the tank}
      level_pct: {type: number}
      taken_at: {type: datetime}
"""

REFILL_ALERT = """\
id: REQ-001
title: Refill alert
statement: When a tank's level is below 20 %, the system shall raise a refill alert.
priority: must               # must | should | could
examples:
  - name: one tank is low
    given:                   # complete contents of input collections
      levels:
        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}
        - {tank_id: T2, level_pct: 64.0, taken_at: "2025-05-01T08:00:00"}
    then:                    # expected contents of derived collections
      refill_alerts:
        - {tank_id: T1, level_pct: 12.5, taken_at: "2025-05-01T08:00:00"}
  - name: exactly 20 is not low
    holdout: true            # never shown to the model; checked after the build
    given: {levels: [{tank_id: T3, level_pct: 20.0, taken_at: "2025-05-01T08:00:00"}]}
    then: {refill_alerts: []}
"""


class WorkspaceDir:
    """A real workspace folder on disk that tests write files into."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "reqs").mkdir(parents=True, exist_ok=True)
        self.write("reqs/project.yaml", PROJECT)

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    def requirement(self, name: str, text: str) -> Path:
        return self.write(f"reqs/{name}", text)

    def load(self) -> Workspace:
        return load_workspace(self.root)

    def messages(self) -> list[str]:
        return [str(problem) for problem in self.load().problems]


@pytest.fixture
def ws(tmp_path: Path) -> WorkspaceDir:
    return WorkspaceDir(tmp_path / "tanks")
