"""The TUI driven by Textual's Pilot, as a person would use it: keys in, screens and files out."""

from __future__ import annotations

import io
import shutil
import textwrap
import threading
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import DataTable, Input, Static, TextArea

from agents.build import run_build
from agents.events import BuildEvent, Step
from agents.models.fake import ScriptedModel
from reqs.gitrepo import GitRepo
from reqs.initialize import GITIGNORE_LINES
from tests.helpers import WATER_TANKS, answers, holding_the_lock
from tui.app import RequirementsScreen, ShallApp
from tui.building import _print_report
from tui.buildscreen import BuildScreen
from tui.dialogs import ApproveDesign, Confirm
from tui.editor import EditorScreen
from tui.sheet import CellInput, SheetTable

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SIZE = (100, 40)
ONE_ANSWER = {"candidates": 1, "languages": ("python",)}  # one scripted answer per component
pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def root(tmp_path) -> Path:
    root = tmp_path / "water-tanks"
    shutil.copytree(EXAMPLES / "water-tanks", root)
    (root / ".gitignore").write_text("\n".join(GITIGNORE_LINES) + "\n")
    GitRepo.open_or_init(root).commit(["reqs", ".gitignore"], "Requirements")
    return root


def rows(app: ShallApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[1]) for i in range(table.row_count)]


async def test_the_list_shows_every_requirement_and_filters(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, RequirementsScreen)
        assert rows(app) == ["REQ-001", "REQ-002", "REQ-003", "REQ-004"]
        await pilot.press("slash", *"village")
        assert rows(app) == ["REQ-004"]
        assert "1 of 4 requirements shown" in str(app.screen.query_one("#summary", Static).render())


async def test_a_new_requirement_gets_the_next_id_and_problems_show_next_to_the_fields(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert isinstance(app.screen, EditorScreen) and app.screen.requirement_id == "REQ-005"
        assert app.focused is app.screen.query_one("#title", Input)
        await pilot.press(*"Low battery")
        assert "REQ-005" in app.drafts, "typed text is kept as a draft at once"
        await pilot.press("ctrl+s")
        saved = (root / "reqs/REQ-005.yaml").read_text()
        assert "title: Low battery" in saved
        error = app.screen.query_one("#statement-error", Static)
        assert error.display and "'statement' is empty" in str(error.render())
        assert "REQ-005" not in app.drafts


async def test_a_new_requirement_takes_the_id_style_the_workspace_uses(root):
    for path in sorted((root / "reqs").glob("REQ-*.yaml")):
        new = path.with_name(path.name.replace("REQ-", "WT-"))
        new.write_text(path.read_text().replace("REQ-", "WT-"))
        path.unlink()
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        assert app.screen.requirement_id == "WT-005"
        await pilot.press("escape")
        await pilot.press("n")
        assert app.screen.requirement_id == "WT-006", "the unsaved WT-005 holds its id"


async def test_editing_a_title_and_statement_saves_through_reqs_keeping_the_rest(root):
    path = root / "reqs/REQ-002.yaml"
    path.write_text("# the committee asked for this in May\n" + path.read_text())
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "enter")
        assert app.screen.requirement_id == "REQ-002"
        title = app.screen.query_one("#title", Input)
        title.value = "Refill warning"
        statement = app.screen.query_one("#statement", TextArea)
        statement.text = "The system shall be quick."
        await pilot.pause()
        hints = str(app.screen.query_one("#hints", Static).render())
        assert "not what it gives you" in hints
        await pilot.press("ctrl+s")
        text = path.read_text()
        assert text.startswith("# the committee asked for this in May\n")
        assert "title: Refill warning" in text and "statement: The system shall be quick." in text


async def levels_of_the_first_example(pilot) -> SheetTable:
    """REQ-001 opened from the list, and its first example's levels table focused."""
    await pilot.press("enter")
    table = pilot.app.screen.query_one("#ex-0-given-levels", SheetTable)
    table.focus()
    return table


