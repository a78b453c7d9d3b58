"""Recorded mail: the mail list, and what a mail import did.

API:

- ``MAIL_KINDS``, ``MailAccessor``: the fields a mail query tests (date, time,
  direction or dir, from, to, subject, client, deal; bare words search the
  client's name, the addresses, the subject and the excerpt).
- ``mail_list_view(store, words) -> MailListView``: the recorded mail a query finds,
  newest first (``.mails``: ``mail.followup.RecordedMail``; ``.filtered``).
- ``MailImportView(outcome, unmatched)``: what ``mail import`` recorded (or would:
  ``outcome.dry_run``), and whether to list the addresses of no client.

This module is light (the mail domain loads when a view is built): ``today``'s
command module registers the text of these views.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..core.model import Kind, slug_of

if TYPE_CHECKING:
    from ..core.store import Store
    from ..mail.followup import RecordedMail
    from ..mail.importer import Outcome

MAIL_KINDS: dict[str, Kind] = {
    "date": Kind("date"),
    "time": Kind("text"),
    "direction": Kind("text"),
    "dir": Kind("text"),
    "from": Kind("text"),
    "to": Kind("text"),
    "subject": Kind("text"),
    "client": Kind("text"),
    "deal": Kind("text"),
}


class MailAccessor:
    """Reads ``RecordedMail`` for a query."""

    def value(self, item: RecordedMail, name: str) -> Any:
        data = item.as_json()
        if name == "dir":
            name = "direction"
        if name == "client":
            return slug_of(item.client)
        return data.get(name)

    def texts(self, item: RecordedMail) -> list[str]:
        data = item.as_json()
        return [
            item.client_name,
            *(str(data[k] or "") for k in ("from", "to", "subject", "excerpt")),
        ]


@dataclass
class MailListView:
    mails: list[RecordedMail]
    filtered: bool

    def as_json(self) -> list[dict[str, Any]]:
        return [item.as_json() for item in self.mails]


def mail_list_view(store: Store, words: list[str]) -> MailListView:
    from ..mail.followup import recorded_mail
    from .queries import parse_query

    found = list(reversed(recorded_mail(store)))
    found = parse_query(store, words, MAIL_KINDS).apply(found, MailAccessor())
    return MailListView(found, bool(words))


@dataclass
class MailImportView:
    outcome: Outcome
    unmatched: bool  # list the addresses of mail that matches no client

    def as_json(self) -> dict[str, Any]:
        return self.outcome.as_json()
