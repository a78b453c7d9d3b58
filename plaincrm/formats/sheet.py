"""Read a spreadsheet (CSV or XLSX) into a header and rows of cells.

Real exports are messy, so the reader finds out what a file is instead of
asking: the encoding (UTF-8 with or without BOM, UTF-16 as Excel's "Unicode
text" writes it, else Windows-1250 or Windows-1252, told apart by which
letters the bytes make), the delimiter (``,`` ``;`` tab ``|``, or Excel's
``sep=;`` first line), title rows above the header, a header spread over two
rows under merged cells, and blank rows (skipped).  Row numbers are the ones
the spreadsheet shows, so an error message points at the right line.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from ..core.errors import InvalidError, UsageError

Cell = str | int | float | bool | date | datetime | time | None

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 10  # a header is looked for among this many first rows

# Bytes that Windows-1250 and Windows-1252 read as different characters, with
# how strongly each points to 1250 (positive) or 1252 (negative): Hungarian ő ű
# and Czech ě ů ň ť against Western è à å æ ê ñ, and letters (ł ą ż) against
# the symbols (³ ¹ ¿) at the same places.  A byte that is a common letter in
# both counts for neither: 0xD8/0xF8 is Czech Ř/ř but also Norwegian and
# Danish Ø/ø (a Czech text has ě ů ť besides).
_CP1250_HINTS: dict[int, int] = {
    0x8C: 1, 0x9C: 1, 0x8D: 3, 0x9D: 3, 0x8F: 2, 0x9F: 2,
    0xA3: 1, 0xB3: 3, 0xA5: 1, 0xB9: 3, 0xBC: 1, 0xBE: 2, 0xAF: 1, 0xBF: 1,
    0xD5: 2, 0xF5: 2, 0xDB: 1, 0xFB: 1, 0xCC: 2, 0xEC: 2,
    0xD9: 1, 0xF9: 1, 0xD2: 1, 0xF2: 1,
    0xC0: -2, 0xE0: -2, 0xC5: -2, 0xE5: -2, 0xC6: -1, 0xE6: -1,
    0xCA: -1, 0xEA: -1, 0xD1: -1, 0xF1: -1,
}  # fmt: skip
# A well-formed UTF-8 sequence of two to four bytes (no overlong forms, no surrogates).
_UTF8_SEQUENCE_RE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
_SEP_LINE_RE = re.compile(r"^\s*\"?sep=(.)\"?\s*$", re.IGNORECASE)


@dataclass
class Row:
    number: int  # as the spreadsheet shows it (the first line is 1)
    cells: list[Cell]


@dataclass
class Sheet:
    """A table read from a file."""

    headers: list[list[str]]  # per column: its name, or names to try in order
    rows: list[Row]
    header_row: int  # the (last) header line's number
    description: str  # how it was read, e.g. "UTF-8 with BOM, ';'-separated"
    decimal_comma: bool = False  # numbers like 1 200,50 (a ';'-separated file)
    notes: list[str] = field(default_factory=list)


def read_sheet(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet_name: str | None = None,
    is_header: Callable[[str], bool] = lambda text: False,
) -> Sheet:
    """Read ``path`` (``.xlsx``/``.xlsm`` by openpyxl, anything else as CSV).

    ``is_header`` tells whether a cell's text is a known column name; it
    helps to find the header row below title rows.
    """
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        description, table = _read_xlsx(path, sheet_name)
        decimal_comma = False
    else:
        if sheet_name:
            raise UsageError("--sheet is for .xlsx workbooks; a CSV file has one table")
        data = path.read_bytes()
        text, description = decode_bytes(data, encoding, str(path))
        description, table, decimal_comma = _read_csv(text, delimiter, description)
    return _build(table, description, decimal_comma, is_header)


# ---------------------------------------------------------------- CSV


def decode_bytes(data: bytes, encoding: str | None, name: str) -> tuple[str, str]:
    """The text of a file and a description of its encoding."""
    if encoding:
        try:  # a byte order mark is no part of the text, whatever the encoding says
            return data.decode(encoding).removeprefix("\ufeff"), encoding
        except LookupError:
            raise UsageError(f"unknown encoding '{encoding}' (try utf-8, cp1250, cp1252)") from None
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InvalidError(
                f"{name}:{line}: not valid {encoding} text; leave out --encoding to detect it"
            ) from None
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", name), "UTF-8 with BOM"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", name), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        if _mostly_utf8(data):
            line = data[: exc.start].count(b"\n") + 1
            raise InvalidError(
                f"{name}:{line}: byte 0x{data[exc.start]:02X} is not UTF-8, although the rest "
                "of the file is (a mix of encodings?); save the file as UTF-8 again, or say "
                "its encoding with --encoding"
            ) from None
    chosen = guess_windows_codepage(data)
    return data.decode(chosen, errors="replace"), chosen.replace("cp", "Windows-")


def _mostly_utf8(data: bytes) -> bool:
    """Whether bytes that are not UTF-8 as a whole hold UTF-8 letters (at least as many
    as stray bytes): a UTF-8 file with a few bytes of another encoding pasted in,
    which read as Windows-1250/1252 would turn every accent of the file to mojibake."""
    letters = len(_UTF8_SEQUENCE_RE.findall(data))
    stray = sum(1 for byte in _UTF8_SEQUENCE_RE.sub(b"", data) if byte >= 0x80)
    return letters > 0 and letters >= stray


def _strict(data: bytes, encoding: str, name: str) -> str:
    """Text that says it is ``encoding`` (by its BOM) must be: no character is guessed."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InvalidError(
            f"{name}: byte {exc.start} is not {encoding.upper()} although the file starts "
            "like it; save it again as UTF-8, or say the encoding with --encoding"
        ) from None


