"""The one way into the records: find the CRM, read through the index, write atomically.

Commands ask the store for records, tasks and references; the store keeps the
index fresh, reports broken files once (one warning line each, the command
goes on without them), resolves REFs and task ids (any unambiguous prefix),
and writes files atomically (temporary file in the same folder, then rename)
followed by one git commit per command.
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from .dates import today
from .errors import (
    AmbiguousError,
    BrokenFileError,
    ConflictError,
    GitError,
    InvalidError,
    NotFoundError,
    Problem,
    RepoNotFoundError,
)
from .ids import SLUG_RE, slugify
from .index import (
    INDEX_DIR,
    TASK_COLUMNS,
    Index,
    ParsedCache,
    Rules,
    blob_id,
    leaves,
    record_from_row,
    task_from_row,
)
from .journal import JOURNAL, Journal
from .model import TYPE_BY_FOLDER, TYPES, Record, RecordType, record_label, slug_of
from .records import ParseFailure, decode, parse_record
from .schemas import ref_fields
from .settings import CONFIG_NAME, Config, User, find_root, load_config
from .tasklines import READ_TOKENS, Task, has_unreadable_token, token_problems

_FILE_NAME_RE = re.compile(r"^[^./\\\x00-\x1f][^/\\\x00-\x1f]*$")  # a hand-named file's REF
WRITE_LOCK = "write.lock"  # in .plaincrm/: held by the command that is writing records
_write_locks: dict[Path, int] = {}  # CRM root -> the lock this process holds (every Store)
_journals: dict[Path, Journal] = {}  # CRM root -> what this process wrote and has not committed
MODIFY_ATTEMPTS = 5  # reads of a file that kept changing while a command wrote it
Warn = Callable[[str], None]


@dataclass
class TaskEntry:
    """A task together with the record it belongs to."""

    task: Task
    path: str
    type: str
    record_title: str
    owner: str | None  # the task's owner token, else the record's owner
    client: str | None = None  # the name of its record's client, once ``Store.add_clients``
    projected: bool = False  # a coming occurrence of a repeating task, not in the file yet

    @property
    def label(self) -> str:
        """How views name the task's record: a deal (ticket, document) with its client,
        ``Danube Hotels Zrt. — Compact machine``; a client by its name."""
        return record_label(self.client, self.record_title)

    @property
    def ref(self) -> str:
        """How to address the task on the command line: its id, else ``REF#N``."""
        return self.task.id or f"{slug_of(self.path)}#{self.task.pos}"

    def as_json(self) -> dict[str, Any]:
        row = self.task.as_row()
        row.update(
            owner=self.owner,
            record=self.path,
            record_type=self.type,
            record_title=self.record_title,
            projected=self.projected,
        )
        return row


@dataclass(frozen=True)
class TaskAt:
    """Where a task reference pointed when it was resolved: the record, the task's
    position in it and its id (None: a task without one).  A change finds the task
    again in the text it changes (``taskops.locate``): by id, else by position."""

    path: str
    pos: int
    id: str | None
    ref: str  # as the user typed it


def discover_root(repo: str | None) -> Path:
    """The CRM root: ``-C/--repo``, else ``PLAINCRM_REPO``, else the nearest ``plaincrm.yaml``."""
    explicit = repo or os.environ.get("PLAINCRM_REPO")
    if explicit:
        path = Path(explicit).expanduser()
        if not (path / CONFIG_NAME).is_file():
            source = "--repo" if repo else "PLAINCRM_REPO"
            raise RepoNotFoundError(
                f"{path} ({source}) is not a plaincrm repository: it has no {CONFIG_NAME} "
                f"(create one with 'plaincrm init {path}')"
            )
        return path.resolve()
    found = find_root(Path.cwd())
    if found is None:
        raise RepoNotFoundError(
            f"no {CONFIG_NAME} in this folder or above: run 'plaincrm init', "
            "or point to a CRM with -C PATH or PLAINCRM_REPO"
        )
    return found


