"""``plaincrm ticket add|reply|wait|resolve|close|reopen|set|list|show`` and ``report service``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import click

from ..core.store import Store
from ..core.text import number, plural
from ..sales.dealops import NewDeal
from ..service.report import minutes_text
from ..service.sla import KINDS, PRIORITIES, Clock, now, parse_when
from ..service.tickets import (
    Ticket,
    add_ticket,
    close,
    reopen,
    reply,
    resolve,
    set_ticket,
    wait,
)
from ..views.tickets import (
    ServiceReportView,
    TicketListView,
    TicketShowView,
    service_report_view,
    ticket_list_view,
    ticket_show_view,
)
from .common import (
    as_of_option,
    date_arg,
    echo_changed,
    echo_created,
    field_option,
    get_app,
    json_option,
    nothing_asked,
    owner_option,
    query_argument,
    wanted_fields,
)
from .completion import complete_ref
from .formatters import formatter, text_of
from .output import notes_lines, style, table
from .reports import report_heading, report_owner, report_owner_option, report_since, since_option

F = TypeVar("F", bound=Callable[..., Any])
NOT_NOTES = ("conversation", "tasks", "log")  # body sections shown on their own


@click.group()
def ticket() -> None:
    """Service tickets: every complaint, request, suggestion and question of a
    client, one Markdown file each in tickets/, with its conversation and SLA.

    \b
    Example:
      plaincrm ticket add cafe-aurora "Grinder rattles" --kind complaint --priority high
      plaincrm ticket reply cafe-aurora-grinder "A technician comes tomorrow at 10."
      plaincrm ticket close cafe-aurora-grinder --resolution "Burrs replaced" \\
          --upsell "Grinder service contract" --amount 480
    """


def _ticket_ref(func: F) -> F:
    return click.argument("ref", shell_complete=complete_ref(["ticket"]))(func)


def _at_option(func: F) -> F:
    return click.option(
        "--at",
        "at",
        metavar="WHEN",
        help="When it happened, if not now: 14:30, 'yesterday 16:00', '2026-11-26 09:15'.",
    )(func)


def _when(text: str | None) -> datetime | None:
    return parse_when(text, now()) if text is not None else None


def _text(value: str) -> str:
    return sys.stdin.read() if value == "-" else value


def _path(store: Store, ref: str) -> str:
    return store.resolve(ref, ["ticket"])


@ticket.command("add")
@click.argument("client", shell_complete=complete_ref(["client"]))
@click.argument("subject")
@click.option(
    "--kind", type=click.Choice(KINDS), default="request", show_default=True, help="What it is."
)
@click.option(
    "--priority",
    type=click.Choice(PRIORITIES),
    default="normal",
    show_default=True,
    help="Picks the SLA targets (service.sla in plaincrm.yaml).",
)
@click.option("--channel", metavar="TEXT", help="How it came in: email, phone, web, chat ...")
@owner_option("Who handles it (default: you).")
@click.option(
    "--message",
    metavar="TEXT",
    help="What the client wrote or said: the first message ('-' reads stdin).",
)
@_at_option
def ticket_add(
    client: str,
    subject: str,
    kind: str,
    priority: str,
    channel: str | None,
    owner: str | None,
    message: str | None,
    at: str | None,
) -> None:
    """Open a ticket for CLIENT and print its reference; the SLA clocks start.

    \b
    Example:
      plaincrm ticket add cafe-aurora "Grinder rattles since Monday" --kind complaint \\
          --priority high --channel phone --message "Zsófia called: loud rattle at start."
    """
    store = get_app().store
    path = add_ticket(
        store,
        store.resolve(client, ["client"]),
        subject,
        kind=kind,
        priority=priority,
        channel=channel,
        owner=owner,
        message=_text(message) if message is not None else None,
        at=_when(at),
    )
    echo_created(path)


@ticket.command("reply")
@_ticket_ref
@click.argument("text")
@click.option(
    "--from-client",
    is_flag=True,
    help="The client wrote this (a ticket waiting on the client is open again).",
)
@click.option("--wait", "then_wait", is_flag=True, help="Then wait on the client's answer.")
@_at_option
def ticket_reply(ref: str, text: str, from_client: bool, then_wait: bool, at: str | None) -> None:
    """Add a message to the conversation of ticket REF ('-' reads TEXT from stdin).

    Your first reply is the ticket's first response (it stops the response
    clock); a new ticket becomes open.

    \b
    Example:
      plaincrm ticket reply cafe-aurora-grinder "Which serial number?" --wait
      plaincrm ticket reply cafe-aurora-grinder "It is MZ-4471." --from-client
    """
    store = get_app().store
    path = _path(store, ref)
    status = reply(store, path, _text(text), from_client=from_client, wait=then_wait, at=_when(at))
    click.echo(f"Replied on {path} (status {status}).")


@ticket.command("wait")
@_ticket_ref
@click.option("--note", metavar="TEXT", help="What you wait for; goes to the log.")
@_at_option
def ticket_wait(ref: str, note: str | None, at: str | None) -> None:
    """Put ticket REF on hold: it waits on the client and its SLA clocks stop
    until the client answers ('ticket reply --from-client').

    \b
    Example:
      plaincrm ticket wait cafe-aurora-grinder --note "Zsófia sends photos of the burrs"
    """
    store = get_app().store
    path = _path(store, ref)
    wait(store, path, note=note, at=_when(at))
    click.echo(f"{path} waits on the client.")


@ticket.command("resolve")
@_ticket_ref
@click.option("--resolution", required=True, metavar="TEXT", help="How it was resolved.")
@_at_option
def ticket_resolve(ref: str, resolution: str, at: str | None) -> None:
    """Mark ticket REF resolved: the solution is given and the resolution clock
    stops; close it when the client confirms.

    \b
    Example:
      plaincrm ticket resolve cafe-aurora-grinder --resolution "Burrs replaced on site"
    """
    store = get_app().store
    path = _path(store, ref)
    resolve(store, path, resolution=resolution, at=_when(at))
    click.echo(f"{path} is resolved.")


@ticket.command("close")
@_ticket_ref
@click.option(
    "--resolution", metavar="TEXT", help="How it was resolved (needed unless already resolved)."
)
@click.option(
    "--upsell",
    metavar="TITLE",
    help="Close with an additional offer: opens a deal TITLE for the client, source this ticket.",
)
@click.option("--amount", metavar="N", help="The upsell deal's amount.")
@click.option("--currency", metavar="CODE", help="The upsell deal's currency.")
@click.option("--close", "close_date", metavar="DATE", help="The upsell deal's expected close.")
@_at_option
def ticket_close(
    ref: str,
    resolution: str | None,
    upsell: str | None,
    amount: str | None,
    currency: str | None,
    close_date: str | None,
    at: str | None,
) -> None:
    """Close ticket REF, optionally with an upsell: a new deal for the same
    client whose source is the ticket; the ticket links to it.

    \b
    Example:
      plaincrm ticket close cafe-aurora-grinder --resolution "Burrs replaced" \\
          --upsell "Grinder service contract" --amount 480 --close +30d
    """
    store = get_app().store
    path = _path(store, ref)
    offer = None
    if upsell is not None:
        offer = NewDeal(upsell, amount, currency, date_arg(close_date))
    elif amount is not None or currency is not None or close_date is not None:
        raise click.UsageError("--amount, --currency and --close describe the --upsell deal")
    deal = close(store, path, resolution=resolution, upsell=offer, at=_when(at))
    click.echo(f"{path} is closed.")
    if deal:
        click.echo(f"Opened {deal} (source {path[:-3]}).")


@ticket.command("reopen")
@_ticket_ref
@click.option("--note", metavar="TEXT", help="Why; goes to the log.")
@_at_option
def ticket_reopen(ref: str, note: str | None, at: str | None) -> None:
    """Reopen a resolved or closed ticket REF: the resolution clock runs again.

    \b
    Example:
      plaincrm ticket reopen cafe-aurora-grinder --note "Rattles again"
    """
    store = get_app().store
    path = _path(store, ref)
    reopen(store, path, note=note, at=_when(at))
    click.echo(f"{path} is open again.")


# ---------------------------------------------------------------- list


@ticket.command("set")
@_ticket_ref
@click.option("--subject", metavar="TEXT")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--priority", type=click.Choice(PRIORITIES), help="Picks the SLA targets.")
@click.option("--channel", metavar="TEXT")
@owner_option("Who handles it ('' for nobody).")
@field_option
def ticket_set(
    ref: str,
    subject: str | None,
    kind: str | None,
    priority: str | None,
    channel: str | None,
    owner: str | None,
    fields: tuple[str, ...],
) -> None:
    """Change details of ticket REF; the log says what changed.  The status changes
    with reply, wait, resolve, close and reopen, which keep the SLA clocks right.

    \b
    Example:
      plaincrm ticket set cafe-aurora-steam --priority urgent --owner ben
    """
    wanted = wanted_fields(
        fields, subject=subject, kind=kind, priority=priority, channel=channel, owner=owner
    )
    nothing_asked(wanted, "--subject, --kind, --priority, --channel, --owner")
    store = get_app().store
    path = _path(store, ref)
    echo_changed(path, set_ticket(store, path, wanted))


@ticket.command("list")
@query_argument
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="Resolved and closed tickets too (default: unresolved, unless the query tests status).",
)
@json_option
def ticket_list(query: tuple[str, ...], everything: bool, as_json: bool) -> None:
    """List tickets, newest first, filtered by a QUERY (see README 'Queries').
    Besides the front matter fields a query can test sla (ok, at risk,
    breached, missed, met), response and resolution_sla (each clock's state).

    \b
    Example:
      plaincrm ticket list priority:high,urgent owner:me
      plaincrm ticket list sla:breached,"at risk"
      plaincrm ticket list --all kind:complaint opened.after:2026-11-01 --json
    """
    formatter(as_json).emit(ticket_list_view(get_app().store, list(query), everything))


@text_of(TicketListView)
def _ticket_list_text(view: TicketListView) -> str:
    if not view.tickets:
        return "No tickets match." if view.filtered else "No unresolved tickets."
    rows = [
        [
            t.ref,
            t.record.title,
            view.client_name(t),
            t.get("kind") or "",
            t.get("priority") or "",
            t.status,
            t.get("owner") or "",
            t.get("opened") or "",
            _sla_cell(t),
        ]
        for t in view.tickets
    ]
    headers = ["REF", "SUBJECT", "CLIENT", "KIND", "PRIO", "STATUS", "OWNER", "OPENED", "SLA"]
    return table(rows, headers, fit=[1, 2, 8])


def _sla_cell(item: Ticket) -> str:
    text = item.clocks.summary()
    if "breached" in text or "missed" in text:
        return style(text, fg="red")
    if "at risk" in text:
        return style(text, fg="yellow")
    return text


# ---------------------------------------------------------------- show


@ticket.command("show")
@_ticket_ref
@json_option
def ticket_show(ref: str, as_json: bool) -> None:
    """Show ticket REF: its details, SLA clocks, conversation, tasks and log.

    \b
    Example:
      plaincrm ticket show cafe-aurora-grinder
    """
    store = get_app().store
    formatter(as_json).emit(ticket_show_view(store, _path(store, ref)))


@text_of(TicketShowView)
def _ticket_show_text(view: TicketShowView) -> str:
    record = view.ticket.record
    lines = [style(record.title, bold=True) + f"   ({record.path})"]
    lines.append(table(_ticket_rows(view), indent="  ", fit=[1]))
    lines += notes_lines(view.notes)
    lines += ["", style("Conversation", bold=True)]
    if not view.messages:
        lines.append(f"  none yet: answer with 'plaincrm ticket reply {record.slug} \"...\"'")
    for message in view.messages:
        lines.append(f"  {message.stamp}  {style(message.who, bold=True)}")
        lines += [f"    {line}" if line else "" for line in message.text.split("\n")]
    if view.open_tasks:
        lines += ["", style("Open tasks", bold=True)]
        rows = [[t.id or "", t.due or "", t.title] for t in view.open_tasks]
        lines.append(table(rows, indent="  ", fit=[2]))
    if view.log:
        lines += ["", style("Log", bold=True)]
        for entry in view.log:
            when = f"{entry.date} {entry.time}" if entry.time else entry.date
            said = f"{entry.who}: {entry.text}" if entry.who else entry.text
            lines.append(f"  {when}  {said}")
    return "\n".join(lines)


def _ticket_rows(view: TicketShowView) -> list[list[str]]:
    """The details of a ticket's page: client, kind ... its deal, its SLA clocks."""
    item = view.ticket
    rows = [["client", f"{view.client_name} ({view.client})"]]
    for key in ("kind", "priority", "status", "channel", "owner", "opened", "first_response"):
        rows.append([key, item.get(key) or ""])
    for key in ("resolved", "resolution"):
        if item.get(key):
            rows.append([key, item.get(key) or ""])
    if view.deal_title is not None:
        rows.append(["deal", f"{view.deal_title} ({item.get('deal')})"])
    rows += [
        ["response SLA", _clock_cell(item.clocks.response)],
        ["resolution SLA", _clock_cell(item.clocks.resolution)],
    ]
    return [r for r in rows if r[1]]


def _clock_cell(clock: Clock) -> str:
    text = clock.describe()
    if clock.breached:
        return style(text, fg="red")
    if clock.at_risk:
        return style(text, fg="yellow")
    return text


# ---------------------------------------------------------------- report service


@click.command("service")
@since_option
@report_owner_option
@json_option
@as_of_option
def report_service(since: str | None, owner: str | None, as_json: bool) -> None:
    """Service: tickets by kind and status, median first-response and resolution
    times (working hours, waiting on the client left out), SLA breaches by
    priority, and the upsell funnel: tickets closed with an offer -> deals ->
    won revenue.  --since counts the tickets opened on or after DATE.

    \b
    Example:
      plaincrm report service --since 2026-10-01
      plaincrm report service --owner anna --json
    """
    view = service_report_view(get_app().store, report_since(since), report_owner(owner))
    formatter(as_json).emit(view)


@text_of(ServiceReportView)
def _service_text(view: ServiceReportView) -> str:
    result = view.report
    out = [report_heading("Service", result.since, result.owner), ""]
    if not result.tickets:
        out.append("No tickets.")
        return "\n".join(out)
    shown = view.statuses
    rows = [
        [kind, *(number(counts.get(s, 0)) for s in shown), number(sum(counts.values()))]
        for kind, counts in result.by_kind.items()
    ]
    totals = [sum(c.get(s, 0) for c in result.by_kind.values()) for s in shown]
    rows.append(["total", *(number(n) for n in totals), number(len(result.tickets))])
    right = list(range(1, len(shown) + 2))
    out.append(table(rows, ["KIND", *(s.upper() for s in shown), "TOTAL"], right=right))
    out += [
        "",
        f"Median first response: {minutes_text(result.median_response)} "
        f"({number(len(result.response_minutes))} answered)",
        f"Median resolution:     {minutes_text(result.median_resolution)} "
        f"({number(len(result.resolution_minutes))} resolved)",
        "(working hours; time waiting on the client not counted)",
        "",
        style("SLA by priority", bold=True),
    ]
    rows = [
        [
            row.priority,
            number(row.tickets),
            number(row.response_breached),
            number(row.resolution_breached),
        ]
        for row in result.priorities
    ]
    out.append(
        table(
            rows,
            ["PRIORITY", "TICKETS", "RESPONSE BREACHED", "RESOLUTION BREACHED"],
            right=[1, 2, 3],
        )
    )
    funnel = result.upsell
    out += [
        "",
        style("Upsell", bold=True),
        f"  {plural(funnel.closed, 'closed ticket')} -> {number(funnel.with_offer)} closed with "
        f"an offer -> {plural(len(funnel.deals), 'deal')}: {number(funnel.count('won'))} won, "
        f"{number(funnel.count('open'))} open, {number(funnel.count('lost'))} lost",
        f"  won revenue: {funnel.won.text()}"
        + (f"; still open: {funnel.open_amount.text()}" if funnel.open_amount else ""),
    ]
    return "\n".join(out)
