"""Nothing a person types in the TUI is lost: drafts on disk as she types, offered back next time, and an
error inside shall shown on a screen of its own while the app goes on."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox, Input, Static

from reqs.initialize import init_workspace
from tests.test_tui import anyio_backend, levels_of_the_first_example, root  # noqa: F401 (fixtures: a workspace in git)
from tui.app import RequirementsScreen, ShallApp
from tui.dialogs import AskValue, Confirm, Trouble
from tui.editor import EditorScreen
from tui.sheet import SheetTable

SIZE = (100, 40)
pytestmark = pytest.mark.anyio


async def test_typing_is_on_disk_at_once_and_offered_back_when_the_tui_opens_again(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", *" now")
        assert (root / ".shall/drafts/REQ-001.json").exists()
    # shall closed without saving, as when a terminal is closed or the machine stops
    assert "now" not in (root / "reqs/REQ-001.yaml").read_text()
    again = ShallApp(root)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(again.screen, Confirm)
        assert "Last time, shall closed before these changes were saved: REQ-001 (Latest level of each tank now)" in \
            again.screen.question
        await pilot.click("#keep")
        assert isinstance(again.screen, RequirementsScreen) and "REQ-001" in again.drafts
        await pilot.press("enter", "ctrl+s")
        assert "title: Latest level of each tank now" in (root / "reqs/REQ-001.yaml").read_text()
        assert not (root / ".shall/drafts/REQ-001.json").exists(), "a saved draft is gone from the disk"


async def test_drafts_thrown_away_when_offered_are_gone(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", *"!!")
    again = ShallApp(root)
    async with again.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#discard")
        assert not again.drafts and not (root / ".shall/drafts/REQ-001.json").exists()


async def test_an_error_inside_a_handler_is_shown_the_typing_survives_and_the_app_goes_on(root, monkeypatch):
    def broken(self, event):
        raise RuntimeError("a bug in shall")

    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter", *" today")
        monkeypatch.setattr(EditorScreen, "on_checkbox_changed", broken)
        app.screen.query_one("#ex-0-holdout", Checkbox).toggle()
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, Trouble)
        said = str(app.screen.query_one("#what-happened", Static).render())
        assert "Everything you typed is kept (REQ-001" in said and "RuntimeError: a bug in shall" in said
        monkeypatch.undo()
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, EditorScreen)
        assert app.screen.query_one("#title", Input).value == "Latest level of each tank today"
        await pilot.press("ctrl+s")
    assert "title: Latest level of each tank today" in (root / "reqs/REQ-001.yaml").read_text()
    assert "RuntimeError: a bug in shall" in (root / ".shall/tui-errors.log").read_text()


async def test_enter_on_a_table_with_no_columns_explains_instead_of_crashing(tmp_path):
    root = init_workspace(tmp_path / "clinic", "Antenatal clinic")
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "ctrl+g")
        assert isinstance(app.screen, AskValue)
        await pilot.press(*"visits", "enter")
        await pilot.pause()
        table = app.screen.query_one("#ex-0-given-visits", SheetTable)
        assert table.has_focus, "the new table has the focus"
        await pilot.press("ctrl+r", "enter")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, EditorScreen) and table.row_count == 0
        assert "No columns yet: press ctrl+l to add one" in str(app.screen.query_one("#ex-0-given-visits-hint", Static).render())


async def test_keys_typed_faster_than_a_cell_opens_are_all_kept(root):
    from textual import events

    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        table = await levels_of_the_first_example(pilot)
        await pilot.press("ctrl+r")
        for character in "10/03/2025":  # as a paste, a scanner or a quick typist sends them: all queued at once
            table.post_message(events.Key(character, character))
        await pilot.pause()
        await pilot.pause()
        assert app.screen.query_one("#cell-editor", Input).value == "10/03/2025"


async def test_saving_with_a_wrong_value_in_the_open_cell_keeps_her_there_and_saves_nothing(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        table = await levels_of_the_first_example(pilot)
        await pilot.press("right", *"10.2 g/dL", "ctrl+s")
        assert isinstance(app.focused, Input) and app.focused.value == "10.2 g/dL"
        assert "Not saved yet" in "\n".join(n.message for n in app._notifications)
        assert "g/dL" not in (root / "reqs/REQ-001.yaml").read_text()


async def test_a_file_changed_outside_while_the_tui_is_open_is_read_again(root):
    app = ShallApp(root)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        project = root / "reqs" / "project.yaml"
        project.write_text(project.read_text().replace("      taken_at: {type: datetime}",
                                                       "      taken_at: {type: datetime}\n      by: {type: text}"))
        app.notice_outside_edits()  # what the two-second timer does
        await pilot.pause()
        await pilot.pause()
        table = app.screen.query_one("#ex-0-given-levels", SheetTable)
        assert [str(c.label) for c in table.ordered_columns] == ["tank_id", "level_pct", "taken_at", "by"]
        assert "changed on disk" in "\n".join(n.message for n in app._notifications)
