"""Deal show and the deal list.

API:

- ``DEAL_KINDS``, ``DEAL_ACCESSOR``: the fields a deal query tests besides the front
  matter (``status``: open, won, lost; ``weighted``; the probability, amount and
  currency in effect).
- ``deal_list_view(store, words, everything=False) -> DealListView``: the deals a
  query (README "Queries"; ``owner:NAME`` for an owner) finds, in pipeline order;
  open deals only unless ``everything`` or the query tests status or stage.
  ``.deals`` (``sales.deals.Deal``), ``.client_names`` (slug -> name), ``.filtered``
  (a query or ``everything`` was given), ``.total`` and ``.weighted`` (``Amounts``
  per currency), ``.manual`` (a probability was set by hand).
- ``deal_show_view(store, path) -> DealShowView``: ``.deal``, ``.client_name``,
  ``.stage_since`` and ``.days_in_stage``, ``.stage_probability`` (the stage's),
  ``.flags`` (``Flag``), ``.notes``, ``.source_title`` (the title of a record
  ``source:`` names), ``.documents`` (``DealDocument``: ``doc``, ``owes``),
  ``.open_tasks``, ``.on_card`` (the next step is a task on the client's card),
  ``.history`` (``TimelineItem``: date, text, note, where; newest first).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..clients.clients import client_names
from ..core.model import Kind, field_kinds, is_record_path
from ..core.money import Amounts, json_amount
from ..core.query import WrappedAccessor, sql_prefilter, tested_fields
from ..core.records import record_notes
from ..core.store import Store
from ..core.tasklines import Task
from ..documents.documents import Doc, all_docs, balances, deal_documents, owed
from ..sales.deallog import display_text, parse_event, stage_entered
from ..sales.deals import Deal, Flag, client_cards, deal_facts, deal_flags, deal_of, deals
from ..sales.pipeline import settings
from .queries import parse_query

DEAL_KINDS: dict[str, Kind] = {
    "status": Kind("text"),
    "weighted": Kind("number"),
    "client_name": Kind("text"),
}


def _money(value: Decimal | None) -> int | float | None:
    return json_amount(value) if value is not None else None


# Reads ``Deal`` items for queries: the front matter, plus ``status`` (open, won,
# lost), ``weighted``, and the probability, amount and currency in effect.
DEAL_ACCESSOR = WrappedAccessor(
    {
        "status": lambda d: d.status,
        "probability": lambda d: d.probability,
        "amount": lambda d: _money(d.amount),
        "weighted": lambda d: _money(d.weighted),
        "currency": lambda d: d.currency,
    }
)


@dataclass
class DealListView:
    deals: list[Deal]
    client_names: dict[str, str]
    filtered: bool  # a query or --all: "no deals match" rather than "no open deals"
    total: Amounts = field(default_factory=Amounts)
    weighted: Amounts = field(default_factory=Amounts)

    @property
    def manual(self) -> bool:
        return any(d.manual for d in self.deals)

    def client_name(self, deal: Deal) -> str:
        return self.client_names.get(deal.client or "", deal.client or "")

    def as_json(self) -> list[dict[str, Any]]:
        return [d.as_json() for d in self.deals]


def deal_list_view(store: Store, words: list[str], everything: bool = False) -> DealListView:
    pipeline = settings(store)
    parsed = parse_query(store, words, {**field_kinds("deal"), **DEAL_KINDS})
    # DEAL_ACCESSOR computes these rather than reading them from the front matter
    where = sql_prefilter(parsed.where, field_kinds("deal"), {"probability", "currency"})
    items = deals(store, pipeline, where=where)
    if not everything and not tested_fields(parsed.where) & {"status", "stage"}:
        items = [d for d in items if d.status == "open"]
    found = parsed.apply(items, DEAL_ACCESSOR)
    view = DealListView(
        found, client_names(store, (d.client for d in found)), bool(words or everything)
    )
    for d in found:
        if d.amount is not None:
            view.total.add(d.currency, d.amount)
            view.weighted.add(d.currency, d.weighted or Decimal(0))
    return view


@dataclass(frozen=True)
class DealDocument:
    doc: Doc
    owes: Decimal | None  # what an invoice still owes, when anything


@dataclass(frozen=True)
class TimelineItem:
    """A line of a record's history on its page: a log line or a completed task."""

    date: str  # '' when undated
    text: str
    note: str = ""
    where: str = ""  # the other record it happened on (a document of the deal)


