"""``plaincrm deal add|move|win|lose|reopen|set|list|show``, ``pipeline`` and ``forecast``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from ..core.dates import days_text
from ..core.model import slug_of
from ..core.money import money
from ..core.text import number, plural
from ..sales.deallog import Event, display_text, events, format_event
from ..sales.dealops import add_deal, lose_deal, move_deal, reopen_deal, set_deal, win_deal
from ..sales.deals import Deal
from ..sales.reports import Forecast
from ..views.deals import DealListView, DealShowView, deal_list_view, deal_show_view
from ..views.pipeline import (
    BOARD_SHOWN,
    BoardView,
    DealCard,
    ForecastView,
    board_view,
    forecast_view,
)
from .common import (
    as_of_option,
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
from .documents import documents_section
from .formatters import Text, formatter, text_of
from .output import notes_lines, style, table
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
    words = [*query, *([f"owner:{owner}"] if owner else [])]
    formatter(as_json).emit(deal_list_view(get_app().store, words, everything))


@text_of(DealListView)
def _deal_list_text(view: DealListView) -> str | Text:
    if not view.deals:
        return "No deals match." if view.filtered else "No open deals."
    rows = [
        [
            d.ref,
            d.title,
            view.client_name(d),
            d.stage,
            _probability(d),
            money(d.amount, d.currency),
            d.close or "",
            d.owner or "",
        ]
        for d in view.deals
    ]
    headers = ["REF", "TITLE", "CLIENT", "STAGE", "PROB", "AMOUNT", "CLOSE", "OWNER"]
    manual = " (* probability set by hand)" if view.manual else ""
    return Text(
        table(rows, headers, right=[4, 5], fit=[1, 2]),
        f"{plural(len(view.deals), 'deal')}: {view.total.text()}, "
        f"weighted {view.weighted.text()}{manual}",
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
    formatter(as_json).emit(deal_show_view(store, store.resolve(ref, ["deal"])))


@text_of(DealShowView)
def _deal_show_text(view: DealShowView) -> str:
    item = view.deal
    head = style(item.title, bold=True) + f"   ({item.path})"
    lines = [head, table(_deal_rows_show(view), indent="  ", fit=[1])]
    if view.flags:
        lines += ["", style("Needs attention", bold=True, fg="yellow")]
        lines += [f"  {flag.reason}" for flag in view.flags]
    lines += notes_lines(view.notes)
    lines += documents_section(view.documents)
    lines += ["", style("Open tasks", bold=True), *_open_task_lines(view)]
    lines += ["", style("History", bold=True) + " (log and completed tasks, newest first)"]
    for h in view.history:
        lines.append(
            f"  {h.date or 'undated':10}  {h.text}" + (f"  [{h.where}]" if h.where else "")
        )
        lines += [f"              {line}" if line else "" for line in h.note.split("\n") if h.note]
    if not view.history:
        lines.append("  nothing yet")
    return "\n".join(lines)


def _deal_rows_show(view: DealShowView) -> list[list[str]]:
    """The figures of a deal's page: client, stage, probability, amount, the fields set."""
    item = view.deal
    record = item.record
    stage = item.stage
    if view.stage_since:
        stage += f", since {view.stage_since} ({days_text(view.days_in_stage or 0)})"
    probability = f"{item.probability}%"
    if item.manual:
        probability += " (set by hand"
        default = view.stage_probability
        probability += f"; the stage's is {default}%)" if default is not None else ")"
    amount = money(item.amount, item.currency)
    if item.weighted is not None and item.status == "open":
        amount += f" (weighted {money(item.weighted, item.currency)})"
    rows = [
        ["client", f"{view.client_name or item.client} ({item.client})"],
        ["stage", stage],
        ["probability", probability],
        ["amount", amount],
    ]
    for key in ("close", "owner", "source", "created", "closed", "lost_reason", "competitor"):
        value = record.fields.get(key)
        if value in (None, ""):
            continue
        text = str(value)
        if key == "source" and view.source_title:
            text = f"{view.source_title} ({text})"
        rows.append([key, text])
    if record.get_list("competitors"):
        rows.append(["competitors", ", ".join(record.get_list("competitors"))])
    if record.get_text("lost_note"):
        rows.append(["lost_note", record.get_text("lost_note") or ""])
    return rows


def _open_task_lines(view: DealShowView) -> list[str]:
    item = view.deal
    if view.open_tasks:
        rows = [
            [t.id or f"{item.ref}#{t.pos}", t.due or "", t.at or "", t.title]
            for t in view.open_tasks
        ]
        return [table(rows, indent="  ", fit=[3])]
    if view.on_card:
        return [
            f"  none on the deal: its next step is on the client card "
            f"('plaincrm client show {item.client}')"
        ]
    return [
        f'  none: add the next step with \'plaincrm task add {item.ref} "..." '
        f"--due {view.next_day}'"
    ]


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
    view = board_view(get_app().store, report_owner(owner), report_currency(currency))
    formatter(as_json).emit(view)


@text_of(BoardView)
def _board_text(view: BoardView) -> str:
    owner = view.owner
    head = f"Pipeline - {owner or 'everybody'}"
    if view.currency:
        head += f" (amounts in {view.currency})"
    out = [style(head, bold=True)]
    for column in view.columns:
        stage = column.stage
        out += [
            "",
            style(f"{stage.name.upper()}  {stage.probability}%", bold=True)
            + f"   {plural(column.count, 'deal')}   {column.total.text()}"
            + f"   weighted {column.weighted.text()}",
            _card_rows(column.cards),
        ]
        if column.hidden > 0:
            who = f" owner:{owner}" if owner else ""
            out.append(
                f"  ... and {column.hidden} more: plaincrm deal list stage:{stage.name}{who}"
            )
    if view.stray:
        out += ["", style("IN STAGES NOT IN THE PIPELINE (fix with 'deal move')", fg="red")]
        out.append(_card_rows(view.stray))
    out += [
        "",
        style("Total", bold=True)
        + f"   {plural(view.count, 'open deal')}   {view.total.text()}"
        + f"   weighted {view.weighted.text()}",
    ]
    return "\n".join(out)


def _card_rows(cards: list[DealCard]) -> str:
    if not cards:
        return "  (none)"
    rows = [
        [
            c.deal.ref,
            c.deal.title,
            c.client_name,
            money(c.deal.amount, c.deal.currency),
            _probability(c.deal),
            c.deal.close or "",
            c.deal.owner or "",
            style(", ".join(f.short for f in c.flags), fg="yellow"),
        ]
        for c in cards
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
    store = get_app().store
    view = forecast_view(store, by, periods, report_owner(owner), report_currency(currency))
    formatter(as_json).emit(view)


@text_of(ForecastView)
def _forecast_text(view: ForecastView) -> str:
    return _render_forecast(view.forecast, view.owner)


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
