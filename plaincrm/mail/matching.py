"""Which clients a message belongs to, and which way it went.

A message belongs to every client whose ``email``, or a contact's ``email``,
is among its addresses (From, To, Cc, Bcc); and to every company whose e-mail
domain is, unless that is a free-mail domain (``gmail.com`` ...) or the team's
own.  It went *out* when a team member wrote it (a user's ``email``, or an
address at one of ``internal_domains``), else *in*.  Ignored addresses
(``mail.ignore``) never make a match, and a message from one is not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.model import Record
from .message import Summary
from .settings import MailSettings, domain_of


@dataclass
class Book:
    """The CRM's addresses: who is a client, who is the team."""

    settings: MailSettings
    by_address: dict[str, set[str]] = field(default_factory=dict)  # address -> client paths
    by_domain: dict[str, set[str]] = field(default_factory=dict)  # domain -> company paths

    @classmethod
    def of(cls, clients: list[Record], settings: MailSettings) -> Book:
        book = cls(settings)
        for record in clients:
            company = record.fields.get("kind") != "person"
            for address in client_addresses(record):
                book.by_address.setdefault(address, set()).add(record.path)
                domain = domain_of(address)
                if (
                    company
                    and domain not in settings.free_domains
                    and not settings.is_team(address)
                ):
                    book.by_domain.setdefault(domain, set()).add(record.path)
        return book


def client_addresses(record: Record) -> list[str]:
    """The addresses of a client: its ``email`` and its contacts' (lower case)."""
    found = []
    values = [record.fields.get("email")]
    contacts = record.fields.get("contacts")
    if isinstance(contacts, list):
        values += [person.get("email") for person in contacts if isinstance(person, dict)]
    for value in values:
        if isinstance(value, str):
            found += [part.strip().lower() for part in value.replace(";", ",").split(",")]
    return [address for address in found if "@" in address]


@dataclass
class Match:
    direction: str  # in | out
    clients: list[str]  # paths, sorted
    strangers: list[str]  # addresses that are neither the team's, a client's nor ignored


def match(book: Book, summary: Summary) -> Match | None:
    """The clients of a message and its direction; None when its sender is ignored."""
    settings = book.settings
    if settings.ignored(summary.sender):
        return None
    direction = "out" if settings.is_team(summary.sender) else "in"
    clients: set[str] = set()
    strangers: list[str] = []
    for address in [summary.sender, *summary.recipients]:
        if settings.is_team(address) or settings.ignored(address):
            continue
        found = book.by_address.get(address) or book.by_domain.get(domain_of(address))
        if found:
            clients |= found
            clients |= book.by_domain.get(domain_of(address), set())
        else:
            strangers.append(address)
    return Match(direction, sorted(clients), strangers)
