"""Where mail comes from: Maildir folders, mbox files, ``.eml`` files, IMAP mailboxes.

Each source lists its messages as ``Item``s: a key that stays the same from
one run to the next (a Maildir file's unique name, an mbox message's offset, an
``.eml`` file's path, an IMAP UID), where the message is (for one-line notes),
and its ``Summary`` (the header facts matching needs).  Summaries are kept in a
state file per source in ``.plaincrm/mail/`` (git-ignored, never shared), so a
run reads only the messages that arrived since the last one; a message read
before is matched again from its summary (a client added since finds its old
mail) and read again in full only when it is to be recorded.  For IMAP the
state also holds the mailbox's UIDVALIDITY and the highest UID seen.  Losing
the state costs one slower run; what is recorded is decided by the Message-IDs
in the client files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .message import HEADER_BYTES, Summary, summarize

STATE_DIR = ".plaincrm/mail"  # in the CRM root: index.INDEX_DIR, git-ignored
STATE_VERSION = 1


@dataclass
class Item:
    key: str
    where: str  # "INBOX/cur/1700000000.x:2,S", "sent.mbox at byte 1234", "imap UID 42"
    summary: Summary


class Source:
    """One place to read mail from (subclasses say how)."""

    label: str  # as the user named it

    def __init__(self, label: str, root: Path) -> None:
        self.label = label
        self.state_path = root / STATE_DIR / f"{_digest(self.identity())}.json"
        self.state: dict[str, Any] = {}

    def identity(self) -> str:
        return self.label

    def load_state(self) -> None:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            state = {}
        self.state = state

    def save_state(self) -> None:
        """Write the state atomically (a failure only costs a slower next run)."""
        self.state.update(version=STATE_VERSION, source=self.identity())
        try:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_path.with_name(f".{self.state_path.name}.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self.state, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.state_path)
        except OSError:
            pass

    def scan(self, since: str | None) -> list[Item]:
        """Every message (dated on or after ``since``, an ISO date, when the source can
        leave the others unread), with its summary."""
        raise NotImplementedError

    def read(self, items: list[Item]) -> Iterator[tuple[Item, bytes | None]]:
        """The bytes of each item (None: it could not be read any more)."""
        raise NotImplementedError

    def close(self) -> None:
        """Let go of what the source holds open (a connection)."""


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _cached(state: dict[str, Any], key: str) -> Summary | None:
    data = state.get("items", {}).get(key)
    if not isinstance(data, dict):
        return None
    try:
        return Summary.from_json(data)
    except (KeyError, TypeError):
        return None


def read_head(path: Path) -> tuple[bytes, datetime]:
    """The first bytes of a message file, through its header, and its modification time."""
    with open(path, "rb") as handle:
        data = handle.read(16384)
        while b"\n\n" not in data and b"\r\n\r\n" not in data and len(data) < HEADER_BYTES:
            more = handle.read(16384)
            if not more:
                break
            data += more
        stamp = datetime.fromtimestamp(os.fstat(handle.fileno()).st_mtime, timezone.utc)
    return data, stamp


# ---------------------------------------------------------------- Maildir


class MaildirSource(Source):
    """A Maildir folder (``cur/`` and ``new/``), as mbsync and offlineimap keep them."""

    def __init__(self, label: str, root: Path, path: Path) -> None:
        self.path = path.resolve()
        super().__init__(label, root)
        self.files: dict[str, str] = {}

    def identity(self) -> str:
        return f"maildir:{self.path}"

    def scan(self, since: str | None) -> list[Item]:
        self.load_state()
        items: list[Item] = []
        summaries: dict[str, Any] = {}
        old = self.state.get("items", {})
        for sub in ("cur", "new"):
            folder = os.path.join(self.path, sub)
            try:
                with os.scandir(folder) as entries:
                    names = [entry.name for entry in entries if not entry.name.startswith(".")]
            except FileNotFoundError:
                continue
            for name in names:
                key = name.split(":", 1)[0]
                full = os.path.join(folder, name)
                self.files[key] = full
                data = old.get(key)
                summary = _cached(self.state, key) if data is not None else None
                if summary is None:
                    try:
                        head, stamp = read_head(Path(full))
                    except OSError:
                        continue  # moved by the mail program meanwhile: the next run sees it
                    summary = summarize(head, stamp)
                    data = summary.as_json()
                summaries[key] = data
                items.append(Item(key, f"{self.label}/{sub}/{name}", summary))
        self.state["items"] = summaries
        items.sort(key=lambda item: (item.summary.utc, item.key))
        return items

    def read(self, items: list[Item]) -> Iterator[tuple[Item, bytes | None]]:
        for item in items:
            try:
                yield item, Path(self.files[item.key]).read_bytes()
            except (OSError, KeyError):
                yield item, None


def is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


# ---------------------------------------------------------------- mbox

_FROM_RE = re.compile(rb"(?:\A|\n)From ")
_ESCAPED_FROM_RE = re.compile(rb"^>(>*From )", re.M)


class MboxSource(Source):
    """An mbox file: messages start at lines beginning with ``From ``.

    A file that only grew since the last run (mail appended) is read from where
    the last run stopped; one changed otherwise is read whole again."""

    def __init__(self, label: str, root: Path, path: Path) -> None:
        self.path = path.resolve()
        super().__init__(label, root)
        self.data: bytes | None = None
        self.spans: dict[str, tuple[int, int]] = {}

    def identity(self) -> str:
        return f"mbox:{self.path}"

    def _bytes(self) -> bytes:
        if self.data is None:
            self.data = self.path.read_bytes()
        return self.data

    def scan(self, since: str | None) -> list[Item]:
        self.load_state()
        st = self.path.stat()
        size, mtime = st.st_size, st.st_mtime_ns
        old_size = self.state.get("size", 0)
        items_state: dict[str, Any] = self.state.get("items", {})
        start = 0
        if self.state.get("mtime") == mtime and old_size == size:
            start = size  # unchanged: every message is known
        elif 0 < old_size <= size and self.state.get("tail") == self._tail(old_size):
            start = old_size  # mail was appended
        else:
            items_state = {}
        offsets = [int(key) for key in items_state]
        if start < size:
            data = self._bytes()
            offsets += [
                match.start() + (1 if data[match.start() : match.start() + 1] == b"\n" else 0)
                for match in _FROM_RE.finditer(data, max(0, start - 1))
            ]
            offsets = sorted(set(offsets))
        ends = [*offsets[1:], size]
        items: list[Item] = []
        summaries: dict[str, Any] = {}
        for offset, end in zip(offsets, ends, strict=True):
            key = str(offset)
            self.spans[key] = (offset, end)
            summary = _cached({"items": items_state}, key)
            if summary is None:
                summary = summarize(self._message(offset, end))
            summaries[key] = summary.as_json()
            items.append(Item(key, f"{self.label} at byte {offset}", summary))
        self.state.update(items=summaries, size=size, mtime=mtime, tail=self._tail(size))
        return items

    def _tail(self, size: int) -> str:
        """A digest of the 4 KB before ``size``: whether the file still starts as it did."""
        if size <= 0:
            return ""
        with open(self.path, "rb") as handle:
            handle.seek(max(0, size - 4096))
            return hashlib.sha1(handle.read(min(size, 4096))).hexdigest()

    def _message(self, start: int, end: int) -> bytes:
        data = self._bytes()[start:end]
        body = data.split(b"\n", 1)[1] if data.startswith(b"From ") and b"\n" in data else data
        return _ESCAPED_FROM_RE.sub(rb"\1", body)

    def read(self, items: list[Item]) -> Iterator[tuple[Item, bytes | None]]:
        for item in items:
            span = self.spans.get(item.key)
            yield item, self._message(*span) if span else None


# ---------------------------------------------------------------- .eml files


class EmlSource(Source):
    """``.eml`` files (one message each), remembered by path, size and time."""

    def __init__(self, label: str, root: Path, paths: list[Path]) -> None:
        self.paths = sorted({path.resolve() for path in paths})
        super().__init__(label, root)

    def identity(self) -> str:
        return "eml:" + "\0".join(str(path) for path in self.paths)

    def scan(self, since: str | None) -> list[Item]:
        self.load_state()
        items: list[Item] = []
        summaries: dict[str, Any] = {}
        for path in self.paths:
            key = str(path)
            try:
                st = path.stat()
            except OSError:
                continue
            stamp = [st.st_size, st.st_mtime_ns]
            data = self.state.get("items", {}).get(key)
            summary = _cached(self.state, key) if data and data.get("stat") == stamp else None
            if summary is None:
                head, when = read_head(path)
                summary = summarize(head, when)
            summaries[key] = dict(summary.as_json(), stat=stamp)
            items.append(Item(key, str(path), summary))
        self.state["items"] = summaries
        return items

    def read(self, items: list[Item]) -> Iterator[tuple[Item, bytes | None]]:
        for item in items:
            try:
                yield item, Path(item.key).read_bytes()
            except OSError:
                yield item, None


# ---------------------------------------------------------------- from the command line
