"""Overdue invoices in ``today``: issued invoices past due with money outstanding.

A hot path.  The index keeps a small facts row of every invoice and payment
(``document_facts``: the front matter fields the figures need), so ``today``
reads those rows, never whole records, and imports the figures module only
when an invoice is overdue.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.dates import days_text
from ..core.kinds import Attention
from ..core.model import TYPES, Record

if TYPE_CHECKING:
    from ..core.store import Store

# The fields of an invoice or payment that the index keeps as its facts.
FACT_FIELDS = (
    "kind",
    "status",
    "title",
    "number",
    "due",
    "amount",
    "currency",
    "deal",  # a document without currency: is in its deal's
    "client",
    "related",
)


def document_facts(record: Record) -> dict[str, Any] | None:
    """What the index keeps of an invoice or a payment (the document kind's ``facts``);
    None otherwise."""
    from .settings import INVOICE, PAYMENT  # not at the top: every command imports the index

    if record.get_text("kind") not in (INVOICE, PAYMENT):
        return None
    return {key: record.fields[key] for key in FACT_FIELDS if record.fields.get(key) is not None}


_KIND = "json_extract(data, '$.kind') = ?"


def overdue_attention(
    store: Store, day: date, owner: str | None, limit: int | None = None
) -> tuple[list[Attention], int]:
    """Issued invoices (of ``owner`` and nobody's) past their due date with money owed:
    the first ``limit`` (None: all), and how many there are.

    Reads only the index, in at most three queries: the overdue invoices, the
    received payments that name one of them (and, in turn, the payments of the
    other invoices those settle), and those other invoices.
    """
    conn = store.index.conn
    if conn.execute("SELECT 1 FROM facts WHERE type = 'document' LIMIT 1").fetchone() is None:
        return [], 0  # no invoices or payments: nothing more to import or read
    from .settings import INVOICE, ISSUED, PAYMENT

    query = "SELECT path, data FROM facts WHERE type = 'document' AND " + _KIND
    params: list[Any] = [INVOICE]
    if owner is not None:
        query += " AND (owner = ? OR owner IS NULL)"
        params.append(owner)
    query += " AND json_extract(data, '$.status') = ? AND json_extract(data, '$.due') < ?"
    candidates = conn.execute(query, [*params, ISSUED, day.isoformat()]).fetchall()
    if not candidates:
        return [], 0
    from ..core.money import currencies as money_settings
    from .documents import balances, deal_currencies, doc_of, money, path_of

    currency = money_settings(store).currency
    records = [_record(path, data) for path, data in candidates]
    overdue = len(records)  # the first records; then those their payments involve
    wanted = {r.slug for r in records}
    rows = conn.execute(
        "SELECT path, data FROM facts WHERE type = 'document' AND " + _KIND, [PAYMENT]
    )
    every = [(path, json.loads(data)) for path, data in rows]
    # a payment's share of an invoice depends on every earlier payment of the
    # invoices it settles: take the payments and invoices that hang together
    invoices, taken = set(wanted), -1
    chosen: list[tuple[str, dict[str, Any]]] = []
    while len(chosen) != taken:
        taken = len(chosen)
        chosen = [(p, f) for p, f in every if invoices.intersection(f.get("related") or ())]
        invoices.update(ref for _, f in chosen for ref in f.get("related") or ())
    others = sorted(invoices - wanted)
    for start in range(0, len(others), 500):
        chunk = [path_of("document", ref) for ref in others[start : start + 500]]
        rows = conn.execute(
            f"SELECT path, data FROM facts WHERE path IN ({','.join('?' * len(chunk))})", chunk
        )
        records += [_record(path, data) for path, data in rows]
    records += [Record(TYPES["document"], path, facts) for path, facts in chosen]
    currencies = deal_currencies(store, records)
    every_doc = [doc_of(r, currency, currencies) for r in records]
    docs = every_doc[:overdue]
    known = balances(every_doc)
    names = store.titles(path_of("client", d.client) for d in docs if d.client)
    found = []
    for doc in docs:
        balance = known[doc.ref]
        days = balance.days_overdue(day)
        if days <= 0:
            continue
        owed_now = money(balance.outstanding, doc.currency)
        part = "" if balance.paid <= 0 else f" of {money(doc.amount or Decimal(0), doc.currency)}"
        late = days_text(days)
        reason = f"{doc.short} overdue {late}: {owed_now}{part} outstanding (due {doc.due})"
        client = names.get(path_of("client", doc.client)) if doc.client else None
        found.append((days, Attention(INVOICE, doc.path, doc.title, reason, client)))
    found.sort(key=lambda pair: (-pair[0], pair[1].path))
    return [attention for _, attention in found[:limit]], len(found)


def _record(path: str, facts: str) -> Record:
    """A document record made of the facts the index keeps (no file is read)."""
    return Record(TYPES["document"], path, json.loads(facts))
