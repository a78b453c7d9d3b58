"""``plaincrm campaign add|audience|respond|list|show`` and ``report campaigns``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..core.money import money
from ..core.text import number, percent, plural
from ..marketing.campaigns import (
    MAILING_COLUMNS,
    CampaignFigures,
    add_campaign,
    audience,
    respond,
)
from ..sales.dealops import NewDeal
from ..views.campaigns import (
    AudienceView,
    CampaignListView,
    CampaignShowView,
    CampaignsReportView,
    audience_view,
    campaign_list_view,
    campaign_show_view,
    campaigns_report_view,
)
from .common import (
    as_of_option,
    date_arg,
    echo_created,
    get_app,
    json_option,
    owner_option,
    query_argument,
)
from .completion import complete_ref
from .formatters import Text, formatter, text_of
from .output import notes_lines, style, table
from .reports import report_heading, report_since, since_option


@click.group()
def campaign() -> None:
    """Direct-marketing campaigns: an offer sent to the clients a saved query
    selects, one Markdown file each in campaigns/, with the responses it brought.

    \b
    Example:
      plaincrm campaign add "Winter grinder offer" --audience "+horeca city:Budapest" \\
          --channel email --cost 400 --start 2026-11-02 --end 2026-11-30
      plaincrm campaign audience winter --csv mailing.csv
      plaincrm campaign respond winter cafe-aurora --note "Wants two grinders" \\
          --deal "Two Mazzer grinders" --amount 3780
      plaincrm report campaigns
    """


@campaign.command("add")
@click.argument("name")
@click.option(
    "--audience",
    "audience_text",
    required=True,
    metavar="QUERY",
    help="Who gets it: a client query, e.g. '+wholesale city:Budapest'.",
)
@click.option("--channel", metavar="TEXT", help="email, mail, phone, event ...")
@click.option("--start", metavar="DATE", help="First day.")
@click.option("--end", metavar="DATE", help="Last day.")
@click.option("--budget", metavar="N", help="What may be spent.")
@click.option("--cost", metavar="N", help="What was spent (the base of ROI).")
@click.option("--currency", metavar="CODE", help="Of budget, cost, expected revenue.")
@click.option("--expected-revenue", metavar="N", help="The revenue it should bring.")
@owner_option("Who runs it (default: you).")
@click.option("--offer", metavar="TEXT", help="The offer, for the body ('-' reads stdin).")
def campaign_add(
    name: str,
    audience_text: str,
    channel: str | None,
    start: str | None,
    end: str | None,
    budget: str | None,
    cost: str | None,
    currency: str | None,
    expected_revenue: str | None,
    owner: str | None,
    offer: str | None,
) -> None:
    """Create a campaign whose audience is the client QUERY; print its reference.

    \b
    Example:
      plaincrm campaign add "Winter grinder offer" --audience "+horeca -vip" \\
          --channel email --budget 500 --cost 400 --expected-revenue 8000 \\
          --start 2026-11-02 --end 2026-11-30 --offer "10% off Mazzer grinders"
    """
    store = get_app().store
    path = add_campaign(
        store,
        name,
        audience_text=audience_text,
        channel=channel,
        start=date_arg(start),
        end=date_arg(end),
        budget=budget,
        cost=cost,
        currency=currency,
        expected_revenue=expected_revenue,
        owner=owner,
        offer=sys.stdin.read() if offer == "-" else offer,
    )
    size = len(audience(store, store.load(path)))
    echo_created(path, f"; its audience is {plural(size, 'client')} today.")


def _campaign_ref(func: Any) -> Any:
    return click.argument("name", metavar="NAME", shell_complete=complete_ref(["campaign"]))(func)


@campaign.command("audience")
@_campaign_ref
@click.option(
    "--csv",
    "csv_file",
    metavar="FILE",
    help="Write the mailing list as CSV to FILE ('-' for stdout).",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV as Excel opens it by double-click: UTF-8 with a BOM, ';' between cells.",
)
@json_option
def campaign_audience(name: str, csv_file: str | None, excel: bool, as_json: bool) -> None:
    """The mailing list of campaign NAME: the clients its audience query selects
    today, with their contact details, ready for a mail merge or a mailing tool.
    Cells starting with = + - @ get a leading ' so no spreadsheet runs them.

    \b
    Example:
      plaincrm campaign audience winter
      plaincrm campaign audience winter --csv mailing.csv --excel
    """
    store = get_app().store
    view = audience_view(store, store.resolve(name, ["campaign"]))
    if excel and csv_file is None:
        raise click.UsageError("--excel describes the --csv file: add --csv FILE")
    if csv_file is None:
        formatter(as_json).emit(view)
        return
    _write_mailing(view, csv_file, excel)


def _write_mailing(view: AudienceView, csv_file: str, excel: bool) -> None:
    """The mailing list as CSV to ``csv_file`` ('-': stdout), what was written on stderr."""
    from ..formats.exporter import json_rows, save, write_csv

    record, clients, sheet = view.record, view.clients, view.sheet
    data = write_csv(sheet, delimiter=";" if excel else ",", excel=excel)
    if csv_file == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        save(Path(csv_file), lambda tmp: tmp.write_bytes(data))
    channel = (record.get_text("channel") or "").lower()
    column = {"email": "email", "phone": "phone"}.get(channel, "")
    missing = sum(1 for row in json_rows(sheet) if column and not row.get(column))
    gap = f" ({missing} without {column})" if missing else ""
    where = "stdout" if csv_file == "-" else csv_file
    click.echo(f"Wrote {plural(len(clients), 'client')} to {where}{gap}.", err=True)


@text_of(AudienceView)
def _audience_text(view: AudienceView) -> str | Text:
    query = view.record.get_text("audience")
    if not view.clients:
        return f"The audience '{query}' selects no clients today."
    shown = ["ref", "name", "contact", "email", "phone", "city"]
    index = [MAILING_COLUMNS.index(c) for c in shown]
    rows = [[str(row[i] or "") for i in index] for row in view.sheet.rows]
    return Text(
        table(rows, [c.upper() for c in shown], fit=[1, 2, 5]),
        f"{plural(len(view.clients), 'client')}: {query}",
    )


@campaign.command("respond")
@_campaign_ref
@click.argument("client", shell_complete=complete_ref(["client"]))
@click.option("--note", metavar="TEXT", help="What the client said or wants.")
@click.option("--deal", "deal_title", metavar="TITLE", help="Open a deal TITLE from it.")
@click.option("--amount", metavar="N", help="The deal's amount.")
@click.option("--currency", metavar="CODE", help="The deal's currency.")
@click.option("--close", "close_date", metavar="DATE", help="The deal's expected close.")
@click.option("--date", "on", metavar="DATE", help="When the client responded (default: today).")
def campaign_respond(
    name: str,
    client: str,
    note: str | None,
    deal_title: str | None,
    amount: str | None,
    currency: str | None,
    close_date: str | None,
    on: str | None,
) -> None:
    """Record that CLIENT responded to campaign NAME: a line in the campaign's
    Responses, a completed task in the client's history and, with --deal, a
    deal whose source is the campaign.

    \b
    Example:
      plaincrm campaign respond winter cafe-aurora --note "Wants two grinders" \\
          --deal "Two Mazzer grinders" --amount 3780 --close +14d
    """
    store = get_app().store
    offer = None
    if deal_title is not None:
        offer = NewDeal(deal_title, amount, currency, date_arg(close_date))
    elif amount is not None or currency is not None or close_date is not None:
        raise click.UsageError("--amount, --currency and --close describe the --deal")
    done = respond(
        store,
        store.resolve(name, ["campaign"]),
        store.resolve(client, ["client"]),
        note=note,
        deal=offer,
        day=date_arg(on, past=True),
    )
    click.echo(f"Recorded the response of {done.response.client}.")
    if done.deal:
        click.echo(f"Opened {done.deal}.")
    if done.in_audience is False:
        click.echo("note: the client is not in the campaign's audience today", err=True)


# ---------------------------------------------------------------- list and show


@campaign.command("list")
@query_argument
@json_option
def campaign_list(query: tuple[str, ...], as_json: bool) -> None:
    """List campaigns, newest first, filtered by a QUERY (see README 'Queries').
    Besides the front matter fields a query can test status (planned, running,
    ended), responses and deals (counts).

    \b
    Example:
      plaincrm campaign list status:running
      plaincrm campaign list channel:email start.after:2026-01-01 --json
    """
    formatter(as_json).emit(campaign_list_view(get_app().store, list(query)))


@text_of(CampaignListView)
def _campaign_list_text(view: CampaignListView) -> str:
    if not view.campaigns:
        return "No campaigns match." if view.filtered else "No campaigns yet."
    rows = [
        [
            item.ref,
            item.record.title,
            item.record.get_text("channel") or "",
            item.record.get_date("start") or "",
            item.record.get_date("end") or "",
            item.status,
            number(item.responders),
            number(len(item.deals)),
            money(item.cost, item.currency),
        ]
        for item in view.campaigns
    ]
    headers = ["REF", "NAME", "CHANNEL", "START", "END", "STATUS", "RESP", "DEALS", "COST"]
    return table(rows, headers, right=[6, 7, 8], fit=[1, 2])


@campaign.command("show")
@_campaign_ref
@json_option
def campaign_show(name: str, as_json: bool) -> None:
    """Show campaign NAME: details, offer, audience size, responses, deals and ROI.

    \b
    Example:
      plaincrm campaign show winter
    """
    store = get_app().store
    formatter(as_json).emit(campaign_show_view(store, store.resolve(name, ["campaign"])))


@text_of(CampaignShowView)
def _campaign_show_text(view: CampaignShowView) -> str:
    item = view.campaign
    record = item.record
    lines = [style(record.title, bold=True) + f"   ({record.path})"]
    rows = [
        ["status", item.status],
        ["channel", record.get_text("channel") or ""],
        ["audience", f"{record.get_text('audience')}  ({_count(item.audience)} clients today)"],
        ["start", record.get_date("start") or ""],
        ["end", record.get_date("end") or ""],
        ["owner", record.owner or ""],
        ["budget", money(record.get_number("budget"), item.currency)],
        ["cost", money(item.cost, item.currency)],
        ["expected revenue", money(record.get_number("expected_revenue"), item.currency)],
    ]
    lines.append(table([r for r in rows if r[1]], indent="  ", fit=[1]))
    lines += notes_lines(view.offer, "Offer")
    lines += ["", style("Results", bold=True), table(_figure_rows(item), indent="  ")]
    lines += ["", style("Responses", bold=True)]
    if not item.responses:
        lines.append(f"  none yet: record one with 'plaincrm campaign respond {item.ref} CLIENT'")
    for response in item.responses:
        who = view.client_names.get(response.client, response.client)
        deal = view.deal_titles.get(response.deal, response.deal) if response.deal else ""
        note = f": {response.note}" if response.note else ""
        lines.append(f"  {response.date}  {who}{note}" + (f"  -> deal {deal}" if deal else ""))
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "?" if value is None else number(value)


def roi_text(item: CampaignFigures) -> str:
    """ROI in percent with one decimal (``-`` when it cannot be worked out)."""
    return percent(item.roi * 100) if item.roi is not None else "-"


def _figure_rows(item: CampaignFigures) -> list[list[str]]:
    """The results of a campaign as label/value rows."""
    rate = f" ({percent(item.response_rate)})" if item.response_rate is not None else ""
    revenue = item.revenue()
    roi = roi_text(item) if item.roi is not None else (item.note or "n/a (no cost)")
    return [
        ["responses", f"{item.responders} of {_count(item.audience)}{rate}"],
        ["deals opened", number(len(item.deals))],
        ["deals won", number(len(item.won_deals))],
        ["won revenue", money(revenue, item.currency) if revenue is not None else item.won.text()],
        ["cost per response", money(item.cost_per_response, item.currency) or "n/a"],
        ["ROI", roi],
    ]


# ---------------------------------------------------------------- report campaigns


@click.command("campaigns")
@since_option
@json_option
@as_of_option
def report_campaigns(since: str | None, as_json: bool) -> None:
    """Per campaign: audience size (today), responses and response rate, deals
    opened and won (through their source: campaigns/<slug>), won revenue,
    cost, cost per response and ROI = (won revenue - cost) / cost.
    --since keeps the campaigns that started (or, without a start, ended) on
    or after DATE.

    \b
    Example:
      plaincrm report campaigns
      plaincrm report campaigns --since 2026-01-01 --json
    """
    formatter(as_json).emit(campaigns_report_view(get_app().store, report_since(since)))


@text_of(CampaignsReportView)
def _campaigns_report_text(view: CampaignsReportView) -> str:
    items = view.campaigns
    out = [report_heading("Campaigns", view.since, None), ""]
    if not items:
        out.append("No campaigns.")
        return "\n".join(out)
    rows = []
    for item in items:
        revenue = item.revenue()
        rows.append(
            [
                item.title,
                _count(item.audience),
                number(item.responders),
                percent(item.response_rate),
                number(len(item.deals)),
                number(len(item.won_deals)),
                money(revenue, item.currency) if revenue is not None else item.won.text(),
                money(item.cost, item.currency) or "-",
                money(item.cost_per_response, item.currency) or "-",
                roi_text(item),
            ]
        )
    headers = [
        "CAMPAIGN", "AUDIENCE", "RESP", "RATE", "DEALS", "WON", "REVENUE", "COST",
        "COST/RESP", "ROI",
    ]  # fmt: skip
    out.append(table(rows, headers, right=list(range(1, 10)), fit=[0]))
    notes = [f"{item.title}: {item.note}" for item in items if item.note]
    out += ["", *notes] if notes else []
    return "\n".join(out)
