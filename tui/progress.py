"""Progress for long command-line work: a live bar on a terminal, one line per stage in a log."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn


class ByteProgress:
    """A `(label, done, total)` callback. A total of 0 means a message, not a measure."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.label: str | None = None
        self.bar: Progress | None = None
        self.task = None

    def __call__(self, label: str, done: int, total: int) -> None:
        if total <= 0:
            self.console.print(label, markup=False, highlight=False, soft_wrap=False)
            return
        if not self.console.is_terminal:
            if label != self.label:
                self.console.print(f"{label} …", markup=False, highlight=False)
                self.label = label
            return
        if self.bar is None:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                TransferSpeedColumn(), TimeRemainingColumn(), console=self.console)
            self.bar.start()
            self.task = self.bar.add_task(label, total=total)
        self.bar.update(self.task, description=label, completed=done, total=total)
        self.label = label

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def __enter__(self) -> ByteProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
