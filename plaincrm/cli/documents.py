"""``plaincrm doc add|status|set|list|show``, ``plaincrm pay`` and ``plaincrm receivables``."""

from __future__ import annotations

from decimal import Decimal

import click

from ..core.dates import days_text
from ..core.model import slug_of
from ..core.money import format_amount, parse_amount
from ..core.store import Store
from ..core.text import number, plural
from ..documents.documents import (
    Doc,
    LineItem,
    add_document,
    load_doc,
    money,
    owed,
    parse_item,
    pay,
    set_document,
    set_status,
    totals,
)
from ..documents.receivables import BUCKETS, Line, Receivables
from ..documents.settings import INVOICE
from ..views.deals import DealDocument
from ..views.documents import (
    DocListView,
    DocShowView,
    PaymentView,
    ReceivablesView,
    doc_list_view,
    doc_show_view,
    payment_view,
    receivables_view,
)
from .common import (
    as_of_option,
    date_arg,
    echo_changed,
    field_option,
    get_app,
    json_option,
    nothing_asked,
    owner_option,
    query_argument,
    wanted_fields,
)
from .completion import complete_ref
from .formatters import Text, formatter, text_of
from .output import echo_json, notes_lines, style, table


@click.group()
def doc() -> None:
    """Commercial documents of deals: quotes, contracts, invoices, payments and
    shipments, one Markdown file each in documents/ (see docs/documents.md).

    \b
    Example:
      plaincrm doc add contract acme-espresso --amount 12000 --status sent
      plaincrm doc status acme-contract signed
      plaincrm doc add invoice acme-espresso --item "Espresso machine X2" 2 5000 27% --status issued
      plaincrm doc list kind:invoice status:issued due.before:today
      plaincrm doc show acme-invoice
    """


_doc_ref = click.argument("ref", shell_complete=complete_ref(["document"]))


@doc.command("add")
@click.argument("kind")
@click.argument("deal", shell_complete=complete_ref(["deal"]))
@click.option(
    "--status", metavar="STATUS", help="Its status (default: the kind's first, e.g. draft)."
)
@click.option(
    "--number",
    metavar="TEXT",
    help="Its number (default for invoices: the next of your series, given when issued).",
)
@click.option("--date", "day", metavar="DATE", help="Its date (default: today).")
@click.option("--due", metavar="DATE", help="Invoices: payment due (default: date + payment_days).")
@click.option(
    "--amount",
    metavar="AMOUNT",
    help="Total incl. tax (default: the line items' total, else the deal's amount).",
)
@click.option("--currency", metavar="CODE", help="Currency (default: the deal's).")
@click.option(
    "--related",
    metavar="REF",
    multiple=True,
    shell_complete=complete_ref(["document"]),
    help="A document this one refers to (repeatable): the invoice a payment settles ...",
)
@click.option(
    "--item",
    "items",
    nargs=4,
    multiple=True,
    metavar="DESCRIPTION QTY PRICE TAX%",
    help="A line item (repeatable): description, quantity, unit price before tax, tax rate.",
)
@click.option("--title", metavar="TEXT", help="A title (default: the kind and the deal's title).")
@owner_option("Who follows it up (default: the deal's owner).")
@json_option
def doc_add(
    kind: str,
    deal: str,
    status: str | None,
    number: str | None,
    day: str | None,
    due: str | None,
    amount: str | None,
    currency: str | None,
    related: tuple[str, ...],
    items: tuple[tuple[str, str, str, str], ...],
    title: str | None,
    owner: str | None,
    as_json: bool,
) -> None:
    """Add a document of KIND (quote, contract, invoice, payment, shipment ...)
    to deal DEAL and print its reference.  An invoice added as issued gets the
    next number of your series and a due date.

    \b
    Example:
      plaincrm doc add quote acme-espresso --amount 12000 --status sent
      plaincrm doc add invoice acme-espresso --status issued \\
          --item "Espresso machine X2" 2 5000 27% --item "Installation" 1 400 27%
      plaincrm doc add shipment acme-espresso --related acme-invoice-inv-2026-0001
    """
    store = get_app().store
    path = add_document(
        store,
        kind,
        store.resolve(deal, ["deal"]),
        status=status,
        number=number,
        day=date_arg(day),
        due=date_arg(due),
        amount=parse_amount(amount) if amount is not None else None,
        currency=currency,
        related=[store.resolve(ref, ["document"]) for ref in related],
        items=[parse_item(*item) for item in items],
        title=title,
        owner=owner,
    )
    _report(store, path, "Created", as_json)


