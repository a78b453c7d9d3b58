"""Parsed records kept by git blob id: parse each content once, whatever snapshot holds it.

A record file's parse (the rows ``index.Parser`` makes of it: its ``files`` row,
tasks, links and facts) depends only on its bytes and its path (the path gives
the type, the slug and the ``path:line`` of its problems).  Git names every
content by its blob id, so ``(path, blob id)`` is a key that is never stale:
two snapshots of the repository (two commits, a branch switch, ``--as-of``
dates a month apart, a second clone of the same repository) share the parse
of every record that did not change between them.

The cache lives in ``.plaincrm/blobs.sqlite`` (git-ignored with the index), in
the index's own tables (``files``, ``tasks``, ``links``, ``facts``), each row
under its ``key`` (``blob id:path``), so that a snapshot is copied into an
index by SQLite itself, without a Python object per row.  It is safe to share
between processes (SQLite in WAL mode; a content is written under one key
whatever process parses it) and it is thrown away, never trusted, when the
parser or the cache's tables change: its ``version`` is ``CACHE_VERSION`` with
``index.fingerprint_of`` (plaincrm's version, the index schema version and the
record schemas).  Deleting or
damaging the file only costs parsing again.

API::

    cache = BlobCache(root)                    # opens (or makes) .plaincrm/blobs.sqlite
    wanted = [Wanted(path, type_name, slug, blob), ...]
    cache.fill(index.conn, wanted, read)       # the records' rows into an index's tables
    rows = cache.rows(wanted, read)            # or as index.Rows, in the order of ``wanted``
    cache.parse_missing(wanted, read)          # only make sure they are kept
    cache.keep(key, value) / cache.kept(key)   # a value worked out from a commit, by a key
                                               #    that names all it depends on

Many contents are parsed on every core (``index.in_chunks``).
``read(blob ids) -> {blob id: bytes}`` is asked only for the blobs not parsed
before (usually ``git.repo.blobs``: one ``git cat-file --batch``; a caller with
the bytes in the work tree gives a function reading them there); a blob it does
not give is left out.  The ``files`` rows come with the stat columns empty (a
content read from git has no stat signature) and ``blob`` filled in.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

from .index import INDEX_DIR, Parsed, Parser, Rows, empty_rows, fingerprint_of, in_chunks
from .model import TYPES
from .schemas import ref_fields

CACHE_NAME = "blobs.sqlite"  # in INDEX_DIR
CACHE_VERSION = 2  # of the tables below: a new one throws the cache away
_NO_STAT = (0, 0, 0, 0)  # the signature given to the parser: a blob has none
_BATCH = 500  # keys per SQL query
Read = Callable[[list[str]], dict[str, bytes]]

# the index's tables (index._DDL), each row under the key of the content it came from
_COLUMNS = {
    "files": "path, type, slug, mtime, size, ino, ctime, racy, blob, title, owner, fatal, "
    "data, details",
    "tasks": "path, pos, id, checked, title, due, at, dur, done, owner, line, note, attrs",
    "links": "path, field, target",
    "facts": "path, type, owner, data",
}
_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(key TEXT PRIMARY KEY, {files}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tasks(key TEXT NOT NULL, {tasks}, PRIMARY KEY(key, pos))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS links(key TEXT NOT NULL, {links});
CREATE INDEX IF NOT EXISTS links_key ON links(key);
CREATE TABLE IF NOT EXISTS facts(key TEXT PRIMARY KEY, {facts}) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS derived(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
""".format(**_COLUMNS)
_TABLES = ("files", "tasks", "links", "facts")


class Wanted(NamedTuple):
    """A record file as a tree or git's index lists it."""

    path: str
    type_name: str
    slug: str
    blob: str

    @property
    def key(self) -> str:
        return f"{self.blob}:{self.path}"


