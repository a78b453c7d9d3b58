"""``plaincrm export``: records and tasks as tables (CSV, XLSX) or JSON.

A record table has the column ``ref`` (the file name, which ``import`` uses
to find the record again), then every field of the type's schema in schema
order, then the other keys found in the records.  Dates are ISO dates (real
date cells in XLSX), lists of text are ``a, b``, and nested values (a
client's ``contacts``) are JSON.  Tasks are their own table.

CSV cells a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)
get a leading ``'``, which ``import`` removes again, so export -> import
changes nothing.  ``excel=True`` writes what Excel in most of Europe opens
by double-click: UTF-8 with a BOM, ``;`` between cells and decimal commas.
A ``;``-separated file always has decimal commas (``import`` reads it so).
"""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..dates import format_duration, parse_iso_date
from ..errors import InvalidError
from ..model import Record, field_kinds
from ..schemas import load_schema
from ..store import TaskEntry
from ..yamlfront import format_number
from .cells import neutralise

XLSX_COLUMNS = 16_384  # a worksheet's columns (A to XFD)
XLSX_ROWS = 1_048_576  # and rows
TASK_COLUMNS = [
    "id", "record", "record_title", "title", "status", "due", "at", "dur", "done", "owner", "note",
]  # fmt: skip


@dataclass
class Table:
    name: str  # sheet name: "clients", "tasks"
    headers: list[str]
    rows: list[list[Any]]  # typed values: str, int, float, bool, date, list, dict, None


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
    return Table(name, ["ref", *keys], rows)


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


def csv_cell(value: Any, decimal_comma: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = format_number(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return neutralise(flat_text(value))
    return neutralise(str(value))


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
    """The table as CSV bytes: UTF-8 (with ``excel`` a BOM), and decimal commas in a
    ``;``-separated file, as ``import`` reads one (so any delimiter round-trips)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(table.headers)
    decimal_comma = delimiter == ";"
    for row in table.rows:
        writer.writerow([csv_cell(value, decimal_comma) for value in row])
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
        rows = []
        for row in table.rows:
            cells = []
            for i, value in enumerate(row):
                cell = WriteOnlyCell(sheet, value=_xlsx_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
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
