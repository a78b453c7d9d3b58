"""Overdue invoices in ``today``: issued invoices past due with money outstanding.

A hot path: the candidates come from one query of the index (no record file
is read), and the figures module is imported only when there are any.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .docsettings import INVOICE, ISSUED, PAYMENT, RECEIVED
from .model import TYPES, Record
from .store import Store

if TYPE_CHECKING:  # agenda imports this module for its provider
    from .agenda import Attention


_DOCUMENTS = "FROM files f WHERE f.type = 'document' AND f.fatal IS NULL"
_FIELDS = "json_extract(f.data, '$.fields')"


def _field(name: str) -> str:
    return f"json_extract(f.data, '$.fields.{name}')"


def overdue_attention(store: Store, day: date, owner: str | None) -> list[Attention]:
    """Issued invoices (of ``owner`` and nobody's) past their due date with money owed.

    Reads only the index, in at most three queries: the overdue invoices, the
    received payments that name one of them, and the other invoices those
    payments also settle.
    """
    from .agenda import Attention

    overdue = _DOCUMENTS
    params: list[Any] = []
    if owner is not None:  # the column first: only the owner's rows are parsed
        overdue += " AND (f.owner = ? OR f.owner IS NULL)"
        params.append(owner)
    overdue += f" AND {_field('kind')} = ? AND {_field('status')} = ? AND {_field('due')} < ?"
    params += [INVOICE, ISSUED, day.isoformat()]
    conn = store.index.conn
    candidates = conn.execute(f"SELECT f.path, {_FIELDS} {overdue}", params).fetchall()
    if not candidates:
        return []
    from .documents import balances, doc_of, money, path_of
    from .pipeline import settings as pipeline_settings

    currency = pipeline_settings(store).currency
    docs = [doc_of(_record(path, fields), currency) for path, fields in candidates]
    wanted = {d.ref for d in docs}
    rows = conn.execute(
        f"WITH due AS (SELECT f.slug {overdue}) SELECT f.path, {_FIELDS} {_DOCUMENTS} "
        f"AND {_field('kind')} = ? AND {_field('status')} = ? AND EXISTS (SELECT 1 FROM "
        "json_each(f.data, '$.fields.related') r WHERE r.value IN (SELECT slug FROM due))",
        [*params, PAYMENT, RECEIVED],
    )
    payments = [doc_of(_record(path, fields), currency) for path, fields in rows]
    others = sorted({ref for p in payments for ref in p.related} - wanted)
    extra = []
    for start in range(0, len(others), 500):
        chunk = [path_of("document", ref) for ref in others[start : start + 500]]
        rows = conn.execute(
            f"SELECT f.path, {_FIELDS} {_DOCUMENTS} AND f.path IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        extra.extend(doc_of(_record(path, fields), currency) for path, fields in rows)
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


def _record(path: str, fields: str) -> Record:
    """A document record made of the front matter the index keeps (no file is read)."""
    return Record(TYPES["document"], path, json.loads(fields))
