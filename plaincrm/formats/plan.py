"""An import plan: what each row would do, and writing it all at once.

Planning reads everything and writes nothing; ``--dry-run`` prints the plan.
``apply_plan`` writes every file of the plan (new files created, changed
files replaced atomically), puts back what it already wrote if a later write
fails or the import is interrupted (Ctrl-C; after ``kill -9`` the next command
does, from the journal), and makes one commit of exactly those files.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..core.errors import InvalidError
from ..core.store import Store, writes
from ..core.text import plural
from .columns import Mapping

Progress = Callable[[int], None]  # called with how many more items are done

CREATE, UPDATE, SKIP, SAME = "create", "update", "skip", "same"
VERBS = (CREATE, UPDATE, SKIP, SAME)


@dataclass
class ImportOptions:
    """What the user asked of ``plaincrm import``."""

    type_name: str | None = None  # None: guess from the columns
    maps: tuple[str, ...] = ()
    existing: str = "ask"  # ask | update | skip: what to do with rows matching a record
    skip_invalid: bool = False
    dates: str | None = None  # dmy | mdy: the order of dates like 03/04/2026
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    match: tuple[str, ...] = ("ref", "email", "phone", "name")
    owner: str | None = None  # owner of new records that have none
    source: str | None = None  # --from: the product the file was exported from
    stages: tuple[str, ...] = ()  # --stage 'THEIRS=STAGE'
    lost_reasons: tuple[str, ...] = ()  # --lost-reason 'THEIRS=REASON'
    owners: tuple[str, ...] = ()  # --owner 'THEIRS=USER'
    currency: str | None = None  # --currency: what amounts without one are in


@dataclass
class Change:
    key: str
    old: Any
    new: Any

    def as_json(self) -> dict[str, Any]:
        return {"field": self.key, "old": jsonable(self.old), "new": jsonable(self.new)}


@dataclass
class Action:
    """What the import does to one record (or one task)."""

    verb: str  # create | update | skip | same
    path: str
    title: str
    rows: list[int]
    changes: list[Change] = field(default_factory=list)
    matched_by: str = ""  # "email", "name" ... for existing records
    task_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.verb,
            "path": self.path,
            "title": self.title,
            "rows": self.rows,
            "matched_by": self.matched_by or None,
            "task": self.task_id,
            "changes": [c.as_json() for c in self.changes],
        }


@dataclass(order=True)
class RowError:
    """Why a row cannot be imported; or (``row`` 0) a problem of the file that keeps
    ``rows`` out, said once (an owner who is not a user, a stage to map)."""

    row: int
    message: str
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}" if self.row else self.message

    def as_json(self) -> dict[str, Any]:
        return {"row": self.row, "message": self.message, "rows": list(self.rows or [self.row])}


def invalid_rows(errors: list[RowError]) -> set[int]:
    """The rows the errors keep out."""
    return {row for error in errors for row in (error.rows or (error.row,)) if row}


@dataclass
class Plan:
    source: str
    type_name: str
    description: str  # how the file was read
    mapping: Mapping
    rows: int  # data rows read (blank rows left out)
    origin: str | None = None  # "a Pipedrive deals export", when the file is one
    actions: list[Action] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # what to write (invalid rows take no part): path -> (text before, or None
    # for a new file; text after)
    writes: dict[str, tuple[str | None, str]] = field(default_factory=dict)

    def count(self, verb: str) -> int:
        return sum(1 for action in self.actions if action.verb == verb)

    def summary(self) -> str:
        parts = [
            f"{self.count(CREATE)} to create",
            f"{self.count(UPDATE)} to update",
            f"{self.count(SKIP)} skipped",
            f"{self.count(SAME)} unchanged",
        ]
        invalid = len(invalid_rows(self.errors))
        if invalid:
            parts.append(plural(invalid, "invalid row"))
        return ", ".join(parts)

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "type": self.type_name,
            "read_as": self.description,
            "origin": self.origin,
            "rows": self.rows,
            "columns": [
                {
                    "column": c.letter,
                    "header": c.header,
                    "field": c.target.key if c.target else None,
                    "custom": bool(c.target and c.target.custom),
                    "how": c.how or None,
                }
                for c in self.mapping.columns
                if c.header or c.target
            ],
            "actions": [a.as_json() for a in self.actions],
            "errors": [e.as_json() for e in sorted(self.errors)],
            "notes": self.notes,
            "counts": {verb: self.count(verb) for verb in VERBS}
            | {"invalid": len(invalid_rows(self.errors))},
        }


def jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def refuse_invalid(plan: Plan) -> None:
    """Raise when rows are invalid: nothing is written unless every row is valid."""
    if not plan.errors:
        return
    invalid = len(invalid_rows(plan.errors))
    valid = max(0, plan.rows - invalid)
    raise InvalidError(
        f"{plural(invalid, 'row')} of {plan.source} cannot be imported "
        f"(listed above); nothing was written. Fix them, or run again with --skip-invalid "
        f"to import the other {valid}"
    )


@writes
def apply_plan(store: Store, plan: Plan, progress: Progress | None = None) -> str | None:
    """Write the plan's files and commit them as one commit; return the commit id."""
    if not plan.writes:
        return None
    # A store without an open index: writing thousands of files must not rescan
    # the record folders after each one (the next command's refresh sees them);
    # and one sync of the disk at the end instead of one per file.
    writer = Store(store.root, config=store.config, warn=store.warn)
    writer.durable = len(plan.writes) == 1
    try:
        for path, (before, after) in plan.writes.items():
            if before is None:
                writer.create(path, after)
            else:
                if writer.read_text(path) != before:
                    raise InvalidError(
                        f"{path} changed while importing; nothing was written, run it again"
                    )
                writer.write(path, after)
            if progress:
                progress(1)
    except BaseException:  # a failed write, and Ctrl-C too: nothing stays uncommitted
        writer.abandon()
        raise
    if not writer.durable:
        os.sync()
    return writer.commit(list(plan.writes), commit_message(plan))


def commit_message(plan: Plan) -> str:
    noun = "tasks" if plan.type_name == "task" else f"{plan.type_name}s"
    parts = [f"{plan.count(CREATE)} created", f"{plan.count(UPDATE)} updated"]
    name = plan.source.rsplit("/", 1)[-1]
    return f"import: {noun} {', '.join(parts)} ({name})"
