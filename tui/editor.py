"""The requirement editor: title, statement with EARS hints, priority, and examples as tables of data."""

from __future__ import annotations

import copy
import re
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.coordinate import Coordinate
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Header, Input, Label, Select, Static, TextArea

from reqs import projectfile
from reqs.ears import statement_hints
from reqs.fieldtypes import describe, infer, show
from reqs.problems import Problem, ShallError
from reqs.words import counted
from tui.dialogs import AskValue, Confirm
from tui.sheet import HOW_TO_TYPE, AskColumn, CellInput, SheetTable, cell_problem, parse_cell

PRIORITIES = [("must: the software is no use without it", "must"), ("should: important, but it can wait", "should"),
              ("could: nice to have", "could")]
SECTIONS = {"given": "Given", "then": "Then it shall produce"}


FIRST_EXAMPLE = "first example"


def blank_requirement(requirement_id: str) -> dict:
    return {"id": requirement_id, "title": "", "statement": "", "priority": "must",
            "examples": [{"name": FIRST_EXAMPLE, "given": {}, "then": {}}]}


class EditorScreen(Screen):
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
                    box.mount(Label(f"{title}: {_in_words(collection, section)}"))
                    table = SheetTable(id=f"ex-{index}-{section}-{collection}", cursor_type="cell")
                    box.mount(table)
                    self.fill_table(table, collection, records if isinstance(records, list) else [], kinds)
                    box.mount(Static(_table_hint(table, section), classes="table-hint", id=f"{table.id}-hint"))
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
            table.add_row(*[_cell(record.get(name, None), name in record) for name in fields], key=str(number))

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

    # --- typing in a cell, as in a spreadsheet ----------------------------------------------

    def place_of(self, table: SheetTable) -> tuple[dict, str, str, str | None, list]:
        """The records a table shows, its collection and section, and the field and kind under its cursor."""
        index, section, collection = re.fullmatch(r"ex-(\d+)-(given|then)-(.+)", table.id or "").groups()
        records = self.data["examples"][int(index)][section][collection]
        field = str(table.ordered_columns[table.cursor_column].key.value) if table.ordered_columns else ""
        kind = self.field_kinds().get(collection, {}).get(field)
        return records, collection, section, kind, [str(c.key.value) for c in table.ordered_columns]

    async def on_sheet_table_edit_requested(self, event: SheetTable.EditRequested) -> None:
        table = event.table
        if not table.ordered_columns:
            self.notify("This table has no columns yet: press ctrl+l to add one.", severity="warning")
            return
        if not table.row_count:
            self.action_add_row()
        records, collection, _, kind, fields = self.place_of(table)
        row, column = table.cursor_row, table.cursor_column
        current = records[row].get(fields[column]) if isinstance(records[row], dict) else None
        text = event.text if event.text is not None else ("" if current is None else
                                                          current if isinstance(current, str) else str(show(current)))
        await self.close_cell()
        self.editing = (table, row, column)
        cell = CellInput(text, id="cell-editor", select_on_focus=False)
        where = f"{_in_words(collection)} · {fields[column]}" + (f": {HOW_TO_TYPE[kind]}" if kind else "")
        await table.parent.mount(Static(where, id="cell-where", classes="muted"), after=table)
        await table.parent.mount(cell, after="#cell-where")
        await table.parent.mount(Static(classes="cell-problem", id="cell-problem"), after=cell)
        cell.focus()
        cell.cursor_position = len(text)
        self.check_cell(text)

    def check_cell(self, text: str) -> str | None:
        """What is wrong with the text typed in the cell, said under it at once; None when it fits."""
        if self.editing is None:
            return None
        table, _, column = self.editing
        _, collection, _, _, fields = self.place_of(table)
        kind = self.field_kinds().get(collection, {}).get(fields[column])
        problem = cell_problem(text, kind)
        self.query_one("#cell-problem", Static).update(f"✗ {problem}" if problem else "")
        return problem

    async def on_cell_input_done(self, event: CellInput.Done) -> None:
        if self.editing is None:
            return
        table, row, column = self.editing
        if event.keep:
            if self.check_cell(event.cell.value):
                return  # stays in the cell, with what is wrong beside it
            self.keep_cell(event.cell.value)
        await self.close_cell()
        table.focus()
        if event.keep:
            self.move_on(table, row, column)

    def keep_cell(self, text: str) -> None:
        table, row, column = self.editing
        records, collection, _, _, fields = self.place_of(table)
        kind = self.field_kinds().get(collection, {}).get(fields[column])
        value = parse_cell(text, kind)
        if not isinstance(records[row], dict):
            records[row] = {}
        records[row][fields[column]] = value
        table.update_cell_at(Coordinate(row, column), _cell(value, True))
        self.changed()

    def move_on(self, table: SheetTable, row: int, column: int) -> None:
        """To the next cell, and past the last one to a new row, as a spreadsheet does."""
        if column + 1 < len(table.ordered_columns):
            table.move_cursor(row=row, column=column + 1)
        elif row + 1 < table.row_count:
            table.move_cursor(row=row + 1, column=0)
        else:
            self.action_add_row()

    async def close_cell(self) -> None:
        self.editing = None
        for widget in self.query("#cell-editor, #cell-where, #cell-problem"):
            await widget.remove()

    def action_add_row(self) -> None:
        found = self.focused_table()
        if found is None:
            self.notify("Move to a table first (Tab), then add a row.", severity="warning")
            return
        table, index, section, collection = found
        if not table.ordered_columns:
            self.notify("This table has no columns yet: press ctrl+l to add one first.", severity="warning")
            return
        records = self.data["examples"][index][section][collection]
        fields = [str(column.key.value) for column in table.ordered_columns]
        records.append({field: None for field in fields})
        table.add_row(*[_cell(None, True) for _ in fields], key=str(len(records) - 1))
        table.move_cursor(row=table.row_count - 1, column=0)
        self.query_one(f"#{table.id}-hint", Static).update(_table_hint(table, section))
        self.changed()

    def action_remove_row(self) -> None:
        found = self.focused_table()
        if found is None or not found[0].row_count:
            return
        table, index, section, collection = found
        del self.data["examples"][index][section][collection][table.cursor_row]
        self.fill_table(table, collection, self.data["examples"][index][section][collection], self.field_kinds())
        self.changed()

    def action_add_column(self) -> None:
        """A new column: for data the example is given, a field of that data in reqs/project.yaml, saved at
        once; for a result, a field of the result's records in this example."""
        found = self.focused_table()
        if found is None:
            self.notify("Move to a table first (Tab), then add a column.", severity="warning")
            return
        table, index, section, collection = found
        given = section == "given"

        async def answered(column: tuple[str, str, str] | None) -> None:
            if column is None:
                return
            try:
                field = projectfile.field_name(column[0])
                if field in [str(c.key.value) for c in table.ordered_columns]:
                    raise ShallError(f"this table has a column named {field} already")
                if given:
                    document, data = projectfile.read(self.app.root)
                    projectfile.set_field(data, collection, field, column[1], column[2])
                    projectfile.save(document, data)
                    self.app.reload()
            except ShallError as error:
                self.notify(f"The column was not added: {error}", severity="error", markup=False)
                return
            if not given:
                self._kinds.setdefault(collection, {})[field] = column[1]
            records = self.data["examples"][index][section][collection]
            if not records:
                records.append({})  # a row to type in at once
            for record in records:
                if isinstance(record, dict):
                    record.setdefault(field, None)
            self.changed()
            await self.show_examples()
            self.focus_table(f"ex-{index}-{section}-{collection}", column=field)
            self.notify(f"Added {field} ({describe(column[1]).split(' like ')[0]})"
                        + (f" to {_in_words(collection)}; saved in reqs/project.yaml." if given else "."), markup=False)

        self.app.push_screen(AskColumn(f"A new column for {_in_words(collection, section)}", with_description=given),
                             answered)

    def focus_table(self, table_id: str, column: str | None = None) -> None:
        def focus() -> None:
            tables = self.query(f"#{table_id}")
            if not tables:
                return
            table = tables.first()
            table.focus()
            fields = [str(c.key.value) for c in table.ordered_columns]
            if column in fields:
                table.move_cursor(row=0, column=fields.index(column))
            table.scroll_visible()
        self.call_after_refresh(focus)

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
        help_text = ("Data you have, like levels or tanks." if section == "given"
                     else "What the software shall produce, like refill_alerts.")

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

        self.app.push_screen(AskValue(f"{SECTIONS[section]}: which collection?", "",
                                      help_text + (f" Known: {', '.join(known)}." if known else "")), answered)

    # --- save and leave -----------------------------------------------------------------

    async def action_save(self) -> None:
        if self.editing is not None:  # what is being typed in a cell goes in too: nothing typed is lost
            table = self.editing[0]
            self.keep_cell(self.query_one("#cell-editor", CellInput).value)
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
            places.setdefault(place, []).append(f"line {problem.line}: {message}" if problem.line else message)
        for widget in self.query(".error"):
            messages = places.get(widget.id or "", [])
            widget.update("\n".join(f"[red]✗ {escape(m)}[/red]" for m in messages))
            widget.set_class(bool(messages), "shown")

    def action_back(self) -> None:
        self.app.pop_screen()


