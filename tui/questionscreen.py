"""Asking the person, in the TUI: which result is right for these records? The answer becomes an example.

While a build runs, each question as it arises (the build goes on; the answers are saved when it ends);
after a build, and from the requirement list (key q), each open question in turn: the records
given, as tables, and the results the answers gave, lettered, most agreed first. a, b or c picks one;
t types the right result; s skips it until the requirement changes; Escape leaves the rest for later.
"""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from agents import answers
from agents.questions import Question
from reqs.problems import ShallError
from tui.asking import typed_records
from tui.dialogs import AskValue


class AskQuestion(ModalScreen[str | None]):
    """One question; dismissed with the key chosen ("a", "b", "c", "t" or "s"), or None for later."""

    DEFAULT_CSS = """
    AskQuestion { align: center middle; }
    AskQuestion > Vertical { width: 100; max-width: 98%; height: 95%; border: thick $warning;
                             background: $surface; padding: 0 1; }
    AskQuestion VerticalScroll { height: 1fr; }
    AskQuestion Horizontal { height: auto; margin-top: 1; }
    AskQuestion Button { margin-right: 1; min-width: 8; }
    """
    BINDINGS = [Binding("a", "pick('a')", "A", show=False), Binding("b", "pick('b')", "B", show=False),
                Binding("c", "pick('c')", "C", show=False), Binding("t", "pick('t')", "Type it"),
                Binding("s", "pick('s')", "Skip"), Binding("escape", "dismiss(None)", "Later")]

    def __init__(self, question: Question, title: str, number: int, of: int) -> None:
        super().__init__()
        self.question, self.title, self.number, self.of = question, title, number, of

    def compose(self) -> ComposeResult:
        question = self.question
        with Vertical():
            yield Static(Text(f"Question {self.number} of {self.of} · {self.title} ({question.requirement})\n"
                              f"For these records, which {question.output.replace('_', ' ')} is right?", style="bold"))
            with VerticalScroll():
                yield Static(question_view(question), id="question")
            yield Static(f"Keys: {' / '.join(answers.LETTERS[:len(question.choices)])}, or t to type the right result "
                         "yourself, s to skip, Escape for later.")
            with Horizontal():
                for letter in answers.LETTERS[:len(question.choices)]:
                    yield Button(letter.upper(), id=f"pick-{letter}", variant="primary" if letter == "a" else "default")
                yield Button("Type it", id="pick-t")
                yield Button("Skip", id="pick-s")
                yield Button("Later", id="later")

    def action_pick(self, key: str) -> None:
        if key in answers.LETTERS and answers.LETTERS.index(key) >= len(self.question.choices):
            return
        self.dismiss(key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "later" else event.button.id.removeprefix("pick-"))


def question_view(question: Question) -> Group:
    """The records given, then each result with its letter and how many answers gave it."""
    parts = []
    for name, records in question.inputs.items():
        parts.append(_table(f"Given: {name.replace('_', ' ')}", records))
    for letter, choice in zip(answers.LETTERS, question.choices):
        parts.append(_table(f"{letter.upper()}: {choice.answers} of {question.finalists} answers give", choice.records))
    return Group(*parts)


def _table(title: str, records: list[dict]) -> Table | Text:
    if not records:
        return Text(f"{title}: nothing\n")
    table = Table(title=title, title_justify="left", expand=False, box=box.SIMPLE_HEAD, padding=(0, 1))
    for field in dict.fromkeys(k for r in records for k in r):
        table.add_column(field.replace("_", " "))
    for record in records:
        table.add_row(*(Text(str(record.get(field, ""))) for field in dict.fromkeys(k for r in records for k in r)))
    return table


class Asking:
    """Asks a screen's app each question in turn and saves the answers; `done(answered)` is called at the end.

    `hold`: while a build runs, answers are held (agents.answers.hold) and saved when it ends; a question
    that arises meanwhile joins the end of the line (`add`)."""

    def __init__(self, app, questions: list[Question], done=lambda answered: None, hold: bool = False):
        self.app, self.root, self.questions, self.done = app, app.root, list(questions), done
        self.hold = hold
        self.answered = 0
        self.index = 0
        self.finished = False

    def start(self) -> None:
        self._ask()

    def add(self, question: Question) -> None:
        self.questions.append(question)

    def _finish(self) -> None:
        self.finished = True
        self.done(self.answered)

    def _ask(self) -> None:
        if self.index >= len(self.questions):
            self._finish()
            return
        question = self.questions[self.index]
        titles = {r.id: r.title for r in self.app.workspace.requirements}
        self.app.push_screen(AskQuestion(question, titles.get(question.requirement, question.requirement),
                                         self.index + 1, len(self.questions)), self._heard)

    def _heard(self, key: str | None) -> None:
        question = self.questions[self.index]
        if key is None:
            self._finish()
            return
        if key == "t":
            self.app.push_screen(AskValue(f"The right {question.output.replace('_', ' ')}",
                                          help_text="A list of records, like [{tank_id: T1, level_pct: 20}], "
                                                    "or [] for none."), self._typed)
            return
        if key == "s":
            answers.skip(self.root, question)
            self.app.notify(f"Skipped; not asked again until {question.requirement} changes.")
        else:
            self._save(answers.choice_of(question, key).records)
        self.index += 1
        self._ask()

    def _typed(self, text: str | None) -> None:
        if text is None:
            self._ask()  # back to the question
            return
        try:
            records = typed_records(text)
        except ShallError as error:
            self.app.notify(error.message, severity="error", markup=False)
            self._ask()
            return
        self._save(records)
        self.index += 1
        self._ask()

    def _save(self, records: list[dict]) -> None:
        question = self.questions[self.index]
        if self.hold:
            answers.hold(self.root, question, records)
            self.answered += 1
            self.app.notify(f"Kept: it becomes a new example of {question.requirement} when the build ends.")
            return
        try:
            answers.answer(self.root, question, records)
        except ShallError as error:
            self.app.notify(error.message, severity="error", markup=False)
            return
        self.answered += 1
        self.app.notify(f"Saved as a new example of {question.requirement}.")


def ask_open_questions(app, done=lambda answered: None, at_most: int | None = None) -> bool:
    """Ask the app's workspace's open questions, most valuable first; False when there are none."""
    questions = answers.open_questions(app.root)[:at_most]
    if not questions:
        return False
    Asking(app, questions, done).start()
    return True
