"""The incremental index: every record's parsed front matter and tasks in SQLite.

It lives in ``.plaincrm/index.sqlite`` under the CRM root (git-ignored).  On
each run ``refresh`` compares the record folders with what the index saw last
time (modification time in nanoseconds, size, inode and change time of every
file) and parses again only the files that differ, were added, or were
written so recently that a further change within the same clock tick could
hide (the "racy" files, which are re-read until they are older than
``RACY_SECONDS``).  Deleted files are dropped.  Deleting or corrupting the
file only costs a rebuild; SQLite's locking keeps two processes from
corrupting it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Record, RecordType
from .records import ParseFailure, decode, parse_record
from .tasks import Task

SCHEMA_VERSION = 1
RACY_SECONDS = 3
INDEX_DIR = ".plaincrm"
INDEX_NAME = "index.sqlite"

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS files(
    path TEXT PRIMARY KEY, type TEXT NOT NULL, slug TEXT NOT NULL,
    mtime INTEGER, size INTEGER, ino INTEGER, ctime INTEGER, racy INTEGER,
    title TEXT, owner TEXT, fatal TEXT, data TEXT);
CREATE INDEX IF NOT EXISTS files_slug ON files(slug);
CREATE INDEX IF NOT EXISTS files_type ON files(type, slug);
CREATE TABLE IF NOT EXISTS tasks(
    path TEXT NOT NULL, pos INTEGER NOT NULL, id TEXT, checked INTEGER NOT NULL,
    title TEXT, due TEXT, at TEXT, dur INTEGER, done TEXT, owner TEXT,
    line INTEGER, note TEXT, attrs TEXT, PRIMARY KEY(path, pos));
CREATE INDEX IF NOT EXISTS tasks_open ON tasks(checked, due);
CREATE INDEX IF NOT EXISTS tasks_id ON tasks(id);
CREATE TABLE IF NOT EXISTS links(
    path TEXT NOT NULL, field TEXT NOT NULL, target TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS links_target ON links(target);
CREATE INDEX IF NOT EXISTS links_path ON links(path);
"""


@dataclass
class Scanned:
    path: str
    type: RecordType
    slug: str
    stat: tuple[int, int, int, int]  # mtime_ns, size, ino, ctime_ns


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


