"""Read-only views: the design as a dataflow, and the history of builds with their diffs."""

from __future__ import annotations

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from reqs.gitrepo import GitRepo
from reqs.problems import ShallError
from specs.design import Design, reads_in_words, served_by
from specs.designfile import load_design
from specs.infer import infer_design
from specs.history import EMPTY_TREE, build_log, change_sentences, requirement_diff

SAID_AT_ONCE = 40  # commits whose sentences the history works out before it opens: more than a screenful


class DesignScreen(Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="design")
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        workspace = app.workspace
        design, note = None, ""
        try:
            design = load_design(app.root)
        except ShallError:  # a design file from an older shall, or edited by hand: show the inferred one instead
            design, note = None, "specs/design.yaml cannot be read. "
        if design is None:
            if workspace.problems:
                self.query_one("#design", Static).update(
                    "There is no design yet, and the requirements have problems to fix first (see the list).")
                return
            design = infer_design(workspace.project, workspace.requirements)
            note += "Not built yet: this is the design shall would use."
        self.query_one("#design", Static).update(design_view(design, {r.id: r.title for r in workspace.requirements}, note))


def design_view(design: Design, titles: dict[str, str], note: str = "") -> Group:
    collections = Table(title="The data: what you record, and what the app makes from it", title_justify="left",
                        expand=False)
    collections.add_column("Data")
    collections.add_column("Where it comes from")
    collections.add_column("Fields")
    for name, collection in design.collections.items():
        writer = design.writer_of(name)
        kind = "you record it" if collection.source else f"made for {served_by(writer, titles)}" if writer else "made"
        collections.add_row(name, kind, ", ".join(f"{f} ({t})" for f, t in collection.fields.items()))
    words = Text()
    words.append("What each part is made from:\n", style="bold")
    for sentence in reads_in_words(design, titles):
        words.append(f"  {sentence}\n")
    flow = Text()
    flow.append("How the data flows, in the order it runs:\n", style="bold")
    for component in design.flow():
        flow.append(f"  {', '.join(component.reads) or '(nothing)'}", style="cyan")
        flow.append("  ──▶  ")
        flow.append(component.name, style="bold")
        flow.append("  ──▶  ")
        flow.append(", ".join(component.writes), style="green")
        flow.append(f"\n      for {served_by(component, titles)}\n", style="dim")
    return Group(*([Text(note, style="dim")] if note else []), words, collections, Text(""), flow)


class HistoryScreen(Screen):
    """What changed, a commit a row, in sentences; the diff of the one under the cursor is one key away (d)."""

    BINDINGS = [Binding("escape", "app.pop_screen", "Back"), Binding("d", "toggle_diff", "Show the changes in full")]
    DEFAULT_CSS = """
    HistoryScreen #commits { width: 45%; height: 1fr; margin-right: 2; }
    HistoryScreen #diff-pane { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield DataTable(id="commits", cursor_type="row")
            with VerticalScroll(id="diff-pane"):
                yield Static(id="diff")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#commits", DataTable)
        table.add_column("When", key="when")
        table.add_column("What", key="what")
        self.entries = {entry["sha"]: entry for entry in build_log(self.app.root)}
        self.full = False
        repo = GitRepo.open_enclosing(self.app.root)
        for number, entry in enumerate(self.entries.values()):
            # A commit's sentences read its files at two revisions (about 30 ms): a screenful now, the rest after.
            entry["said"] = (change_sentences(self.app.root, entry["parent"], entry["sha"], entry["subject"], repo)
                             if number < SAID_AT_ONCE else [entry["subject"]])
            table.add_row(entry["date"], Text(_in_a_line(entry["said"])), key=entry["sha"])
        if len(self.entries) > SAID_AT_ONCE:
            self.run_worker(self.say_the_rest, thread=True, exclusive=True)
        if not self.entries:
            self.query_one("#diff", Static).update("No history yet: the workspace has no commits.")
        table.focus()

    def say_the_rest(self) -> None:
        """The older commits' sentences, in a thread, each shown as it is worked out."""
        repo = GitRepo.open_enclosing(self.app.root)
        for entry in list(self.entries.values())[SAID_AT_ONCE:]:
            said = change_sentences(self.app.root, entry["parent"], entry["sha"], entry["subject"], repo)
            self.app.call_from_thread(self.show_said, entry, said)

    def show_said(self, entry: dict, said: list[str]) -> None:
        entry["said"] = said
        self.query_one("#commits", DataTable).update_cell(entry["sha"], "what", Text(_in_a_line(said)))
        if getattr(self, "current", None) is entry:
            self.show_entry()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.current = self.entries.get(str(event.row_key.value))
        self.show_entry()

    def show_entry(self) -> None:
        entry = getattr(self, "current", None)
        if entry is None:
            return
        if not self.full:
            self.query_one("#diff", Static).update(Text("\n".join(entry["said"]) + "\n\nPress d to see the changes "
                                                         "line by line."))
            return
        text = requirement_diff(self.app.root, entry["parent"] or EMPTY_TREE, entry["sha"])
        self.query_one("#diff", Static).update(Syntax(text, "diff", word_wrap=True, theme="ansi_dark"))

    def action_toggle_diff(self) -> None:
        self.full = not self.full
        self.show_entry()


def _in_a_line(said: list[str]) -> str:
    return said[0] + (f" (and {len(said) - 1} more)" if len(said) > 1 else "")
