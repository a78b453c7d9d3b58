"""Campaigns through the installed command: audience, mailing list, responses, ROI."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Crm, git
from plaincrm.core.errors import EXIT_CONFLICT, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_USAGE
from plaincrm.core.records import one_line
from plaincrm.marketing.campaigns import Response, parse_response

CAMPAIGN = "campaigns/winter-grinder-offer.md"

AURORA = """\
---
name: Café Aurora Kft.
email: hello@cafe-aurora.example
phone: "+36 1 555 0142"
address: Király utca 12, 1061 Budapest
city: Budapest
country: HU
tags: [horeca, vip]
owner: anna
contacts:
  - name: Zsófia Varga
    role: owner
    email: zsofia@cafe-aurora.example
---

Three cafés.
"""

BOLT = """\
---
name: "@Bolt Bistro"
city: Budapest
tags: [horeca]
contacts:
  - name: Bence Tóth
    phone: "+36 30 555 7788"
---
"""


def _clients(crm: Crm) -> None:
    crm.write("clients/cafe-aurora.md", AURORA)
    crm.write("clients/bolt-bistro.md", BOLT)
    crm.run("client", "add", "Nordic Design", "--tag", "design")
    crm.git("add", "clients")
    crm.git("commit", "-qm", "clients")


def _campaign(crm: Crm, *extra: str) -> None:
    crm.run(
        "campaign", "add", "Winter grinder offer", "--audience", "+horeca city:Budapest",
        "--channel", "email", "--budget", "500", "--cost", "400", "--expected-revenue", "8000",
        "--start", "2026-11-02", "--end", "2026-11-30", "--offer", "10% off Mazzer grinders.",
        *extra,
    )  # fmt: skip


def _front(text: str) -> dict[str, str]:
    front = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)


def test_campaign_add_writes_the_record(crm: Crm) -> None:
    _clients(crm)
    _campaign(crm)
    assert crm.commits()[0] == f"campaign add: Winter grinder offer ({CAMPAIGN})"
    assert crm.last_commit_files() == [CAMPAIGN]
    assert crm.read(CAMPAIGN) == (
        "---\n"
        "name: Winter grinder offer\n"
        "channel: email\n"
        'audience: "+horeca city:Budapest"\n'
        "start: 2026-11-02\n"
        "end: 2026-11-30\n"
        "budget: 500\n"
        "cost: 400\n"
        "currency: EUR\n"
        "expected_revenue: 8000\n"
        "owner: anna\n"
        "---\n\n"
        "10% off Mazzer grinders.\n\n"
        "## Responses\n\n"
        "## Tasks\n"
    )
    assert crm.run("check").exit_code == 0


def test_the_mailing_list_as_csv(crm: Crm, tmp_path: Path) -> None:
    _clients(crm)
    _campaign(crm)
    shown = crm.run("campaign", "audience", "winter").stdout
    assert "cafe-aurora" in shown and "bolt-bistro" in shown and "nordic" not in shown
    out = tmp_path / "mailing.csv"
    result = crm.run("campaign", "audience", "winter", "--csv", str(out))
    assert "Wrote 2 clients" in result.stderr
    assert "(1 without email)" in result.stderr
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    by_ref = {row["ref"]: row for row in rows}
    assert list(by_ref) == ["bolt-bistro", "cafe-aurora"]
    assert by_ref["cafe-aurora"] == {
        "ref": "cafe-aurora",
        "name": "Café Aurora Kft.",
        "contact": "Zsófia Varga",
        "contact_role": "owner",
        "email": "hello@cafe-aurora.example",
        "contact_email": "zsofia@cafe-aurora.example",
        "phone": "'+36 1 555 0142",
        "contact_phone": "",
        "address": "Király utca 12, 1061 Budapest",
        "city": "Budapest",
        "country": "HU",
        "owner": "anna",
        "tags": "horeca, vip",
    }
    bolt = by_ref["bolt-bistro"]
    assert bolt["name"] == "'@Bolt Bistro"  # a spreadsheet would run it as a formula
    assert bolt["phone"] == bolt["contact_phone"] == "'+36 30 555 7788"  # the contact's
    assert bolt["email"] == ""
    excel = crm.run("campaign", "audience", "winter", "--csv", "-", "--excel").stdout_bytes
    assert excel.startswith(b"\xef\xbb\xbfref;name;contact;")
    rows = json.loads(crm.run("campaign", "audience", "winter", "--json").stdout)
    assert [row["ref"] for row in rows] == ["bolt-bistro", "cafe-aurora"]
    assert crm.clean()  # the audience is read, never written


def test_responses_deals_and_roi(crm: Crm) -> None:
    _clients(crm)
    _campaign(crm)
    crm.run(
        "campaign", "respond", "winter", "cafe-aurora", "--note", "Wants two grinders",
        "--deal", "Two Mazzer grinders", "--amount", "3780", "--close", "2026-12-15",
    )  # fmt: skip
    deal = "deals/cafe-aurora-two-mazzer-grinders.md"
    assert crm.last_commit_files() == sorted([CAMPAIGN, "clients/cafe-aurora.md", deal])
    assert crm.commits()[0] == (
        f"campaign respond: Café Aurora Kft. to Winter grinder offer ({CAMPAIGN})"
    )
    assert _front(crm.read(deal))["source"] == "campaigns/winter-grinder-offer"
    responses = crm.read(CAMPAIGN).split("## Responses\n\n", 1)[1].split("\n\n## Tasks")[0]
    assert responses == (
        "- 2026-11-27 cafe-aurora deal:cafe-aurora-two-mazzer-grinders: Wants two grinders"
    )
    card = json.loads(crm.run("client", "show", "cafe-aurora", "--json").stdout)
    response = [h for h in card["history"] if h["title"].startswith("Campaign response")]
    assert response[0]["title"] == (
        "Campaign response: Winter grinder offer (campaigns/winter-grinder-offer)"
    )
    assert response[0]["date"] == "2026-11-27"
    assert response[0]["note"] == (
        "Wants two grinders\nDeal: Two Mazzer grinders (deals/cafe-aurora-two-mazzer-grinders)"
    )
    crm.run("campaign", "respond", "winter", "bolt", "--date", "yesterday")
    assert crm.last_commit_files() == sorted([CAMPAIGN, "clients/bolt-bistro.md"])
    crm.run("deal", "win", "cafe-aurora-two")

    report = json.loads(crm.run("report", "campaigns", "--json").stdout)["campaigns"][0]
    # independently: 2 of the 2 Budapest horeca clients responded; one deal won
    # for 3780 against a cost of 400
    assert report["audience"] == 2
    assert report["responses"] == 2
    assert report["response_rate"] == 100.0
    assert report["deals_opened"] == report["deals_won"] == 1
    assert report["won_revenue"] == {"EUR": 3780}
    assert report["cost_per_response"] == 200
    assert report["roi"] == (3780 - 400) / 400
    text = crm.run("report", "campaigns").stdout
    assert "Winter grinder offer" in text and "845.0%" in text and "3,780 EUR" in text
    shown = crm.run("campaign", "show", "winter").stdout
    assert "ROI                845.0%" in shown
    assert "2026-11-26  @Bolt Bistro" in shown
    listed = json.loads(crm.run("campaign", "list", "responses>1", "--json").stdout)
    assert [c["ref"] for c in listed] == ["winter-grinder-offer"]
    assert json.loads(crm.run("campaign", "list", "status:ended", "--json").stdout) == []


def test_roi_needs_a_cost_and_one_currency(crm: Crm) -> None:
    _clients(crm)
    crm.run("campaign", "add", "Fair", "--audience", "+horeca", "--channel", "event")
    crm.run("campaign", "add", "Export", "--audience", "+design", "--cost", "100")
    crm.run("campaign", "respond", "fair", "cafe", "--deal", "Grinder", "--amount", "900")
    crm.run("campaign", "respond", "export", "nordic", "--deal", "Beans", "--amount", "50",
            "--currency", "USD")  # fmt: skip
    crm.run("deal", "win", "cafe-aurora-grinder")
    crm.run("deal", "win", "nordic-design-beans")
    rows = {c["ref"]: c for c in json.loads(crm.run("report", "campaigns", "--json").stdout)
            ["campaigns"]}  # fmt: skip
    assert rows["fair"]["roi"] is None and rows["fair"]["cost_per_response"] is None
    assert rows["fair"]["won_revenue_in_currency"] == 900
    assert rows["export"]["roi"] is None
    assert rows["export"]["won_revenue"] == {"USD": 50}
    assert rows["export"]["roi_note"] == (
        "no exchange rate for USD: add 'USD: RATE' (the value of 1 USD in EUR) under "
        "money.rates in plaincrm.yaml"
    )  # these commands have no --currency to leave out
    shown = crm.run("campaign", "show", "export").stdout
    assert "under money.rates in plaincrm.yaml" in shown and "--currency" not in shown
    config = crm.read("plaincrm.yaml").replace("  rates: {}", "  rates: {USD: 0.9}")
    crm.write("plaincrm.yaml", config)
    rows = {c["ref"]: c for c in json.loads(crm.run("report", "campaigns", "--json").stdout)
            ["campaigns"]}  # fmt: skip
    assert rows["export"]["won_revenue_in_currency"] == 45
    assert rows["export"]["roi"] == (45 - 100) / 100


def test_a_response_from_outside_the_audience_is_noted(crm: Crm) -> None:
    _clients(crm)
    _campaign(crm)
    result = crm.run("campaign", "respond", "winter", "nordic", "--note", "Heard of it")
    assert "not in the campaign's audience" in result.stderr
    again = crm.fail("campaign", "respond", "winter", "nordic", code=EXIT_CONFLICT)
    assert "Nordic Design already responded to Winter grinder offer on 2026-11-27" in again.stderr


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["campaign", "add", "X", "--audience", "city~"], EXIT_USAGE, "needs a value"),
        (["campaign", "add", "X", "--audience", " "], EXIT_INVALID, "needs an audience"),
        (["campaign", "add", " ", "--audience", "+vip"], EXIT_INVALID, "needs a name"),
        (["campaign", "add", "X", "--audience", "+vip", "--start", "2026-12-01", "--end",
          "2026-11-01"], EXIT_INVALID, "ends (2026-11-01) before it starts (2026-12-01)"),
        (["campaign", "add", "X", "--audience", "+vip", "--cost", "cheap"], EXIT_INVALID,
         "'cheap' is not an amount"),
        (["campaign", "respond", "nothing", "cafe"], EXIT_NOT_FOUND, "no campaign 'nothing'"),
        (["campaign", "respond", "winter", "nobody"], EXIT_NOT_FOUND, "no client 'nobody'"),
        (["campaign", "respond", "winter", "cafe", "--amount", "5"], EXIT_USAGE,
         "--amount, --currency and --close describe the --deal"),
        (["campaign", "audience", "winter", "--excel"], EXIT_USAGE, "add --csv FILE"),
        (["campaign", "audience", "winter", "--csv", "/nonexistent/dir/x.csv"], EXIT_INVALID,
         "cannot write /nonexistent/dir/x.csv: there is no folder /nonexistent/dir"),
    ],
)  # fmt: skip
def test_mistakes_give_clear_errors(crm: Crm, args: list[str], code: int, message: str) -> None:
    _clients(crm)
    _campaign(crm)
    before = crm.commits()
    assert message in crm.fail(*args, code=code).stderr
    assert crm.commits() == before
    assert crm.clean()


def test_check_reports_campaign_problems(crm: Crm) -> None:
    _clients(crm)
    crm.write(
        "campaigns/spring.md",
        "---\n"
        "name: Spring\n"
        "audience: (city:Budapest\n"  # line 3
        "start: 2026-05-01\n"
        "end: 2026-04-01\n"  # line 5
        "---\n\n## Responses\n\n"
        "- 2026-05-02 cafe-aurora: fine\n"  # line 10
        "- 2026-05-03 ghost: who?\n"  # line 11
        "- 2026-05-04 bolt-bistro deal:nothing\n"  # line 12
        "- May 5th: Bolt called\n"  # line 13
        "- 2026-05-06 cafe-aurora: again\n",  # line 14
    )
    result = crm.run("check", ok=False)
    assert result.exit_code == 1
    for problem in [
        "campaigns/spring.md:3: audience: bad query: this '(' is never closed",
        "campaigns/spring.md:5: end (2026-04-01) is before start",
        "campaigns/spring.md:11: client 'ghost' does not exist (clients/ghost.md)",
        "campaigns/spring.md:12: deal 'nothing' does not exist (deals/nothing.md)",
        "campaigns/spring.md:13: not a response line",
        "campaigns/spring.md:14: cafe-aurora responded twice",
    ]:
        assert problem in result.stdout, result.stdout
    assert "campaigns/spring.md:10" not in result.stdout
    # the broken audience stops the mailing list with the same reason, not a traceback
    refused = crm.fail("campaign", "audience", "spring", code=EXIT_INVALID)
    assert "this '(' is never closed" in refused.stderr


refs = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,20}", fullmatch=True)
notes = st.text(alphabet=st.characters(blacklist_categories=["Cs"])).map(one_line)


@given(st.dates().map(lambda d: d.isoformat()), refs, st.none() | refs, notes)
def test_response_lines_round_trip(day, client, deal, note) -> None:
    response = Response(day, client, deal, note)
    assert parse_response(response.text()) == response


def test_installed_command_runs_a_campaign(tmp_path: Path, console: Callable[..., str]) -> None:
    """The console script itself: campaign from a query, CSV, response, won deal, ROI."""
    root = tmp_path / "crm"

    def run(*args: str) -> str:
        return console("-C", str(root), *args)

    console("init", str(root), "--user", "anna")
    run("client", "add", "Acme", "--tag", "wholesale", "--email", "a@acme.example")
    run("client", "add", "Beta", "--tag", "retail")
    run("campaign", "add", "Spring", "--audience", "+wholesale", "--cost", "1000")
    run("campaign", "audience", "spring", "--csv", str(tmp_path / "list.csv"))
    assert (tmp_path / "list.csv").read_text().splitlines()[1].startswith("acme,Acme,")
    run("campaign", "respond", "spring", "acme", "--deal", "Big order", "--amount", "2500")
    run("deal", "win", "acme-big-order")
    report = json.loads(run("report", "campaigns", "--json"))["campaigns"][0]
    assert report["roi"] == 1.5  # (2500 - 1000) / 1000
    assert git(root, "status", "--porcelain") == ""


def test_audience_csv_is_written_whole_or_not_at_all(crm: Crm, tmp_path: Path) -> None:
    """The mailing list goes through export's writer: renamed into place, errors clear."""
    _clients(crm)
    _campaign(crm)
    where = tmp_path / "out"
    folder = where / "mailing.csv"
    folder.mkdir(parents=True)
    result = crm.fail("campaign", "audience", "winter", "--csv", str(folder), code=EXIT_INVALID)
    assert f"cannot write {folder}: Is a directory" in result.stderr
    assert list(where.glob(".*")) == []
    out = where / "list.csv"
    crm.run("campaign", "audience", "winter", "--csv", str(out))
    assert out.read_text(encoding="utf-8").startswith("ref,")
    assert sorted(p.name for p in where.iterdir()) == ["list.csv", "mailing.csv"]


def test_a_cost_too_large_to_compute_with_is_reported_not_a_crash(crm: Crm) -> None:
    crm.run("campaign", "add", "Export", "--audience", "+design", "--cost", "100")
    path = "campaigns/export.md"
    crm.write(path, crm.read(path).replace("cost: 100", "cost: 100000000000000000000000000000"))
    for command in (["campaign", "list"], ["campaign", "show", "export"], ["report", "campaigns"]):
        crm.run(*command)
    result = crm.run("check", ok=False)
    assert result.exit_code == 1
    assert (
        "campaigns/export.md:4: cost: 100000000000000000000000000000 is too large: "
        "at most 13 digits before the decimal point"
    ) in result.stdout
