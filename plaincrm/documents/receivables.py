"""Receivables: what each client was invoiced, has paid and still owes, and since when.

Per client and currency (amounts in different currencies are never added):
``invoiced`` is the total of issued and paid invoices, ``paid`` the total of
received payments (including money on account that settles no invoice),
``outstanding`` the difference.  What issued invoices still owe is aged by
days past their due date: ``current`` (not yet due), ``0-30`` (1 to 30 days
past due), ``31-60``, ``61-90`` and ``90+``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..clients.clients import client_names
from ..core.money import json_amount
from ..core.store import Store
from .documents import (
    Balance,
    Doc,
    all_docs,
    allocate,
    balances,
    owed,
    unapplied,
)
from .settings import INVOICE, PAYMENT, RECEIVED

BUCKETS = ("current", "0-30", "31-60", "61-90", "90+")


def bucket_of(days_overdue: int) -> str:
    """The ageing bucket of an invoice ``days_overdue`` days past its due date."""
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "0-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


@dataclass
class OpenInvoice:
    """An invoice with money outstanding on the report's day."""

    balance: Balance
    days: int  # past due (0 when not yet due)

    @property
    def bucket(self) -> str:
        return bucket_of(self.days)

    def as_json(self) -> dict[str, Any]:
        invoice = self.balance.invoice
        return {
            "ref": invoice.ref,
            "path": invoice.path,
            "number": invoice.number,
            "date": invoice.date,
            "due": invoice.due,
            "days_overdue": self.days,
            "bucket": self.bucket,
            "amount": json_amount(invoice.amount or Decimal(0)),
            "paid": json_amount(self.balance.paid),
            "outstanding": json_amount(self.balance.outstanding),
            "currency": invoice.currency,
        }


@dataclass
class Line:
    """One client's receivables in one currency."""

    client: str
    name: str
    currency: str
    invoiced: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    unapplied: Decimal = Decimal(0)  # received payments that settle no invoice
    ages: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))
    open: list[OpenInvoice] = field(default_factory=list)

    @property
    def outstanding(self) -> Decimal:
        return self.invoiced - self.paid

    @property
    def overdue(self) -> list[OpenInvoice]:
        return [item for item in self.open if item.days > 0]

    def add(self, other: Line) -> None:
        self.invoiced += other.invoiced
        self.paid += other.paid
        self.unapplied += other.unapplied
        for bucket, value in other.ages.items():
            self.ages[bucket] += value

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "name": self.name,
            "currency": self.currency,
            "invoiced": json_amount(self.invoiced),
            "paid": json_amount(self.paid),
            "outstanding": json_amount(self.outstanding),
            "unapplied": json_amount(self.unapplied),
            "ageing": {bucket: json_amount(value) for bucket, value in self.ages.items()},
            "open_invoices": [item.as_json() for item in self.open],
        }


@dataclass
class Receivables:
    day: date
    lines: list[Line]

    @property
    def totals(self) -> list[Line]:
        """One line per currency."""
        out: dict[str, Line] = {}
        for line in self.lines:
            out.setdefault(line.currency, Line("", "total", line.currency)).add(line)
        return [out[code] for code in sorted(out)]

    @property
    def overdue(self) -> list[tuple[Line, OpenInvoice]]:
        """Every overdue invoice with its client line, longest overdue first."""
        found = [(line, item) for line in self.lines for item in line.overdue]
        found.sort(key=lambda pair: (-pair[1].days, pair[1].balance.invoice.ref))
        return found

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "buckets": list(BUCKETS),
            "clients": [line.as_json() for line in self.lines],
            "totals": [
                {k: v for k, v in line.as_json().items() if k not in ("client", "name")}
                for line in self.totals
            ],
        }


def _client_of(doc: Doc, deal_clients: dict[str, str]) -> str:
    return doc.client or deal_clients.get(doc.deal or "", "") or ""


def receivables(store: Store, day: date, client: str | None = None) -> Receivables:
    """The receivables on ``day`` of every client (or of the client with slug ``client``)."""
    docs = all_docs(store)
    deal_clients = {
        r.slug: r.get_text("client") or "" for r in store.records("deal") if r.get_text("client")
    }
    allocation = allocate(docs)
    known = balances(docs)
    lines: dict[tuple[str, str], Line] = {}

    def line_of(doc: Doc) -> Line | None:
        slug = _client_of(doc, deal_clients)
        if client is not None and slug != client:
            return None
        return lines.setdefault((slug, doc.currency), Line(slug, slug, doc.currency))

    for doc in docs:
        if doc.kind == INVOICE and owed(doc):
            line = line_of(doc)
            if line is None:
                continue
            balance = known[doc.ref]
            line.invoiced += doc.amount or Decimal(0)
            if balance.outstanding > 0:
                item = OpenInvoice(balance, balance.days_overdue(day))
                line.open.append(item)
                line.ages[item.bucket] += balance.outstanding
        elif doc.kind == PAYMENT and doc.status == RECEIVED and doc.amount is not None:
            line = line_of(doc)
            if line is None:
                continue
            line.paid += doc.amount
            line.unapplied += unapplied(doc, allocation)
    names = client_names(store, (slug for slug, _ in lines))
    for line in lines.values():
        line.name = names.get(line.client or "", line.client or "(no client)")
        line.open.sort(key=lambda item: (-item.days, item.balance.invoice.due or ""))
    ordered = sorted(lines.values(), key=lambda line: (line.name.lower(), line.currency))
    return Receivables(day, ordered)
