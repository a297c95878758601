"""An example's table, edited like a spreadsheet: type in a cell, Enter or Tab keeps it and moves on, and a
value is checked as it is typed, with what is wrong said in words under the table."""

from __future__ import annotations

import re
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from reqs.fieldtypes import FIELD_TYPES, describe, type_error

# The types as the README names them, with what each holds.
TYPE_WORDS = {"text": "words or a code, like M1 or Kanyawegi", "integer": "a whole number, like 12",
              "number": "a number, like 12.5", "boolean": "yes or no", "date": "a date, like 2025-05-01",
              "datetime": "a date and a time, like 2025-05-01 08:00"}
TYPE_CHOICES = [(f"{TYPE_WORDS[kind]} ({kind})", kind) for kind in FIELD_TYPES]
HOW_TO_TYPE = {"date": "year-month-day, like 2025-05-01", "datetime": "year-month-day hour:minute, like 2025-05-01 08:00",
               "boolean": "yes or no", "integer": "a whole number, like 12", "number": "a number, like 12.5",
               "text": "any words"}


def parse_cell(text: str, kind: str | None) -> Any:
    """A value as a person typed it into a cell, read the way YAML would read it for this field type."""
    stripped = text.strip()
    if stripped == "" or stripped.lower() in ("null", "~"):
        return None
    if kind == "text":
        return text
    if kind in (None, "integer", "number"):
        if re.fullmatch(r"[+-]?\d+", stripped):
            return int(stripped) if kind != "number" else float(stripped)
        if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+)([eE][+-]?\d+)?", stripped):
            return float(stripped)
    if kind in (None, "boolean") and stripped.lower() in ("true", "yes", "false", "no"):
        return stripped.lower() in ("true", "yes")
    if kind == "datetime" and re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?", stripped):
        return stripped.replace(" ", "T") + (":00" if stripped.count(":") == 1 else "")
    return stripped


def cell_problem(text: str, kind: str | None) -> str | None:
    """What is wrong with a cell's text for its field's type, in words, with no file or line; None if it fits."""
    value = parse_cell(text, kind)
    if kind is None or value is None or type_error(kind, value) is None:
        return None
    return f"{text.strip()!r} is not {describe(kind).split(' like ')[0]}: type {HOW_TO_TYPE[kind]}"


class SheetTable(DataTable):
    """A DataTable that starts editing its cell when a person types or presses Enter."""

    DEFAULT_CSS = """
    SheetTable { border: tall $panel; }
    SheetTable:focus { border: tall $accent; }
    """
    BINDINGS = [Binding("enter", "edit", "Change the cell", show=False)]

    class EditRequested(Message):
        def __init__(self, table: SheetTable, text: str | None) -> None:
            super().__init__()
            self.table, self.text = table, text  # text None: start from the cell's value

    pending: str | None = None  # keys typed before the cell's editor opened, kept for it

    def action_edit(self) -> None:
        self.post_message(self.EditRequested(self, None))

    def on_key(self, event: events.Key) -> None:
        if not (event.is_printable and event.character and not event.character.isspace() or event.key == "space"):
            return
        event.stop()
        event.prevent_default()
        character = event.character or " "
        editor = self.screen.query("#cell-editor")
        if editor and getattr(self.screen, "editing", None) and self.screen.editing[0] is self:
            editor.first().insert_text_at_cursor(character)  # the editor is open but has not got the keys yet
            editor.first().focus()
        elif self.pending is not None:
            self.pending += character
        else:
            self.pending = character
            self.post_message(self.EditRequested(self, character))


class CellInput(Input):
    """The one cell being typed in: Enter or Tab keeps it and moves on, Escape leaves it as it was."""

    BINDINGS = [Binding("tab", "keep", "Keep and move on", priority=True),
                Binding("escape", "cancel", "Leave the cell as it was", priority=True)]

    class Done(Message):
        def __init__(self, cell: CellInput, keep: bool) -> None:
            super().__init__()
            self.cell, self.keep = cell, keep

    def action_keep(self) -> None:
        self.post_message(self.Done(self, True))

    def action_cancel(self) -> None:
        self.post_message(self.Done(self, False))

    async def action_submit(self) -> None:
        self.post_message(self.Done(self, True))


class AskColumn(ModalScreen[tuple | None]):
    """A column or field: its name, its type and, for data the project keeps, what it means and (when asked)
    whether every record needs it. Dismissed with (name, type, description[, needed]) or None."""

    DEFAULT_CSS = """
    AskColumn { align: center middle; }
    AskColumn > Vertical { width: 72; max-width: 95%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    AskColumn .muted { color: $text-muted; }
    AskColumn #problem { color: $error; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, with_description: bool, name: str = "", kind: str = "text", description: str = "",
                 required: bool = True, ask_required: bool = False) -> None:
        super().__init__()
        self.title_text, self.with_description = title, with_description
        self.start = (name, kind if kind in FIELD_TYPES else "text", description, required)
        self.ask_required = ask_required

    def compose(self) -> ComposeResult:
        name, kind, description, required = self.start
        with Vertical():
            yield Label(self.title_text, markup=False)
            yield Label("Its name, like visit_date or systolic")
            yield Input(name, id="name")
            yield Label("What it holds")
            yield Select(TYPE_CHOICES, id="type", allow_blank=False, value=kind)
            if self.with_description:
                yield Label("What it means, in a few words (optional)")
                yield Input(description, id="description", placeholder="like: Top blood pressure number, in mmHg")
            if self.ask_required:
                yield Checkbox(_needed_label(required), required, id="required")
            yield Static(id="problem")
            yield Static("Tab moves between the boxes. Enter in a box keeps it, Escape cancels.", classes="muted")
            yield Button("Keep it", id="add", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.finish()

    def finish(self) -> None:
        name = self.query_one("#name", Input).value
        if not name.strip():
            self.query_one("#problem", Static).update("Give the column a name first.")
            self.query_one("#name", Input).focus()
            return
        description = self.query_one("#description", Input).value if self.with_description else ""
        answer = (name, str(self.query_one("#type", Select).value), description)
        self.dismiss((*answer, self.query_one("#required", Checkbox).value) if self.ask_required else answer)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _needed_label(event.value)


def _needed_label(needed: bool) -> str:
    return "Every record needs it: " + ("yes" if needed else "no, it may be left empty")
