"""One bad value never stops a command (issue 11, item 4).

A value that cannot be used (a duration, amount, number, date, time or id too
large or out of the calendar) is refused where it is typed, is a ``check``
problem at its line when a file holds it, and is read as missing everywhere
else; YAML aliases are bounded before they are expanded.  Whatever a record file
holds, every other command goes on.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import make_team

from conftest import Crm, git

HUGE_DUR = "99999999999999999999h"
BILLION_LAUGHS = "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10)
).replace("*l0", "lol")


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme-ltd", "Call Anna", "--due", "today", "--at", "10:00")
    return crm


def add_line(crm: Crm, path: str, line: str) -> None:
    """A task line typed by hand at the end of the record's ## Tasks (the last section)."""
    text = crm.read(path).rstrip("\n")
    if "## Tasks" not in text:
        text += "\n\n## Tasks\n"
    crm.write(path, text + "\n" + line + "\n")


def test_a_duration_too_long_is_refused_on_the_command_line_and_nothing_is_written(
    acme: Crm,
) -> None:
    before, commits = acme.read("clients/acme-ltd.md"), acme.commits()
    for dur in (HUGE_DUR, "25h"):
        result = acme.fail("task", "add", "acme-ltd", "Long one", "--dur", dur, code=2)
        assert f"'{dur}' is too long (at most 24h)" in result.stderr
    assert acme.read("clients/acme-ltd.md") == before and acme.commits() == commits
    assert acme.clean()
    acme.run("task", "add", "acme-ltd", "A whole day", "--dur", "24h")


def test_a_duration_too_long_in_a_file_is_a_check_problem_and_read_as_missing(
    acme: Crm,
) -> None:
    add_line(acme, "clients/acme-ltd.md", f"- [ ] Endless due:2026-11-27 dur:{HUGE_DUR} id:endles")
    result = acme.run("check", ok=False)
    assert result.exit_code == 1
    assert f"clients/acme-ltd.md:11: dur:{HUGE_DUR} is too long (at most 24h)" in result.stdout
    today = acme.run("today", "--json")  # every other command goes on
    assert '"id": "endles"' in today.stdout and '"dur": null' in today.stdout
    for args in (("today",), ("plan", "today"), ("task", "list"), ("client", "show", "acme")):
        acme.run(*args)
    acme.run("calendar", "-o", str(acme.root.parent / "tasks.ics"))
    acme.run("export", "--type", "task", "-o", str(acme.root.parent / "tasks.csv"))
    acme.run("task", "done", "endles", "--no-note")  # the task itself can be finished


def test_an_import_refuses_the_duration_and_writes_nothing(acme: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "tasks.csv"
    sheet.write_text(
        f"Client,Task,Due,Duration\nacme-ltd,Endless,2026-11-30,{HUGE_DUR}\n", encoding="utf-8"
    )
    commits = acme.commits()
    result = acme.fail("import", str(sheet), code=6)
    assert f"'{HUGE_DUR}' is too long (at most 24h)" in result.stdout + result.stderr
    assert acme.commits() == commits and acme.clean()


def test_a_teammates_bad_value_comes_in_by_sync_and_stops_nothing(
    tmp_path: Path, runner: CliRunner
) -> None:
    team = make_team(tmp_path, runner, ("anna", "ben"))
    anna, ben = team["anna"], team["ben"]
    anna.run("client", "add", "Acme Ltd")
    anna.sync()
    ben.sync()
    # anna's file gets a value no command would write, committed past the hook
    add_line(anna, "clients/acme-ltd.md", f"- [ ] Endless due:2026-11-27 dur:{HUGE_DUR}")
    git(anna.root, "commit", "-q", "--no-verify", "-am", "hand edit")
    git(anna.root, "push", "-q", "origin", "main")
    ben.sync()
    assert "Endless" in ben.read("clients/acme-ltd.md")
    for clone in (anna, ben):
        clone.run("today", "--all")
        clone.run("task", "list", "--all")
        clone.run("task", "add", "acme-ltd", "Next step", "--due", "tomorrow")
        result = clone.run("check", ok=False)
        assert result.exit_code == 1 and "is too long (at most 24h)" in result.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("&x [*x]", "an alias (*name) refers to the value that holds it"),
        ("[" * 300 + "]" * 300, "the front matter nests deeper than 100 levels"),
    ],
)
def test_yaml_aliases_and_nesting_are_a_problem_of_the_file_only(
    acme: Crm, value: str, message: str
) -> None:
    acme.run("client", "add", "Bolt")
    acme.write("clients/bolt.md", f"---\nname: Bolt\nx: {value}\n---\n")
    result = acme.run("check", ok=False)
    assert result.exit_code == 1
    assert f"clients/bolt.md:3: {message}" in result.stdout
    today = acme.run("today")
    assert "Call Anna" in today.stdout and "clients/bolt.md:3" in today.stderr
    acme.run("client", "list")
    acme.fail("task", "add", "bolt", "Call", code=6)


