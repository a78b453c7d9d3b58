"""vCards: clients out to phones and address books, and address books in."""

from __future__ import annotations

import json
from pathlib import Path

import vobject
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli

DATA = Path(__file__).parent / "data"


def client_json(crm: Crm, ref: str) -> dict:
    data = json.loads(crm.run("client", "show", ref, "--json").stdout)["client"]
    return {k: v for k, v in data.items() if k not in ("path", "created", "owner")}


def fresh_crm(tmp_path: Path, name: str) -> Crm:
    root = tmp_path / name
    assert CliRunner().invoke(cli, ["init", str(root), "--user", "anna"]).exit_code == 0
    return Crm(root, CliRunner())


def test_address_book_from_a_phone(crm: Crm) -> None:
    result = crm.run("import", str(DATA / "phone-contacts.vcf"))
    assert "vCard file, 4 cards" in result.stdout
    kovacs = crm.read("clients/kovacs-es-tarsa-kft.md")
    assert kovacs.split("---\n")[1] == (
        "name: Kovács és Társa Kft.\n"
        "kind: company\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "contacts:\n"
        "  - name: Kovács Anna\n"
        "    role: ügyvezető\n"
        "    email: anna@kovacs-tarsa.hu\n"
        '    phone: "+36 30 111 2222"\n'
        "  - name: Nagy Péter\n"
        "    email: peter.nagy@kovacs-tarsa.hu\n"
    )
    dvorak = crm.read("clients/dvorak-a-syn-s-r-o.md").split("---\n")[1]
    assert dvorak == (
        "name: Dvořák a syn s.r.o.\n"
        "kind: company\n"
        "email: info@dvorak.cz\n"
        'phone: "+420-602-123-456"\n'
        "address: Masarykova 12\n"
        "city: Brno\n"
        "country: Czech Republic\n"
        "website: https://dvorak.example\n"
        "tags: [velkoobchod, vip]\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
    )
    zoe = crm.read("clients/zoe-nunez-szoke.md")
    assert "name: Zoë Núñez-Szőke\nkind: person\nemail: zoe@example.com\n" in zoe
    # the same address book again: nothing new, nothing duplicated
    result = crm.run("import", str(DATA / "phone-contacts.vcf"))
    assert "0 to create, 0 to update, 0 skipped, 3 unchanged." in result.stdout


def test_export_parses_with_vobject_and_keeps_accents(crm: Crm) -> None:
    crm.run("import", str(DATA / "phone-contacts.vcf"))
    text = crm.run("export", "--format", "vcard").stdout
    cards = list(vobject.readComponents(text))
    names = sorted(card.fn.value for card in cards)
    assert names == [
        "Dvořák a syn s.r.o.",
        "Kovács Anna",
        "Kovács és Társa Kft.",
        "Nagy Péter",
        "Zoë Núñez-Szőke",
    ]
    anna = next(card for card in cards if card.fn.value == "Kovács Anna")
    assert anna.org.value == ["Kovács és Társa Kft."]
    assert anna.title.value == "ügyvezető"
    assert anna.email.value == "anna@kovacs-tarsa.hu"
    company = next(card for card in cards if card.fn.value == "Dvořák a syn s.r.o.")
    assert company.x_abshowas.value == "COMPANY"
    assert company.categories.value == ["velkoobchod", "vip"]
    assert company.adr.value.city == "Brno"
    assert all(card.version.value == "3.0" for card in cards)
    assert len({card.uid.value for card in cards}) == len(cards)


def test_vcf_round_trip_between_crms(crm: Crm, tmp_path: Path) -> None:
    crm.run("import", str(DATA / "phone-contacts.vcf"))
    crm.run("client", "add", "Bolt s.r.o.", "--phone", "+420 777 1", "--tag", "x")
    out = tmp_path / "contacts.vcf"
    crm.run("export", "--format", "vcard", "-o", str(out))
    # back into the same CRM: every card finds its client again
    result = crm.run("import", str(out))
    assert "0 to create, 0 to update, 0 skipped, 4 unchanged." in result.stdout
    # into another CRM: the same clients with the same details
    other = fresh_crm(tmp_path, "other")
    other.run("import", str(out))
    refs = ["bolt-s-r-o", "dvorak-a-syn-s-r-o", "kovacs-es-tarsa-kft", "zoe-nunez-szoke"]
    assert sorted(p.stem for p in (other.root / "clients").glob("*.md")) == refs
    for ref in refs:
        assert client_json(other, ref) == client_json(crm, ref)


def test_not_a_vcard(crm: Crm, tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.vcf"
    garbage.write_text("hello\n", encoding="utf-8")
    result = crm.fail("import", str(garbage), code=6)
    assert "garbage.vcf: not a valid vCard file (At line 1: Failed to parse line" in result.stderr
    empty = tmp_path / "empty.vcf"
    empty.write_text("", encoding="utf-8")
    result = crm.fail("import", str(empty), code=6)
    assert "empty.vcf holds no vCards (BEGIN:VCARD ... END:VCARD)" in result.stderr
    result = crm.fail("import", str(DATA / "phone-contacts.vcf"), "--type", "deal", code=6)
    assert "import it with --type client" in result.stderr


def test_vcard_encoding_is_found_as_a_csv_files_is(crm: Crm, tmp_path: Path) -> None:
    """A Windows-1250 address book keeps its ő and ű; --encoding is honoured."""
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Kőműves Ödön\r\nEND:VCARD\r\n"
    hungarian = tmp_path / "hu.vcf"
    hungarian.write_bytes(card.encode("cp1250"))
    result = crm.run("import", str(hungarian), "--dry-run")
    assert "Kőműves Ödön" in result.stdout
    result = crm.fail("import", str(hungarian), "--encoding", "utf-8", code=6)
    assert f"{hungarian}:3: not valid utf-8 text; leave out --encoding to detect it" in (
        result.stderr
    )
    result = crm.run("import", str(hungarian), "--encoding", "cp1252", "--dry-run")
    assert "Kõmûves Ödön" in result.stdout  # what the user asked for
    result = crm.fail("import", str(tmp_path / "missing.vcf"), code=2)
    assert f"{tmp_path / 'missing.vcf'}: no such file" in result.stderr


def test_a_byte_order_mark_is_no_part_of_the_text_with_encoding_given(
    crm: Crm, tmp_path: Path
) -> None:
    card = tmp_path / "bom.vcf"
    card.write_bytes(b"\xef\xbb\xbfBEGIN:VCARD\r\nVERSION:3.0\r\nFN:J\xc3\xb3zsef\r\nEND:VCARD\r\n")
    assert "József" in crm.run("import", str(card), "--encoding", "utf-8", "--dry-run").stdout
    sheet = tmp_path / "bom.csv"
    sheet.write_bytes("\ufeffName,City\nJózsef Kft,Győr\n".encode())
    result = crm.run("import", str(sheet), "--encoding", "utf-8", "--dry-run")
    assert "József Kft" in result.stdout and "A 'Name' -> name" in result.stdout
