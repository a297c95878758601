"""EARS hints for statements, as the TUI shows them while a person types."""

from __future__ import annotations

from pathlib import Path

import pytest

from reqs.ears import statement_hints
from reqs.workspace import load_workspace

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("statement, shape", [
    ("When a tank's level is below 20 %, the system shall raise a refill alert.", "when it happens and what the system shall do then"),
    ("While the clinic is closed, the system shall keep the reminders.", "what the system shall do while something is so"),
    ("If a reading is missing, then the system shall mark the tank unknown.", "what the system shall do if something goes wrong"),
    ("Where SMS is available, the system shall send the reminder by SMS.", "what the system shall do where something is there"),
    ("The system shall list every child due for measles.", "what the system shall always do"),
    ("For each tank with an alert, the system shall plan a delivery.", "what the system shall always do"),
])
def test_the_five_shapes_are_recognised_and_said_in_plain_words(statement, shape):
    hints = statement_hints(statement)
    assert [h.kind for h in hints] == ["ok"] and shape in hints[0].text
    assert not any(word in hints[0].text for word in ("driven", "ubiquitous", "requirement")), "no jargon"


def test_a_statement_without_shall_is_told_how_to_say_it():
    [hint] = statement_hints("Tanks below 20 percent get an alert")
    assert hint.kind == "warning" and "shall" in hint.text


def test_a_quality_instead_of_a_result_is_flagged():
    hints = statement_hints("The system shall be fast and easy to use.")
    assert hints[-1].kind == "warning" and "not what it gives you" in hints[-1].text


def test_every_example_statement_reads_well():
    for workspace in sorted(p for p in EXAMPLES.iterdir() if (p / "reqs").is_dir()):
        for requirement in load_workspace(workspace).requirements:
            assert [h.kind for h in statement_hints(requirement.statement)] == ["ok"], (workspace.name, requirement.id)