def guess_windows_codepage(data: bytes) -> str:
    """``cp1250`` (Central European) or ``cp1252`` (Western) for non-UTF-8 bytes."""
    decodable = []
    for candidate in ("cp1250", "cp1252"):
        try:
            data.decode(candidate)
            decodable.append(candidate)
        except UnicodeDecodeError:
            continue
    if len(decodable) == 1:
        return decodable[0]
    score = sum(_CP1250_HINTS.get(byte, 0) for byte in data if byte >= 0x80)
    return "cp1250" if score > 0 else "cp1252"


def _read_csv(
    text: str, delimiter: str | None, description: str
) -> tuple[str, list[tuple[int, list[Cell]]], bool]:
    first, _, rest = text.partition("\n")
    skip = 0
    if found := _SEP_LINE_RE.match(first.rstrip("\r")):
        delimiter = delimiter or found.group(1)
        text, skip = rest, 1
    delimiter = delimiter_option(delimiter) or sniff_delimiter(text.split("\n", 50)[:50])
    # a cell may be as long as the file (notes pasted into a cell): no limit below that
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: list[tuple[int, list[Cell]]] = []
    try:
        for number, cells in enumerate(reader, skip + 1):
            table.append((number, list(cells)))
    except csv.Error as exc:
        raise InvalidError(f"line {reader.line_num + skip}: {exc} (is it a CSV file?)") from None
    shown = {"\t": "tab", ",": "','", ";": "';'", "|": "'|'"}.get(delimiter, f"'{delimiter}'")
    return f"{description}, {shown}-separated", table, delimiter == ";"


