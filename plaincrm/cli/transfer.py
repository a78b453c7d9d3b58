"""``plaincrm import``, ``plaincrm export`` and ``plaincrm calendar``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..core.errors import UsageError
from ..core.model import TYPES
from ..core.text import plural
from ..formats.cells import DATE_ORDERS
from ..formats.sources import SOURCE_NAMES
from .common import (
    build_query,
    complete_owner,
    get_app,
    json_option,
    owner_options,
    query_argument,
    task_owner,
)
from .output import echo_json, table

if TYPE_CHECKING:  # the formats modules are imported by the commands that use them
    from ..core.model import Record
    from ..formats.columns import Target
    from ..formats.exporter import Table
    from ..formats.plan import Action, Plan
    from .common import App

PROGRESS_FROM = 200  # rows; smaller files import too fast to need a progress bar
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".json": "json", ".vcf": "vcard", ".vcard": "vcard"}


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on stderr for long jobs on a terminal; None otherwise."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield bar.update


# ---------------------------------------------------------------- import


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--type",
    "type_name",
    type=click.Choice([*TYPES, "task"]),
    help="What the rows are (default: guessed from the column names; .vcf: client).",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Read COLUMN (its header or letter) into FIELD; FIELD '-' ignores it (repeatable).",
)
@click.option("--dry-run", is_flag=True, help="Show what would happen; write nothing.")
@click.option("--update", is_flag=True, help="Change existing records to what the rows say.")
@click.option("--skip-existing", is_flag=True, help="Leave records that rows match as they are.")
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows and list the others.")
@click.option(
    "--dates",
    type=click.Choice(DATE_ORDERS),
    help="Order of dates like 03/04/2026 (default: found from each column, else asked).",
)
@click.option(
    "--match",
    default="ref,email,phone,name",
    show_default=True,
    metavar="KEYS",
    help="How rows find existing records (comma-separated).",
)
@click.option(
    "--from",
    "source",
    type=click.Choice(SOURCE_NAMES),
    help="The product the file was exported from (default: recognised by its columns).",
)
@click.option(
    "--stage",
    "stages",
    multiple=True,
    metavar="THEIRS=STAGE",
    help="Read another system's stage or status THEIRS as STAGE (repeatable).",
)
@click.option(
    "--lost-reason",
    "lost_reasons",
    multiple=True,
    metavar="THEIRS=REASON",
    help="Read a lost reason THEIRS as REASON; '(none)=REASON' for none given (repeatable).",
)
@click.option(
    "--owner",
    "owners",
    multiple=True,
    metavar="USER|THEIRS=USER",
    shell_complete=complete_owner,
    help="USER: owner of new records whose row has none (default: you); THEIRS=USER: the "
    "owner THEIRS (a name or e-mail in the file) is USER (repeatable).",
)
@click.option(
    "--currency", metavar="CODE", help="What amounts that name no currency are in (EUR, HUF ...)."
)
@click.option("--encoding", metavar="NAME", help="CSV or vCard encoding (default: detected).")
@click.option("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected; 'tab').")
@click.option("--sheet", metavar="NAME", help="The sheet of an .xlsx workbook (default: first).")
@json_option
def import_(
    file: Path,
    type_name: str | None,
    maps: tuple[str, ...],
    dry_run: bool,
    update: bool,
    skip_existing: bool,
    skip_invalid: bool,
    dates: str | None,
    match: str,
    source: str | None,
    stages: tuple[str, ...],
    lost_reasons: tuple[str, ...],
    owners: tuple[str, ...],
    currency: str | None,
    encoding: str | None,
    delimiter: str | None,
    sheet: str | None,
    as_json: bool,
) -> None:
    """Import clients, deals, tickets or tasks from a spreadsheet (.csv, .xlsx)
    or contacts from a vCard file (.vcf), as one commit.

    Columns are recognised by their names (Company, Name, E-mail, Phone,
    Owner, Tags, Stage, Amount, Close date ...; see docs/import-export.md).
    Exports of Pipedrive, HubSpot, Salesforce, Zoho, Odoo, Google Contacts
    and Outlook are recognised by their columns: their stages, statuses,
    owners and people are read as that product writes them.
    Rows matching an existing record (by ref, email, phone or name) are an
    error unless --update or --skip-existing; nothing is written unless every
    row is valid (or --skip-invalid).

    \b
    Example:
      plaincrm import clients.xlsx --dry-run
      plaincrm import export.csv --update
      plaincrm import deals.csv --type deal --map "Expected=close" --dates dmy
      plaincrm import phone-contacts.vcf --skip-existing
      plaincrm import deals.csv --from pipedrive --stage "Demo Done=qualified" \\
        --owner "Ben Szabo=ben"
    """
    from ..formats.plan import ImportOptions, apply_plan, refuse_invalid

    if update and skip_existing:
        raise UsageError("use either --update or --skip-existing, not both")
    defaults = [item for item in owners if "=" not in item]
    if len(defaults) > 1:
        raise UsageError(
            f"--owner {defaults[1]}: give one owner for new records (and THEIRS=USER for the rest)"
        )
    owner = defaults[0] if defaults else None
    if owner == "me":
        owner = get_app().store.current_user()
        if owner is None:
            raise UsageError("who is 'me'? set PLAINCRM_USER or git's user.name")
    options = ImportOptions(
        type_name=type_name,
        maps=maps,
        existing="update" if update else "skip" if skip_existing else "ask",
        skip_invalid=skip_invalid,
        dates=dates,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        match=tuple(part.strip() for part in match.split(",") if part.strip()),
        owner=owner,
        source=source,
        stages=stages,
        lost_reasons=lost_reasons,
        owners=tuple(item for item in owners if "=" in item),
        currency=currency,
    )
    from ..formats.importer import plan_import

    store = get_app().store
    if not dry_run:  # what the plan decides (matches, free names) holds until it is written
        store.lock_writes()
    with progress_bar(_count_hint(file), "Reading rows") as progress:
        plan = plan_import(store, file, options, progress)
    if as_json:
        echo_json(plan.as_json() | {"dry_run": dry_run})
    else:
        _print_plan(plan, detailed=dry_run)
    if not skip_invalid:
        refuse_invalid(plan)
    if dry_run:
        if not as_json:
            click.echo("Dry run: nothing was written.")
        return
    with progress_bar(len(plan.writes), "Writing files") as progress:
        commit = apply_plan(store, plan, progress)
    if as_json:
        return
    if not plan.writes:
        click.echo("Nothing to write.")
    else:
        where = f" (commit {commit[:7]})" if commit else ""
        click.echo(f"Imported: {plural(len(plan.writes), 'file')} written{where}.")


def _count_hint(path: Path) -> int:
    """About how many rows a file has (its lines), to decide on a progress bar."""
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return path.stat().st_size // 40
        with path.open("rb") as handle:
            return sum(1 for _ in handle)
    except OSError:
        return 0


def _print_plan(plan: Plan, *, detailed: bool) -> None:
    from ..formats.plan import SAME

    noun = "tasks" if plan.type_name == "task" else f"{plan.type_name}s"
    count = plural(plan.rows, "row")
    click.echo(f"Importing {noun} from {plan.source} ({plan.description}; {count})")
    used = [
        f"{c.letter} '{c.header}' -> {_field(c.target)}" for c in plan.mapping.used() if c.target
    ]
    if used:
        click.echo("Columns: " + ", ".join(used))
    ignored = plan.mapping.ignored()
    if ignored:
        listed = ", ".join(f"{c.letter} '{c.header}'" for c in ignored)
        click.echo(f"Ignored columns: {listed} (read one with --map 'COLUMN=FIELD')")
    for note in plan.notes:
        click.echo(f"Note: {note}")
    shown = [a for a in plan.actions if detailed or a.verb != SAME]
    if shown and (detailed or len(shown) <= 50):
        click.echo("")
        rows = []
        for action in shown:
            rows_text = ", ".join(str(r) for r in action.rows)
            label = "row" if len(action.rows) == 1 else "rows"  # the numbers follow
            detail = _describe(action)
            rows.append([action.verb, action.path, action.title, f"{label} {rows_text}", detail])
        click.echo(table(rows, indent="  ", fit=[2, 4]))
    if plan.errors:
        click.echo("", err=True)
        click.echo("Invalid rows:", err=True)
        for error in sorted(plan.errors):
            click.echo(f"  {error}", err=True)
    click.echo("")
    click.echo(plan.summary() + ".")


def _field(target: Target) -> str:
    return f"{target.key} (custom field)" if target.custom else target.key


def _describe(action: Action) -> str:
    bits = []
    if action.matched_by:
        bits.append(f"by {action.matched_by}")
    if action.task_id:
        bits.append(f"id {action.task_id}")
    for change in action.changes:
        bits.append(f"{change.key}: {_short(change.old)} -> {_short(change.new)}")
    return "; ".join(bits)


def _short(value: Any) -> str:
    from ..formats.exporter import csv_cell

    text = csv_cell(value) if value not in (None, "", []) else "(none)"
    return text if len(text) <= 40 else text[:37] + "..."


# ---------------------------------------------------------------- export


@click.command("export")
@query_argument
@click.option(
    "--type",
    "type_name",
    type=click.Choice([*TYPES, "task", "all"]),
    default="client",
    show_default=True,
    help="What to export; 'all' (xlsx, json): every type and the tasks.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json", "vcard"]),
    help="Output format (default: from the -o file's extension, else csv).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option(
    "--excel", is_flag=True, help="CSV for Excel: UTF-8 with BOM, ';' between cells, 1,5."
)
@click.option(
    "--delimiter", metavar="CHAR", help="CSV delimiter (default ',', or ';' with --excel)."
)
@click.option(
    "--vdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="vCards: one .vcf file per client and contact in this folder, for vdirsyncer.",
)
def export(
    query: tuple[str, ...],
    type_name: str,
    fmt: str | None,
    output: Path | None,
    excel: bool,
    delimiter: str | None,
    vdir: Path | None,
) -> None:
    """Export records (every field) or tasks as CSV, XLSX or JSON, or clients as
    vCards, filtered by a QUERY. Export, edit in a spreadsheet, import with
    --update: the rows find their records again by the ref column.

    \b
    Example:
      plaincrm export -o clients.csv
      plaincrm export +vip --excel -o vip.csv
      plaincrm export --type task status:open -o tasks.xlsx
      plaincrm export --type all -o crm.xlsx
      plaincrm export --format vcard -o contacts.vcf
      plaincrm export --format vcard --vdir ~/.contacts/crm
    """
    from ..formats import exporter
    from ..formats.sheet import delimiter_option

    named = FORMATS.get(output.suffix.lower()) if output else None
    if fmt and named and named != fmt:
        raise UsageError(
            f"--format {fmt} does not match the file {output} ({named}): leave out --format, "
            "or name the file for the format"
        )
    if vdir is not None and output is not None:
        raise UsageError("use either --vdir FOLDER or -o FILE, not both")
    fmt = fmt or named or ("vcard" if vdir else "csv")
    if vdir is not None and fmt != "vcard":
        raise UsageError("--vdir writes vCards: use it with --format vcard (and --type client)")
    delimiter = delimiter_option(delimiter)
    if fmt == "vcard" and type_name != "client":
        raise UsageError("vCards hold contacts: use --type client with --format vcard")
    if type_name == "all" and fmt in ("csv", "vcard"):
        raise UsageError("a CSV file holds one table: use --type TYPE, or -o FILE.xlsx / .json")
    app = get_app()
    names = [*TYPES, "task"] if type_name == "all" else [type_name]
    if query and len(names) > 1:
        raise UsageError("a QUERY filters one type: use --type TYPE with it")
    if fmt == "vcard":
        from ..formats.vcard import card_files, clients_vcf

        clients = _records(app, "client", query)
        if vdir is not None:
            from ..formats.vdir import PLAINCRM_VCF, write_vdir

            result = write_vdir(vdir, card_files(clients), PLAINCRM_VCF)
            click.echo(result.summary("vCards", vdir), err=True)
            return
        _write(clients_vcf(clients).encode("utf-8"), output, plural(len(clients), "client"))
        return
    tables = [_table(app, name, query) for name in names]
    counts = ", ".join(plural(len(t.rows), t.name.removesuffix("s")) for t in tables)
    if fmt != "json":  # a client's contact people: a sheet of their own, or a row each
        tables = _contacts_apart(tables, fmt)
    if fmt == "xlsx":
        if output is None:
            raise UsageError("an .xlsx workbook needs a file: add -o FILE.xlsx")
        counts = ", ".join(f"{len(t.rows)} {t.name}" for t in tables)
        exporter.save(output, lambda tmp: exporter.write_xlsx(tables, tmp))
        click.echo(f"Exported {counts} to {output}", err=True)
    elif fmt == "json":
        from .output import dump_json

        body = {t.name: exporter.json_rows(t) for t in tables}
        data = dump_json(body if len(tables) > 1 else body[tables[0].name]) + "\n"
        _write(data.encode("utf-8"), output, counts)
    else:
        chosen = delimiter or (";" if excel else ",")
        _write(exporter.write_csv(tables[0], delimiter=chosen, excel=excel), output, counts)


def _contacts_apart(tables: list[Table], fmt: str) -> list[Table]:
    """Tables with a ``contacts`` column (clients) as XLSX: the table without it and
    the contacts sheet after it; as CSV: one row per contact person."""
    from ..formats import exporter

    out = []
    for one in tables:
        if exporter.CONTACTS not in one.headers:
            out.append(one)
        elif fmt == "xlsx":
            out += [exporter.without_contacts(one), exporter.contact_table(one)]
        else:
            out.append(exporter.contact_rows(one))
    return out


def _write(data: bytes, output: Path | None, counts: str) -> None:
    """To the file (whole or not at all), else to standard output."""
    from ..formats.exporter import save

    if output is None:
        click.echo(data, nl=False)
        return
    save(output, lambda tmp: tmp.write_bytes(data))
    click.echo(f"Exported {counts} to {output}", err=True)


def _records(app: App, type_name: str, query: tuple[str, ...]) -> list[Record]:
    from ..core.model import field_kinds
    from ..core.query import RecordAccessor

    records = app.store.records(type_name)
    return build_query(app, query, field_kinds(type_name)).apply(records, RecordAccessor())


def _table(app: App, type_name: str, query: tuple[str, ...]) -> Table:
    from ..formats import exporter

    if type_name == "task":
        from ..core.query import TASK_KINDS, TaskAccessor

        entries = app.store.tasks(state="all")
        found = build_query(app, query, TASK_KINDS).apply(entries, TaskAccessor())
        return exporter.task_table(found)
    rtype = TYPES[type_name]
    records = _records(app, type_name, query)
    return exporter.record_table(rtype.folder, type_name, rtype.schema, records)


# ---------------------------------------------------------------- calendar


@click.command("calendar")
@query_argument
@owner_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option(
    "--todo", is_flag=True, help="Tasks without a time as to-dos instead of all-day events."
)
@click.option("--done", "with_done", is_flag=True, help="Completed tasks too.")
@click.option("--timezone", "tz", metavar="ZONE", help="Times in ZONE (e.g. Europe/Budapest).")
@click.option(
    "--vdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="One .ics file per task in this folder (for vdirsyncer), instead of one file.",
)
def calendar(
    query: tuple[str, ...],
    owner: str | None,
    all_owners: bool,
    output: Path | None,
    todo: bool,
    with_done: bool,
    tz: str | None,
    vdir: Path | None,
) -> None:
    """Write tasks as an iCalendar (.ics) file for a phone or calendar app: timed
    tasks as events of their length, the others as all-day events (or to-dos).
    Entries keep their ids, so a calendar subscribed to the file updates them.

    \b
    Example:
      plaincrm calendar -o ~/Calendars/crm.ics
      plaincrm calendar --all --todo record:acme -o acme.ics
      plaincrm calendar --vdir ~/.calendars/crm     # then: vdirsyncer sync
    """
    from ..core.query import TASK_KINDS, TaskAccessor
    from ..formats.exporter import save
    from ..formats.ics import calendar_ics

    if vdir is not None and output is not None:
        raise UsageError("use either --vdir FOLDER or -o FILE, not both")
    app = get_app()
    parsed = build_query(app, query, TASK_KINDS)
    who = task_owner(app, owner, all_owners, parsed)
    entries = app.store.tasks(state="all" if with_done else "open", owner=who)
    entries = parsed.apply(entries, TaskAccessor())
    if vdir is not None:
        from ..formats.ics import task_files
        from ..formats.vdir import PLAINCRM_ICS, write_vdir

        files = task_files(
            entries, default_duration=app.store.config.default_duration, todo=todo, tz=tz
        )
        click.echo(write_vdir(vdir, files, PLAINCRM_ICS).summary("tasks", vdir), err=True)
        return
    data, count = calendar_ics(
        entries,
        name=f"plaincrm: {who}" if who else "plaincrm",
        default_duration=app.store.config.default_duration,
        todo=todo,
        tz=tz,
    )
    if output is None:
        click.echo(data, nl=False)
        return
    save(output, lambda tmp: tmp.write_bytes(data))
    click.echo(f"Wrote {plural(count, 'task')} to {output}", err=True)
