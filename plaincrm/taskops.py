"""Task operations: add, complete with a result note, reschedule."""

from __future__ import annotations

import re
from datetime import date

from . import tasks as tasklines
from .clients import check_owner
from .dates import format_duration
from .errors import ConflictError, InvalidError
from .ids import new_id
from .records import append_to_section, get_line, insert_lines_after, replace_line
from .store import Store
from .tasks import Task

_KEY_TOKEN_RE = re.compile(rf"(^|\s)({'|'.join(tasklines.KEYS)}):\S")


def check_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidError("a task needs a title")
    match = _KEY_TOKEN_RE.search(title)
    if match:
        key = match.group(2)
        raise InvalidError(
            f"the title contains '{key}:', which would be read as a task key; "
            f"use the --{key} option instead"
            if key in ("due", "at", "dur", "owner")
            else f"the title contains '{key}:', which would be read as a task key"
        )
    line = tasklines.parse_line(f"- [ ] {title}", 1)
    if line is not None and line.problems:  # a word:value that reads as an unknown key
        raise InvalidError(
            f"in the title, {line.problems[0][1]}: put a space after the colon (re: pricing)"
        )
    return title


def add_task(
    store: Store,
    ref_path: str,
    title: str,
    *,
    due: date | None = None,
    at: str | None = None,
    dur: int | None = None,
    owner: str | None = None,
) -> str:
    """Append a task to a record's ``## Tasks`` section; return its id."""
    title = check_title(title)
    check_owner(store, owner)
    if at and due is None:
        due = store.today()
    task_id = new_id(store.task_id_taken)
    attrs = {
        "due": due.isoformat() if due else "",
        "at": at or "",
        "dur": format_duration(dur) if dur else "",
        "owner": owner or "",
        "id": task_id,
    }
    line = tasklines.render_line(title, attrs)
    store.modify(
        ref_path,
        lambda text: append_to_section(text, "Tasks", [line]),
        f"task add: {title} ({ref_path})",
    )
    return task_id


def find_task(store: Store, task_ref: str) -> tuple[str, Task]:
    """Resolve a task reference to its record path and the task as it is on disk now."""
    path, pos = store.resolve_task(task_ref)
    record = store.load(path)
    for task in record.tasks:
        if task.pos == pos:
            return path, task
    raise ConflictError(f"{path} changed while reading it; run the command again")


def complete_task(store: Store, task_ref: str, note: str | None, day: date) -> tuple[str, Task]:
    """Mark a task done on ``day`` and write the result note under it."""
    path, task = find_task(store, task_ref)
    if task.checked:
        raise ConflictError(
            f"task {task.id or task_ref} '{task.title}' is already done"
            + (f" (on {task.done})" if task.done else "")
        )

    def edit(text: str) -> str:
        line = get_line(text, task.line)
        line = tasklines.set_checked(line, True)
        line = tasklines.set_token(line, "done", day.isoformat())
        text = replace_line(text, task.line, line)
        if note and note.strip():
            last = task.line + task.note_lines
            text = insert_lines_after(text, last, tasklines.note_lines(note))
        return text

    store.modify(path, edit, f"task done: {task.title} ({path})")
    return path, task


def move_task(
    store: Store, task_ref: str, *, due: date | None, at: str | None, clear_time: bool = False
) -> tuple[str, Task]:
    """Reschedule a task: a new due date and/or time (``clear_time`` drops the time)."""
    if due is None and at is None and not clear_time:
        raise InvalidError("say where to move the task: --due DATE and/or --at HH:MM")
    path, task = find_task(store, task_ref)
    if task.checked:
        raise ConflictError(f"task {task.id or task_ref} '{task.title}' is done; nothing to move")

    def edit(text: str) -> str:
        line = get_line(text, task.line)
        if due is not None:
            line = tasklines.set_token(line, "due", due.isoformat())
        if at is not None:
            line = tasklines.set_token(line, "at", at)
            if due is None and not task.due:
                line = tasklines.set_token(line, "due", store.today().isoformat())
        elif clear_time:
            line = tasklines.set_token(line, "at", None)
        return replace_line(text, task.line, line)

    where = " ".join(part for part in (due.isoformat() if due else "", at or "") if part)
    store.modify(path, edit, f"task move: {task.title} -> {where or 'no time'} ({path})")
    return path, task