class BlobCache:
    """The parsed-record cache of one CRM (``.plaincrm/blobs.sqlite``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.version = f"{CACHE_VERSION}:{fingerprint_of(TYPES.values())}"
        self.path: str | None = None  # the file; None: in memory (.plaincrm not writable)
        self.conn = self._open()
        self.parsed = 0  # blobs parsed by this object (the others came from the cache)

    def _open(self) -> sqlite3.Connection:
        folder = self.root / INDEX_DIR
        with suppress(OSError):
            folder.mkdir(exist_ok=True)
            if (folder / CACHE_NAME).exists() or _writable(folder):
                self.path = str(folder / CACHE_NAME)
        if self.path is None:
            return self._connect(":memory:")
        try:
            return self._connect(self.path)
        except sqlite3.DatabaseError:  # unreadable: it is only a cache
            for suffix in ("", "-wal", "-shm"):
                with suppress(OSError):
                    Path(self.path + suffix).unlink()
            return self._connect(self.path)

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=60, isolation_level=None)
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # a lost write only costs a parse
        if _version(conn) != self.version:
            conn.execute("BEGIN IMMEDIATE")  # one process at a time makes the tables
            try:
                if _version(conn) != self.version:
                    for table in ("meta", "derived", *_TABLES):
                        conn.execute(f"DROP TABLE IF EXISTS {table}")
                    for statement in _DDL.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute("INSERT INTO meta VALUES('version', ?)", (self.version,))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        return conn

    # -------------------------------------------------------------- keeping

    def missing(self, wanted: Sequence[Wanted]) -> list[Wanted]:
        """Those of ``wanted`` not parsed before."""
        keys = [item.key for item in wanted]
        kept: set[str] = set()
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            kept.update(
                row[0]
                for row in self.conn.execute(f"SELECT key FROM files WHERE key IN ({marks})", chunk)
            )
        return [item for item in wanted if item.key not in kept]

    def parse_missing(self, wanted: Sequence[Wanted], read: Read, known: bool = False) -> None:
        """Parse and keep those of ``wanted`` not parsed before (``known``: none of them
        was, as far as the caller knows)."""
        missing = list(wanted) if known else self.missing(wanted)
        if not missing:
            return
        contents = read(sorted({item.blob for item in missing}))
        jobs = {item.key: (item, contents[item.blob]) for item in missing if item.blob in contents}
        parsed = [
            found for chunk in in_chunks(_parse_chunk, list(jobs.values())) for found in chunk
        ]
        self.parsed += len(parsed)
        self.put(parsed)

    def put(self, parsed: Iterable[tuple[str, Rows]]) -> None:
        """Keep the rows of each content, under its key (``Wanted.key``); a content kept
        already stays as it is."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            for key, rows in parsed:
                if self.conn.execute("SELECT 1 FROM files WHERE key=?", (key,)).fetchone():
                    continue  # parsed by another process meanwhile
                for table, table_rows in zip(_TABLES, rows, strict=False):
                    marks = ",".join("?" * (len(_COLUMNS[table].split(",")) + 1))
                    self.conn.executemany(
                        f"INSERT INTO {table} VALUES({marks})",
                        ((key, *row) for row in table_rows),
                    )
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def get(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Parsed]:
        """The parses kept of those ``(path, blob id)`` (``index.ParsedCache``: an index
        refresh asks before it parses files git vouches for): each its ``files`` row and
        its tasks, links and facts."""
        by_key = {f"{blob}:{path}": (path, blob) for path, blob in keys}
        names = list(by_key)
        found: dict[tuple[str, str], Parsed] = {}
        for start in range(0, len(names), _BATCH):
            chunk = names[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            for table_no, table in enumerate(_TABLES):
                for key, *row in self.conn.execute(
                    f"SELECT key, {_COLUMNS[table]} FROM {table} WHERE key IN ({marks})"
                    + (" ORDER BY key, pos" if table == "tasks" else ""),
                    chunk,
                ):
                    parsed = found.setdefault(by_key[key], ([], [], [], []))
                    if table_no == 0:
                        parsed[0].extend(row)
                    else:
                        parsed[table_no].append(row)
        return {name: parsed for name, parsed in found.items() if parsed[0]}

    def keep_parsed(self, parsed: Iterable[tuple[str, str, Parsed]]) -> None:
        """Keep the parses an index refresh made, ``(path, blob id, rows)``."""
        self.put(
            (
                f"{blob}:{path}",
                (
                    [tuple(row)],
                    [*map(tuple, tasks)],
                    [*map(tuple, links)],
                    [*map(tuple, facts)],
                    [],
                ),
            )
            for path, blob, (row, tasks, links, facts) in parsed
        )

    def kept(self, key: str) -> Any:
        """A value worked out from contents that never change (a commit's), kept under
        ``key`` by ``keep``; None when there is none."""
        found = self.conn.execute("SELECT value FROM derived WHERE key=?", (key,)).fetchone()
        return json.loads(found[0]) if found else None

    def keep(self, key: str, value: Any) -> None:
        """Keep ``value`` (JSON) under ``key``: a key must name everything it depends on."""
        self.conn.execute("INSERT OR REPLACE INTO derived VALUES(?, ?)", (key, json.dumps(value)))

    # -------------------------------------------------------------- reading

    def fill(self, conn: sqlite3.Connection, wanted: Sequence[Wanted], read: Read) -> None:
        """Put the rows of the records ``wanted`` into the index tables of ``conn`` (an
        ``Index``'s connection, outside a transaction), parsing what was not before: the
        rows kept are copied by SQLite itself (the cache attached to ``conn``)."""
        if self.path is None:  # in memory: through Python
            rows = self.rows(wanted, read)
            for table, table_rows in zip(_TABLES, rows, strict=False):
                marks = ",".join("?" * len(_COLUMNS[table].split(",")))
                conn.executemany(f"INSERT INTO {table} VALUES({marks})", table_rows)
            return
        by_key = {item.key: item for item in wanted}
        conn.execute("CREATE TEMP TABLE wanted(key TEXT)")
        conn.executemany("INSERT INTO temp.wanted VALUES(?)", ((key,) for key in by_key))
        conn.execute("ATTACH DATABASE ? AS blobcache", (self.path,))
        try:
            missing = conn.execute(
                "SELECT w.key FROM temp.wanted w WHERE NOT EXISTS "
                "(SELECT 1 FROM blobcache.files f WHERE f.key = w.key)"
            ).fetchall()
            if missing:
                self.parse_missing([by_key[key] for (key,) in missing], read, known=True)
            conn.execute("BEGIN")
            for table in _TABLES:
                columns = _COLUMNS[table]
                picked = ", ".join(f"c.{name.strip()}" for name in columns.split(","))
                conn.execute(
                    f"INSERT INTO main.{table}({columns}) SELECT {picked} FROM temp.wanted w "
                    f"JOIN blobcache.{table} c ON c.key = w.key"
                )
            conn.execute("COMMIT")
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            conn.execute("DETACH DATABASE blobcache")
            conn.execute("DROP TABLE temp.wanted")

    def rows(self, wanted: Sequence[Wanted], read: Read) -> Rows:
        """The index rows of the records ``wanted`` (``files`` rows in their order)."""
        self.parse_missing(wanted, read)
        keys = list(dict.fromkeys(item.key for item in wanted))
        found: dict[str, tuple[list[Any], ...]] = {}
        for start in range(0, len(keys), _BATCH):
            chunk = keys[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            for index, table in enumerate(_TABLES):
                for key, *row in self.conn.execute(
                    f"SELECT key, {_COLUMNS[table]} FROM {table} WHERE key IN ({marks})"
                    + (" ORDER BY key, pos" if table == "tasks" else ""),
                    chunk,
                ):
                    found.setdefault(key, ([], [], [], []))[index].append(tuple(row))
        out = empty_rows()
        for key in keys:
            parts = found.get(key)
            if parts is not None:
                for table_rows, part in zip(out, parts, strict=False):
                    table_rows.extend(part)
        return out

    def close(self) -> None:
        self.conn.close()


def _version(conn: sqlite3.Connection) -> str | None:
    try:
        found = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
    except sqlite3.OperationalError:  # no table yet
        return None
    return found[0] if found else None


def _writable(folder: Path) -> bool:
    return os.access(folder, os.W_OK)


_PARSER: list[Parser] = []


def _parse_chunk(jobs: list[tuple[Wanted, bytes]]) -> list[tuple[str, Rows]]:
    """The rows of some contents, by key (in a worker of ``index.in_chunks`` when many)."""
    return [(item.key, parse_rows(item, data)) for item, data in jobs]


def parse_rows(item: Wanted, data: bytes) -> Rows:
    """The rows of one record file's bytes, its ``files`` row without a stat signature."""
    if not _PARSER:
        types = list(TYPES.values())
        _PARSER.append(Parser(types, {t.name: ref_fields(t) for t in types}, racy_limit=1))
    rows = empty_rows()
    _PARSER[0].add(rows, item.path, item.type_name, item.slug, _NO_STAT, data)
    files = rows[0]
    files[0] = (*files[0][:3], None, None, None, None, 0, *files[0][8:])
    return rows
