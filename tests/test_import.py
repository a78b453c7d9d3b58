"""plaincrm import: spreadsheets written the way Excel writes them, matching, dry runs,
invalid rows, and exactly one commit."""

from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import pytest

from conftest import Crm

DATA = Path(__file__).parent / "data"


def front(crm: Crm, path: str) -> str:
    """The front matter of a record as text (between the --- lines)."""
    return crm.read(path).split("---\n")[1]


def files(crm: Crm, folder: str = "clients") -> list[str]:
    return sorted(p.name for p in (crm.root / folder).glob("*.md"))


def import_json(crm: Crm, *args: str) -> dict:
    return json.loads(crm.run("import", *args, "--json").stdout)


# ---------------------------------------------------------------- realistic files


def test_hungarian_excel_utf8_bom_semicolons(crm: Crm) -> None:
    """Title rows, a blank row, Hungarian dates, one row per contact, a formula cell."""
    before = crm.commits()
    result = crm.fail("import", str(DATA / "excel-hu-bom-semicolon.csv"), code=6)
    assert "row 9: column D 'E-mail cím'" in result.stderr
    assert "nothing was written" in result.stderr
    assert files(crm) == [] and crm.commits() == before
    result = crm.run("import", str(DATA / "excel-hu-bom-semicolon.csv"), "--skip-invalid")
    assert "UTF-8 with BOM, ';'-separated" in result.stdout
    assert files(crm) == ["futes-szerviz-bt.md", "gyori-ko-zrt.md", "kovacs-es-tarsa-kft.md"]
    assert front(crm, "clients/kovacs-es-tarsa-kft.md") == (
        "name: Kovács és Társa Kft.\n"
        "kind: company\n"
        "email: info@kovacs-tarsa.hu\n"
        'phone: "+36 1 234 5678"\n'
        "tags: [nagyker, vip]\n"
        "owner: anna\n"
        "created: 2026-03-15\n"
        "contacts:\n"
        "  - name: Kovács Anna\n"
        "    role: ügyvezető\n"
        "  - name: Nagy Péter\n"
        "    role: pénzügy\n"
    )
    assert front(crm, "clients/gyori-ko-zrt.md") == (
        "name: Győri Kő Zrt.\n"
        "kind: company\n"
        "email: tunde.szoke@gyorik.hu\n"
        'phone: "06 96 555 123"\n'
        "tags: [építőipar]\n"
        "owner: ben\n"
        "created: 2026-04-02\n"
        "contacts:\n"
        "  - name: Szőke Tünde\n"
        "    role: beszerzés\n"
    )
    assert front(crm, "clients/futes-szerviz-bt.md") == (
        "name: Fűtés-Szerviz Bt.\n"
        "kind: company\n"
        'phone: "+36 30 987 6543"\n'
        "tags: [szerviz]\n"
        "owner: anna\n"
        "created: 2026-05-15\n"
    )
    assert crm.commits()[0] == "import: clients 3 created, 0 updated (excel-hu-bom-semicolon.csv)"
    assert crm.last_commit_files() == [
        "clients/futes-szerviz-bt.md",
        "clients/gyori-ko-zrt.md",
        "clients/kovacs-es-tarsa-kft.md",
    ]
    assert crm.clean()
    assert crm.run("check").exit_code == 0


def test_czech_windows_1250(crm: Crm) -> None:
    result = crm.run("import", str(DATA / "excel-cz-cp1250.csv"))
    assert "Windows-1250, ';'-separated" in result.stdout
    assert front(crm, "clients/stastny-cermak-a-s.md") == (
        "name: Šťastný Čermák a.s.\n"
        "kind: company\n"
        "email: zdenka@stastny.cz\n"
        'phone: "+420 777 888 999"\n'
        "city: Ústí nad Labem\n"
        "tags: [vip]\n"
        "owner: anna\n"
        "created: 2026-03-15\n"
        "contacts:\n"
        "  - name: Zdeňka Čermáková\n"
    )
    assert "name: Řezníkova Pekárna\n" in crm.read("clients/reznikova-pekarna.md")
    assert "created: 2025-12-31\n" in crm.read("clients/reznikova-pekarna.md")


def test_hungarian_windows_1250_long_accents(crm: Crm) -> None:
    """ő and ű are the bytes Windows-1252 reads as õ and û."""
    crm.run("import", str(DATA / "excel-hu-cp1250.csv"))
    assert "name: Győri Kőfaragó Kft.\n" in crm.read("clients/gyori-kofarago-kft.md")
    assert "city: Székesfehérvár\n" in crm.read("clients/szucs-es-fiai-bt.md")


def test_norwegian_windows_1252_is_not_read_as_1250(crm: Crm, tmp_path: Path) -> None:
    """ø is the byte of Czech ř: Norwegian and Danish text stays Western."""
    sheet = tmp_path / "no.csv"
    sheet.write_bytes(
        "Company;Contact;City\r\nNordlys AS;Bjørn Sørensen;Tromsø\r\n".encode("cp1252")
    )
    result = crm.run("import", str(sheet))
    assert "Windows-1252, ';'-separated" in result.stdout
    text = crm.read("clients/nordlys-as.md")
    assert "city: Tromsø\n" in text and "  - name: Bjørn Sørensen\n" in text