@dataclass
class DealShowView:
    deal: Deal
    client_name: str | None
    stage_since: str | None
    days_in_stage: int | None
    stage_probability: int | None  # the stage's own probability (None: unknown stage)
    flags: list[Flag]
    notes: str
    source_title: str | None
    documents: list[DealDocument]
    on_card: bool  # the deal's next step is a task on its client's card
    history: list[TimelineItem]
    next_day: str = "tomorrow"  # the next working day as --due takes it, for hints

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.deal.record.tasks if not t.checked]

    def as_json(self) -> dict[str, Any]:
        record = self.deal.record
        data = self.deal.as_json()
        data.update(
            client_name=self.client_name,
            stage_since=self.stage_since,
            attention=[flag.reason for flag in self.flags],
            notes=self.notes,
            tasks=[task.as_row() for task in record.tasks],
            log=[
                dict(entry.as_json(), event=parse_event(entry.text).as_json())
                for entry in record.log
            ],
            documents=[d.doc.as_json() for d in self.documents],
        )
        return data


def deal_show_view(store: Store, path: str) -> DealShowView:
    pipeline = settings(store)
    record = store.load(path)
    store.warn_tasks((path, task) for task in record.tasks)
    item = deal_of(record, pipeline)
    entered = stage_entered(record, item.stage)
    facts = deal_facts(record)
    card = client_cards(store, [item.client]).get(item.client or "")
    stage = pipeline.stage(item.stage)
    docs = _documents(store, deal_documents(store, item.ref))
    return DealShowView(
        deal=item,
        client_name=client_names(store, [item.client]).get(item.client or ""),
        stage_since=entered,
        days_in_stage=(store.today() - date.fromisoformat(entered)).days if entered else None,
        stage_probability=stage.probability if stage else None,
        flags=deal_flags(pipeline, store.today(), facts, card) if facts else [],
        notes=record_notes(store.read_text(path), record),
        source_title=_source_title(store, record.get_text("source")),
        documents=docs,
        on_card=bool(facts and card and card.holds_the_next_step),
        history=_history(item, [d.doc for d in docs]),
        next_day=store.config.next_workday_word(store.today()),
    )


def _documents(store: Store, docs: list[Doc]) -> list[DealDocument]:
    """The deal's documents, with what each invoice still owes."""
    if not docs:
        return []
    known = balances(all_docs(store))
    out = []
    for d in docs:
        balance = known.get(d.ref)
        owes = None
        if balance is not None and owed(d) and balance.outstanding > 0:
            owes = balance.outstanding
        out.append(DealDocument(d, owes))
    return out


def _source_title(store: Store, source: str | None) -> str | None:
    """The title of the record a deal's source names (``campaigns/winter-offer``)."""
    if not source or not is_record_path(f"{source}.md"):
        return None
    return store.titles([f"{source}.md"]).get(f"{source}.md")


def _said(who: str | None, text: str) -> str:
    return f"{who}: {text}" if who else text


def _history(item: Deal, docs: list[Doc]) -> list[TimelineItem]:
    """Completed tasks, log lines, and the log lines of its documents, newest first (the
    later of a day's lines first)."""
    record = item.record
    found = [
        TimelineItem(t.done or "", "done: " + t.title, t.note) for t in record.tasks if t.checked
    ]
    found += [TimelineItem(e.date, _said(e.who, display_text(e.text))) for e in record.log]
    found += [
        TimelineItem(e.date, _said(e.who, e.text), "", d.title) for d in docs for e in d.record.log
    ]
    return sorted(reversed(found), key=lambda h: h.date, reverse=True)
