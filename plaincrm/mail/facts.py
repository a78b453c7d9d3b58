"""What the index keeps of a client's mail (the facts ``mail/kind.py`` adds to
clients), so that ``today``, ``mail list`` and ``mail import`` read one small row
per client with mail instead of its file.

``entries``: every entry as ``[key, stamp, direction, sender, recipients, thread key,
subject, deal, excerpt]``; ``threads``: the last entry of each thread as ``[thread key,
subject, stamp, direction, sender, [addresses], key]``; ``last``: the newest stamp
(``today`` reads only the clients whose mail is recent enough to matter).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..core.mailentries import MailEntry, addresses_in, thread_key
from ..core.model import Record

ENTRY_FIELDS = (
    "key", "stamp", "direction", "sender", "recipients", "thread", "subject", "deal", "excerpt",
)  # fmt: skip


def mail_facts(record: Record) -> dict[str, Any] | None:
    """The facts of a client with mail (None without)."""
    entries: list[MailEntry] = getattr(record, "mail", [])
    if not entries:
        return None
    threads: dict[str, MailEntry] = {}
    for entry in entries:
        key = _key(entry)
        if key not in threads or entry.stamp >= threads[key].stamp:
            threads[key] = entry
    return {
        "entries": [
            [
                entry.key,
                entry.stamp,
                entry.direction,
                entry.sender,
                entry.recipients,
                _key(entry),
                entry.thread,
                entry.deal,
                entry.excerpt,
            ]
            for entry in entries
        ],
        "threads": [
            [
                key,
                entry.thread,
                entry.stamp,
                entry.direction,
                entry.sender,
                addresses_in(f"{entry.sender} {entry.recipients}"),
                entry.key,
            ]
            for key, entry in threads.items()
        ],
        "last": max(entry.stamp for entry in entries),
    }


def _key(entry: MailEntry) -> str:
    return thread_key(entry.thread) if entry.thread else ""


def facts_rows(conn: sqlite3.Connection, what: str = "$.entries", since: str = "") -> list[Any]:
    """``(path, owner, data)`` of the clients with mail (``what``: the part of the facts;
    ``since``: only clients with mail on or after this stamp)."""
    rows = conn.execute(
        "SELECT path, owner, json_extract(data, ?) FROM facts WHERE type = 'client' "
        "AND json_extract(data, '$.last') >= ? ORDER BY path",
        (what, since),
    ).fetchall()
    return [(path, owner, json.loads(data)) for path, owner, data in rows if data]
