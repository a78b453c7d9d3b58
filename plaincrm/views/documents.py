"""Document show, the document list, and receivables.

API:

- ``DOC_KINDS``: the fields a document query tests besides the front matter
  (``outstanding``: what an invoice still owes; ``overdue``: days past due with
  money owed); ``doc_accessor(docs, day)`` reads them.
- ``doc_list_view(store, words) -> DocListView``: the documents a query finds,
  newest first: ``.rows`` (``DocRow``: ``doc`` (``documents.documents.Doc``: ref,
  title, label, kind, number, status, date, due, amount, currency, client, deal),
  ``balance`` (an invoice's ``Balance``), ``owes`` (what an owed invoice still owes,
  else None), ``days_overdue``), ``.client_names``, ``.owing`` (``Amounts`` the
  listed invoices owe), ``.filtered``.
- ``doc_show_view(store, path) -> DocShowView``: ``.doc``, ``.balance`` (an
  invoice's payments: ``payments`` as (payment, share), ``paid``, ``outstanding``),
  ``.days_overdue``, ``.deal_title`` ("(missing)" when its deal is gone),
  ``.client_name``, ``.related`` (ref, ``Doc`` or None), ``.referring`` (documents
  that refer to it, payments listed under the balance left out), ``.notes``,
  ``.open_tasks``, ``.log``.  Its ``as_json()`` is also what ``doc add``, ``doc
  status`` print with ``--json``.
- ``payment_view(store, payment) -> PaymentView``: what ``pay`` recorded
  (``.payment`` and ``.invoice`` pages, ``.balance`` of the invoice after it).
- ``receivables_view(store, client=None) -> ReceivablesView``: ``.report``
  (``documents.receivables.Receivables``: lines per client and currency, totals,
  overdue invoices).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..clients.clients import client_names
from ..core.model import Kind, LogEntry, Record, field_kinds, path_of
from ..core.money import Amounts, json_amount
from ..core.query import RecordAccessor
from ..core.records import record_notes
from ..core.store import Store
from ..core.tasklines import Task
from ..documents.documents import Balance, Doc, Payment, all_docs, balances, load_doc, owed
from ..documents.receivables import Receivables, receivables
from ..documents.settings import doc_settings
from .queries import parse_query

# Computed fields a query can test besides the front matter.
DOC_KINDS: dict[str, Kind] = {"outstanding": Kind("number"), "overdue": Kind("integer")}


def doc_accessor(known: dict[str, Balance], day: date) -> RecordAccessor:
    """Reads document records for queries, with ``outstanding`` and ``overdue`` (from
    ``known``, the balances of every invoice by ref, on ``day``)."""

    def outstanding(record: Record) -> Decimal | None:
        balance = known.get(record.slug)
        return balance.outstanding if balance and owed(balance.invoice) else None

    def overdue(record: Record) -> int | None:
        balance = known.get(record.slug)
        return balance.days_overdue(day) if balance else None

    computed: dict[str, Callable[[Record], Any]] = {"outstanding": outstanding, "overdue": overdue}
    return RecordAccessor(computed)


@dataclass(frozen=True)
class DocRow:
    doc: Doc
    balance: Balance | None  # an invoice's
    owes: Decimal | None  # what an owed invoice still owes
    days_overdue: int

    def as_json(self) -> dict[str, Any]:
        data = self.doc.as_json()
        if self.balance is not None:
            data.update(
                paid=json_amount(self.balance.paid),
                outstanding=json_amount(self.balance.outstanding) if owed(self.doc) else None,
            )
        return data


@dataclass
class DocListView:
    rows: list[DocRow]
    client_names: dict[str, str]
    filtered: bool
    owing: Amounts = field(default_factory=Amounts)

    def client_name(self, doc: Doc) -> str:
        return self.client_names.get(doc.client or "", doc.client or "")

    def as_json(self) -> list[dict[str, Any]]:
        return [row.as_json() for row in self.rows]


def doc_list_view(store: Store, words: list[str]) -> DocListView:
    docs = all_docs(store)
    known = balances(docs)
    day = store.today()
    by_path = {d.path: d for d in docs}
    parsed = parse_query(store, words, {**field_kinds("document"), **DOC_KINDS})
    records = sorted(
        (d.record for d in docs), key=lambda r: (r.get_date("date") or "", r.slug), reverse=True
    )
    found = [by_path[r.path] for r in parsed.apply(records, doc_accessor(known, day))]
    view = DocListView([], client_names(store, (d.client for d in found)), bool(words))
    for d in found:
        balance = known.get(d.ref)
        owes = balance.outstanding if balance is not None and owed(d) else None
        if owes is not None:
            view.owing.add(d.currency, owes)
        days = balance.days_overdue(day) if balance is not None else 0
        view.rows.append(DocRow(d, balance, owes, days))
    return view


@dataclass
class DocShowView:
    doc: Doc
    docs: dict[str, Doc]  # every document by ref
    balance: Balance | None
    days_overdue: int
    deal_title: str | None
    client_name: str
    notes: str

    @property
    def related(self) -> list[tuple[str, Doc | None]]:
        return [(ref, self.docs.get(ref)) for ref in self.doc.related]

    @property
    def referring(self) -> list[Doc]:
        """The documents that refer to this one, but the payments its balance lists."""
        listed = {p.ref for p, _ in self.balance.payments} if self.balance is not None else set()
        return [d for d in self._referred_by if d.ref not in listed]

    @property
    def _referred_by(self) -> list[Doc]:
        return [d for d in self.docs.values() if self.doc.ref in d.related]

    @property
    def open_tasks(self) -> list[Task]:
        return [t for t in self.doc.record.tasks if not t.checked]

    @property
    def log(self) -> list[LogEntry]:
        return self.doc.record.log

    def as_json(self) -> dict[str, Any]:
        record = self.doc.record
        data = self.doc.as_json()
        data.update(
            referred_by=[d.ref for d in self._referred_by],
            notes=self.notes,
            tasks=[task.as_row() for task in record.tasks],
            log=[entry.as_json() for entry in record.log],
        )
        balance = self.balance
        if balance is not None:
            data.update(
                paid=json_amount(balance.paid),
                outstanding=json_amount(balance.outstanding),
                days_overdue=self.days_overdue,
                payments=[
                    {"ref": p.ref, "date": p.date, "amount": json_amount(share)}
                    for p, share in balance.payments
                ],
            )
        return data


def doc_show_view(store: Store, path: str, warn: bool = True) -> DocShowView:
    """``warn``: warn about its task lines that cannot be read (its page shows them)."""
    doc = load_doc(store, path)
    if warn:
        store.warn_tasks((path, task) for task in doc.record.tasks)
    docs = {d.ref: d for d in all_docs(store)}
    docs[doc.ref] = doc  # as read fresh
    balance = balances(docs.values()).get(doc.ref)
    deal_title = None
    if doc.deal:
        deal = store.indexed(path_of("deal", doc.deal))
        deal_title = deal.title if deal else "(missing)"
    return DocShowView(
        doc,
        docs,
        balance,
        balance.days_overdue(store.today()) if balance else 0,
        deal_title,
        client_names(store, [doc.client]).get(doc.client or "", ""),
        record_notes(store.read_text(doc.path), doc.record),
    )


@dataclass
class PaymentView:
    """What ``pay`` recorded: the payment's page, the invoice's page and balance."""

    payment: DocShowView
    invoice: DocShowView
    balance: Balance  # the invoice's, after the payment

    def as_json(self) -> dict[str, Any]:
        data = self.payment.as_json()
        data["invoice"] = self.invoice.as_json()
        return data


def payment_view(store: Store, done: Payment) -> PaymentView:
    payment = doc_show_view(store, done.path, warn=False)
    return PaymentView(
        payment, doc_show_view(store, done.balance.invoice.path, warn=False), done.balance
    )


@dataclass
class ReceivablesView:
    report: Receivables

    def as_json(self) -> dict[str, Any]:
        return self.report.as_json()


def receivables_view(store: Store, client: str | None = None) -> ReceivablesView:
    """Receivables on today, of one client (its slug) or of all."""
    doc_settings(store)  # settings with problems stop it here
    return ReceivablesView(receivables(store, store.today(), client))
