"""Clients: create them, and assemble the client card with its contact history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import ConflictError, InvalidError
from ..core.ids import slugify, unique_slug
from ..core.mailentries import describe_entry, is_mail_line
from ..core.model import Record, path_of, slug_of
from ..core.records import new_record_text, record_notes
from ..core.setfields import Edit, Wanted, change_record, check_owner
from ..core.store import Store, TaskEntry, writes

KINDS = ("company", "person")


def client_names(store: Store, slugs: Iterable[str | None]) -> dict[str, str]:
    """Client slug -> name, for the clients among ``slugs`` that exist (from the index)."""
    titles = store.titles(path_of("client", slug) for slug in set(slugs) if slug)
    return {slug_of(path): title for path, title in titles.items()}


def new_owner(store: Store, owner: str | None) -> str | None:
    """The owner of a new record: ``owner`` (refused unless it is a configured
    user; blank: nobody), else you when you are one of the users of
    plaincrm.yaml, else nobody."""
    if owner is not None and not owner.strip():
        return None
    if owner is None and store.config.users:
        me = store.current_user()
        owner = me if me in store.config.user_names() else None
    check_owner(store, owner)
    return owner


@writes
def add_client(
    store: Store,
    name: str,
    *,
    kind: str = "company",
    email: str | None = None,
    phone: str | None = None,
    tags: list[str] | None = None,
    owner: str | None = None,
    slug: str | None = None,
) -> str:
    """Create ``clients/<slug>.md`` and return its path."""
    if not name.strip():
        raise InvalidError("a client needs a name")
    if kind not in KINDS:
        raise InvalidError(f"kind must be one of: {', '.join(KINDS)}")
    email, phone = (email or "").strip() or None, (phone or "").strip() or None
    if email and "@" not in email:
        raise InvalidError(f"'{email}' is not an e-mail address: write it like name@example.com")
    tags = [tag.strip() for tag in tags or [] if tag.strip()]
    owner = new_owner(store, owner)
    if slug:
        slug = slugify(slug)
        if store.exists("client", slug):
            raise ConflictError(f"{path_of('client', slug)} already exists")
    else:
        slug = unique_slug(slugify(name), lambda s: store.exists("client", s))
    fields: dict[str, Any] = {
        "name": name.strip(),
        "kind": kind,
        "email": email,
        "phone": phone,
        "tags": tags or None,
        "owner": owner,
        "created": store.today(),
    }
    path = path_of("client", slug)
    store.create(path, new_record_text(fields))
    store.commit([path], f"client add: {name.strip()} ({path})")
    return path


def set_client(store: Store, path: str, wanted: Wanted) -> Edit:
    """Change a client's details (``setfields``): one commit, no log line (history
    tells the change from git)."""
    return change_record(store, path, wanted, "client set")


@dataclass
class HistoryItem:
    """A completed task, or a log line, on a card's contact history."""

    date: str | None
    title: str
    note: str
    task_id: str | None
    record: str
    record_title: str
    kind: str = "task"  # task | log | mail
    who: str | None = None  # log lines: who wrote it; mail: who sent it

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "who": self.who,
            "date": self.date,
            "title": self.title,
            "note": self.note,
            "task": self.task_id,
            "record": self.record,
            "record_title": self.record_title,
        }


@dataclass
class Card:
    """Everything ``client show`` prints."""

    record: Record
    notes: str  # the free text of its body
    open_tasks: list[TaskEntry] = field(default_factory=list)
    history: list[HistoryItem] = field(default_factory=list)
    linked: dict[str, list[Record]] = field(default_factory=dict)  # type -> records
    details: dict[str, dict[str, str]] = field(default_factory=dict)  # path -> its kind's card


def client_card(store: Store, path: str) -> Card:
    """The client, its open tasks, linked records, and history newest first.

    Tasks of linked records (deals, tickets ... whose ``client:`` is this
    client) count as the client's: their completed tasks are its history, and
    so are the ``## Log`` lines of the client and of its linked records, and the
    mail of its ``## Mail`` section.
    """
    record = store.load(path)
    card = Card(record, record_notes(store.read_text(path), record))
    paths = [path]
    for linked_path in store.linked("client", record.slug):
        other = store.indexed(linked_path)
        if other is not None:
            card.linked.setdefault(other.type.name, []).append(other)
            paths.append(linked_path)
            if other.type.card is not None:  # a deal: stage, amount, probability ...
                card.details[linked_path] = other.type.card(store, other)
    users = {u.email.lower(): u.name for u in store.config.users if u.email}
    card.history.extend(
        HistoryItem(
            e.date, describe_entry(e), e.excerpt, None, path, record.title, "mail", e.who(users)
        )
        for e in record.mail
    )
    for logged in [record, *(r for rs in card.linked.values() for r in rs)]:
        card.history.extend(
            HistoryItem(e.date, e.text, "", None, logged.path, logged.title, "log", e.who)
            for e in logged.log
            if logged is record or not is_mail_line(e.text)  # the card shows the mail itself
        )
    entries = store.tasks(state="all", paths=paths)
    for entry in entries:
        if entry.task.checked:
            card.history.append(
                HistoryItem(
                    entry.task.done,
                    entry.task.title,
                    entry.task.note,
                    entry.task.id,
                    entry.path,
                    entry.record_title,
                )
            )
        else:
            card.open_tasks.append(entry)
    card.history.reverse()  # log lines in file order: the later of a day's first
    card.history.sort(key=lambda h: h.date or "", reverse=True)
    return card


def client_json(record: Record) -> dict[str, Any]:
    return {"ref": record.slug, "path": record.path, **record.fields}
