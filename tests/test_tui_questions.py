"""Questions in the TUI: asked after a build, answered with a key, shown waiting in the list."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable

from agents import answers
from agents.models.fake import ScriptedModel
from reqs.workspace import load_workspace
from tests.test_questions import latest_rules
from tests.helpers import workspace
from tests.test_tui import approve_build, text_of, wait_for
from tui.app import ShallApp
from tui.questionscreen import AskQuestion

pytestmark = pytest.mark.anyio
THREE_PYTHON = {"candidates": 3, "languages": ("python",)}


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def root(tmp_path):
    return workspace(tmp_path)


def asked_examples(root):
    [requirement] = [r for r in load_workspace(root).requirements if r.id == "REQ-001"]
    return [e for e in requirement.examples if e.name.startswith("asked:")]


async def test_after_a_build_the_question_is_asked_and_a_key_answers_it(root):
    app = ShallApp(root, model=ScriptedModel(*[latest_rules] * 12), build_options=THREE_PYTHON)
    async with app.run_test(size=(110, 45)) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        shown = text_of(app.screen.query_one("#question"))
        assert "Given: levels" in shown and "A: 2 of 3 answers give" in shown and "B: 1 of 3 answers give" in shown
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is screen)
        [example] = asked_examples(root)
        assert example.then["latest_levels"][0]["level_pct"] == 55.0, "the result lettered B"
        assert "1 answer saved as examples" in str(screen.query_one("#status").render())


async def test_a_question_left_for_later_shows_in_the_list_and_is_asked_from_there(root):
    app = ShallApp(root, model=ScriptedModel(*[latest_rules] * 12), build_options=THREE_PYTHON)
    async with app.run_test(size=(110, 45)) as pilot:
        await approve_build(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        await pilot.press("escape")  # later
        await pilot.press("escape")  # back to the list
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: "1 question" in str(table.get_row_at(0)[5]))
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        await pilot.press("s")
        await wait_for(pilot, lambda: not isinstance(app.screen, AskQuestion))
        assert answers.open_questions(root) == [] and asked_examples(root) == []
        await wait_for(pilot, lambda: "question" not in str(table.get_row_at(0)[5]))
