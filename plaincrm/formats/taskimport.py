"""``plaincrm import --type task``: tasks from a table, into their records' ``## Tasks``.

Each row names its record (a ref like ``acme-ltd`` or ``deals/acme-renewal``,
or a client's name or email) and the task's title; ``due`` (a date, with a
time of day if the cell has one), ``at``, ``dur``, ``owner``, ``status`` or
``done`` (a date, or yes/no) and ``note`` are optional.  A row is the same
task as an existing one when its ``id`` is that task's id, or when the
record has a task with the same title and due date (or the row gives no
date); a task is moved to another date only by its id.  New tasks get fresh
ids.  Owners equal to the record's owner are not written on the line (they
are implied).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core import tasklines
from ..core.dates import format_duration
from ..core.errors import InvalidError
from ..core.ids import new_id
from ..core.model import Record
from ..core.records import (
    ParseFailure,
    append_to_section,
    get_line,
    insert_lines_after,
    parse_record,
    replace_line,
)
from ..core.store import type_of_path
from ..core.tasklines import Task
from ..tasks.taskops import check_title
from .cells import (
    CellError,
    cell_text,
    parse_bool_cell,
    parse_date_cell,
    parse_duration_cell,
    parse_time_cell,
    strip_accents,
)
from .convert import blank
from .plan import (
    CREATE,
    SAME,
    SKIP,
    UPDATE,
    Action,
    Change,
    Progress,
)
from .sheet import Row
from .sheetimport import SheetImport

_DONE_WORDS = {"done", "completed", "complete", "closed", "finished", "kész", "hotovo"}
_OPEN_WORDS = {"open", "todo", "to do", "pending", "planned", "nyitott", "otevřený"}
_TOKEN_RE = re.compile(rf"({'|'.join(tasklines.KEYS)}):\S+")


@dataclass
class TaskRow:
    number: int
    path: str | None
    task_id: str | None
    values: dict[str, Any]  # title, due, at, dur (text), owner, checked (bool), done, note


@dataclass
class Target:
    """A task the import creates or changes."""

    path: str
    task: Task | None  # the existing task
    values: dict[str, Any]
    rows: list[int] = field(default_factory=list)
    matched_by: str = ""
    task_id: str | None = None


def title_key(title: str) -> str:
    return " ".join(strip_accents(title).casefold().split())


class TaskImport(SheetImport):
    """Plans the import of a sheet of tasks."""

    def setup(self) -> None:
        self.records: dict[str, Record] = {}  # path -> fresh parse
        self.targets: list[Target] = []
        self.by_title: dict[tuple[str, str, str | None, str | None], Target] = {}
        self.by_task: dict[tuple[str, int], Target] = {}
        self.new_ids: set[str] = set()

    def run(self, progress: Progress | None) -> None:
        fields = self.mapping.fields()
        if "title" not in fields or not {"record", "id"} & fields:
            raise InvalidError(
                "a task table needs a title column and a record column (the client or other "
                "record each task belongs to), e.g. headers 'Client' and 'Task'; name them "
                "with --map 'COLUMN=record' and --map 'COLUMN=title'"
            )
        for row in self.sheet.rows:
            converted = self._convert(row)
            if converted is not None:
                self._place(converted)
            if progress:
                progress(1)
        self._finish()

    # ------------------------------------------------------------ rows

    def _convert(self, row: Row) -> TaskRow | None:
        values: dict[str, Any] = {}
        path = task_id = None
        errors = []
        for column in self.mapping.used():
            cell = row.cells[column.index]
            if column.target is None or blank(cell):
                continue
            key = column.target.key
            try:
                if key == "record":
                    path = self.resolver.any_record(cell_text(cell))
                elif key == "id":
                    task_id = cell_text(cell).lower()
                else:
                    self._value(key, cell, column.index, values)
            except (CellError, InvalidError) as exc:
                errors.append(f"column {column.letter} '{column.header}': {exc}")
        for message in errors:
            self._error(row.number, message)
        if errors:
            return None
        return TaskRow(row.number, path, task_id, values)

    def _value(self, key: str, cell: Any, index: int, values: dict[str, Any]) -> None:
        if key == "title":
            values["title"] = check_title(cell_text(cell))
        elif key == "due":
            day, clock = parse_date_cell(cell, self.orders.get(index))
            values["due"] = day.isoformat()
            if clock:
                values.setdefault("at", clock)
        elif key == "at":
            values["at"] = parse_time_cell(cell)
        elif key == "dur":
            values["dur"] = format_duration(parse_duration_cell(cell))
        elif key == "owner":
            values["owner"] = self.resolver.user(cell_text(cell))
        elif key == "status":
            word = cell_text(cell).lower()
            if word not in _DONE_WORDS | _OPEN_WORDS:
                raise CellError(f"'{word}' is not open or done")
            values.setdefault("checked", word in _DONE_WORDS)
        elif key == "done":
            try:
                values["done"] = parse_date_cell(cell, self.orders.get(index))[0].isoformat()
                values["checked"] = True
            except CellError:
                values["checked"] = parse_bool_cell(cell)
        elif key == "note":
            values["note"] = "\n".join(line.rstrip() for line in cell_text(cell).splitlines())

    def _record(self, path: str) -> Record:
        if path not in self.records:
            self.records[path] = self.store.load(path)
        return self.records[path]

    def _existing(self, row: TaskRow) -> tuple[str, Task, str] | None:
        """The existing task a row is (path, task, matched by), raising CellError if unsure."""
        if row.task_id:
            found = self.store.index.conn.execute(
                "SELECT path, pos FROM tasks WHERE id=?", (row.task_id,)
            ).fetchall()
            if found:
                path, pos = found[0]
                if row.path and row.path != path:
                    raise CellError(
                        f"task {row.task_id} belongs to {path}, not {row.path}; "
                        "leave out the id to add a new task"
                    )
                task = next(t for t in self._record(path).tasks if t.pos == pos)
                return path, task, "id"
        if row.path is None:
            raise CellError(f"no task with id '{row.task_id}', and no record to add it to")
        title = row.values.get("title")
        if not title:
            return None
        due = row.values.get("due")
        same = [
            t
            for t in self._record(row.path).tasks
            if title_key(t.title) == title_key(title) and (due is None or t.due == due)
        ]
        if len(same) > 1:
            raise CellError(
                f"{row.path} has {len(same)} tasks titled '{title}'"
                + ("" if due is None else f" due {due}")
                + "; add an id column to say which"
            )
        return (row.path, same[0], "title") if same else None

    def _place(self, row: TaskRow) -> None:
        try:
            found = self._existing(row)
        except CellError as exc:
            self._error(row.number, str(exc))
            return
        if found:
            path, task, how = found
            target = self.by_task.get((path, task.pos))
            if target is None:
                target = Target(path, task, {}, matched_by=how, task_id=task.id)
                self.by_task[(path, task.pos)] = target
                self.targets.append(target)
        else:
            assert row.path is not None  # _existing raised otherwise
            title = row.values.get("title")
            if not title:
                self._error(row.number, "no title: a new task needs one")
                return
            key = (row.path, title_key(title), row.values.get("due"), row.task_id)
            target = self.by_title.get(key) or Target(row.path, None, {})
            if key not in self.by_title:
                self.by_title[key] = target
                self.targets.append(target)
        clash = [k for k, v in row.values.items() if k in target.values and target.values[k] != v]
        if clash:
            self._error(
                row.number,
                f"{clash[0]} '{row.values[clash[0]]}' disagrees with row {target.rows[0]} "
                f"for the same task ('{target.values[clash[0]]}')",
            )
            return
        target.values.update(row.values)
        target.rows.append(row.number)

    # ------------------------------------------------------------ results

    def _finish(self) -> None:
        edits: dict[str, list[tuple[Target, list[Change]]]] = {}
        for target in self.targets:
            record = self._record(target.path)
            if target.task is None:
                edits.setdefault(target.path, []).append((target, []))
                continue
            changes = self._changes(record, target.task, target.values)
            title = target.values.get("title", target.task.title)
            action = Action(
                SAME, target.path, title, target.rows, changes, target.matched_by, target.task_id
            )
            if not changes:
                self.plan.actions.append(action)
            elif self.options.existing == "skip":
                action.verb = SKIP
                self.plan.actions.append(action)
            elif self.options.existing == "ask":
                keys = ", ".join(c.key for c in changes)
                for number in target.rows:
                    self._error(
                        number,
                        f"is task {target.task_id or target.task.title} of {target.path} "
                        f"and would change {keys}: run with --update to change it, or "
                        "--skip-existing to leave it",
                    )
            else:
                edits.setdefault(target.path, []).append((target, changes))
        for path, items in edits.items():
            self._write(path, items)

    def _changes(self, record: Record, task: Task, values: dict[str, Any]) -> list[Change]:
        current: dict[str, Any] = {
            "title": task.title,
            "due": task.due,
            "at": task.at,
            "dur": format_duration(task.dur) if task.dur else None,
            "owner": record.task_owner(task),
            "checked": task.checked,
            "done": task.done,
            "note": task.note,
        }
        return [
            Change(key, current[key], value)
            for key, value in values.items()
            if current.get(key) != value
        ]

    def _write(self, path: str, items: list[tuple[Target, list[Change]]]) -> None:
        record = self._record(path)
        before = self.store.read_text(path)
        text = before
        new_lines: list[str] = []
        # Changes go bottom-up, so that inserting note lines keeps earlier line numbers.
        updates = sorted(
            ((t, c) for t, c in items if t.task is not None),
            key=lambda item: -(item[0].task.line if item[0].task else 0),
        )
        for target, changes in updates:
            assert target.task is not None
            text = self._update(text, record, target.task, changes)
        for target, _ in items:
            if target.task is None:
                target.task_id = new_id(self._taken)
                self.new_ids.add(target.task_id)
                new_lines += self._new_lines(record, target)
        after = append_to_section(text, "Tasks", new_lines) if new_lines else text
        rows = [n for target, _ in items for n in target.rows]
        problems = self._new_problems(path, before, after)
        if problems:
            for problem in problems:
                self._error(rows[0], problem)
            return
        for target, changes in items:
            verb = CREATE if target.task is None else UPDATE
            title = target.values.get("title") or (target.task.title if target.task else "")
            self.plan.actions.append(
                Action(verb, path, title, target.rows, changes, target.matched_by, target.task_id)
            )
        self.plan.writes[path] = (before, after)

    def _taken(self, candidate: str) -> bool:
        return candidate in self.new_ids or self.store.task_id_taken(candidate)

    def _new_lines(self, record: Record, target: Target) -> list[str]:
        values = target.values
        owner = values.get("owner")
        attrs = {
            "due": values.get("due") or "",
            "at": values.get("at") or "",
            "dur": values.get("dur") or "",
            "done": values.get("done") or "" if values.get("checked") else "",
            "owner": owner if owner and owner != record.owner else "",
            "id": target.task_id or "",
        }
        if attrs["at"] and not attrs["due"]:
            attrs["due"] = self.store.today().isoformat()
        line = tasklines.render_line(values["title"], attrs, bool(values.get("checked")))
        note = values.get("note")
        return [line, *(tasklines.note_lines(note) if note else [])]

    def _update(self, text: str, record: Record, task: Task, changes: list[Change]) -> str:
        line = get_line(text, task.line)
        note = None
        for change in changes:
            if change.key == "title":
                line = _retitle(line, task, change.new)
            elif change.key == "checked":
                line = tasklines.set_checked(line, bool(change.new))
                if not change.new:
                    line = tasklines.set_token(line, "done", None)
            elif change.key == "owner":
                owner = change.new if change.new != record.owner else None
                line = tasklines.set_token(line, "owner", owner)
            elif change.key == "note":
                note = change.new
            else:
                line = tasklines.set_token(line, change.key, change.new)
        text = replace_line(text, task.line, line)
        if note is not None:
            text = _renote(text, task, note)
        return text

    def _new_problems(self, path: str, before: str, after: str) -> list[str]:
        from ..core.check import record_problems

        rtype = type_of_path(path)
        old = {p.message for p in record_problems(parse_record(rtype, path, before))}
        try:
            record = parse_record(rtype, path, after)
        except ParseFailure as failure:
            return [failure.problem.message]
        return [p.message for p in record_problems(record) if p.message not in old]


def _retitle(line: str, task: Task, title: str) -> str:
    """The task line with a new title and its tokens kept as they were."""
    match = re.match(r"^([-*+] \[[ xX]\] )", line)
    prefix = match.group(1) if match else "- [ ] "
    tokens = [word for word in line[len(prefix) :].split() if _TOKEN_RE.fullmatch(word)]
    return " ".join([prefix + title, *tokens]).rstrip()


def _renote(text: str, task: Task, note: str) -> str:
    """Replace the note lines under a task with ``note``."""
    lines = text.split("\n")
    cr = "\r" if lines[task.line - 1].endswith("\r") else ""
    start, end = task.line, task.line + task.note_lines
    new = [line + cr for line in tasklines.note_lines(note)] if note else []
    if task.note_lines:
        del lines[start:end]
        lines[start:start] = new
        return "\n".join(lines)
    return insert_lines_after(text, task.line, tasklines.note_lines(note)) if note else text
