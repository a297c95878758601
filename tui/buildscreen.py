"""The build screen: the build graph in a worker thread, live progress, approval, results, and cancel."""

from __future__ import annotations

import contextlib
import functools
import threading
import time

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, RichLog, Static
from textual.worker import Worker, WorkerState

from agents import answers
from agents.build import Approval
from agents.events import BuildEvent, Step
from agents.questions import Question
from reqs.problems import ShallError
from tui.dialogs import ApproveDesign


class BuildCancelled(Exception):
    """Raised inside the build when the person cancels; the checkpoint lets the next build carry on."""


class BuildScreen(Screen):
    """A build of the App's workspace. Its steps run in worker threads, which tell the screen what happens by
    messages; when the build asks to approve the design, the worker ends, the screen asks, and a new worker
    resumes the build with the answer."""

    class Progressed(Message):
        """The build said something (posted from the worker thread)."""

        def __init__(self, event: BuildEvent) -> None:
            super().__init__()
            self.event = event

    BINDINGS = [
        Binding("c", "cancel", "Cancel the build"),
        Binding("q", "questions", "Questions"),
        Binding("w", "web", "Open the app"),
        Binding("b", "build_again", "Build again"),
        Binding("escape", "back", "Back to the list"),
    ]
    DEFAULT_CSS = """
    BuildScreen #status { height: auto; padding: 0 1; text-style: bold; }
    BuildScreen #steps { height: 1fr; }
    BuildScreen #components { width: 40%; height: 1fr; }
    BuildScreen RichLog { height: 1fr; border: round $primary-darken-2; }
    BuildScreen #results { height: auto; max-height: 14; }
    BuildScreen #failures { height: auto; max-height: 12; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.cancelled = threading.Event()
        self.started = 0.0
        self.components: dict[str, str] = {}
        self.worker: Worker | None = None
        self.report: dict | None = None
        self.holding = contextlib.ExitStack()  # the build lock and the build's checkpoints, from start to end
        self.closing = threading.Lock()
        self.asking = None  # tui.questionscreen.Asking: the questions asked as they arise
        self.arisen: list[str] = []  # the keys of those questions

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("Starting the build…", id="status")
        with Horizontal(id="steps"):
            yield RichLog(id="log", wrap=True, markup=False, min_width=20)  # wrap to the pane, however narrow
            yield DataTable(id="components", cursor_type="none")
        with VerticalScroll(id="failures"):
            yield Static(id="failing")
        yield DataTable(id="results", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        components = self.query_one("#components", DataTable)
        components.add_column("Component", key="name")
        components.add_column("Now", key="now", width=10)  # the longest: "repairing", "asks you"
        results = self.query_one("#results", DataTable)
        for label in ("ID", "Title", "Examples", "Held out", "Attempts", "Tokens", "Seconds", "State"):
            results.add_column(label, key=label)
        results.display = False
        self.started = time.monotonic()
        self.worker = self.run_worker(self.start, thread=True, exit_on_error=False, name="build")

    def on_unmount(self) -> None:
        self.cancelled.set()  # the app is closing: a running step stops at its next event
        if self.worker is None or self.worker.state != WorkerState.RUNNING:
            self.close()

    # --- in the worker threads ---------------------------------------------------------------

    def start(self) -> dict | Approval:
        from agents.build import BuildRun, only_build

        app = self.app
        self.holding.enter_context(only_build(app.root))  # refused before the model is opened, if another build runs here
        try:
            model = app.model
            if model is None:
                from agents.models.select import choose_model_name, open_model

                name = choose_model_name()
                self.post_message(self.Progressed(BuildEvent(Step.MODEL, f"Opening the model {name}")))
                model = open_model(name)
            run = self.holding.enter_context(BuildRun(app.root, model, auto_approve=False, on_event=self.heard,
                                                      **app.build_options))
        except BaseException:
            self.close()
            raise
        self.run = run
        return self.step(None)

    def step(self, answer: bool | None) -> dict | Approval:
        """Run the build until it ends or asks; it lets go of the workspace when it ends, however it ends."""
        try:
            outcome = self.run.step(answer)
        except BaseException:
            self.close()
            raise
        if not isinstance(outcome, Approval):
            self.close()
        return outcome

    def heard(self, event: BuildEvent) -> None:
        if self.cancelled.is_set():
            raise BuildCancelled()
        self.post_message(self.Progressed(event))

    def close(self) -> None:
        with self.closing:
            self.holding.close()

    # --- on the screen ---------------------------------------------------------------------

    def on_build_screen_progressed(self, message: Progressed) -> None:
        self.say(message.event)
        if message.event.question is not None:
            self.arose(Question.from_dict(message.event.question))

    def arose(self, question: Question) -> None:
        """Ask a question as it arises, while the build goes on; the answer is saved when the build ends."""
        from tui.questionscreen import Asking

        self.arisen.append(question.key)
        if self.asking is not None and not self.asking.finished:
            self.asking.add(question)  # asked after the one on the screen
            return
        self.asking = Asking(self.app, [question], self.asked_while_building, hold=True)
        self.asking.start()

    def asked_while_building(self, answered: int) -> None:
        if self.report is not None:  # the build ended while the person was answering
            self.after_build()

    def say(self, event: BuildEvent) -> None:
        if event.step == Step.TOKENS:  # how far the model is: the status line only, the log keeps the steps
            self.query_one("#status", Static).update(f"Building… {escape(event.message)}")
            return
        seconds = time.monotonic() - self.started
        self.query_one("#log", RichLog).write(f"[{seconds:5.0f}s] {event.message}")
        self.query_one("#status", Static).update(f"Building… {escape(event.message.splitlines()[0])}")
        table = self.query_one("#components", DataTable)
        for name in event.components:
            if name not in self.components:
                self.components[name] = "waiting"
                table.add_row(name, "waiting", key=name)
        if event.component in self.components:
            self.components[event.component] = event.doing
            table.update_cell(event.component, "now", event.doing)

    def answered(self, approved: bool | None) -> None:
        if self.cancelled.is_set():  # the screen is going away: leave the build to carry on next time
            self.close()
            return
        self.worker = self.run_worker(functools.partial(self.step, bool(approved)), thread=True, exit_on_error=False,
                                      name="build")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        status = self.query_one("#status", Static)
        if event.state == WorkerState.SUCCESS and isinstance(event.worker.result, Approval):
            status.update("Waiting for you to approve the design…")
            self.app.push_screen(ApproveDesign(readable_design(event.worker.result.design, self.app)), self.answered)
        elif event.state == WorkerState.SUCCESS:
            self.report = event.worker.result
            self.show_report(self.report)
            self.app.reload()
            if self.asking is None or self.asking.finished:
                self.after_build()
            return
        if event.state in (WorkerState.ERROR, WorkerState.CANCELLED):
            self.save_held()  # what the person answered is kept whichever way the build ended
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            if isinstance(error, BuildCancelled):
                status.update("Build cancelled. Nothing you wrote was lost; build again to carry on where it stopped.")
            else:
                message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
                status.update(f"[red]The build stopped: {escape(message)}[/red]")  # a [ in it is a [
                self.query_one("#log", RichLog).write(f"The build stopped: {message}")
                self.notify("The build stopped; the reason is at the top of the screen.", severity="error")
        elif event.state == WorkerState.CANCELLED:
            status.update("Build cancelled.")

    def save_held(self) -> int:
        """Save the answers given while the build ran, now that it holds the workspace no more."""
        saved, problems = answers.save_held(self.app.root)
        for problem in problems:
            self.notify(problem, severity="error", markup=False)
        return saved

    def after_build(self) -> None:
        """Save the answers given during the build, then ask the questions it left that were not asked yet."""
        from tui.questionscreen import Asking

        saved = self.save_held()
        room = max(0, self.app.build_options.get("questions", 3) - len(self.arisen))  # a few a build, in all
        listed = [q["key"] for q in self.report.get("questions", []) if q["key"] not in self.arisen][:room]
        left = [q for q in answers.open_questions(self.app.root) if q.key in listed]
        if not left:
            self.after_questions(saved)
            return
        Asking(self.app, left, lambda answered: self.after_questions(saved + answered)).start()

    def action_questions(self) -> None:
        """Ask the open questions, one after another. During the build they are asked as they arise."""
        from tui.questionscreen import ask_open_questions

        if self.report is None:
            self.notify("The build asks its questions as they arise; the others are asked when it ends.")
        elif not ask_open_questions(self.app, self.after_questions):
            self.notify("No questions are open.")

    def action_web(self) -> None:
        """Start the built app's web pages on this computer and say where they are."""
        if self.report is None:
            self.notify("The app opens once the build has finished.")
            return
        try:
            address = self.app.open_web_app()
        except ShallError as error:
            self.notify(error.message, severity="error", markup=False)
            return
        self.query_one("#status", Static).update(f"The app is open at {address} : open that address in a web browser "
                                                 "on this computer. It stops when you leave shall.")

    def after_questions(self, answered: int) -> None:
        if answered:
            self.query_one("#status", Static).update(
                f"{answered} answer{'s' * (answered != 1)} saved as examples. Press b to build again "
                "with them: the answers they were about are chosen among again, with no model.")
            self.app.reload()

    def show_report(self, report: dict) -> None:
        rows = report["requirements"]
        passed = sum(r["examples_passed"] for r in rows)
        total = sum(r["examples"] for r in rows)
        self.query_one("#status", Static).update(
            f"Built in {time.monotonic() - self.started:.0f} s: {passed} of {total} examples pass, "
            f"{sum(r['holdouts_passed'] for r in rows)} of {sum(r['holdouts'] for r in rows)} held-out examples. "
            + (f"Regenerated: {', '.join(report['components_regenerated'])}." if report["components_regenerated"]
               else "Nothing needed rebuilding.") + " Press w to open the app in a web browser.")
        table = self.query_one("#results", DataTable)
        table.display = True
        table.clear()
        for row in rows:
            table.add_row(row["id"], Text(row["title"]), f"{row['examples_passed']}/{row['examples']}",
                          f"{row['holdouts_passed']}/{row['holdouts']}", str(row["attempts"]), str(row["tokens"]),
                          str(row["seconds"]), row.get("state", ""), key=row["id"])
        self.query_one("#failing", Static).update(_failures(report))

    def action_cancel(self) -> None:
        if self.worker is not None and self.worker.state == WorkerState.RUNNING:
            self.cancelled.set()
            self.query_one("#status", Static).update("Cancelling: the build stops after the step it is on…")

    def action_build_again(self) -> None:
        """A new build from here, with the answers just given: no need to go back to the list first."""
        if self.worker is not None and self.worker.state == WorkerState.RUNNING:
            self.notify("The build is still running: press c to cancel it first.", severity="warning")
            return
        self.app.switch_screen(BuildScreen())

    def action_back(self) -> None:
        if self.worker is not None and self.worker.state == WorkerState.RUNNING:
            self.notify("The build is still running: press c to cancel it first.", severity="warning")
            return
        self.app.pop_screen()


