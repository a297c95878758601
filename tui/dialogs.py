"""Small modal questions the TUI asks: yes or no, one value, the design to approve."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class Confirm(ModalScreen[str]):
    """A question with two or three answers; dismissed with the id of the button chosen."""

    DEFAULT_CSS = """
    Confirm { align: center middle; }
    Confirm > Vertical { width: 70; max-width: 95%; height: auto; border: thick $warning; background: $surface; padding: 1 2; }
    Confirm Horizontal { height: auto; margin-top: 1; }
    Confirm Button { margin-right: 2; }
    """
    BINDINGS = [Binding("escape", "dismiss('cancel')", "Cancel")]

    def __init__(self, question: str, answers: list[tuple[str, str]]) -> None:
        super().__init__()
        self.question = question
        self.answers = answers  # (id, label); the first is the default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, markup=False)  # it quotes what a person named: a [ is a [
            with Horizontal():
                for number, (answer, label) in enumerate(self.answers):
                    yield Button(label, id=answer, variant="primary" if number == 0 else "default")

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


class AskValue(ModalScreen[str | None]):
    """One line of text, like a cell's value or a collection's name."""

    DEFAULT_CSS = """
    AskValue { align: center middle; }
    AskValue > Vertical { width: 70; max-width: 95%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    AskValue #help { color: $text-muted; }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, prompt: str, value: str = "", help_text: str = "") -> None:
        super().__init__()
        self.prompt, self.value, self.help_text = prompt, value, help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.prompt, markup=False)
            yield Input(value=self.value, id="value")
            yield Static(self.help_text + "\nEnter to keep it, Escape to cancel.", id="help", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)


class ApproveDesign(ModalScreen[bool]):
    """The design-approval step of a build."""

    DEFAULT_CSS = """
    ApproveDesign { align: center middle; }
    ApproveDesign > Vertical { width: 100; max-width: 98%; height: 90%; border: thick $primary; background: $surface; padding: 0 1; }
    ApproveDesign VerticalScroll { height: 1fr; }
    ApproveDesign Horizontal { height: auto; }
    ApproveDesign Button { margin-right: 2; }
    """
    BINDINGS = [Binding("y", "dismiss(True)", "Build it"), Binding("n", "dismiss(False)", "Don't build"),
                Binding("escape", "dismiss(False)", "Don't build")]

    def __init__(self, design) -> None:  # text, or a rich renderable such as the design view
        super().__init__()
        self.design = design

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("shall will build with this design. Build it? (y: build it, n or Esc: don't)")
            with VerticalScroll():
                yield Static(self.design, markup=False, id="design-text") if isinstance(self.design, str) else \
                    Static(self.design, id="design-text")
            with Horizontal():
                yield Button("Build it", id="yes", variant="primary")
                yield Button("Don't build", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class Trouble(ModalScreen[str]):
    """Something went wrong inside shall: said plainly, with what is kept, and the way on."""

    DEFAULT_CSS = """
    Trouble { align: center middle; }
    Trouble > Vertical { width: 76; max-width: 95%; height: auto; border: thick $error; background: $surface; padding: 1 2; }
    Trouble Button { margin-top: 1; }
    """
    BINDINGS = [Binding("escape", "dismiss('go on')", "Go on")]

    def __init__(self, error: BaseException, logged: str, drafts: list[str]) -> None:
        super().__init__()
        self.error, self.logged, self.drafts = error, logged, drafts

    def compose(self) -> ComposeResult:
        kept = (f"Everything you typed is kept ({', '.join(self.drafts)}, marked ● in the list), and on disk too."
                if self.drafts else "Nothing you typed was lost: there were no unsaved changes.")
        with Vertical():
            yield Label("Something went wrong inside shall", id="title")
            yield Static(f"{kept}\nshall goes on: press Enter. This screen opens afresh, as it was before the error.\n\n"
                         f"What happened: {type(self.error).__name__}: {self.error}"
                         + (f"\nThe details are in {self.logged}; send that file to whoever looks after shall."
                            if self.logged else ""), markup=False, id="what-happened")
            yield Button("Go on", id="go-on", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss("go on")
