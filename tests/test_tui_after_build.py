"""After a build in the TUI: its questions, asked and answered with a key or shown waiting in the list; and the
built app's web pages, opened with w."""

from __future__ import annotations

import urllib.request

import pytest
from git import Repo
from textual.widgets import DataTable, Static

from agents import answers
from agents.models.fake import ScriptedModel
from agents.questions import Question
from reqs.workspace import load_workspace
from tests.test_questions import latest_rules
from tests.helpers import WATER_TANKS, workspace
from tests.helpers import answers as model_answers
from tests.test_tui import ONE_ANSWER, approve_build, text_of, wait_for
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


async def test_a_question_is_asked_as_it_arises_the_build_goes_on_and_the_answer_is_saved_when_it_ends(root):
    app = ShallApp(root, model=ScriptedModel(*[latest_rules] * 12), build_options=THREE_PYTHON)
    async with app.run_test(size=(110, 45)) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        shown = text_of(app.screen.query_one("#question"))
        assert "Given: levels" in shown and "A: 2 of 3 answers give" in shown and "B: 1 of 3 answers give" in shown
        await wait_for(pilot, lambda: screen.report is not None)  # it ended while the question was on the screen
        assert isinstance(app.screen, AskQuestion) and asked_examples(root) == []
        await pilot.press("b")
        await wait_for(pilot, lambda: app.screen is screen)
        [example] = asked_examples(root)
        assert example.then["latest_levels"][0]["level_pct"] == 55.0, "the result lettered B"
        assert "1 answer saved as examples" in str(screen.query_one("#status").render())
        log = "\n".join(str(line.text) for line in screen.query_one("#log").lines)
        assert log.index("A question for you about") < log.index("Committed the build")
    newest = Repo(root).head.commit
    assert "gets the example" in newest.message and newest.parents[0].message.startswith("Build"), \
        "the answer is committed after the build's own commit, never inside it"


async def test_a_question_left_for_later_shows_in_the_list_and_is_asked_from_there(root):
    app = ShallApp(root, model=ScriptedModel(*[latest_rules] * 12), build_options=THREE_PYTHON)
    async with app.run_test(size=(110, 45)) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        await pilot.press("escape")  # later
        await wait_for(pilot, lambda: screen.report is not None)
        assert app.screen is screen, "a question left for later is not asked again when the build ends"
        results = screen.query_one("#results", DataTable)
        assert str(results.get_row_at(0)[2]) == "1/1" and str(results.get_row_at(0)[7]) == "needs your answer", \
            "passing its one example, with a question open, is not shown as working"
        await pilot.press("escape")  # back to the list
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: str(table.get_row_at(0)[5]) == "needs your answer (1 question)")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, AskQuestion) and app.screen.query("#question"))
        await pilot.press("s")
        await wait_for(pilot, lambda: not isinstance(app.screen, AskQuestion))
        assert answers.open_questions(root) == [] and asked_examples(root) == []
        await wait_for(pilot, lambda: "question" not in str(table.get_row_at(0)[5]))


async def test_after_a_build_w_opens_the_app_and_says_where_it_is(root):
    app = ShallApp(root, model=ScriptedModel(*[model_answers(WATER_TANKS)] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: screen.report is not None)
        assert "Press w to open the app in a web browser." in str(screen.query_one("#status", Static).render())
        await pilot.press("w")
        await wait_for(pilot, lambda: "The app is open at" in str(screen.query_one("#status", Static).render()))
        address = app.web_app.address
        assert address.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(address + "collections/levels", timeout=5) as page:
            assert page.status == 200 and b"Levels" in page.read()
        server = app.web_app
    assert not server.running(), "it stops when the TUI does"


async def test_an_answer_held_when_shall_closed_mid_build_is_saved_when_the_tui_opens(root):
    from agents.build import run_build

    report = run_build(root, ScriptedModel(*[latest_rules] * 12), auto_approve=True, **THREE_PYTHON)
    question = Question.from_dict(report["questions"][0])
    answers.hold(root, question, question.choices[1].records)
    app = ShallApp(root)
    async with app.run_test(size=(110, 45)) as pilot:
        await pilot.pause()
        [example] = asked_examples(root)
        assert example.then["latest_levels"] == question.choices[1].records
        table = app.screen.query_one(DataTable)
        assert "question" not in str(table.get_row_at(0)[5])
