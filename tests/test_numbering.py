"""Document numbers: the format, the next number of a series, check, and offline clones."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from gitfixtures import make_team
from hypothesis import given
from hypothesis import strategies as st

from conftest import Crm
from plaincrm.core.errors import EXIT_INVALID, InvalidError
from plaincrm.documents.numbering import (
    Numbered,
    Numbering,
    NumberKey,
    numbering_problems,
    parse_format,
    read_numbering,
    series_setting,
)

FORMAT = parse_format("{series}-{year}-{seq:4}")
PER_PERSON = Numbering("invoice", FORMAT, series={"anna": "A", "ben": "B"})


# ---------------------------------------------------------------- the format


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{series}-{year}", "needs {seq}, the running number"),
        ("{series}{seq}", "put a separator between {series} and {seq}"),
        ("INV-{sequence}", "unknown placeholder {sequence}"),
        ("{seq}-{seq}", "has {seq} twice"),
        ("INV-{seq", "unmatched brace"),
        ("INV}-{seq}", "unmatched brace"),
    ],
)
def test_bad_formats_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InvalidError, match=re.escape(message)):
        parse_format(text)


series_text = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,5}", fullmatch=True)
literal = st.text(alphabet="-/_. #", min_size=1, max_size=3)


@given(
    series=series_text,
    year=st.integers(1900, 2999),
    seq=st.integers(1, 10**7),
    width=st.integers(1, 8),
    separators=st.tuples(literal, literal),
    prefix=st.text(alphabet="ABCXYZ", max_size=3),
)
def test_render_then_parse_gives_back_the_parts(
    series: str, year: int, seq: int, width: int, separators: tuple[str, str], prefix: str
) -> None:
    text = f"{prefix}{{series}}{separators[0]}{{year}}{separators[1]}{{seq:{width}}}"
    number_format = parse_format(text)
    number = number_format.render(series, year, seq)
    assert number == f"{prefix}{series}{separators[0]}{year:04d}{separators[1]}{seq:0{width}d}"
    assert number_format.parse(number) == NumberKey(series, year, seq)


def test_a_series_may_hold_separators_and_digits() -> None:
    assert FORMAT.parse("KT-2-2026-0012") == NumberKey("KT-2", 2026, 12)
    assert parse_format("No. {seq}").parse("No. 0031") == NumberKey("", None, 31)
    assert FORMAT.parse("A-26-0001") is None
    assert FORMAT.parse("nothing like it") is None


# ---------------------------------------------------------------- next numbers


def test_next_number_is_one_more_than_the_highest_of_the_series_and_year() -> None:
    taken = ["A-2026-0001", "A-2026-0007", "B-2026-0042", "A-2025-0099", "hand-typed-12"]
    assert PER_PERSON.next_number("A", 2026, taken) == "A-2026-0008"
    assert PER_PERSON.next_number("B", 2026, taken) == "B-2026-0043"
    assert PER_PERSON.next_number("A", 2027, taken) == "A-2027-0001"
    yearless = Numbering("invoice", parse_format("INV{series}/{seq}"), shared="X")
    assert yearless.next_number("X", 2027, ["INVX/9", "INVX/10"]) == "INVX/11"


@given(st.lists(st.integers(1, 500), max_size=30), st.lists(st.integers(1, 500), max_size=30))
def test_next_number_never_repeats_a_taken_one(mine: list[int], theirs: list[int]) -> None:
    taken = [f"A-2026-{n:04d}" for n in mine] + [f"B-2026-{n:04d}" for n in theirs]
    number = PER_PERSON.next_number("A", 2026, taken)
    assert number not in taken
    assert number == f"A-2026-{max(mine, default=0) + 1:04d}"


def test_series_for_a_user_a_device_or_nobody() -> None:
    assert PER_PERSON.series_for("ben", None) == "B"
    assert PER_PERSON.series_for("ben", "anna") == "A"
    with pytest.raises(InvalidError, match="eva has no invoice number series: add 'eva: PREFIX'"):
        PER_PERSON.series_for("eva", None)
    with pytest.raises(InvalidError, match="PLAINCRM_SERIES=laptop names no invoice series"):
        PER_PERSON.series_for("anna", "laptop")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"series": {"anna": "A", "ben": "A"}}, "'A' is given to both anna and ben"),
        ({"format": "INV-{seq}", "series": {"anna": "A", "ben": "B"}}, "must contain {series}"),
        ({"series": "A B"}, "series 'A B' must be letters"),
        ({"series": []}, "must be one series (INV) or one per person"),
        ({"start": 5}, "unknown setting documents.numbering.invoice.start"),
        ("INV", "must be 'format: ...' and 'series: ...' settings"),
    ],
)
def test_bad_numbering_settings(raw: object, message: str) -> None:
    with pytest.raises(InvalidError, match=re.escape(message)):
        read_numbering("invoice", raw)


def test_new_repositories_get_one_series_per_user() -> None:
    assert series_setting([]) == "INV"
    assert series_setting(["anna", "ben"]) == "{anna: A, ben: B}"
    assert series_setting(["anna", "alex", "ben"]) == "{anna: AN, alex: AL, ben: B}"
    parsed = yaml.safe_load("series: " + series_setting(["al", "alex", "a.l"]))["series"]
    assert len(set(parsed.values())) == 3


# ---------------------------------------------------------------- problems


def _numbered(*rows: tuple[str, str, str | None]) -> list[Numbered]:
    return [Numbered(path, 3, number, day) for path, number, day in rows]


def test_problems_duplicates_gaps_and_dates() -> None:
    docs = _numbered(
        ("d/1.md", "A-2026-0001", "2026-01-05"),
        ("d/2.md", "A-2026-0002", "2026-01-09"),
        ("d/2b.md", "A-2026-002", "2026-01-09"),
        ("d/5.md", "A-2026-0005", "2026-01-08"),
        ("d/b1.md", "B-2026-0001", "2026-01-01"),
        ("d/x.md", "hand", None),
        ("d/y.md", "hand", None),
        ("d/old.md", "A-2025-0100", "2025-12-30"),
    )
    problems = [str(p) for p in numbering_problems(PER_PERSON, docs)]
    assert sorted(problems) == sorted(
        [
            "d/2.md:3: invoice number A-2026-0002 is used twice (also d/2b.md): give one of them "
            "the next free number of its series",
            "d/2b.md:3: invoice number A-2026-002 is used twice (also d/2.md): give one of them "
            "the next free number of its series",
            "d/x.md:3: invoice number hand is used twice (also d/y.md): give one of them the "
            "next free number of its series",
            "d/y.md:3: invoice number hand is used twice (also d/x.md): give one of them the "
            "next free number of its series",
            "d/5.md:3: invoice numbering gap before A-2026-0005: A-2026-0003, A-2026-0004 missing "
            "(cancel invoices instead of deleting them; restore a deleted one from git)",
            "d/5.md:3: invoice A-2026-0005 is dated 2026-01-08, before A-2026-0002 (2026-01-09): "
            "numbers must follow the dates",
        ]
    )


def test_an_astronomic_gap_is_told_without_counting_it_out() -> None:
    """A number typed with eighteen digits leaves a gap of 10**18: listed by its first
    three (check hung listing them all); a longer one follows no format of numbers."""
    huge = "A-2026-" + "9" * 18
    docs = _numbered(
        ("d/1.md", "A-2026-0001", "2026-01-05"),
        ("d/huge.md", huge, "2026-01-06"),
        ("d/longer.md", "A-2026-" + "9" * 5000, "2026-01-07"),
    )
    assert [str(p) for p in numbering_problems(PER_PERSON, docs)] == [
        f"d/huge.md:3: invoice numbering gap before {huge}: A-2026-0002, A-2026-0003, "
        "A-2026-0004 ... missing (cancel invoices instead of deleting them; restore a "
        "deleted one from git)"
    ]


@given(st.sets(st.integers(1, 60), min_size=1, max_size=40))
def test_a_gap_is_reported_exactly_where_numbers_are_missing(present: set[int]) -> None:
    docs = _numbered(*((f"d/{n}.md", f"A-2026-{n:04d}", "2026-01-01") for n in present))
    flagged = {p.path for p in numbering_problems(PER_PERSON, docs)}
    ordered = sorted(present)
    expected = {f"d/{b}.md" for a, b in pairwise(ordered) if b > a + 1}
    assert flagged == expected


# ---------------------------------------------------------------- through the CLI


def _deal(crm: Crm) -> str:
    crm.run("client", "add", "Acme")
    crm.run("deal", "add", "acme", "Machines", "--amount", "100")
    return "acme-machines"


def test_check_flags_duplicates_and_gaps_written_by_hand(crm: Crm) -> None:
    deal = _deal(crm)
    refs = [
        crm.run("doc", "add", "invoice", deal, "--status", "issued").stdout.strip()
        for _ in range(4)
    ]
    assert crm.run("check").exit_code == 0
    paths = [f"documents/{ref}.md" for ref in refs]
    (crm.root / paths[1]).unlink()
    crm.write(paths[3], crm.read(paths[3]).replace("A-2026-0004", "A-2026-0003"))
    out = crm.run("check", ok=False).stdout
    number_line = next(
        n for n, t in enumerate(crm.read(paths[2]).splitlines(), 1) if t.startswith("number:")
    )
    assert (
        f"{paths[2]}:{number_line}: invoice numbering gap before A-2026-0003: A-2026-0002 missing"
    ) in out
    assert (
        f"{paths[2]}:{number_line}: invoice number A-2026-0003 is used twice (also {paths[3]})"
        in (out)
    )
    assert f"{paths[3]}:{number_line}: invoice number A-2026-0003 is used twice" in out


def test_who_has_no_series_cannot_issue(crm: Crm) -> None:
    deal = _deal(crm)
    crm.write("plaincrm.yaml", crm.read("plaincrm.yaml").replace("ben: B", "carl: C"))
    result = crm.run(
        "doc", "add", "invoice", deal, "--status", "issued", env={"PLAINCRM_USER": "ben"}, ok=False
    )
    assert result.exit_code == EXIT_INVALID
    assert "ben has no invoice number series: add 'ben: PREFIX' under" in result.stderr
    result = crm.run(
        "doc", "add", "invoice", deal, "--status", "issued", env={"PLAINCRM_SERIES": "carl"}
    )
    assert result.stdout.strip() == "acme-invoice-c-2026-0001"


def _issue(clone: Crm, deal: str, count: int) -> list[str]:
    return [
        clone.run("doc", "add", "invoice", deal, "--status", "issued").stdout.strip()
        for _ in range(count)
    ]


def _numbers(clone: Crm) -> list[str]:
    docs = json.loads(clone.run("doc", "list", "kind:invoice", "--json").stdout)
    return sorted(d["number"] for d in docs)


def test_two_clones_issuing_offline_never_share_a_number(tmp_path: Path, runner: CliRunner) -> None:
    team = make_team(tmp_path, runner, ("anna", "ben"))
    anna, ben = team["anna"], team["ben"]
    deal = _deal(anna)
    team.sync_all()
    anna_refs = _issue(anna, deal, 3)  # both offline: nobody syncs in between
    ben_refs = _issue(ben, deal, 2)
    team.sync_all()
    expected = ["A-2026-0001", "A-2026-0002", "A-2026-0003", "B-2026-0001", "B-2026-0002"]
    for clone in (anna, ben):
        assert _numbers(clone) == expected
        assert clone.run("check").exit_code == 0
        assert sorted(p.stem for p in (clone.root / "documents").glob("*.md")) == sorted(
            anna_refs + ben_refs
        )
    assert _issue(ben, deal, 1) == ["acme-invoice-b-2026-0003"]


def test_one_shared_series_offline_collides_and_check_says_so(
    tmp_path: Path, runner: CliRunner
) -> None:
    team = make_team(tmp_path, runner, ("anna", "ben"))
    anna, ben = team["anna"], team["ben"]
    text = anna.read("plaincrm.yaml").replace("series: {anna: A, ben: B}", "series: INV")
    anna.write("plaincrm.yaml", text)
    deal = _deal(anna)
    team.sync_all()
    _issue(anna, deal, 1)
    _issue(ben, deal, 1)
    anna.sync()
    # the second to sync gets the duplicate in the merge: sync refuses to push it
    refused = ben.fail("sync", code=6)
    assert "invoice number INV-2026-0001 is used twice" in refused.stderr
    assert "nothing was pushed" in refused.stderr
    assert _numbers(ben) == ["INV-2026-0001", "INV-2026-0001"]
    out = ben.run("check", ok=False).stdout
    assert out.count("invoice number INV-2026-0001 is used twice") == 2
