"""plaincrm export: every field, CSV as Excel reads it, XLSX, JSON, and export -> import
changing nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from conftest import Crm

HAND_WRITTEN = """\
---
# Written by hand: comments, odd quoting and unknown keys stay as they are.
name: "=HYPERLINK(\\"http://evil.example\\",\\"Kovács\\")"
kind: company
email: info@kovacs.example
phone: '+36 1 234 5678'
country: NO
tags: [vip, "wholesale"]
owner: ben
created: 2026-01-15
vat_number: HU12345678
contacts:
  - name: Kovács Anna
    role: ügyvezető
    email: anna@kovacs.example
  - name: "@Péter"
    phone: "-30 123"
---

Notes: the owner prefers calls in the morning.

## Tasks

- [ ] Call about the renewal due:2026-11-30 at:09:30 dur:45m id:k3x9mw
- [x] Send the offer due:2026-11-20 done:2026-11-21 owner:anna id:a8d2pq
  She wants 3 more licences;
  call back in January.
"""


@pytest.fixture
def filled(crm: Crm) -> Crm:
    crm.write("clients/kovacs.md", HAND_WRITTEN)
    crm.run("client", "add", "Bolt s.r.o.", "--kind", "person", "--tag", "a", "--tag", "b")
    crm.run("client", "add", "Crème Café", "--phone", "0123 456", "--email", "cafe@example.com")
    crm.run("deal", "add", "bolt", "Pallets", "--amount", "1200.5", "--close", "2026-12-31")
    crm.git("add", "-A")
    crm.git("commit", "-q", "-m", "fixture")
    return crm


def snapshot(crm: Crm) -> dict[str, bytes]:
    return {
        str(p.relative_to(crm.root)): p.read_bytes()
        for p in sorted(crm.root.rglob("*.md"))
        if ".git" not in p.parts
    }


def excel_rows(data: bytes, delimiter: str = ";") -> list[list[str]]:
    """Split a CSV as Excel does on opening it: BOM -> UTF-8, the list separator."""
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


_EXCEL_NUMBER = re.compile(
    r"^[+-]?(\d{1,3}( \d{3})+|\d+)(,\d+)?%?$|^[+-]?\d+(,\d+)?e[+-]?\d+$", re.IGNORECASE
)
_EXCEL_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?$|^\d{1,2}:\d{2}(:\d{2})?$")


def excel_value(field: str) -> tuple[str, object]:
    """What a cell of a CSV file holds once Excel (a European locale: decimal comma,
    ';' between cells) opened it, by the rules it follows, which the tests rely on:

    1. ``="text"`` (a quote written ``""``) is a formula whose value is ``text``: the
       cell shows that text, and saving as CSV writes the text.
    2. A field that reads as a number is one: leading zeros and a leading ``+`` are
       lost (``0123`` is 123, ``+36301234567`` is 36301234567), ``1e5`` is 100000,
       over 15 digits are rounded, more than 11 shown as ``3,63E+10``.
    3. Any other field starting with ``=``, ``+``, ``-`` or ``@`` is a formula and is
       run (``+36 1 234 5678`` gives an error, ``=HYPERLINK(..)`` a link).
    4. A field that reads as a date or a time is a date (shown the locale's way):
       ``2026-12-31``, ``3/4``, ``9:30``.
    5. ``TRUE``/``FALSE`` in any case are truth values.
    6. Anything else is text as written; an apostrophe at its start stays in the text
       (it marks text only when typed into a cell, never in a file).
    """
    if field.startswith('="') and field.endswith('"') and len(field) >= 3:
        inner = field[2:-1]
        assert '"' not in inner.replace('""', ""), field
        return ("text", inner.replace('""', '"'))
    if _EXCEL_NUMBER.match(field):
        return ("number", float(field.replace(" ", "").replace(",", ".").rstrip("%")))
    if field[:1] in "=+-@":
        return ("formula", field)
    if _EXCEL_DATE.match(field):
        return ("date", field)
    if field.lower() in ("true", "false"):
        return ("bool", field.lower() == "true")
    return ("text", field)


def test_csv_for_excel_opens_every_text_as_that_text(filled: Crm) -> None:
    """Phones, postal codes, a formula, numbers as text: Excel shows each as the text
    exported, without an apostrophe; amounts and dates are numbers and dates."""
    filled.run("client", "set", "bolt", "--field", "zip=0123", "--phone", "36301234567")
    filled.run("client", "set", "creme", "--field", "code=1e5", "--field", "ratio=3/4")
    data = filled.run("export", "--excel").stdout_bytes
    rows = excel_rows(data)
    assert data.count(b"\r\n") == len(rows)  # Excel's line ends
    header, *body = rows
    seen: dict[str, dict[str, list[object]]] = {}
    for row in body:
        for key, field in zip(header, row, strict=True):
            if field:
                kind, value = excel_value(field)
                assert kind == ("date" if key == "created" else "text"), (key, field, kind)
                seen.setdefault(row[0], {}).setdefault(key, []).append(value)
    kovacs, bolt, creme = seen["kovacs"], seen["bolt-s-r-o"], seen["creme-cafe"]
    assert kovacs["phone"] == ["+36 1 234 5678"] * 2
    assert kovacs["name"] == ['=HYPERLINK("http://evil.example","Kovács")'] * 2
    assert kovacs["contact"] == ["Kovács Anna", "@Péter"]
    assert kovacs["contact_phone"] == ["-30 123"]
    assert kovacs["created"] == ["2026-01-15"] * 2
    assert bolt["zip"] == ["0123"] and bolt["phone"] == ["36301234567"]
    assert creme["phone"] == ["0123 456"] and creme["code"] == ["1e5"]
    assert creme["ratio"] == ["3/4"]
    deals = excel_rows(filled.run("export", "--type", "deal", "--excel").stdout_bytes)
    deal = dict(zip(deals[0], deals[1], strict=True))
    assert excel_value(deal["amount"]) == ("number", 1200.5)
    assert excel_value(deal["close"]) == ("date", "2026-12-31")
    # what the same cells would have been: an apostrophe shown, a formula run, a number
    assert excel_value("'+36 1 234 5678") == ("text", "'+36 1 234 5678")
    assert excel_value("+36 1 234 5678")[0] == "formula"
    assert excel_value("0123") == ("number", 123.0)


def test_plain_csv_keeps_neutralising_formulas(filled: Crm) -> None:
    rows = list(csv.reader(io.StringIO(filled.run("export").stdout)))
    kovacs = dict(zip(rows[0], rows[3], strict=True))
    assert kovacs["name"] == '\'=HYPERLINK("http://evil.example","Kovács")'
    assert kovacs["phone"] == "'+36 1 234 5678"


def test_contacts_are_rows_of_their_own(filled: Crm) -> None:
    """One row per contact person with the client's columns repeated, as contact lists
    are kept (and import reads them back as one client)."""
    rows = list(csv.DictReader(io.StringIO(filled.run("export").stdout)))
    assert [(r["ref"], r["contact"], r["contact_role"]) for r in rows] == [
        ("bolt-s-r-o", "", ""),
        ("creme-cafe", "", ""),
        ("kovacs", "Kovács Anna", "ügyvezető"),
        ("kovacs", "'@Péter", ""),
    ]
    assert [r["contact_email"] for r in rows][2:] == ["anna@kovacs.example", ""]
    assert [r["contact_phone"] for r in rows][2:] == ["", "'-30 123"]
    assert rows[2]["email"] == rows[3]["email"] == "info@kovacs.example"
    assert "contacts" not in rows[0]


def test_csv_has_every_field(filled: Crm) -> None:
    out = filled.run("export").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "ref", "name", "kind", "email", "phone", "address", "city", "country", "website",
        "tags", "owner", "created", "contact", "contact_role", "contact_email",
        "contact_phone", "vat_number",
    ]  # fmt: skip
    kovacs = dict(zip(rows[0], rows[3], strict=True))
    assert kovacs["ref"] == "kovacs"
    assert kovacs["country"] == "NO"
    assert kovacs["tags"] == "vip, wholesale"
    assert kovacs["vat_number"] == "HU12345678"
    assert kovacs["contact"] == "Kovács Anna"


def test_excel_csv_uses_decimal_commas(filled: Crm) -> None:
    rows = excel_rows(filled.run("export", "--type", "deal", "--excel").stdout_bytes)
    deal = dict(zip(rows[0], rows[1], strict=True))
    assert deal["amount"] == "1200,5"
    assert deal["close"] == "2026-12-31"


@pytest.mark.parametrize(
    ("args", "amount"),
    [
        (["--delimiter", ";"], "1234,567"),  # import reads a ';' file with decimal commas
        (["--excel", "--delimiter", ","], "1234.567"),
        (["--delimiter", "tab"], "1234.567"),
    ],
)
def test_decimal_commas_go_with_semicolons(
    filled: Crm, tmp_path: Path, args: list[str], amount: str
) -> None:
    """1234.567 read from a ';' file as import reads one would be 1234567."""
    filled.run("deal", "set", "bolt-s-r-o-pallets", "--amount", "1234.567")
    path = tmp_path / "deals.csv"
    filled.run("export", "--type", "deal", *args, "-o", str(path))
    delimiter = {";": ";", ",": ",", "tab": "\t"}[args[args.index("--delimiter") + 1]]
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert dict(zip(rows[0], rows[1], strict=True))["amount"] == amount
    assert_round_trip(filled, [str(path), "--type", "deal"])


def test_tasks_are_their_own_table(filled: Crm) -> None:
    rows = list(csv.DictReader(io.StringIO(filled.run("export", "--type", "task").stdout)))
    kovacs = [r for r in rows if r["record"] == "clients/kovacs"]
    assert kovacs == [  # by due date, as task list shows them
        {
            "id": "a8d2pq", "record": "clients/kovacs", "record_title": kovacs[0]["record_title"],
            "title": "Send the offer", "status": "done", "due": "2026-11-20", "at": "",
            "dur": "", "done": "2026-11-21", "owner": "anna",
            "note": "She wants 3 more licences;\ncall back in January.",
        },
            {
            "id": "k3x9mw", "record": "clients/kovacs", "record_title": kovacs[0]["record_title"],
            "title": "Call about the renewal", "status": "open", "due": "2026-11-30",
            "at": "09:30", "dur": "45m", "done": "", "owner": "ben", "note": "",
        },
]  # fmt: skip


def test_query_filters_the_export(filled: Crm) -> None:
    out = filled.run("export", "+vip").stdout
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == ["kovacs", "kovacs"]
    out = filled.run("export", "--type", "task", "status:done").stdout
    assert [r["id"] for r in csv.DictReader(io.StringIO(out))] == ["a8d2pq"]


def test_json_export(filled: Crm) -> None:
    data = json.loads(filled.run("export", "--format", "json").stdout)
    kovacs = next(item for item in data if item["ref"] == "kovacs")
    assert kovacs["tags"] == ["vip", "wholesale"] and kovacs["created"] == "2026-01-15"
    everything = json.loads(filled.run("export", "--type", "all", "--format", "json").stdout)
    assert len(everything["clients"]) == 3
    assert len(everything["deals"]) == 1
    assert len(everything["tasks"]) == 2


def test_xlsx_has_real_dates_text_cells_and_never_formulas(filled: Crm, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "crm.xlsx"
    result = filled.run("export", "--type", "all", "-o", str(out))
    assert "Exported 3 clients, 2 contacts, 1 deals" in result.stderr
    book = load_workbook(out)
    assert book.sheetnames[:3] == ["clients", "contacts", "deals"]
    assert "tasks" in book.sheetnames
    sheet = book["clients"]
    header = [c.value for c in sheet[1]]
    assert "contacts" not in header
    kovacs = {h: c for h, c in zip(header, sheet[4], strict=True)}
    assert kovacs["name"].data_type == "s"  # stored as text, never run as a formula
    assert kovacs["name"].value.startswith("=HYPERLINK")
    phone = kovacs["phone"]
    assert (phone.value, phone.data_type, phone.number_format) == ("+36 1 234 5678", "s", "@")
    assert kovacs["created"].value == datetime(2026, 1, 15)
    bolt = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert bolt["phone"].value is None and bolt["phone"].number_format == "@"  # typed: text
    people = book["contacts"]
    assert [c.value for c in people[1]] == [
        "ref", "name", "contact", "contact_role", "contact_email", "contact_phone",
    ]  # fmt: skip
    rows = [[c.value for c in row] for row in people.iter_rows(min_row=2)]
    name = '=HYPERLINK("http://evil.example","Kovács")'
    assert rows == [
        ["kovacs", name, "Kovács Anna", "ügyvezető", "anna@kovacs.example", None],
        ["kovacs", name, "@Péter", None, None, "-30 123"],
    ]
    phone = people["F3"]
    assert (phone.value, phone.data_type, phone.number_format) == ("-30 123", "s", "@")
    deals = book["deals"]
    amount = dict(zip([c.value for c in deals[1]], deals[2], strict=True))["amount"]
    assert amount.value == 1200.5 and amount.data_type == "n"


def assert_round_trip(crm: Crm, import_args: list[str]) -> None:
    before, commits = snapshot(crm), crm.commits()
    result = crm.run("import", *import_args, "--update")
    assert "0 to create, 0 to update, 0 skipped" in result.stdout, result.stdout
    assert snapshot(crm) == before and crm.commits() == commits


@pytest.mark.parametrize(
    "variant",
    [
        ["-o", "{dir}/c.csv"],
        ["--excel", "-o", "{dir}/c.csv"],
        ["--delimiter", "tab", "-o", "{dir}/c.csv"],
        ["--delimiter", ";", "-o", "{dir}/c.csv"],
        ["--delimiter", "|", "-o", "{dir}/c.csv"],
        ["--excel", "--delimiter", ",", "-o", "{dir}/c.csv"],
        ["-o", "{dir}/c.xlsx"],
    ],
)
@pytest.mark.parametrize("type_name", ["client", "deal", "task"])
def test_export_then_import_changes_nothing(
    filled: Crm, tmp_path: Path, variant: list[str], type_name: str
) -> None:
    args = [a.replace("{dir}", str(tmp_path)) for a in variant]
    filled.run("export", "--type", type_name, *args)
    path = args[-1]
    assert_round_trip(filled, [path, "--type", type_name])


def test_the_contacts_sheet_imports_back(filled: Crm, tmp_path: Path) -> None:
    """A workbook's contacts sheet finds its clients again by ref (unchanged), and
    brings a client's people into a CRM the clients sheet went into first."""
    from click.testing import CliRunner

    from plaincrm.cli import cli

    book = str(tmp_path / "clients.xlsx")
    filled.run("export", "-o", book)
    assert_round_trip(filled, [book, "--sheet", "contacts"])
    other = tmp_path / "other"
    assert (
        CliRunner().invoke(cli, ["init", str(other), "--user", "anna", "--user", "ben"]).exit_code
        == 0
    )
    fresh = Crm(other, CliRunner())
    fresh.run("import", book)
    result = fresh.run("import", book, "--sheet", "contacts", "--update")
    assert "0 to create, 1 to update" in result.stdout
    copied = json.loads(fresh.run("client", "show", "kovacs", "--json").stdout)["client"]
    original = json.loads(filled.run("client", "show", "kovacs", "--json").stdout)["client"]
    assert copied["contacts"] == original["contacts"]
    assert fresh.run("check").exit_code == 0


@pytest.mark.parametrize("name", ["c.csv", "c.xlsx", "c.vcf"])
def test_short_phones_and_block_text_round_trip(crm: Crm, tmp_path: Path, name: str) -> None:
    crm.write(
        "clients/desk.md",
        "---\nname: Front Desk\nphone: '112'\nnotes: |\n  Ring twice.\n  Then wait.\n---\n",
    )
    crm.git("add", "-A")
    crm.git("commit", "-q", "-m", "fixture")
    path = str(tmp_path / name)
    crm.run(
        "export", "--type", "client", "-o", path, *(["--format", "vcard"] * name.endswith("vcf"))
    )
    assert_round_trip(crm, [path, "--type", "client"])


def test_export_imports_into_an_empty_crm_as_the_same_files(filled: Crm, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from plaincrm.cli import cli

    filled.run("export", "-o", str(tmp_path / "clients.csv"))
    other = tmp_path / "other"
    assert (
        CliRunner().invoke(cli, ["init", str(other), "--user", "anna", "--user", "ben"]).exit_code
        == 0
    )
    fresh = Crm(other, CliRunner())
    fresh.run("import", str(tmp_path / "clients.csv"))
    for slug in ("bolt-s-r-o", "creme-cafe"):
        assert fresh.read(f"clients/{slug}.md") == filled.read(f"clients/{slug}.md")
    # the hand-written file comes back with the same values (its comments are its own)
    copied = fresh.run("client", "show", "kovacs", "--json").stdout
    original = filled.run("client", "show", "kovacs", "--json").stdout
    assert json.loads(copied)["client"] == json.loads(original)["client"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xlsx"], "an .xlsx workbook needs a file"),
        (["--type", "all"], "a CSV file holds one table"),
        (["--type", "deal", "--format", "vcard"], "vCards hold contacts"),
        (["--type", "all", "-o", "x.json", "+vip"], "a QUERY filters one type"),
        (["--delimiter", "::"], "--delimiter must be one character (or 'tab'), not '::'"),
        (["--delimiter", ""], "--delimiter must be one character (or 'tab'), not ''"),
        (
            ["--format", "json", "-o", "x.csv"],
            "--format json does not match the file x.csv (csv): leave out --format, or name the "
            "file for the format",
        ),
        (["--format", "csv", "-o", "x.XLSX"], "--format csv does not match the file x.XLSX (xlsx)"),
    ],
)
def test_export_usage_errors(crm: Crm, args: list[str], message: str) -> None:
    assert message in crm.fail("export", *args, code=2).stderr


def test_format_names_what_an_unknown_extension_holds(filled: Crm, tmp_path: Path) -> None:
    out = tmp_path / "clients.txt"
    filled.run("export", "--format", "json", "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))[0]["ref"] == "bolt-s-r-o"
    filled.run("export", "--format", "csv", "-o", str(tmp_path / "c.csv"))
    assert (tmp_path / "c.csv").read_text(encoding="utf-8").startswith("ref,name")


@pytest.mark.parametrize("name", ["c.csv", "c.xlsx", "c.json", "c.vcf"])
def test_export_to_a_missing_folder(filled: Crm, tmp_path: Path, name: str) -> None:
    out = tmp_path / "missing" / name
    result = filled.fail("export", "--type", "client", "-o", str(out), code=6)
    assert f"cannot write {out}: there is no folder {tmp_path / 'missing'}" in result.stderr
    assert not (tmp_path / "missing").exists()


def test_export_is_never_half_written(filled: Crm, tmp_path: Path) -> None:
    out = tmp_path / "c.csv"
    out.write_text("old", encoding="utf-8")
    filled.run("export", "-o", str(out))
    assert out.read_text(encoding="utf-8").startswith("ref,name")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_task_rows_follow_their_schema(filled: Crm) -> None:
    from plaincrm.core.schemas import validate

    rows = json.loads(filled.run("export", "--type", "task", "--format", "json").stdout)
    assert len(rows) == 2
    for row in rows:
        assert validate("export-task", row) == []


def test_contact_rows_follow_their_schema(filled: Crm, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from plaincrm.core.schemas import validate

    book = tmp_path / "c.xlsx"
    filled.run("export", "-o", str(book))
    sheet = load_workbook(book)["contacts"]
    header = [c.value for c in sheet[1]]
    rows = [
        {key: cell.value for key, cell in zip(header, row, strict=True) if cell.value is not None}
        for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 2
    for row in rows:
        assert validate("export-contact", row) == []
