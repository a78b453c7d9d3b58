"""The one way into the records: find the CRM, read through the index, write atomically.

Commands ask the store for records, tasks and references; the store keeps the
index fresh, reports broken files once (one warning line each, the command
goes on without them), resolves REFs and task ids (any unambiguous prefix),
and writes files atomically (temporary file in the same folder, then rename)
followed by one git commit per command.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from .config import CONFIG_NAME, Config, find_root, load_config
from .dates import today
from .errors import (
    AmbiguousError,
    BrokenFileError,
    ConflictError,
    InvalidError,
    NotFoundError,
    Problem,
    RepoNotFoundError,
)
from .index import INDEX_DIR, TASK_COLUMNS, Index, Rules, record_from_row, task_from_row
from .model import TYPE_BY_FOLDER, TYPES, Record, RecordType, slug_of
from .records import ParseFailure, decode, parse_record
from .schemas import load_schema
from .tasks import Task

_REF_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_FILE_NAME_RE = re.compile(r"^[^./\\\x00-\x1f][^/\\\x00-\x1f]*$")  # a hand-named file's REF
WRITE_LOCK = "write.lock"  # in .plaincrm/: held by the command that is writing records
_write_locks: dict[Path, int] = {}  # CRM root -> the lock this process holds (every Store)
Warn = Callable[[str], None]


@dataclass
class TaskEntry:
    """A task together with the record it belongs to."""

    task: Task
    path: str
    type: str
    record_title: str
    owner: str | None  # the task's owner token, else the record's owner

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
        )
        return row


def ref_fields(rtype: RecordType) -> dict[str, str]:
    """Front matter fields of ``rtype`` that name another record (``x-ref`` in the schema)."""
    props = load_schema(rtype.schema).get("properties", {})
    return {
        key: prop["x-ref"]
        for key, prop in props.items()
        if isinstance(prop, dict) and prop.get("x-ref") in TYPES
    }


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
        self._written: set[str] = set()  # files this store wrote: not hand edits

    # -------------------------------------------------------------- index

    @cached_property
    def _index(self) -> Index:
        return Index(self.root, TYPES.values(), ref_fields, progress=self.progress)

    @property
    def index(self) -> Index:
        if not self._fresh:
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
        return (self.root / TYPES[type_name].folder / f"{slug}.md").exists()

    def read_text(self, path: str) -> str:
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
        return [TaskEntry(task_from_row(row[4:]), row[0], row[1], row[2], row[3]) for row in rows]

    def task_id_taken(self, candidate: str) -> bool:
        return bool(self._sql("SELECT 1 FROM tasks WHERE id=? LIMIT 1", (candidate,)))

    # -------------------------------------------------------------- references

    def resolve(self, ref: str, types: Iterable[str] | None = None) -> str:
        """The path of the record a REF names: a slug, any unambiguous prefix, or folder/slug."""
        wanted = list(types) if types is not None else list(TYPES)
        raw = ref.strip()
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
        if (raw != text or not _REF_RE.match(text)) and _FILE_NAME_RE.match(raw):
            # a file named by hand with capitals, accents or spaces: its exact name
            named = [f"{TYPES[name].folder}/{raw}.md" for name in wanted]
            on_disk = [path for path in named if ".." not in raw and self._is_record_file(path)]
            if len(on_disk) == 1:
                return on_disk[0]
        if not _REF_RE.match(text) or ".." in text:
            raise NotFoundError(f"no {noun} '{ref}' (a REF is a file name like acme-ltd)")
        named = [f"{TYPES[name].folder}/{text}.md" for name in wanted]
        on_disk = [path for path in named if self._is_record_file(path)]
        if len(on_disk) == 1:  # the whole file name: no need to bring the index up to date
            return on_disk[0]
        marks = ",".join("?" * len(wanted))
        rows = self._sql(
            f"SELECT path, slug, title FROM files WHERE slug >= ? AND slug < ? "
            f"AND type IN ({marks}) ORDER BY path",
            (text, text + "\U0010ffff", *wanted),
        )
        exact = [row for row in rows if row[1] == text]
        matches = exact or rows
        if len(matches) == 1:
            return str(matches[0][0])
        if not matches:
            raise NotFoundError(
                f"no {noun} '{ref}' (list them with '{_list_command(wanted[0])}')"
                if len(wanted) == 1
                else f"no record '{ref}'"
            )
        listed = "\n".join(f"  {path[:-3]}  {title or ''}" for path, _, title in matches[:20])
        more = f"\n  ... and {len(matches) - 20} more" if len(matches) > 20 else ""
        raise AmbiguousError(f"'{ref}' matches {len(matches)} records; say which:\n{listed}{more}")

    def _is_record_file(self, path: str) -> bool:
        """A file the index would hold: regular, or a symlink to a file inside the root."""
        full = os.path.join(self.root, path)
        if os.path.islink(full):
            root = os.path.realpath(self.root)
            if os.path.commonpath([os.path.realpath(full), root]) != root:
                return False
        return os.path.isfile(full)

    def resolve_task(self, ref: str) -> tuple[str, int]:
        """The record path and task position of a task id, id prefix, or REF#N."""
        text = ref.strip().lower()
        if "#" in text:
            record_ref, _, number = ref.strip().rpartition("#")
            path = self.resolve(record_ref)
            self.load(path)  # a broken file: its problem, not "no tasks"
            count = self._sql("SELECT count(*) FROM tasks WHERE path=?", (path,))[0][0]
            if not count:
                raise NotFoundError(f"'{ref}': {path} has no tasks")
            if not number.isdigit() or not 1 <= int(number) <= count:
                raise NotFoundError(
                    f"'{ref}': {path} has {count} task(s); use {record_ref}#1 to #{count}"
                )
            return path, int(number)
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
            return str(matches[0][0]), int(matches[0][1])
        if not matches:
            broken = self.broken()
            raise NotFoundError(
                f"no task '{ref}' (see ids with 'plaincrm task list')"
                + (
                    f"; {len(broken)} file(s) that can't be read may hold it: "
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
        change.  Every Store of this process shares it.  Without ``flock`` (Windows)
        or a writable ``.plaincrm/``: no lock."""
        key = self.root.resolve()
        if key in _write_locks:
            return
        try:
            import fcntl

            (self.root / INDEX_DIR).mkdir(exist_ok=True)
            handle = os.open(self.root / INDEX_DIR / WRITE_LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except (ImportError, OSError):
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        _write_locks[key] = handle

    def release(self) -> None:
        """Let other commands write (the end of a command)."""
        handle = _write_locks.pop(self.root.resolve(), None)
        if handle is not None:
            os.close(handle)

    def write(self, path: str, text: str) -> None:
        """Replace a record file atomically."""
        self.lock_writes()
        full = self.safe_path(path)
        mode = full.stat().st_mode & 0o7777 if full.exists() else None
        tmp = _write_temp(full, text, self.durable)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, full)
        self._after_write([path])

    def create(self, path: str, text: str) -> None:
        """Create a record file atomically; never overwrite an existing one."""
        self.lock_writes()
        full = self.safe_path(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        tmp = _write_temp(full, text, self.durable)
        try:
            os.link(tmp, full)
        except FileExistsError:
            raise ConflictError(f"{path} already exists; not overwriting it") from None
        finally:
            os.unlink(tmp)
        self._after_write([path])

    def _after_write(self, paths: list[str]) -> None:
        self._written.update(paths)
        if "_index" in self.__dict__:
            self._index.update(paths)

    def commit(self, paths: list[str], message: str, *, by_plaincrm: bool = True) -> str | None:
        """Commit exactly ``paths`` (one commit per command) when git is on;
        ``by_plaincrm=False``: a hand edit that plaincrm only commits."""
        if not self.config.git_commit:
            return None
        from . import gitrepo

        if gitrepo.toplevel(self.root) is None:
            here = self.root.resolve()
            in_git = any((folder / ".git").exists() for folder in (here, *here.parents))
            if in_git and not gitrepo.available():
                self.warn(
                    f"git is not installed: {', '.join(sorted(set(paths)))} is saved but not "
                    "committed (commit it once git is back, e.g. with 'plaincrm sync')"
                )
            return None
        return gitrepo.commit(
            self.root,
            sorted(set(paths)),
            message,
            self.current_user() or "plaincrm",
            by_plaincrm=by_plaincrm,
        )

    # -------------------------------------------------------------- people

    @cached_property
    def _git_identity(self) -> tuple[str | None, str | None]:
        from . import gitrepo

        if not gitrepo.available():
            return None, None
        return gitrepo.identity(self.root)

    def current_user(self) -> str | None:
        """PLAINCRM_USER, else the team member matching git's user.email/user.name."""
        env = os.environ.get("PLAINCRM_USER")
        candidates = [env] if env else list(reversed(self._git_identity))
        for candidate in candidates:
            if candidate:
                user = self.config.find_user(candidate)
                if user:
                    return user.name
        if env:
            return env
        return self._git_identity[0]

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

        Returns the new text.  Nothing is written when the text does not change.
        ``commit=False`` only writes (``modify_all`` commits several files together).
        """
        from .records import assign_missing_ids

        self.lock_writes()  # before reading: what is read is what gets changed
        text = self.read_text(path)
        rtype = type_of_path(path)
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
        if new != text:
            self.write(path, new)
            if commit:
                self.commit([path], message)
        return new

    def _commit_hand_edit(self, path: str) -> None:
        """An edit of ``path`` made by hand and not committed yet gets a commit of its
        own before a command changes the file, so that ``history`` credits it to
        whoever made it, by hand, and the command's commit holds the command's change."""
        if not self.config.git_commit or path in self._written:
            return
        from . import gitrepo

        if gitrepo.uncommitted(self.root, path):
            self.commit([path], f"hand edits to {path}", by_plaincrm=False)

    def rollback(self, created: Iterable[str], before: dict[str, str]) -> None:
        """Undo what a failed multi-file command wrote before its commit: remove the
        files it ``created`` and write back the texts it read ``before`` (path -> text)."""
        created = list(created)
        for path in created:
            self.safe_path(path).unlink(missing_ok=True)
        self._after_write(created)
        for path, text in before.items():
            if self.read_text(path) != text:
                self.write(path, text)

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
        before: dict[str, str] = {}
        self.lock_writes()
        try:
            for path, edit in edits:
                before[path] = self.read_text(path)
                self.modify(path, edit, "", commit=False)
        except BaseException:
            self.rollback(created, before)
            raise
        self.commit([*created, *before], message)


def _build_in_background(root: Path, lock: int) -> None:
    """Start a process of its own (a new session: it outlives this one and its terminal)
    that builds the index of ``root``, handing it the build lock (closed here)."""
    import sys

    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); "
        "from plaincrm.store import build_index; build_index(sys.argv[2], int(sys.argv[3]))"
    )
    package = str(Path(__file__).resolve().parent.parent)
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
    Index(Path(root), TYPES.values(), ref_fields, lock=lock).refresh()
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
    special = {"document": "doc list", "competitor": "report competitors"}
    return f"plaincrm {special.get(type_name, type_name + ' list')}"


def _write_temp(full: Path, text: str, durable: bool = True) -> Path:
    import secrets

    tmp = full.parent / f".{full.name}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        if durable:
            os.fsync(handle.fileno())
    return tmp
