"""Ticket show, the ticket list, and the service report.

API:

- ``TICKET_KINDS``, ``TICKET_ACCESSOR``: the fields a ticket query tests besides the
  front matter: ``sla`` (ok, at risk, breached, missed, met), ``response`` and
  ``resolution_sla`` (each clock's state), ``status``.
- ``ticket_list_view(store, words, everything=False) -> TicketListView``: the
  tickets a query finds, newest first; unresolved ones unless ``everything`` or the
  query tests status.  ``.tickets`` (``service.tickets.Ticket``: ``ref``, ``record``,
  ``status``, ``get(key)``, ``clocks``), ``.client_names``, ``.filtered``.
- ``ticket_show_view(store, path) -> TicketShowView``: ``.ticket``, ``.client``
  (slug) and ``.client_name``, ``.deal_title`` (of the deal it opened, when any),
  ``.messages`` (the conversation: ``stamp``, ``who``, ``text``), ``.notes``,
  ``.open_tasks``, ``.log``.
- ``service_report_view(store, since=None, owner=None) -> ServiceReportView``:
  ``.report`` (``service.report`` figures), ``.statuses`` (the statuses any kind has).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..clients.clients import client_names
from ..core.model import Kind, LogEntry, field_kinds, path_of
from ..core.query import WrappedAccessor, tested_fields
from ..core.records import record_notes
from ..core.store import Store
from ..core.tasklines import Task
from ..service.report import ServiceReport, service_report
from ..service.sla import DONE, STATUSES
from ..service.tickets import Message, Ticket, parse_conversation, ticket_of, tickets
from .queries import parse_query

NOT_NOTES = ("conversation", "tasks", "log")  # body sections shown on their own

TICKET_KINDS: dict[str, Kind] = {
    "opened": Kind("date"),
    "first_response": Kind("date"),
    "resolved": Kind("date"),
    "sla": Kind("text"),
    "response": Kind("text"),
    "resolution_sla": Kind("text"),
}


# Reads ``Ticket`` items for queries: the front matter, plus ``sla`` (ok, met, at
# risk, breached ...), ``response`` and ``resolution_sla`` (each clock's state).
TICKET_ACCESSOR = WrappedAccessor(
    {
        "sla": lambda t: t.clocks.state(),
        "response": lambda t: t.clocks.response.state,
        "resolution_sla": lambda t: t.clocks.resolution.state,
        "status": lambda t: t.status,
    }
)


@dataclass
class TicketListView:
    tickets: list[Ticket]
    client_names: dict[str, str]
    filtered: bool  # a query or --all: "no tickets match" rather than "no unresolved"

    def client_name(self, item: Ticket) -> str:
        slug = item.get("client") or ""
        return self.client_names.get(slug, slug)

    def as_json(self) -> list[dict[str, Any]]:
        return [t.as_json() for t in self.tickets]


def ticket_list_view(store: Store, words: list[str], everything: bool = False) -> TicketListView:
    parsed = parse_query(store, words, {**field_kinds("ticket"), **TICKET_KINDS})
    items = tickets(store)
    if not everything and "status" not in tested_fields(parsed.where):
        items = [t for t in items if t.status not in DONE]
    found = parsed.apply(items, TICKET_ACCESSOR)
    names = client_names(store, (t.get("client") for t in found))
    return TicketListView(found, names, bool(words or everything))


@dataclass
class TicketShowView:
    ticket: Ticket
    client_name: str
    deal_title: str | None  # the title of the deal it opened ("(missing)": none such)
    messages: list[Message]
    notes: str

    @property
    def client(self) -> str:
        return self.ticket.get("client") or ""

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.ticket.record.tasks if not t.checked]

    @property
    def log(self) -> list[LogEntry]:
        return self.ticket.record.log

    def as_json(self) -> dict[str, Any]:
        record = self.ticket.record
        data = self.ticket.as_json()
        data.update(
            conversation=[m.as_json() for m in self.messages],
            notes=self.notes,
            tasks=[task.as_row() for task in record.tasks],
            log=[entry.as_json() for entry in record.log],
        )
        return data


def ticket_show_view(store: Store, path: str) -> TicketShowView:
    record = store.load(path)
    store.warn_tasks((path, task) for task in record.tasks)
    text = store.read_text(path)
    client = record.get_text("client") or ""
    deal = record.get_text("deal")
    deal_title = None
    if deal:
        deal_title = store.titles([path_of("deal", deal)]).get(path_of("deal", deal), "(missing)")
    return TicketShowView(
        ticket_of(store, record),
        client_names(store, [client]).get(client, client),
        deal_title,
        parse_conversation(text),
        record_notes(text, record, NOT_NOTES),
    )


@dataclass
class ServiceReportView:
    report: ServiceReport

    @property
    def statuses(self) -> list[str]:
        """The statuses, in their order, that tickets of some kind have."""
        by_kind = self.report.by_kind.values()
        return [s for s in STATUSES if any(row.get(s) for row in by_kind)]

    def as_json(self) -> dict[str, Any]:
        return self.report.as_json()


def service_report_view(
    store: Store, since: date | None = None, owner: str | None = None
) -> ServiceReportView:
    return ServiceReportView(service_report(store, since, owner))
