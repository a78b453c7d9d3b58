"""``plaincrm check``: validations as plain functions that return located problems.

Two kinds of rules, so that a check after a few edits costs only those files:

* **A record file's own problems** (``FileRules``): what reading it found, its
  front matter against its schema, numbers too large to compute with, and the
  rules of its type that read only the file and the settings (a deal against
  the pipeline, a ticket's moments, a campaign's dates and responses).  The
  index keeps each file's verdict by its path, its content (git's blob id) and
  everything else the verdict depends on (``FileRules.contexts``: plaincrm's
  version, the schema, the settings the type's rules read), so each content is
  judged once: as the index reads a changed file, or from the indexed rows of
  files another command indexed (``index.Index.verdicts``, on every core).  A
  verdict may also name what it needs of other records (a response's client
  must exist, a deal's competitor must be known): those are settled here, from
  the index.
* **Rules across records** (``CHECKS``): functions of the store that read the
  index's tables with SQL (duplicate task ids, references to missing records,
  owners who are not users) or the few records they need (settings, the
  documents' payments and numbering, the campaigns' audiences), never every file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from . import schemas
from .errors import Problem
from .frontmatter import line_of
from .index import Index, verdict_key
from .kinds import KindRules
from .model import TYPES, Record, field_kinds, is_record_path, slug_of
from .money import check_money, record_number_problem
from .records import ParseFailure, decode, parse_record
from .schemas import valid, validate
from .settings import CONFIG_NAME, Config
from .store import Store, ref_fields, type_of_path

Check = Callable[[Store], list[Problem]]
VERDICT_VERSION = 1  # bump when what FileRules finds in a file changes


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
    kinds = field_kinds(record.type.name)
    for key, value in record.fields.items():
        kind = kinds.get(key)
        if kind is not None and kind.name == "number":
            too_large = record_number_problem(key, value)
            if too_large:
                problems.append(Problem(record.path, record.line_of(key), too_large))
    return problems


class FileRules:
    """What ``check`` finds in one record file on its own (``index.Rules``).

    A verdict is "" when nothing is found, else JSON: ``problems`` ([line, message]
    each) and ``needs`` ([kind, name, line, message] each: the problem holds when the
    record ``name`` (``type:slug``) does not exist, or the competitor ``name`` is not
    known).
    """

    def __init__(self, config: Config) -> None:
        # each kind's own rules (``RecordType.rules``: a deal against the pipeline ...)
        self.kinds: dict[str, KindRules] = {
            rtype.name: rtype.rules(config) for rtype in TYPES.values() if rtype.rules
        }
        self.texts = frozenset(name for name, rules in self.kinds.items() if rules.texts)
        base = [VERDICT_VERSION, __version__]
        self.contexts: dict[str, str] = {}
        for rtype in TYPES.values():
            try:
                schema = schemas.schema_path(rtype.schema).read_bytes()
            except OSError:
                schema = b""
            parts: list[Any] = [*base, rtype.name, rtype.folder, rtype.title_field]
            parts.append(hashlib.sha1(schema).hexdigest())
            rules = self.kinds.get(rtype.name)
            if rules is not None and rules.context is not None:  # the settings they read
                parts.append(rules.context)
            text = json.dumps(parts, sort_keys=True, default=str)
            self.contexts[rtype.name] = hashlib.sha1(text.encode()).hexdigest()[:16]

    def prepare(self) -> None:
        for rtype in TYPES.values():
            valid(rtype.schema)

    def verdict(self, record: Record, text: str) -> str:
        problems = record_problems(record)
        needs: list[tuple[str, str, Problem]] = []
        rules = self.kinds.get(record.type.name)
        if rules is not None:
            found, needs = rules.judge(record, text)
            problems += found
        if not problems and not needs:
            return ""
        return json.dumps(
            {
                "problems": [[p.line, p.message] for p in problems],
                "needs": [[kind, name, p.line, p.message] for kind, name, p in needs],
            }
        )

    def unreadable(self, problem: Problem) -> str:
        return json.dumps({"problems": [[problem.line, problem.message]], "needs": []})

    def judge(self, path: str, data: bytes) -> str:
        """The verdict of the bytes of a record file."""
        try:
            text = decode(path, data)
            record = parse_record(type_of_path(path), path, text)
        except ParseFailure as failure:
            return self.unreadable(failure.problem)
        return self.verdict(record, text)


def check_files(
    store: Store, rules: FileRules, paths: Iterable[str] | None = None
) -> list[Problem]:
    """Each readable record file's own problems (its verdict), and of the problems that
    hold on other records, those that do; of the files ``paths``, else of every one."""
    problems: list[Problem] = []
    records: list[tuple[str, Problem]] = []
    own: dict[str, list[tuple[str, str, Problem]]] = {}  # kind -> the needs its rules decide
    for path, verdict in store.index.verdicts(rules, paths).items():
        found = json.loads(verdict)
        problems += [Problem(path, line, message) for line, message in found["problems"]]
        for need, name, line, message in found["needs"]:
            if need == "record":
                records.append((name, Problem(path, line, message)))
            else:
                own.setdefault(type_of_path(path).name, []).append(
                    (need, name, Problem(path, line, message))
                )
    if records:
        present = existing(store, {name for name, _ in records})
        problems += [problem for name, problem in records if name not in present]
    for kind, needs in own.items():
        if kind in rules.kinds:
            problems += rules.kinds[kind].unmet(store, needs)
    return problems


def existing(store: Store, names: Iterable[str]) -> set[str]:
    """Which of the records ``type:slug`` the index holds (readable or not)."""
    by_type: dict[str, list[str]] = {}
    for name in names:
        type_name, _, slug = name.partition(":")
        by_type.setdefault(type_name, []).append(slug)
    found: set[str] = set()
    for type_name, slugs in by_type.items():
        for start in range(0, len(slugs), 500):
            chunk = slugs[start : start + 500]
            rows = store.index.conn.execute(
                f"SELECT slug FROM files WHERE type = ? AND slug IN ({','.join('?' * len(chunk))})",
                [type_name, *chunk],
            )
            found.update(f"{type_name}:{slug}" for (slug,) in rows)
    return found


def staged_problems(root: Path, config: Config, staged: list[tuple[str, str]]) -> list[Problem]:
    """The problems each staged record file (path and blob id) has on its own, for the
    pre-commit hook: the verdicts the index keeps for those contents are reused, the
    other blobs are read from git and judged (on every core when many) and their
    verdicts kept, so a later ``check`` of the same files has nothing to judge."""
    rules = FileRules(config)
    index = Index(root, TYPES.values(), ref_fields)
    keys = {
        path: verdict_key(rules.contexts[type_of_path(path).name], path, blob)
        for path, blob in staged
    }
    known: dict[str, str] = {}
    wanted = list(keys.values())
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        known.update(
            index.conn.execute(
                f"SELECT key, problems FROM verdicts WHERE key IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
        )
    missing = [(path, blob) for path, blob in staged if keys[path] not in known]
    if missing:
        from ..git import repo as gitrepo
        from .index import in_chunks

        rules.prepare()
        _STAGED.update(rules=rules, blobs=gitrepo.blobs(root, [blob for _, blob in missing]))
        judged = [pair for chunk in in_chunks(_judge_staged, missing) for pair in chunk]
        known.update((keys[path], verdict) for path, verdict in judged)
        index.keep_verdicts([(keys[path], verdict) for path, verdict in judged], wait=False)
    problems = []
    for path, key in keys.items():
        if known.get(key):
            found = json.loads(known[key])["problems"]
            problems += [Problem(path, line, message) for line, message in found]
    return sorted(problems)


_STAGED: dict[str, Any] = {}  # what the forked workers of staged_problems need


def _judge_staged(files: list[tuple[str, str]]) -> list[tuple[str, str]]:
    rules: FileRules = _STAGED["rules"]
    blobs: dict[str, bytes] = _STAGED["blobs"]
    return [(path, rules.judge(path, blobs[blob])) for path, blob in files if blob in blobs]


def check_file(store: Store, path: str) -> list[Problem]:
    """Every problem ``check`` reports in one record file as it is on disk now (used after
    ``edit``): its own, and those it has with the settings and the other records (an
    owner who is not a user, a reference to a missing record, a task id or an invoice
    number used twice), so that ``edit`` never commits a file ``check`` then rejects.
    The verdicts of the other files are the index's, so this costs what a ``check``
    after one edit costs."""
    return [problem for problem in run_checks(store) if problem.path == path]


def duplicate_task_ids(
    store: Store, paths: Iterable[str] | None = None
) -> dict[str, list[tuple[str, int]]]:
    """Task ids used more than once (by a task of the files ``paths``, else by any): id ->
    the (path, line) of each use."""
    index = store.index
    use = "SELECT t.id, t.path, t.line FROM tasks t JOIN files f ON f.path = t.path "
    use += "WHERE f.fatal IS NULL AND t.id IN ({})"
    if paths is None:
        rows = index.conn.execute(
            use.format("SELECT id FROM tasks WHERE id IS NOT NULL GROUP BY id HAVING count(*) > 1")
        ).fetchall()
    else:
        ids = index.select(
            "SELECT id FROM tasks WHERE id IS NOT NULL AND path IN ({})", list(paths)
        )
        rows = index.select(use, sorted({task_id for (task_id,) in ids}))
    by_id: dict[str, list[tuple[str, int]]] = {}
    for task_id, path, line in sorted(rows):
        by_id.setdefault(task_id, []).append((path, line))
    return {task_id: places for task_id, places in by_id.items() if len(places) > 1}


def check_task_ids(store: Store, paths: Iterable[str] | None = None) -> list[Problem]:
    problems = []
    for task_id, places in duplicate_task_ids(store, paths).items():
        for path, line in places:
            others = ", ".join(f"{p}:{n}" for p, n in places if (p, n) != (path, line))
            problems.append(Problem(path, line, f"duplicate task id '{task_id}' (also {others})"))
    return problems


def check_done_boxes(store: Store, paths: Iterable[str] | None = None) -> list[Problem]:
    query = "SELECT path, line, done FROM tasks WHERE checked = 0 AND done IS NOT NULL"
    if paths is None:
        rows = store.index.conn.execute(query).fetchall()
    else:
        rows = store.index.select(query + " AND path IN ({})", list(paths))
    return [
        Problem(path, line, f"open task has done:{done}: tick the box ([x]) or remove done:")
        for path, line, done in rows
    ]


def check_references(store: Store, paths: Iterable[str] | None = None) -> list[Problem]:
    """Reference fields naming missing records, and owners who are not users (from the
    index's ``links``, ``files`` and ``tasks`` tables); in the files ``paths``, else in
    every one."""
    index = store.index
    among = None if paths is None else sorted(set(paths))

    def select(query: str, params: list[str], column: str) -> list[Any]:
        if among is None:
            return index.conn.execute(query, params).fetchall()
        return index.select(f"{query} AND {column} IN ({{}})", among, params)

    problems = []
    rows = select(
        "SELECT l.path, l.field, l.target, json_extract(f.details, '$.lines') FROM links l "
        "JOIN files f ON f.path = l.path WHERE NOT EXISTS (SELECT 1 FROM files t "
        "WHERE t.type = substr(l.target, 1, instr(l.target, ':') - 1) "
        "AND t.slug = substr(l.target, instr(l.target, ':') + 1))",
        [],
        "l.path",
    )
    for path, key, target, lines in rows:
        target_type, _, value = target.partition(":")
        folder = TYPES[target_type].folder
        problems.append(
            Problem(
                path,
                line_of(json.loads(lines), key),
                f"{key}: '{value}' does not exist ({folder}/{value}.md)",
            )
        )
    users = sorted(set(store.config.user_names()))
    if not users:
        return problems
    # the owners from the indexes on them: the rows of the tables are read only for a
    # problem found
    marks = ",".join("?" * len(users))
    rows = select(
        "SELECT path, owner, json_extract(details, '$.lines') FROM files WHERE rowid IN "
        f"(SELECT rowid FROM files WHERE owner NOT IN ({marks})) AND fatal IS NULL",
        users,
        "path",
    )
    problems.extend(
        Problem(
            path,
            line_of(json.loads(lines), "owner"),
            f"owner: '{owner}' is not a user in plaincrm.yaml",
        )
        for path, owner, lines in rows
    )
    rows = select(  # a task's owner: its owner: token, else its record's owner
        "SELECT path, line, json_extract(attrs, '$.owner') AS token FROM tasks WHERE rowid IN "
        f"(SELECT rowid FROM tasks WHERE owner NOT IN ({marks})) "
        f"AND instr(attrs, '\"owner\":') AND token NOT IN ({marks})",
        users + users,
        "path",
    )
    problems.extend(
        Problem(path, line, f"owner:{owner} is not a user in plaincrm.yaml")
        for path, line, owner in rows
    )
    return problems


# Rules across records and of the settings, with each kind's (``RecordType.checks``,
# ``checks``); each file's own rules: ``FileRules``.
CHECKS: list[Check] = [
    check_config,
    check_broken,
    check_task_ids,
    check_done_boxes,
    check_references,
    check_money,
]


def checks() -> list[Check]:
    """``CHECKS`` and every record kind's."""
    return [*CHECKS, *(check for rtype in TYPES.values() for check in rtype.checks)]


def run_checks(store: Store) -> list[Problem]:
    """Every problem of the repository; build the store with ``read_config`` so that
    problems of the settings are reported rather than refused."""
    rules = FileRules(store.config)
    store.checked_index(rules)  # changed files are judged as they are read
    problems = check_files(store, rules)
    for check in checks():
        problems.extend(check(store))
    return sorted(set(problems))


def report_json(problems: list[Problem], files: int) -> dict[str, Any]:
    return {"ok": not problems, "files": files, "problems": [p.as_json() for p in problems]}


# A change of more files than this is checked as a whole (``run_checks``): the rules'
# SQL over every row costs less than over long lists of paths.
TOUCHED_MAX = 2000


def touched_scope(store: Store, paths: Iterable[str]) -> set[str] | None:
    """The record files whose problems a change of the files ``paths`` (added, changed or
    deleted) can make or mend: those of them that are records, the records that refer to
    one of them (a reference to a deleted or renamed record), the campaigns when a record
    is gone (their responses name clients), the deals naming a competitor when a
    competitor card changed.  None when every file is concerned: the settings changed
    (they decide the rules), or too many files did (``TOUCHED_MAX``)."""
    paths = set(paths)
    if CONFIG_NAME in paths or len(paths) > TOUCHED_MAX:
        return None
    records = {path for path in paths if is_record_path(path)}
    if not records:
        return set()
    index = store.index
    targets = sorted(f"{type_of_path(path).name}:{slug_of(path)}" for path in records)
    scope = set(records)
    scope.update(path for (path,) in index.select(LINKING, targets))
    present = {
        path
        for (path,) in index.select("SELECT path FROM files WHERE path IN ({})", sorted(records))
    }
    if records - present:
        scope.update(path for (path,) in index.conn.execute(KIND, ("campaign",)))
    if any(type_of_path(path).name == "competitor" for path in records):
        scope.update(path for (path,) in index.conn.execute(NAMING_COMPETITORS))
    return scope if len(scope) <= TOUCHED_MAX else None


LINKING = "SELECT path FROM links WHERE target IN ({})"
KIND = "SELECT path FROM files WHERE type = ?"
NAMING_COMPETITORS = (
    "SELECT path FROM files WHERE type = 'deal' AND fatal IS NULL "
    "AND json_extract(data, '$.fields.competitor') IS NOT NULL"
)


def check_touched(store: Store, scope: set[str] | None) -> list[Problem]:
    """What ``check`` finds in the files of ``scope`` (``touched_scope``; None: every
    file, ``run_checks``): each file's own problems (the verdicts the index keeps) and
    the rules across records where one of them takes part: duplicate task ids, references
    to missing records, owners who are not users; the checks of each kind touched, for the
    files of the scope (a campaign's audience), or whole when the kind's checks judge it
    whole (``checks_whole``: a document's payments and numbering series)."""
    if scope is None:
        return run_checks(store)
    if not scope:
        return []
    rules = FileRules(store.config)
    store.checked_index(rules)
    problems = check_files(store, rules, scope)
    problems += [problem for problem in store.broken() if problem.path in scope]
    problems += check_task_ids(store, scope)
    problems += check_done_boxes(store, scope)
    problems += check_references(store, scope)
    folders = {path.partition("/")[0] for path in scope}
    for rtype in TYPES.values():
        if rtype.folder not in folders:
            continue
        for check in rtype.checks:
            found = check(store)
            problems += found if rtype.checks_whole else [p for p in found if p.path in scope]
    return sorted(set(problems))
