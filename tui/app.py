"""`shall tui`: write requirements and examples, build, and see what works, without programming.

Everything here goes through the same core functions as the command line:
reqs/ to read and save, specs/ for the lock and the design, agents/ to build.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static
from textual.widgets.data_table import ColumnKey

from agents import answers
from reqs import drafts as draft_files
from reqs.model import id_number
from reqs.problems import Problem, ShallError
from reqs.store import delete_requirement, save_draft
from reqs.words import counted
from reqs.workspace import RequirementFile, Workspace, load_workspace, next_free_id
from specs.lock import load_lock, requirement_states, with_questions
from tui.dialogs import Confirm, Trouble

UNSAVED = "●"


class ShallApp(App):
    """The whole TUI. `drafts` holds every unsaved edit, by requirement id, so nothing typed is lost."""

    TITLE = "shall"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", priority=True)]
    CSS = """
    .hint-ok { color: $success; }
    .hint-warning { color: $warning; }
    .error { color: $error; }
    .muted { color: $text-muted; }
    """

    def __init__(self, root: Path, model=None, build_options: dict | None = None) -> None:
        super().__init__()
        self.root = root
        self.model = model  # a ChatModel for builds; None means the configured default
        self.build_options = build_options or {}  # passed to run_build, e.g. candidates
        self.drafts: dict[str, dict] = {}
        self.workspace: Workspace = load_workspace(root)
        self.web_app = None  # the built app's web pages, once started (tui/webapp.py)

    def open_web_app(self) -> str:
        """Start the built app's web pages, or find them running; their address."""
        from tui.webapp import WebApp

        if self.web_app is None or not self.web_app.running():
            self.web_app = WebApp(self.root)
            if not self.web_app.ready():
                error = self.web_app.error()
                self.web_app = None
                raise ShallError(f"The web app did not start: {error}")
        return self.web_app.address

    def on_unmount(self) -> None:
        if self.web_app is not None:
            self.web_app.stop()

    def on_mount(self) -> None:
        self.sub_title = self.workspace.project.name if self.workspace.project else str(self.root)
        self._seen = self._files_signature()
        self.set_interval(2, self.notice_outside_edits)
        self.save_held_answers()
        self.push_screen(RequirementsScreen())
        self.offer_kept_drafts()

    def offer_kept_drafts(self) -> None:
        """Drafts left on disk by a TUI that closed before they were saved: offered back, never dropped unasked."""
        left = {name: data for name, data in draft_files.kept(self.root).items() if name not in self.drafts}
        if not left:
            return

        def answered(answer: str | None) -> None:
            if answer == "discard":
                for name in left:
                    draft_files.forget(self.root, name)
                return
            self.drafts.update(left)
            if isinstance(self.screen, RequirementsScreen):
                self.screen.fill()
            self.notify(f"Your changes are back, marked {UNSAVED}. Open one and press ctrl+s to save it.")

        titles = [f"{name} ({str(data.get('title') or data.get('name') or 'no title yet')})" for name, data in left.items()]
        self.push_screen(Confirm(
            f"Last time, shall closed before these changes were saved: {', '.join(titles)}. Keep working on them?",
            [("keep", "Keep them"), ("discard", "Throw them away")]), answered)

    # --- nothing ends the app: an unexpected error is shown, and what was typed is kept ------------------

    def _handle_exception(self, error: Exception) -> None:
        """Textual ends the app on any error in a handler. Here the error is shown and written to
        .shall/tui-errors.log, the drafts are already on disk, and the screen where it happened is opened
        afresh, because Textual stops the widget whose handler failed. Only an error in the App's own
        handlers, or one while it starts or stops, still ends it; the drafts stay on disk for next time."""
        from textual._context import active_message_pump

        failed = active_message_pump.get(None)
        if not self.is_running or failed is self or not isinstance(error, Exception) or isinstance(failed, Trouble):
            super()._handle_exception(error)
            return
        logged = self._log_trouble(error)
        if self._trouble_shown:  # more of the same trouble: written down, and shown once
            return
        self._trouble_shown = True
        screen = self.screen

        def go_on(_answer: str | None = None) -> None:
            self._trouble_shown = False
            fresh = getattr(screen, "fresh", None)
            if fresh is not None and screen in self.screen_stack and screen is not self.screen_stack[0]:
                self.switch_screen(fresh())

        self.call_later(self.push_screen, Trouble(error, logged, sorted(self.drafts)), go_on)

    _trouble_shown = False

    def _log_trouble(self, error: Exception) -> str:
        import datetime as dt
        import traceback

        path = self.root / ".shall" / "tui-errors.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as log:
                log.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n")
                log.write("".join(traceback.format_exception(error)))
        except OSError:
            return ""
        return ".shall/tui-errors.log"

    def save_held_answers(self) -> None:
        """Answers given during a build that ended before saving them (shall was closed): saved now."""
        from agents.build import save_held_answers

        said = []
        if save_held_answers(self.root, said.append) and said:
            self.reload()
            for event in said:
                self.notify(event.message, markup=False)

    def reload(self) -> Workspace:
        self.workspace = load_workspace(self.root)
        self._seen = self._files_signature()
        return self.workspace

    def _files_signature(self) -> tuple:
        """What the requirement files look like on disk now, to notice an edit made outside the TUI."""
        found = []
        for path in sorted((self.root / "reqs").glob("*.y*ml")):
            try:
                status = path.stat()
            except OSError:
                continue
            found.append((path.name, status.st_mtime_ns, status.st_size))
        return tuple(found)

    def notice_outside_edits(self) -> None:
        """Every two seconds: a file of reqs/ changed by another program (an editor, git) is read again."""
        if self._files_signature() == getattr(self, "_seen", None):
            return
        self.reload()
        self.notify("The files in reqs/ changed on disk, so shall read them again.")
        refresh = getattr(self.screen, "workspace_changed", None)
        if refresh is not None:
            self.call_later(refresh)

    def file_of(self, requirement_id: str) -> RequirementFile | None:
        for file in self.workspace.files:
            if file.id == requirement_id or file.path.stem == requirement_id:
                return file
        return None

    def data_of(self, requirement_id: str, file: RequirementFile | None = None) -> dict:
        """What a requirement says now: the unsaved draft, else the file as written. Read it; copy it to change it."""
        if requirement_id in self.drafts:
            return self.drafts[requirement_id]
        file = file or self.file_of(requirement_id)
        data = file.document.data if file is not None and file.document is not None else {}
        return data if isinstance(data, dict) else {"id": requirement_id}

    # --- what changes the drafts and the files: only the App, for every screen -----------------

    def keep_draft(self, requirement_id: str, data: dict) -> None:
        """Remember what the person typed, before it is saved: in memory, and on disk for when shall closes."""
        self.drafts[requirement_id] = data
        try:
            draft_files.keep(self.root, requirement_id, data)
        except OSError as error:
            self.notify(f"Your changes could not be kept on disk ({error}); save them with ctrl+s.",
                        severity="error", markup=False)

    def new_draft(self) -> str:
        """A blank requirement with the next free id, in the workspace's own id style (REQ-004, WT-012)."""
        from tui.editor import blank_requirement

        files = list(self.workspace.files)
        used = [id_number(f.id)[0] for f in files if f.id is not None]
        prefix = max(set(used), key=used.count) if used else "REQ"
        requirement_id = next_free_id(files, prefix)
        while requirement_id in self.drafts:  # an unsaved new one holds that id already
            requirement_id = f"{prefix}-{id_number(requirement_id)[1] + 1:03d}"
        self.keep_draft(requirement_id, blank_requirement(requirement_id))
        return requirement_id

    def save(self, requirement_id: str, data: dict) -> list[Problem]:
        """Save a requirement through reqs/; the problems of its file, with those it shares with others.
        The project's own draft (its name and description) goes to reqs/project.yaml."""
        if requirement_id == draft_files.PROJECT_DRAFT:
            from reqs import projectfile

            document, project = projectfile.read(self.root)
            projectfile.save(document, {**project, **data})
            self.drafts.pop(requirement_id, None)
            draft_files.forget(self.root, requirement_id)
            return self.reload().problems
        saved = save_draft(self.root, data, self.file_of(requirement_id))
        self.drafts.pop(requirement_id, None)
        draft_files.forget(self.root, requirement_id)
        return [p for p in self.reload().problems if p.path == saved.display]

    def delete(self, requirement_id: str) -> None:
        """Forget its draft and delete its file through reqs/."""
        self.drafts.pop(requirement_id, None)
        draft_files.forget(self.root, requirement_id)
        if (file := self.file_of(requirement_id)) is not None:
            delete_requirement(self.root, file)
        self.reload()

    def action_quit(self) -> None:
        if not self.drafts:
            self.exit()
            return
        names = ", ".join(sorted(self.drafts))

        def answered(answer: str | None) -> None:
            if answer == "save":
                for requirement_id in list(self.drafts):
                    self.save(requirement_id, self.drafts[requirement_id])
                self.exit()
            elif answer == "cancel" or answer is None:
                return
            elif answer == "discard":
                for requirement_id in list(self.drafts):
                    draft_files.forget(self.root, requirement_id)
                self.exit()

        self.push_screen(Confirm(
            f"{names} {'has' if len(self.drafts) == 1 else 'have'} changes that are not saved yet. "
            "Save them before you quit?",
            [("save", "Save and quit"), ("discard", "Quit without saving"), ("cancel", "Stay")]), answered)


