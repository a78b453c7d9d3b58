"""``plaincrm mail import|list``, and how ``today`` shows the mail lists."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..core.dates import format_duration
from ..core.model import slug_of
from ..views.mail import MailImportView, MailListView, mail_list_view
from .common import date_arg, get_app, json_option, query_argument
from .formatters import formatter, text_of
from .output import style, table, truncate

if TYPE_CHECKING:
    from ..mail.followup import FollowUp, MailLists
    from ..mail.importer import Outcome

SHOWN = 10  # items of each of today's lists; --json lists them all


@click.group()
def mail() -> None:
    """Mail in the client card: record e-mail from Maildir folders, mbox files, .eml
    files and IMAP mailboxes in the files of the clients it was exchanged with.

    \b
    Example:
      plaincrm mail import ~/Mail/INBOX ~/Mail/Sent
      plaincrm mail import imaps://anna@imap.example.com/INBOX --since 2026-11-01
      plaincrm mail list danube
    """


@mail.command("import")
@click.argument("sources", nargs=-1, required=True, metavar="SOURCE...")
@click.option("--since", metavar="DATE", help="Only mail written on or after DATE.")
@click.option("--dry-run", is_flag=True, help="Show what would be recorded; write nothing.")
@click.option(
    "--unmatched", is_flag=True, help="List the addresses of mail that matches no client."
)
@json_option
def mail_import(
    sources: tuple[str, ...], since: str | None, dry_run: bool, unmatched: bool, as_json: bool
) -> None:
    """Record the mail of SOURCEs in the files of the clients it was exchanged with,
    as one commit: a Maildir folder, an mbox file, .eml files, or an IMAP mailbox
    over TLS (imaps://USER@HOST/MAILBOX; the password comes from
    PLAINCRM_IMAP_PASSWORD or git config plaincrm.mailPasswordCommand).  Only mail
    that is new since the last run is read; mail recorded before is never recorded twice.

    \b
    Example:
      plaincrm mail import ~/Mail/INBOX ~/Mail/Sent
      plaincrm mail import ~/Downloads/offer.eml --dry-run
      plaincrm mail import imaps://anna@imap.example.com/INBOX --unmatched
    """
    from ..mail.importer import import_mail

    app = get_app()
    day = date_arg(since, past=True)
    outcome = import_mail(
        app.store, list(sources), since=day.isoformat() if day else None, dry_run=dry_run
    )
    formatter(as_json).emit(MailImportView(outcome, unmatched))


@text_of(MailImportView)
def _import_text(view: MailImportView) -> str:
    return render_outcome(view.outcome, view.unmatched)


def render_outcome(outcome: Outcome, unmatched: bool) -> str:
    lines = []
    if outcome.dry_run and outcome.written:
        rows = [
            [
                f"{w.entry.date} {w.entry.time}",
                w.entry.direction,
                slug_of(w.client),
                truncate(w.entry.sender, 32),
                truncate(w.entry.subject, 40),
                w.entry.deal or "",
            ]
            for w in outcome.written
        ]
        lines.append(table(rows, ["DATE", "DIR", "CLIENT", "FROM", "SUBJECT", "DEAL"]))
        lines.append("")
    mails, clients = outcome.messages, outcome.clients
    verb = "Would record" if outcome.dry_run else "Recorded"
    head = f"{verb} {_count(mails, 'mail')} for {_count(clients, 'client')}"
    if not mails:
        head = "Nothing new to record"
    if outcome.deal_lines:
        head += f" ({_count(len(outcome.deal_lines), 'deal log line')})"
    if outcome.commit:
        head += f" in commit {outcome.commit[:7]}"
    lines.append(head + f"; read {_count(outcome.read, 'message')}.")
    rest = [
        (outcome.already, "already recorded"),
        (outcome.unmatched, "of no client" + ("" if unmatched else " (--unmatched lists them)")),
        (outcome.automatic, "automatic (auto-replies, lists)"),
        (outcome.ignored, "from ignored addresses"),
        (outcome.before, "before --since"),
        (len(outcome.skipped), "skipped"),
    ]
    said = [f"{count} {what}" for count, what in rest if count]
    if said:
        lines.append("Not recorded: " + ", ".join(said) + ".")
    for where, why in outcome.skipped:
        lines.append(f"  skipped {where}: {why}")
    for where, note in outcome.notes:
        lines.append(f"  note {where}: {note}")
    if unmatched and outcome.strangers:
        lines += ["", style("Addresses of mail that matches no client", bold=True)]
        rows = [
            [address, _count(count, "mail")] for address, count in outcome.strangers.most_common()
        ]
        lines.append(table(rows, indent="  "))
        lines.append(
            '  (a client for one: plaincrm client add "NAME" --email ADDRESS; then import again)'
        )
    if outcome.dry_run:
        lines.append("Dry run: nothing was written.")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


@mail.command("list")
@query_argument
@json_option
def mail_list(query: tuple[str, ...], as_json: bool) -> None:
    """List recorded mail, newest first, filtered by a QUERY (see README 'Queries'):
    fields date, direction (in, out), from, to, subject, client, deal; bare words
    search the client's name, the addresses, the subject and the excerpt.

    \b
    Example:
      plaincrm mail list danube
      plaincrm mail list direction:in date.after:-7d
      plaincrm mail list client:danube-hotels sort:date
    """
    formatter(as_json).emit(mail_list_view(get_app().store, list(query)))


@text_of(MailListView)
def _mail_list_text(view: MailListView) -> str:
    if not view.mails:
        return (
            "No mail matches." if view.filtered else "No mail recorded yet (plaincrm mail import)."
        )
    rows = []
    for item in view.mails:
        data = item.as_json()
        who = data["from"] if data["direction"] == "in" else "-> " + str(data["to"])
        rows.append(
            [
                f"{data['date']} {data['time'] or ''}".strip(),
                data["direction"],
                truncate(item.client_name, 24),
                truncate(_name(str(who)), 28),
                truncate(data["subject"], 44),
            ]
        )
    return table(rows, ["DATE", "DIR", "CLIENT", "FROM / TO", "SUBJECT"])


def _name(text: str) -> str:
    return text.split("<", 1)[0].strip().strip('"') or text


def mail_lines(lists: MailLists) -> list[str]:
    """``today``'s mail lists, as text lines."""
    lines: list[str] = []
    for title, items, unit in (
        ("Waiting for your answer", lists.waiting, "working"),
        ("No answer yet", lists.silent, "days"),
    ):
        if not items:
            continue
        rows = [_follow_row(item, unit) for item in items[:SHOWN]]
        lines += ["", style(title, bold=True), table(rows, indent="  ")]
        if len(items) > SHOWN:
            lines.append(f"  ... and {len(items) - SHOWN} more (--json lists them all)")
    return lines


def _follow_row(item: FollowUp, unit: str) -> list[str]:
    if unit == "working":
        label = f"waiting {format_duration(item.waited)} (working time)"
    else:
        label = f"silent {item.waited} day{'' if item.waited == 1 else 's'}"
    names = ", ".join(name for _, name in item.clients)
    return [
        item.stamp,
        truncate(names, 28),
        truncate(item.sender, 24),
        truncate(item.subject, 40),
        label,
    ]
