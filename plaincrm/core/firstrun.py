"""The first run on a large CRM: ``today`` without waiting for the whole index.

A fresh clone has no index, and building it parses every record file (seconds
at tens of thousands of files).  The day view of one person needs far less:
the open tasks due by that day, the open deals and unresolved tickets of that
person, the invoices and payments, the names of clients, the clients with mail
(``today``'s mail lists), and every broken file (it is warned about).
``quick_index`` reads each record file once and decides with a cheap look at
its bytes (``needs_parse``) whether it can matter to that view; the files that
can, and every file the look is not sure about, are parsed by the one record
parser into an index in memory, and the day view reads that index as it would
read the full one.  A second look reads the few files a deal's next step
depends on beyond the deal (its client's card and the client's other open
deals, ``_read_next_step_cards``).  The full index is built by a separate
process in the meantime (``store.Store.day_store``).

The look only ever leaves a file out when it is certain: the front matter is
of the simple shapes the line scanner of ``frontmatter`` reads (checked with one
regular expression, ``SIMPLE_FRONT``) with no key twice, the file is UTF-8
with no conflict marker, and the few values the view depends on (owner, stage,
status, kind, a client's name) are plain scalars.  Anything else is parsed.
``tests/test_firstrun.py`` checks the look against the parser and the quick
view against the full one.  What the day view reads and what ``needs_parse``
picks must stay in step: a kind whose ``attention`` reads other records or
fields needs its ``first_run`` to pick them (``core.kinds``).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from array import array
from collections.abc import Callable, Iterable
from contextlib import suppress
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .frontmatter import NULL_WORDS
from .index import (
    INDEX_DIR,
    RACY_SECONDS,
    FileRow,
    Index,
    Parser,
    Rows,
    Signature,
    empty_rows,
    files_now_ns,
    in_chunks,
    linked_out,
    signature,
)
from .kinds import FirstRun
from .model import RecordType

QUICK_MIN = 2000  # fewer record files than this: the full index is built at once

# Front matter that ``frontmatter.scan_simple`` reads without falling back: top-level
# ``key: value`` lines (plain or double-quoted scalars, flow lists of plain items),
# blank and comment lines, and block lists of scalars or flat mappings indented by
# two spaces (mapping keys by four).  Stricter than the scanner, never looser.
_KEY = rb"[A-Za-z_][A-Za-z0-9_-]*"
_NOT_FIRST = rb"\s'\"\[\]{}#&*!|>%@`,:?\-"
_PLAIN = rb"[^" + _NOT_FIRST + rb"][^\t\r\n#:]*(?::[^\s#:][^\t\r\n#:]*)*"
_QUOTED = rb"\"[^\"\\\r\n]*\""
_ITEM_WORD = rb"[^\s\[\]{}#'\"&*!|>%@`,:]+"
_ITEM = rb"[^" + _NOT_FIRST + rb"][^\s\[\]{}#'\"&*!|>%@`,:]*(?: +" + _ITEM_WORD + rb")*"
_FLOW = rb"\[ *(?:" + _ITEM + rb"(?: *, *" + _ITEM + rb")*)? *\]"
_END = rb" *\n"
_BLANK = rb"(?: *#[^\n]*| *)\n"
_SCALAR = rb"(?:" + _PLAIN + rb"|" + _QUOTED + rb")"
_PAIR = _KEY + rb":(?: +" + _SCALAR + rb")?" + _END
_BLOCK_ITEM = (
    rb"  - (?:" + _PAIR + rb"(?:" + _BLANK + rb"|    " + _PAIR + rb")*|" + _SCALAR + _END + rb")"
)
_ENTRY = (
    _KEY
    + rb":(?: +(?:"
    + _PLAIN
    + rb"|"
    + _QUOTED
    + rb"|"
    + _FLOW
    + rb")"
    + _END
    + rb"|"
    + _END
    + rb"(?:"
    + _BLANK
    + rb"|"
    + _BLOCK_ITEM
    + rb")*)"
)
SIMPLE_FRONT = re.compile(rb"(?:" + _BLANK + rb"|" + _ENTRY + rb")*")
_TOP_RE = re.compile(rb"^(" + _KEY + rb"):([^\n]*)\n", re.M)
_ITEM_KEY_RE = re.compile(rb"(?:\A|\n    )(" + _KEY + rb"):")
_CONFLICT = (b"<<<<<<<", b">>>>>>>", b"=======")
_OPEN_TASK = (b"- [ ]", b"* [ ]", b"+ [ ]")
_SPACE = frozenset(b" \t\r\n")

UNSURE = object()  # a value the look cannot read for certain


def front_values(data: bytes) -> dict[bytes, bytes] | None:
    """The raw top-level values of a file's front matter, or None when the file may
    not parse (not UTF-8, a conflict marker, front matter of another shape, a key
    written twice)."""
    if not data.startswith(b"---\n"):
        return None
    end = data.find(b"\n---\n", 3)
    if end < 0:
        return None
    for marker in _CONFLICT:  # the one-byte search first: a plain byte scan
        if marker[:1] in data and marker in data:
            return None
    if not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    front = data[4 : end + 1]
    if not SIMPLE_FRONT.fullmatch(front):
        return None
    pairs = _TOP_RE.findall(front)
    values = dict(pairs)
    if len(values) != len(pairs):
        return None
    if b"\n  - " in front:
        for item in front.split(b"\n  - ")[1:]:
            keys = _ITEM_KEY_RE.findall(item)
            if len(set(keys)) != len(keys):
                return None
    return values


def scalar(raw: bytes | None) -> object:
    """The text of a raw top-level value as the parser reads it: a ``str``, None for a
    missing or null value, ``UNSURE`` for an empty one (a block list may follow) or a
    list."""
    if raw is None:
        return None
    text = raw.strip(b" ")
    if not text or text[:1] == b"[":
        return UNSURE
    if text[:1] == b'"':
        return text[1 : text.index(b'"', 1)].decode("utf-8")
    value = text.decode("utf-8")
    return None if value in NULL_WORDS else value


def due_lines(data: bytes, day: bytes) -> list[bytes] | None:
    """The open task lines that may be due by ``day`` (an ISO date), or None if none:
    every ``due:`` of every other open-task line names a later date."""
    found: list[bytes] = []
    pos = data.find(b"due:")
    while pos >= 0:
        value = data[pos + 4 : pos + 14]
        after = data[pos + 14 : pos + 15]
        later = (
            len(value) == 10
            and value[4:5] == b"-"
            and value[7:8] == b"-"
            and value > day
            and (not after or after[0] in _SPACE)
        )
        if not later:
            start = data.rfind(b"\n", 0, pos) + 1
            if data[start : start + 5] in _OPEN_TASK:
                stop = data.find(b"\n", pos)
                found.append(data[start : stop if stop >= 0 else len(data)])
        pos = data.find(b"due:", pos + 4)
    return found or None


def needs_parse(data: bytes, rtype: RecordType, day: bytes, owner: str | None) -> bool | str:
    """Whether the day view of ``owner`` (None: everybody) on ``day`` (an ISO date) may
    depend on this file: True to parse it (its open tasks may be due); else what its
    kind's look (``RecordType.first_run``) says: True; for a client that does not
    matter, its name (what the view shows for it, "" for none); for somebody else's
    open deal (``first_run_link``), its client's slug (``quick_index`` reads it when
    that client's card may hold the next step of one of the view's deals); False for
    any other file that does not."""
    values = front_values(data)
    if values is None:
        return True
    record_owner = scalar(values.get(b"owner"))
    mine = owner is None or record_owner in (owner, None, UNSURE)
    if mine or data.find(b"owner:", data.find(b"\n---\n", 3)) >= 0:  # a task's owner
        tasks = due_lines(data, day)
        if tasks and (mine or any(b"owner:" in line for line in tasks)):
            return True
    look = _LOOKS.get(rtype)
    if look is None:
        look = _LOOKS[rtype] = rtype.first_run() if rtype.first_run else _never
    return look(values, data, mine)


_LOOKS: dict[RecordType, FirstRun] = {}  # each kind's look (``RecordType.first_run``), once got


def _never(values: dict[bytes, bytes], data: bytes, mine: bool) -> bool:
    return False


Found = dict[str, tuple[str, bool]]  # path -> type name, whether a regular file


def record_files(root: Path, types: Iterable[RecordType]) -> Found:
    """Every candidate record file: path -> (type name, is a regular file) of each ``*.md``
    directly in a record folder that is a regular file or a symlink (none in a folder
    that is a symlink leading out of the CRM)."""
    found: Found = {}
    types = list(types)
    outside = linked_out(root, types)
    for rtype in types:
        if rtype.folder in outside:
            continue
        try:
            with os.scandir(root / rtype.folder) as entries:
                for entry in entries:
                    name = entry.name
                    if not name.endswith(".md") or name.startswith("."):
                        continue
                    regular = entry.is_file(follow_symlinks=False)
                    if regular or entry.is_symlink():
                        found[f"{rtype.folder}/{name}"] = (rtype.name, regular)
        except (FileNotFoundError, NotADirectoryError):
            continue
    return found


_BLOCK = 1 << 16
_WORK: dict[str, Any] = {}  # what the forked workers need: root, parser, types, day, owner
HORIZON = 3  # days: a quick index holds the tasks due until the next working day (``plan``) too
SNAPSHOT = "quick-{}.sqlite"  # in INDEX_DIR: a quick index kept for the commands that follow
Glanced = dict[str, Signature]  # the stat signature of each file a quick index looked at


def snapshot_path(root: Path, owner: str | None) -> Path:
    """Where the quick index of ``owner``'s day views is kept until the index is built."""
    import hashlib

    name = "all" if owner is None else hashlib.sha1(owner.encode()).hexdigest()[:12]
    return root / INDEX_DIR / SNAPSHOT.format(name)