def test_western_windows_1252_month_first(crm: Crm) -> None:
    result = crm.run("import", str(DATA / "excel-us-cp1252.csv"))
    assert "Windows-1252, ','-separated" in result.stdout
    assert front(crm, "clients/creme-brulee-cafe-inc.md") == (
        "name: Crème Brûlée Café, Inc.\n"
        "kind: company\n"
        "email: francois@creme.example\n"
        "phone: (555) 123-4567\n"
        "country: France\n"
        "tags: [bakery, vip]\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "contacts:\n"
        "  - name: François Dupré\n"
    )
    # 11/27/2026 in the same column makes 03/15/2026 and 12/01/2025 month-first
    assert "created: 2026-03-15\n" in crm.read("clients/muller-gmbh.md")
    assert "created: 2025-12-01\n" in crm.read("clients/senor-frio-s-a.md")


def make_xlsx(path: Path) -> None:
    """A workbook as people make them: a title, a two-line header under merged cells,
    real date cells, serial numbers in a date column, phones typed as numbers,
    blank rows."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Client list (exported 2026-11-27)"])
    sheet.append([])
    sheet.append(["Company", "Contact", None, None, "Created", "Tags"])
    sheet.append([None, "Name", "Phone", "E-mail", None, None])
    sheet.merge_cells("B3:D3")
    sheet.merge_cells("A3:A4")
    sheet.append(["Acme Ltd", "Jane Roe", 36301234567, "jane@acme.example", datetime(2026, 3, 1)])
    sheet.append([])
    sheet.append(["Bolt s.r.o.", None, None, None, 46000, "wholesale; vip"])
    sheet.append(["Acme Ltd", "John Doe", "+36 30 765 4321", None, None, "vip"])
    book.save(path)


def test_xlsx_merged_two_line_header_and_serial_dates(crm: Crm, tmp_path: Path) -> None:
    book = tmp_path / "clients.xlsx"
    make_xlsx(book)
    result = crm.run("import", str(book))
    assert "the header spans two lines" in result.stdout
    assert "C 'Contact Phone' -> contacts.phone" in result.stdout
    assert front(crm, "clients/acme-ltd.md") == (
        "name: Acme Ltd\n"
        "kind: company\n"
        "tags: [vip]\n"
        "owner: anna\n"
        "created: 2026-03-01\n"
        "contacts:\n"
        "  - name: Jane Roe\n"
        "    email: jane@acme.example\n"
        '    phone: "36301234567"\n'
        "  - name: John Doe\n"
        '    phone: "+36 30 765 4321"\n'
    )
    # serial 46000 is 2025-12-09 (days after 1899-12-30)
    expected = date(1899, 12, 30).toordinal() + 46000
    assert f"created: {date.fromordinal(expected).isoformat()}\n" in crm.read(
        "clients/bolt-s-r-o.md"
    )
    assert "tags: [wholesale, vip]\n" in crm.read("clients/bolt-s-r-o.md")


def test_row_numbers_are_the_spreadsheets(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "My contacts\n\nName,Email,Created\nAnna,anna@example.com,2026-01-01\n\n"
        "Ben,not-an-email,2026-01-02\nCarl,carl@example.com,31.02.2026\n",
        encoding="utf-8",
    )
    result = crm.fail("import", str(sheet), code=6)
    assert (
        "row 6: column B 'Email': email: expected an e-mail address like anna@example.com, "
        "not 'not-an-email'" in result.stderr
    )
    assert "row 7: column C 'Created': '31.02.2026' is not a date (no such day)" in result.stderr
    assert "2 rows of" in result.stderr and "--skip-invalid to import the other 1" in result.stderr
    assert files(crm) == []


def test_nothing_is_written_unless_every_row_is_valid(crm: Crm, tmp_path: Path) -> None:
    before = crm.commits()
    sheet = tmp_path / "owners.csv"
    sheet.write_text("Name,Owner\nAcme,anna\nBolt,zoltan\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), code=6)
    assert (
        "  owners who are not users in plaincrm.yaml: 'zoltan' (row 3); map each to a user "
        "(anna, ben) with --owner 'zoltan=USER', or under import.owners in plaincrm.yaml, or "
        "add them to users\n"
    ) in result.stderr
    assert "1 row of" in result.stderr
    assert files(crm) == [] and crm.commits() == before and crm.clean()
    crm.run("import", str(sheet), "--skip-invalid")
    assert files(crm) == ["acme.md"]
    assert len(crm.commits()) == len(before) + 1


# ---------------------------------------------------------------- matching existing records


@pytest.fixture
def existing(crm: Crm) -> Crm:
    crm.run(
        "client", "add", "Acme Ltd", "--email", "info@acme.example", "--phone", "+36 1 234 5678"
    )
    crm.write(
        "clients/bolt.md",
        "---\n# hand-written, keep this comment\nname: 'Bolt s.r.o.'\nkind: company\n"
        "phone: 06 30 111 2222   # mobile\ncity: Brno\n---\n\nNotes about Bolt.\n",
    )
    crm.git("add", "clients/bolt.md")
    crm.git("commit", "-q", "-m", "bolt by hand")
    return crm


def test_rows_match_by_email_phone_and_name(existing: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "same.csv"
    sheet.write_text(
        "Company,E-mail,Phone\n"
        "Acme Ltd,INFO@acme.example,\n"  # email, in any case
        "Bolt s.r.o.,,+36 30 111 2222\n"  # Bolt's phone written another way
        "BOLT S.R.O,,\n",  # Bolt by its name
        encoding="utf-8",
    )
    plan = import_json(existing, str(sheet), "--dry-run", "--match", "email,phone")
    assert [(a["action"], a["path"], a["matched_by"]) for a in plan["actions"]] == [
        ("same", "clients/acme-ltd.md", "email"),
        ("same", "clients/bolt.md", "phone"),
        ("create", "clients/bolt-s-r-o.md", None),  # matching by name was not allowed
    ]
    plan = import_json(existing, str(sheet), "--dry-run")
    assert [(a["action"], a["path"], a["rows"]) for a in plan["actions"]] == [
        ("same", "clients/acme-ltd.md", [2]),
        ("same", "clients/bolt.md", [3, 4]),
    ]
    assert plan["actions"][1]["matched_by"] == "phone, name"


def test_a_match_with_changes_needs_update_or_skip(existing: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "changes.csv"
    sheet.write_text(
        "Name;Phone;City;Tags\nBolt s.r.o.;06 30 111 2222;Praha;new\nNew One;;;\n",
        encoding="utf-8",
    )
    before = existing.commits()
    result = existing.fail("import", str(sheet), code=6)
    assert (
        "row 2: matches clients/bolt.md (by phone, name) and would change city, tags: "
        "run with --update to change it, or --skip-existing to leave it"
    ) in result.stderr
    assert existing.commits() == before

    result = existing.run("import", str(sheet), "--skip-existing")
    assert existing.read("clients/bolt.md").count("Brno") == 1
    assert files(existing) == ["acme-ltd.md", "bolt.md", "new-one.md"]
    assert "1 to create, 0 to update, 1 skipped" in result.stdout

    existing.run("import", str(sheet), "--update")
    assert existing.read("clients/bolt.md") == (
        "---\n# hand-written, keep this comment\nname: 'Bolt s.r.o.'\nkind: company\n"
        "phone: 06 30 111 2222   # mobile\ncity: Praha\ntags: [new]\n---\n\nNotes about Bolt.\n"
    )
    assert existing.commits()[0] == "import: clients 0 created, 1 updated (changes.csv)"
    assert existing.last_commit_files() == ["clients/bolt.md"]


def test_dry_run_shows_everything_and_writes_nothing(existing: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "mixed.csv"
    sheet.write_text(
        "Name,Email,City\nAcme Ltd,info@acme.example,Budapest\nBolt s.r.o.,,Brno\nCarl,,\n",
        encoding="utf-8",
    )
    before = existing.commits()
    result = existing.run("import", str(sheet), "--update", "--dry-run")
    lines = result.stdout.splitlines()
    assert any(
        line.split()[:2] == ["update", "clients/acme-ltd.md"] and "city: (none) -> Budapest" in line
        for line in lines
    )
    assert any(line.split()[:2] == ["same", "clients/bolt.md"] for line in lines)
    assert any(line.split()[:2] == ["create", "clients/carl.md"] for line in lines)
    assert "1 to create, 1 to update, 0 skipped, 1 unchanged." in result.stdout
    assert "Dry run: nothing was written." in result.stdout
    assert existing.commits() == before and existing.clean()
    assert files(existing) == ["acme-ltd.md", "bolt.md"]


def test_rows_matching_two_records_are_invalid(existing: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "both.csv"
    sheet.write_text("Name,Email\nBolt s.r.o.,info@acme.example\n", encoding="utf-8")
    result = existing.fail("import", str(sheet), code=6)
    assert "matches 2 different clients: clients/acme-ltd.md (by email); clients/bolt.md " in (
        result.stderr
    )


def test_contradicting_rows_of_one_client(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "dupes.csv"
    sheet.write_text(
        "Name,Email,City\nAcme,a@acme.example,Budapest\nACME,a@acme.example,Szeged\n",
        encoding="utf-8",
    )
    result = crm.fail("import", str(sheet), code=6)
    assert (
        "row 3: city 'Szeged' disagrees with row 2 ('Budapest'), which is the same client "
        "(clients/acme.md)"
    ) in result.stderr


PEOPLE = (
    "Cégnév;Kapcsolattartó;Beosztás;E-mail cím;Telefonszám;Város\n"
    "Kovács és Társa Kft.;Kovács Anna;ügyvezető;anna@kovacs.example;+36 1 234 5678;Budapest\n"
    "Kovács és Társa Kft.;Nagy Péter;pénzügy;PETER@kovacs.example;06 1 234 5678;\n"
    "Győri Kő Zrt.;Szőke Tünde;beszerzés;tunde@gyorik.example;06 96 555 123;Győr\n"
    "KOVÁCS ÉS TÁRSA KFT;Kiss Éva;;eva@kovacs.example;+36 30 999 8888;Budapest\n"
)


def test_one_row_per_person_makes_one_client_with_several_contacts(
    crm: Crm, tmp_path: Path
) -> None:
    """A contact list: the rows of a company are one client; what its rows agree on
    (the switchboard number, written two ways; the city) is the company's, the
    emails and phones that differ are each person's."""
    sheet = tmp_path / "people.csv"
    sheet.write_text(PEOPLE, encoding="utf-8")
    result = crm.run("import", str(sheet))
    assert "2 created" in crm.commits()[0]
    assert front(crm, "clients/kovacs-es-tarsa-kft.md") == (
        "name: Kovács és Társa Kft.\n"
        "kind: company\n"
        'phone: "+36 1 234 5678"\n'
        "city: Budapest\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "contacts:\n"
        "  - name: Kovács Anna\n"
        "    role: ügyvezető\n"
        "    email: anna@kovacs.example\n"
        "  - name: Nagy Péter\n"
        "    role: pénzügy\n"
        "    email: PETER@kovacs.example\n"
        "  - name: Kiss Éva\n"
        "    email: eva@kovacs.example\n"
        '    phone: "+36 30 999 8888"\n'
    )
    assert front(crm, "clients/gyori-ko-zrt.md") == (
        "name: Győri Kő Zrt.\n"
        "kind: company\n"
        "email: tunde@gyorik.example\n"
        'phone: "06 96 555 123"\n'
        "city: Győr\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "contacts:\n"
        "  - name: Szőke Tünde\n"
        "    role: beszerzés\n"
    )
    assert "rows 2, 3, 5" in crm.run("import", str(sheet), "--dry-run").stdout
    assert result.stderr == ""
    # the same file again changes nothing
    commits = crm.commits()
    result = crm.run("import", str(sheet))
    assert "0 to create, 0 to update, 0 skipped, 2 unchanged." in result.stdout
    assert crm.commits() == commits and crm.clean()
    assert crm.run("check").exit_code == 0


