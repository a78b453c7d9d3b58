"""The incremental index: every record's parsed front matter and tasks in SQLite.

It lives in ``.plaincrm/index.sqlite`` under the CRM root (git-ignored).  Each
command calls ``refresh``, which finds the record files that changed since the
index last saw them and parses only those (``docs/performance.md`` has the
measurements behind these choices):

* In a git work tree, git answers most of the question.  A file that
  ``git ls-files`` lists with blob id B and ``git diff-files`` does not report
  as changed has exactly the content B (git stats in C and settles the racy
  cases by comparing content), and the index keeps the blob id of the bytes
  it parsed.  The index also remembers git's listing, the stamps of the
  record folders and a "recheck" list (untracked, changed, racy, or files git
  does not vouch for), so a warm run looks only at the entries of the listing
  that changed, the files git reports, the recheck list and, in a folder
  whose stamps changed, the untracked names: no work per record.  git is
  asked for its listing only when its index file changed since it was
  listed (``git_index_key``); otherwise ``git diff-files`` runs alone.
* Outside git (or without git) every file's stat signature is compared:
  modification and change time in nanoseconds, size and inode.
* Either way, a file written less than ``RACY_SECONDS`` before it was read is
  read again on the next run, since a further change within the same clock
  tick could leave its stat data unchanged.

Deleted files are dropped.  A change to the parser (plaincrm's version, the
record types or their schemas) rebuilds the index.  Deleting or corrupting the
file only costs a rebuild; SQLite's locking (WAL, ``BEGIN IMMEDIATE``) keeps
two processes from corrupting it, and a process that finds the index written
by another since it looked makes the next run compare every file.  An empty
index is built by one process at a time (an ``flock`` on ``LOCK_NAME``): the
others wait, then find it up to date.  A large build parses on every core
(fork) and shows its progress on a terminal.  The first ``today`` in a large
CRM does not wait for it (``firstrun``).
"""

from __future__ import annotations

import gc
import json
import os
import re
import sqlite3
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

from .. import __version__
from .errors import Problem
from .model import TYPES, LogEntry, Record, RecordType
from .records import ParseFailure, decode, parse_record
from .tasklines import Task

SCHEMA_VERSION = 11  # 9: every: task key, clients' mail facts; 11: with the verdicts
RACY_SECONDS = 3
INDEX_DIR = ".plaincrm"
CLOCK_NAME = "clock"  # in INDEX_DIR: touched to read the filesystem's clock
INDEX_NAME = "index.sqlite"
LOCK_NAME = "build.lock"  # held by the process that builds an empty index
CREATE_LOCK_NAME = "create.lock"  # held while the index file is made or replaced
PARALLEL_MIN = 1500  # fewer changed files than this are parsed in the process itself
PROGRESS_MIN = 2000  # a build of at least this many files shows progress on a terminal
ANALYZE_MIN = 500  # a change this big refreshes SQLite's statistics
_FORGET_LISTING = "DELETE FROM meta WHERE key IN ('listing', 'git_index')"
_CHUNK = 400

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, type TEXT NOT NULL, slug TEXT NOT NULL,
    mtime INTEGER, size INTEGER, ino INTEGER, ctime INTEGER, racy INTEGER, blob TEXT,
    title TEXT, owner TEXT, fatal TEXT, data TEXT, details TEXT);
-- covers the comparison with the disk, and the record of each row a query joins
CREATE INDEX IF NOT EXISTS files_stat
    ON files(path, blob, mtime, size, ino, ctime, racy, type, title, slug, fatal);
CREATE INDEX IF NOT EXISTS files_slug ON files(slug);
CREATE INDEX IF NOT EXISTS files_fatal ON files(type) WHERE fatal IS NOT NULL;
CREATE INDEX IF NOT EXISTS files_type ON files(type, slug);
CREATE INDEX IF NOT EXISTS files_owner ON files(owner);
CREATE TABLE IF NOT EXISTS tasks(
    path TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT, checked INTEGER NOT NULL,
    title TEXT, due TEXT, at TEXT, dur INTEGER, done TEXT, owner TEXT,
    line INTEGER, note TEXT, attrs TEXT, PRIMARY KEY(path, pos));
