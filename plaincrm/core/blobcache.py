"""Parsed records kept by git blob id: parse each content once, whatever snapshot holds it.

A record file's parse (the rows ``index.Parser`` makes of it: its ``files`` row,
tasks, links and facts) depends only on its bytes and its path (the path gives
the type, the slug and the ``path:line`` of its problems).  Git names every
content by its blob id, so ``(path, blob id)`` is a key that is never stale:
two snapshots of the repository (two commits, a branch switch, ``--as-of``
dates a month apart, a second clone of the same repository) share the parse
of every record that did not change between them.

The cache lives in ``.plaincrm/blobs.sqlite`` (git-ignored with the index).
It is safe to share between processes (SQLite in WAL mode; a content is
written under one key whatever process parses it, ``INSERT OR IGNORE``) and
it is thrown away, never trusted, when the parser changes: its ``version`` is
the index's fingerprint (plaincrm's version, the index schema version and the
record schemas).  Deleting the file only costs parsing again.

API::

    cache = BlobCache(root)                    # opens (or makes) .plaincrm/blobs.sqlite
    wanted = [Wanted(path, type_name, slug, blob), ...]
    rows = cache.rows(wanted, read)            # -> index.Rows, in the order of ``wanted``
                                               #    read(blob ids) -> {blob id: bytes}, asked
                                               #    only for the blobs not parsed before
    cache.get(keys) / cache.put(parsed)        # the two halves of ``rows``

``rows`` gives the tables' rows as ``Index.add_rows`` takes them, with the
stat columns of the ``files`` rows empty (a content read from git has no stat
signature) and ``blob`` filled in.  ``read`` is usually ``git.repo.blobs``
(one ``git cat-file --batch`` for every missing blob); a caller that has the
bytes from the work tree gives a function reading them there.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

from .index import INDEX_DIR, Parser, Rows, empty_rows, fingerprint_of
from .model import TYPES
from .store import ref_fields

CACHE_NAME = "blobs.sqlite"  # in INDEX_DIR
_NO_STAT = (0, 0, 0, 0)  # the signature given to the parser: a blob has none
_BATCH = 500  # keys per SQL query


class Wanted(NamedTuple):
    """A record file as a tree or git's index lists it."""

    path: str
    type_name: str
    slug: str
    blob: str


Parsed = tuple[list[Any], list[list[Any]], list[list[Any]], list[list[Any]]]
# one file's rows: its ``files`` row, and its rows of ``tasks``, ``links``, ``facts``


class BlobCache:
    """The parsed-record cache of one CRM (``.plaincrm/blobs.sqlite``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.version = fingerprint_of(TYPES.values())
        self.conn = self._open()
        self.parsed = 0  # blobs parsed by this object (the others came from the cache)

    def _open(self) -> sqlite3.Connection:
        """The cache's database; in memory when ``.plaincrm`` cannot be written (a read-only
        clone still gets every snapshot, parsing again each time)."""
        folder = self.root / INDEX_DIR
        target = ":memory:"
        with suppress(OSError):
            folder.mkdir(exist_ok=True)
            target = str(folder / CACHE_NAME)
        try:
            conn = self._connect(target)
        except sqlite3.DatabaseError:  # unreadable: it is only a cache
            for suffix in ("", "-wal", "-shm"):
                with suppress(OSError):
                    Path(target + suffix).unlink()
            conn = self._connect(target)
        return conn

    def _connect(self, target: str) -> sqlite3.Connection:
        conn = sqlite3.connect(target, timeout=60, isolation_level=None)
        if target != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")  # a lost write only costs a parse
        conn.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT)")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS parsed(key TEXT PRIMARY KEY, rows TEXT NOT NULL) "
            "WITHOUT ROWID"
        )
        found = conn.execute("SELECT value FROM meta WHERE key='version'").fetchone()
        if found is None or found[0] != self.version:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM parsed")
            conn.execute(
                "INSERT OR REPLACE INTO meta(key, value) VALUES('version', ?)", (self.version,)
            )
            conn.execute("COMMIT")
        return conn

    @staticmethod
    def key(path: str, blob: str) -> str:
        return f"{blob}:{path}"

    def get(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Parsed]:
        """The parses kept of those ``(path, blob id)`` that were parsed before."""
        found: dict[tuple[str, str], Parsed] = {}
        by_key = {self.key(path, blob): (path, blob) for path, blob in keys}
        names = list(by_key)
        for start in range(0, len(names), _BATCH):
            chunk = names[start : start + _BATCH]
            marks = ",".join("?" * len(chunk))
            for key, rows in self.conn.execute(
                f"SELECT key, rows FROM parsed WHERE key IN ({marks})", chunk
            ):
                found[by_key[key]] = json.loads(rows)
        return found

    def put(self, parsed: Iterable[tuple[str, str, Parsed]]) -> None:
        """Keep the parses ``(path, blob id, rows)`` (one already kept stays as it is)."""
        items = [(self.key(path, blob), json.dumps(rows)) for path, blob, rows in parsed]
        if not items:
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            self.conn.executemany("INSERT OR IGNORE INTO parsed VALUES(?, ?)", items)
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def rows(self, wanted: Sequence[Wanted], read: Callable[[list[str]], dict[str, bytes]]) -> Rows:
        """The index rows of the records ``wanted``: kept ones from the cache, the others
        parsed from the bytes ``read`` gives for their blob ids (and kept).  A blob
        ``read`` does not give is left out."""
        kept = self.get([(item.path, item.blob) for item in wanted])
        missing = [item for item in wanted if (item.path, item.blob) not in kept]
        if missing:
            contents = read(sorted({item.blob for item in missing}))
            fresh = []
            for item in missing:
                data = contents.get(item.blob)
                if data is None:
                    continue
                parsed = parse_one(item, data)
                kept[(item.path, item.blob)] = parsed
                fresh.append((item.path, item.blob, parsed))
            self.parsed += len(fresh)
            self.put(fresh)
        out = empty_rows()
        files, tasks, links, facts, _ = out
        for item in wanted:
            found = kept.get((item.path, item.blob))
            if found is None:
                continue
            file_row, task_rows, link_rows, fact_rows = found
            files.append(tuple(file_row))
            tasks.extend(tuple(row) for row in task_rows)
            links.extend(tuple(row) for row in link_rows)
            facts.extend(tuple(row) for row in fact_rows)
        return out

    def close(self) -> None:
        self.conn.close()


_PARSER: list[Parser] = []


def parse_one(item: Wanted, data: bytes) -> Parsed:
    """The rows of one record file's bytes, its ``files`` row without a stat signature."""
    if not _PARSER:
        types = list(TYPES.values())
        _PARSER.append(Parser(types, {t.name: ref_fields(t) for t in types}, racy_limit=1))
    rows = empty_rows()
    _PARSER[0].add(rows, item.path, item.type_name, item.slug, _NO_STAT, data)
    files, tasks, links, facts, _ = rows
    path, type_name, slug = files[0][:3]
    file_row = [path, type_name, slug, None, None, None, None, 0, *files[0][8:]]
    return (file_row, [list(r) for r in tasks], [list(r) for r in links], [list(r) for r in facts])
