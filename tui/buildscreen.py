"""The build screen: the build graph in a worker thread, live progress, approval, results, and cancel."""

from __future__ import annotations

import threading
import time

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, RichLog, Static
from textual.worker import Worker, WorkerState

from tui.dialogs import ApproveDesign


class BuildCancelled(Exception):
    """Raised inside the build when the person cancels; the checkpoint lets the next build carry on."""


class BuildScreen(Screen):
    BINDINGS = [
        Binding("c", "cancel", "Cancel the build"),
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
        components.add_column("Now", key="now")
        results = self.query_one("#results", DataTable)
        for label in ("ID", "Title", "Examples", "Held out", "Attempts", "Tokens", "Seconds"):
            results.add_column(label, key=label)
        results.display = False
        self.started = time.monotonic()
        self.worker = self.run_worker(self.build, thread=True, exit_on_error=False, name="build")

    def on_unmount(self) -> None:
        self.cancelled.set()  # the app is closing: let the worker thread stop instead of waiting for an answer

    # --- in the worker thread --------------------------------------------------------------

    def build(self) -> dict:
        from agents.build import only_build, run_build

        app = self.app
        with only_build(app.root):  # refused before the model is opened, if another build runs here
            model = app.model
            if model is None:
                from agents.models.select import choose_model_name, open_model

                name = choose_model_name()
                self.app.call_from_thread(self.say, {"step": "model", "message": f"Opening the model {name}"})
                model = open_model(name)
            return run_build(app.root, model, auto_approve=False, on_event=self.on_event_from_build,
                             ask_approval=self.ask_approval, **app.build_options)

    def on_event_from_build(self, event: dict) -> None:
        if self.cancelled.is_set():
            raise BuildCancelled()
        self.app.call_from_thread(self.say, event)

    def ask_approval(self, design: str) -> bool:
        answer: dict[str, bool] = {}
        done = threading.Event()

        def answered(value: bool | None) -> None:
            answer["value"] = bool(value)
            done.set()

        self.app.call_from_thread(self.app.push_screen, ApproveDesign(readable_design(design, self.app)), answered)
        while not done.wait(0.1):
            if self.cancelled.is_set():
                raise BuildCancelled()
        return answer["value"]

    # --- on the screen ---------------------------------------------------------------------

    def say(self, event: dict) -> None:
        seconds = time.monotonic() - self.started
        self.query_one("#log", RichLog).write(f"[{seconds:5.0f}s] {event['message']}")
        self.query_one("#status", Static).update(f"Building… {event['message'].splitlines()[0]}")
        table = self.query_one("#components", DataTable)
        for name in event.get("components") or []:
            if name not in self.components:
                self.components[name] = "waiting"
                table.add_row(name, "waiting", key=name)
        if (name := event.get("component")) and name in self.components:
            now = {"generate": "writing", "written": "written", "select": "chosen", "revise": "revising",
                   "repair": "repairing"}.get(event["step"], event["step"])
            self.components[name] = now
            table.update_cell(name, "now", now)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker:
            return
        status = self.query_one("#status", Static)
        if event.state == WorkerState.SUCCESS:
            self.report = event.worker.result
            self.show_report(self.report)
            self.app.reload()
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            if isinstance(error, BuildCancelled):
                status.update("Build cancelled. Nothing you wrote was lost; build again to carry on where it stopped.")
            else:
                message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
                status.update(f"[red]The build stopped: {message}[/red]")
                self.query_one("#log", RichLog).write(f"The build stopped: {message}")
                self.notify("The build stopped; the reason is at the top of the screen.", severity="error")
        elif event.state == WorkerState.CANCELLED:
            status.update("Build cancelled.")

    def show_report(self, report: dict) -> None:
        rows = report["requirements"]
        passed = sum(r["examples_passed"] for r in rows)
        total = sum(r["examples"] for r in rows)
        self.query_one("#status", Static).update(
            f"Built in {time.monotonic() - self.started:.0f} s: {passed} of {total} examples pass, "
            f"{sum(r['holdouts_passed'] for r in rows)} of {sum(r['holdouts'] for r in rows)} held-out examples. "
            + (f"Regenerated: {', '.join(report['components_regenerated'])}." if report["components_regenerated"]
               else "Nothing needed rebuilding."))
        table = self.query_one("#results", DataTable)
        table.display = True
        table.clear()
        for row in rows:
            table.add_row(row["id"], row["title"], f"{row['examples_passed']}/{row['examples']}",
                          f"{row['holdouts_passed']}/{row['holdouts']}", str(row["attempts"]), str(row["tokens"]),
                          str(row["seconds"]), key=row["id"])
        self.query_one("#failing", Static).update(_failures(report))

    def action_cancel(self) -> None:
        if self.worker is not None and self.worker.state == WorkerState.RUNNING:
            self.cancelled.set()
            self.query_one("#status", Static).update("Cancelling: the build stops after the step it is on…")

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
    from ruamel.yaml import YAML, YAMLError

    from specs.design import Design
    from tui.views import design_view

    try:
        design = Design.model_validate(YAML(typ="safe").load(text))
    except (YAMLError, ValidationError, ValueError):  # shown as written rather than not at all
        return text
    return design_view(design, {r.id: r.title for r in app.workspace.requirements})
