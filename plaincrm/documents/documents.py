"""Commercial documents of deals: quotes, contracts, invoices, payments, shipments.

A document is ``documents/<slug>.md`` (``schema/document.schema.json``): its
``kind``, the ``deal`` it belongs to (and that deal's ``client``), a
``status`` from the kind's statuses, ``number``, ``date``, ``amount`` and
``currency``, optional line items, and ``related`` documents (a payment lists
the invoices it settles).  Every status change appends a dated line to the
document's ``## Log``; each command makes one commit of the files it touched.

Settings (kinds, numbering, payment days, stage gates) live in
``documents.settings``; ``documents.check`` holds what ``check`` reports.

Money is ``Decimal``.  A line's net is quantity x price and its tax net x
rate / 100, each rounded to cents half up; the total is the sum of both.
Payments apply in date order: each covers the invoices it lists, in that
order, each with what it still owes, and what is left is money on account;
an invoice is paid when its payments cover its amount.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..core.dates import parse_iso_date
from ..core.errors import ConflictError, InvalidError, NotFoundError, did_you_mean
from ..core.frontmatter import set_fields
from ..core.ids import new_id, slugify, unique_slug
from ..core.model import Record, RecordView, path_of, slug_of
from ..core.money import (
    cents,
    check_currency,
    format_amount,
    json_amount,
    money,
    number_problem,
    parse_number,
    record_number,
)
from ..core.records import append_log, log_line, new_record_text, one_line
from ..core.setfields import Edit, Wanted, change_record
from ..core.store import Store, writes
from ..sales.pipeline import settings as pipeline_settings
from .settings import (
    CANCELLED,
    DRAFT,
    INVOICE,
    ISSUED,
    PAID,
    PAYMENT,
    RECEIVED,
    DocKind,
    DocSettings,
    doc_settings,
    read_settings,
    stage_requirements,
)

SERIES_ENV = "PLAINCRM_SERIES"  # picks a per-device numbering series
AMOUNT_FROM_DEAL = ("quote", "contract", INVOICE)  # kinds whose amount defaults to the deal's


# ---------------------------------------------------------------- money and line items


def exact_json(value: Decimal) -> int | float:
    """A quantity or rate for JSON, not rounded to cents."""
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: Decimal
    price: Decimal
    tax: Decimal  # rate in percent

    @property
    def net(self) -> Decimal:
        return cents(self.quantity * self.price)

    @property
    def tax_amount(self) -> Decimal:
        return cents(self.net * self.tax / 100)

    def fields(self) -> dict[str, Any]:
        """The item as front matter values (quantity 1 and tax 0 are left out)."""
        return {
            "description": self.description,
            "quantity": self.quantity if self.quantity != 1 else None,
            "price": self.price,
            "tax": self.tax if self.tax else None,
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "description": self.description,
            "quantity": exact_json(self.quantity),
            "price": exact_json(self.price),
            "tax": exact_json(self.tax),
            "net": json_amount(self.net),
            "tax_amount": json_amount(self.tax_amount),
        }


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def as_json(self) -> dict[str, Any]:
        return {
            "net": json_amount(self.net),
            "tax": json_amount(self.tax),
            "total": json_amount(self.total),
        }


def item_problem(quantity: Decimal, price: Decimal, tax: Decimal) -> str | None:
    """Why a line item cannot be computed with (None when it can): its net or tax
    has more digits than an amount may have."""
    net = quantity * price
    problem = number_problem(net) or number_problem(net * tax / 100)
    return f"its net {problem}" if problem else None


def totals(items: Iterable[LineItem]) -> Totals:
    listed = list(items)
    return Totals(
        sum((i.net for i in listed), Decimal(0)), sum((i.tax_amount for i in listed), Decimal(0))
    )


def items_of(record: Record) -> list[LineItem]:
    """The readable line items of a record (the schema check reports the others)."""
    raw = record.fields.get("items")
    out = []
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        price = record_number(entry.get("price"))
        quantity = record_number(entry.get("quantity", 1))
        tax = record_number(entry.get("tax", 0))
        if price is None or quantity is None or tax is None:
            continue
        if item_problem(quantity, price, tax):
            continue
        out.append(LineItem(str(entry.get("description") or ""), quantity, price, tax))
    return out


def parse_number_arg(text: str, what: str, *, negative: bool = False) -> Decimal:
    """A number typed on the command line (``money.parse_number``), a tax rate
    also with its ``%``: ``2``, ``12.50``, ``1 299.90``, ``1,299.90``, ``27%``."""
    cleaned = text.strip()
    if what == "tax rate":
        cleaned = cleaned.removesuffix("%")
    try:
        return parse_number(cleaned, what, negative=negative)
    except InvalidError as exc:
        raise InvalidError(exc.message.replace(f"'{cleaned}'", f"'{text}'", 1)) from None


def parse_item(description: str, quantity: str, price: str, tax: str) -> LineItem:
    """A line item from the four words of ``--item``: description, quantity, price, tax %."""
    text = one_line(description)
    if not text:
        raise InvalidError("a line item needs a description")
    rate = parse_number_arg(tax, "tax rate")
    if rate > 100:
        raise InvalidError(f"tax rate '{tax}' is more than 100%")
    count = parse_number_arg(quantity, "quantity")
    unit = parse_number_arg(price, "price", negative=True)
    problem = item_problem(count, unit, rate)
    if problem:
        raise InvalidError(f"line item '{text}': {problem}")
    return LineItem(text, count, unit, rate)


# ---------------------------------------------------------------- documents as figures


@dataclass
class Doc(RecordView):
    """A document record with its figures read."""

    kind: str
    status: str
    amount: Decimal | None
    currency: str

    @property
    def number(self) -> str | None:
        return self.record.get_text("number")

    @property
    def date(self) -> str | None:
        return self.record.get_date("date")

    @property
    def due(self) -> str | None:
        return self.record.get_date("due")

    @property
    def deal(self) -> str | None:
        return self.record.get_text("deal")

    @property
    def client(self) -> str | None:
        return self.record.get_text("client")

    @property
    def related(self) -> list[str]:
        return self.record.get_list("related")

    @property
    def items(self) -> list[LineItem]:
        return items_of(self.record)

    @property
    def label(self) -> str:
        """How lists name it: its title, with its number when it has one and the title
        does not say it ('Invoice for Grinder service (A-2026-0001)')."""
        if self.number and self.number not in self.title:
            return f"{self.title} ({self.number})"
        return self.title

    @property
    def short(self) -> str:
        """Its kind and number (``invoice A-2026-0001``), else its title."""
        return f"{self.kind} {self.number}" if self.number else self.label

    def as_json(self) -> dict[str, Any]:
        items = self.items
        return {
            "ref": self.ref,
            "path": self.path,
            "kind": self.kind,
            "title": self.title,
            "status": self.status,
            "number": self.number,
            "date": self.date,
            "due": self.due,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "deal": self.deal,
            "client": self.client,
            "owner": self.owner,
            "related": self.related,
            "items": [i.as_json() for i in items],
            "totals": totals(items).as_json() if items else None,
        }


def doc_of(
    record: Record, default_currency: str, deal_currencies: Mapping[str, str] | None = None
) -> Doc:
    """The document's figures; without ``currency:`` its amount is in its deal's
    currency (``deal_currencies``: deal slug -> currency), else ``default_currency``."""
    deal = record.get_text("deal") or ""
    return Doc(
        record,
        record.get_text("kind") or "",
        record.get_text("status") or "",
        record_number(record.fields.get("amount"), text=False),
        record.get_text("currency") or (deal_currencies or {}).get(deal) or default_currency,
    )


def deal_currencies(store: Store, records: Iterable[Record]) -> dict[str, str]:
    """The currency of each deal that a document without ``currency:`` belongs to."""
    wanted = {slug for r in records if not r.get_text("currency") and (slug := r.get_text("deal"))}
    out = {}
    for slug in sorted(wanted):
        deal = store.indexed(path_of("deal", slug))
        code = deal.get_text("currency") if deal is not None else None
        if code:
            out[slug] = code
    return out


def all_docs(store: Store, currency: str | None = None) -> list[Doc]:
    """Every readable document; amounts without a currency are in their deal's
    currency, else in ``currency`` (default: pipeline.currency)."""
    code = currency or pipeline_settings(store).currency
    records = store.records("document")
    deals = deal_currencies(store, records)
    return [doc_of(record, code, deals) for record in records]


def load_doc(store: Store, path: str) -> Doc:
    record = store.load(path)
    currency = pipeline_settings(store).currency
    return doc_of(record, currency, deal_currencies(store, [record]))


def deal_documents(store: Store, deal_slug: str) -> list[Doc]:
    """The documents of a deal (from the index): by date, then in the order of the kinds."""
    currency = pipeline_settings(store).currency
    order = {name: i for i, name in enumerate(read_settings(store.config)[0].kinds)}
    records = [
        record
        for path in store.linked("deal", deal_slug, "deal")
        if (record := store.indexed(path)) is not None and record.type.name == "document"
    ]
    deals = deal_currencies(store, records)
    docs = [doc_of(record, currency, deals) for record in records]
    return sorted(docs, key=lambda d: (d.date or "", order.get(d.kind, len(order)), d.ref))


# ---------------------------------------------------------------- payments


@dataclass
class Balance:
    """An invoice and the payments that cover it."""

    invoice: Doc
    payments: list[tuple[Doc, Decimal]] = field(default_factory=list)

    @property
    def paid(self) -> Decimal:
        return sum((share for _, share in self.payments), Decimal(0))

    @property
    def outstanding(self) -> Decimal:
        return (self.invoice.amount or Decimal(0)) - self.paid

    @property
    def covered(self) -> bool:
        return self.invoice.amount is not None and self.outstanding <= 0

    def days_overdue(self, day: date) -> int:
        """Days past the due date with money outstanding (0 when not overdue)."""
        due = parse_iso_date(self.invoice.due or "")
        if due is None or self.outstanding <= 0 or not owed(self.invoice):
            return 0
        return max(0, (day - due).days)


def owed(doc: Doc) -> bool:
    """An invoice the client owes: issued or paid (not a draft, not cancelled)."""
    return doc.kind == INVOICE and doc.status in (ISSUED, PAID)


def allocate(docs: Iterable[Doc]) -> dict[str, list[tuple[str, Decimal]]]:
    """How each received payment (by ref) splits over the invoices it lists.

    Payments are applied in date order (on the same day those that settle one
    invoice first, then by ref), with a running balance per invoice: a payment
    covers the invoices it lists, in that order and in its own currency only,
    each with at most what it still owes; what is left is money on account.
    """
    listed = list(docs)
    invoices = {d.ref: d for d in listed if d.kind == INVOICE}
    owing = {ref: max(d.amount or Decimal(0), Decimal(0)) for ref, d in invoices.items()}
    received = sorted(
        (d for d in listed if d.kind == PAYMENT and d.status == RECEIVED and d.amount is not None),
        key=lambda d: (d.date or "", len(set(d.related)) > 1, d.ref),
    )
    out: dict[str, list[tuple[str, Decimal]]] = {}
    for payment in received:
        left = payment.amount or Decimal(0)
        shares = out.setdefault(payment.ref, [])
        for ref in dict.fromkeys(payment.related):
            invoice = invoices.get(ref)
            if invoice is None or invoice.currency != payment.currency:
                continue
            share = min(left, owing[ref])
            if share <= 0:
                continue
            shares.append((ref, share))
            owing[ref] -= share
            left -= share
    return out


def balances(docs: Iterable[Doc]) -> dict[str, Balance]:
    """Every invoice (by ref) with the payments that cover it, in the order they apply."""
    listed = list(docs)
    by_ref = {d.ref: d for d in listed}
    out = {d.ref: Balance(d) for d in listed if d.kind == INVOICE}
    for payment_ref, shares in allocate(listed).items():
        for ref, share in shares:
            out[ref].payments.append((by_ref[payment_ref], share))
    return out


def unapplied(payment: Doc, allocation: Mapping[str, list[tuple[str, Decimal]]]) -> Decimal:
    """The part of a received payment that settles no invoice (money on account);
    ``allocation`` is what ``allocate`` made of all documents."""
    if payment.kind != PAYMENT or payment.status != RECEIVED or payment.amount is None:
        return Decimal(0)
    return payment.amount - sum((s for _, s in allocation.get(payment.ref, [])), Decimal(0))


# ---------------------------------------------------------------- writing


def _log(store: Store, text: str) -> str:
    """A ``## Log`` line of today by you."""
    return log_line(store.today().isoformat(), store.current_user(), text)


