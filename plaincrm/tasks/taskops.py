"""Task operations: add, complete with a result note, reschedule, edit, delete, reopen.

Every change of an existing task goes through ``change_task``: under the write
lock it resolves the reference, and its edit finds the task again in the text
it changes (``locate``: by id, else by position) and decides there -- whether
it is done already, where its note ends, what the next occurrence of a
recurring task is.  Commands started at the same moment on one record each
change their own task, and the second of two completions of one task is
refused (ConflictError), never applied to another line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..core import tasklines
from ..core.dates import format_duration
from ..core.errors import ConflictError, InvalidError, NotFoundError, UsageError
from ..core.ids import derived_id, new_id
from ..core.records import append_to_section, get_line, insert_lines_after, replace_line
from ..core.setfields import check_owner
from ..core.store import Store, TaskAt, writes
from ..core.tasklines import Task

if TYPE_CHECKING:
    from ..core.recurrence import Rule

_KEY_TOKEN_RE = re.compile(rf"(^|\s)({'|'.join(tasklines.KEYS)}):\S")
NO_RULE = "none"  # task edit --every none: the task no longer repeats


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
            if key in ("due", "at", "dur", "owner", "every")
            else f"the title contains '{key}:', which would be read as a task key"
        )
    line = tasklines.parse_line(f"- [ ] {title}", 1)
    if line is not None and line.problems:  # a word:value that reads as an unknown key
        raise InvalidError(
            f"in the title, {line.problems[0][1]}: put a space after the colon (re: pricing)"
        )
    return title


def check_rule(every: str) -> str:
    """An ``every:`` value as the command line gives it: refused unless it is a rule."""
    from ..core.recurrence import EXAMPLES, parse

    rule = parse(every)
    if rule is None:
        raise InvalidError(f"'{every}' is not a repeat rule; use one of {EXAMPLES}")
    return rule.text


@writes
def add_task(
    store: Store,
    ref_path: str,
    title: str,
    *,
    due: date | None = None,
    at: str | None = None,
    dur: int | None = None,
    owner: str | None = None,
    every: str | None = None,
) -> str:
    """Append a task to a record's ``## Tasks`` section; return its id.  A repeating
    task (``every``) without a date starts today."""
    title = check_title(title)
    check_owner(store, owner)
    rule = check_rule(every) if every else None
    if (at or rule) and due is None:
        due = store.today()
    task_id = new_id(store.task_id_taken)
    attrs = {
        "due": due.isoformat() if due else "",
        "at": at or "",
        "dur": format_duration(dur) if dur else "",
        "every": rule or "",
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


# ---------------------------------------------------------------- changing a task


@dataclass
class Changed:
    """What ``change_task`` changed: the record, and the task as it was found."""

    path: str
    task: Task
    added: str | None = None  # the id of a task the change added (a next occurrence)


Change = Callable[[str, Task], str]  # (the record's text, the task found in it) -> new text


@writes
def change_task(
    store: Store, task_ref: str, change: Change, message: Callable[[Changed], str]
) -> Changed:
    """Change one task in one commit.  Under the write lock, the reference is resolved
    and ``change`` gets the record's text as it is then, with the task found in it
    (``locate``); it returns the new text, or raises to refuse.  ``message`` gives the
    commit message from what was found."""
    at = store.resolve_task(task_ref)
    found: list[Changed] = []

    def edit(text: str) -> str:
        task = locate(text, at)
        found[:] = [Changed(at.path, task)]
        return change(text, task)

    store.modify(at.path, edit, "", commit=False)
    store.commit([at.path], message(found[0]))
    return found[0]


def locate(text: str, at: TaskAt) -> Task:
    """The task ``at`` points to, in the record text ``text``: the one with its id (the one
    at its position among several), else the one at its position."""
    tasks = tasklines.parse_tasks(text.split("\n"))
    if at.id is not None:
        same = [task for task in tasks if task.id == at.id]
        if not same:
            raise NotFoundError(
                f"task {at.id} is no longer in {at.path} (removed or moved meanwhile); "
                "see the tasks with 'plaincrm task list'"
            )
        return next((task for task in same if task.pos == at.pos), same[0])
    if not 1 <= at.pos <= len(tasks):
        raise NotFoundError(f"'{at.ref}': {at.path} has {len(tasks)} task(s) now")
    return tasks[at.pos - 1]


def _name(task: Task, at: str) -> str:
    return f"task {task.id or at} '{task.title}'"


@writes
def complete_task(store: Store, task_ref: str, note: str | None, day: date) -> Changed:
    """Mark a task done on ``day`` and write the result note under it.  A repeating task
    (``every:``) gets its next occurrence added under it, carrying the rule on."""
    from ..core.recurrence import parse

    workdays = store.config.workdays
    added: list[str] = []

    def change(text: str, task: Task) -> str:
        if task.checked:
            raise ConflictError(
                f"{_name(task, task_ref)} is already done"
                + (f" (on {task.done})" if task.done else "")
            )
        original = get_line(text, task.line)
        line = tasklines.set_token(tasklines.set_checked(original, True), "done", day.isoformat())
        rule = parse(task.every) if task.every else None
        if rule is not None:
            line = tasklines.set_token(line, "every", None)
        text = replace_line(text, task.line, line)
        last = task.line + task.note_lines
        if note and note.strip():
            written = tasklines.note_lines(note)
            text = insert_lines_after(text, last, written)
            last += len(written)
        if rule is not None:
            following, task_id = _next_occurrence(store, original, task, rule, day, workdays)
            added[:] = [task_id]
            text = insert_lines_after(text, last, [following])
        return text

    done = change_task(store, task_ref, change, lambda c: f"task done: {c.task.title} ({c.path})")
    done.added = added[0] if added else None
    return done


def _next_occurrence(
    store: Store, line: str, task: Task, rule: Rule, day: date, workdays: frozenset[int]
) -> tuple[str, str]:
    """The task line of the occurrence after ``task`` (its ``line``), done on ``day``,
    and its id."""
    from ..core.recurrence import next_date

    due = date.fromisoformat(task.due) if task.due else None
    try:
        following = next_date(rule, due, day, workdays)
    except ValueError as error:
        raise InvalidError(
            f"{_name(task, task.title)}: {error}; end the series first "
            f"('plaincrm task edit {task.id or task.title} --every none') and complete it again"
        ) from None
    # the same id wherever this occurrence is completed: two clones completing it
    # offline add the same line, which the merge keeps once
    task_id = derived_id(f"{task.id}:{following.isoformat()}", store.task_id_taken)
    line = tasklines.set_token(line, "due", following.isoformat())
    return tasklines.set_token(tasklines.set_token(line, "done", None), "id", task_id), task_id


@writes
def move_task(
    store: Store, task_ref: str, *, due: date | None, at: str | None, clear_time: bool = False
) -> Changed:
    """Reschedule a task: a new due date and/or time (``clear_time`` drops the time)."""
    if due is None and at is None and not clear_time:
        raise InvalidError("say where to move the task: --due DATE and/or --at HH:MM")
    today = store.today().isoformat()

    def change(text: str, task: Task) -> str:
        if task.checked:
            raise ConflictError(f"{_name(task, task_ref)} is done; nothing to move")
        line = get_line(text, task.line)
        if due is not None:
            line = tasklines.set_token(line, "due", due.isoformat())
        if at is not None:
            line = tasklines.set_token(line, "at", at)
            if due is None and not task.due:
                line = tasklines.set_token(line, "due", today)
        elif clear_time:
            line = tasklines.set_token(line, "at", None)
        return replace_line(text, task.line, line)

    where = " ".join(part for part in (due.isoformat() if due else "", at or "") if part)
    return change_task(
        store,
        task_ref,
        change,
        lambda c: f"task move: {c.task.title} -> {where or 'no time'} ({c.path})",
    )


@writes
def edit_task(
    store: Store,
    task_ref: str,
    *,
    title: str | None = None,
    owner: str | None = None,
    note: str | None = None,
    every: str | None = None,
) -> Changed:
    """Change a task's title, owner (blank: nobody), note (blank: none) or repeat rule
    (``none``: it no longer repeats); what is not given stays."""
    if title is None and owner is None and note is None and every is None:
        raise UsageError("say what to change: --title, --owner, --note or --every")
    new_title = check_title(title) if title is not None else None
    new_owner = owner.strip() if owner is not None else None
    if new_owner:
        check_owner(store, new_owner)
    # every: None leaves the rule; "" or "none" removes it; a rule sets it
    rule = None if every is None else "" if every.strip().lower() in ("", NO_RULE) else every
    if rule:
        rule = check_rule(rule)

    def change(text: str, task: Task) -> str:
        line = get_line(text, task.line)
        if new_title is not None:
            line = tasklines.set_title(line, new_title)
        if new_owner is not None:
            line = tasklines.set_token(line, "owner", new_owner or None)
        if rule is not None:
            if task.checked and rule:
                raise ConflictError(
                    f"{_name(task, task_ref)} is done: give the repeat rule to its next "
                    "occurrence (or reopen it first)"
                )
            line = tasklines.set_token(line, "every", rule or None)
        text = replace_line(text, task.line, line)
        if note is not None:
            lines = text.split("\n")
            del lines[task.line : task.line + task.note_lines]
            text = "\n".join(lines)
            if note.strip():
                text = insert_lines_after(text, task.line, tasklines.note_lines(note))
        return text

    return change_task(store, task_ref, change, lambda c: f"task edit: {c.task.title} ({c.path})")


@writes
def delete_task(store: Store, task_ref: str) -> Changed:
    """Remove a task and its note from its record (``history`` shows it removed)."""

    def change(text: str, task: Task) -> str:
        lines = text.split("\n")
        del lines[task.line - 1 : task.line + task.note_lines]
        return "\n".join(lines)

    return change_task(store, task_ref, change, lambda c: f"task delete: {c.task.title} ({c.path})")


@writes
def reopen_task(store: Store, task_ref: str) -> Changed:
    """Open a completed task again (its result note stays)."""

    def change(text: str, task: Task) -> str:
        if not task.checked:
            raise ConflictError(f"{_name(task, task_ref)} is not done; nothing to reopen")
        line = tasklines.set_token(get_line(text, task.line), "done", None)
        return replace_line(text, task.line, tasklines.set_checked(line, False))

    return change_task(store, task_ref, change, lambda c: f"task reopen: {c.task.title} ({c.path})")