CREATE INDEX IF NOT EXISTS tasks_open ON tasks(checked, due);
CREATE INDEX IF NOT EXISTS tasks_mine ON tasks(checked, owner, due);
CREATE INDEX IF NOT EXISTS tasks_id ON tasks(id);
CREATE INDEX IF NOT EXISTS tasks_done ON tasks(checked) WHERE checked = 0 AND done IS NOT NULL;
CREATE TABLE IF NOT EXISTS links(
    path TEXT NOT NULL, field TEXT NOT NULL, target TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS links_target ON links(target);
CREATE INDEX IF NOT EXISTS links_path ON links(path);
CREATE TABLE IF NOT EXISTS facts(
    path TEXT PRIMARY KEY, type TEXT NOT NULL, owner TEXT, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS facts_type ON facts(type, owner);
CREATE TABLE IF NOT EXISTS verdicts(key TEXT PRIMARY KEY, problems TEXT NOT NULL) WITHOUT ROWID;
"""


def facts_functions() -> dict[str, Callable[[Record], dict[str, Any] | None]]:
    """Per record type, the few facts a hot path needs (``RecordType.facts``: a small JSON
    object in the ``facts`` table; None: no row), so that it reads one small row per
    record instead of the whole record: e.g. what ``today`` checks of each open deal.
    Changing what a facts function returns needs a new SCHEMA_VERSION.  The functions
    import what computes the facts when first called (so commands that only read the
    index never import those modules)."""
    return {t.name: t.facts() for t in TYPES.values() if t.facts is not None}


Signature = tuple[int, int, int, int]  # mtime_ns, size, ino, ctime_ns
FileRow = tuple[Any, ...]
# rows of the tables files, tasks, links, facts and verdicts
Rows = tuple[list[FileRow], list[FileRow], list[FileRow], list[FileRow], list[FileRow]]


def empty_rows() -> Rows:
    return ([], [], [], [], [])


class Rules(Protocol):
    """What ``check`` finds in one record file on its own (``check.FileRules``): the index
    keeps each file's verdict, a JSON text ("" for nothing found), under ``verdict_key``
    of the file's path and blob id and of the context of its record type (``contexts``:
    type name -> what else the verdict depends on, such as the settings its rules read)."""

    contexts: dict[str, str]
    texts: frozenset[str]  # the types whose verdicts read the file's text, not only its record

    def prepare(self) -> None:
        """Load what judging any file needs (before forking the workers that judge)."""

    def verdict(self, record: Record, text: str) -> str:
        """The verdict of a record and its text ("" where the type's rules do not read it)."""
        raise NotImplementedError

    def unreadable(self, problem: Problem) -> str:
        """The verdict of a file that cannot be read as a record at all."""
        raise NotImplementedError


# One file's rows kept by blob id: its ``files`` row (without a stat signature), and its
# rows of ``tasks``, ``links`` and ``facts``.
Parsed = tuple[list[Any], list[list[Any]], list[list[Any]], list[list[Any]]]
CACHE_MIN = 500  # a parse of this many files git vouches for asks the blob cache first


class ParsedCache(Protocol):
    """Parsed records kept by ``(path, git blob id)`` (``blobcache.BlobCache``)."""

    def get(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Parsed]:
        """The parses kept of those keys."""
        raise NotImplementedError

    def keep_parsed(self, parsed: Iterable[tuple[str, str, Parsed]]) -> None:
        """Keep these parses ``(path, blob id, rows)``."""

    def close(self) -> None:
        """Close the cache."""


def verdict_key(context: str, path: str, blob: str) -> str:
    """The key of a file's verdict (``verdicts`` table; SQL: ``_VERDICT_KEY``)."""
    return f"{context}:{path}:{blob}"


@dataclass
class Scanned:
    """A record file found on disk, with its stat signature."""

    path: str
    type: RecordType
    slug: str
    stat: Signature | None  # None: read with the file's bytes
    vouched: str | None = None  # the blob id git vouches for, when it does


@dataclass
class Changes:
    """What ``refresh`` found, and what to remember for the next run.

    ``listing`` is git's listing of the record folders (None outside git, or
    to forget it); ``recheck`` the paths the next run must look at whatever
    git says (changed, untracked, racy, or not vouched for by git).
    """

    parse: list[Scanned]
    gone: list[str]
    listing: bytes | None = None
    recheck: set[str] = field(default_factory=set)
    generation: int = 0  # of the index when the comparison started
    previous_listing: bytes | None = None  # what the index remembered
    previous_recheck: set[str] = field(default_factory=set)
    folders: dict[str, list[int] | None] = field(default_factory=dict)  # record folder stamps
    previous_folders: dict[str, list[int] | None] = field(default_factory=dict)
    git_index: list[Any] | None = None  # what identifies git's index file (``git_index_key``)
    previous_git_index: list[Any] | None = None


# The listing, when git's index file is the one it was read from, unchanged: not read again.
UNCHANGED = b"\0(git's listing: the one remembered)"
_GIT_ENV = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_COMMON_DIR", "GIT_WORK_TREE")


def git_index_key(index_file: str, settled_before: int | None = None) -> list[Any] | None:
    """What identifies the contents of git's index file: its path, stat data and the git
    variables that choose it.  None when it is missing or, with ``settled_before``, was
    written since then (a later write in the same clock tick could keep its stat data)."""
    try:
        st = os.stat(index_file)
    except OSError:
        return None
    if settled_before is not None and max(st.st_mtime_ns, st.st_ctime_ns) >= settled_before:
        return None
    stamp = [st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino]
    return [index_file, *stamp, [os.environ.get(name) for name in _GIT_ENV]]


def files_now_ns(root: Path) -> int:
    """The time by the clock that stamps the files of ``root`` (``mtime``, ``ctime``),
    which is what a file's age must be measured against: the process's clock can
    differ (a network filesystem's server, ``faketime``).  Read by touching a small
    file in the index folder (a write, which the filesystem stamps, rather than
    ``utime``, which takes the process's time); the process's clock where that
    cannot be written."""
    try:
        handle = os.open(root / INDEX_DIR / CLOCK_NAME, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        try:
            os.write(handle, b"\n")
            return os.fstat(handle).st_mtime_ns
        finally:
            os.close(handle)
    except OSError:
        return time.time_ns()


def task_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Task:
    """A Task from the columns (pos, checked, title, line, note, attrs)."""
    pos, checked, title, line, note, attrs = row
    return Task(
        line=line,
        checked=bool(checked),
        title=title,
        attrs=json.loads(attrs),
        note=note or "",
        pos=pos,
    )


TASK_COLUMNS = "t.pos, t.checked, t.title, t.line, t.note, t.attrs"


def fingerprint_of(types: Iterable[RecordType]) -> str:
    """What the parse of a record depends on besides its bytes and path (plaincrm's
    version, the index schema, the record types and their schemas): the index, and
    the parses kept by blob id (``blobcache``), are thrown away when it changes."""
    from .schemas import schema_dir

    parts: list[Any] = [SCHEMA_VERSION, __version__]
    folder = schema_dir()
    for rtype in sorted(types, key=lambda t: t.name):
        try:
            st = os.stat(folder / f"{rtype.schema}.schema.json")
            stamp: list[int] = [st.st_mtime_ns, st.st_size]
        except OSError:
            stamp = []
        parts.append([rtype.name, rtype.folder, rtype.title_field, rtype.schema, stamp])
    return json.dumps(parts)


def blob_id(data: bytes) -> str:
    """The id git gives a file with these bytes (``git hash-object``)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def signature(st: os.stat_result) -> Signature:
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def leaves(root: str | Path, path: str) -> bool:
    """Whether ``path`` (relative to ``root``) is a symlink, or lies in a folder that is
    one, leading out of ``root``: nothing is read through it."""
    real = os.path.realpath(root)
    return os.path.commonpath([os.path.realpath(os.path.join(root, path)), real]) != real


def linked_out(root: str | Path, types: Iterable[RecordType]) -> set[str]:
    """The record folders of ``types`` that are symlinks leading out of ``root`` (one
    ``lstat`` a folder): their files are never read."""
    return {
        rtype.folder
        for rtype in types
        if os.path.islink(os.path.join(root, rtype.folder)) and leaves(root, rtype.folder)
    }


class Index:
    """The SQLite index of one CRM root."""

    def __init__(
        self,
        root: Path,
        types: Iterable[RecordType],
        ref_fields: Callable[[RecordType], dict[str, str]],
        progress: bool = False,
        use_git: bool = True,
        in_memory: bool = False,
        lock: int | None = None,
        cache: Callable[[], ParsedCache] | None = None,
    ) -> None:
        """``in_memory``: a throwaway index of a few records, without the secondary SQL
        indexes (``firstrun``); ``lock``: the build lock, when this index holds it (handed
        to this process, or while ``building``); ``cache``: opens the parses kept by git
        blob id (``blobcache``), asked first when many files git vouches for are to be
        parsed (a build, a branch switched)."""
        self.root = root
        self.types = list(types)
        self.by_folder = {rtype.folder: rtype for rtype in self.types}
        self.refs = {rtype.name: ref_fields(rtype) for rtype in self.types}
        self.progress = progress
        self.use_git = use_git
        self.in_memory = in_memory
        self.lock = lock
        self.outside: set[str] = set()  # record folders linked out of the root (not read)
        self.rules: Rules | None = None  # set: changed files are judged as they are parsed
        self.cache = cache
        self.conn = self._open()

    def now_ns(self) -> int:
        """The time by the clock that stamps the files (``files_now_ns``); the process's
        clock for an index in memory."""
        return time.time_ns() if self.in_memory else files_now_ns(self.root)

    # -------------------------------------------------------------- opening

    def _db_path(self) -> Path | None:
        if self.in_memory:
            return None
        folder = self.root / INDEX_DIR
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        if not os.access(folder, os.W_OK):
            return None
        return folder / INDEX_NAME

    def fingerprint(self) -> str:
        """What the parsed data depends on besides the files: a change rebuilds the index."""
        return fingerprint_of(self.types)

    def _open(self, replace: bool = False) -> sqlite3.Connection:
        """Open the index; create it when new, rebuild it when unreadable or of another kind
        (``replace``: unreadable although it looked ready).

        Opening an index that is ready only reads (no write lock), so a command
        never waits for another process's long write just to start.  Making or
        replacing the file is done by one process at a time (``CREATE_LOCK_NAME``,
        held for milliseconds): a process that removed a file another one was still
        making could leave that one's write-ahead log beside its own database.
        """
        path = self._db_path()
        if path is None or not self._clear_folders(path):
            return self._connect(":memory:", create=True)
        fingerprint = self.fingerprint()
        if not replace:
            conn = self._ready(path, fingerprint)
            if conn is not None:
                return conn
        with self._creating():
            if not replace:
                conn = self._ready(path, fingerprint)  # made by another process meanwhile
                if conn is not None:
                    return conn
            self._remove(path)  # also a new, empty file: no tables yet
            return self._connect(str(path), create=True)

    def _ready(self, path: Path, fingerprint: str) -> sqlite3.Connection | None:
        """A connection to the index at ``path`` if it is one of this kind."""
        try:
            conn = self._connect(str(path), create=False)
        except sqlite3.DatabaseError:
            return None
        try:
            row = conn.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        except sqlite3.DatabaseError:
            row = None
        if row is not None and row[0] == fingerprint:
            return conn
        conn.close()
        return None

    @staticmethod
    def _clear_folders(path: Path) -> bool:
        """Remove empty folders standing where the index's files go; False (and a word on
        stderr) when one holds something: then this command works without the index."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            name = str(path) + suffix
            if os.path.isdir(name) and not os.path.islink(name):
                try:
                    os.rmdir(name)
                except OSError:
                    sys.stderr.write(
                        f"plaincrm: {name} is a folder, where the index belongs: working "
                        "without the index (slower) until it is removed\n"
                    )
                    return False
        return True

    @staticmethod
    def _remove(path: Path) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with suppress(FileNotFoundError):
                os.unlink(str(path) + suffix)

    def _connect(self, target: str, create: bool) -> sqlite3.Connection:
        """A connection to ``target``; ``create``: make the tables (else the file must exist:
        opening never makes an empty one outside ``_creating``)."""
        if not create:
            target = Path(target).absolute().as_uri() + "?mode=rw"
        conn = sqlite3.connect(target, timeout=60, isolation_level=None, uri=not create)
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-131072")  # up to 128 MB: a big build stays in memory
        if not create:
            return conn
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        with self._transaction(conn):
            for statement in _DDL.split(";"):
                if statement.strip() and not (self.in_memory and "INDEX" in statement):
                    conn.execute(statement)
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES('fingerprint', ?)",
                (self.fingerprint(),),
            )
        return conn

    @staticmethod
    @contextmanager
    def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -------------------------------------------------------------- finding changes

    def _names(self) -> dict[str, bool]:
        """Every candidate record file, ``*.md`` directly in a record folder, and whether
        the folder's listing says it is a regular file (no stat of each file)."""
        found: dict[str, bool] = {}
        for rtype in self.types:
            if rtype.folder in self.outside:
                continue
            try:
                with os.scandir(self.root / rtype.folder) as entries:
                    for entry in entries:
                        if entry.name.endswith(".md") and not entry.name.startswith("."):
                            path = f"{rtype.folder}/{entry.name}"
                            found[path] = entry.is_file(follow_symlinks=False)
            except (FileNotFoundError, NotADirectoryError):
                continue
        return found

    def _signature(self, path: str) -> Signature | None:
        """The stat signature of a regular file (or a symlink to one inside the root);
        None for a file in a folder linked out of the root."""
        if path.partition("/")[0] in self.outside:
            return None
        full = os.path.join(self.root, path)
        try:
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                if leaves(self.root, path):
                    return None
                st = os.stat(full)
        except (OSError, ValueError):
            return None
        return signature(st) if stat.S_ISREG(st.st_mode) else None

    def _meta(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return None if row is None else row[0]

    def _has_listing(self) -> bool:
        """Whether git's listing is remembered (without reading its megabytes)."""
        return self.conn.execute("SELECT 1 FROM meta WHERE key='listing'").fetchone() is not None

    def _record_type(self, path: str) -> RecordType | None:
        """The type of a record file path (``folder/name.md``), or None for any other path."""
        folder, _, name = path.partition("/")
        if "/" in name or not name.endswith(".md") or name.startswith("."):
            return None
        return self.by_folder.get(folder)

    def _folder_stamps(self, started_ns: int) -> dict[str, list[int] | None]:
        """The change times of the record folders ([]: missing; None: too recent to trust)."""
        racy_limit = started_ns - RACY_SECONDS * 1_000_000_000
        stamps: dict[str, list[int] | None] = {}
        for rtype in self.types:
            if rtype.folder in self.outside:
                stamps[rtype.folder] = []  # as if missing: its files are not read
                continue
            try:
                st = os.stat(self.root / rtype.folder)
            except OSError:
                stamps[rtype.folder] = []  # created later: its stamp differs, it is listed
                continue
            fresh = st.st_mtime_ns >= racy_limit or st.st_ctime_ns >= racy_limit
            stamps[rtype.folder] = None if fresh else [st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        return stamps

    def changes(self, started_ns: int | None = None) -> Changes:
        """Compare the files on disk with the index.

        In git, a warm run looks only at the files whose entry in git's
        listing changed since the last run, the ones git reports as changed,
        the ones kept for a recheck (untracked, racy, not vouched for by git)
        and, in a folder whose entries changed, the untracked ones.  Without a
        remembered listing (the first run, or after two processes wrote at
        once) or outside git, every file is compared.
        """
        started = self.now_ns() if started_ns is None else started_ns
        self.outside = linked_out(self.root, self.types)
        generation = int(self._meta("generation") or 0)
        state = None
        if self.use_git:
            from ..git import repo as gitrepo

            # git's index file unchanged since it was listed: its listing is the one stored
            known = json.loads(self._meta("git_index") or "null")
            same = known is not None and git_index_key(known[0]) == known and self._has_listing()
            state = gitrepo.worktree_state(
                self.root, [t.folder for t in self.types], listing=not same
            )
        if state is None:
            return self._compare(None, {}, None, generation)
        listing, dirty, index_file = state
        if listing is None:
            stored = listing = UNCHANGED  # read only if a folder has to be listed again
            key = known
        else:
            stored = self._meta("listing")
            key = git_index_key(index_file or "", started - RACY_SECONDS * 1_000_000_000)
        previous = set(json.loads(self._meta("recheck") or "[]"))
        stamps = self._folder_stamps(started)
        remembered = json.loads(self._meta("folders") or "{}")
        if stored is None:
            changes = self._compare(None, _vouched(listing, dirty, None), listing, generation)
        else:
            candidates = dirty | previous
            if listing != stored:
                moved = set(listing.split(b"\0")) ^ set(stored.split(b"\0"))
                candidates |= {
                    e.partition(b"\t")[2].decode("utf-8", "surrogateescape") for e in moved
                }
            relist = [
                f for f, stamp in stamps.items() if stamp is None or remembered.get(f) != stamp
            ]
            if relist and listing is UNCHANGED:
                stored = listing = self._meta("listing")
            if relist:
                tracked = set(re.findall(rb"\t([^\0]*)", listing))
                for folder in relist:
                    if folder in self.outside:
                        continue
                    with suppress(FileNotFoundError, NotADirectoryError):
                        for name in os.listdir(self.root / folder):
                            path = f"{folder}/{name}"
                            if path.encode("utf-8", "surrogateescape") not in tracked:
                                candidates.add(path)
            # not read: every candidate is compared by its stat data, and looked at again
            vouched = {} if listing is UNCHANGED else _vouched(listing, dirty, candidates)
            changes = self._compare(candidates, vouched, listing, generation)
        changes.previous_listing, changes.previous_recheck = stored, previous
        changes.folders, changes.previous_folders = stamps, remembered
        changes.git_index, changes.previous_git_index = key, known
        return changes

    def _compare(
        self,
        candidates: set[str] | None,
        vouched: dict[str, str],
        listing: bytes | None,
        generation: int,
    ) -> Changes:
        """Look at ``candidates`` (None: every file and every row) and decide what to parse."""
        query = "SELECT path, blob, mtime, size, ino, ctime, racy FROM files"
        regular: dict[str, bool] = {}
        if candidates is None:
            rows = {row[0]: row[1:] for row in self.conn.execute(query)}
            regular = self._names()
            look: Iterable[str] = regular.keys() | rows.keys()
        else:
            rows = {}
            wanted = list(candidates)
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in self.conn.execute(f"{query} WHERE path IN ({marks})", chunk):
                    rows[row[0]] = row[1:]
            look = candidates
        changes = Changes([], [], listing, set(), generation)
        for path in look:
            old = rows.get(path)
            rtype = self._record_type(path)
            blob = vouched.get(path)
            if old is not None and blob is not None and old[0] == blob and rtype is not None:
                continue
            if old is None and rtype is not None and regular.get(path):
                # new: nothing to compare, its stat data is read with its bytes
                slug = path.rsplit("/", 1)[1][:-3]
                changes.parse.append(Scanned(path, rtype, slug, None, blob))
                continue
            sig = self._signature(path) if rtype is not None else None
            if sig is None or rtype is None:
                if old is not None:
                    changes.gone.append(path)
                continue
            if old is None or old[5] or tuple(old[1:5]) != sig:
                slug = path.rsplit("/", 1)[1][:-3]
                changes.parse.append(Scanned(path, rtype, slug, sig, blob))
            elif listing is not None:
                changes.recheck.add(path)  # same stat data, but git does not vouch for it
        return changes

    def refresh(self) -> None:
        """Bring the index up to date with the files on disk.

        An empty index is built by one process at a time: another one waits for
        it (``LOCK_NAME``) and then finds the index up to date.
        """
        try:
            if self.is_empty():
                with self.building():
                    self._refresh()
            else:
                self._refresh()
        except sqlite3.DatabaseError:
            with self.building():
                self.conn.close()
                self.conn = self._open(replace=True)
                self._refresh()

    def _refresh(self) -> None:
        started = self.now_ns()
        self._apply(self.changes(started), started)

    def is_empty(self) -> bool:
        """True before the first build (or while another process runs it)."""
        return self.conn.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None

    # -------------------------------------------------------------- the build lock

    def _lock(self, name: str = LOCK_NAME, *, wait: bool = True, waiting: str = "") -> int | None:
        """The lock file ``name`` of a persistent index, open and locked (``flock``);
        without ``wait`` None when another process holds it, else waiting for it
        (saying ``waiting`` on a terminal).  None in memory or without ``flock``."""
        path = self._db_path()
        if path is None or sys.platform == "win32":
            return None
        try:
            handle = os.open(path.with_name(name), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            return None
        import fcntl

        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return handle
        except OSError:
            if not wait:
                os.close(handle)
                return None
        if waiting and self.progress and sys.stderr.isatty():
            sys.stderr.write(f"plaincrm: {waiting}\n")
        fcntl.flock(handle, fcntl.LOCK_EX)
        return handle

    @contextmanager
    def _creating(self) -> Iterator[None]:
        """Hold the lock for making or replacing the index file meanwhile."""
        handle = self._lock(CREATE_LOCK_NAME)
        try:
            yield
        finally:
            if handle is not None:
                os.close(handle)

    def try_lock(self) -> int | None:
        """The build lock (an open file descriptor) if no other process holds it."""
        return self._lock(wait=False)

    @contextmanager
    def building(self) -> Iterator[None]:
        """Hold the build lock meanwhile (waiting for another process's build to end
        first, with a word on a terminal), unless this index holds it already."""
        if self.lock is not None:
            yield
            return
        self.lock = self._lock(waiting="waiting for the index another process is building")
        try:
            yield
        finally:
            if self.lock is not None:
                os.close(self.lock)
            self.lock = None

    def update(self, paths: Iterable[str]) -> None:
        """Re-read the given files now (after this process wrote them)."""
        started = self.now_ns()
        self.outside = linked_out(self.root, self.types)
        changes = Changes([], [], generation=int(self._meta("generation") or 0))
        for path in sorted(set(paths)):
            rtype = self._record_type(path)
            sig = self._signature(path) if rtype is not None else None
            if sig is None or rtype is None:
                changes.gone.append(path)
            else:
                changes.parse.append(Scanned(path, rtype, path.rsplit("/", 1)[1][:-3], sig))
        changes.recheck = {item.path for item in changes.parse}
        self._apply(changes, started, keep_listing=True)

    def add_rows(self, results: Iterable[Rows], titles: Iterable[FileRow]) -> None:
        """Store rows parsed elsewhere, and rows holding only a record's path, type, slug and
        title: the first run's quick index (``firstrun``)."""
        with self._transaction(self.conn):
            for rows in results:
                self._insert(rows)
            self.conn.executemany(
                "INSERT INTO files(path, type, slug, title) VALUES(?, ?, ?, ?)", titles
            )

    # -------------------------------------------------------------- verdicts

    def verdicts(self, rules: Rules, paths: Iterable[str] | None = None) -> dict[str, str]:
        """Path -> verdict of each record file (of ``paths``, else every one) in which
        ``rules`` find something.

        A file is judged once for each content (and context): the verdicts are kept
        by ``verdict_key``.  Files the index holds without a verdict under these rules
        (indexed by another command, or the settings changed) are judged now from
        their indexed rows, on every core when there are many, and their verdicts
        kept; no record file is read again.
        """
        key, params = self._verdict_key_sql(rules)
        query = (
            f"SELECT f.path, v.problems FROM files f LEFT JOIN verdicts v ON v.key = {key} "
            "WHERE (v.problems IS NULL OR v.problems != '')"
        )
        if paths is None:
            rows = self.conn.execute(query, params).fetchall()
        else:
            rows = self.select(query + " AND f.path IN ({})", sorted(set(paths)), params)
        found = {path: problems for path, problems in rows if problems is not None}
        missing = [path for path, problems in rows if problems is None]
        if not missing:
            return found
        rules.prepare()
        # within a transaction (``as_of``) the rows are this connection's alone
        db = None if self.conn.in_transaction else self._db_path()
        _WORK.update(
            rules=rules, db=None if db is None else str(db), conn=self.conn, root=str(self.root)
        )
        judged = list(in_chunks(_judge_chunk, missing, _CHUNK, parallel=db is not None))
        self.keep_verdicts(
            [(key, verdict) for chunk in judged for _, key, verdict in chunk if key is not None]
        )
        found.update((path, verdict) for chunk in judged for path, _, verdict in chunk if verdict)
        return found

    def _verdict_key_sql(self, rules: Rules) -> tuple[str, list[str]]:
        """SQL of the verdict key of the indexed file ``f`` (``verdict_key``), and its
        parameters.  The context comes from the folder, not the type: then the index on
        (path, blob) covers the files' side, and their big rows are not read."""
        contexts = [(t.folder, rules.contexts[t.name]) for t in self.types]
        case = "CASE substr(f.path, 1, instr(f.path, '/') - 1) "
        case += " ".join("WHEN ? THEN ?" for _ in contexts) + " ELSE '' END"
        return f"(({case}) || ':' || f.path || ':' || f.blob)", [
            part for pair in contexts for part in pair
        ]

    def _judged(self, rules: Rules, jobs: list[Job]) -> set[str]:
        """The verdict keys, under ``rules``, of every content of the files of ``jobs``
        judged before (read again, as a racy file or after a branch switch back, such
        a content needs no new verdict)."""
        if self.conn.execute("SELECT 1 FROM verdicts LIMIT 1").fetchone() is None:
            return set()  # a first build
        out: set[str] = set()
        query = "SELECT key FROM verdicts WHERE key >= ? AND key < ?"
        for path, type_name, _, _ in jobs:
            prefix = verdict_key(rules.contexts[type_name], path, "")  # ends with ':'
            out.update(key for (key,) in self.conn.execute(query, (prefix, prefix[:-1] + ";")))
        return out

    def keep_verdicts(self, verdicts: list[tuple[str, str]], wait: bool = True) -> None:
        """Store verdicts (key, verdict); unless ``wait``, not at all while another process
        writes the index (a build holds it for seconds).  Within ``as_of`` they go with
        its transaction."""
        if self.conn.in_transaction:
            self.conn.executemany("INSERT OR REPLACE INTO verdicts VALUES(?, ?)", verdicts)
            return
        if not wait:
            self.conn.execute("PRAGMA busy_timeout = 0")
        try:
            with self._transaction(self.conn):
                self.conn.executemany("INSERT OR REPLACE INTO verdicts VALUES(?, ?)", verdicts)
                self._prune_verdicts()
        except sqlite3.OperationalError:
            if wait:
                raise
        finally:
            if not wait:
                self.conn.execute("PRAGMA busy_timeout = 60000")

    def _prune_verdicts(self) -> None:
        """Forget the verdicts of contents no file has any more, once they outnumber the
        files (inside a transaction; never before the index is built: the pre-commit hook
        keeps verdicts for the files to come)."""
        kept = self.conn.execute("SELECT count(*) FROM verdicts").fetchone()[0]
        files = self.conn.execute("SELECT count(*) FROM files").fetchone()[0]
        if files and kept > 2 * files + 1000:
            self.conn.execute(
                "DELETE FROM verdicts WHERE substr(key, instr(key, ':') + 1) NOT IN "
                "(SELECT path || ':' || blob FROM files WHERE blob IS NOT NULL)"
            )

    def select(self, query: str, items: list[Any], params: Iterable[Any] = ()) -> list[Any]:
        """The rows of ``query`` whose ``{}`` is filled with a placeholder for each of
        ``items`` (500 at a time: SQLite limits the parameters of a statement), after
        ``params``."""
        rows: list[Any] = []
        for start in range(0, len(items), 500):
            chunk = items[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows += self.conn.execute(query.format(marks), [*params, *chunk]).fetchall()
        return rows

    @contextmanager
    def as_of(
        self, contents: dict[str, bytes | None], rules: Rules | None = None
    ) -> Iterator[None]:
        """The index as it would be if the record files of ``contents`` held those bytes
        (None: if they did not exist), the rest as they are, while the block runs: their
        rows replaced inside a transaction that is rolled back at its end (``sync`` asks
        what ``check`` finds in the remote's version of the files it pushes).  With
        ``rules`` their verdicts are judged too.  The index must be up to date first."""
        parser = Parser(self.types, self.refs, 1, rules)
        rows = empty_rows()
        for path, data in sorted(contents.items()):
            rtype = self._record_type(path)
            if data is not None and rtype is not None:
                parser.add(rows, path, rtype.name, path.rsplit("/", 1)[1][:-3], (0, 0, 0, 0), data)
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._delete(list(contents))
            self._insert(rows)
            yield
        finally:
            self.conn.execute("ROLLBACK")

    # -------------------------------------------------------------- storing

    def _insert(self, rows: Rows) -> None:
        """Store the rows parsed from some files (inside a transaction)."""
        files, tasks, links, facts, verdicts = rows
        self.conn.executemany("INSERT INTO files VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", files)
        self.conn.executemany("INSERT INTO tasks VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", tasks)
        self.conn.executemany("INSERT INTO links VALUES(?,?,?)", links)
        self.conn.executemany("INSERT INTO facts VALUES(?,?,?,?)", facts)
        self.conn.executemany("INSERT OR REPLACE INTO verdicts VALUES(?,?)", verdicts)

    def _apply(self, changes: Changes, started_ns: int, keep_listing: bool = False) -> None:
        """Parse and store the changed files; remember git's listing and the rechecks.

        ``keep_listing``: leave the remembered listing alone and add to the
        rechecks (after this process wrote files, when git was not asked).
        """
        jobs = sorted((item.path, item.type.name, item.slug, item.stat) for item in changes.parse)
        recheck = set(changes.recheck)
        if not jobs and not changes.gone and not keep_listing:
            before = (changes.previous_listing, changes.previous_recheck, changes.previous_folders)
            now = (changes.listing, recheck, changes.folders)
            if before == now and changes.previous_git_index == changes.git_index:
                return
        vouched = {item.path: item.vouched for item in changes.parse}
        show = self.progress and len(jobs) >= PROGRESS_MIN and sys.stderr.isatty()
        racy_limit = started_ns - RACY_SECONDS * 1_000_000_000
        judged = self._judged(self.rules, jobs) if self.rules else set()
        total = len(jobs)
        jobs, kept, cache = self._cached(jobs, vouched, racy_limit)
        results: Iterable[Rows] = _parse_all(
            self.root, self.types, self.refs, jobs, racy_limit, self.rules, judged
        )
        if cache is not None:
            # a first build does not keep its parses: writing them costs it more than
            # its parse (a fifth more CPU at 35,000 files); a refresh's are kept
            first = self.conn.execute("SELECT 1 FROM files LIMIT 1").fetchone() is None
            results = _kept_in(None if first else cache, [kept], results)
        with self._transaction(self.conn):
            self._delete(changes.gone + [item.path for item in changes.parse])
            rebuild = self._drop_indexes() if total >= ANALYZE_MIN else []
            done = 0
            for rows in results:
                self._insert(rows)
                files = rows[0]
                for row in files:  # path ... racy (7), blob (8)
                    if row[7] or vouched.get(row[0]) != row[8]:
                        recheck.add(row[0])
                done += len(files)
                if show:
                    sys.stderr.write(f"\rplaincrm: indexing {done}/{total} files")
                    sys.stderr.flush()
            for statement in rebuild:
                self.conn.execute(statement)
            if total >= ANALYZE_MIN:
                # statistics let SQLite pick the right index (tasks by path, not by state;
                # today's by owner); all rows are read (0.2 s at 50,000 clients): a sample
                # of the first rows of an index sees one owner and takes it for all
                self.conn.execute("ANALYZE")
            if self.rules is not None and total:
                self._prune_verdicts()
            self._remember(changes, recheck, keep_listing)
        if show:
            sys.stderr.write(f"\rplaincrm: indexed {done} files.{' ' * 20}\n")
        if cache is not None:
            cache.close()

    def _cached(
        self, jobs: list[Job], vouched: dict[str, str | None], racy_limit: int
    ) -> tuple[list[Job], Rows, ParsedCache | None]:
        """The rows of the ``jobs`` whose content git vouches for and the blob cache kept
        (their stat signature taken now), and the jobs left to parse; no cache for a few
        files, for ``check`` (it judges what it parses) or when the cache cannot be read."""
        kept = empty_rows()
        wanted = [(job[0], blob) for job in jobs if (blob := vouched.get(job[0]))]
        if self.cache is None or self.rules is not None or len(wanted) < CACHE_MIN:
            return jobs, kept, None
        try:
            cache = self.cache()
            found = cache.get(wanted)
        except sqlite3.Error:
            return jobs, kept, None
        files, tasks, links, facts, _ = kept
        rest = []
        for job in jobs:
            path, _, _, sig = job
            parsed = found.get((path, vouched.get(path) or ""))
            if parsed is not None and sig is None:
                try:
                    sig = signature(os.stat(os.path.join(self.root, path)))
                except OSError:
                    parsed = None
            if parsed is None or sig is None:
                rest.append(job)
                continue
            file_row, task_rows, link_rows, fact_rows = parsed
            racy = 1 if sig[0] >= racy_limit or sig[3] >= racy_limit else 0
            files.append((*file_row[:3], *sig, racy, *file_row[8:]))
            tasks.extend(map(tuple, task_rows))
            links.extend(map(tuple, link_rows))
            facts.extend(map(tuple, fact_rows))
        return rest, kept, cache

    def _remember(self, changes: Changes, recheck: set[str], keep_listing: bool) -> None:
        """Store what the next run compares against (inside the write transaction)."""
        generation = int(self._meta("generation") or 0)
        put = "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)"
        if keep_listing:
            recheck |= set(json.loads(self._meta("recheck") or "[]"))
        elif changes.listing is None:  # outside git: every run compares every file
            self.conn.execute(_FORGET_LISTING)
            recheck = set()
        elif generation != changes.generation:
            # another process wrote since we looked: compare everything next time
            self.conn.execute(_FORGET_LISTING)
        else:
            if changes.listing != changes.previous_listing:  # megabytes at 50,000 clients
                self.conn.execute(put, ("listing", changes.listing))
            self.conn.execute(put, ("folders", json.dumps(changes.folders)))
            if changes.git_index is None:
                self.conn.execute("DELETE FROM meta WHERE key='git_index'")
            else:
                self.conn.execute(put, ("git_index", json.dumps(changes.git_index)))
        self.conn.execute(put, ("recheck", json.dumps(sorted(recheck))))
        self.conn.execute(put, ("generation", str(generation + 1)))

    def _drop_indexes(self) -> list[str]:
        """Before a build into empty tables: drop their secondary indexes and return the
        statements that create them again (one sort at the end beats updating them row by
        row)."""
        if self.conn.execute("SELECT 1 FROM files LIMIT 1").fetchone() is not None:
            return []
        found = self.conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in found:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [sql for _, sql in found]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction on this index."""
        with self._transaction(self.conn):
            yield

    def forget(self, paths: list[str]) -> None:
        """Drop the rows of these files (inside a transaction)."""
        self._delete(paths)

    def _delete(self, paths: list[str]) -> None:
        if not paths:
            return
        params = [(p,) for p in paths]
        for table in ("files", "tasks", "links", "facts"):
            self.conn.executemany(f"DELETE FROM {table} WHERE path=?", params)


def _vouched(listing: bytes, dirty: set[str], paths: set[str] | None) -> dict[str, str]:
    """Path -> blob id of the files (of ``paths``, or all) git vouches for in ``listing``:
    tracked, unchanged, an ordinary file, not unmerged, not marked assume-unchanged or
    skip-worktree."""
    if paths is not None and len(paths) < 200:
        out = {}
        for path in paths - dirty:
            raw = path.encode("utf-8", "surrogateescape")
            match = re.search(
                rb"(?:^|\0)H (100644|100755) ([0-9a-f]+) 0\t" + re.escape(raw) + rb"\0", listing
            )
            if match:
                out[path] = match.group(2).decode("ascii")
        return out
    out = {}
    for entry in listing.split(b"\0"):
        head, _, raw = entry.partition(b"\t")
        parts = head.split(b" ")
        if (
            len(parts) == 4
            and parts[0] == b"H"
            and parts[3] == b"0"
            and parts[1]
            in (
                b"100644",
                b"100755",
            )
        ):
            path = raw.decode("utf-8", "surrogateescape")
            if path not in dirty and (paths is None or path in paths):
                out[path] = parts[2].decode("ascii")
    return out


# ---------------------------------------------------------------- parsing

Job = tuple[str, str, str, Signature | None]  # path, type name, slug, stat signature
T = TypeVar("T")
R = TypeVar("R")


class Parser:
    """Turns the bytes of record files into the rows of the index tables."""

    def __init__(
        self,
        types: Iterable[RecordType],
        refs: dict[str, dict[str, str]],
        racy_limit: int,
        rules: Rules | None = None,
        judged: set[str] | None = None,
    ) -> None:
        """``rules``: judge each file too (its verdict goes with its rows), unless its
        verdict key is one of ``judged``."""
        self.types = {t.name: t for t in types}
        self.refs = refs
        self.racy_limit = racy_limit
        self.facts = facts_functions()
        self.rules = rules
        self.judged = judged or set()
        if rules is not None:
            rules.prepare()

    def add(
        self, rows: Rows, path: str, type_name: str, slug: str, sig: Signature, data: bytes
    ) -> None:
        """Parse one file and append its rows to ``rows`` (files ... verdicts)."""
        files, tasks, links, facts, verdicts = rows
        racy = 1 if sig[0] >= self.racy_limit or sig[3] >= self.racy_limit else 0
        blob = blob_id(data)
        head = (path, type_name, slug, *sig, racy, blob)
        try:
            text = decode(path, data)
            record = parse_record(self.types[type_name], path, text)
        except ParseFailure as failure:
            files.append((*head, None, None, json.dumps(failure.problem.as_json()), None, None))
            if self.rules is not None:
                key = verdict_key(self.rules.contexts[type_name], path, blob)
                if key not in self.judged:
                    verdicts.append((key, self.rules.unreadable(failure.problem)))
            return
        details = {
            "lines": record.lines,
            "problems": [[p.line, p.message] for p in record.problems],
            "log": [entry.as_json() for entry in record.log],
            "body_line": record.body_line,
        }
        fields = json.dumps({"fields": record.fields})  # apart: what list queries test
        files.append((*head, record.title, record.owner, None, fields, json.dumps(details)))
        owner = record.owner
        for task in record.tasks:
            attrs = task.attrs
            tasks.append(
                (
                    path,
                    task.pos,
                    attrs.get("id"),
                    int(task.checked),
                    task.title,
                    _token_value("due", attrs.get("due")),
                    _token_value("at", attrs.get("at")),
                    _token_value("dur", attrs.get("dur")),
                    _token_value("done", attrs.get("done")),
                    attrs.get("owner") or owner,
                    task.line,
                    task.note,
                    json.dumps(attrs),
                )
            )
        for key, target_type in self.refs[type_name].items():
            value = record.fields.get(key)
            if isinstance(value, str) and value:
                links.append((path, key, f"{target_type}:{value}"))
        found = self.facts[type_name](record) if type_name in self.facts else None
        if found is not None:
            facts.append((path, type_name, record.owner, json.dumps(found)))
        if self.rules is not None:
            key = verdict_key(self.rules.contexts[type_name], path, blob)
            if key not in self.judged:
                verdicts.append((key, self.rules.verdict(record, text)))


def _kept_in(
    cache: ParsedCache | None, first: list[Rows], results: Iterable[Rows]
) -> Iterator[Rows]:
    """``first``, then ``results``, each parsed file of which is kept in ``cache`` (if
    any) by its path and blob id (after the last: the cache is written once)."""
    yield from first
    if cache is None:
        yield from results
        return
    fresh: list[tuple[str, str, Parsed]] = []
    for rows in results:
        yield rows
        files, tasks, links, facts, _ = rows
        by_path: dict[str, Parsed] = {}
        for row in files:
            by_path[row[0]] = ([*row[:3], None, None, None, None, 0, *row[8:]], [], [], [])
        for table, found in ((1, tasks), (2, links), (3, facts)):
            for row in found:
                by_path[row[0]][table].append(list(row))
        fresh.extend((path, parsed[0][8], parsed) for path, parsed in by_path.items())
    with suppress(sqlite3.Error):
        cache.keep_parsed(fresh)


_TOKEN_VALUES: dict[tuple[str, str], Any] = {}  # (key, text) -> what the Task property reads


def _token_value(key: str, text: str | None) -> Any:
    """A task token's value as ``Task.due``, ``at``, ``dur`` and ``done`` read it,
    remembered: thousands of tasks share their dates, times and durations."""
    if not text:
        return None
    pair = (key, text)
    try:
        return _TOKEN_VALUES[pair]
    except KeyError:
        pass
    value = getattr(Task(line=0, checked=False, title="", attrs={key: text}), key)
    if len(_TOKEN_VALUES) >= 100_000:
        _TOKEN_VALUES.clear()
    _TOKEN_VALUES[pair] = value
    return value


_WORK: dict[str, Any] = {}  # what forked workers need: the root and the parser


def in_chunks(
    work: Callable[[list[T]], R], items: list[T], size: int = 400, parallel: bool = True
) -> Iterator[R]:
    """``work`` of each chunk of ``items``, in any order: on every core when there are
    many (forked workers, which see what the caller put in module globals) unless not
    ``parallel``, the garbage collector paused (parsing frees no cycles)."""
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    workers = _workers(len(items)) if parallel else 1
    enabled = gc.isenabled()
    gc.disable()
    try:
        if workers <= 1:
            for chunk in chunks:
                yield work(chunk)
            return
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            yield from pool.imap_unordered(work, chunks)
    finally:
        if enabled:
            gc.enable()


def _parse_all(
    root: Path,
    types: list[RecordType],
    refs: dict[str, dict[str, str]],
    jobs: list[Job],
    racy_limit: int,
    rules: Rules | None = None,
    judged: set[str] | None = None,
) -> Iterator[Rows]:
    """Parse (and with ``rules`` judge: ``Parser``) the files of ``jobs`` in chunks; on
    every core when there are many."""
    if not jobs:
        return iter(())
    _WORK.update(root=str(root), parser=Parser(types, refs, racy_limit, rules, judged))
    return in_chunks(_parse_chunk, jobs, _CHUNK)


def _workers(count: int) -> int:
    if count < PARALLEL_MIN or sys.platform != "linux":
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, 8))


def record_from_row(rtype: RecordType, path: str, data: str, details: str) -> Record:
    """A record as the index holds it (front matter, lines, problems and log; no tasks)."""
    stored = json.loads(details)
    record = Record(
        rtype, path, json.loads(data)["fields"], stored["lines"], body_line=stored["body_line"]
    )
    record.problems = [Problem(path, line, message) for line, message in stored["problems"]]
    record.log = [LogEntry(**entry) for entry in stored["log"]]
    return record


def _judge_chunk(paths: list[str]) -> list[tuple[str, str | None, str]]:
    """(path, verdict key, verdict) of the indexed files ``paths`` (``Index.verdicts``); no
    key for a verdict not to keep: of a file whose text it reads, changed since indexed."""
    rules: Rules = _WORK["rules"]
    db = _WORK["db"]
    conn = sqlite3.connect(Path(db).as_uri() + "?mode=ro", uri=True) if db else _WORK["conn"]
    try:
        marks = ",".join("?" * len(paths))
        rows = conn.execute(
            f"SELECT path, type, blob, fatal, data, details FROM files WHERE path IN ({marks})",
            paths,
        ).fetchall()
    finally:
        if db:
            conn.close()
    out: list[tuple[str, str | None, str]] = []
    for path, type_name, blob, fatal, data, details in rows:
        key: str | None = verdict_key(rules.contexts[type_name], path, blob)
        if fatal is not None:
            out.append((path, key, rules.unreadable(Problem(**json.loads(fatal)))))
            continue
        text = ""
        if type_name in rules.texts:
            try:
                with open(os.path.join(_WORK["root"], path), "rb") as handle:
                    raw = handle.read()
                text = decode(path, raw)
            except (OSError, ParseFailure):
                raw = b""
            if blob_id(raw) != blob:
                key = None  # changed since: this verdict holds for neither content
        record = record_from_row(TYPES[type_name], path, data, details)
        out.append((path, key, rules.verdict(record, text)))
    return out


def _parse_chunk(jobs: list[Job]) -> Rows:
    rows = empty_rows()
    root, parser = _WORK["root"], _WORK["parser"]
    for path, type_name, slug, sig in jobs:
        try:
            with open(os.path.join(root, path), "rb") as handle:
                data = handle.read()
                if sig is None:
                    sig = signature(os.fstat(handle.fileno()))
        except OSError:
            continue
        parser.add(rows, path, type_name, slug, sig, data)
    return rows