def set_document(store: Store, path: str, wanted: Wanted) -> Edit:
    """Change a document's details (``setfields``): its title, owner, due date, own
    fields; the log says what changed.  Its status, number and date change through
    ``doc status``, its payments through ``pay``."""
    return change_record(store, path, wanted, "doc set", lambda text: _log(store, text))


def _invoice_edit(store: Store, balance: Balance, payment: Doc) -> tuple[str, Callable[[str], str]]:
    """The log line (and the paid status, once covered) a new payment adds to an invoice."""
    invoice = balance.invoice
    share = next((s for p, s in balance.payments if p.ref == payment.ref), None)
    left = balance.outstanding
    said = "paid in full" if left <= 0 else f"{money(left, invoice.currency)} outstanding"
    lines = []
    if share is not None:
        lines.append(
            _log(store, f"payment {payment.ref}: {money(share, invoice.currency)}, {said}")
        )
    changes: dict[str, Any] = {}
    if balance.covered and invoice.status == ISSUED:
        changes["status"] = PAID
        lines.append(_log(store, f"status {ISSUED} -> {PAID}"))
    return invoice.path, lambda text: append_log(set_fields(text, changes), lines)


def _assign_number(
    store: Store, settings: DocSettings, kind: str, day: date, exclude: str | None = None
) -> str | None:
    numbering = settings.numbering.get(kind)
    if numbering is None:
        return None
    _refuse_unreadable(store, kind, exclude)
    series = numbering.series_for(store.current_user(), os.environ.get(SERIES_ENV) or None)
    dates = {
        number: record.get_date("date")
        for record in store.records("document")
        if record.get_text("kind") == kind
        and record.path != exclude
        and (number := record.get_text("number"))
    }
    number = numbering.next_number(series, day.year, dates)
    new_key = numbering.key(number)
    before = [
        (key.seq, other, dated)
        for other, dated in dates.items()
        if dated
        and (key := numbering.key(other)) is not None
        and new_key is not None
        and key.scope == new_key.scope
        and key.seq < new_key.seq
    ]
    if before:
        _, last, dated = max(before)
        if day.isoformat() < dated:
            raise InvalidError(
                f"{kind} {last} is dated {dated}, so {number}, the next number of series "
                f"{series}, cannot be dated {day}: numbers follow the dates (use --date "
                f"{dated} or later)"
            )
    return number