def _report(store: Store, path: str, verb: str, as_json: bool, said: str = "") -> None:
    """The document's ref on stdout and what happened on stderr, or its JSON."""
    if as_json:
        echo_json(doc_show_view(store, path, warn=False).as_json())
        return
    doc = load_doc(store, path)
    click.echo(doc.ref)
    click.echo(f"{verb} {path}: {said + '; ' if said else ''}{_summary(doc)}", err=True)


def _summary(doc: Doc) -> str:
    bits = [doc.label, doc.kind, doc.status]
    if doc.amount is not None:
        bits.append(money(doc.amount, doc.currency))
    if doc.due and doc.kind == INVOICE:
        bits.append(f"due {doc.due}")
    return ", ".join(bits)


@doc.command("status")
@_doc_ref
@click.argument("status")
@click.option("--date", "day", metavar="DATE", help="The document's new date (default: today).")
@click.option("--due", metavar="DATE", help="Invoices: the payment due date.")
@click.option("--number", metavar="TEXT", help="Its number instead of the next of your series.")
@json_option
def doc_status(
    ref: str, status: str, day: str | None, due: str | None, number: str | None, as_json: bool
) -> None:
    """Change the status of document REF (the change is logged).  Issuing an
    invoice gives it the next number of your series, its date and due date;
    'paid' needs payments that cover it (record them with 'plaincrm pay').

    \b
    Example:
      plaincrm doc status acme-contract signed
      plaincrm doc status acme-invoice issued --due +30d
      plaincrm doc status acme-quote rejected
    """
    store = get_app().store
    path = store.resolve(ref, ["document"])
    said = set_status(store, path, status, day=date_arg(day), due=date_arg(due), number=number)
    _report(store, path, "Changed", as_json, said)


@doc.command("set")
@_doc_ref
@click.option("--title", metavar="TEXT", help="The title shown in lists.")
@owner_option("Who follows it up ('' for nobody).")
@click.option("--due", metavar="DATE", help="The payment due date ('' clears it).")
@field_option
def doc_set(
    ref: str, title: str | None, owner: str | None, due: str | None, fields: tuple[str, ...]
) -> None:
    """Change details of document REF; the log says what changed.  Its status,
    number and date change with 'doc status', its payments with 'pay'.

    \b
    Example:
      plaincrm doc set acme-invoice --due 2027-01-15 --owner ben
    """
    wanted = wanted_fields(fields, title=title, owner=owner, due=due)
    nothing_asked(wanted, "--title, --owner, --due")
    store = get_app().store
    path = store.resolve(ref, ["document"])
    echo_changed(path, set_document(store, path, wanted))


@doc.command("list")
@query_argument
@json_option
def doc_list(query: tuple[str, ...], as_json: bool) -> None:
    """List documents, newest first, filtered by a QUERY (see README 'Queries').
    Besides the front matter fields a query can test outstanding (what an
    invoice still owes) and overdue (days past due with money owed).

    \b
    Example:
      plaincrm doc list kind:invoice status:issued
      plaincrm doc list kind:invoice overdue>0 sort:-outstanding
      plaincrm doc list deal:acme-espresso --json
    """
    formatter(as_json).emit(doc_list_view(get_app().store, list(query)))


@text_of(DocListView)
def _doc_list_text(view: DocListView) -> str | Text:
    if not view.rows:
        return "No documents match." if view.filtered else "No documents yet."
    rows = []
    for row in view.rows:
        d = row.doc
        due = left = ""
        if row.owes is not None:
            left = format_amount(row.owes)
            due = f"{d.due} ({row.days_overdue}d late)" if row.days_overdue else d.due or ""
        rows.append(
            [
                d.ref,
                d.title,
                d.kind,
                d.number or "",
                d.status,
                d.date or "",
                money(d.amount, d.currency) if d.amount is not None else "",
                left,
                due,
                view.client_name(d),
            ]
        )
    headers = ["REF", "TITLE", "KIND", "NUMBER", "STATUS", "DATE", "AMOUNT", "OWED", "DUE"]
    owing = f"; invoices owe {view.owing.text()}" if view.owing else ""
    return Text(
        table(rows, [*headers, "CLIENT"], right=[6, 7], fit=[1, 9]),
        f"{plural(len(view.rows), 'document')}{owing}",
    )


# ---------------------------------------------------------------- show


@doc.command("show")
@_doc_ref
@json_option
def doc_show(ref: str, as_json: bool) -> None:
    """Show document REF: its fields, line items and totals, payments (of an
    invoice), related documents, tasks and log.

    \b
    Example:
      plaincrm doc show acme-invoice
      plaincrm doc show acme-invoice --json
    """
    store = get_app().store
    formatter(as_json).emit(doc_show_view(store, store.resolve(ref, ["document"])))


