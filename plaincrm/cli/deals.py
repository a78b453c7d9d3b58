"""``plaincrm deal add|move|win|lose|reopen|set|list|show``, ``pipeline`` and ``forecast``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import click

from ..clients.clients import client_names
from ..core.dates import days_text
from ..core.model import Kind, field_kinds, is_record_path, slug_of
from ..core.money import Amounts, json_amount, money
from ..core.query import WrappedAccessor, sql_prefilter, tested_fields
from ..core.records import record_notes
from ..core.store import Store
from ..core.text import number, plural
from ..documents.documents import deal_documents
from ..sales.deallog import Event, display_text, events, format_event, parse_event, stage_entered
from ..sales.dealops import add_deal, lose_deal, move_deal, reopen_deal, set_deal, win_deal
from ..sales.deals import (
    Deal,
    Flag,
    client_cards,
    deal_facts,
    deal_flags,
    deal_of,
    deals,
    flagged_deals,
)
from ..sales.pipeline import Pipeline, settings
from ..sales.reports import Board, Bucket, Forecast, board, forecast
from .common import (
    as_of_option,
    build_query,
    date_arg,
    echo_created,
    field_option,
    get_app,
    json_option,
    owner_option,
    query_argument,
    wanted_fields,
)
from .completion import complete_ref, complete_stage
from .documents import documents_history, documents_section
from .output import echo_json, style, table
from .reports import currency_option, report_currency, report_owner, report_owner_option


@click.group()
def deal() -> None:
    """Deals: sales opportunities, one Markdown file each in deals/, moving
    through the pipeline stages of plaincrm.yaml until won or lost.

    \b
    Example:
      plaincrm deal add acme "Espresso machines" --amount 12000 --close 2027-01-15
      plaincrm deal move acme-espresso proposal
      plaincrm deal win acme-espresso --amount 11500
      plaincrm deal lose acme-grinders --reason competitor --competitor Contoso
    """


_deal_ref = click.argument("ref", shell_complete=complete_ref(["deal"]))
_competitors = click.option(
    "--competitor",
    "competitors",
    multiple=True,
    metavar="NAME",
    help="A competitor met (repeatable).",
)
_force = click.option(
    "--force",
    is_flag=True,
    help="Go ahead although a stage gate refuses; the refusal is written to the deal's log.",
)


def _change(ref: str, operation: Callable[..., list[Event]], *args: Any, **options: Any) -> None:
    """Run a deal operation on REF and print the log lines it wrote."""
    store = get_app().store
    path = store.resolve(ref, ["deal"])
    _echo_events(path, operation(store, path, *args, **options))


def _echo_events(path: str, found: list[Event]) -> None:
    for event in found:
        click.echo(f"{slug_of(path)}: {display_text(format_event(event))}")


@deal.command("add")
@click.argument("client", shell_complete=complete_ref(["client"]))
@click.argument("title")
@click.option("--amount", metavar="AMOUNT", help="Expected value, e.g. 12000 or 12000.50.")
@click.option(
    "--currency", metavar="CODE", help="Currency of the amount (default: pipeline.currency)."
)
@click.option("--close", metavar="DATE", help="Expected close date: 2027-01-15, +1m, friday.")
@click.option(
    "--stage",
    metavar="STAGE",
    help="Starting stage (default: the first).",
    shell_complete=complete_stage,
)
@owner_option("Responsible user (default: you).")
@click.option("--source", metavar="TEXT", help="Where it came from: text, tickets/x, campaigns/y.")
@click.option(
    "--probability",
    metavar="PERCENT|auto",
    help="Set by hand (kept across stage moves), e.g. 60 or 60%; 'auto' (default): the stage's.",
)
@_competitors
@_force
def deal_add(
    client: str,
    title: str,
    amount: str | None,
    currency: str | None,
    close: str | None,
    stage: str | None,
    owner: str | None,
    source: str | None,
    probability: str | None,
    competitors: tuple[str, ...],
    force: bool,
) -> None:
    """Open a deal for CLIENT and print its reference.  A starting stage that
    requires documents (a stage gate) refuses a new deal unless --force.

    \b
    Example:
      plaincrm deal add acme "Espresso machines for the new shop" --amount 12000 --close +6w
    """
    store = get_app().store
    path = add_deal(
        store,
        store.resolve(client, ["client"]),
        title,
        amount=amount,
        currency=currency,
        close=date_arg(close),
        stage=stage,
        owner=owner,
        source=source,
        probability=probability,
        competitors=competitors,
        force=force,
    )
    echo_created(path)
    if force:  # stdout is the REF alone, for scripts: a forced gate is told on stderr
        for _, event in events(store.load(path)):
            if event.kind == "forced":
                click.echo(f"{slug_of(path)}: {display_text(format_event(event))}", err=True)


@deal.command("move")
@_deal_ref
@click.argument("stage", shell_complete=complete_stage)
@_force
def deal_move(ref: str, stage: str, force: bool) -> None:
    """Move deal REF to another open STAGE; its probability follows the stage
    unless it was set by hand.  Close deals with 'deal win' and 'deal lose'.

    \b
    Example:
      plaincrm deal move acme-espresso proposal
    """
    _change(ref, move_deal, stage, force=force)


@deal.command("win")
@_deal_ref
@click.option("--amount", metavar="AMOUNT", help="The final amount, if it changed.")
@click.option("--currency", metavar="CODE", help="The currency of --amount, if it changed.")
@_force
def deal_win(ref: str, amount: str | None, currency: str | None, force: bool) -> None:
    """Close deal REF as won today.

    \b
    Example:
      plaincrm deal win acme-espresso --amount 11500
    """
    _change(ref, win_deal, amount=amount, currency=currency, force=force)


@deal.command("lose")
@_deal_ref
@click.option("--reason", required=True, metavar="REASON", help="Why (pipeline.lost_reasons).")
@click.option("--competitor", metavar="NAME", help="Who won it (required for competitor reasons).")
@click.option("--note", metavar="TEXT", help="What the client said.")
def deal_lose(ref: str, reason: str, competitor: str | None, note: str | None) -> None:
    """Close deal REF as lost today, with the reason and, when a competitor won
    it, which one and why.

    \b
    Example:
      plaincrm deal lose acme-grinders --reason competitor --competitor Contoso \\
          --note "Their offer included two years of service"
    """
    _change(ref, lose_deal, reason=reason, competitor=competitor, note=note)


@deal.command("reopen")
@_deal_ref
@click.option(
    "--stage",
    metavar="STAGE",
    help="Reopen in this stage (default: the stage it closed at).",
    shell_complete=complete_stage,
)
@_force
def deal_reopen(ref: str, stage: str | None, force: bool) -> None:
    """Reopen a won or lost deal REF.

    \b
    Example:
      plaincrm deal reopen acme-grinders --stage negotiation
    """
    _change(ref, reopen_deal, stage=stage, force=force)


@deal.command("set")
@_deal_ref
@click.option("--title", metavar="TEXT")
@click.option("--amount", metavar="AMOUNT")
@click.option("--currency", metavar="CODE")
@click.option("--close", metavar="DATE", help="Expected close date.")
@owner_option("Responsible user.")
@click.option("--source", metavar="TEXT")
@click.option(
    "--probability",
    metavar="PERCENT|auto",
    help="Set by hand (kept across stage moves), or 'auto' to follow the stage again.",
)
@_competitors
@field_option
def deal_set(
    ref: str,
    title: str | None,
    amount: str | None,
    currency: str | None,
    close: str | None,
    owner: str | None,
    source: str | None,
    probability: str | None,
    competitors: tuple[str, ...],
    fields: tuple[str, ...],
) -> None:
    """Change details of deal REF; the change is written to its log.

    \b
    Example:
      plaincrm deal set acme-espresso --close 2027-02-15 --probability 60
      plaincrm deal set acme-espresso --probability auto --competitor Contoso
    """
    store = get_app().store
    path = store.resolve(ref, ["deal"])
    found = set_deal(
        store,
        path,
        title=title,
        amount=amount,
        currency=currency,
        close=date_arg(close),
        owner=owner,
        source=source,
        probability=probability,
        competitors=competitors,
        fields=wanted_fields(fields),
    )
    _echo_events(path, found)


# ---------------------------------------------------------------- list


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


@deal.command("list")
@query_argument
@owner_option("Only deals of this owner ('me' for you).")
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Won and lost deals too (default: open deals, unless the query tests status or stage).",
)
@json_option
@as_of_option
def deal_list(query: tuple[str, ...], owner: str | None, everything: bool, as_json: bool) -> None:
    """List deals, in pipeline order, filtered by a QUERY (see README 'Queries').
    Besides the front matter fields a query can test status (open, won, lost)
    and weighted (amount x probability).

    \b
    Example:
      plaincrm deal list stage:proposal amount>10000 close<2027-01-01 sort:-amount
      plaincrm deal list owner:me close.before:today
      plaincrm deal list status:lost competitor:contoso --json
    """
    app = get_app()
    store = app.store
    pipeline = settings(store)
    words = [*query, *([f"owner:{owner}"] if owner else [])]
    parsed = build_query(app, words, {**field_kinds("deal"), **DEAL_KINDS})
    # DEAL_ACCESSOR computes these rather than reading them from the front matter
    where = sql_prefilter(parsed.where, field_kinds("deal"), {"probability", "currency"})
    items = deals(store, pipeline, where=where)
    if not everything and not tested_fields(parsed.where) & {"status", "stage"}:
        items = [d for d in items if d.status == "open"]
    found = parsed.apply(items, DEAL_ACCESSOR)
    if as_json:
        echo_json([d.as_json() for d in found])
        return
    if not found:
        click.echo("No deals match." if words or everything else "No open deals.")
        return
    clients = client_names(store, (d.client for d in found))
    rows = [
        [
            d.ref,
            d.title,
            clients.get(d.client or "", d.client or ""),
            d.stage,
            _probability(d),
            money(d.amount, d.currency),
            d.close or "",
            d.owner or "",
        ]
        for d in found
    ]
    headers = ["REF", "TITLE", "CLIENT", "STAGE", "PROB", "AMOUNT", "CLOSE", "OWNER"]
    click.echo(table(rows, headers, right=[4, 5], fit=[1, 2]))
    total, weighted = Amounts(), Amounts()
    for d in found:
        if d.amount is not None:
            total.add(d.currency, d.amount)
            weighted.add(d.currency, d.weighted or Decimal(0))
    manual = " (* probability set by hand)" if any(d.manual for d in found) else ""
    click.echo(
        f"{plural(len(found), 'deal')}: {total.text()}, weighted {weighted.text()}{manual}",
        err=True,
    )


# ---------------------------------------------------------------- show


@deal.command("show")
@_deal_ref
@json_option
@as_of_option
def deal_show(ref: str, as_json: bool) -> None:
    """Show deal REF: its figures, what needs attention, tasks and log.

    \b
    Example:
      plaincrm deal show acme-espresso
    """
    store = get_app().store
    pipeline = settings(store)
    path = store.resolve(ref, ["deal"])
    record = store.load(path)
    store.warn_tasks((path, task) for task in record.tasks)
    item = deal_of(record, pipeline)
    notes = record_notes(store.read_text(path), record)
    client = client_names(store, [item.client]).get(item.client or "")
    entered = stage_entered(record, item.stage)
    facts = deal_facts(record)
    card = client_cards(store, [item.client]).get(item.client or "")
    flags = deal_flags(pipeline, store.today(), facts, card) if facts else []
    if as_json:
        data = item.as_json()
        data.update(
            client_name=client,
            stage_since=entered,
            attention=[flag.reason for flag in flags],
            notes=notes,
            tasks=[task.as_row() for task in record.tasks],
            log=[
                dict(entry.as_json(), event=parse_event(entry.text).as_json())
                for entry in record.log
            ],
            documents=[d.as_json() for d in deal_documents(store, item.ref)],
        )
        echo_json(data)
        return
    on_card = bool(facts and card and card.holds_the_next_step)
    click.echo(_render_show(store, pipeline, item, client, entered, flags, notes, on_card))


def _render_show(
    store: Store,
    pipeline: Pipeline,
    item: Deal,
    client: str | None,
    entered: str | None,
    flags: list[Flag],
    notes: str,
    on_card: bool = False,
) -> str:
    """``on_card``: the deal's next step is a task on its client's card."""
    record = item.record
    stage = item.stage
    if entered:
        days = (store.today() - date.fromisoformat(entered)).days
        stage += f", since {entered} ({days_text(days)})"
    default = pipeline.stage(item.stage)
    probability = f"{item.probability}%"
    if item.manual:
        probability += " (set by hand"
        probability += f"; the stage's is {default.probability}%)" if default else ")"
    amount = money(item.amount, item.currency)
    if item.weighted is not None and item.status == "open":
        amount += f" (weighted {money(item.weighted, item.currency)})"
    rows = [
        ["client", f"{client or item.client} ({item.client})"],
        ["stage", stage],
        ["probability", probability],
        ["amount", amount],
    ]
    for key in ("close", "owner", "source", "created", "closed", "lost_reason", "competitor"):
        value = record.fields.get(key)
        if value not in (None, ""):
            rows.append([key, _source(store, str(value)) if key == "source" else str(value)])
    if record.get_list("competitors"):
        rows.append(["competitors", ", ".join(record.get_list("competitors"))])
    if record.get_text("lost_note"):
        rows.append(["lost_note", record.get_text("lost_note") or ""])
    head = style(item.title, bold=True) + f"   ({item.path})"
    lines = [head, table(rows, indent="  ", fit=[1])]
    if flags:
        lines += ["", style("Needs attention", bold=True, fg="yellow")]
        lines += [f"  {flag.reason}" for flag in flags]
    if notes:
        lines += [
            "",
            style("Notes", bold=True),
            *("  " + n if n else "" for n in notes.split("\n")),
        ]
    documents = deal_documents(store, item.ref)
    lines += documents_section(store, documents)
    open_tasks = [t for t in record.tasks if not t.checked]
    lines += ["", style("Open tasks", bold=True)]
    if open_tasks:
        rows = [
            [t.id or f"{item.ref}#{t.pos}", t.due or "", t.at or "", t.title] for t in open_tasks
        ]
        lines.append(table(rows, indent="  ", fit=[3]))
    elif on_card:
        lines.append(
            f"  none on the deal: its next step is on the client card "
            f"('plaincrm client show {item.client}')"
        )
    else:
        lines.append(
            f"  none: add the next step with 'plaincrm task add {item.ref} \"...\" --due tomorrow'"
        )
    history = [(t.done or "", "done: " + t.title, t.note, "") for t in record.tasks if t.checked]
    history += [(e.date, _said(e.who, display_text(e.text)), "", "") for e in record.log]
    history += documents_history(documents)
    lines += ["", style("History", bold=True) + " (log and completed tasks, newest first)"]
    for day, text, note, where in sorted(reversed(history), key=lambda h: h[0], reverse=True):
        lines.append(f"  {day or 'undated':10}  {text}" + (f"  [{where}]" if where else ""))
        lines += [f"              {line}" if line else "" for line in note.split("\n") if note]
    if not history:
        lines.append("  nothing yet")
    return "\n".join(lines)


def _source(store: Store, source: str) -> str:
    """A deal's source: a record it names (``campaigns/winter-offer``) by its title."""
    path = f"{source}.md"
    if not is_record_path(path):
        return source
    title = store.titles([path]).get(path)
    return f"{title} ({source})" if title else source


