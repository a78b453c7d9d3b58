"""``plaincrm client add|set|list|show`` and ``plaincrm edit``."""

from __future__ import annotations

import click

from ..clients.clients import KINDS, add_client, set_client
from ..core.dates import format_duration
from ..core.errors import InvalidError
from ..core.model import TYPES
from ..core.text import plural
from ..sales.deallog import display_text
from ..views.clients import ClientCardView, ClientListView, client_card_view, client_list_view
from .common import (
    as_of_option,
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


@click.group()
def client() -> None:
    """Clients: companies and people you work with, one Markdown file each in clients/.

    \b
    Example:
      plaincrm client add "Acme Ltd" --email info@acme.example --tag vip
      plaincrm client list --tag vip
      plaincrm client show acme
    """


@client.command("add")
@click.argument("name")
@click.option("--email")
@click.option("--phone")
@click.option("--tag", "tags", multiple=True, help="A tag (repeatable).")
@owner_option("Responsible user (default: you).")
@click.option("--kind", type=click.Choice(KINDS), default="company", show_default=True)
@click.option(
    "--ref", "slug", metavar="SLUG", help="File name to use instead of one made from NAME."
)
def client_add(
    name: str,
    email: str | None,
    phone: str | None,
    tags: tuple[str, ...],
    owner: str | None,
    kind: str,
    slug: str | None,
) -> None:
    """Add a client and print its reference (the file name without .md).

    \b
    Example:
      plaincrm client add "Kovács és Társa Kft." --phone "+36 1 234 5678" --tag wholesale
    """
    store = get_app().store
    path = add_client(
        store, name, kind=kind, email=email, phone=phone, tags=list(tags), owner=owner, slug=slug
    )
    echo_created(path)


@client.command("set")
@click.argument("ref", shell_complete=complete_ref(["client"]))
@click.option("--name", metavar="TEXT", help="The name shown everywhere (the REF stays).")
@click.option("--kind", type=click.Choice(KINDS))
@click.option("--email", metavar="ADDRESS")
@click.option("--phone", metavar="NUMBER")
@click.option("--address", metavar="TEXT")
@click.option("--city", metavar="TEXT")
@click.option("--country", metavar="TEXT")
@click.option("--website", metavar="URL")
@click.option("--tag", "tags", multiple=True, help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, metavar="TAG", help="Remove a tag (repeatable).")
@owner_option("Responsible user ('' for nobody).")
@field_option
def client_set(
    ref: str,
    name: str | None,
    kind: str | None,
    email: str | None,
    phone: str | None,
    address: str | None,
    city: str | None,
    country: str | None,
    website: str | None,
    tags: tuple[str, ...],
    untags: tuple[str, ...],
    owner: str | None,
    fields: tuple[str, ...],
) -> None:
    """Change details of client REF: an empty value ('') clears a field, --tag and
    --untag add and remove tags.  The values are checked as 'plaincrm check'
    checks them; only the changed lines of the file change; one commit.

    \b
    Example:
      plaincrm client set acme --email orders@acme.example --phone "+36 1 234 5678"
      plaincrm client set acme --tag vip --untag prospect --owner ben
      plaincrm client set acme --website '' --field vat_number=HU12345678
    """
    wanted = wanted_fields(
        fields,
        name=name,
        kind=kind,
        email=email,
        phone=phone,
        address=address,
        city=city,
        country=country,
        website=website,
        owner=owner,
    )
    if tags:
        wanted.add["tags"] = list(tags)
    if untags:
        wanted.remove["tags"] = list(untags)
    nothing_asked(wanted, "--name, --email, --phone, --tag, --untag, --owner ...")
    store = get_app().store
    path = store.resolve(ref, ["client"])
    echo_changed(path, set_client(store, path, wanted))


@client.command("list")
@query_argument
@click.option("--tag", "tags", multiple=True, help="Only clients with this tag (repeatable: all).")
@owner_option("Only clients of this owner ('me' for you).")
@json_option
def client_list(
    query: tuple[str, ...], tags: tuple[str, ...], owner: str | None, as_json: bool
) -> None:
    """List clients, filtered by a QUERY (see README 'Queries').

    \b
    Example:
      plaincrm client list --tag vip --owner anna
      plaincrm client list +wholesale city:Budapest sort:name
      plaincrm client list "owner:me or owner:none" kovacs
    """
    words = [*query, *(f"+{t}" for t in tags), *([f"owner:{owner}"] if owner else [])]
    formatter(as_json).emit(client_list_view(get_app().store, words))


@text_of(ClientListView)
def _client_list_text(view: ClientListView) -> str:
    if not view.clients:
        return "No clients match." if view.filtered else "No clients yet."
    rows = [
        [
            r.slug,
            r.title,
            r.owner or "",
            ", ".join(r.get_list("tags")),
            r.get_text("phone") or "",
            r.get_text("email") or "",
        ]
        for r in view.clients
    ]
    return table(rows, ["REF", "NAME", "OWNER", "TAGS", "PHONE", "EMAIL"], fit=[1, 3])


@text_of(ClientCardView)
def _card_text(view: ClientCardView) -> str:
    record = view.record
    lines = [style(record.title, bold=True) + f"   ({record.path})"]
    details = [[d.key, d.value] for d in view.details]
    lines.append(table(details, indent="  ", fit=[1]))
    lines += notes_lines(view.notes)
    for type_name, records in sorted(view.linked.items()):
        lines += ["", style(f"{type_name.capitalize()}s", bold=True)]
        rows = [[r.slug, r.title, *view.linked_details.get(r.path, {}).values()] for r in records]
        lines.append(table(rows, indent="  ", fit=[1]))
    lines += ["", style("Open tasks", bold=True), *_open_task_lines(view)]
    lines += [
        "",
        style("History", bold=True) + " (completed tasks, log lines and mail, newest first)",
    ]
    if not view.history:
        lines.append("  nothing yet")
    lines += _history_lines(view)
    return "\n".join(lines)


def _open_task_lines(view: ClientCardView) -> list[str]:
    record = view.record
    if not view.open_tasks:
        return [
            "  none: add the next step with 'plaincrm task add "
            f'{record.slug} "..." --due {view.next_day}\''
        ]
    rows = []
    for entry in view.open_tasks:
        task = entry.task
        where = "" if entry.path == record.path else f"[{entry.record_title}]"
        rows.append(
            [
                entry.ref,
                task.due or "",
                task.at or "",
                format_duration(task.dur) if task.dur else "",
                task.title,
                where,
            ]
        )
    return [table(rows, indent="  ", fit=[4, 5])]


def _history_lines(view: ClientCardView) -> list[str]:
    record = view.record
    lines = []
    deals = TYPES["deal"].folder + "/"
    for item in view.history:
        where = "" if item.record == record.path else f"  [{item.record_title}]"
        text = item.title
        if item.kind == "log" and item.record.startswith(deals):
            text = display_text(text)  # deal log lines: amounts as shown everywhere
        said = f"{item.who}: {text}" if item.who else text
        lines.append(f"  {item.date or 'undated':10}  {said}{where}")
        for note_line in item.note.split("\n") if item.note else []:
            lines.append(f"              {note_line}")
    return lines


@client.command("show")
@click.argument("ref", shell_complete=complete_ref(["client"]))
@json_option
@as_of_option
def client_show(ref: str, as_json: bool) -> None:
    """Show a client's card: details, notes, open tasks and the contact history
    (completed tasks with their result notes, newest first).

    \b
    Example:
      plaincrm client show acme
    """
    store = get_app().store
    formatter(as_json).emit(client_card_view(store, store.resolve(ref, ["client"])))


@click.command()
@click.argument("ref", shell_complete=complete_ref())
def edit(ref: str) -> None:
    """Open a record in $VISUAL or $EDITOR; afterwards check it, say what is wrong
    if the edit broke it, and commit the change.  The editor works on a copy:
    what other commands change meanwhile is merged with your edit, not lost.

    \b
    Example:
      EDITOR=nano plaincrm edit acme
    """
    from ..crm.handedit import edit_record

    store = get_app().store
    path = store.resolve(ref)
    done = edit_record(store, path, lambda copy: click.edit(filename=str(copy)))
    if not done.changed:
        click.echo(f"No changes to {path}.")
        return
    for note in done.merged:
        click.echo(f"{path} changed while you edited it; merged: {note}", err=True)
    if done.problems:
        for problem in done.problems:
            click.echo(str(problem), err=True)
        raise InvalidError(
            f"{path} has {plural(len(done.problems), 'problem')} after the edit; it is saved "
            f"but not committed: run 'plaincrm edit {ref}' again to fix it"
        )
    click.echo(f"Saved {path}.")
