"""``plaincrm check``: validations as plain functions that return located problems.

``Checker.file_problems`` is the one verdict on one record file: its grammar and
schema, and what it says against the settings (users, the pipeline, documents)
and the other records (do the records it names exist?).  ``check`` gives it for
every file, ``edit`` for the file just edited (``check_file``) and the pre-commit
hook for each file staged (``gitsetup.staged_problems``), so the three never
disagree about a file.  The other functions in ``CHECKS`` take the store and
report the settings and what lies between several records (a task id used
twice, gaps in invoice numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from .amounts import record_number_problem
from .campaigns import campaign_problems
from .doccheck import DocContext, check_documents
from .errors import BrokenFileError, Problem
from .model import TYPES, Record, field_kinds
from .pipeline import Pipeline, check_pipeline, competitor_names, deal_problems, read_pipeline
from .schemas import validate
from .store import Store, ref_fields
from .tickets import check_tickets, ticket_problems

Check = Callable[[Store], list[Problem]]


def check_config(store: Store) -> list[Problem]:
    return list(store.config.problems)


def check_broken(store: Store) -> list[Problem]:
    return store.broken()


def record_problems(record: Record) -> list[Problem]:
    """What reading the record found, plus its front matter against its schema."""
    problems = list(record.problems)
    flagged = {p.line for p in record.problems}
    for dotted, message in validate(record.type.schema, record.fields):
        line = record.line_of(dotted) if dotted else 1
        if line not in flagged:
            problems.append(Problem(record.path, line, message))
    for key, kind in field_kinds(record.type.name).items():
        too_large = record_number_problem(key, record.fields.get(key))
        if too_large and kind.name == "number":
            problems.append(Problem(record.path, record.line_of(key), too_large))
    return problems


class Checker:
    """What ``check`` holds a record file to, read once for all the files checked."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.users = frozenset(store.config.user_names())

    @cached_property
    def _pipeline(self) -> tuple[Pipeline, dict[str, str]] | None:
        """The pipeline and the competitors' names; None when the settings have problems
        (``check`` reports those)."""
        pipeline, problems = read_pipeline(self.store.config)
        return None if problems else (pipeline, competitor_names(self.store, pipeline))

    @cached_property
    def _documents(self) -> DocContext | None:
        return DocContext.of(self.store)

    def file_problems(self, record: Record, text: str | None = None) -> list[Problem]:
        """Every problem of one record file on its own and against the settings and the
        other records, sorted; ``text``: what ``record`` was read from (a staged version),
        when it is not the file on disk."""
        problems = record_problems(record)
        problems += self.task_problems(record)
        problems += self.reference_problems(record)
        kind = record.type.name
        if kind == "deal" and self._pipeline is not None:
            problems += deal_problems(record, *self._pipeline)
        elif kind == "ticket":
            problems += ticket_problems(record)
        elif kind == "campaign":
            body = self.store.read_text(record.path) if text is None else text
            problems += campaign_problems(self.store, record, body)
        elif kind == "document" and self._documents is not None:
            problems += self._documents.problems(record)
        return sorted(set(problems))

    def task_problems(self, record: Record) -> list[Problem]:
        """Open tasks with a done date, and task owners who are not users."""
        problems = []
        for task in record.tasks:
            if not task.checked and task.done:
                problems.append(
                    Problem(
                        record.path,
                        task.line,
                        f"open task has done:{task.done}: tick the box ([x]) or remove done:",
                    )
                )
            if self.users and task.owner is not None and task.owner not in self.users:
                problems.append(
                    Problem(
                        record.path, task.line, f"owner:{task.owner} is not a user in plaincrm.yaml"
                    )
                )
        return problems

    def reference_problems(self, record: Record) -> list[Problem]:
        """Reference fields naming missing records, and an owner who is not a user."""
        problems = []
        for key, target in ref_fields(record.type).items():
            value = record.fields.get(key)
            if isinstance(value, str) and value and not self.store.exists(target, value):
                folder = TYPES[target].folder
                problems.append(
                    Problem(
                        record.path,
                        record.line_of(key),
                        f"{key}: '{value}' does not exist ({folder}/{value}.md)",
                    )
                )
        owner = record.fields.get("owner")
        if self.users and isinstance(owner, str) and owner not in self.users:
            problems.append(
                Problem(
                    record.path,
                    record.line_of("owner"),
                    f"owner: '{owner}' is not a user in plaincrm.yaml",
                )
            )
        return problems


def check_files(store: Store) -> list[Problem]:
    """``Checker.file_problems`` of every readable record file."""
    checker = Checker(store)
    problems: list[Problem] = []
    for type_name in TYPES:
        for record in store.records(type_name, with_tasks=True):
            problems.extend(checker.file_problems(record))
    return problems


def check_file(store: Store, path: str) -> list[Problem]:
    """Every problem ``check`` reports in one record file as it is on disk now (after
    ``edit``): the file's own, and those it has with other records."""
    try:
        record = store.load(path)
    except BrokenFileError as exc:
        return [exc.problem]
    problems = Checker(store).file_problems(record)
    between = check_task_ids(store)
    if record.type.name == "document":  # its number among the others of its series
        between += check_documents(store)
    return sorted({*problems, *(problem for problem in between if problem.path == path)})


def duplicate_task_ids(store: Store) -> dict[str, list[tuple[str, int]]]:
    """Task ids used more than once: id -> the (path, line) of each use."""
    rows = store.index.conn.execute(
        "SELECT t.id, t.path, t.line FROM tasks t JOIN files f ON f.path = t.path "
        "WHERE f.fatal IS NULL AND t.id IN (SELECT id FROM tasks WHERE id IS NOT NULL "
        "GROUP BY id HAVING count(*) > 1) ORDER BY t.id, t.path, t.line"
    ).fetchall()
    by_id: dict[str, list[tuple[str, int]]] = {}
    for task_id, path, line in rows:
        by_id.setdefault(task_id, []).append((path, line))
    return by_id


def check_task_ids(store: Store) -> list[Problem]:
    problems = []
    for task_id, places in duplicate_task_ids(store).items():
        for path, line in places:
            others = ", ".join(f"{p}:{n}" for p, n in places if (p, n) != (path, line))
            problems.append(Problem(path, line, f"duplicate task id '{task_id}' (also {others})"))
    return problems


CHECKS: list[Check] = [
    check_config,
    check_broken,
    check_files,
    check_task_ids,
    check_pipeline,
    check_tickets,
    check_documents,
]


def run_checks(store: Store) -> list[Problem]:
    """Every problem of the repository; build the store with ``read_config`` so that
    problems of the settings are reported rather than refused."""
    problems: list[Problem] = []
    for check in CHECKS:
        problems.extend(check(store))
    return sorted(set(problems))


def report_json(problems: list[Problem], files: int) -> dict[str, Any]:
    return {"ok": not problems, "files": files, "problems": [p.as_json() for p in problems]}