def _said(who: str | None, text: str) -> str:
    return f"{who}: {text}" if who else text


# ---------------------------------------------------------------- pipeline


@click.command("pipeline")
@report_owner_option
@currency_option
@json_option
@as_of_option
def pipeline_command(owner: str | None, currency: str | None, as_json: bool) -> None:
    """The open deals stage by stage: how many, their total and weighted
    (amount x probability) amounts, and the deals themselves with what needs
    attention; totals at the bottom.  Amounts in different currencies are
    shown side by side, never added, unless --currency converts them.

    \b
    Example:
      plaincrm pipeline
      plaincrm pipeline --owner me --currency EUR --json
    """
    app = get_app()
    store = app.store
    pipeline = settings(store)
    who = report_owner(owner)
    code = report_currency(currency)
    result = board(deals(store, pipeline, who), pipeline, code)
    flags = {f.path: f.flags for f in flagged_deals(store, pipeline, store.today(), who)}
    if as_json:
        echo_json(_board_json(result, who, flags))
        return
    click.echo(_render_board(store, result, who, flags))


def _board_json(result: Board, owner: str | None, flags: dict[str, list[Flag]]) -> dict[str, Any]:
    def deal_json(d: Deal) -> dict[str, Any]:
        return dict(d.as_json(), attention=[f.reason for f in flags.get(d.path, [])])

    return {
        "owner": owner,
        "currency": result.currency,
        "stages": [
            {
                "stage": c.stage.name,
                "probability": c.stage.probability,
                "count": len(c.deals),
                "total": c.total.as_json(),
                "weighted": c.weighted.as_json(),
                "without_amount": c.unpriced,
                "deals": [deal_json(d) for d in c.deals],
            }
            for c in result.columns
        ],
        "total": {
            "count": result.count,
            "total": result.total.as_json(),
            "weighted": result.weighted.as_json(),
        },
        "unknown_stage": [deal_json(d) for d in result.stray],
    }


