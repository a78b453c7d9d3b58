"""Property tests of the spreadsheet readers and writers: what export writes, import
reads back exactly."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm.formats.cells import (
    cell_text,
    excel_text,
    neutralise,
    parse_date_cell,
    parse_number_cell,
    serial_date,
    unneutralise,
)
from plaincrm.formats.exporter import Table, csv_cell, write_csv
from plaincrm.formats.sheet import decode_bytes, guess_windows_codepage, read_sheet

# Text as people type it into a cell: letters with accents, punctuation, quotes,
# both delimiters, line breaks, and the characters that start a formula.
cell_chars = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\ufeff"
) | st.sampled_from(list("=+-@'\";,|\n\tőűčřéß"))
cell_texts = st.text(cell_chars, min_size=1, max_size=20).filter(
    lambda t: t == t.strip() and t.strip() != ""
)


@given(st.text(cell_chars, max_size=30))
def test_neutralise_round_trip(text: str) -> None:
    safe = neutralise(text)
    assert unneutralise(safe) == text
    if safe[:1] in ("=", "+", "-", "@"):
        parse_number_cell(safe, False)  # only plain numbers keep their sign unquoted


@given(st.text(cell_chars | st.sampled_from(list("0123456789 .,/:()%e")), max_size=30))
def test_excel_text_round_trip(text: str) -> None:
    """What Excel would misread is wrapped as ="text" (never run, never a number, no
    apostrophe); the rest as neutralise writes it; import reads back the text."""
    written = excel_text(text)
    assert unneutralise(written) == text
    if written.startswith('="'):
        assert written.endswith('"') and '"' not in written[2:-1].replace('""', "")
    elif written[:1] in ("=", "+", "-", "@"):
        parse_number_cell(written, False)  # plain numbers only (too long for ="...")


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(cell_texts, min_size=3, max_size=3), min_size=1, max_size=8),
    delimiter=st.sampled_from([",", ";"]),
    excel=st.booleans(),
)
def test_csv_written_is_read_back(
    tmp_path: Path, rows: list[list[str]], delimiter: str, excel: bool
) -> None:
    table = Table("clients", ["name", "city", "notes"], [list(r) for r in rows])
    path = tmp_path / "t.csv"
    path.write_bytes(write_csv(table, delimiter=delimiter, excel=excel))
    sheet = read_sheet(path)
    assert [h[0] for h in sheet.headers] == ["name", "city", "notes"]
    assert [[cell_text(c) for c in row.cells] for row in sheet.rows] == rows
    assert [row.number for row in sheet.rows] == list(range(2, len(rows) + 2))


amounts = st.decimals(
    min_value=-(10**9), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)


@given(amounts, st.booleans())
def test_numbers_written_are_read_back(amount: object, decimal_comma: bool) -> None:
    value = int(amount) if amount == int(amount) else float(amount)  # type: ignore[call-overload]
    text = csv_cell(value, decimal_comma)
    parsed, currency = parse_number_cell(unneutralise(text), decimal_comma)
    assert parsed == value and currency is None


@given(st.dates(min_value=date(1955, 1, 1), max_value=date(2118, 12, 31)))
def test_dates_in_every_written_form(day: date) -> None:
    assert parse_date_cell(day.isoformat(), None) == (day, None)
    assert parse_date_cell(f"{day.day}.{day.month}.{day.year}", None) == (day, None)
    assert parse_date_cell(f"{day.day:02d}. {day.month:02d}. {day.year}", "mdy") == (day, None)
    assert parse_date_cell(f"{day.year}. {day.month:02d}. {day.day:02d}.", None) == (day, None)
    assert parse_date_cell(f"{day.month}/{day.day}/{day.year}", "mdy")[0] == day
    serial = (day - date(1899, 12, 30)).days
    assert serial_date(serial) == day
    assert parse_date_cell(serial, None) == (day, None)
    assert parse_date_cell(day.strftime("%d %b %Y"), None) == (day, None)


def test_serials_before_excels_leap_day() -> None:
    assert serial_date(1) == date(1900, 1, 1)
    assert serial_date(59) == date(1900, 2, 28)
    assert serial_date(61) == date(1900, 3, 1)
    assert serial_date(61) - serial_date(59) == timedelta(days=1)


@given(st.lists(st.text(cell_chars, min_size=0, max_size=8), max_size=5))
def test_lists_written_are_read_back(items: list[str]) -> None:
    from plaincrm.core.model import Kind
    from plaincrm.formats.columns import Target
    from plaincrm.formats.convert import convert

    cleaned = [i for i in items if i.strip()]
    text = csv_cell(cleaned)
    if not text:
        return
    target = Target("tags", Kind("list", items=Kind("text")))
    value, _ = convert(text, target, resolver=None)  # type: ignore[arg-type]
    assert value == cleaned


@pytest.mark.parametrize(
    ("text", "codepage"),
    [
        ("Győri Kőfaragó, Szűcs és Fiai", "cp1250"),
        ("Dvořák, Šťastný, Čermáková, Řezník, Ústí", "cp1250"),
        ("Łódź, Wrocław, Gdańsk, Kraków", "cp1250"),
        ("Crème brûlée, Señor Frío, Ærø, Åland, À la carte", "cp1252"),
        ("Müller, Straße, Zoë, Citroën", "cp1252"),
        ("Bjørn Sørensen, Tromsø, Øvre Årdal", "cp1252"),
        ("Søren Kierkegaard, Næstved, Ølstykke", "cp1252"),
        ("Jiří Dvořák, Plzeň, Děčín", "cp1250"),
    ],
)
def test_windows_codepage_guess(text: str, codepage: str) -> None:
    assert guess_windows_codepage(text.encode(codepage)) == codepage
    assert decode_bytes(text.encode(codepage), None, "x.csv")[0] == text
