"""Problems are how shall talks to people about their input.

Every problem names a file and a line, and says what is wrong and how to fix
it. Loaders collect problems instead of raising, so one run reports them all.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str  # relative to the workspace root, with forward slashes
    line: int  # 1-based; 0 when the problem is about the file as a whole
    message: str

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}: {self.message}"
        return f"{self.path}: {self.message}"


class ShallError(Exception):
    """An error caused by the user's input or environment, said for people.

    The command line prints it without a traceback and exits with `exit_code`.
    """

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ShallError):
    """The workspace has problems that must be fixed before going on."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in the requirements:\n" + "\n".join(map(str, self.problems)))