BOARD_SHOWN = 20  # deals listed per stage, soonest close first; --json lists all


def _render_board(
    store: Store, result: Board, owner: str | None, flags: dict[str, list[Flag]]
) -> str:
    shown = [d for c in result.columns for d in c.deals[:BOARD_SHOWN]] + result.stray
    clients = client_names(store, (d.client for d in shown))
    head = f"Pipeline - {owner or 'everybody'}"
    if result.currency:
        head += f" (amounts in {result.currency})"
    out = [style(head, bold=True)]
    for column in result.columns:
        stage = column.stage
        out += [
            "",
            style(f"{stage.name.upper()}  {stage.probability}%", bold=True)
            + f"   {plural(len(column.deals), 'deal')}   {column.total.text()}"
            + f"   weighted {column.weighted.text()}",
            _deal_rows(column.deals[:BOARD_SHOWN], clients, flags),
        ]
        hidden = len(column.deals) - BOARD_SHOWN
        if hidden > 0:
            who = f" owner:{owner}" if owner else ""
            out.append(f"  ... and {hidden} more: plaincrm deal list stage:{stage.name}{who}")
    if result.stray:
        out += ["", style("IN STAGES NOT IN THE PIPELINE (fix with 'deal move')", fg="red")]
        out.append(_deal_rows(result.stray, clients, flags))
    out += [
        "",
        style("Total", bold=True)
        + f"   {plural(result.count, 'open deal')}   {result.total.text()}"
        + f"   weighted {result.weighted.text()}",
    ]
    return "\n".join(out)