async def test_cells_are_typed_in_place_and_enter_moves_on_as_in_a_spreadsheet(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        table = await levels_of_the_first_example(pilot)
        await pilot.press("ctrl+r")
        assert table.row_count == 4 and table.cursor_coordinate == (3, 0)
        await pilot.press(*"T3", "enter")  # typing starts the cell; Enter keeps it and moves on
        assert table.cursor_coordinate == (3, 1) and str(table.get_cell_at((3, 0))) == "T3"
        await pilot.press(*"abc", "enter")
        problem = str(app.screen.query_one("#cell-problem", Static).render())
        assert problem == "✗ 'abc' is not a number: type a number, like 12.5", "said at once, at the cell, in words"
        assert isinstance(app.focused, CellInput), "a wrong value keeps her in the cell"
        await pilot.press("backspace", "backspace", "backspace", *"12.5", "tab")
        assert table.cursor_coordinate == (3, 2)
        await pilot.press(*"10/03/2025", "enter")
        assert "type year-month-day hour:minute, like 2025-05-01 08:00" in str(app.screen.query_one("#cell-problem", Static).render())
        await pilot.press("escape")  # leaves the cell as it was
        assert table.has_focus and str(table.get_cell_at((3, 2))) == "—"
        await pilot.press(*"2025-05-02 08:00", "enter")
        assert table.row_count == 5, "past the last cell, a new row"
        await pilot.press("ctrl+s")
        text = (root / "reqs/REQ-001.yaml").read_text()
        assert "{tank_id: T3, level_pct: 12.5, taken_at: '2025-05-02T08:00:00'}" in text
        assert "null" not in text, "the empty row at the end is not an example's record"


async def test_quitting_with_unsaved_changes_asks_first(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", *"!!")
        assert app.drafts
        await pilot.press("ctrl+q")
        assert isinstance(app.screen, Confirm)
        await pilot.click("#cancel")
        assert app.is_running and isinstance(app.screen, EditorScreen)
        await pilot.press("ctrl+q")
        await pilot.click("#save")
    assert "title: Latest level of each tank!!" in (root / "reqs/REQ-001.yaml").read_text()


async def test_delete_asks_and_keeping_it_changes_nothing(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("delete")
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")  # the default answer keeps it
        assert (root / "reqs/REQ-001.yaml").exists()
        await pilot.press("delete")
        await pilot.click("#delete")
        assert not (root / "reqs/REQ-001.yaml").exists()
        assert rows(app) == ["REQ-002", "REQ-003", "REQ-004"]


async def approve_build(app: ShallApp, pilot) -> BuildScreen:
    """Start a build from the list, say yes to the design, and return the build screen."""
    await pilot.press("b")
    await wait_for(pilot, lambda: isinstance(app.screen, ApproveDesign) and app.screen.query("#yes"))  # composed, on a busy machine too
    await pilot.click("#yes")
    return app.screen


def text_of(widget: Static) -> str:
    """What a Static shows, as plain text, whatever rich renderable it holds."""
    console = Console(width=100, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def wait_for(pilot, condition, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await pilot.pause(0.1)
    raise AssertionError("the screen never got there")


async def test_a_build_asks_for_approval_shows_progress_and_results(root):
    app = ShallApp(root, model=ScriptedModel(*[answers(WATER_TANKS)] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDesign))
        assert isinstance(app.screen_stack[-2], BuildScreen)
        shown = text_of(app.screen.query_one("#design-text", Static))
        assert "latest_levels  ──▶  make_refill_alerts  ──▶  refill_alerts" in shown
        assert "To make the refill alerts (REQ-002 Refill alert), shall uses the latest levels (from REQ-001)." in shown
        await pilot.press("y")  # as the dialog says; the button works too (approve_build)
        screen = app.screen
        assert isinstance(screen, BuildScreen)
        await wait_for(pilot, lambda: screen.report is not None)
        status = str(screen.query_one("#status", Static).render())
        assert "4 of 4 examples pass" in status
        results = screen.query_one("#results", DataTable)
        assert [str(results.get_row_at(i)[2]) for i in range(4)] == ["1/1"] * 4
        components = screen.query_one("#components", DataTable)
        assert components.row_count == 4
        assert "Reading the requirements" in "\n".join(str(line.text) for line in screen.query_one("#log").lines)
        logged = len(screen.query_one("#log").lines)
        screen.say(BuildEvent(Step.TOKENS, "Writing make_refill_plan: 420 tokens written", component="make_refill_plan"))
        assert "Building… Writing make_refill_plan: 420 tokens written" in str(screen.query_one("#status", Static).render())
        assert len(screen.query_one("#log").lines) == logged, "how far the model is goes on the status line, not the log"


async def test_a_build_while_another_runs_is_refused_before_the_model_is_opened(root, monkeypatch):
    opened = []
    monkeypatch.setattr("agents.models.select.open_model", lambda name, progress=None: opened.append(name))
    holder = holding_the_lock(root)
    try:
        app = ShallApp(root)  # no model given: the build would open one
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("b")
            await wait_for(pilot, lambda: isinstance(app.screen, BuildScreen)
                           and "already running" in str(app.screen.query_one("#status", Static).render()))
            assert f"process {holder.pid}" in str(app.screen.query_one("#status", Static).render())
        assert opened == []
    finally:
        holder.kill()
        holder.wait()


async def test_n_builds_nothing_and_the_next_build_shows_the_design_again(root):
    app = ShallApp(root, model=ScriptedModel(*[answers(WATER_TANKS)] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDesign))
        await pilot.press("n")
        screen = app.screen
        await wait_for(pilot, lambda: "not approved" in str(screen.query_one("#status", Static).render()))
        await pilot.press("escape")
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, ApproveDesign))


async def test_a_build_can_be_cancelled_and_says_so(root):
    release = threading.Event()

    def slow(messages):
        release.wait(10)
        return answers(WATER_TANKS)(messages)

    before = GitRepo.open_or_init(root).repo.head.commit.hexsha
    app = ShallApp(root, model=ScriptedModel(*[slow] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await approve_build(app, pilot)
        await pilot.press("c")
        release.set()
        await wait_for(pilot, lambda: "cancelled" in str(screen.query_one("#status", Static).render()))
        assert "build again to carry on" in str(screen.query_one("#status", Static).render())
    assert GitRepo.open_or_init(root).repo.head.commit.hexsha == before, "a cancelled build commits nothing"
    assert GitRepo.open_or_init(root).changed(["app", "specs", "tests"]) == {}, "nor leaves half an app"
    events = []
    run_build(root, ScriptedModel(*[answers(WATER_TANKS)] * 4), auto_approve=True, on_event=events.append, **ONE_ANSWER)
    assert any(e.step == Step.RESUME and e.message.startswith("Carrying on") for e in events), "it carries on, as it said"


async def test_a_failing_example_shows_expected_and_actual_side_by_side(root):
    wrong = dict(WATER_TANKS, make_refill_alerts=textwrap.dedent("""
        def run(latest_levels):
            return []
        """))
    app = ShallApp(root, model=ScriptedModel(*[answers(wrong)] * 7), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: screen.report is not None, 60)
        failing = screen.query_one("#failing", Static)
        rendered = text_of(failing)
        assert 'REQ-002 "one tank is low" fails' in rendered
        assert "Expected" in rendered and "The app gave" in rendered and "tank_id: T1, level_pct: 12.5" in rendered


async def test_the_design_and_history_views_open(root):
    app = ShallApp(root, model=ScriptedModel(*[answers(WATER_TANKS)] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        design = text_of(app.screen.query_one("#design", Static))
        assert "make_refill_alerts" in design and "latest_levels" in design and "Not built yet" in design
        await pilot.press("escape", "h")
        table = app.screen.query_one("#commits", DataTable)
        assert table.row_count == 1
        assert str(table.get_row_at(0)[1]) == "You started the project “Village water tanks”. (and 4 more)"
        said = text_of(app.screen.query_one("#diff", Static))
        assert "You added REQ-002 (Refill alert)." in said and "Press d to see the changes line by line" in said
        await pilot.press("d")
        assert "REQ-002 Refill alert" in text_of(app.screen.query_one("#diff", Static)), "the diff, one key away"


async def test_an_example_is_added_then_removed_after_asking(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+n")
        await pilot.pause()
        editor = app.screen
        assert len(editor.data["examples"]) == 4
        assert editor.data["examples"][-1]["given"] == {"levels": []}, "the new example has the tables of the last one"
        assert app.focused is editor.query_one("#ex-3-name", Input)
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, Confirm), app.focused
        await pilot.click("#remove")
        assert len(editor.data["examples"]) == 3 and "REQ-001" in app.drafts


async def test_a_crash_in_the_build_shows_an_error_not_a_dead_screen(root):
    def broken(messages):
        raise RuntimeError("the model server went away")

    app = ShallApp(root, model=ScriptedModel(*[broken] * 4), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: "The build stopped" in str(screen.query_one("#status", Static).render()))
        assert "the model server went away" in str(screen.query_one("#status", Static).render())
        await pilot.press("escape")
        assert isinstance(app.screen, RequirementsScreen) and app.is_running


async def test_when_every_answer_gives_the_same_wrong_result_the_screen_says_to_check_statement_and_example(root):
    def by_candidate(messages, options):
        if "Output: refill_alerts" in messages[1]["content"]:
            rule = ["r['level_pct'] < 100", "r['level_pct'] <= 100"][options.seed % 2]
            return (f"```python\ndef run(latest_levels):\n    return [{{'tank_id': r['tank_id'], 'level_pct': r['level_pct']}}"
                    f" for r in latest_levels if {rule}]\n```")
        return answers(WATER_TANKS)(messages)

    app = ShallApp(root, model=ScriptedModel(*[by_candidate] * 20),
                   build_options={"candidates": 2, "languages": ("python",)})
    async with app.run_test(size=SIZE) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: screen.report is not None, 60)
        rendered = " ".join(text_of(screen.query_one("#failing", Static)).split())
        assert 'REQ-002 "one tank is low" fails' in rendered
        assert ("2 of the 2 different answers shall tried that gave a result here agree on another one (tank_id: T1, "
                "level_pct: 12.5; tank_id: T2, level_pct: 64.0). The statement may say something other than this "
                "example") in rendered


async def test_a_question_too_long_for_the_model_stops_the_build_saying_whose_examples_to_shorten(root):
    from agents.models.seam import QuestionTooLong

    app = ShallApp(root, model=ScriptedModel(QuestionTooLong("local/tiny [/q4]", 20_123, 16_384)), build_options=ONE_ANSWER)
    async with app.run_test(size=SIZE) as pilot:
        screen = await approve_build(app, pilot)
        await wait_for(pilot, lambda: "The build stopped" in str(screen.query_one("#status", Static).render()))
        said = " ".join(str(screen.query_one("#status", Static).render()).split())
        assert "20,123 tokens" in said and "local/tiny [/q4]" in said  # a bracket in a name is shown, not read as style
        assert "the visible examples of REQ-001" in said and "holdout: true" in said


async def test_an_example_named_with_brackets_is_asked_about_in_its_own_words(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", "ctrl+n")
        await pilot.pause()
        app.screen.query_one("#ex-3-name", Input).value = "tanks [/a] and [b]"
        await pilot.pause()
        await pilot.press("ctrl+d")
        assert isinstance(app.screen, Confirm)
        assert 'Remove the example "tanks [/a] and [b]"?' in str(app.screen.query_one(Static).render())
        await pilot.click("#remove")
        await pilot.pause(0.3)
        # the notice is drawn as written: read as markup, "[/a]" would stop the app with MarkupError
        assert [(n.message, n.markup) for n in app._notifications] == [
            ('Removed "tanks [/a] and [b]". It is gone from the file only when you save.', False)]


async def test_brackets_people_write_are_shown_as_written_in_the_list_the_editor_the_history_and_the_report(root):
    path = root / "reqs/REQ-002.yaml"
    path.write_text(path.read_text().replace("title: Refill alert", "title: Refill alert [/low]", 1)
                    .replace("tank_id: T1", "tank_id: '[b]T1'", 1))
    GitRepo.open_or_init(root).commit(["reqs"], "Refill alert [/low] renamed")
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        listed = app.screen.query_one(DataTable)
        assert "Refill alert [/low]" in [str(listed.get_row_at(i)[2]) for i in range(listed.row_count)]
        await pilot.press("down", "enter")
        cells = app.screen.query_one(DataTable)
        assert "[b]T1" in [str(cells.get_row_at(i)[0]) for i in range(cells.row_count)]
        await pilot.press("escape", "h")
        table = app.screen.query_one("#commits", DataTable)
        assert str(table.get_row_at(0)[1]) == "You renamed REQ-002 “Refill alert [/low]”. (and 1 more)"
    out = io.StringIO()
    report = {"requirements": [{"id": "REQ-002", "title": "Refill alert [/low]", "examples_passed": 1, "examples": 1,
                                "holdouts_passed": 0, "holdouts": 0, "attempts": 1, "tokens": 10, "seconds": 1.0,
                                "failing": {}}], "tokens": 10, "seconds": 1.0, "model": "fake/scripted", "isolation": "a jail"}
    _print_report(Console(file=out, width=120), report)
    assert "Refill alert [/low]" in out.getvalue()
