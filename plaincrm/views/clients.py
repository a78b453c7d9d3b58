"""The client card and the client list.

API:

- ``client_card_view(store, path) -> ClientCardView``: ``.record`` (the client's
  ``Record``: ``title``, ``slug``, ``path``, ``fields``), ``.details`` (``Detail``
  rows: key, value, one per line of a value; contacts one per person),
  ``.notes`` (the free text of its body, Markdown), ``.linked`` (record type ->
  the linked deals, documents, tickets ... as ``Record``s), ``.linked_details``
  (path -> the short facts each kind shows on the card: stage, amount ...),
  ``.open_tasks`` (``TaskEntry``: the client's and its linked records'),
  ``.history`` (``HistoryItem``: completed tasks, log lines and mail, newest
  first; ``kind`` task, log or mail).
- ``client_list_view(store, words) -> ClientListView``: the clients a query finds
  (``.clients``: ``Record``s; ``.filtered``: a query was given).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..clients.clients import Card, HistoryItem, client_card, client_json
from ..core.model import Record, field_kinds
from ..core.query import RecordAccessor, sql_prefilter
from ..core.store import Store, TaskEntry
from .queries import parse_query


@dataclass(frozen=True)
class Detail:
    key: str  # '' on the continuation lines of a value
    value: str


@dataclass
class ClientCardView:
    card: Card
    next_day: str = "tomorrow"  # the next working day as --due takes it, for hints

    @property
    def record(self) -> Record:
        return self.card.record

    @property
    def notes(self) -> str:
        return self.card.notes

    @property
    def linked(self) -> dict[str, list[Record]]:
        return self.card.linked

    @property
    def linked_details(self) -> dict[str, dict[str, str]]:
        return self.card.details

    @property
    def open_tasks(self) -> list[TaskEntry]:
        return self.card.open_tasks

    @property
    def history(self) -> list[HistoryItem]:
        return self.card.history

    @property
    def details(self) -> list[Detail]:
        return field_details(self.record)

    def as_json(self) -> dict[str, Any]:
        card = self.card
        return {
            "client": client_json(card.record),
            "notes": card.notes,
            "open_tasks": [e.as_json() for e in card.open_tasks],
            "history": [h.as_json() for h in card.history],
            "linked": {t: [r.path for r in rs] for t, rs in card.linked.items()},
            "linked_details": card.details,
        }


def client_card_view(store: Store, path: str) -> ClientCardView:
    return ClientCardView(client_card(store, path), store.config.next_workday_word(store.today()))


def _contact(person: dict[str, Any]) -> str:
    bits = [str(person.get("name") or "")]
    if person.get("role"):
        bits[0] += f" ({person['role']})"
    bits += [str(person[k]) for k in ("email", "phone") if person.get(k)]
    return "  ".join(bits)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def field_details(record: Record) -> list[Detail]:
    """A record's fields but its title, as rows: a list joined with commas, a block
    value (``key: |``) on lines of its own, each contact person on a line."""
    rows = []
    for key, value in record.fields.items():
        if key in (record.type.title_field,) or value in (None, "", []):
            continue
        if key == "contacts" and isinstance(value, list):
            rows += [
                Detail("contacts" if i == 0 else "", _contact(person))
                for i, person in enumerate(value)
                if isinstance(person, dict)
            ]
            continue
        lines = _text(value).strip("\n").split("\n")
        rows += [Detail(key if i == 0 else "", line) for i, line in enumerate(lines)]
    return rows


@dataclass
class ClientListView:
    clients: list[Record]
    filtered: bool

    def as_json(self) -> list[dict[str, Any]]:
        return [client_json(r) for r in self.clients]


def client_list_view(store: Store, words: list[str]) -> ClientListView:
    parsed = parse_query(store, words, field_kinds("client"))
    where = sql_prefilter(parsed.where, field_kinds("client"))
    found = parsed.apply(store.records("client", where=where), RecordAccessor())
    return ClientListView(found, bool(words))