def _deal_rows(items: list[Deal], clients: dict[str, str], flags: dict[str, list[Flag]]) -> str:
    if not items:
        return "  (none)"
    rows = [
        [
            d.ref,
            d.title,
            clients.get(d.client or "", d.client or ""),
            money(d.amount, d.currency),
            _probability(d),
            d.close or "",
            d.owner or "",
            style(", ".join(f.short for f in flags.get(d.path, [])), fg="yellow"),
        ]
        for d in items
    ]
    return table(rows, indent="  ", right=[3, 4], fit=[1, 2, 7])


# ---------------------------------------------------------------- forecast


@click.command("forecast")
@click.option(
    "--by",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="Length of a period.",
)
@click.option(
    "--periods",
    type=click.IntRange(1, 60),
    default=None,
    help="How many periods (default 6 months / 4 quarters).",
)
@report_owner_option
@currency_option
@json_option
@as_of_option
def forecast_command(
    by: str, periods: int | None, owner: str | None, currency: str | None, as_json: bool
) -> None:
    """What will close when: for each period (this one first) by the deals'
    expected close dates, the open deals' amount and weighted amount, and what
    was already won in the period.  Open deals past their close date are
    listed apart as overdue, as are those without a close date and those
    beyond the last period.

    \b
    Example:
      plaincrm forecast
      plaincrm forecast --by quarter --periods 4 --owner ben --json
    """
    app = get_app()
    store = app.store
    pipeline = settings(store)
    who = report_owner(owner)
    count = periods or (4 if by == "quarter" else 6)
    result = forecast(
        deals(store, pipeline, who),
        pipeline,
        store.today(),
        by=by,
        periods=count,
        currency=report_currency(currency),
    )
    if as_json:
        echo_json(_forecast_json(result, who, store.today()))
        return
    click.echo(_render_forecast(result, who))


