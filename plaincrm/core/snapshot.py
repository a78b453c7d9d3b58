"""The CRM as it was: a store that reads a past commit from git's objects (``--as-of``).

``History(store)`` reads the current branch's first-parent history once (one
``git log``); ``History.at(moment)`` is the last commit of that history whose
commit time is at or before the moment, ``History.store(commit, types)`` a
read-only ``Store`` of the records that commit holds: listed with ``git
ls-tree``, their contents read with one ``git cat-file --batch``, parsed once
per content (``blobcache``), put into an index in memory.  Nothing is checked
out; the user's files, git's index and the CRM's own index are never touched.
Every domain function that reads through a ``Store`` works on a snapshot as it
does on the work tree; the snapshot's ``today()`` is the day it shows.

The settings (``plaincrm.yaml``: stages, rates, users) are today's, so that a
past pipeline is shown in the stages the team uses now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from ..git import repo as gitrepo
from .blobcache import BlobCache, Wanted
from .dates import parse_date, parse_time
from .errors import BrokenFileError, NotFoundError, UsageError
from .index import Index, record_from_row, task_from_row
from .model import TYPES, Record, is_record_path
from .records import ParseFailure, decode
from .store import Store, ref_fields, type_of_path

AS_OF_HELP = "DATE[ HH:MM]"


@dataclass(frozen=True)
class Moment:
    """A moment as typed: the end of a day, or a minute of it."""

    day: date
    minute: time | None = None

    @property
    def limit(self) -> float:
        """The first second after the moment (seconds since the epoch, local time)."""
        if self.minute is None:
            end = datetime.combine(self.day + timedelta(days=1), time())
        else:
            end = datetime.combine(self.day, self.minute) + timedelta(minutes=1)
        return end.astimezone().timestamp()

    def text(self) -> str:
        return self.day.isoformat() + (f" {self.minute:%H:%M}" if self.minute else "")


def parse_moment(text: str, today: date) -> Moment:
    """``DATE[ HH:MM]`` (any DATE form: ``2026-10-01``, ``-1m``, ``monday`` ...; a weekday
    name is the last one, today included); a bad one is a ``UsageError``."""
    words = text.split()
    if not 1 <= len(words) <= 2:
        raise UsageError(
            f"--as-of {text!r}: expected DATE or 'DATE HH:MM', like 2026-10-01 or "
            "'2026-10-01 14:30'"
        )
    day = parse_date(words[0], today, past=True)
    return Moment(day, time.fromisoformat(parse_time(words[1])) if len(words) == 2 else None)


@dataclass(frozen=True)
class Commit:
    """A commit of the first-parent history."""

    id: str
    time: int  # commit time, seconds since the epoch
    subject: str

    @property
    def when(self) -> datetime:
        return datetime.fromtimestamp(self.time).astimezone()

    def describe(self) -> str:
        return f"commit {self.id[:7]} of {self.when:%Y-%m-%d %H:%M}"

    def as_json(self) -> dict[str, str]:
        return {"commit": self.id, "date": self.when.isoformat(), "subject": self.subject}


class History:
    """The current branch's first-parent history of one CRM, and its snapshots."""

    def __init__(self, store: Store) -> None:
        self.live = store
        self.root = store.root
        if gitrepo.toplevel(store.root) is None:
            raise UsageError(
                "the CRM's past is read from git, and this CRM is not in a git repository "
                "(run 'git init' and commit to start its history)"
            )
        self.commits = [Commit(*entry) for entry in gitrepo.first_parent_commits(store.root)]
        self._cache: BlobCache | None = None
        self._records: dict[tuple[str, str], Record | None] = {}  # (path, blob) -> record
        self._stores: dict[tuple[str, Moment, tuple[str, ...]], SnapshotStore] = {}

    @property
    def cache(self) -> BlobCache:
        if self._cache is None:
            self._cache = BlobCache(self.root)
        return self._cache

    def at(self, moment: Moment) -> Commit:
        """The last commit made at or before ``moment``; a ``UsageError`` before the first."""
        limit = moment.limit
        for commit in self.commits:
            if commit.time < limit:
                return commit
        if not self.commits:
            raise UsageError("this CRM has no commits yet: there is no past to show")
        first = self.commits[-1]
        raise UsageError(
            f"{moment.text()} is before the first commit of this CRM ({first.describe()}): "
            f"give a date on or after {first.when:%Y-%m-%d}"
        )

    def commit_at(self, moment: Moment) -> Commit | None:
        """The commit the CRM was at ``moment``; None when it had none yet (nothing)."""
        if not self.commits or self.commits[-1].time >= moment.limit:
            return None
        return self.at(moment)

    def records_at(self, commit: Commit | None, type_name: str) -> list[Record]:
        """The readable records of a type in ``commit`` (None: before the first commit,
        none), with their tasks, by slug; each content made a ``Record`` once per process
        (reports that read many snapshots share every unchanged record)."""
        if commit is None:
            return []
        folder = TYPES[type_name].folder
        listed = [
            Wanted(path, type_name, path.rsplit("/", 1)[1][:-3], blob)
            for path, blob in gitrepo.tree_blobs(self.root, commit.id, [folder])
            if is_record_path(path)
        ]
        missing = [item for item in listed if (item.path, item.blob) not in self._records]
        if missing:
            files, tasks, *_ = self.cache.rows(missing, lambda ids: gitrepo.blobs(self.root, ids))
            by_path: dict[str, list[Any]] = {}
            for row in tasks:
                by_path.setdefault(row[0], []).append(row)
            for row in files:  # path, type, slug, 4 stat columns, racy, blob, title, owner,
                path, blob, fatal, data, details = row[0], row[8], *row[11:14]  # fatal ...
                record = None
                if fatal is None:
                    record = record_from_row(TYPES[type_name], path, data, details)
                    record.tasks = [task_from_row(_task_columns(t)) for t in by_path.get(path, [])]
                self._records[(path, blob)] = record
        found = [self._records.get((item.path, item.blob)) for item in listed]
        return sorted((r for r in found if r is not None), key=lambda r: r.slug)

    def store(self, moment: Moment, types: Iterable[str] | None = None) -> SnapshotStore:
        """A read-only store of the records of ``types`` (default all) as they were at
        ``moment``, whose ``today()`` is its day; a ``UsageError`` before the first commit."""
        commit = self.at(moment)
        wanted = tuple(sorted(types or TYPES))
        key = (commit.id, moment, wanted)
        found = self._stores.get(key)
        if found is None:
            found = SnapshotStore(self, commit, moment, wanted)
            self._stores[key] = found
        return found