def _refuse_unreadable(store: Store, kind: str, exclude: str | None) -> None:
    """An error while a document file cannot be read: its number is unknown, so a
    number given now could be one it already has."""
    broken = [p for p in store.broken("document") if p.path != exclude]
    if broken:
        raise InvalidError(
            f"cannot number this {kind} while {broken[0].path} cannot be read "
            f"({broken[0]}): its number could be given twice; fix it ('plaincrm check' "
            "lists the problems), then run the command again"
        )


def _check_number_free(
    store: Store, settings: DocSettings, kind: str, number: str, exclude: str | None = None
) -> str:
    """``number`` as typed, unless another document of ``kind`` has it (or the same
    series, year and sequence written differently, like A-2026-7 for A-2026-0007)."""
    number = one_line(number)
    if not number:
        raise InvalidError("a document number cannot be empty")
    _refuse_unreadable(store, kind, exclude)
    numbering = settings.numbering.get(kind)
    key = numbering.key(number) if numbering else None
    for record in store.records("document"):
        other = record.get_text("number")
        if record.get_text("kind") != kind or not other or record.path == exclude:
            continue
        if other == number or (key is not None and numbering and numbering.key(other) == key):
            raise ConflictError(f"{kind} number {number} is already used by {record.path}")
    return number


def _due_date(settings: DocSettings, day: date, due: date | None) -> date:
    if due is not None and due < day:
        raise InvalidError(f"the due date {due} is before the document date {day}")
    return due or day + timedelta(days=settings.payment_days)


