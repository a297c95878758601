"""The requirement editor: title, statement with EARS hints, priority, and examples as tables of data."""

from __future__ import annotations

import copy
import re

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Label, Select, Static, TextArea

from reqs.ears import statement_hints
from reqs.fieldtypes import infer
from reqs.model import NO_OUTPUT
from reqs.problems import Problem, ShallError
from reqs.words import counted
from tui.dialogs import AskValue, Confirm
from tui.sheet import CellInput, SheetTable
from tui.tables import TableEditing, cell_text, in_words, table_hint

PRIORITIES = [("must: the software is no use without it", "must"), ("should: important, but it can wait", "should"),
              ("could: nice to have", "could")]
SECTIONS = {"given": "Given", "then": "Then it shall produce"}


FIRST_EXAMPLE = "first example"


def blank_requirement(requirement_id: str) -> dict:
    return {"id": requirement_id, "title": "", "statement": "", "priority": "must",
            "examples": [{"name": FIRST_EXAMPLE, "given": {}, "then": {}}]}


class EditorScreen(TableEditing, Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "back", "Back to the list"),
        Binding("ctrl+n", "new_example", "New example", priority=True),
        Binding("ctrl+r", "add_row", "Add row"),
        Binding("ctrl+l", "add_column", "Add column"),
        Binding("ctrl+g", "add_table('given')", "Add given data", show=False),
        Binding("ctrl+t", "add_table('then')", "Add a result", show=False),
        Binding("ctrl+x", "remove_row", "Remove row", show=False),
        Binding("ctrl+o", "toggle_holdout", "Held out on/off", show=False),
        Binding("ctrl+d", "remove_example", "Remove example", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    EditorScreen VerticalScroll { padding: 0 1; }
    EditorScreen Label.field { margin-top: 1; text-style: bold; }
    EditorScreen #statement { height: 5; }
    EditorScreen .example { border: round $primary-darken-2; height: auto; padding: 0 1; margin-top: 1; }
    EditorScreen .example.held-out { border: round $warning; }
    EditorScreen SheetTable { height: auto; max-height: 14; }
    EditorScreen CellInput { border: tall $accent; }
    EditorScreen .cell-problem { color: $error; height: auto; }
    EditorScreen .table-hint { color: $text-muted; margin-bottom: 1; }
    EditorScreen #examples { height: auto; }
    EditorScreen .error { height: auto; display: none; }
    EditorScreen .error.shown { display: block; }
    """

    def __init__(self, requirement_id: str) -> None:
        super().__init__()
        self.editing: tuple[SheetTable, int, int] | None = None  # the table, row and column being typed in
        self.requirement_id = requirement_id
        self.data: dict = {}
        self.filling = True
        self._kinds_of = None  # the workspace _kinds were worked out from
        self._kinds: dict[str, dict[str, str]] = {}

    # --- layout ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="form"):
            yield Static(id="heading")
            yield Label("Title", classes="field")
            yield Input(id="title", placeholder="A short name, like: Refill alert", select_on_focus=False)
            yield Static(classes="error", id="title-error")
            yield Label("What the system shall do", classes="field")
            yield TextArea(id="statement", soft_wrap=True)
            yield Static(id="hints")
            yield Static(classes="error", id="statement-error")
            yield Label("Priority", classes="field")
            yield Select(PRIORITIES, id="priority", allow_blank=False, value="must")
            yield Static(classes="error", id="priority-error")
            yield Label("Examples", classes="field")
            yield Static("Each example gives some data and what the software shall produce from it. ctrl+g adds a "
                         "table of data the example is given, ctrl+t a table of what it shall produce. In a table, "
                         "type to fill a cell, and Enter or Tab keeps it and moves on; ctrl+l adds a column, ctrl+r a "
                         "row, ctrl+x removes a row. ctrl+n adds an example and ctrl+d removes one. A held-out "
                         "example (ctrl+o) is never shown to the model: shall keeps it to check the build.",
                         classes="muted")
            yield Vertical(id="examples")
            yield Static(classes="error", id="other-errors")
        yield Footer()

    async def on_mount(self) -> None:
        app = self.app
        self.data = copy.deepcopy(app.data_of(self.requirement_id))
        self.data.setdefault("examples", [])
        self.query_one("#title", Input).value = str(self.data.get("title") or "")
        self.query_one("#statement", TextArea).text = str(self.data.get("statement") or "")
        priority = self.data.get("priority") or "must"
        if priority in {value for _, value in PRIORITIES}:
            self.query_one("#priority", Select).value = priority
        await self.show_examples()
        self.show_hints()
        file = app.file_of(self.requirement_id)
        if file is not None:
            self.show_problems([p for p in app.workspace.problems if p.path == file.display])
        self.mark()
        self.query_one("#title", Input).focus()
        self.call_after_refresh(self._loaded)

    def _loaded(self) -> None:
        self.filling = False

    async def workspace_changed(self) -> None:
        """The files changed on disk (the glossary, say): the tables show its fields, unless a cell is open."""
        if self.editing is None:
            await self.show_examples()

    def fresh(self) -> EditorScreen:
        """The same editor opened anew (after an error stopped part of this one); the draft brings the typing back."""
        return EditorScreen(self.requirement_id)

    async def show_examples(self) -> None:
        container = self.query_one("#examples", Vertical)
        await container.remove_children()  # wait, so the new widgets can take the same ids
        kinds = self.field_kinds()
        for index, example in enumerate(self.data["examples"]):
            if not isinstance(example, dict):
                continue
            box = Vertical(classes="example" + (" held-out" if example.get("holdout") else ""), id=f"example-{index}")
            container.mount(box)
            name = str(example.get("name") or "")
            box.mount(Input(name, id=f"ex-{index}-name", placeholder="Name this example, like: two visits, one high",
                            select_on_focus=name in ("", FIRST_EXAMPLE) or bool(re.fullmatch(r"example \d+", name))))
            box.mount(Checkbox(_held_out_label(bool(example.get("holdout"))), bool(example.get("holdout")),
                               id=f"ex-{index}-holdout"))
            for section, title in SECTIONS.items():
                collections = example.get(section) if isinstance(example.get(section), dict) else {}
                for collection, records in collections.items():
                    box.mount(Label(f"{title}: {in_words(collection, section)}"))
                    table = SheetTable(id=f"ex-{index}-{section}-{collection}", cursor_type="cell")
                    box.mount(table)
                    self.fill_table(table, collection, records if isinstance(records, list) else [], kinds)
                    box.mount(Static(table_hint(table, section), classes="table-hint", id=f"{table.id}-hint"))
                if not collections:
                    box.mount(Static(f"{title}: nothing yet. Press {'ctrl+g' if section == 'given' else 'ctrl+t'} "
                                     "to add a table.", classes="muted"))
            box.mount(Static(classes="error", id=f"ex-{index}-error"))

    def fill_table(self, table: DataTable, collection: str, records: list, kinds: dict) -> None:
        fields = list(kinds.get(collection, {}))
        for record in records:
            for key in record if isinstance(record, dict) else []:
                if key not in fields:
                    fields.append(key)
        table.clear(columns=True)
        for name in fields:
            table.add_column(name, key=name)
        for number, record in enumerate(records):
            record = record if isinstance(record, dict) else {}
            table.add_row(*[cell_text(record.get(name, None), name in record) for name in fields], key=str(number))

    def field_kinds(self) -> dict[str, dict[str, str]]:
        """collection -> field -> type: the glossary's, else what the values seen so far look like.

        Worked out once per loaded workspace (it reads every example), not on every cell.
        """
        workspace = self.app.workspace
        if self._kinds_of is not workspace:
            self._kinds_of, self._kinds = workspace, self._work_out_kinds()
        return self._kinds

    def _work_out_kinds(self) -> dict[str, dict[str, str]]:
        project = self.app.workspace.project
        kinds = {name: {f: spec.type for f, spec in collection.fields.items()}
                 for name, collection in (project.collections if project else {}).items()}
        for requirement in self.app.workspace.requirements:
            for example in requirement.examples:
                for _section, collection, _position, record in example.records():
                    for field, value in record.items():
                        if field not in kinds.setdefault(collection, {}) and (seen := infer(value)):
                            kinds[collection][field] = seen
        return kinds

    # --- edits ---------------------------------------------------------------------------

    def changed(self) -> None:
        if self.filling:
            return
        self.app.keep_draft(self.requirement_id, self.data)
        self.mark()

    def mark(self) -> None:
        unsaved = self.requirement_id in self.app.drafts
        self.query_one("#heading", Static).update(
            f"[b]{self.requirement_id}[/b]" + ("  [yellow]● not saved yet: ctrl+s saves[/yellow]" if unsaved else "  saved"))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "cell-editor":
            self.check_cell(event.value)
        elif event.input.id == "title":
            if self.data.get("title", "") != event.value:
                self.data["title"] = event.value
                self.changed()
        elif (match := re.fullmatch(r"ex-(\d+)-name", event.input.id or "")):
            example = self.data["examples"][int(match.group(1))]
            if example.get("name") != event.value:
                example["name"] = event.value
                self.changed()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "statement" and self.data.get("statement", "") != event.text_area.text:
            self.data["statement"] = event.text_area.text
            self.show_hints()
            self.changed()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "priority" and event.value != self.data.get("priority", "must"):
            self.data["priority"] = event.value
            self.changed()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if (match := re.fullmatch(r"ex-(\d+)-holdout", event.checkbox.id or "")):
            example = self.data["examples"][int(match.group(1))]
            event.checkbox.label = _held_out_label(event.value)
            if bool(example.get("holdout")) != event.value:
                example["holdout"] = event.value
                self.query_one(f"#example-{match.group(1)}").set_class(event.value, "held-out")
                self.changed()

    def show_hints(self) -> None:
        hints = statement_hints(str(self.data.get("statement") or ""))
        self.query_one("#hints", Static).update("\n".join(
            f"[{'green' if h.kind == 'ok' else 'yellow'}]{'✓' if h.kind == 'ok' else '!'} {h.text}[/]" for h in hints))

    def focused_table(self) -> tuple[SheetTable, int, str, str] | None:
        widget = self.focused
        if isinstance(widget, CellInput) and self.editing is not None:
            widget = self.editing[0]
        if isinstance(widget, SheetTable) and (match := re.fullmatch(r"ex-(\d+)-(given|then)-(.+)", widget.id or "")):
            return widget, int(match.group(1)), match.group(2), match.group(3)
        return None

    def focused_example(self) -> int | None:
        widget = self.focused
        while widget is not None:
            if (match := re.fullmatch(r"(?:example|ex)-(\d+).*", widget.id or "")):
                return int(match.group(1))
            widget = widget.parent
        return None

    def action_toggle_holdout(self) -> None:
        index = self.focused_example()
        if index is not None:
            checkbox = self.query_one(f"#ex-{index}-holdout", Checkbox)
            checkbox.value = not checkbox.value

    async def action_new_example(self) -> None:
        examples = self.data["examples"]
        last = examples[-1] if examples and isinstance(examples[-1], dict) else {}
        # The same tables as the last example, empty: most examples of a requirement use the same data.
        examples.append({"name": f"example {len(examples) + 1}",
                         "given": {name: [] for name in last.get("given") or {}},
                         "then": {name: [] for name in last.get("then") or {}}})
        await self.show_examples()
        self.changed()
        self.call_after_refresh(lambda: self.query_one(f"#ex-{len(examples) - 1}-name", Input).focus())

    def action_remove_example(self) -> None:
        index = self.focused_example()
        if index is None:
            self.notify("Move into the example to remove first (Tab).", severity="warning")
            return
        name = self.data["examples"][index].get("name") or f"example {index + 1}"

        async def answered(answer: str | None) -> None:
            if answer == "remove":
                del self.data["examples"][index]
                await self.show_examples()
                self.changed()
                self.notify(f'Removed "{name}". It is gone from the file only when you save.', markup=False)

        self.app.push_screen(Confirm(f'Remove the example "{name}"?', [("keep", "Keep it"), ("remove", "Remove")]),
                             answered)

    def action_add_table(self, section: str) -> None:
        index = self.focused_example()
        if index is None:
            index = len(self.data["examples"]) - 1
        if index < 0:
            return
        known = sorted(self.field_kinds())
        help_text = ("What you record, like visits, mothers or tanks." if section == "given"
                     else "What the software shall produce, like referrals or refill alerts.")

        async def answered(name: str | None) -> None:
            if not name or not name.strip():
                return
            collection = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
            example = self.data["examples"][index]
            example.setdefault(section, {})
            if not isinstance(example[section], dict):
                example[section] = {}
            example[section].setdefault(collection, [])
            await self.show_examples()
            self.changed()
            self.focus_table(f"ex-{index}-{section}-{collection}")

        self.app.push_screen(AskValue(f"{SECTIONS[section]}: what do you call this data? One word for many of them",
                                      "",
                                      help_text + (f" Known: {', '.join(known)}." if known else "")), answered)

    # --- save and leave -----------------------------------------------------------------

    async def action_save(self) -> None:
        if self.editing is not None:  # what is being typed in a cell goes in too, if it fits
            cell = self.query_one("#cell-editor", CellInput)
            if self.check_cell(cell.value):
                self.notify("Not saved yet: the cell you are typing in does not fit (see under it). Correct it, "
                            "or press Escape to leave the cell as it was, then ctrl+s.", severity="warning")
                cell.focus()
                return
            table = self.editing[0]
            self.keep_cell(cell.value)
            await self.close_cell()
            table.focus()
        _drop_blank_rows(self.data)
        try:
            problems = self.app.save(self.requirement_id, self.data)
        except (ShallError, OSError) as error:
            self.notify(f"Not saved: {error}", severity="error", timeout=10, markup=False)
            return
        self.mark()
        self.show_problems(problems)
        if problems:
            self.notify(f"Saved, with {counted(len(problems), 'thing')} to fix (shown in red).",
                        severity="warning")
        else:
            self.notify(f"Saved {self.requirement_id}.")

    def show_problems(self, problems: list[Problem]) -> None:
        places: dict[str, list[str]] = {}
        names = {str(e.get("name")): i for i, e in enumerate(self.data["examples"]) if isinstance(e, dict)}
        for problem in problems:
            message = problem.message
            if message.startswith("'title'"):
                place = "title-error"
            elif message.startswith("'statement'"):
                place = "statement-error"
            elif "priority" in message.split(";")[0]:
                place = "priority-error"
            elif (match := re.match(r'example "([^"]*)"', message)) and match.group(1) in names:
                place = f"ex-{names[match.group(1)]}-error"
            else:
                place = "other-errors"
            if NO_OUTPUT in message:
                message = message.replace(NO_OUTPUT, "it does not say what the software shall produce: press ctrl+t "
                                                     "in it to add a table of that (leave the table empty if nothing "
                                                     "should come out)")
            placed = place != "other-errors" or not problem.line
            places.setdefault(place, []).append(message if placed else f"line {problem.line}: {message}")
        first = None
        for widget in self.query(".error"):
            messages = places.get(widget.id or "", [])
            widget.update("\n".join(f"[red]✗ {escape(m)}[/red]" for m in messages))
            widget.set_class(bool(messages), "shown")
            first = first or (widget if messages else None)
        if first is not None and not self.filling:
            self.call_after_refresh(first.scroll_visible)

    def action_back(self) -> None:
        self.app.pop_screen()


def _held_out_label(held_out: bool) -> str:
    return ("Held out: yes. " if held_out else "Held out: no. ") + "A held-out example is kept from the model, to check the build"


def _drop_blank_rows(data: dict) -> None:
    """Rows with nothing typed in them, as a spreadsheet leaves at its end: not records of the example."""
    for example in data.get("examples") or []:
        for section in ("given", "then"):
            for records in (example.get(section) or {}).values() if isinstance(example, dict) else []:
                if isinstance(records, list):
                    records[:] = [r for r in records if not (isinstance(r, dict) and all(v is None for v in r.values()))]
