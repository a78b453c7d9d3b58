"""``plaincrm export``: records and tasks as tables (CSV, XLSX) or JSON.

A record table has the column ``ref`` (the file name, which ``import`` uses
to find the record again), then every field of the type's schema in schema
order, then the other keys found in the records.  Dates are ISO dates (real
date cells in XLSX), lists of text are ``a, b``, other nested values JSON.
Tasks are their own table, and so are a client's contact people: a sheet of
their own in XLSX (``contact_table``), one row each in CSV (``contact_rows``:
the client's columns repeated, as contact lists are kept), both of which
``import`` reads back.

CSV cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)
get a leading ``'``, which ``import`` removes again, so export -> import
changes nothing.  ``excel=True`` writes what Excel in most of Europe opens
by double-click: UTF-8 with a BOM, ``;`` between cells and decimal commas,
and text that Excel would turn into a number, date or formula (a phone number
``+36 1 234 5678``, a postal code ``0123``) as ``="..."``, which Excel shows
as exactly that text (``cells.excel_text``).  A ``;``-separated file always
has decimal commas (``import`` reads it so).  In XLSX, text is stored as text
in cells formatted as text (``@``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..core.dates import format_duration, parse_iso_date
from ..core.errors import InvalidError
from ..core.frontmatter import format_number
from ..core.model import Record, field_kinds
from ..core.schemas import load_schema
from ..core.store import TaskEntry
from .cells import excel_text, neutralise

XLSX_COLUMNS = 16_384  # a worksheet's columns (A to XFD)
XLSX_ROWS = 1_048_576  # and rows
TASK_COLUMNS = [
    "id", "record", "record_title", "title", "status", "due", "at", "dur", "done", "owner", "note",
]  # fmt: skip


CONTACTS = "contacts"  # a client's contact people: a table of their own
CONTACT_COLUMNS = {"contact": "name", "contact_role": "role", "contact_email": "email",
                   "contact_phone": "phone"}  # fmt: skip


@dataclass
class Table:
    name: str  # sheet name: "clients", "tasks"
    headers: list[str]
    rows: list[list[Any]]  # typed values: str, int, float, bool, date, list, dict, None
    text: set[str] = field(default_factory=set)  # columns of text: XLSX formats them as text


MAILING_COLUMNS = [
    "ref", "name", "contact", "contact_role", "email", "contact_email", "phone",
    "contact_phone", "address", "city", "country", "owner", "tags",
]  # fmt: skip


def mailing_table(clients: list[Record]) -> Table:
    """The mailing list of ``clients``: contact details for a mail merge or a mailing tool.

    ``contact*`` columns are the client's first contact person; ``email`` and
    ``phone`` are the client's own (the contact's when the client has none).
    """
    rows: list[list[Any]] = []
    for client in clients:
        contacts = client.fields.get("contacts")
        first = contacts[0] if isinstance(contacts, list) and contacts else {}
        person = first if isinstance(first, dict) else {}
        email = client.get_text("email") or person.get("email")
        phone = client.get_text("phone") or person.get("phone")
        rows.append(
            [
                client.slug,
                client.title,
                person.get("name"),
                person.get("role"),
                email,
                person.get("email"),
                phone,
                person.get("phone"),
                client.get_text("address"),
                client.get_text("city"),
                client.get_text("country"),
                client.owner,
                ", ".join(client.get_list("tags")) or None,
            ]
        )
    return Table("audience", list(MAILING_COLUMNS), rows)


def record_table(name: str, type_name: str, schema: str, records: list[Record]) -> Table:
    """Every field of every record; ``type_name``'s schema gives the column order."""
    columns = dict.fromkeys(load_schema(schema).get("properties", {}))
    for record in records:
        columns.update(dict.fromkeys(record.fields))
    keys = list(columns)
    kinds = field_kinds(type_name)
    rows = []
    for record in records:
        row: list[Any] = [record.slug]
        for key in keys:
            value = record.fields.get(key)
            kind = kinds.get(key)
            if kind is not None and kind.name == "date" and isinstance(value, str):
                value = parse_iso_date(value) or value
            row.append(value)
        rows.append(row)
    text = {key for key in keys if key not in kinds or kinds[key].name in ("text", "any", "list")}
    return Table(name, ["ref", *keys], rows, {"ref", *text})


def contact_table(table: Table) -> Table:
    """The contact people of the clients of ``table``, one row each: the client's
    ``ref`` and ``name``, then the ``CONTACT_COLUMNS``."""
    at, ref, name = (table.headers.index(key) for key in (CONTACTS, "ref", "name"))
    rows = [[row[ref], row[name], *person] for row in table.rows for person in _people(row[at])]
    headers = ["ref", "name", *CONTACT_COLUMNS]
    return Table(CONTACTS, headers, rows, set(headers))


def without_contacts(table: Table) -> Table:
    """``table`` without its ``contacts`` column (they go to ``contact_table``)."""
    at = table.headers.index(CONTACTS)
    rows = [row[:at] + row[at + 1 :] for row in table.rows]
    return Table(table.name, table.headers[:at] + table.headers[at + 1 :], rows, table.text)


