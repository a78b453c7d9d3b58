"""The write journal: what a command wrote and has not committed yet.

Before a command writes a record file it notes in ``.plaincrm/journal`` the
file's text before (none for a new file) and the id of the text it writes.
The journal is emptied when the command's commit is made (or when a command
outside git ends).  When the command fails -- its commit failed, an edit was
refused, Ctrl-C -- the files it wrote are taken back; when its process died
(``kill -9``, a crash) the next command that takes the write lock finds the
journal and takes them back.  So a command's change is either complete
(committed) or not there at all, never half: no untracked files of an
interrupted import, no edit that the next command would commit as a hand edit.

A file is taken back only while it still holds what the command wrote and git
does not have that text committed: a file changed since by someone else (or
already committed) is left alone.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .index import INDEX_DIR, blob_id

JOURNAL = "journal"  # in .plaincrm/, while a command has uncommitted writes


@dataclass
class Entry:
    """One file a command wrote: its text before (None: the command created it)
    and the blob id of the text it wrote last."""

    path: str
    before: str | None
    after: str


@dataclass
class Outcome:
    """What taking back a journal did."""

    restored: list[str]  # written back as they were (or removed: created by the command)
    kept: list[str]  # changed since, or committed: left as they are
    committed: list[str] = field(default_factory=list)  # of kept: HEAD has what was written


Committed = Callable[[list[str]], dict[str, str]]  # paths -> their blob ids in HEAD


class Journal:
    """The journal of the command this process runs in one CRM (held with the write lock)."""

    def __init__(self, root: Path, durable: bool = True) -> None:  # durable: fsync each note
        self.root = root
        self.file = root / INDEX_DIR / JOURNAL
        self.durable = durable
        self.entries: dict[str, Entry] = {}
        self._handle: IO[str] | None = None

    def note(self, path: str, before: str | None, after: str) -> None:
        """Say, before writing ``path``, what it holds and what it will hold.  Written
        again by the same command, the file keeps the text it held before the first
        write; changed by someone else in between (or not written after all), the text
        it holds now is what to take it back to."""
        first = self.entries.get(path)
        ours = first is not None and first.after == _blob(before)
        entry = Entry(path, first.before if first and ours else before, blob_id(after.encode()))
        self.entries[path] = entry
        line = {"path": path, "before": entry.before, "after": entry.after}
        try:
            if self._handle is None:
                self._handle = open(self.file, "a", encoding="utf-8")  # noqa: SIM115 (kept open)
            self._handle.write(json.dumps(line, ensure_ascii=False) + "\n")
            self._handle.flush()
            if self.durable:
                os.fsync(self._handle.fileno())
        except OSError:
            pass  # .plaincrm/ not writable: taken back in this process only (not after kill -9)

    def pending(self) -> list[str]:
        return list(self.entries)

    def forget(self, paths: Iterable[str]) -> None:
        """The files are committed (or final): no longer to be taken back."""
        for path in paths:
            self.entries.pop(path, None)
        if not self.entries:
            self.clear()

    def clear(self) -> None:
        self.entries.clear()
        try:
            if self._handle is not None:
                self._handle.close()
            self.file.unlink(missing_ok=True)
        except OSError:
            pass
        self._handle = None

    def take_back(self, committed: Committed) -> Outcome:
        """Write back what the files held before (remove the ones created), then clear."""
        outcome = take_back(self.root, list(self.entries.values()), committed)
        self.clear()
        return outcome


def read(root: Path) -> list[Entry] | None:
    """The entries a journal left on disk (by a process that died), None without one.
    A line cut short (the process died writing it) is no entry: its file was not
    written yet."""
    try:
        text = (root / INDEX_DIR / JOURNAL).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    entries: dict[str, Entry] = {}
    for line in text.splitlines():
        try:
            data = json.loads(line)
            path, before, after = data["path"], data["before"], data["after"]
        except (ValueError, KeyError, TypeError):
            continue
        if not isinstance(path, str) or not isinstance(after, str):
            continue
        first = entries.get(path)
        entries[path] = Entry(path, first.before if first else before, after)
    return list(entries.values())


def recover(root: Path, committed: Committed) -> Outcome | None:
    """Take back what a command that died left in the journal (the caller holds the
    write lock, so that command is over); None when there is no journal."""
    entries = read(root)
    if entries is None:
        return None
    outcome = take_back(root, entries, committed)
    (root / INDEX_DIR / JOURNAL).unlink(missing_ok=True)
    return outcome


def take_back(root: Path, entries: list[Entry], committed: Committed) -> Outcome:
    outcome = Outcome([], [])
    ours: list[Entry] = []
    _remove_temporaries(root, [entry.path for entry in entries])
    for entry in entries:
        now = _blob_of(root / entry.path)
        if now is None and entry.before is None:
            continue  # created, never written (or already removed)
        if now == entry.after:
            ours.append(entry)
        elif entry.before is None or now != blob_id(entry.before.encode("utf-8")):
            outcome.kept.append(entry.path)  # somebody changed it since
    in_head = committed([entry.path for entry in ours]) if ours else {}
    for entry in ours:
        if in_head.get(entry.path) == entry.after:
            outcome.kept.append(entry.path)  # the command's commit was made
            outcome.committed.append(entry.path)
            continue
        full = root / entry.path
        if entry.before is None:
            full.unlink(missing_ok=True)
        else:
            _write_back(full, entry.before)
        outcome.restored.append(entry.path)
    return outcome


def _blob(text: str | None) -> str | None:
    return None if text is None else blob_id(text.encode("utf-8"))


def _blob_of(full: Path) -> str | None:
    try:
        return blob_id(full.read_bytes())
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _write_back(full: Path, text: str) -> None:
    import secrets

    tmp = full.parent / f".{full.name}.{secrets.token_hex(4)}.tmp"
    with open(tmp, "wb") as handle:
        handle.write(text.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, full)


_TEMPORARY_RE = re.compile(r"^\.(.+)\.[0-9a-f]{8}\.tmp$")  # ._write_temp's names


def _remove_temporaries(root: Path, paths: list[str]) -> None:
    """The temporary files of atomic writes of ``paths`` that never got renamed."""
    folders: dict[str, set[str]] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, set()).add(name)
    for folder, names in folders.items():
        try:
            listing = os.listdir(root / folder)
        except OSError:
            continue
        for name in listing:
            match = _TEMPORARY_RE.match(name)
            if match and match.group(1) in names:
                (root / folder / name).unlink(missing_ok=True)