def _cell(value: Any, present: bool) -> Text:
    """A value as the table shows it: as written, never read as markup."""
    if not present:
        return Text("")
    return Text("—" if value is None else str(show(value)).strip("'") if not isinstance(value, str) else value)


def _held_out_label(held_out: bool) -> str:
    return ("Held out: yes. " if held_out else "Held out: no. ") + "A held-out example is kept from the model, to check the build"


def _in_words(collection: str, section: str = "given") -> str:
    """A collection named as the project's own words: "the visits you record", "the refill alerts it makes"."""
    words = collection.replace("_", " ")
    return f"the {words} you record" if section == "given" else f"the {words} it shall make"


def _table_hint(table: DataTable, section: str) -> str:
    if not table.ordered_columns:
        return "No columns yet: press ctrl+l to add one (like visit_date or systolic)."
    if not table.row_count:
        return ("No rows: the example says nothing is made. ctrl+r adds a row." if section == "then"
                else "No rows yet: ctrl+r adds one.")
    return ""


def _drop_blank_rows(data: dict) -> None:
    """Rows with nothing typed in them, as a spreadsheet leaves at its end: not records of the example."""
    for example in data.get("examples") or []:
        for section in ("given", "then"):
            for records in (example.get(section) or {}).values() if isinstance(example, dict) else []:
                if isinstance(records, list):
                    records[:] = [r for r in records if not (isinstance(r, dict) and all(v is None for v in r.values()))]
