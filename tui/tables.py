"""Typing in an example's tables, as in a spreadsheet: a cell at a time, each value checked as it is typed,
rows and columns added where the person is. Mixed into the requirement editor (tui/editor.py), whose
`data` holds the examples and whose `changed()` keeps the draft."""

from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.coordinate import Coordinate
from textual.widgets import DataTable, Static

from reqs import projectfile
from reqs.fieldtypes import describe, show
from reqs.problems import ShallError
from tui.sheet import HOW_TO_TYPE, AskColumn, CellInput, SheetTable, cell_problem, parse_cell


class TableEditing:
    """The editor's tables. Expects `data`, `editing`, `field_kinds()`, `fill_table()` and `changed()`."""

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
        records, collection, section, kind, fields = self.place_of(table)
        row, column = table.cursor_row, table.cursor_column
        current = records[row].get(fields[column]) if isinstance(records[row], dict) else None
        text = event.text if event.text is not None else ("" if current is None else
                                                          current if isinstance(current, str) else str(show(current)))
        await self.close_cell()
        self.editing = (table, row, column)
        if event.text is not None:  # keys typed while the cell was opening: every one of them, in order
            text, table.pending = table.pending or text, None
        cell = CellInput(text, id="cell-editor", select_on_focus=False)
        where = f"{in_words(collection, section)} · {fields[column]}" + (f": {HOW_TO_TYPE[kind]}" if kind else "")
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
        said = self.query_one("#cell-problem", Static)
        said.update(f"✗ {problem}" if problem else "")
        if problem:
            self.call_after_refresh(said.scroll_visible)  # never below the bottom of the screen
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
        table.update_cell_at(Coordinate(row, column), cell_text(value, True))
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
        table.add_row(*[cell_text(None, True) for _ in fields], key=str(len(records) - 1))
        table.move_cursor(row=table.row_count - 1, column=0)
        self.query_one(f"#{table.id}-hint", Static).update(table_hint(table, section))
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
                        + (f" to {in_words(collection)}; saved in reqs/project.yaml." if given else "."), markup=False)

        self.app.push_screen(AskColumn(f"A new column for {in_words(collection, section)}", with_description=given),
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


def in_words(collection: str, section: str = "given") -> str:
    """A collection named as the project's own words: "the visits you record", "the refill alerts it makes"."""
    words = collection.replace("_", " ")
    return f"the {words} you record" if section == "given" else f"the {words}"


def table_hint(table: DataTable, section: str) -> str:
    if not table.ordered_columns:
        return "No columns yet: press ctrl+l to add one (like visit_date or systolic)."
    if not table.row_count:
        return ("No rows: the example says nothing is made. ctrl+r adds a row." if section == "then"
                else "No rows yet: ctrl+r adds one.")
    return "A row left empty is not saved."


def cell_text(value: Any, present: bool) -> Text:
    """A value as the table shows it: as written, never read as markup."""
    if not present:
        return Text("")
    return Text("—" if value is None else str(show(value)).strip("'") if not isinstance(value, str) else value)