@text_of(DocShowView)
def _doc_show_text(view: DocShowView) -> str:
    doc = view.doc
    title = f"{doc.title}   ({doc.path})"
    lines = [style(title, bold=True), table(_doc_rows(view), indent="  ", fit=[1])]
    if doc.items:
        lines += ["", style("Line items", bold=True), _items_table(doc.items, doc.currency)]
    lines += _payment_lines(view)
    if view.related or view.referring:
        lines += ["", style("Related documents", bold=True)]
        rows = [[ref, *(_brief(other) if other else ["(missing)"])] for ref, other in view.related]
        rows += [[d.ref, *_brief(d), f"(refers to this {doc.kind})"] for d in view.referring]
        lines.append(table(rows, indent="  ", fit=[1]))
    lines += notes_lines(view.notes)
    if view.open_tasks:
        lines += ["", style("Open tasks", bold=True)]
        rows = [[t.id or f"{doc.ref}#{t.pos}", t.due or "", t.title] for t in view.open_tasks]
        lines.append(table(rows, indent="  ", fit=[2]))
    lines += ["", style("Log", bold=True)]
    lines += [f"  {e.date}  {e.who + ': ' if e.who else ''}{e.text}" for e in view.log]
    if not view.log:
        lines.append("  nothing yet")
    return "\n".join(lines)


def _doc_rows(view: DocShowView) -> list[list[str]]:
    """The fields of a document's page: kind, number, status (overdue?), deal, client ..."""
    doc = view.doc
    status = doc.status
    if view.days_overdue:
        status += style(f" (overdue {days_text(view.days_overdue)})", fg="red")
    rows = [["kind", doc.kind], ["number", doc.number or "none yet"], ["status", status]]
    if doc.deal:
        rows.append(["deal", f"{doc.deal}  {view.deal_title}"])
    if doc.client:
        rows.append(["client", f"{doc.client}  {view.client_name}"])
    for key in ("date", "due", "owner", "created"):
        value = doc.record.fields.get(key)
        if value not in (None, ""):
            rows.append([key, str(value)])
    if doc.amount is not None:
        rows.append(["amount", money(doc.amount, doc.currency)])
    return rows


def _payment_lines(view: DocShowView) -> list[str]:
    """An owed invoice's payments and what is left."""
    doc, balance = view.doc, view.balance
    if balance is None or not owed(doc):
        return []
    lines = ["", style("Payments", bold=True)]
    for payment, share in balance.payments:
        lines.append(
            f"  {payment.date or 'undated':10}  {payment.ref}  {payment.label}  "
            f"{money(share, doc.currency)}"
        )
    left = balance.outstanding
    state = "paid in full" if left <= 0 else f"{money(left, doc.currency)} outstanding"
    lines.append(f"  paid {money(balance.paid, doc.currency)}, {state}")
    return lines


def _brief(doc: Doc) -> list[str]:
    """A document in a list of documents: what it is called (never its file name: the
    REF column beside it has that), its kind, status and amount."""
    amount = money(doc.amount, doc.currency) if doc.amount is not None else ""
    return [doc.label, doc.kind, doc.status, amount]


def _items_table(items: list[LineItem], currency: str) -> str:
    sums = totals(items)
    # a column of amounts shows cents on every line once one of them has cents
    cents = [
        any(v != v.to_integral_value() for v in values)
        for values in (
            [i.price for i in items],
            [*(i.net for i in items), sums.net],
            [*(i.tax_amount for i in items), sums.tax],
        )
    ]
    rows = [
        [
            item.description,
            number(item.quantity, None),
            format_amount(item.price, cents[0]),
            f"{number(item.tax, None)}%",
            format_amount(item.net, cents[1]),
            format_amount(item.tax_amount, cents[2]),
        ]
        for item in items
    ]
    rows.append(
        ["total", "", "", "", format_amount(sums.net, cents[1]), format_amount(sums.tax, cents[2])]
    )
    headers = ["DESCRIPTION", "QTY", "PRICE", "TAX", "NET", "TAX AMOUNT"]
    text = table(rows, headers, [1, 2, 3, 4, 5], "  ", fit=[0])
    return text + f"\n  total incl. tax: {money(sums.total, currency)}"


# ---------------------------------------------------------------- on a deal's page


