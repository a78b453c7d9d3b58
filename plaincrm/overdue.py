"""Overdue invoices in ``today``: issued invoices past due with money outstanding.

A hot path: the candidates come from one query of the index (no record file
is read), and the figures module is imported only when there are any.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .docsettings import INVOICE, ISSUED, PAYMENT
from .store import Store

if TYPE_CHECKING:  # agenda imports this module for its provider
    from .agenda import Attention
    from .model import Record


def _field(name: str) -> str:
    return f"json_extract(f.data, '$.fields.{name}')"


def overdue_attention(store: Store, day: date, owner: str | None) -> list[Attention]:
    """Issued invoices (of ``owner`` and nobody's) past their due date with money owed.

    Reads only the index: the overdue invoices, then the payments that name them.
    """
    from .agenda import Attention

    query = (
        "SELECT f.path FROM files f WHERE f.type = 'document' AND f.fatal IS NULL "
        f"AND {_field('kind')} = ? AND {_field('status')} = ? AND {_field('due')} < ?"
    )
    params: list[Any] = [INVOICE, ISSUED, day.isoformat()]
    if owner is not None:
        query += " AND (f.owner = ? OR f.owner IS NULL)"
        params.append(owner)
    conn = store.index.conn
    candidates = conn.execute(query + " ORDER BY f.slug", params).fetchall()
    if not candidates:
        return []
    from .documents import balances, doc_of, money, path_of
    from .pipeline import settings as pipeline_settings

    currency = pipeline_settings(store).currency
    docs = [doc_of(r, currency) for r in _records(store, [row[0] for row in candidates])]
    slugs = [d.ref for d in docs]
    marks = ",".join("?" * len(slugs))
    payers = conn.execute(
        "SELECT DISTINCT f.path FROM files f, json_each(f.data, '$.fields.related') r "
        f"WHERE f.type = 'document' AND f.fatal IS NULL AND {_field('kind')} = ? "
        f"AND r.value IN ({marks})",
        [PAYMENT, *slugs],
    ).fetchall()
    payments = [doc_of(r, currency) for r in _records(store, [row[0] for row in payers])]
    others = {ref for p in payments for ref in p.related} - set(slugs)
    extra = [
        doc_of(r, currency)
        for r in _records(store, [path_of("document", ref) for ref in sorted(others)])
    ]
    known = balances([*docs, *extra, *payments])
    names = store.titles(path_of("client", d.client) for d in docs if d.client)
    found = []
    for doc in docs:
        balance = known[doc.ref]
        days = balance.days_overdue(day)
        if days <= 0:
            continue
        owed_now = money(balance.outstanding, doc.currency)
        part = "" if balance.paid <= 0 else f" of {money(doc.amount or Decimal(0), doc.currency)}"
        reason = f"{doc.label} overdue {days} days: {owed_now}{part} outstanding (due {doc.due})"
        client = names.get(path_of("client", doc.client)) if doc.client else None
        found.append((days, Attention(INVOICE, doc.path, doc.title, reason, client)))
    found.sort(key=lambda pair: (-pair[0], pair[1].path))
    return [attention for _, attention in found]


def _records(store: Store, paths: list[str]) -> list[Record]:
    return [record for path in paths if (record := store.indexed(path)) is not None]