def delimiter_option(value: str | None) -> str | None:
    """The character ``--delimiter`` gives (``tab`` or ``\\t``: a tab), None for none."""
    if value in ("tab", "\\t"):
        return "\t"
    if value is not None and len(value) != 1:
        raise UsageError(f"--delimiter must be one character (or 'tab'), not '{value}'")
    return value or None


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the sample into the most, most even columns
    (quoted cells, even ones spanning lines, are read as CSV reads them)."""
    sample = "\n".join(line.rstrip("\r") for line in lines if line.strip())
    best, best_score = ",", (0, 0.0, 0)
    csv.field_size_limit(max(csv.field_size_limit(), len(sample) + 1))
    for candidate in DELIMITERS:
        try:
            counts = [len(row) for row in csv.reader(io.StringIO(sample), delimiter=candidate)]
        except csv.Error:  # not CSV with this delimiter (the reading says why)
            continue
        modal = max(set(counts), key=counts.count) if counts else 0
        if modal < 2:
            continue
        score = (int(counts[0] == modal), counts.count(modal) / len(counts), modal)
        if score > best_score:
            best, best_score = candidate, score
    return best


# ---------------------------------------------------------------- XLSX


def _read_xlsx(path: Path, sheet_name: str | None) -> tuple[str, list[tuple[int, list[Cell]]]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InvalidError(f"{path}: not an Excel workbook ({exc})") from None
    try:
        if sheet_name is None:
            sheet = book.worksheets[0]
        elif sheet_name in book.sheetnames:
            sheet = book[sheet_name]
        else:
            raise UsageError(
                f"{path} has no sheet '{sheet_name}'; its sheets: {', '.join(book.sheetnames)}"
            )
        table = [
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        ]
        return f"Excel workbook, sheet '{sheet.title}'", table
    finally:
        book.close()


# ---------------------------------------------------------------- header


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Cell) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _build(
    table: list[tuple[int, list[Cell]]],
    description: str,
    decimal_comma: bool,
    is_header: Callable[[str], bool],
) -> Sheet:
    filled = [(number, cells) for number, cells in table if not all(_blank(c) for c in cells)]
    if not filled:
        raise InvalidError("the file has no rows (is it empty?)")
    at = _header_index(filled[:HEADER_SEARCH_ROWS], is_header)
    number, top = filled[at]
    headers = [[_text(c)] for c in top]
    notes = []
    if at:
        notes.append(f"lines above the header (line {number}) were skipped")
    if at + 1 < len(filled) and _is_second_header(top, filled[at + 1][1], is_header):
        number, below = filled[at + 1]
        headers = _merge_header_rows(top, below)
        at += 1
        notes.append(f"the header spans two lines ({number - 1} and {number})")
    width = max(len(cells) for _, cells in filled[at:])
    headers += [[""] for _ in range(width - len(headers))]
    rows = [Row(n, cells + [None] * (width - len(cells))) for n, cells in filled[at + 1 :]]
    return Sheet(headers, rows, number, description, decimal_comma, notes)


def _header_index(rows: list[tuple[int, list[Cell]]], is_header: Callable[[str], bool]) -> int:
    """Which of the first rows is the header: the first with known column names,
    else the first with as many filled cells as the widest row."""
    known = [sum(1 for c in cells if is_header(_text(c))) for _, cells in rows]
    if max(known) > 0:
        return next(i for i, count in enumerate(known) if count == max(known))
    filled = [sum(1 for c in cells if not _blank(c)) for _, cells in rows]
    return next(i for i, count in enumerate(filled) if count == max(filled))


def _is_second_header(top: list[Cell], below: list[Cell], is_header: Callable[[str], bool]) -> bool:
    """A header under merged cells: the top row has gaps, the row below fills them
    with column names and holds no numbers or dates."""
    gaps = [i for i, c in enumerate(top) if _blank(c)] + list(range(len(top), len(below)))
    if not any(i < len(below) and not _blank(below[i]) for i in gaps):
        return False
    texts = [c for c in below if not _blank(c)]
    if not all(isinstance(c, str) for c in texts):
        return False
    return sum(1 for c in texts if is_header(_text(c))) * 2 >= len(texts)


def _merge_header_rows(top: list[Cell], below: list[Cell]) -> list[list[str]]:
    """Names for each column of a two-line header: "Contact" merged over "Name"
    and "Phone" gives ["Contact Name", "Name"] and ["Contact Phone", "Phone"]
    (the first name that means something wins)."""
    out, group = [], ""
    for i in range(max(len(top), len(below))):
        upper = _text(top[i]) if i < len(top) else ""
        lower = _text(below[i]) if i < len(below) else ""
        group = upper or group
        if not lower:
            out.append([upper])
        elif group and group.lower() != lower.lower():
            out.append([f"{group} {lower}", lower])
        else:
            out.append([lower])
    return out