def contact_rows(table: Table) -> Table:
    """``table`` with one row per contact person, the ``CONTACT_COLUMNS`` in place of
    ``contacts``: the client's columns are repeated on each of its people's rows; a
    client without people has one row (the layout ``import`` reads as one client
    with several contacts)."""
    at = table.headers.index(CONTACTS)
    rows = []
    for row in table.rows:
        for person in _people(row[at]) or [[None] * len(CONTACT_COLUMNS)]:
            rows.append(row[:at] + person + row[at + 1 :])
    headers = [*table.headers[:at], *CONTACT_COLUMNS, *table.headers[at + 1 :]]
    return Table(table.name, headers, rows, table.text | set(CONTACT_COLUMNS))


def _people(value: Any) -> list[list[Any]]:
    """A ``contacts`` value as rows of the ``CONTACT_COLUMNS``."""
    people = value if isinstance(value, list) else []
    return [
        [person.get(key) for key in CONTACT_COLUMNS.values()]
        for person in people
        if isinstance(person, dict)
    ]


def task_table(entries: list[TaskEntry]) -> Table:
    rows = []
    for entry in entries:
        task = entry.task
        rows.append(
            [
                task.id,
                entry.path[:-3],
                entry.record_title,
                task.title,
                "done" if task.checked else "open",
                parse_iso_date(task.due) if task.due else None,
                task.at,
                format_duration(task.dur) if task.dur else None,
                parse_iso_date(task.done) if task.done else None,
                entry.owner,
                task.note or None,
            ]
        )
    return Table("tasks", list(TASK_COLUMNS), rows)


# ---------------------------------------------------------------- CSV


def csv_cell(value: Any, decimal_comma: bool = False, excel: bool = False) -> str:
    """A value as CSV text: formulas neutralised; ``excel``: text Excel would read as
    something else written so that it reads it as that text (``cells.excel_text``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = format_number(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, date):
        return value.isoformat()
    text = flat_text(value) if isinstance(value, (list, dict)) else str(value)
    return excel_text(text) if excel else neutralise(text)


def flat_text(value: list[Any] | dict[str, Any]) -> str:
    """``a, b`` for a list of plain words, JSON for anything nested or ambiguous."""
    if isinstance(value, list) and all(_plain_word(v) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _plain_word(value: Any) -> bool:
    """Text that survives being joined with ``, `` and split again on import."""
    return (
        isinstance(value, str)
        and value.strip() == value != ""
        and not any(c in value for c in ",;")
        and not value.startswith("[")
    )


def write_csv(table: Table, *, delimiter: str = ",", excel: bool = False) -> bytes:
    """The table as CSV bytes: UTF-8 (with ``excel`` a BOM, and ``="..."`` for text Excel
    would misread), and decimal commas in a ``;``-separated file, as ``import`` reads
    one (so any delimiter round-trips)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(table.headers)
    decimal_comma = delimiter == ";"
    for row in table.rows:
        writer.writerow([csv_cell(value, decimal_comma, excel) for value in row])
    data = out.getvalue().encode("utf-8")
    return b"\xef\xbb\xbf" + data if excel else data


# ---------------------------------------------------------------- XLSX


def write_xlsx(tables: list[Table], path: Path) -> None:
    """One sheet per table: a bold, frozen header row, real dates and numbers, and
    text always stored as text (never run as a formula)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    for table in tables:
        if len(table.headers) > XLSX_COLUMNS or len(table.rows) >= XLSX_ROWS:
            raise InvalidError(
                f"the {table.name} have {len(table.rows)} rows and {len(table.headers)} "
                f"columns; a worksheet holds at most {XLSX_ROWS - 1} rows and {XLSX_COLUMNS} "
                "columns: export as CSV or JSON (--format csv, --format json)"
            )
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(table.name[:31])
        sheet.freeze_panes = "A2"
        widths = [len(h) for h in table.headers]
        header = []
        for name in table.headers:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        text = [header in table.text for header in table.headers]
        rows = []
        for row in table.rows:
            cells = []
            for i, value in enumerate(row):
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                if text[i] and not isinstance(value, (int, float, date)):
                    cell.number_format = "@"  # text, also what is typed in later
                widths[i] = max(widths[i], min(50, len(csv_cell(value))))
                cells.append(cell)
            rows.append(cells)
        for i, width in enumerate(widths, 1):
            sheet.column_dimensions[get_column_letter(i)].width = width + 2
        for cells in rows:
            sheet.append(cells)
        if table.rows:
            last = get_column_letter(len(table.headers))
            sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
    book.save(path)


def _xlsx_value(value: Any) -> Any:
    """A cell's value: lists and mappings as text; control characters, which a
    worksheet cannot hold (Excel refuses the file), left out."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, (list, dict)):
        value = flat_text(value)
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


# ---------------------------------------------------------------- JSON


def json_rows(table: Table) -> list[dict[str, Any]]:
    """The table as JSON objects (empty fields left out)."""
    out = []
    for row in table.rows:
        item = {}
        for key, value in zip(table.headers, row, strict=True):
            if value is None:
                continue
            item[key] = value.isoformat() if isinstance(value, date) else value
        out.append(item)
    return out


def save(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file through ``write(temporary path)`` and rename it into place, so a
    reader (a calendar subscribed to the file, Excel) never sees half a file.  A
    file that cannot be written is an ``InvalidError`` that says why."""
    if not path.parent.is_dir():
        raise InvalidError(f"cannot write {path}: there is no folder {path.parent}")
    tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise InvalidError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