def _bucket_json(bucket: Bucket) -> dict[str, Any]:
    return {
        "count": len(bucket.deals),
        "total": bucket.total.as_json(),
        "weighted": bucket.weighted.as_json(),
        "deals": [d.ref for d in bucket.deals],
    }


def _forecast_json(result: Forecast, owner: str | None, today: date) -> dict[str, Any]:
    return {
        "by": result.by,
        "owner": owner,
        "currency": result.currency,
        "today": today.isoformat(),
        "periods": [
            dict(
                {"period": b.label},
                **_bucket_json(b),
                won_count=b.won_count,
                won=b.won.as_json(),
            )
            for b in result.periods
        ],
        "overdue": _bucket_json(result.overdue),
        "no_close_date": _bucket_json(result.undated),
        "later": _bucket_json(result.later),
    }


def _render_forecast(result: Forecast, owner: str | None) -> str:
    head = f"Forecast by {result.by} - {owner or 'everybody'}"
    if result.currency:
        head += f" (amounts in {result.currency})"
    out = [style(head, bold=True), ""]
    rows = [
        [
            b.label,
            number(len(b.deals)),
            b.total.text(),
            b.weighted.text(),
            number(b.won_count),
            b.won.text(),
        ]
        for b in result.periods
    ]
    out.append(
        table(
            rows,
            ["PERIOD", "OPEN", "AMOUNT", "WEIGHTED", "WON", "WON AMOUNT"],
            right=[1, 2, 3, 4, 5],
        )
    )
    out.append("  (open deals by expected close date; won deals by the date they closed)")
    extra = [
        (result.overdue, "Overdue: open deals past their close date"),
        (result.undated, "No close date"),
        (result.later, f"Later than {result.periods[-1].label}"),
    ]
    for bucket, title in extra:
        if not bucket.deals:
            continue
        out += [
            "",
            style(title, bold=True, fg="red" if bucket is result.overdue else None)
            + f"   {plural(len(bucket.deals), 'deal')}   {bucket.total.text()}"
            + f"   weighted {bucket.weighted.text()}",
        ]
        rows = [
            [
                d.ref,
                d.title,
                d.stage,
                money(d.amount, d.currency),
                d.close or "",
                d.owner or "",
            ]
            for d in bucket.deals[:BOARD_SHOWN]
        ]
        out.append(table(rows, indent="  ", right=[3], fit=[1]))
        if len(bucket.deals) > BOARD_SHOWN:
            out.append(f"  ... and {len(bucket.deals) - BOARD_SHOWN} more (--json lists them all)")
    return "\n".join(out)


# ---------------------------------------------------------------- helpers


def _probability(item: Deal) -> str:
    return f"{item.probability}%{'*' if item.manual else ''}"