class RequirementsScreen(Screen):
    """The first screen: every requirement with its state, filterable."""

    BINDINGS = [
        Binding("n", "new", "New"),
        Binding("enter", "edit", "Edit", show=True),
        Binding("delete", "delete", "Delete"),
        Binding("b", "build", "Build"),
        Binding("d", "design", "Design"),
        Binding("h", "history", "History"),
        Binding("q", "questions", "Questions"),
        Binding("p", "project", "Project"),
        Binding("slash", "filter", "Filter"),
        Binding("escape", "clear_filter", "Clear the filter", show=False),
    ]
    DEFAULT_CSS = """
    RequirementsScreen #filter { margin: 0 1; }
    RequirementsScreen DataTable { height: 1fr; margin: 0 1; }
    RequirementsScreen #summary { height: auto; margin: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="Filter: type part of an id, a title or a state (like failing)", id="filter")
        yield DataTable(id="requirements", cursor_type="row", zebra_stripes=True)
        yield Static(id="summary")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", key="unsaved", width=1)
        table.add_column("ID", key="id")
        table.add_column("Title", key="title")
        table.add_column("Priority", key="priority")
        table.add_column("Examples", key="examples")
        table.add_column("State", key="state")
        self.fill()
        table.focus()

    def on_resize(self) -> None:
        self.fit_title()

    def fit_title(self) -> None:
        """Give the title what the other columns leave, so the state stays in sight at 80 columns, also when
        a build has made the states longer."""
        table = self.query_one(DataTable)
        title = table.columns[ColumnKey("title")]
        others = sum(column.get_render_width(table) for key, column in table.columns.items() if key != "title")
        width = max(12, self.size.width - others - 2 * table.cell_padding - 6)  # margins and the scrollbar
        if title.width != width or title.auto_width:
            title.auto_width, title.width = False, width
            table.refresh()

    def on_screen_resume(self) -> None:
        self.fill()

    def workspace_changed(self) -> None:
        self.fill()

    def fill(self) -> None:
        """Read every requirement's row (its state reads the generated files), then show those the filter lets through."""
        app: ShallApp = self.app  # type: ignore[assignment]
        workspace = app.workspace
        states = {} if workspace.problems else requirement_states(load_lock(app.root), workspace.requirements, app.root)
        waiting = Counter(q.requirement for q in answers.open_questions(app.root))
        rows = []
        for file in workspace.files:
            requirement_id = file.id or file.path.stem
            data = app.data_of(requirement_id, file)
            examples = data.get("examples") if isinstance(data.get("examples"), list) else []
            held = sum(1 for e in examples if isinstance(e, dict) and e.get("holdout"))
            state = states.get(requirement_id, ("", ""))[0] or ("has problems" if file.problems else "")
            state = with_questions(state, waiting[requirement_id])
            rows.append((requirement_id, str(data.get("title") or "(no title yet)"), str(data.get("priority") or "must"),
                         f"{len(examples) - held} + {held} held out" if held else str(len(examples)), state))
        rows += [(rid, str(data.get("title") or "(no title yet)"), str(data.get("priority") or "must"),
                  str(len(data.get("examples") or [])), "new, not saved")
                 for rid, data in app.drafts.items() if app.file_of(rid) is None and rid != draft_files.PROJECT_DRAFT]
        self.rows = sorted(rows, key=lambda r: r[0])
        self.show()

    def show(self) -> None:
        """The rows the filter lets through; typing in the filter only comes here, so it stays quick."""
        app: ShallApp = self.app  # type: ignore[assignment]
        words = self.query_one("#filter", Input).value.lower().split()
        table = self.query_one(DataTable)
        keep = table.cursor_row
        table.clear()
        for row in self.rows:
            if words and not all(word in " ".join(row).lower() for word in words):
                continue
            table.add_row(UNSAVED if row[0] in app.drafts else "", *map(Text, row), key=row[0])  # as written, not as markup
        if keep is not None and table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))
        problems = len(app.workspace.problems)
        summary = f"{table.row_count} of {len(self.rows)} requirements shown."
        project = app.workspace.project
        if not self.rows:
            summary = ("No requirements yet. Start by saying what you record: press p for the project, where you "
                       "name the kinds of records you keep (like visits) and their fields. Then n writes a "
                       "requirement.") if project is None or not project.collections else \
                "No requirements yet: press n to write the first one."
        if problems:
            summary += f" {counted(problems, 'problem')} in the files: open a requirement marked 'has problems' to see them."
        if app.drafts:
            summary += f" {UNSAVED} marks changes not saved yet."
        self.query_one("#summary", Static).update(summary)
        if self.size.width:
            self.fit_title()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.open(str(event.row_key.value))

    def selected(self) -> str | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def open(self, requirement_id: str) -> None:
        from tui.editor import EditorScreen

        self.app.push_screen(EditorScreen(requirement_id))

    def action_edit(self) -> None:
        if (requirement_id := self.selected()) is not None:
            self.open(requirement_id)

    def action_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        """Escape empties the filter and goes back to the list."""
        self.query_one("#filter", Input).value = ""
        self.query_one(DataTable).focus()

    def action_new(self) -> None:
        from tui.editor import EditorScreen

        self.app.push_screen(EditorScreen(self.app.new_draft()))

    def action_delete(self) -> None:
        requirement_id = self.selected()
        if requirement_id is None:
            return
        app: ShallApp = self.app  # type: ignore[assignment]

        def answered(answer: str | None) -> None:
            if answer != "delete":
                return
            app.delete(requirement_id)
            self.fill()
            self.notify(f"{requirement_id} deleted")

        app.push_screen(Confirm(
            f"Delete {requirement_id}? Its file goes, and the next build removes the code made for it. "
            "git keeps the old version, so it can be brought back.", [("cancel", "Keep it"), ("delete", "Delete")]),
            answered)

    def action_build(self) -> None:
        from tui.buildscreen import BuildScreen

        app: ShallApp = self.app  # type: ignore[assignment]
        if app.drafts:
            self.notify("Save or undo your changes first (marked " + UNSAVED + "): the build reads the saved files.",
                        severity="warning")
            return
        self.app.push_screen(BuildScreen())

    def action_design(self) -> None:
        from tui.views import DesignScreen

        self.app.push_screen(DesignScreen())

    def action_project(self) -> None:
        from tui.project import ProjectScreen

        self.app.push_screen(ProjectScreen())

    def action_history(self) -> None:
        from tui.views import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_questions(self) -> None:
        """The questions the builds left: which result is right here? Each answer becomes an example."""
        from tui.questionscreen import ask_open_questions

        def done(answered: int) -> None:
            self.app.reload()
            self.fill()
            if answered:
                self.app.notify("Press b to build again with your answers.")

        if not ask_open_questions(self.app, done):
            self.app.notify("No open questions. A build asks where the answers that pass every example disagree.")
