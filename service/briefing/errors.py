"""Every error the service reports to a person, in one place.

    BriefingError            base: a message for a person, and the CLI exit status
    ├── UsageError           a command or setting used wrongly (exit 2)
    ├── InputError           an input file with problems, each naming file, row and column (exit 1)
    ├── StoreError           the database cannot be used as asked (exit 1)
    └── TemplateError        a briefing template that cannot be rendered, naming its file and line (exit 1)

The CLI catches BriefingError and prints its message; anything else is a bug and shows a
traceback only with --debug.
"""

from __future__ import annotations

from dataclasses import dataclass


class BriefingError(Exception):
    """An error whose message is meant for the person who ran the command."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class UsageError(BriefingError):
    """A command, option or setting used wrongly."""

    exit_code = 2


class StoreError(BriefingError):
    """The database cannot be opened or used as asked."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, when column is None) of an input file."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"


class InputError(BriefingError):
    """An input file with one or more problems; all of them are listed, not only the first."""

    def __init__(self, problems: list[Problem], hint: str | None = None):
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the input; nothing was written:"
        lines = [head] + [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines), hint)


class TemplateError(BriefingError):
    """A briefing template that cannot be rendered: the message names the template file and line."""

    def __init__(self, message: str, template: str | None = None, line: int | None = None,
                 hint: str | None = None):
        where = template or "template"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {message}", hint)
        self.template, self.line = template, line