@writes
def add_document(
    store: Store,
    kind_name: str,
    deal_path: str,
    *,
    status: str | None = None,
    number: str | None = None,
    day: date | None = None,
    due: date | None = None,
    amount: Decimal | None = None,
    currency: str | None = None,
    related: Sequence[str] = (),
    items: Sequence[LineItem] = (),
    title: str | None = None,
    owner: str | None = None,
    message: str | None = None,
) -> str:
    """Add a document of ``kind_name`` to the deal at ``deal_path``; return its path.

    ``status`` defaults to the kind's first status.  A numbered kind that is
    added at its counting status (an issued invoice) gets the next number of
    your series unless ``number`` is given.  ``amount`` defaults to the line
    items' total, else for quotes, contracts and invoices to the deal's amount,
    else for payments to what the related invoices still owe.  ``related``
    are document paths.  A payment updates the invoices it settles (their log,
    and their status once paid), in the same commit.
    """
    from ..clients.clients import new_owner  # clients imports this module for the card

    settings = doc_settings(store)
    kind = settings.kind(kind_name)
    deal = _the_deal(store, deal_path)
    status = _initial_status(kind, status)
    day = day or store.today()
    docs = {d.ref: d for d in all_docs(store)}
    refs = list(dict.fromkeys(slug_of(p) for p in related))  # the same one twice counts once
    value, code = _money(store, kind, status, deal, docs, refs, items, amount, currency)
    if number is not None:
        number = _check_number_free(store, settings, kind.name, number)
    elif kind.reached(status):
        number = _assign_number(store, settings, kind.name, day)
    owner = new_owner(store, owner if owner is not None else deal.owner)
    if kind.name == INVOICE and kind.reached(status):
        due = _due_date(settings, day, due)
    client = deal.get_text("client")
    path = path_of("document", _new_slug(store, client or deal.slug, kind.name, number))
    fields: dict[str, Any] = {
        "kind": kind.name,
        "title": one_line(title) if title else f"{kind.name.capitalize()} for {deal.title}",
        "deal": deal.slug,
        "client": client,
        "status": status,
        "number": number,
        "date": day,
        "due": due,
        "amount": value,
        "currency": code if value is not None or kind.name == PAYMENT else None,
        "related": refs or None,
        "owner": owner,
        "created": store.today(),
        "items": [item.fields() for item in items] or None,
    }
    said = f"added as {status}" + (f", number {number}" if number else "")
    body = f"## Tasks\n\n## Log\n\n{_log(store, said)}"
    store.create(path, new_record_text(fields, body))
    edits = _settled_by(store, path, docs, refs) if kind.name == PAYMENT else []
    shown = f"{kind.name} {number}" if number else kind.name
    store.modify_all(
        edits, message or f"doc add: {shown} for {deal.title} ({path})", created=[path]
    )
    return path