def forget_snapshots(root: Path) -> None:
    """Remove the kept quick indexes (the whole index is built)."""
    for path in (root / INDEX_DIR).glob(SNAPSHOT.format("*")):
        path.unlink(missing_ok=True)


def quick_index(
    root: Path,
    types: Iterable[RecordType],
    ref_fields: Callable[[RecordType], dict[str, str]],
    day: date,
    owner: str | None,
) -> Index | None:
    """An index in memory with what the day view of ``owner`` on ``day`` reads, or None
    when the CRM is small enough to build the whole index at once (``QUICK_MIN``).

    The first quick index is kept on disk (``snapshot_path``), holding the tasks due
    up to ``HORIZON`` days later and the stat signature of every file it looked at,
    so that the commands that follow while the whole index is being built take it
    up instead of looking at every file again: only the files whose signature
    changed (or that were written within ``RACY_SECONDS`` of the look) are looked at
    again, and those that are gone dropped.
    """
    types = list(types)
    files = record_files(root, types)
    if len(files) < QUICK_MIN:
        return None
    kept = snapshot_path(root, owner)
    started = files_now_ns(root)
    quick = _taken_up(root, types, ref_fields, kept, day, owner, files, started)
    if quick is None:
        quick = Index(root, types, ref_fields, in_memory=True)
        horizon = day + timedelta(days=HORIZON)
        glanced: Glanced = {}
        _look(quick, types, horizon, owner, list(files.items()), glanced)
        _keep(quick, kept, horizon, owner, started, glanced)
    return quick