def test_a_billion_laughs_is_refused_before_it_is_expanded(acme: Crm) -> None:
    """Nine lines whose aliases expand to a billion values: refused, not expanded."""
    acme.write("clients/laughs.md", f"---\nname: Laughs\n{BILLION_LAUGHS}---\n")
    result = acme.run("check", ok=False)
    assert "clients/laughs.md:2: aliases (*name) repeat " in result.stdout
    assert "values, more than 10000: write the values out" in result.stdout
    acme.run("today")
    # aliases that repeat a little are fine: they are the value they name
    acme.write("clients/anchor.md", "---\nname: Anchor\nbase: &b {city: Pécs}\nbranch: *b\n---\n")
    assert "clients/anchor.md" not in acme.run("check", ok=False).stdout


def test_nesting_deep_enough_to_crash_yaml_is_refused(acme: Crm) -> None:
    """100,000 brackets crash libyaml (a segfault, which no handler catches): the depth is
    measured before YAML reads the text.  In a process of its own, so a crash fails only
    this test."""
    deep = "[" * 100_000 + "]" * 100_000
    acme.write("clients/deep.md", f"---\nname: Deep\nx: {deep}\n---\n")
    result = subprocess.run(
        [sys.executable, "-m", "plaincrm", "-C", str(acme.root), "check"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "clients/deep.md:3: the front matter nests deeper than 100 levels" in result.stdout


def test_brackets_in_a_quoted_value_are_text_not_nesting(acme: Crm) -> None:
    """``client set --field note=[[[...`` writes the value quoted: its brackets are text.
    The nesting measure counted them, and the check of the text set wrote was a
    ParseFailure nobody caught (exit 70)."""
    brackets = "[" * 300
    acme.run("client", "set", "acme-ltd", "--field", f"note={brackets}")
    assert f'note: "{brackets}"' in acme.read("clients/acme-ltd.md")
    assert acme.run("check").exit_code == 0
    shown = json.loads(acme.run("client", "show", "acme-ltd", "--json").stdout)
    assert shown["client"]["note"] == brackets
    acme.write("clients/hand.md", f"---\nname: Hand\nnote: '{brackets}]]'\n---\n")
    assert acme.run("check").exit_code == 0


@pytest.mark.parametrize("char", ["\x94", "\x7f", "\x9f"])
def test_a_control_character_set_is_written_as_an_escape(acme: Crm, char: str) -> None:
    """A C1 control (a \x94 pasted from a Windows text) is no character a YAML file may
    hold: ``set`` wrote it as it was and its own read-back refused the file (exit 70)."""
    value = f"fair{char}2026"
    acme.run("client", "set", "acme-ltd", "--field", f"source={value}")
    assert f'source: "fair\\u{ord(char):04x}2026"' in acme.read("clients/acme-ltd.md")
    shown = json.loads(acme.run("client", "show", "acme-ltd", "--json").stdout)
    assert shown["client"]["source"] == value
    assert acme.run("check").exit_code == 0


def test_a_control_character_in_the_front_matter_makes_the_file_unreadable(acme: Crm) -> None:
    """YAML allows no control character: the line scanner read ``competitor: x\x04y``
    while the YAML that edits the file refused it, so ``deal reopen`` failed with an
    internal error (exit 70, found by the fuzz).  Now every reader refuses it at its line."""
    acme.run("deal", "add", "acme-ltd", "Machines")
    acme.run("deal", "lose", "acme-ltd-machines", "--reason", "price")
    path = "deals/acme-ltd-machines.md"
    acme.write(path, acme.read(path).replace("lost_reason:", "competitor: x\x04y\nlost_reason:"))
    line = acme.read(path).split("\n").index("competitor: x\x04y") + 1
    message = f"{path}:{line}: a control character (U+0004) is not allowed in the front matter"
    assert message in acme.run("check", ok=False).stdout
    result = acme.run("deal", "reopen", "acme-ltd-machines", "--force", ok=False)
    assert result.exit_code == 6 and message in result.stderr
    assert "Machines" not in acme.run("deal", "list").stdout  # skipped with a warning
    assert "Call Anna" in acme.run("today").stdout


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("created", "0001-01-01", "created: '0001-01-01' is out of range"),
        ("created", "9999-12-31", "created: '9999-12-31' is out of range"),
    ],
)
def test_a_date_out_of_range_in_a_file_is_a_problem_and_read_as_missing(
    acme: Crm, field: str, value: str, message: str
) -> None:
    text = acme.read("clients/acme-ltd.md")
    acme.write("clients/acme-ltd.md", re.sub(f"(?m)^{field}: .*$", f"{field}: {value}", text))
    assert message in acme.run("check", ok=False).stdout
    acme.run("client", "list", "created.before:today")


