"""``check`` for commercial documents: settings, each document, payments, numbering."""

from __future__ import annotations

from collections.abc import Mapping

from ..core.errors import Problem
from ..core.model import path_of
from ..core.money import format_amount, record_number, record_number_problem
from ..core.store import Store
from ..sales.pipeline import read_pipeline
from .documents import (
    Balance,
    Doc,
    all_docs,
    allocate,
    balances,
    item_problem,
    money,
    owed,
    totals,
    unapplied,
)
from .numbering import Numbered, numbering_problems
from .settings import INVOICE, ISSUED, PAID, PAYMENT, DocSettings, read_requirements, read_settings


def check_documents(store: Store) -> list[Problem]:
    """``check``: the settings, each document, payments against invoices, the numbering."""
    settings, problems = read_settings(store.config)
    if problems:
        return problems
    problems.extend(read_requirements(store.config, settings)[1])
    docs = all_docs(store, read_pipeline(store.config)[0].currency)
    by_ref = {d.ref: d for d in docs}
    allocation = allocate(docs)
    known = balances(docs)
    for doc in docs:
        problems.extend(_doc_problems(store, settings, doc, by_ref, known))
    for kind, numbering in settings.numbering.items():
        numbered = [
            Numbered(d.path, d.record.line_of("number"), d.number, d.date)
            for d in docs
            if d.kind == kind and d.number
        ]
        problems.extend(numbering_problems(numbering, numbered))
    for doc in docs:
        extra = unapplied(doc, allocation)
        if doc.related and extra > 0:
            problems.append(
                Problem(
                    doc.path,
                    doc.record.line_of("related"),
                    f"{money(extra, doc.currency)} of this payment settles none of its related "
                    "invoices (check their currencies and amounts)",
                )
            )
    return problems


# A problem of a document before its line is known: (field whose line it is, message).
Found = list[tuple[str, str]]


def _doc_problems(
    store: Store,
    settings: DocSettings,
    doc: Doc,
    by_ref: Mapping[str, Doc],
    known: Mapping[str, Balance],
) -> list[Problem]:
    """What is wrong with one document: its kind and status, its client against its
    deal's, its numbers, its amount against its line items, its related documents;
    an owed invoice's fields and paid status, a payment's invoices."""
    kind = settings.kinds.get(doc.kind)
    found: Found = []
    if kind is None:
        if doc.kind:
            kinds = ", ".join(settings.kinds)
            found.append(("kind", f"kind: '{doc.kind}' is not a document kind ({kinds})"))
    else:
        if doc.status and doc.status not in kind.statuses:
            statuses = ", ".join(kind.statuses)
            found.append(
                ("status", f"status: '{doc.status}' is not a status of {kind.a_name} ({statuses})")
            )
        found += _client_problems(store, doc)
        found += _number_problems(doc.record.fields)
        found += _amount_problems(doc)
        found += [
            ("related", f"related: '{ref}' does not exist ({path_of('document', ref)})")
            for ref in doc.related
            if ref not in by_ref and not store.exists("document", ref)
        ]
        if kind.name == INVOICE and owed(doc):
            found += _invoice_problems(doc, known[doc.ref])
        if kind.name == PAYMENT:
            found += _payment_problems(doc, by_ref)
    return [Problem(doc.path, doc.record.line_of(key), message) for key, message in found]


def _client_problems(store: Store, doc: Doc) -> Found:
    deal = store.indexed(path_of("deal", doc.deal)) if doc.deal else None
    if deal is None or not doc.client or deal.get_text("client") == doc.client:
        return []
    return [
        (
            "client",
            f"client: '{doc.client}' but its deal {deal.slug} is with "
            f"'{deal.get_text('client')}': make them agree",
        )
    ]


def _amount_problems(doc: Doc) -> Found:
    """The amount against the line items' total."""
    items = doc.items
    if not items or doc.amount is None or totals(items).total == doc.amount:
        return []
    sums = totals(items)
    return [
        (
            "amount",
            f"amount {format_amount(doc.amount)} differs from the line items' total "
            f"{format_amount(sums.total)} (net {format_amount(sums.net)} + tax "
            f"{format_amount(sums.tax)})",
        )
    ]


def _invoice_problems(doc: Doc, balance: Balance) -> Found:
    """An issued or paid invoice: its fields, and its status against its payments."""
    found = [
        ("status", f"an {doc.status} invoice needs {key}:")
        for key in ("number", "date", "due", "amount")
        if doc.record.fields.get(key) in (None, "")
    ]
    if doc.status == PAID and doc.amount is not None and not balance.covered:
        found.append(
            (
                "status",
                f"marked paid, but payments cover {money(balance.paid, doc.currency)} of "
                f"{money(doc.amount, doc.currency)} (record the rest with 'plaincrm pay "
                f"{doc.ref}', or set status: issued)",
            )
        )
    if doc.status == ISSUED and balance.covered:
        found.append(
            (
                "status",
                f"its payments cover it: mark it paid ('plaincrm doc status {doc.ref} paid')",
            )
        )
    return found


def _payment_problems(doc: Doc, by_ref: Mapping[str, Doc]) -> Found:
    """A payment: its amount, and the invoices it settles."""
    found: Found = [("kind", "a payment needs amount:")] if doc.amount is None else []
    for ref in doc.related:
        other = by_ref.get(ref)
        if other is None:
            continue
        if other.kind != INVOICE:
            found.append(
                ("related", f"related: a payment settles invoices; {ref} is a {other.kind}")
            )
        elif other.currency != doc.currency:
            found.append(
                (
                    "currency",
                    f"currency {doc.currency} differs from {other.currency} of invoice {ref}",
                )
            )
        elif not owed(other):
            found.append(("related", f"related: invoice {ref} is {other.status}, not issued"))
    return found


def _number_problems(fields: Mapping[str, object]) -> list[tuple[str, str]]:
    """Numbers too large (or not finite) to compute with: the amount and the
    line items' quantity, price and tax, and a line item's net; as (key, message)."""
    found = []
    message = record_number_problem("amount", fields.get("amount"))
    if message:
        found.append(("amount", message))
    raw = fields.get("items")
    for i, entry in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(entry, dict):
            continue
        for key in ("quantity", "price", "tax"):
            message = record_number_problem(f"items.{i}.{key}", entry.get(key))
            if message:
                found.append((f"items.{i}.{key}", message))
        numbers = [
            record_number(entry.get(k, d))
            for k, d in (("quantity", 1), ("price", None), ("tax", 0))
        ]
        if all(n is not None for n in numbers):
            quantity, price, tax = (n for n in numbers if n is not None)
            message = item_problem(quantity, price, tax)
            if message:
                found.append((f"items.{i}", f"line item {i + 1}: {message}"))
    return found
