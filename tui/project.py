"""The project screen: its name and description, and the data it keeps, each with its fields, as a person
describes them: name, what it holds, what it means, and whether every record needs it.

Every change goes to reqs/project.yaml through reqs/projectfile.py, so comments and layout are kept. A field
is saved as soon as it is added, changed or removed; the name and description with ctrl+s, and until then
they are kept as a draft like a requirement's.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Static, TextArea

from reqs import drafts as draft_files
from reqs import projectfile
from reqs.fieldtypes import describe
from reqs.problems import ShallError
from tui.dialogs import AskValue, Confirm
from tui.sheet import AskColumn

TYPE_WORDS = {"text": "words", "integer": "a whole number", "number": "a number", "boolean": "yes or no",
              "date": "a date", "datetime": "a date and time"}


class ProjectScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "back", "Back to the list"),
        Binding("ctrl+n", "new_collection", "New kind of record", priority=True),
        Binding("ctrl+l", "add_field", "Add a field"),
        Binding("ctrl+x", "remove_field", "Remove the field"),
    ]
    DEFAULT_CSS = """
    ProjectScreen VerticalScroll { padding: 0 1; }
    ProjectScreen Label.field { margin-top: 1; text-style: bold; }
    ProjectScreen #description { height: 5; }
    ProjectScreen DataTable { height: auto; max-height: 20; border: tall $panel; }
    ProjectScreen DataTable:focus { border: tall $accent; }
    ProjectScreen .muted { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="heading")
            yield Label("The project's name", classes="field")
            yield Input(id="name", select_on_focus=False)
            yield Label("What it is for", classes="field")
            yield TextArea(id="description", soft_wrap=True)
            yield Label("What you record", classes="field")
            yield Static("Each kind of record (visits, mothers, tanks) with its fields. ctrl+n adds a kind of record, "
                         "ctrl+l a field to the one the cursor is on, Enter changes a field and ctrl+x removes it. "
                         "Fields are saved at once; ctrl+s saves the name and what it is for.", classes="muted")
            yield DataTable(id="fields", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#fields", DataTable)
        for title, key in (("Records", "collection"), ("Field", "field"), ("Holds", "type"),
                           ("What it means", "description"), ("Needed", "required")):
            table.add_column(title, key=key)
        draft = self.app.drafts.get(draft_files.PROJECT_DRAFT)
        try:
            _, data = projectfile.read(self.app.root)
        except ShallError as error:
            data = {}
            self.notify(str(error), severity="error", timeout=15, markup=False)
        self.saved = {"name": str(data.get("name") or ""), "description": str(data.get("description") or "")}
        data = draft or data
        self.query_one("#name", Input).value = str(data.get("name") or "")
        self.query_one("#description", TextArea).text = str(data.get("description") or "")
        self.fill()
        self.mark()
        self.query_one("#name", Input).focus()

    def fresh(self) -> ProjectScreen:
        return ProjectScreen()

    # --- the data it keeps ---------------------------------------------------------------

    def collections(self) -> dict:
        try:
            return projectfile.read(self.app.root)[1].get("collections") or {}
        except ShallError:
            return {}

    def fill(self, select: tuple[str, str] | None = None) -> None:
        table = self.query_one("#fields", DataTable)
        table.clear()
        for collection, entry in self.collections().items():
            for field, spec in ((entry or {}).get("fields") or {}).items():
                spec = {"type": spec} if isinstance(spec, str) else (spec or {})
                kind = str(spec.get("type") or "")
                table.add_row(*map(Text, (collection, field, TYPE_WORDS.get(kind, kind),
                                          str(spec.get("description") or ""),
                                          "no" if spec.get("required") is False else "yes")),
                              key=f"{collection}\t{field}")
        if select is not None:
            keys = [str(row.value) for row in table.rows]
            if "\t".join(select) in keys:
                table.move_cursor(row=keys.index("\t".join(select)))
        if not table.row_count:
            table.add_row(*map(Text, ("", "Nothing yet:", "ctrl+n adds", "a kind of record", "")), key="")

    def selected(self) -> tuple[str, str] | None:
        table = self.query_one("#fields", DataTable)
        if not table.row_count:
            return None
        key = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return tuple(key.split("\t")) if "\t" in key else None  # type: ignore[return-value]

    def change_fields(self, change, select: tuple[str, str] | None) -> bool:
        """Apply `change(data)` to the project file and save it; the table shows it. False if refused."""
        try:
            document, data = projectfile.read(self.app.root)
            change(data)
            projectfile.save(document, data)
        except ShallError as error:
            self.notify(f"Not changed: {error}", severity="error", timeout=10, markup=False)
            return False
        self.app.reload()
        self.fill(select)
        return True

    def action_new_collection(self) -> None:
        def named(text: str | None) -> None:
            if not text or not text.strip():
                return
            try:
                collection = projectfile.field_name(text)
            except ShallError as error:
                self.notify(str(error), severity="error", markup=False)
                return
            self.ask_field(collection)

        self.app.push_screen(AskValue("A new kind of record: what do you call them?", "",
                                      "A word for many of them, like visits, mothers or tanks. Next you give it its "
                                      "first field."), named)

    def action_add_field(self) -> None:
        place = self.selected()
        if place is None:
            self.action_new_collection()
            return
        self.ask_field(place[0])

    def ask_field(self, collection: str, was: str | None = None, spec: dict | None = None) -> None:
        words = collection.replace("_", " ")

        def answered(column: tuple[str, str, str, bool] | tuple[str, str, str] | None) -> None:
            if column is None:
                return
            name, kind, description, *needed = column
            try:
                field = projectfile.field_name(name)
            except ShallError as error:
                self.notify(str(error), severity="error", markup=False)
                return
            required = needed[0] if needed else True
            if self.change_fields(lambda data: projectfile.set_field(data, collection, field, kind, description,
                                                                       required, was), (collection, field)):
                self.notify(f"{'Changed' if was else 'Added'} {field} ({describe(kind).split(' like ')[0]}) "
                            f"of the {words}; saved in reqs/project.yaml.", markup=False)

        spec = spec or {}
        self.app.push_screen(AskColumn(f"{'Change' if was else 'A new'} field of the {words}", with_description=True,
                                       name=was or "", kind=str(spec.get("type") or "text"),
                                       description=str(spec.get("description") or ""),
                                       required=spec.get("required") is not False, ask_required=True), answered)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        place = self.selected()
        if place is None:
            return
        spec = ((self.collections().get(place[0]) or {}).get("fields") or {}).get(place[1])
        self.ask_field(place[0], place[1], {"type": spec} if isinstance(spec, str) else (spec or {}))

    def action_remove_field(self) -> None:
        place = self.selected()
        if place is None:
            return

        def answered(answer: str | None) -> None:
            if answer == "remove" and self.change_fields(lambda data: projectfile.remove_field(data, *place), None):
                self.notify(f"Removed {place[1]} from the {place[0].replace('_', ' ')}.", markup=False)

        self.app.push_screen(Confirm(f"Remove the field {place[1]} from the {place[0].replace('_', ' ')}? Examples "
                                     "that use it will say so when you next save them.",
                                     [("keep", "Keep it"), ("remove", "Remove it")]), answered)

    # --- name and description ------------------------------------------------------------

    def typed(self) -> dict:
        return {"name": self.query_one("#name", Input).value,
                "description": self.query_one("#description", TextArea).text}

    def on_input_changed(self, event: Input.Changed) -> None:
        self.keep_draft()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.keep_draft()

    def keep_draft(self) -> None:
        """As she types: a draft while it differs from what is saved (`saved`, read once, not at each key)."""
        typed = self.typed()
        if typed == self.saved:
            self.app.drafts.pop(draft_files.PROJECT_DRAFT, None)
            draft_files.forget(self.app.root, draft_files.PROJECT_DRAFT)
        else:
            self.app.keep_draft(draft_files.PROJECT_DRAFT, typed)
        self.mark()

    def mark(self) -> None:
        unsaved = draft_files.PROJECT_DRAFT in self.app.drafts
        self.query_one("#heading", Static).update(
            "[b]The project[/b]" + ("  [yellow]● not saved yet: ctrl+s saves[/yellow]" if unsaved else "  saved"))

    def action_save(self) -> None:
        typed = self.typed()
        if not typed["name"].strip():
            self.notify("Give the project a name first.", severity="warning")
            return
        try:
            document, data = projectfile.read(self.app.root)
            data.update(typed)
            projectfile.save(document, data)
        except ShallError as error:
            self.notify(f"Not saved: {error}", severity="error", markup=False)
            return
        self.app.drafts.pop(draft_files.PROJECT_DRAFT, None)
        draft_files.forget(self.app.root, draft_files.PROJECT_DRAFT)
        self.saved = typed
        self.app.reload()
        self.app.sub_title = typed["name"]
        self.mark()
        self.notify("Saved the project.")

    def action_back(self) -> None:
        self.app.pop_screen()