def _the_deal(store: Store, deal_path: str) -> Record:
    deal = store.load(deal_path)
    if deal.type.name != "deal":
        raise NotFoundError(f"{deal_path} is not a deal (list them with 'plaincrm deal list')")
    return deal


def _initial_status(kind: DocKind, status: str | None) -> str:
    """The status a new document of ``kind`` is added at (default: the kind's first)."""
    status = _check_status(kind, status or kind.initial)
    if kind.name == INVOICE and status == PAID:
        raise InvalidError(
            "add the invoice as issued, then record its payment with 'plaincrm pay REF' "
            "(it is marked paid when its payments cover it)"
        )
    return status


def _money(
    store: Store,
    kind: DocKind,
    status: str,
    deal: Record,
    docs: dict[str, Doc],
    refs: list[str],
    items: Sequence[LineItem],
    amount: Decimal | None,
    currency: str | None,
) -> tuple[Decimal | None, str]:
    """A new document's amount and currency: as given, else the line items' total,
    else the deal's amount in the deal's currency, else (a payment) what the
    related invoices (``refs``, among ``docs``) still owe, in their currency.  An
    invoice added at its counting status (issued) must have an amount."""
    linked = [docs[ref] for ref in refs if ref in docs]
    code = check_currency(currency) if currency else None
    if kind.name == PAYMENT:
        code = code or _payment_currency(linked)
    deal_currency = deal.get_text("currency") or pipeline_settings(store).currency
    code = code or deal_currency
    value = _amount(kind, deal, items, amount)
    if value is not None and not items and amount is None and code != deal_currency:
        raise InvalidError(
            f"the deal's amount is in {deal_currency}, not {code}: give the {kind.name}'s "
            f"amount in {code} with --amount (or line items with --item)"
        )
    if kind.name == PAYMENT:
        value = _payment_amount(value, code, linked, balances(docs.values()))
    if kind.name == INVOICE and kind.reached(status) and value is None:
        raise InvalidError(
            "an issued invoice needs an amount: give --amount or line items with --item"
        )
    return value, code


