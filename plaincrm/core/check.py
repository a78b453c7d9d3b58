"""``plaincrm check``: validations as plain functions that return located problems.

Each function in ``CHECKS`` takes the store and returns ``Problem``s
(``path:line: message``).  Later record types add their own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..documents.check import check_documents
from ..mail.settings import check_mail
from ..marketing.campaigns import check_campaigns
from ..sales.pipeline import check_pipeline
from ..service.tickets import check_tickets
from .errors import BrokenFileError, Problem
from .model import TYPES, Record, field_kinds
from .money import record_number_problem
from .schemas import validate
from .store import Store, ref_fields

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


def check_records(store: Store) -> list[Problem]:
    problems: list[Problem] = []
    for type_name in TYPES:
        for record in store.records(type_name):
            problems.extend(record_problems(record))
    return problems


def check_file(store: Store, path: str) -> list[Problem]:
    """Problems of one record file as it is on disk now (used after ``edit``)."""
    try:
        record = store.load(path)
    except BrokenFileError as exc:
        return [exc.problem]
    return sorted(record_problems(record))


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


def check_done_boxes(store: Store) -> list[Problem]:
    rows = store.index.conn.execute(
        "SELECT path, line, done FROM tasks WHERE checked = 0 AND done IS NOT NULL"
    ).fetchall()
    return [
        Problem(path, line, f"open task has done:{done}: tick the box ([x]) or remove done:")
        for path, line, done in rows
    ]


def check_references(store: Store) -> list[Problem]:
    """Reference fields naming missing records, and owners who are not users."""
    problems = []
    users = set(store.config.user_names())
    for type_name, rtype in TYPES.items():
        refs = ref_fields(rtype)
        for record in store.records(type_name):
            for key, target in refs.items():
                value = record.fields.get(key)
                if isinstance(value, str) and value and not store.exists(target, value):
                    folder = TYPES[target].folder
                    problems.append(
                        Problem(
                            record.path,
                            record.line_of(key),
                            f"{key}: '{value}' does not exist ({folder}/{value}.md)",
                        )
                    )
            owner = record.fields.get("owner")
            if users and isinstance(owner, str) and owner not in users:
                problems.append(
                    Problem(
                        record.path,
                        record.line_of("owner"),
                        f"owner: '{owner}' is not a user in plaincrm.yaml",
                    )
                )
    if users:
        rows = store.index.conn.execute(
            "SELECT path, line, json_extract(attrs, '$.owner') FROM tasks "
            "WHERE json_extract(attrs, '$.owner') IS NOT NULL"
        ).fetchall()
        problems.extend(
            Problem(path, line, f"owner:{owner} is not a user in plaincrm.yaml")
            for path, line, owner in rows
            if owner not in users
        )
    return problems


CHECKS: list[Check] = [
    check_config,
    check_broken,
    check_records,
    check_task_ids,
    check_done_boxes,
    check_references,
    check_pipeline,
    check_tickets,
    check_campaigns,
    check_documents,
    check_mail,
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