def _failures(report: dict) -> Group | str:
    """Each failing example: what it expected and what the app gave, side by side."""
    parts = []
    for row in report["requirements"]:
        for example, problems in row["failing"].items():
            parts.append(Text(f'{row["id"]} "{example}" fails: ' + "; ".join(problems), style="bold"))
            if example in row.get("advice", {}):
                parts.append(Text(row["advice"][example], style="yellow"))
            compared = row.get("compared", {}).get(example)
            if compared:
                table = Table(box=None, padding=(0, 2), show_edge=False)
                table.add_column("Expected")
                table.add_column("The app gave")
                for name, expected in compared["expected"].items():
                    actual = compared["actual"].get(name)
                    table.add_row(Text(f"{name}:\n" + _records(expected)),
                                  Text(f"{name}:\n" + (_records(actual) if actual is not None else "(nothing: it failed)")))
                parts.append(table)
    if report.get("conflicts"):
        parts.append(Text("Your edits and the new code clash in: " + ", ".join(report["conflicts"])
                          + ". Your version was kept; merge by hand, then build again.", style="yellow"))
    return Group(*parts) if parts else ""


def _records(records: list[dict]) -> str:
    if not records:
        return "  (no records)"
    return "\n".join("  " + ", ".join(f"{k}: {v}" for k, v in record.items()) for record in records)


def readable_design(text: str, app) -> Group | str:
    """The design the build asks about, as the design view draws it; the YAML itself if it cannot be read."""
    from pydantic import ValidationError
    from ruamel.yaml import YAMLError

    from specs.designfile import design_from_text
    from tui.views import design_view

    try:
        design = design_from_text(text)
    except (YAMLError, ValidationError, ValueError):  # shown as written rather than not at all
        return text
    return design_view(design, {r.id: r.title for r in app.workspace.requirements})