def _settled_by(
    store: Store, path: str, docs: dict[str, Doc], refs: list[str]
) -> list[tuple[str, Callable[[str], str]]]:
    """The edits of the invoices (``refs``) that the new payment at ``path`` settles:
    a log line each, and the status paid once covered."""
    payment = load_doc(store, path)
    docs[payment.ref] = payment
    after = balances(docs.values())
    edits = []
    for ref in refs:
        balance = after.get(ref)
        if balance is None or (
            all(p.ref != payment.ref for p, _ in balance.payments)
            and not (balance.covered and balance.invoice.status == ISSUED)
        ):
            continue
        edits.append(_invoice_edit(store, balance, payment))
    return edits


def _new_slug(store: Store, client: str, kind: str, number: str | None) -> str:
    """``<client>-<kind>-<number>``, or ``<client>-<kind>-<random id>`` without a number:
    never a name another clone could pick for another document while offline."""
    base = slugify(f"{client} {kind}")
    if number:
        named = slugify(f"{base} {number}", max_length=100)
        return unique_slug(named, lambda s: store.exists("document", s))
    return f"{base}-{new_id(lambda c: store.exists('document', f'{base}-{c}'))}"


def _check_status(kind: DocKind, status: str) -> str:
    wanted = status.strip().lower()
    if wanted not in kind.statuses:
        raise InvalidError(
            f"'{status}' is not a status of {kind.a_name}{did_you_mean(wanted, kind.statuses)}; "
            f"use one of: {', '.join(kind.statuses)}"
        )
    return wanted


def _amount(
    kind: DocKind, deal: Record, items: Sequence[LineItem], amount: Decimal | None
) -> Decimal | None:
    if items:
        total = totals(items).total
        if amount is not None and amount != total:
            raise InvalidError(
                f"--amount {format_amount(amount)} differs from the line items' total "
                f"{format_amount(total)}; leave --amount out to use the total"
            )
        if total < 0:
            raise InvalidError(
                f"the line items' total is {format_amount(total)}: an amount cannot be "
                "negative (a discount line must not exceed what it discounts; record money "
                "given back as its own document)"
            )
        return total
    if amount is not None:
        return amount
    return deal.get_number("amount") if kind.name in AMOUNT_FROM_DEAL else None


def _payment_currency(invoices: Sequence[Doc]) -> str | None:
    codes = {d.currency for d in invoices}
    if len(codes) > 1:
        raise InvalidError(
            f"the related invoices are in different currencies ({', '.join(sorted(codes))}): "
            "record one payment per invoice"
        )
    return codes.pop() if codes else None