def _taken_up(
    root: Path,
    types: list[RecordType],
    ref_fields: Callable[[RecordType], dict[str, str]],
    kept: Path,
    day: date,
    owner: str | None,
    files: Found,
    started: int,
) -> Index | None:
    """The kept quick index, brought up to date with ``files``; None when there is none
    for this owner and day (another version's, another owner's, or an earlier day's)."""
    quick = Index(root, types, ref_fields, in_memory=True)
    try:
        source = sqlite3.connect(f"{kept.absolute().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(quick.conn)
        finally:
            source.close()
        meta = dict(quick.conn.execute("SELECT key, value FROM meta").fetchall())
        sigs = array("q", meta.get("quick_signatures") or b"")
        paths = (meta.get("quick_paths") or "").split("\0")
        glanced: Glanced = {
            path: (sigs[i], sigs[i + 1], sigs[i + 2], sigs[i + 3])
            for path, i in zip(paths, range(0, len(sigs), 4), strict=False)
        }
    except (sqlite3.Error, TypeError, ValueError):
        return None
    horizon = date.fromisoformat(meta.get("quick_horizon") or "0001-01-01")
    if (
        meta.get("fingerprint") != quick.fingerprint()
        or meta.get("quick_owner") != json.dumps(owner)
        or horizon < day
    ):
        return None
    racy_limit = int(meta.get("quick_taken") or 0) - RACY_SECONDS * 1_000_000_000
    changed = []
    for path, (type_name, regular) in files.items():
        before = glanced.get(path)
        try:
            sig = signature(os.stat(os.path.join(root, path))) if regular else None
        except OSError:
            sig = None  # gone meanwhile: looked at again, it is dropped
        if sig is None or before != sig or max(sig[0], sig[3]) >= racy_limit:
            changed.append((path, (type_name, regular)))
    gone = [path for path in glanced if path not in files]
    if changed or gone:
        again = [path for path, _ in changed] + gone
        with quick.transaction():
            quick.forget(again)
        for path in again:
            glanced.pop(path, None)
        _look(quick, types, horizon, owner, changed, glanced)
        _keep(quick, kept, horizon, owner, started, glanced)
    return quick


def _look(
    quick: Index,
    types: list[RecordType],
    horizon: date,
    owner: str | None,
    files: list[tuple[str, tuple[str, bool]]],
    glanced: Glanced,
) -> None:
    """Look at ``files`` and put into ``quick`` what the day views of ``owner`` up to
    ``horizon`` may need of them (``needs_parse``), and their signatures into
    ``glanced``."""
    _WORK.update(
        root=os.path.join(quick.root, ""),
        parser=Parser(types, quick.refs, racy_limit=0),
        types={t.name: t for t in types},
        day=horizon.isoformat().encode(),
        owner=owner,
    )
    regular = [(path, type_name) for path, (type_name, plain) in files if plain]
    results = list(in_chunks(_glance_chunk, regular, 1000))
    quick.add_rows(
        (rows for rows, *_ in results), (title for _, titles, *_ in results for title in titles)
    )
    for _, _, paths, sigs, _, _ in results:
        glanced.update(
            (path, (sigs[i], sigs[i + 1], sigs[i + 2], sigs[i + 3]))
            for path, i in zip(paths, range(0, len(sigs), 4), strict=True)
        )
    # symlinks (the index decides which it reads) and files that could not be read
    quick.update(
        [p for p, (_, plain) in files if not plain] + [p for *_, bad, _ in results for p in bad]
    )
    _read_next_step_cards(quick.root, quick, [pair for *_, deals in results for pair in deals])


def _keep(
    quick: Index, kept: Path, horizon: date, owner: str | None, started: int, glanced: Glanced
) -> None:
    """Write the quick index to ``kept`` with what it was made for and the signatures of
    the files it looked at (atomically; not at all where it cannot)."""
    sigs = array("q", [number for sig in glanced.values() for number in sig])
    with quick.transaction():
        quick.conn.executemany(
            "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
            [
                ("quick_horizon", horizon.isoformat()),
                ("quick_owner", json.dumps(owner)),
                ("quick_taken", str(started)),
                ("quick_paths", "\0".join(glanced)),
                ("quick_signatures", sigs.tobytes()),
            ],
        )
    temporary = kept.with_name(f".{kept.name}.{os.getpid()}.tmp")
    try:
        target = sqlite3.connect(temporary)
        try:
            target.execute("PRAGMA synchronous=OFF")  # a copy: renamed in place, or lost
            quick.conn.backup(target)
        finally:
            target.close()
        os.replace(temporary, kept)
    except (sqlite3.Error, OSError):
        with suppress(OSError):
            os.unlink(temporary)


def _read_next_step_cards(root: Path, quick: Index, others: list[tuple[str, str]]) -> None:
    """Read into ``quick`` what the next step of the view's open deals depends on beyond
    the deals: an open deal with no task of its own has its next step on its client's
    card when it is the client's one open deal (``sales.deals.deal_flags``).  So: the card
    of its client, when it may hold an open task (a ``[ ]``), and, when it does, the
    client's other open deals the look left out (``others``: path and client)."""
    stepless = {
        client
        for (client,) in quick.conn.execute(
            "SELECT json_extract(data, '$.client') FROM facts "
            "WHERE type = 'deal' AND json_extract(data, '$.open_tasks') = 0"
        )
        if client
    }
    cards = []
    for (path,) in quick.conn.execute(  # the clients the look left out (regular files)
        "SELECT path FROM files WHERE type = 'client' AND data IS NULL AND fatal IS NULL"
    ):
        if path[path.index("/") + 1 : -3] in stepless:
            try:
                with open(root / path, "rb") as handle:
                    if b"[ ]" in handle.read():
                        cards.append(path)
            except OSError:
                cards.append(path)  # the index says what is wrong with it
    if cards:
        quick.update(cards)
    busy = {
        slug
        for (slug,) in quick.conn.execute(
            "SELECT DISTINCT f.slug FROM tasks t JOIN files f ON f.path = t.path "
            "WHERE t.checked = 0 AND f.type = 'client'"
        )
    }
    deals = [path for path, client in others if client in stepless & busy]
    if deals:
        quick.update(deals)


def _glance_chunk(
    files: list[tuple[str, str]],
) -> tuple[Rows, list[FileRow], list[str], array[int], list[str], list[tuple[str, str]]]:
    """The rows of the files of ``files`` the day view may depend on, the title rows of
    the clients it does not, the files looked at and their signatures (four numbers
    each), the files that could not be read, and the other open deals left out with
    their clients."""
    root, parser, types = _WORK["root"], _WORK["parser"], _WORK["types"]
    day, owner = _WORK["day"], _WORK["owner"]
    rows = empty_rows()
    titles: list[FileRow] = []
    looked: list[str] = []
    sigs = array("q")
    unread: list[str] = []
    deals: list[tuple[str, str]] = []
    for path, type_name in files:
        slug = path[path.index("/") + 1 : -3]
        try:
            handle = os.open(root + path, os.O_RDONLY)
            try:
                parts = [os.read(handle, _BLOCK)]
                while len(parts[-1]) == _BLOCK:
                    parts.append(os.read(handle, _BLOCK))
                data = b"".join(parts)
                sig = signature(os.fstat(handle))
                found = needs_parse(data, types[type_name], day, owner)
                if found is True:
                    parser.add(rows, path, type_name, slug, sig, data)
            finally:
                os.close(handle)
        except OSError:
            unread.append(path)
            continue
        looked.append(path)
        sigs.extend(sig)
        if isinstance(found, str) and types[type_name].first_run_link:
            deals.append((path, found))
        elif isinstance(found, str):
            titles.append((path, type_name, slug, found or slug))
    return rows, titles, looked, sigs, unread, deals
