"""The task list.

API: ``task_query(store, words)``: the search words parsed (the CLI asks it whether
the query names an owner); ``task_list_view(store, words, owner, *, overdue=False,
due=None, done=False) -> TaskListView``: the tasks of ``owner`` (None: everybody's;
ownerless tasks count as everybody's) the query finds, open ones by date, completed
ones (``done``) newest first; ``overdue``: open and due before today; ``due``: due on
that day; a query on status or done decides which states.  ``.entries``
(``TaskEntry``: ``task``, ``ref``, ``label``, ``owner``, ``path``, ``record_title``),
``.state`` (open, done or all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from ..core.query import TASK_KINDS, Query, TaskAccessor, tested_fields
from ..core.store import Store, TaskEntry
from .queries import parse_query


def task_query(store: Store, words: list[str]) -> Query[Any]:
    return parse_query(store, words, TASK_KINDS)


@dataclass
class TaskListView:
    entries: list[TaskEntry]
    state: str  # open | done | all

    def as_json(self) -> list[dict[str, Any]]:
        return [e.as_json() for e in self.entries]


def task_list_view(
    store: Store,
    words: list[str],
    owner: str | None,
    *,
    overdue: bool = False,
    due: date | None = None,
    done: bool = False,
) -> TaskListView:
    parsed = task_query(store, words)
    due_from = due_to = None
    if due:
        due_from = due_to = due.isoformat()
    if overdue:
        due_to = (store.today() - timedelta(days=1)).isoformat()
    state = "done" if done else "open"
    if not (done or overdue) and tested_fields(parsed.where) & {"status", "done"}:
        state = "all"  # the query says which: open, completed, or both
    entries = store.tasks(state=state, owner=owner, due_from=due_from, due_to=due_to)
    if done:
        entries.sort(key=lambda e: e.task.done or "", reverse=True)
    found = parsed.apply(entries, TaskAccessor())
    store.add_clients(found)  # labels name a deal's (ticket's ...) client
    return TaskListView(found, state)