def _task_columns(row: Sequence[Any]) -> tuple[Any, ...]:
    """A ``tasks`` row (path, pos, id, checked, title, due, at, dur, done, owner, line,
    note, attrs) as ``index.task_from_row`` reads it (``index.TASK_COLUMNS``)."""
    return (row[1], row[3], row[4], row[10], row[11], row[12])


class SnapshotStore(Store):
    """A ``Store`` of the records one commit holds; reading only (``--as-of``)."""

    def __init__(
        self, history: History, commit: Commit, moment: Moment, types: tuple[str, ...]
    ) -> None:
        live = history.live
        super().__init__(live.root, live.config, live.warn)
        self.shown = commit
        self.moment = moment
        self.day = moment.day
        folders = [TYPES[name].folder for name in types]
        self.blobs: dict[str, str] = {}
        wanted = []
        for path, blob in gitrepo.tree_blobs(live.root, commit.id, folders):
            if is_record_path(path):
                self.blobs[path] = blob
                rtype = type_of_path(path)
                wanted.append(Wanted(path, rtype.name, path.rsplit("/", 1)[1][:-3], blob))
        rows = history.cache.rows(wanted, lambda ids: gitrepo.blobs(live.root, ids))
        index = Index(live.root, TYPES.values(), ref_fields, use_git=False, in_memory=True)
        index.add_rows([rows], [])
        self.__dict__["_index"] = index
        self._fresh = True

    def today(self) -> date:
        return self.day

    def heading(self) -> str:
        """The line that says what a command shows."""
        return f"As of {self.moment.text()}: {self.shown.describe()} ({self.shown.subject})"

    def as_of_json(self) -> dict[str, str]:
        return {"asked": self.moment.text(), **self.shown.as_json()}

    def exists(self, type_name: str, slug: str) -> bool:
        return f"{TYPES[type_name].folder}/{slug}.md" in self.blobs

    def _read(self, path: str) -> str:
        blob = self.blobs.get(path)
        data = gitrepo.blobs(self.root, [blob]).get(blob) if blob else None
        if data is None:
            raise NotFoundError(f"{path} did not exist at {self.shown.describe()}")
        try:
            return decode(path, data)
        except ParseFailure as failure:
            raise BrokenFileError(failure.problem) from None

    def lock_writes(self) -> None:
        raise UsageError("--as-of shows the CRM as it was: it changes nothing")


def snapshot_of(store: Store, text: str) -> SnapshotStore:
    """The store of the CRM as it was at the moment ``text`` (``DATE[ HH:MM]``)."""
    moment = parse_moment(text, store.today())
    return History(store).store(moment)