def test_people_of_a_known_company_join_it(crm: Crm, tmp_path: Path) -> None:
    """The company's own email stays; the people's emails are theirs, in any case."""
    crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example")
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "Company,First name,Last name,Email,Job title\n"
        "ACME Ltd.,Jane,Roe,INFO@acme.example,CEO\n"
        "Acme,John,Doe,john@acme.example,\n"
        ",Cecília,Tóth,ceci@mail.example,Consultant\n",
        encoding="utf-8",
    )
    result = crm.run("import", str(sheet), "--update")
    assert (
        "Note: row 4: Cecília Tóth has no company, so is a client of kind person; "
        "E 'Job title' ('Consultant') is not kept"
    ) in result.stdout
    assert front(crm, "clients/acme-ltd.md") == (
        "name: Acme Ltd\n"
        "kind: company\n"
        "email: info@acme.example\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "contacts:\n"
        "  - name: Jane Roe\n"
        "    role: CEO\n"
        "  - name: John Doe\n"
        "    email: john@acme.example\n"
    )
    assert front(crm, "clients/cecilia-toth.md") == (
        "name: Cecília Tóth\n"
        "kind: person\n"
        "email: ceci@mail.example\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
    )
    result = crm.run("import", str(sheet))
    assert "0 to create, 0 to update, 0 skipped, 2 unchanged." in result.stdout


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            "Acme,Jane,a@acme.example,Budapest\nAcme,John,j@acme.example,Szeged\n",
            "row 3: city 'Szeged' disagrees with row 2 ('Budapest'), which is the same client "
            "(clients/acme.md): a client has one city, so make the rows agree (or leave it "
            "empty in all but one)",
        ),
        (
            "Acme,Jane,a@acme.example,\nAcme,Jane,b@acme.example,\n",
            "row 3: contacts 'Jane': email 'b@acme.example' disagrees with 'a@acme.example' "
            "(their email in another column or row)",
        ),
    ],
)
def test_real_disagreements_of_people_rows(
    crm: Crm, tmp_path: Path, rows: str, message: str
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("Company,Contact,Email,City\n" + rows, encoding="utf-8")
    result = crm.fail("import", str(sheet), code=6)
    assert message in result.stderr
    assert "nothing was written" in result.stderr
    assert files(crm) == []


def test_ref_column_and_new_file_names(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme")
    sheet = tmp_path / "refs.csv"
    sheet.write_text("ref,name\nmy-acme,Acme Other\n,Acme\n,Acme Two\n", encoding="utf-8")
    plan = import_json(crm, str(sheet), "--dry-run", "--match", "ref")
    assert [(a["action"], a["path"]) for a in plan["actions"]] == [
        ("create", "clients/my-acme.md"),
        ("create", "clients/acme-2.md"),
        ("create", "clients/acme-two.md"),
    ]


# ---------------------------------------------------------------- columns and values


def test_map_custom_fields_and_ignored_columns(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "map.csv"
    sheet.write_text(
        "Firma,VAT number,Remarks,vat_id\nAcme,HU123,call first,X1\n", encoding="utf-8"
    )
    result = crm.run("import", str(sheet), "--map", "VAT number=vat_number", "--map", "C=-")
    assert "B 'VAT number' -> vat_number (custom field)" in result.stdout
    assert "D 'vat_id' -> vat_id (custom field)" in result.stdout
    text = crm.read("clients/acme.md")
    assert "vat_number: HU123\n" in text and "vat_id: X1\n" in text
    assert "call first" not in text


def test_unrecognised_columns_are_listed(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "odd.csv"
    sheet.write_text("Name,Shoe size\nAcme,42\n", encoding="utf-8")
    result = crm.run("import", str(sheet), "--dry-run")
    assert "Ignored columns: B 'Shoe size' (read one with --map 'COLUMN=FIELD')" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Name"], "--map 'Name': write it as COLUMN=FIELD"),
        (["--map", "Name=Not A Field"], "'Not A Field' is not a field of client records"),
        (["--map", "Nope=name"], "--map names columns the file does not have: 'Nope'"),
        (["--update", "--skip-existing"], "use either --update or --skip-existing"),
        (["--delimiter", "ab"], "--delimiter must be one character (or 'tab'), not 'ab'"),
        (["--delimiter", ""], "--delimiter must be one character (or 'tab'), not ''"),
        (["--encoding", "klingon"], "unknown encoding 'klingon'"),
        (["--sheet", "x"], "--sheet is for .xlsx workbooks"),
        (["--match", "email,color"], "--match takes some of ref, email"),
        (["--dates", "ymd"], "Invalid value for '--dates'"),
    ],
)
def test_usage_errors(crm: Crm, tmp_path: Path, args: list[str], message: str) -> None:
    sheet = tmp_path / "a.csv"
    sheet.write_text("Name\nAcme\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), *args, code=2)
    assert message in result.stderr


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("", [], "the file has no rows"),
        ("Email\na@b.example\n", [], "no column gives the client's name"),
        ("Name,Created\nA,03/04/2026\nB,04/13/2026\nC,13/04/2026\n", [], "make the column"),
    ],
)
def test_invalid_files(
    crm: Crm, tmp_path: Path, content: str, args: list[str], message: str
) -> None:
    sheet = tmp_path / "bad.csv"
    sheet.write_text(content, encoding="utf-8")
    result = crm.fail("import", str(sheet), *args, code=6)
    assert message in result.stderr


def test_missing_file(crm: Crm, tmp_path: Path) -> None:
    result = crm.fail("import", str(tmp_path / "nope.csv"), code=2)
    assert "nope.csv: no such file" in result.stderr


def test_not_a_workbook(crm: Crm, tmp_path: Path) -> None:
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip", encoding="utf-8")
    result = crm.fail("import", str(fake), code=6)
    assert "not an Excel workbook" in result.stderr


def test_ambiguous_dates_need_an_order(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "dates.csv"
    sheet.write_text("Name,Created\nAcme,03/04/2026\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), code=6)
    assert "'03/04/2026' could be day-first or month-first; say which with --dates" in (
        result.stderr
    )
    crm.run("import", str(sheet), "--dates", "dmy")
    assert "created: 2026-04-03\n" in crm.read("clients/acme.md")


def test_dotted_dates_are_day_first_even_with_dates_mdy(crm: Crm, tmp_path: Path) -> None:
    """--dates mdy settles 03/04/2026; a dotted date is day-first whatever it says."""
    sheet = tmp_path / "mixed-dates.csv"
    sheet.write_text("Name,Created\nAcme,03.04.2026\nBolt,03/04/2026\n", encoding="utf-8")
    crm.run("import", str(sheet), "--dates", "mdy")
    assert "created: 2026-04-03\n" in crm.read("clients/acme.md")
    assert "created: 2026-03-04\n" in crm.read("clients/bolt.md")


def test_owner_by_full_name_or_email_and_default_owner(crm: Crm, tmp_path: Path) -> None:
    settings = crm.read("plaincrm.yaml").replace(
        "  - name: ben", "  - name: ben\n    full_name: Ben Szabó\n    email: ben@example.com"
    )
    crm.write("plaincrm.yaml", settings)
    sheet = tmp_path / "owners.csv"
    sheet.write_text("Name,Owner\nA,Ben Szabó\nB,BEN@example.com\nC,\n", encoding="utf-8")
    crm.run("import", str(sheet), "--owner", "ben")
    for slug in ("a", "b", "c"):
        assert "owner: ben\n" in crm.read(f"clients/{slug}.md")


def test_progress_is_not_printed_off_a_terminal(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "many.csv"
    sheet.write_text(
        "Name,Email\n" + "".join(f"Client {i},c{i}@example.com\n" for i in range(300)),
        encoding="utf-8",
    )
    result = crm.run("import", str(sheet))
    assert len(files(crm)) == 300
    assert "Reading rows" not in result.stderr and "%" not in result.stderr
    assert crm.last_commit_files() == sorted(f"clients/client-{i}.md" for i in range(300))


# ---------------------------------------------------------------- deals


def test_deals_from_a_sheet_are_made_as_deal_add_makes_them(crm: Crm) -> None:
    crm.run("import", str(DATA / "excel-hu-bom-semicolon.csv"), "--skip-invalid")
    crm.run("import", str(DATA / "deals-serial-dates.csv"))
    imported = crm.read("deals/kovacs-es-tarsa-kft-espresso-machines-for-the-new-shop.md")
    assert "stage: proposal\nprobability: 50\namount: 12000\ncurrency: EUR\n" in imported
    # serial 46387 is 2026-12-31
    assert "close: 2026-12-31\n" in imported
    floor = crm.read("deals/gyori-ko-zrt-stone-floor-for-the-lobby.md")
    assert "amount: 4500000\ncurrency: HUF\n" in floor
    crm.git("rm", "-q", "deals/kovacs-es-tarsa-kft-espresso-machines-for-the-new-shop.md")
    crm.git("commit", "-q", "-m", "remove the imported deal")
    crm.run(
        "deal", "add", "kovacs-es-tarsa-kft", "Espresso machines for the new shop",
        "--amount", "12000", "--currency", "EUR", "--close", "2026-12-31", "--stage", "proposal",
    )  # fmt: skip
    added = crm.read("deals/kovacs-es-tarsa-kft-espresso-machines-for-the-new-shop.md")
    assert added == imported


def test_deal_rows_naming_unknown_clients(crm: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "deals.csv"
    sheet.write_text("Client,Title,Stage\nNobody Ltd,Big one,lead\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), "--type", "deal", code=6)
    assert "no client 'Nobody Ltd' (import the clients first, or write its ref)" in result.stderr


def test_deal_stage_changes_go_through_deal_commands(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme")
    crm.run("deal", "add", "acme", "Licences", "--amount", "100")
    sheet = tmp_path / "deals.csv"
    sheet.write_text(
        "Client,Title,Stage,Amount\nacme,Licences,proposal,100\nacme,Licences,,150\n",
        encoding="utf-8",
    )
    result = crm.fail("import", str(sheet), "--type", "deal", "--update", code=6)
    assert "stage would change (lead -> proposal); change it with 'plaincrm deal move" in (
        result.stderr
    )
    sheet.write_text("Client,Title,Amount\nacme,Licences,150\n", encoding="utf-8")
    crm.run("import", str(sheet), "--type", "deal", "--update")
    text = crm.read("deals/acme-licences.md")
    assert "amount: 150\n" in text
    assert text.rstrip().endswith("anna: changed amount 100 -> 150")
    assert crm.run("check").exit_code == 0


def test_legal_forms_must_agree_for_names_to_match(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme Kft.")
    sheet = tmp_path / "forms.csv"
    sheet.write_text("Name,City\nAcme GmbH,Wien\nACME KFT,Budapest\n", encoding="utf-8")
    plan = import_json(crm, str(sheet), "--dry-run", "--update")
    assert [(a["action"], a["path"]) for a in plan["actions"]] == [
        ("create", "clients/acme-gmbh.md"),
        ("update", "clients/acme-kft.md"),
    ]
    # a name without a legal form could be either of them
    sheet.write_text("Name,City\nAcme GmbH,Wien\nAcme,Budapest\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), code=6)
    assert "row 3: matches 2 different clients: clients/acme-kft.md (by name); " in result.stderr


def test_a_ref_names_the_record_whatever_else_matches(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme", "--email", "info@acme.example")
    crm.run("client", "add", "Bolt", "--email", "info@bolt.example")
    sheet = tmp_path / "refs.csv"
    sheet.write_text("ref,name,email\nbolt,Acme,info@acme.example\n", encoding="utf-8")
    plan = import_json(crm, str(sheet), "--dry-run", "--update")
    assert [(a["action"], a["path"]) for a in plan["actions"]] == [("update", "clients/bolt.md")]


def test_an_unknown_ref_beside_a_known_email_is_no_silent_duplicate(
    crm: Crm, tmp_path: Path
) -> None:
    crm.run("client", "add", "Acme Ltd", "--email", "a@acme.example")
    sheet = tmp_path / "refs.csv"
    sheet.write_text("ref,name,email\nacme,Acme Ltd,a@acme.example\n", encoding="utf-8")
    result = crm.fail("import", str(sheet), "--dry-run", code=6)
    assert (
        "row 2: ref 'acme' names no client, but the row matches clients/acme-ltd.md "
        "(by email, name): give its ref (acme-ltd) to find it, or --match ref to create acme "
        "as another client"
    ) in result.stderr
    plan = import_json(crm, str(sheet), "--dry-run", "--match", "ref")
    assert [(a["action"], a["path"]) for a in plan["actions"]] == [("create", "clients/acme.md")]
    sheet.write_text("ref,name\nacme-wien,Acme Wien\n", encoding="utf-8")
    plan = import_json(crm, str(sheet), "--dry-run")
    assert [(a["action"], a["path"]) for a in plan["actions"]] == [
        ("create", "clients/acme-wien.md")
    ]


def test_a_failed_write_takes_back_what_was_written(crm: Crm, tmp_path: Path) -> None:
    from plaincrm.core.errors import ConflictError, InvalidError
    from plaincrm.core.store import Store
    from plaincrm.formats.importer import plan_import
    from plaincrm.formats.plan import ImportOptions, apply_plan

    crm.run("client", "add", "Acme")
    sheet = tmp_path / "three.csv"
    sheet.write_text("Name,City\nAcme,Wien\nBolt,Brno\nCarl,Graz\n", encoding="utf-8")
    store = Store(crm.root)
    plan = plan_import(store, sheet, ImportOptions(existing="update"))
    assert list(plan.writes) == ["clients/acme.md", "clients/bolt.md", "clients/carl.md"]
    before = crm.read("clients/acme.md")
    crm.write("clients/carl.md", "---\nname: Carl\n---\n")  # someone else was quicker
    with pytest.raises(ConflictError):
        apply_plan(store, plan)
    assert crm.read("clients/acme.md") == before
    assert not (crm.root / "clients/bolt.md").exists()
    crm.write("clients/acme.md", before + "\nEdited meanwhile.\n")
    (crm.root / "clients/carl.md").unlink()
    with pytest.raises(InvalidError, match=r"clients/acme\.md changed while importing"):
        apply_plan(store, plan)
    assert sorted(p.name for p in (crm.root / "clients").glob("*.md")) == ["acme.md"]
    assert crm.commits()[0].startswith("client add: Acme")


@pytest.mark.parametrize("after", [1, 2, 3])
def test_ctrl_c_while_writing_leaves_nothing(crm: Crm, tmp_path: Path, after: int) -> None:
    from plaincrm.core.store import Store
    from plaincrm.formats.importer import plan_import
    from plaincrm.formats.plan import ImportOptions, apply_plan

    crm.run("client", "add", "Bolt")
    sheet = tmp_path / "three.csv"
    sheet.write_text("Name,City\nAcme,Wien\nBolt,Brno\nCarl,Graz\n", encoding="utf-8")
    store = Store(crm.root)
    plan = plan_import(store, sheet, ImportOptions(existing="update"))
    assert list(plan.writes) == ["clients/acme.md", "clients/bolt.md", "clients/carl.md"]
    commits = crm.commits()
    written = []

    def interrupt(count: int) -> None:
        written.append(count)
        if len(written) == after:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        apply_plan(store, plan, interrupt)
    assert crm.clean() and crm.commits() == commits
    assert files(crm) == ["bolt.md"]
    store.release()


def test_json_plan_follows_its_schema(existing: Crm, tmp_path: Path) -> None:
    from plaincrm.core.schemas import validate

    sheet = tmp_path / "mixed.csv"
    sheet.write_text(
        "Name,Email,City,Notes\nAcme Ltd,info@acme.example,Budapest,x\nCarl,bad,,\nDora,,,\n",
        encoding="utf-8",
    )
    result = existing.run("import", str(sheet), "--update", "--dry-run", "--json", ok=False)
    plan = json.loads(result.stdout)
    assert validate("import-plan", plan) == []
    assert plan["counts"] == {"create": 1, "update": 1, "skip": 0, "same": 0, "invalid": 1}
    assert plan["errors"] == [
        {
            "row": 3,
            "message": "column B 'Email': email: expected an e-mail address like "
            "anna@example.com, not 'bad'",
            "rows": [3],
        }
    ]


def test_tickets_from_a_helpdesk_export_as_ticket_add_makes_them(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Café Aurora", "--email", "hello@aurora.example")
    sheet = tmp_path / "tickets.csv"
    sheet.write_text(
        "Customer;Subject;Type;Priority;Channel\n"
        "hello@aurora.example;Grinder rattles at start-up;Complaint;high;phone\n",
        encoding="utf-8",
    )
    env = {"PLAINCRM_TIME": "10:30"}
    crm.run("import", str(sheet), "--type", "ticket", env=env)
    path = "tickets/cafe-aurora-grinder-rattles-at-start-up.md"
    imported = crm.read(path)
    assert "status: new\n" in imported and 'opened: "2026-11-27 10:30"\n' in imported
    crm.git("rm", "-q", path)
    crm.git("commit", "-q", "-m", "remove the imported ticket")
    crm.run(
        "ticket", "add", "cafe-aurora", "Grinder rattles at start-up", "--kind", "complaint",
        "--priority", "high", "--channel", "phone", env=env,
    )  # fmt: skip
    assert crm.read(path) == imported
    sheet.write_text("Customer;Subject;Status\ncafe-aurora;Grinder rattles at start-up;closed\n")
    result = crm.fail("import", str(sheet), "--type", "ticket", "--update", code=6)
    assert "status would change (new -> closed); change it with 'plaincrm ticket reply" in (
        result.stderr
    )


def test_imported_tickets_get_the_sla_clocks_of_their_status(crm: Crm, tmp_path: Path) -> None:
    """A waiting ticket's clocks are paused and a closed one's stopped, not breached."""
    crm.run("client", "add", "Acme Ltd")
    sheet = tmp_path / "tickets.csv"
    sheet.write_text(
        "client,subject,priority,status,opened,resolved,resolution\n"
        "acme-ltd,Old waiting issue,high,waiting,2026-11-02 09:00,,\n"
        "acme-ltd,Old closed issue,high,closed,2026-11-02 09:00,2026-11-03 10:00,fixed\n",
        encoding="utf-8",
    )
    env = {"PLAINCRM_TIME": "10:30"}
    crm.run("import", str(sheet), "--type", "ticket", env=env)
    waiting = crm.read("tickets/acme-ltd-old-waiting-issue.md")
    assert waiting.endswith(
        "- 2026-11-02 09:00 anna: opened (request, high)\n"
        "- 2026-11-02 09:00 anna: status new -> waiting: imported\n"
    )
    assert "- 2026-11-02 09:00 anna: status new -> closed: imported\n" in crm.read(
        "tickets/acme-ltd-old-closed-issue.md"
    )
    listed = json.loads(crm.run("ticket", "list", "--all", "--json", env=env).stdout)
    states = {
        t["ref"]: (
            t["sla"]["summary"],
            t["sla"]["response"]["state"],
            t["sla"]["resolution"]["state"],
        )
        for t in listed
    }
    assert states == {
        "acme-ltd-old-waiting-issue": ("ok", "paused", "paused"),
        "acme-ltd-old-closed-issue": ("met", "met", "met"),
    }
    assert crm.run("check").exit_code == 0


def test_excel_unicode_text_and_sep_line(crm: Crm, tmp_path: Path) -> None:
    from plaincrm.core.ids import slugify

    unicode_text = tmp_path / "unicode.txt"  # Excel's "Unicode Text": UTF-16, tabs
    unicode_text.write_bytes("Name\tCity\r\nŁódź Sp. z o.o.\tŁódź\r\n".encode("utf-16"))
    result = crm.run("import", str(unicode_text))
    assert "UTF-16, tab-separated" in result.stdout
    assert "city: Łódź\n" in crm.read(f"clients/{slugify('Łódź Sp. z o.o.')}.md")
    sep_line = tmp_path / "sep.csv"
    sep_line.write_text("sep=|\nName|City\nBolt, s.r.o.|Brno\n", encoding="utf-8")
    crm.run("import", str(sep_line))
    assert "name: Bolt, s.r.o.\n" in crm.read("clients/bolt-s-r-o.md")


def test_closed_deals_can_be_imported(crm: Crm, tmp_path: Path) -> None:
    crm.run("client", "add", "Acme")
    sheet = tmp_path / "history.csv"
    sheet.write_text(
        "Client,Deal,Stage,Amount,Close date\nAcme,Old licences,Won,900,2025-06-30\n",
        encoding="utf-8",
    )
    crm.run("import", str(sheet))
    text = crm.read("deals/acme-old-licences.md")
    assert "stage: won\nprobability: 100\namount: 900\n" in text
    assert "close: 2025-06-30\n" in text and "closed: 2025-06-30\n" in text
    assert crm.run("check").exit_code == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xef\xbb\xbfName\nK\xf6v\xe1cs\n", "is not UTF-8 although the file starts like it"),
        (b"\xff\xfeN\x00a\x00m", "is not UTF-16 although the file starts like it"),
        (b"Name\nK\xf6v\xe1cs\n", "broken.csv:2: not valid utf-8 text; leave out --encoding"),
    ],
)
def test_text_that_is_not_what_it_says(crm: Crm, tmp_path: Path, data: bytes, message: str) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_bytes(data)
    extra = ["--encoding", "utf-8"] if not data.startswith((b"\xef", b"\xff")) else []
    result = crm.fail("import", str(broken), *extra, code=6)
    assert message in result.stderr


def test_a_stray_byte_in_a_utf8_file_is_located_not_guessed(crm: Crm, tmp_path: Path) -> None:
    """Read as Windows-1252, the whole file's accents would turn to mojibake."""
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(
        "name,city\nKovács Kft,Győr\nÖrs Bt,Pécs\n".encode() + b"Bad \x96 Co,Sopron\n"
    )
    result = crm.fail("import", str(mixed), "--dry-run", code=6)
    assert (
        f"{mixed}:4: byte 0x96 is not UTF-8, although the rest of the file is (a mix of "
        "encodings?); save the file as UTF-8 again, or say its encoding with --encoding"
    ) in result.stderr
    result = crm.run("import", str(mixed), "--encoding", "cp1252", "--dry-run")
    assert "Bad – Co" in result.stdout  # the user's choice


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_large_files_show_progress_on_a_terminal(crm: Crm, tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    sheet = tmp_path / "many.csv"
    sheet.write_text("Name\n" + "".join(f"Client {i}\n" for i in range(250)), encoding="utf-8")
    primary, secondary = os.openpty()
    command = shutil.which("plaincrm") or sys.executable
    args = [command] if shutil.which("plaincrm") else [command, "-m", "plaincrm"]
    done = subprocess.run(
        [*args, "-C", str(crm.root), "import", str(sheet)],
        stdout=subprocess.PIPE,
        stderr=secondary,
        check=True,
    )
    os.close(secondary)
    shown = b""
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(primary)
    assert b"Reading rows" in shown and b"Writing files" in shown
    assert b"Imported: 250 files written" in done.stdout
