"""REFs of names in any script (issue 11, item 8): Latin letters lose their accents,
Cyrillic and Greek are spelled in Latin letters, and the scripts with no one Latin
spelling (Chinese, Japanese, Korean, Arabic, Hebrew, Devanagari ...) keep their
letters, so a REF is meaningful and typed as the name is (never ``record-2``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import make_team

from conftest import Crm
from plaincrm.core.ids import SLUG_RE, slugify


@pytest.mark.parametrize(
    ("name", "ref"),
    [
        ("Kovács és Társa Kft.", "kovacs-es-tarsa-kft"),
        ("Łódź Sp. z o.o.", "lodz-sp-z-o-o"),
        ("Straße & Ærø", "strasse-aero"),
        ("İstanbul Kahve", "istanbul-kahve"),
        ("Достоевский и сыновья", "dostoevskiy-i-synovya"),
        ("ООО «Щука»", "ooo-shchuka"),
        ("Київ Їжак", "kiyiv-yizhak"),
        ("Ђорђе Јовановић", "djordje-jovanovic"),
        ("Αθηνά Καφέ", "athina-kafe"),
        ("Ουζερί του Νίκου", "ouzeri-tou-nikou"),
        ("東京コーヒー", "東京コーヒー"),
        ("北京 咖啡 (总店)", "北京-咖啡-总店"),
        ("서울 커피", "서울-커피"),
        ("हिन्दी कंपनी", "हिन्दी-कंपनी"),
        ("שלום קפה", "שלום-קפה"),
        ("Ｆｕｌｌｗｉｄｔｈ ①", "fullwidth-1"),
        ("☕ ☕", "record"),
    ],
)
def test_a_name_in_any_script_gets_a_meaningful_ref(name: str, ref: str) -> None:
    assert slugify(name) == ref
    assert ref == "record" or SLUG_RE.match(ref)


def test_refs_of_non_latin_names_through_the_commands(crm: Crm) -> None:
    for name in ("Достоевский и сыновья", "Αθηνά Καφέ", "東京コーヒー", "東京コーヒー"):
        crm.run("client", "add", name)
    assert sorted(p.name for p in (crm.root / "clients").glob("*.md")) == [
        "athina-kafe.md",
        "dostoevskiy-i-synovya.md",
        "東京コーヒー-2.md",
        "東京コーヒー.md",
    ]
    # the name as typed in its script finds the REF: spelled in Latin letters, or as it is
    assert "Достоевский и сыновья" in crm.run("client", "show", "Достоевский").stdout
    assert "Αθηνά Καφέ" in crm.run("client", "show", "Αθηνά").stdout
    crm.run("task", "add", "東京コーヒー", "電話する", "--due", "tomorrow")
    result = crm.fail("task", "add", "東京", "Call", code=4)
    assert "clients/東京コーヒー-2" in result.stderr and "clients/東京コーヒー " in result.stderr
    assert "電話する" in crm.run("client", "show", "東京コーヒー").stdout
    crm.run("deal", "add", "東京コーヒー-2", "Espresso machines", "--amount", "1000")
    crm.run("campaign", "add", "Winter", "--audience", "+nobody")
    crm.run("campaign", "respond", "winter", "東京コーヒー-2", "--note", "Interested")
    assert crm.run("check").exit_code == 0
    assert crm.clean()


def test_a_non_latin_ref_travels_through_sync(tmp_path: Path, runner: CliRunner) -> None:
    team = make_team(tmp_path, runner, ("anna", "ben"))
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "東京コーヒー")
    anna.sync()
    ben.sync()
    ben.run("task", "add", "東京", "Call", "--due", "tomorrow")
    ben.sync()
    anna.sync()
    assert "Call" in anna.run("client", "show", "東京コーヒー").stdout
    assert "東京コーヒー" in anna.run("history", "東京コーヒー").stdout