def _payment_amount(
    amount: Decimal | None, currency: str, invoices: Sequence[Doc], known: Mapping[str, Balance]
) -> Decimal:
    for invoice in invoices:
        if invoice.kind != INVOICE:
            raise InvalidError(f"a payment settles invoices; {invoice.ref} is a {invoice.kind}")
        if invoice.status not in (ISSUED, PAID):
            raise ConflictError(
                f"{invoice.ref} is {invoice.status}: only issued invoices are paid "
                f"(issue it with 'plaincrm doc status {invoice.ref} issued')"
            )
        if invoice.currency != currency:
            raise InvalidError(
                f"{invoice.ref} is in {invoice.currency}, not {currency}: a payment is in the "
                "currency of its invoice"
            )
    owing = sum((known[d.ref].outstanding for d in invoices), Decimal(0))
    if amount is None:
        if not invoices:
            raise InvalidError("a payment needs --amount (or --related INVOICE to pay it in full)")
        if owing <= 0:
            raise ConflictError(f"{invoices[0].ref} is paid in full: nothing is outstanding")
        return owing
    if amount <= 0:
        raise InvalidError("a payment amount must be more than 0")
    if invoices and amount > owing:
        raise InvalidError(
            f"{money(amount, currency)} is more than the {money(owing, currency)} outstanding; "
            "record money paid on account as a payment without --related"
        )
    return amount


@writes
def set_status(
    store: Store,
    path: str,
    status: str,
    *,
    day: date | None = None,
    due: date | None = None,
    number: str | None = None,
) -> str:
    """Change a document's status; return the log text.

    Reaching the kind's counting status sets ``date`` (to ``day``, default
    today) and, for a numbered kind without a number, gives it the next number
    of your series; an invoice gets its due date then.  An issued invoice
    never goes back to draft and a cancelled one stays cancelled, so numbers
    stay sequential; ``paid`` needs payments that cover the invoice.
    """
    settings = doc_settings(store)
    doc = load_doc(store, path)
    kind = settings.kind(doc.kind)
    new = _check_status(kind, status)
    old = doc.status
    if new == old:
        raise ConflictError(f"{doc.ref} is already {old}")
    if kind.name == INVOICE:
        _check_invoice_move(store, doc, old, new)
    if kind.name == PAYMENT:
        raise ConflictError("a payment has one status, received")
    changes: dict[str, Any] = {"status": new}
    said = [f"status {old or 'none'} -> {new}"]
    arriving = kind.reached(new) and not kind.reached(old)
    if day is not None and doc.number and not arriving and day.isoformat() != doc.date:
        raise ConflictError(
            f"{doc.ref} is numbered {doc.number} and dated {doc.date or 'nothing'}: --date "
            f"would change the date its number follows; leave out --date (the log records "
            "the day of this change)"
        )
    if day is not None or arriving:
        changes["date"] = day or store.today()
    when = changes.get("date") or parse_iso_date(doc.date or "") or store.today()
    if number is not None:
        changes["number"] = _check_number_free(store, settings, kind.name, number, path)
    elif arriving and not doc.number:
        changes["number"] = _assign_number(store, settings, kind.name, when, exclude=path)
    if changes.get("number"):
        said.append(f"number {changes['number']}")
    if kind.name == INVOICE and new == ISSUED:
        current = parse_iso_date(doc.due or "")
        if due is not None or current is None or current < when:
            changes["due"] = _due_date(settings, when, due)
            said.append(f"due {changes['due']}")
    elif due is not None:
        changes["due"] = due
        said.append(f"due {due}")
    text = ", ".join(said)
    lines = [_log(store, text)]
    store.modify(
        path,
        lambda t: append_log(set_fields(t, changes), lines),
        f"doc status: {doc.title} {old} -> {new} ({path})",
    )
    return text