class Store:
    """Records of one CRM root."""

    def __init__(
        self,
        root: Path,
        config: Config | None = None,
        warn: Warn | None = None,
        progress: bool = False,
    ) -> None:
        self.root = root
        self.config = config or load_config(root)
        self.warn = warn or (lambda message: None)
        self.progress = progress
        self.durable = True  # fsync every write; bulk writers sync once at the end instead
        self._warned: set[str] = set()
        self._fresh = False
        self._generation: int | None = None  # the write generation the index was read at
        self._written: set[str] = set()  # files this store wrote: not hand edits
        self._seen: dict[str, str] = {}  # path -> blob id of the text last read or written

    # -------------------------------------------------------------- index

    @cached_property
    def _index(self) -> Index:
        return Index(
            self.root, TYPES.values(), ref_fields, progress=self.progress, cache=self._blob_cache
        )

    def _blob_cache(self) -> ParsedCache:
        """The parses kept by blob id (opened only when many files are to be parsed)."""
        from .blobcache import BlobCache

        return BlobCache(self.root)

    @property
    def index(self) -> Index:
        if not self._fresh:
            self._recover_unlocked()
            self._generation = _generation(self.root)  # before reading: see lock_writes
            self._index.refresh()
            self._fresh = True
        return self._index

    def checked_index(self, rules: Rules) -> Index:
        """The index, brought up to date with ``rules`` judging each changed file in the
        same reading (``check``: ``Index.verdicts`` then has only the others to judge)."""
        self._index.rules = rules
        return self.index

    def day_store(self, day: date, owner: str | None) -> Store:
        """The store the day view of ``owner`` (None: everybody) on ``day`` reads.

        This one, except on the first run in a large CRM (no index yet, or one being
        built): then a store whose index, in memory, holds only what that view needs
        (``firstrun``), while a process of its own builds the whole index; the day
        views run meanwhile take that quick index up rather than wait for the build.
        """
        if self._fresh or not self._index.is_empty():
            return self
        from .firstrun import quick_index

        lock = self._index.try_lock()  # None: another process is building it already
        quick = quick_index(self.root, TYPES.values(), ref_fields, day, owner)
        if quick is None:
            if lock is not None:
                os.close(lock)
            return self
        if lock is not None:
            _build_in_background(self.root, lock)
        other = Store(self.root, self.config, self.warn)
        other.__dict__["_index"] = quick
        other._fresh = True
        other._warned = self._warned
        return other

    def _sql(self, query: str, params: Iterable[Any] = ()) -> list[Any]:
        return self.index.conn.execute(query, tuple(params)).fetchall()

    # -------------------------------------------------------------- broken files

    def broken(self, type_name: str | None = None) -> list[Problem]:
        """Problems of files that cannot be read at all (and are skipped)."""
        query = "SELECT fatal FROM files WHERE fatal IS NOT NULL"
        params: list[str] = []
        if type_name:
            query += " AND type=?"
            params.append(type_name)
        problems = [Problem(**json.loads(row[0])) for row in self._sql(query, params)]
        return sorted(problems)

    def warn_broken(self, type_name: str | None = None) -> None:
        for problem in self.broken(type_name):
            if problem.path not in self._warned:
                self._warned.add(problem.path)
                self.warn(f"{problem} (skipped)")

    def warn_tasks(self, shown: Iterable[tuple[str, Task]]) -> None:
        """Warn about the tasks a command shows, ``(path, task)``, with a token whose
        value cannot be read (``due:2026-13-01``, ``due:monday``): they show without
        it.  As for broken files, once per file per command, naming ``path:line``."""
        found: dict[str, list[tuple[int, str]]] = {}
        for path, task in shown:
            if has_unreadable_token(task.attrs) and path not in self._warned:
                found.setdefault(path, []).extend(_lost_tokens(task.attrs, task.line))
        for path, problems in found.items():
            self._warned.add(path)
            line, message = min(problems)
            more = len(problems) - 1
            also = f" ({more} more in this file: see 'plaincrm check')" if more else ""
            self.warn(f"{path}:{line}: {message}; the task is shown without it{also}")

    def warn_undated(self, owner: str | None) -> None:
        """Warn about the open tasks (of ``owner`` and nobody's) whose ``due:`` cannot be
        read: no day's agenda holds them."""
        mine = " AND (t.owner = ? OR t.owner IS NULL)" if owner is not None else ""
        rows = self._sql(
            "SELECT t.path, t.line, t.attrs FROM tasks t JOIN files f ON f.path = t.path "
            "WHERE t.checked = 0 AND t.due IS NULL AND t.attrs LIKE '%\"due\":%' "
            f"AND f.fatal IS NULL{mine} ORDER BY t.path, t.line",
            [owner] if owner is not None else [],
        )
        found: dict[str, list[tuple[int, str]]] = {}
        for path, line, attrs in rows:
            if path not in self._warned:
                found.setdefault(path, []).extend(_lost_tokens(json.loads(attrs), line))
        for path, problems in found.items():
            self._warned.add(path)
            line, message = problems[0]
            self.warn(f"{path}:{line}: {message}; the task is in no day's agenda")

    # -------------------------------------------------------------- reading

    def _record_from_row(self, type_name: str, path: str, data: str, details: str) -> Record:
        return record_from_row(TYPES[type_name], path, data, details)

    def records(
        self,
        type_name: str,
        *,
        with_tasks: bool = False,
        where: tuple[str, list[Any]] = ("", []),
    ) -> list[Record]:
        """All readable records of a type (broken files are warned about and skipped).

        ``where``: an SQL condition on the ``data`` column (the front matter,
        ``{"fields": ...}``) that the records must meet (``query.sql_prefilter``:
        a list command reads only the records its query can match).
        """
        self.warn_broken(type_name)
        condition, params = where
        if condition:
            from .query import sql_functions

            sql_functions(self.index.conn)
        rows = self._sql(
            "SELECT path, data, details FROM files WHERE type=? AND fatal IS NULL"
            + (f" AND ({condition})" if condition else "")
            + " ORDER BY slug",
            (type_name, *params),
        )
        records = [self._record_from_row(type_name, *row) for row in rows]
        if with_tasks:
            by_path = {record.path: record for record in records}
            for path, *task_row in self._sql(
                f"SELECT t.path, {TASK_COLUMNS} FROM tasks t JOIN files f ON f.path = t.path "
                "WHERE f.type=? ORDER BY t.path, t.pos",
                (type_name,),
            ):
                if path in by_path:
                    by_path[path].tasks.append(task_from_row(task_row))
        return records

    def indexed(self, path: str) -> Record | None:
        """The indexed (front matter and log, no tasks) version of a record, if readable."""
        rows = self._sql(
            "SELECT type, data, details FROM files WHERE path=? AND fatal IS NULL", (path,)
        )
        if not rows:
            return None
        return self._record_from_row(rows[0][0], path, rows[0][1], rows[0][2])

    def titles(self, paths: Iterable[str]) -> dict[str, str]:
        wanted = list(set(paths))
        out: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for path, title, slug in self._sql(
                f"SELECT path, title, slug FROM files WHERE path IN ({marks})", chunk
            ):
                out[path] = title or slug
        return out

    def linked(self, target_type: str, slug: str, field: str | None = None) -> list[str]:
        """Paths of records whose reference fields point at ``target_type:slug``."""
        query = "SELECT path FROM links WHERE target=?"
        params = [f"{target_type}:{slug}"]
        if field:
            query += " AND field=?"
            params.append(field)
        return sorted({row[0] for row in self._sql(query, params)})

    def exists(self, type_name: str, slug: str) -> bool:
        """Whether the record ``slug`` of ``type_name`` exists (a name no file can have,
        too long, does not)."""
        return os.path.exists(os.path.join(self.root, TYPES[type_name].folder, f"{slug}.md"))

    def read_text(self, path: str) -> str:
        """A record file's text.  What a command reads is what it decides on: ``modify``
        refuses to change the file when it holds another text by then."""
        text = self._read(path)
        self._seen[path] = blob_id(text.encode("utf-8"))
        return text

    def _read(self, path: str) -> str:
        full = self.safe_path(path)
        try:
            data = full.read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"{path} does not exist any more") from None
        try:
            return decode(path, data)
        except ParseFailure as failure:
            raise BrokenFileError(failure.problem) from None

    def load(self, path: str) -> Record:
        """Parse a record fresh from disk; a broken file is an error naming the line."""
        rtype = type_of_path(path)
        try:
            return parse_record(rtype, path, self.read_text(path))
        except ParseFailure as failure:
            raise BrokenFileError(failure.problem) from None

    def tasks(
        self,
        *,
        state: str = "open",
        owner: str | None = None,
        due_from: str | None = None,
        due_to: str | None = None,
        done_from: str | None = None,
        paths: Iterable[str] | None = None,
    ) -> list[TaskEntry]:
        """Tasks with their records.

        ``state``: open, done or all.  ``owner``: that owner's tasks plus the
        tasks nobody owns.  ``due_from``/``due_to``: inclusive ISO dates (tasks
        without a due date are left out when either is given).
        """
        self.warn_broken()
        clauses, params = ["f.fatal IS NULL"], []
        if state == "open":
            clauses.append("t.checked = 0")
        elif state == "done":
            clauses.append("t.checked = 1")
        if owner is not None:
            clauses.append("(t.owner = ? OR t.owner IS NULL)")
            params.append(owner)
        if due_from is not None:
            clauses.append("t.due >= ?")
            params.append(due_from)
        if due_to is not None:
            clauses.append("t.due <= ?")
            params.append(due_to)
        if done_from is not None:
            clauses.append("t.done >= ?")
            params.append(done_from)
        if paths is not None:
            wanted = list(paths)
            clauses.append(f"t.path IN ({','.join('?' * len(wanted))})")
            params.extend(wanted)
        rows = self._sql(
            f"SELECT t.path, f.type, coalesce(f.title, f.slug), t.owner, {TASK_COLUMNS} "
            f"FROM tasks t JOIN files f ON f.path = t.path WHERE {' AND '.join(clauses)} "
            "ORDER BY t.due IS NULL, t.due, t.at IS NULL, t.at, t.path, t.pos",
            params,
        )
        entries = [
            TaskEntry(task_from_row(row[4:]), row[0], row[1], row[2], row[3]) for row in rows
        ]
        self.warn_tasks((entry.path, entry.task) for entry in entries)
        return entries

    def add_clients(self, entries: Sequence[TaskEntry]) -> None:
        """Fill in ``client`` of the entries whose record belongs to a client (a deal, a
        ticket, a document: its ``client:``), with one query per 500 records."""
        wanted = sorted({entry.path for entry in entries if entry.type != "client"})
        names: dict[str, str] = {}
        slug = "json_extract(f.data, '$.fields.client')"
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            rows = self._sql(
                f"SELECT f.path, coalesce({CLIENT_NAME}, {slug}) FROM files f "
                f"{client_join(slug)} WHERE f.path IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            names.update((path, name) for path, name in rows if isinstance(name, str) and name)
        for entry in entries:
            entry.client = names.get(entry.path)

    def task_id_taken(self, candidate: str) -> bool:
        return bool(self._sql("SELECT 1 FROM tasks WHERE id=? LIMIT 1", (candidate,)))

    # -------------------------------------------------------------- references

    def resolve(self, ref: str, types: Iterable[str] | None = None) -> str:
        """The path of the record a REF names: a slug, any unambiguous prefix, or folder/slug.

        A prefix that matches one client and records of that client (``danube`` for
        ``clients/danube-hotels`` and ``deals/danube-hotels-2027-...``) names the
        client; several clients, or several records of the ``types`` wanted and no
        client among them, are an ``AmbiguousError`` that lists them."""
        wanted = list(types) if types is not None else list(TYPES)
        raw = unicodedata.normalize("NFC", ref.strip())  # as slugify writes file names
        if raw.lower().endswith(".md"):
            raw = raw[:-3]
        text = raw.lower()
        if "/" in text:
            raw = raw.partition("/")[2]
            folder, _, text = text.partition("/")
            rtype = TYPE_BY_FOLDER.get(folder)
            if rtype is None:
                raise NotFoundError(f"no record '{ref}': '{folder}/' is not a record folder")
            if rtype.name not in wanted:
                listing = f" (list {wanted[0]}s with '{_list_command(wanted[0])}')"
                raise NotFoundError(
                    f"no {_noun(wanted)} '{ref}': {folder}/ holds {folder}"
                    + (listing if len(wanted) == 1 else "")
                )
            wanted = [rtype.name]
        noun = _noun(wanted)
        if (raw != text or not SLUG_RE.match(text)) and _FILE_NAME_RE.match(raw):
            # a file named by hand with capitals, accents or spaces: its exact name
            named = [f"{TYPES[name].folder}/{raw}.md" for name in wanted]
            on_disk = [path for path in named if ".." not in raw and self._is_record_file(path)]
            if len(on_disk) == 1:
                return on_disk[0]
        spelled = slugify(raw, max_length=len(raw) * 4)  # a name as typed: Достоевский
        if (not SLUG_RE.match(text) or ".." in text) and spelled in ("record", text):
            raise NotFoundError(f"no {noun} '{ref}' (a REF is a file name like acme-ltd)")
        named = [f"{TYPES[name].folder}/{text}.md" for name in wanted]
        on_disk = [path for path in named if self._is_record_file(path)]
        if len(on_disk) == 1:  # the whole file name: no need to bring the index up to date
            return on_disk[0]
        marks = ",".join("?" * len(wanted))
        rows: list[Any] = []
        for prefix in dict.fromkeys([text, spelled]):
            if SLUG_RE.match(prefix) and ".." not in prefix and not rows:
                rows = self._sql(
                    f"SELECT path, slug, title, type FROM files WHERE slug >= ? AND slug < ? "
                    f"AND type IN ({marks}) ORDER BY path",
                    (prefix, prefix + "\U0010ffff", *wanted),
                )
                text = prefix if rows else text
        exact = [row for row in rows if row[1] == text]
        matches = exact or rows
        if len(matches) == 1:
            return str(matches[0][0])
        client = self._client_among(matches)
        if client is not None:
            return client
        if not matches:
            raise NotFoundError(
                f"no {noun} '{ref}' (list them with '{_list_command(wanted[0])}')"
                if len(wanted) == 1
                else f"no record '{ref}'"
            )
        listed = "\n".join(f"  {path[:-3]}  {title or ''}" for path, _, title, _ in matches[:20])
        more = f"\n  ... and {len(matches) - 20} more" if len(matches) > 20 else ""
        raise AmbiguousError(f"'{ref}' matches {len(matches)} records; say which:\n{listed}{more}")

    def _client_among(self, matches: list[Any]) -> str | None:
        """The client a REF's matches (rows of path, slug, title, type) mean: the one
        client among them when every other match is one of its records, named after
        it (``danube-hotels-...`` for ``danube-hotels``) or naming it (``client:``)."""
        clients = [row for row in matches if row[3] == "client"]
        if len(clients) != 1:
            return None
        path, slug = str(clients[0][0]), str(clients[0][1])
        others = [row for row in matches if row[0] != path]
        unnamed = [row for row in others if row[1] != slug and not row[1].startswith(slug + "-")]
        if unnamed and not {row[0] for row in unnamed} <= set(self.linked("client", slug)):
            return None
        return path

    def _is_record_file(self, path: str) -> bool:
        """A file the index would hold: regular, or a symlink to a file inside the root
        (never one in a folder that is a symlink leading out of it)."""
        return os.path.isfile(os.path.join(self.root, path)) and not leaves(self.root, path)

    def resolve_task(self, ref: str) -> TaskAt:
        """Where a task id, id prefix, or REF#N points: the record, the task's position and
        its id (what a change finds the task by in the record's text, ``TaskAt``)."""
        text = ref.strip().lower()
        if "#" in text:
            record_ref, _, number = ref.strip().rpartition("#")
            path = self.resolve(record_ref)
            try:  # a broken file: its problem, not "no tasks"
                parse_record(type_of_path(path), path, self._read(path))
            except ParseFailure as failure:
                raise BrokenFileError(failure.problem) from None
            count = self._sql("SELECT count(*) FROM tasks WHERE path=?", (path,))[0][0]
            if not count:
                raise NotFoundError(f"'{ref}': {path} has no tasks")
            if not (number.isascii() and number.isdigit() and len(number) < 10) or not (
                1 <= int(number) <= count
            ):
                from .text import plural

                raise NotFoundError(
                    f"'{ref}': {path} has {plural(count, 'task')}; use {record_ref}#1 to #{count}"
                )
            found = self._sql("SELECT id FROM tasks WHERE path=? AND pos=?", (path, int(number)))
            return TaskAt(path, int(number), found[0][0] if found else None, ref.strip())
        if not text or not re.match(r"^[a-z0-9-]+$", text):
            raise NotFoundError(f"no task '{ref}' (a task id looks like k3x9mw)")
        rows = self._sql(
            "SELECT t.path, t.pos, t.id, t.title FROM tasks t JOIN files f ON f.path=t.path "
            "WHERE t.id >= ? AND t.id < ? AND f.fatal IS NULL ORDER BY t.id",
            (text, text + "\U0010ffff"),
        )
        exact = [row for row in rows if row[2] == text]
        matches = exact or rows
        if len(matches) == 1:
            return TaskAt(str(matches[0][0]), int(matches[0][1]), str(matches[0][2]), ref.strip())
        if not matches:
            from .text import plural

            broken = self.broken()
            raise NotFoundError(
                f"no task '{ref}' (see ids with 'plaincrm task list')"
                + (
                    f"; {plural(len(broken), 'file')} that can't be read may hold it: "
                    + ", ".join(problem.path for problem in broken[:3])
                    + (" ..." if len(broken) > 3 else "")
                    if broken
                    else ""
                )
            )
        listed = "\n".join(f"  {tid}  {title}  ({path})" for path, _, tid, title in matches[:20])
        raise AmbiguousError(
            f"'{ref}' matches {len(matches)} tasks; type more of the id:\n{listed}"
        )

    # -------------------------------------------------------------- writing

    def safe_path(self, path: str) -> Path:
        """The absolute path of ``path``, refusing anything outside the CRM root."""
        root = self.root.resolve()
        full = (root / path).resolve()
        if full != root and root not in full.parents:
            raise InvalidError(f"{path} lies outside the CRM repository; refusing to touch it")
        return root / path

    def lock_writes(self) -> None:
        """Wait for the CRM's write lock and hold it until ``release``: commands that
        write read, change and commit records one at a time, so none loses another's
        change.  A command takes it before it reads what decides its change (every
        domain operation that writes starts with it); what the index said before is
        read again.  Every Store of this process shares it.  Without ``flock``
        (Windows) or a writable ``.plaincrm/``: no lock."""
        key = self.root.resolve()
        if key in _write_locks:
            return
        handle = self._open_lock()
        if handle is None:
            return
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)
        _write_locks[key] = handle
        now = _generation(self.root)
        if now != self._generation or now % 2:  # written since the index was read, or then
            self._fresh = False
        if self._recover():
            self._fresh = False

    def _open_lock(self) -> int | None:
        try:
            import fcntl  # noqa: F401 (not on Windows)

            (self.root / INDEX_DIR).mkdir(exist_ok=True)
            return os.open(self.root / INDEX_DIR / WRITE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except (ImportError, OSError):
            return None

    def release(self) -> None:
        """Let other commands write (the end of a command): what it wrote is final."""
        key = self.root.resolve()
        journal = _journals.pop(key, None)
        if journal is not None:
            journal.clear()
        handle = _write_locks.pop(key, None)
        if handle is not None:
            now = _generation(self.root)
            if now % 2:  # this command wrote (or one before it died writing): done now
                _set_generation(handle, now + 1)
            os.close(handle)

    # -------------------------------------------------------------- the journal

    def _journal(self) -> Journal:
        key = self.root.resolve()
        if key not in _journals:  # the command's first write
            handle = _write_locks.get(key)
            now = _generation(self.root)
            if handle is not None and not now % 2:
                _set_generation(handle, now + 1)
            _journals[key] = Journal(self.root)
        journal = _journals[key]
        journal.durable = self.durable  # a bulk writer syncs the disk once, at its end
        return journal

    def keep(self, paths: Iterable[str]) -> None:
        """The files stay as this command wrote them, uncommitted on purpose (an edit
        saved for its author to fix): not taken back when the command fails."""
        journal = _journals.get(self.root.resolve())
        if journal is not None:
            journal.forget(paths)

    def abandon(self) -> list[str]:
        """Take back what this command wrote and has not committed (it failed): created
        files are removed, changed ones written back.  Returns the files taken back."""
        journal = _journals.get(self.root.resolve())
        if journal is None or not journal.pending():
            return []
        outcome = journal.take_back(self._committed_blobs)
        self._after_write([*outcome.restored, *outcome.kept])
        for path in outcome.restored:
            self._seen.pop(path, None)
        return outcome.restored

    def _recover(self) -> bool:
        """Take back what a command that died (``kill -9``, a crash) wrote before its
        commit; the caller holds the write lock, so that command is over.  True when
        there was a journal."""
        from .journal import recover

        if not (self.root / INDEX_DIR / JOURNAL).exists():
            return False
        outcome = recover(self.root, self._committed_blobs)
        if outcome is None:
            return False
        self._after_write([*outcome.restored, *outcome.kept])
        if outcome.committed:  # killed between its commit and staging it in git's index
            from ..git import repo as gitrepo

            gitrepo.clear_stale_lock(self.root, self.warn)
            gitrepo.stage(self.root, outcome.committed)
        if outcome.restored:
            listed = ", ".join(outcome.restored[:3]) + (
                f" and {len(outcome.restored) - 3} more" if len(outcome.restored) > 3 else ""
            )
            self.warn(
                "an earlier command was stopped before it could commit its change: took "
                f"back its {len(outcome.restored)} uncommitted file(s) ({listed})"
            )
        return True

    def _recover_unlocked(self) -> None:
        """``_recover`` for a command that does not write (it reads a complete CRM): when
        a journal was left behind and no command is writing, take it back now."""
        key = self.root.resolve()
        if key in _write_locks or not (self.root / INDEX_DIR / JOURNAL).exists():
            return
        handle = self._open_lock()
        if handle is None:
            return
        import fcntl

        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a command is writing: its journal is no leftover
            os.close(handle)
            return
        try:
            self._recover()
        finally:
            os.close(handle)

    def _committed_blobs(self, paths: list[str]) -> dict[str, str]:
        """The blob ids HEAD has for ``paths`` (none outside git)."""
        from ..git import repo as gitrepo

        if not self.config.git_commit or not gitrepo.available():
            return {}
        try:
            return gitrepo.head_blobs(self.root, paths)
        except GitError:
            return {}

    # -------------------------------------------------------------- writing files

    def write(self, path: str, text: str) -> None:
        """Replace a record file atomically."""
        self.lock_writes()
        _writable(path, text)
        full = self.safe_path(path)
        try:
            before: str | None = self._read(path)
        except (NotFoundError, BrokenFileError):
            before = None if not full.exists() else full.read_bytes().decode("utf-8", "replace")
        self._journal().note(path, before, text)
        self._put(full, text)
        self._after_write([path])

    def replace(self, path: str, text: str, expected: str) -> bool:
        """Replace a record file that still holds ``expected`` with ``text``; False (and
        nothing written) when it holds something else by now (a hand edit saved meanwhile)."""
        full = self.safe_path(path)
        _writable(path, text)
        self._journal().note(path, expected, text)
        if not self._put(full, text, expected=expected.encode("utf-8")):
            return False
        self._after_write([path])
        return True

    def _put(self, full: Path, text: str, expected: bytes | None = None) -> bool:
        mode = full.stat().st_mode & 0o7777 if full.exists() else None
        tmp = _write_temp(full, text, self.durable)
        if mode is not None:
            os.chmod(tmp, mode)
        if expected is not None:
            try:
                unchanged = full.read_bytes() == expected
            except FileNotFoundError:
                unchanged = False
            if not unchanged:
                os.unlink(tmp)
                return False
        os.replace(tmp, full)
        return True

    def create(self, path: str, text: str) -> None:
        """Create a record file atomically; never overwrite an existing one."""
        self.lock_writes()
        _writable(path, text)
        full = self.safe_path(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        if full.exists():
            raise ConflictError(f"{path} already exists; not overwriting it")
        self._journal().note(path, None, text)
        tmp = _write_temp(full, text, self.durable)
        try:
            os.link(tmp, full)
        except FileExistsError:
            raise ConflictError(f"{path} already exists; not overwriting it") from None
        finally:
            os.unlink(tmp)
        self._seen[path] = blob_id(text.encode("utf-8"))
        self._after_write([path])

    def written(self, paths: list[str]) -> None:
        """Files another store of this process wrote: read them into this store's index
        now, in one go (a bulk writer writes through a store without an open index)."""
        self._after_write(paths)

    def remove(self, path: str) -> None:
        """Delete a record file (``undo`` of the change that created it)."""
        self.lock_writes()
        self.safe_path(path).unlink(missing_ok=True)
        self._after_write([path])

    def _after_write(self, paths: list[str]) -> None:
        self._written.update(paths)
        if "_index" in self.__dict__:
            self._index.update(paths)

    def commit(
        self,
        paths: list[str],
        message: str,
        *,
        by_plaincrm: bool = True,
        yours: bool | None = None,
        trailers: Sequence[tuple[str, str]] = (),
    ) -> str | None:
        """Commit exactly ``paths`` (one commit per command) when git is on;
        ``by_plaincrm=False``: a hand edit that plaincrm only commits.  A change of
        yours (by default: one plaincrm made) names you in a trailer, which is how
        ``plaincrm undo`` finds your last change; ``trailers`` are more of them.
        When the commit fails, what the command wrote is taken back (``abandon``):
        nothing stays behind for the next command to commit as a hand edit."""
        done = self._commit(paths, message, by_plaincrm, yours, trailers)
        journal = _journals.get(self.root.resolve())
        if journal is not None:
            journal.forget(paths)
        return done

    def _commit(
        self,
        paths: list[str],
        message: str,
        by_plaincrm: bool,
        yours: bool | None,
        trailers: Sequence[tuple[str, str]],
    ) -> str | None:
        if not self.config.git_commit:
            return None
        from ..git import repo as gitrepo

        if gitrepo.toplevel(self.root) is None:
            here = self.root.resolve()
            in_git = any((folder / ".git").exists() for folder in (here, *here.parents))
            if in_git and not gitrepo.available():
                self.warn(
                    f"git is not installed: {', '.join(sorted(set(paths)))} is saved but not "
                    "committed (commit it once git is back, e.g. with 'plaincrm sync')"
                )
            return None
        user = self.current_user()
        mine = by_plaincrm if yours is None else yours
        try:
            return gitrepo.commit(
                self.root,
                sorted(set(paths)),
                message,
                user or "plaincrm",
                by_plaincrm=by_plaincrm,
                trailers=[*([(gitrepo.USER_KEY, user)] if mine and user else []), *trailers],
                author=self.author(),
                warn=self.warn,
            )
        except GitError as error:
            taken = self.abandon()
            if taken:
                raise GitError(
                    f"{error.message}; nothing was changed ({', '.join(taken[:3])}"
                    f"{' ...' if len(taken) > 3 else ''} as before)"
                ) from None
            raise

    # -------------------------------------------------------------- people

    @cached_property
    def _git_identity(self) -> tuple[str | None, str | None]:
        from ..git import repo as gitrepo

        if not gitrepo.available():
            return None, None
        return gitrepo.identity(self.root)

    def _acting_user(self) -> User | None:
        """The team member named by PLAINCRM_USER, else the one matching git's
        user.email/user.name."""
        env = os.environ.get("PLAINCRM_USER")
        candidates = [env] if env else list(reversed(self._git_identity))
        for candidate in candidates:
            if candidate:
                user = self.config.find_user(candidate)
                if user:
                    return user
        return None

    def current_user(self) -> str | None:
        """PLAINCRM_USER, else the team member matching git's user.email/user.name."""
        user = self._acting_user()
        if user:
            return user.name
        return os.environ.get("PLAINCRM_USER") or self._git_identity[0]

    def author(self) -> tuple[str, str] | None:
        """The author (name, e-mail) of the commits this store makes: the acting plaincrm
        user, with the ``full_name`` and ``email`` of plaincrm.yaml (git's identity stays
        the committer), so that ``history`` credits Ben's change to Ben when he works on
        Anna's machine.  None when the author git would write (``GIT_AUTHOR_NAME`` and
        ``GIT_AUTHOR_EMAIL``, else user.name and user.email) is the acting user's own, or
        nobody else is named: git's author is then right as it is."""
        user = self._acting_user()
        env = os.environ.get("PLAINCRM_USER")
        git_name = os.environ.get("GIT_AUTHOR_NAME") or self._git_identity[0]
        git_email = os.environ.get("GIT_AUTHOR_EMAIL") or self._git_identity[1]
        if user is None:
            return (env, "") if env and env.lower() != (git_name or "").lower() else None
        for known in (git_email, git_name):
            if known and self.config.find_user(known) is user:
                return None
        return user.full_name or user.name, user.email or ""

    def default_owner(self) -> str | None:
        """Whose work the daily views show by default: the current user, or all (None)."""
        if not self.config.users:
            return None
        return self.current_user()

    def today(self) -> date:
        return today()

    def modify(
        self, path: str, edit: Callable[[str], str], message: str, *, commit: bool = True
    ) -> str:
        """Apply ``edit`` to a record's text, give id-less tasks ids, write and commit.

        ``edit`` gets the text as it is under the write lock and finds in that text
        what it changes (a task by its id, a field by its key); it decides there,
        and raises a ``PlaincrmError`` to refuse.  When the file changes between
        this read and the write (a hand edit saved that moment), it is read again
        and ``edit`` runs again on the new text.  A command that read the file
        before (``load``/``read_text``) to decide what to change gets a
        ConflictError instead when the file no longer holds what it read.

        Returns the new text.  Nothing is written when the text does not change.
        ``commit=False`` only writes (``modify_all`` commits several files together).
        """
        from .records import assign_missing_ids

        self.lock_writes()  # before reading: what is read is what gets changed
        rtype = type_of_path(path)
        decided = self._seen.get(path)
        for _ in range(MODIFY_ATTEMPTS):
            text = self._read(path)
            if decided is not None and blob_id(text.encode("utf-8")) != decided:
                raise ConflictError(_changed_meanwhile(path))
            try:
                parse_record(rtype, path, text)
            except ParseFailure as failure:
                raise BrokenFileError(failure.problem) from None
            self._commit_hand_edit(path)
            new = edit(text)
            new, _ = assign_missing_ids(new, self.task_id_taken)
            try:
                parse_record(rtype, path, new)
            except ParseFailure as failure:
                raise InvalidError(
                    f"not writing {path}: the change would leave it unreadable ({failure.problem})"
                ) from None
            if new == text:
                return new
            if self.replace(path, new, text):
                break
            if decided is not None:
                raise ConflictError(_changed_meanwhile(path))
        else:
            raise ConflictError(
                f"{path} kept changing while this command tried to write it; nothing was "
                "written: run the command again"
            )
        self._seen[path] = blob_id(new.encode("utf-8"))
        if commit:
            self.commit([path], message)
        return new

    def _commit_hand_edit(self, path: str) -> None:
        """An edit of ``path`` made by hand and not committed yet gets a commit of its
        own before a command changes the file, so that ``history`` credits it to
        whoever made it, by hand, and the command's commit holds the command's change."""
        if not self.config.git_commit or path in self._written:
            return
        from ..git import repo as gitrepo

        if gitrepo.uncommitted(self.root, path):
            self.commit([path], f"hand edits to {path}", by_plaincrm=False)

    def modify_all(
        self,
        edits: Iterable[tuple[str, Callable[[str], str]]],
        message: str,
        *,
        created: Sequence[str] = (),
    ) -> None:
        """One command's change of several files in one commit: apply each
        ``(path, edit)`` as ``modify`` does and commit them with the files the
        command ``created`` before.  When an edit fails nothing stays: the
        created files are removed and the edited ones written back."""
        paths: list[str] = []
        self.lock_writes()
        try:
            for path, edit in edits:
                paths.append(path)
                self.modify(path, edit, "", commit=False)
        except BaseException:
            self.abandon()
            raise
        self.commit([*created, *paths], message)


def _generation(root: Path) -> int:
    """How often commands wrote records: the number in ``.plaincrm/write.lock``, made odd
    by a command before its first write and even again when it ends.  A command that
    read the index while it was even and finds the same number once it holds the lock
    knows no command wrote meanwhile; an odd one is a command writing then, or one that
    died writing."""
    try:
        with open(root / INDEX_DIR / WRITE_LOCK, "rb") as handle:
            text = handle.read(32)
    except OSError:
        return 0
    return int(text) if text.strip().isdigit() else 0


def _set_generation(handle: int, value: int) -> None:
    data = b"%d\n" % value
    os.pwrite(handle, data, 0)
    os.ftruncate(handle, len(data))


def _changed_meanwhile(path: str) -> str:
    return (
        f"{path} changed while this command was working on it (saved by hand at that "
        "moment?); nothing was written: run the command again"
    )


P = ParamSpec("P")
R = TypeVar("R")


def writes(operation: Callable[Concatenate[Store, P], R]) -> Callable[Concatenate[Store, P], R]:
    """Mark a domain operation that changes records (its first argument is the Store): it
    takes the write lock before anything else, so every read that decides what to
    change -- which name is free, what state a record is in, the next number of a
    series -- is made under the lock, with the index read again after waiting for
    it.  The texts it then changes are those it decided on (``modify``)."""

    @functools.wraps(operation)
    def run(store: Store, /, *args: P.args, **kwargs: P.kwargs) -> R:
        store.lock_writes()
        return operation(store, *args, **kwargs)

    return run


def _lost_tokens(attrs: dict[str, str], line: int) -> list[tuple[int, str]]:
    """The problems of a task's due/at/dur/done tokens (those read as values)."""
    return token_problems({k: v for k, v in attrs.items() if k in READ_TOKENS}, line)


def _build_in_background(root: Path, lock: int) -> None:
    """Start a process of its own (a new session: it outlives this one and its terminal)
    that builds the index of ``root``, handing it the build lock (closed here)."""
    import sys

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from plaincrm.core.store import build_index; build_index(sys.argv[2], int(sys.argv[3]))"
    )
    package = str(Path(__file__).resolve().parents[2])  # the folder that holds plaincrm/
    quiet = [(os.POSIX_SPAWN_OPEN, fd, os.devnull, os.O_RDWR, 0) for fd in (0, 1, 2)]
    try:
        os.set_inheritable(lock, True)
        os.posix_spawn(
            sys.executable,
            [sys.executable, "-c", code, package, str(root), str(lock)],
            os.environ,
            file_actions=quiet,
            setsid=True,
        )
    except OSError:
        pass  # the next command that needs the index builds it
    finally:
        os.close(lock)


def build_index(root: str, lock: int) -> None:
    """Build the index of ``root`` holding the build lock ``lock`` (the background process
    a first ``today`` starts); at a lower priority than the commands people wait for."""
    from .firstrun import forget_snapshots

    os.nice(10)
    from .blobcache import BlobCache

    crm = Path(root)
    Index(crm, TYPES.values(), ref_fields, lock=lock, cache=lambda: BlobCache(crm)).refresh()
    forget_snapshots(Path(root))  # the quick indexes of the commands run meanwhile


CLIENT_NAME = "coalesce(c.title, c.slug)"  # SQL: the name of the client of ``client_join``


def client_join(slug: str) -> str:
    """SQL: ``LEFT JOIN`` of the index row, as ``c``, of the client whose slug the SQL
    ``slug`` gives (``CLIENT_NAME``: its name, as ``Store.titles`` gives it; NULL for none):
    the names of many records' clients in the one query that reads the records."""
    return f"LEFT JOIN files c ON c.path = '{TYPES['client'].folder}/' || {slug} || '.md'"


def type_of_path(path: str) -> RecordType:
    folder = path.split("/", 1)[0]
    rtype = TYPE_BY_FOLDER.get(folder)
    if rtype is None:
        raise NotFoundError(f"{path} is not in a record folder")
    return rtype


def _noun(types: list[str]) -> str:
    return types[0] if len(types) == 1 else "record"


def _list_command(type_name: str) -> str:
    """The command that lists the records of a type."""
    return TYPES[type_name].listed_by()


def _writable(path: str, text: str) -> None:
    """Refuse a text no file can hold, before anything (the journal, a temporary file) is
    written: bytes that are not UTF-8 reach Python as lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidError(
            f"not writing {path}: the text holds bytes that are not UTF-8 (from a "
            "terminal or file in another encoding); give it again as UTF-8"
        ) from None


def _write_temp(full: Path, text: str, durable: bool = True) -> Path:
    import secrets

    tmp = full.parent / f".{full.name}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    return tmp