class Index:
    """The SQLite index of one CRM root."""

    def __init__(
        self,
        root: Path,
        types: Iterable[RecordType],
        ref_fields: Callable[[RecordType], dict[str, str]],
        progress: bool = False,
    ) -> None:
        self.root = root
        self.types = list(types)
        self.ref_fields = ref_fields
        self.progress = progress
        self.conn = self._open()

    # -------------------------------------------------------------- opening

    def _db_path(self) -> Path | None:
        folder = self.root / INDEX_DIR
        try:
            folder.mkdir(exist_ok=True)
        except OSError:
            return None
        if not os.access(folder, os.W_OK):
            return None
        return folder / INDEX_NAME

    def _open(self) -> sqlite3.Connection:
        path = self._db_path()
        if path is None:
            return self._connect(":memory:")
        try:
            conn = self._connect(str(path))
            version = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
            if version is None or version[0] != str(SCHEMA_VERSION):
                conn.close()
                raise sqlite3.DatabaseError("old index")
            return conn
        except sqlite3.DatabaseError:
            for suffix in ("", "-wal", "-shm"):
                with suppress(FileNotFoundError):
                    os.unlink(str(path) + suffix)
            return self._connect(str(path))

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=60, isolation_level=None)
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_DDL)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES('version', ?)", (str(SCHEMA_VERSION),)
        )
        return conn

    # -------------------------------------------------------------- refreshing

    def scan(self) -> Iterator[Scanned]:
        """Every record file on disk, with its stat signature."""
        root_real = os.path.realpath(self.root)
        for rtype in self.types:
            folder = self.root / rtype.folder
            try:
                entries = os.scandir(folder)
            except (FileNotFoundError, NotADirectoryError):
                continue
            with entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".md") or name.startswith("."):
                        continue
                    if entry.is_symlink():
                        real = os.path.realpath(entry.path)
                        if os.path.commonpath([real, root_real]) != root_real:
                            continue
                    try:
                        st = entry.stat()
                    except OSError:
                        continue
                    if not entry.is_file():
                        continue
                    yield Scanned(
                        f"{rtype.folder}/{name}",
                        rtype,
                        name[:-3],
                        (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns),
                    )

    def refresh(self) -> None:
        """Bring the index up to date with the files on disk."""
        started = time.time_ns()
        known = {
            row[0]: (row[1], row[2], row[3], row[4], row[5])
            for row in self.conn.execute("SELECT path, mtime, size, ino, ctime, racy FROM files")
        }
        changed: list[Scanned] = []
        for item in self.scan():
            old = known.pop(item.path, None)
            if old is None or old[4] or old[:4] != item.stat:
                changed.append(item)
        if not changed and not known:
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            if known:
                self._delete(list(known))
            self._store(changed, started)
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def update(self, paths: Iterable[str]) -> None:
        """Re-read the given files now (after this process wrote them)."""
        wanted = set(paths)
        items = [item for item in self.scan() if item.path in wanted]
        gone = wanted - {item.path for item in items}
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self._delete(list(gone))
            self._store(items, time.time_ns())
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise

    def _delete(self, paths: list[str]) -> None:
        for table in ("files", "tasks", "links"):
            self.conn.executemany(f"DELETE FROM {table} WHERE path=?", [(p,) for p in paths])

    def _store(self, items: list[Scanned], started_ns: int) -> None:
        show = self.progress and len(items) > 2000 and sys.stderr.isatty()
        racy_limit = started_ns - RACY_SECONDS * 1_000_000_000
        self._delete([item.path for item in items])
        file_rows, task_rows, link_rows = [], [], []
        for done, item in enumerate(items, 1):
            if show and done % 1000 == 0:
                sys.stderr.write(f"\rplaincrm: indexing {done}/{len(items)} files")
                sys.stderr.flush()
            racy = 1 if item.stat[0] >= racy_limit else 0
            try:
                with open(self.root / item.path, "rb") as handle:
                    data = handle.read()
                record = parse_record(item.type, item.path, decode(item.path, data))
            except ParseFailure as failure:
                file_rows.append(
                    (
                        item.path,
                        item.type.name,
                        item.slug,
                        *item.stat,
                        racy,
                        None,
                        None,
                        json.dumps(failure.problem.as_json()),
                        None,
                    )
                )
                continue
            except OSError:
                continue
            file_rows.append(
                (
                    item.path,
                    item.type.name,
                    item.slug,
                    *item.stat,
                    racy,
                    record.title,
                    record.owner,
                    None,
                    json.dumps(_record_data(record)),
                )
            )
            for task in record.tasks:
                task_rows.append(
                    (
                        item.path,
                        task.pos,
                        task.id,
                        int(task.checked),
                        task.title,
                        task.due,
                        task.at,
                        task.dur,
                        task.done,
                        record.task_owner(task),
                        task.line,
                        task.note,
                        json.dumps(task.attrs),
                    )
                )
            for field, target_type in self.ref_fields(item.type).items():
                value = record.fields.get(field)
                if isinstance(value, str) and value:
                    link_rows.append((item.path, field, f"{target_type}:{value}"))
        if show:
            sys.stderr.write(f"\rplaincrm: indexed {len(items)} files.{' ' * 20}\n")
        self.conn.executemany("INSERT INTO files VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", file_rows)
        self.conn.executemany("INSERT INTO tasks VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)", task_rows)
        self.conn.executemany("INSERT INTO links VALUES(?,?,?)", link_rows)


def _record_data(record: Record) -> dict[str, Any]:
    return {
        "fields": record.fields,
        "lines": record.lines,
        "problems": [[p.line, p.message] for p in record.problems],
        "log": [entry.as_json() for entry in record.log],
        "body_line": record.body_line,
    }