def _check_invoice_move(store: Store, doc: Doc, old: str, new: str) -> None:
    ref = doc.ref
    if old == CANCELLED:
        raise ConflictError(
            f"{ref} is cancelled and stays so (its number stays used): add a new invoice"
        )
    if new == DRAFT and old in (ISSUED, PAID):
        raise ConflictError(
            f"{ref} was issued as {doc.number or 'a numbered invoice'} and cannot go back to "
            f"draft: cancel it ('plaincrm doc status {ref} cancelled') and add a new one"
        )
    if new == PAID and old == DRAFT:
        raise ConflictError(
            f"{ref} is a draft: issue it first ('plaincrm doc status {ref} issued')"
        )
    if new == ISSUED and doc.amount is None:
        raise InvalidError(
            f"{ref} has no amount: write amount: (or line items) into {doc.path} first"
        )
    if new == CANCELLED and old in (ISSUED, PAID):
        paid = balances(all_docs(store)).get(ref, Balance(doc))
        if paid.payments:
            listed = ", ".join(p.ref for p, _ in paid.payments)
            raise ConflictError(
                f"{ref} cannot be cancelled: payments settle {money(paid.paid, doc.currency)} "
                f"of it ({listed}); a cancelled invoice owes nothing, so they would settle "
                "nothing.  Record the refund or credit note, or delete the payment files "
                "(documents/PAYMENT.md) if they were recorded by mistake, then cancel it"
            )
    if new == PAID or (new == ISSUED and old == PAID):
        balance = balances(all_docs(store)).get(ref, Balance(doc))
        if new == PAID and not balance.covered:
            raise ConflictError(
                f"payments cover {money(balance.paid, doc.currency)} of "
                f"{money(doc.amount or Decimal(0), doc.currency)}: record the payment with "
                f"'plaincrm pay {ref}' (it marks the invoice paid once covered)"
            )
        if new == ISSUED and balance.covered:
            raise ConflictError(f"{ref} is covered by its payments, so it stays paid")


@dataclass
class Payment:
    """What ``pay`` did: the payment's path and the invoice's balance afterwards."""

    path: str
    balance: Balance


@writes
def pay(
    store: Store, invoice_path: str, *, amount: Decimal | None = None, day: date | None = None
) -> Payment:
    """Record a payment of an issued invoice (default: all that is outstanding)."""
    invoice = load_doc(store, invoice_path)
    if invoice.kind != INVOICE:
        raise InvalidError(f"{invoice.ref} is a {invoice.kind}, not an invoice")
    if invoice.status == PAID:
        raise ConflictError(f"{invoice.ref} is already paid")
    if invoice.deal is None:
        raise InvalidError(f"{invoice.path} names no deal: add 'deal: REF' to it first")
    deal_path = path_of("deal", invoice.deal)
    shown = invoice.number or invoice.ref
    path = add_document(
        store,
        PAYMENT,
        deal_path,
        day=day,
        amount=amount,
        related=[invoice.path],
        title=f"Payment of {INVOICE} {shown}",
        message=f"pay: {INVOICE} {shown} ({invoice.path})",
    )
    after = balances(all_docs(store))
    return Payment(path, after[invoice.ref])


# ---------------------------------------------------------------- stage gates


def document_gate(store: Store, deal: Record, target: str) -> str | None:
    """A ``dealops.GATES`` gate: the documents ``target`` requires that the deal lacks."""
    required = stage_requirements(store).get(target)
    if not required:
        return None
    settings = doc_settings(store)
    docs = deal_documents(store, deal.slug)
    missing = [
        need
        for need in required
        if not any(
            d.kind == need.kind and settings.kinds[need.kind].reached(d.status, need.status)
            for d in docs
        )
    ]
    if not missing:
        return None
    first = missing[0]
    return (
        f"it needs {' and '.join(m.text for m in missing)} (add it with 'plaincrm doc add "
        f"{first.kind} {deal.slug} --status {first.status}')"
    )


# ---------------------------------------------------------------- client card


def document_details(store: Store, record: Record) -> dict[str, str]:
    """What a document shows on its client's card: kind, number, status, amount."""
    doc = doc_of(record, pipeline_settings(store).currency, deal_currencies(store, [record]))
    return {
        "kind": doc.kind,
        "number": doc.number or "",
        "status": doc.status,
        "amount": money(doc.amount, doc.currency) if doc.amount is not None else "",
    }