def documents_section(docs: list[DealDocument]) -> list[str]:
    """The 'Documents' lines of ``deal show``: each document, and what invoices owe."""
    if not docs:
        return []
    rows = [
        [
            d.doc.ref,
            *_brief(d.doc),
            d.doc.date or "",
            f"owes {money(d.owes, d.doc.currency)}" if d.owes is not None else "",
        ]
        for d in docs
    ]
    return ["", style("Documents", bold=True), table(rows, indent="  ", fit=[1])]


# ---------------------------------------------------------------- pay


@click.command("pay")
@click.argument("invoice", shell_complete=complete_ref(["document"]))
@click.option("--amount", metavar="AMOUNT", help="How much arrived (default: all that is owed).")
@click.option("--date", "day", metavar="DATE", help="When it arrived (default: today).")
@json_option
def pay_command(invoice: str, amount: str | None, day: str | None, as_json: bool) -> None:
    """Record a payment of INVOICE (a payment document that settles it) and
    print the payment's reference.  Partial payments are fine; the invoice is
    marked paid when its payments cover it.

    \b
    Example:
      plaincrm pay acme-invoice-inv-2026-0001 --amount 5000 --date 2026-11-20
      plaincrm pay acme-invoice-inv-2026-0001
    """
    store = get_app().store
    path = store.resolve(invoice, ["document"])
    done = pay(
        store,
        path,
        amount=parse_amount(amount) if amount is not None else None,
        day=date_arg(day, past=True),
    )
    formatter(as_json).emit(payment_view(store, done))


@text_of(PaymentView)
def _payment_text(view: PaymentView) -> Text:
    """The payment's ref on stdout; what it paid and what is left on stderr."""
    payment, invoice = view.payment.doc, view.invoice.doc
    left = view.balance.outstanding
    state = (
        f"{invoice.short} is paid in full"
        if left <= 0
        else f"{money(left, invoice.currency)} of {invoice.short} outstanding"
    )
    paid = money(payment.amount or Decimal(0), payment.currency)
    return Text(payment.ref, f"Recorded {payment.path}: {paid}; {state}")


# ---------------------------------------------------------------- receivables


@click.command("receivables")
@click.option(
    "--client",
    metavar="REF",
    shell_complete=complete_ref(["client"]),
    help="Only this client.",
)
@json_option
@as_of_option
def receivables_command(client: str | None, as_json: bool) -> None:
    """Per client and currency: invoiced, paid and outstanding amounts, what is
    owed by days past due (current, 0-30, 31-60, 61-90, 90+), and the overdue
    invoices.  Currencies are never added together.

    \b
    Example:
      plaincrm receivables
      plaincrm receivables --client acme --json
    """
    store = get_app().store
    slug = slug_of(store.resolve(client, ["client"])) if client else None
    formatter(as_json).emit(receivables_view(store, slug))


@text_of(ReceivablesView)
def _receivables_text(view: ReceivablesView) -> str:
    return _render_receivables(view.report)


def _figures(line: Line) -> list[Decimal]:
    return [line.invoiced, line.paid, line.outstanding, *(line.ages[b] for b in BUCKETS)]


def _row(line: Line, cents: bool) -> list[str]:
    cells = [format_amount(value, cents) if value else "-" for value in _figures(line)]
    return [line.name, line.currency, *cells]


def _render_receivables(report: Receivables) -> str:
    if not report.lines:
        return "No invoices yet."
    headers = ["CLIENT", "CUR", "INVOICED", "PAID", "OUTSTANDING", *(b.upper() for b in BUCKETS)]
    figures = [v for line in report.lines for v in _figures(line)]
    cents = any(value != value.to_integral_value() for value in figures)
    rows = [_row(line, cents) for line in [*report.lines, *report.totals]]
    lines = [
        style(f"Receivables on {report.day}", bold=True)
        + " (owed by days past due; currencies are never added together)",
        table(rows, headers, right=list(range(2, 5 + len(BUCKETS))), fit=[0]),
    ]
    on_account = [line for line in report.lines if line.unapplied]
    for line in on_account:
        lines.append(
            f"  {line.name}: {money(line.unapplied, line.currency)} paid on account "
            "(settles no invoice)"
        )
    overdue = report.overdue
    lines += ["", style("Overdue invoices", bold=True)]
    if not overdue:
        lines.append("  none")
    rows = [
        [
            item.balance.invoice.number or item.balance.invoice.ref,
            line.name,
            f"due {item.balance.invoice.due}",
            days_text(item.days),
            item.bucket,
            money(item.balance.outstanding, line.currency),
            f"of {money(item.balance.invoice.amount or Decimal(0), line.currency)}",
        ]
        for line, item in overdue
    ]
    if rows:
        lines.append(table(rows, indent="  ", right=[3, 5], fit=[1]))
    return "\n".join(lines)