def test_dates_out_of_range_on_tasks_and_in_deals_stop_nothing(acme: Crm) -> None:
    add_line(acme, "clients/acme-ltd.md", "- [ ] Ancient due:0001-01-01 id:ancien")
    add_line(acme, "clients/acme-ltd.md", "- [x] Future due:2026-11-01 done:9999-12-31 id:futurx")
    acme.run("deal", "add", "acme-ltd", "Big deal", "--amount", "100", "--close", "+1m")
    deal = "deals/acme-ltd-big-deal.md"
    acme.write(deal, acme.read(deal).replace("close: ", "close: 9999-12-31\nx: "))
    result = acme.run("check", ok=False)
    assert "clients/acme-ltd.md:11: due:0001-01-01 is out of range" in result.stdout
    assert "clients/acme-ltd.md:12: done:9999-12-31 is out of range" in result.stdout
    assert f"{deal}:" in result.stdout and "close: '9999-12-31' is out of range" in result.stdout
    for args in (
        ("today", "--all"),
        ("plan", "--all"),
        ("task", "list", "--all", "--done"),
        ("pipeline",),
        ("forecast", "--by", "quarter"),
        ("deal", "list"),
        ("history", "acme-ltd"),
        ("calendar", "-o", str(acme.root.parent / "t.ics")),
    ):
        acme.run(*args)


def test_a_number_too_large_in_settings_digits_of_other_scripts(acme: Crm) -> None:
    """Digits that are not 0-9 (² ١) are no number: a settings problem, not a crash."""
    settings = acme.read("plaincrm.yaml").replace("payment_days: 14", "payment_days: ²")
    acme.write("plaincrm.yaml", settings)
    result = acme.run("check", ok=False)
    assert "documents.payment_days must be a whole number of days" in result.stdout
    add_line(acme, "clients/acme-ltd.md", "- [ ] Superscript dur:² id:supers")
    assert "clients/acme-ltd.md:11: dur:² is not a duration" in acme.run("check", ok=False).stdout
