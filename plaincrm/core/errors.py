"""Errors a user can run into.

Each error carries the process exit code the CLI returns for it; the codes are
documented in the README ("Exit codes").  Messages say what is wrong and how
to fix it.  ``Problem`` is a located finding in a file (``path:line: message``),
used by ``check`` and by the warnings printed for broken files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXIT_OK = 0
EXIT_PROBLEMS = 1  # check found problems; generic failure
EXIT_USAGE = 2  # bad option or argument (click uses 2 as well)
EXIT_NOT_FOUND = 3  # a REF or task id matches nothing
EXIT_AMBIGUOUS = 4  # a REF or task id prefix matches several things
EXIT_NO_REPO = 5  # no CRM repository found, or plaincrm.yaml is invalid
EXIT_INVALID = 6  # a record or value is invalid for what was asked
EXIT_GIT = 7  # git failed (commit, merge, push ...)
EXIT_CONFLICT = 8  # the operation conflicts with the current state


class PlaincrmError(Exception):
    """Base class: an error the CLI reports as ``Error: <message>``."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UsageError(PlaincrmError):
    exit_code = EXIT_USAGE


class NotFoundError(PlaincrmError):
    exit_code = EXIT_NOT_FOUND


class AmbiguousError(PlaincrmError):
    exit_code = EXIT_AMBIGUOUS


class RepoNotFoundError(PlaincrmError):
    exit_code = EXIT_NO_REPO


class ConfigError(PlaincrmError):
    exit_code = EXIT_NO_REPO


class InvalidError(PlaincrmError):
    exit_code = EXIT_INVALID


class GitError(PlaincrmError):
    exit_code = EXIT_GIT


class ConflictError(PlaincrmError):
    exit_code = EXIT_CONFLICT


@dataclass(frozen=True, order=True)
class Problem:
    """A finding located in a file of the CRM repository."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "line": self.line, "message": self.message}


class BrokenFileError(InvalidError):
    """A file the command needs does not parse."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem} (fix the file, then run the command again)")
        self.problem = problem


def did_you_mean(text: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the name in ``names`` closest to ``text``; empty for none."""
    import difflib

    close = difflib.get_close_matches(text, list(names), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
