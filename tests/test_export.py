"""plaincrm export: every field, CSV as Excel reads it, XLSX, JSON, and export -> import
changing nothing."""

from __future__ import annotations

import csv
import io
import json
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


def excel_rows(data: bytes) -> list[list[str]]:
    """Read a CSV as Excel does on opening it: BOM -> UTF-8, the ';' list separator."""
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_has_every_field(filled: Crm) -> None:
    out = filled.run("export").stdout
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == [
        "ref", "name", "kind", "email", "phone", "address", "city", "country", "website",
        "tags", "owner", "created", "contacts", "vat_number",
    ]  # fmt: skip
    kovacs = dict(zip(rows[0], rows[3], strict=True))
    assert kovacs["ref"] == "kovacs"
    assert kovacs["country"] == "NO"
    assert kovacs["tags"] == "vip, wholesale"
    assert kovacs["vat_number"] == "HU12345678"
    assert json.loads(kovacs["contacts"]) == [
        {"name": "Kovács Anna", "role": "ügyvezető", "email": "anna@kovacs.example"},
        {"name": "@Péter", "phone": "-30 123"},
    ]


def test_excel_csv_opens_cleanly_and_formulas_are_neutralised(filled: Crm) -> None:
    data = filled.run("export", "--excel").stdout_bytes
    rows = excel_rows(data)
    assert data.count(b"\r\n") == len(rows)  # Excel's line ends
    header, *body = rows
    cells = [cell for row in body for cell in row]
    # nothing a spreadsheet would run: every cell starting = + - @ is quoted by '
    assert not [c for c in cells if c[:1] in "=+-@" and c.lstrip("-").replace(",", "") != ""]
    kovacs = dict(zip(header, body[2], strict=True))
    assert kovacs["name"] == '\'=HYPERLINK("http://evil.example","Kovács")'
    assert kovacs["phone"] == "'+36 1 234 5678"
    cafe = dict(zip(header, body[1], strict=True))
    assert cafe["name"] == "Crème Café" and cafe["phone"] == "0123 456"


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
    assert [r["ref"] for r in csv.DictReader(io.StringIO(out))] == ["kovacs"]
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


def test_xlsx_has_real_dates_and_never_formulas(filled: Crm, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "crm.xlsx"
    result = filled.run("export", "--type", "all", "-o", str(out))
    assert "Exported 3 clients, 1 deal," in result.stderr
    book = load_workbook(out)
    assert {"clients", "deals", "tasks"} <= set(book.sheetnames)
    sheet = book["clients"]
    header = [c.value for c in sheet[1]]
    kovacs = {h: c for h, c in zip(header, sheet[4], strict=True)}
    assert kovacs["name"].data_type == "s"  # stored as text, never run as a formula
    assert kovacs["name"].value.startswith("=HYPERLINK")
    assert kovacs["created"].value == datetime(2026, 1, 15)
    deals = book["deals"]
    amount = dict(zip([c.value for c in deals[1]], deals[2], strict=True))["amount"]
    assert amount.value == 1200.5


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
    from plaincrm.schemas import validate

    rows = json.loads(filled.run("export", "--type", "task", "--format", "json").stdout)
    assert len(rows) == 2
    for row in rows:
        assert validate("export-task", row) == []
