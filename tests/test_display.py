"""What commands show: warnings about tasks they show, titles, tables, numbers, plurals."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.cli.output import table

BAD_TASKS = """---
name: Acme Ltd
owner: anna
---

## Tasks

- [ ] Send the price list due:2026-13-01 id:aa1111
- [ ] Call Peter due:monday
- [ ] Visit at:25:00 due:2026-11-27 id:aa2222
- [ ] Fine one due:2026-11-27 id:aa3333
"""


def test_tasks_with_unreadable_tokens_are_warned_about_once_per_file(crm: Crm) -> None:
    crm.write("clients/acme-ltd.md", BAD_TASKS)
    listed = crm.run("task", "list")
    assert "Send the price list" in listed.stdout and "Call Peter" in listed.stdout
    assert listed.stderr == (
        "warning: clients/acme-ltd.md:8: due:2026-13-01 is not a date (use YYYY-MM-DD); "
        "the task is shown without it (2 more in this file: see 'plaincrm check')\n"
    )
    shown = crm.run("client", "show", "acme")
    assert shown.stderr.count("warning: clients/acme-ltd.md:8: due:2026-13-01") == 1
    today = crm.run("today")
    assert "Visit" in today.stdout
    assert today.stderr == (
        "warning: clients/acme-ltd.md:10: at:25:00 is not a time (use HH:MM); "
        "the task is shown without it\n"
    )
    crm.write("clients/acme-ltd.md", BAD_TASKS.replace(" at:25:00", ""))
    today = crm.run("today")  # the tasks today shows are fine; two are in no day at all
    assert today.stderr == (
        "warning: clients/acme-ltd.md:8: due:2026-13-01 is not a date (use YYYY-MM-DD); "
        "the task is in no day's agenda\n"
    )
    crm.run("deal", "add", "acme-ltd", "Machines")
    deal = "deals/acme-ltd-machines.md"
    crm.write(
        deal, crm.read(deal).replace("## Tasks\n", "## Tasks\n\n- [ ] Follow up due:tomorrow\n")
    )
    shown = crm.run("deal", "show", "acme-ltd-machines")
    assert f"warning: {deal}:" in shown.stderr and "due:tomorrow is not a date" in shown.stderr
    assert crm.run("task", "list", "--json").stderr.count("warning:") == 2


# ---------------------------------------------------------------- titles, not file names


@pytest.fixture
def demo(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """The demo CRM (its dates moved to the pinned today); you are anna."""
    root = tmp_path / "demo"
    assert runner.invoke(cli, ["demo", str(root)]).exit_code == 0
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


def test_documents_show_their_title_not_their_file_name(demo: Crm) -> None:
    deal = demo.run("deal", "show", "danube-hotels-2027").stdout
    documents = deal.split("Documents\n")[1].split("\n\n")[0]
    assert "2027 framework offer" in documents and "2027 framework agreement" in documents
    for line in documents.splitlines():  # the REF column names the file, and only it
        ref = line.split()[0]
        assert line.count(ref) == 1, line
    assert "[2027 framework offer]" in deal and "[quote danube-hotels-quote" not in deal
    invoice = demo.run("doc", "show", "cafe-aurora-invoice").stdout
    related = invoice.split("Related documents\n")[1].split("\n\n")[0]
    assert "Grinder service contract 2027  contract" in related
    assert related.count("cafe-aurora-contract-") == 1
    payments = invoice.split("Payments\n")[1]
    assert "Payment of invoice A-2026-0001" in payments
    listed = demo.run("doc", "list").stdout
    assert listed.splitlines()[0].split()[:3] == ["REF", "TITLE", "KIND"]
    assert "Invoice for Grinder service contract 2027" in listed
    campaign = demo.run("campaign", "show", "autumn").stdout
    assert "-> deal Office bean subscription" in campaign
    assert "lumen-coworking-office-bean-subscription" not in campaign
    report = demo.run("report", "campaigns").stdout
    assert "Autumn office coffee offer" in report and "autumn-office-coffee-offer" not in report
    competitors = demo.run("report", "competitors").stdout
    assert "István Farkas — Home barista set: Ordered online" in competitors
    assert "istvan-farkas-home-barista-set" not in competitors
    lumen = demo.run("deal", "show", "lumen-coworking-office").stdout
    assert "source       Autumn office coffee offer (campaigns/autumn-office-coffee-offer)" in lumen


def test_deal_show_history_has_the_result_notes_client_show_prints(demo: Crm) -> None:
    note = "Tasting for the F&B team on 3 December, two blends and the decaf."
    assert note in demo.run("client", "show", "danube-hotels").stdout
    deal = demo.run("deal", "show", "danube-hotels-2027").stdout
    history = deal.split("History")[1]
    assert f"done: Agree the tasting date with Katalin\n              {note}\n" in history


def test_tasks_on_a_deal_are_labelled_with_its_client(demo: Crm) -> None:
    label = "Danube Hotels Zrt. — 2027 framework with machine lease"
    assert label in demo.run("task", "list").stdout
    demo.run("task", "move", "dn5k7w", "--due", "today")
    assert label in demo.run("today").stdout
    demo.run("task", "move", "dn5k7w", "--due", "2026-11-30")
    assert label in demo.run("plan", "2026-11-30").stdout
    tasks = json.loads(demo.run("task", "list", "--json").stdout)
    assert {t["record_title"] for t in tasks if t["id"] == "dn5k7w"} == {
        "2027 framework with machine lease"  # JSON keeps its shape: the record's own title
    }


# ---------------------------------------------------------------- tables, numbers, plurals

LONG = "Send the signed lease-to-own contract for fourteen machines to the board"


def _wide(crm: Crm) -> str:
    crm.run("client", "add", "Danube Hotels Zrt. and Partners International Holding")
    crm.run("deal", "add", "danube", "Compact automatic machines for all four hotels")
    return crm.run("task", "add", "danube-hotels-zrt-and-partners-international-holding-compact",
                   LONG, "--due", "today").stdout.strip()  # fmt: skip


def _through_a_terminal(
    crm: Crm, columns: int, *args: str, env: dict[str, str] | None = None
) -> str:
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable,
        ["-m", "plaincrm", "-C", str(crm.root), *args],
        encoding="utf-8",
        timeout=30,
        dimensions=(40, columns),
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    return str(child.before).replace("\r\n", "\n")


def test_tables_fit_the_terminal_and_never_cut_ids_or_dates(crm: Crm) -> None:
    task = _wide(crm)
    os.environ.pop("COLUMNS", None)
    for args in (("task", "list"), ("today",)):
        out = _through_a_terminal(crm, 80, *args)
        lines = [line for line in out.splitlines() if line.strip()]
        assert max(len(line) for line in lines) <= 80, out
        assert "…" in out and LONG not in out
    listed = _through_a_terminal(crm, 80, "task", "list")
    row = next(line for line in listed.splitlines() if line.startswith(task))
    assert row.split()[1] == "2026-11-27"  # the id and the date whole
    assert "Send the signed leas…" in row  # the text is cut at its end
    deals = _through_a_terminal(crm, 80, "deal", "list")  # the REF alone is 60 wide
    ref = "danube-hotels-zrt-and-partners-international-holding-compact"
    assert f"{ref}  Compact aut…  Danube Hote…  lead" in deals  # cut to the minimum, REF whole
    narrow = _through_a_terminal(crm, 100, "task", "list", env={"COLUMNS": "70"})
    assert max(len(line) for line in narrow.splitlines()) <= 70, narrow


def test_off_a_terminal_tables_are_full_width_whatever_columns_says(crm: Crm) -> None:
    _wide(crm)
    out = crm.run("task", "list", env={"COLUMNS": "60"}).stdout
    assert LONG in out and "Danube Hotels Zrt. and Partners International Holding — " in out
    assert "…" not in out


def test_the_widest_text_column_is_cut_first_and_no_other() -> None:
    rows = [["k3x9mw", "2026-11-27", "A" * 50, "B" * 20, "1,200 EUR"]]
    text = table(rows, ["ID", "DUE", "TITLE", "RECORD", "AMOUNT"], fit=[2, 3], limit=90)
    line = text.splitlines()[1]
    assert len(line) == 90 and line.startswith("k3x9mw  2026-11-27  ")
    assert line.endswith("1,200 EUR")
    assert "B" * 20 in line and "A" * 36 + "…" in line  # only the widest shortened
    tight = table(rows, ["ID", "DUE", "TITLE", "RECORD", "AMOUNT"], fit=[2, 3], limit=50)
    assert tight.splitlines()[1] == "k3x9mw  2026-11-27  AAAAAAAAAAA…  BBBBBBBBBBB…  1,200 EUR"
    assert table(rows, fit=[2, 3], limit=None) == "  ".join(rows[0])


def test_plurals_and_numbers_are_said_one_way(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme-ltd", "Machines", "--amount", "4200")
    assert crm.run("deal", "list").stderr.startswith("1 deal: 4,200 EUR")
    assert "1 deal   4,200 EUR" in crm.run("pipeline").stdout
    won = crm.run("deal", "win", "acme-ltd-machines", "--amount", "4000").stdout
    assert won == "acme-ltd-machines: won at lead (4,000 EUR)\n"
    assert "won at lead (4000 EUR)" in crm.read("deals/acme-ltd-machines.md")  # the grammar
    assert crm.run("check").stderr == "OK: 2 records, no problems.\n"
    crm.run("client", "add", "Other", env={"PLAINCRM_USER": "anna"})
    activity = crm.run("activity").stdout
    assert activity.rstrip().splitlines()[-1].startswith("1 person: 3 created, 1 won"), activity
    stages = crm.run("report", "stages").stdout
    days = [line.split()[-1] for line in stages.splitlines() if line.startswith(("lead", "qual"))]
    assert all(d == "-" or d.count(".") == 1 for d in days), stages
    assert "(win rate 100.0%)" in stages
    assert "people" not in activity and "(s)" not in crm.run("deal", "list").stderr


def test_plaincrm_alone_prints_the_help_and_succeeds(
    runner: CliRunner, console: Callable[..., str]
) -> None:
    result = runner.invoke(cli, [], prog_name="plaincrm")
    assert result.exit_code == 0 and result.stdout.startswith("Usage: plaincrm")
    assert "Commands:" in result.stdout and result.stderr == ""
    assert runner.invoke(cli, ["deal"]).exit_code == 0
    assert console().startswith("Usage: plaincrm")
