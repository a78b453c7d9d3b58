"""Win/loss reports: lost deals by reason, competitors with their cards, stage conversion."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest

from conftest import Crm
from plaincrm.core.errors import EXIT_INVALID, EXIT_USAGE

# slug: stage, amount, currency, closed, reason, winner, competitors met, note, log lines
DEALS: dict[str, dict] = {
    "d1": dict(
        stage="won",
        amount=10000,
        currency="EUR",
        closed="2026-10-15",
        met=["Contoso"],
        log=[
            "2026-09-01 anna: opened in lead (10%)",
            "2026-09-11 anna: stage lead -> qualified (25%)",
            "2026-09-21 anna: stage qualified -> proposal (50%)",
            "2026-10-15 anna: won at proposal (10000 EUR)",
        ],
    ),
    "d2": dict(
        stage="lost",
        amount=8000,
        currency="EUR",
        closed="2026-11-01",
        reason="price",
        winner="Contoso",
        met=["Contoso", "Fabrikam"],
        note="Contoso was 15% cheaper",
        log=[
            "2026-09-05 ben: opened in lead (10%)",
            "2026-09-15 ben: stage lead -> proposal (50%)",
            "2026-11-01 ben: lost at proposal: price; competitor Contoso; "
            "note Contoso was 15% cheaper",
        ],
    ),
    "d3": dict(
        stage="lost",
        amount=5000,
        currency="USD",
        closed="2026-11-20",
        reason="competitor",
        winner="Contoso",
        met=[],
        note="They bundle two years of service",
        log=[
            "2026-10-01 anna: opened in lead (10%)",
            "2026-10-05 anna: stage lead -> qualified (25%)",
            "2026-10-25 anna: stage qualified -> negotiation (75%)",
            "2026-11-20 anna: lost at negotiation: competitor; competitor Contoso",
        ],
    ),
    "d4": dict(
        stage="lost",
        amount=2000,
        currency="EUR",
        closed="2026-06-10",
        reason="no budget",
        met=["Fabrikam"],
        log=["2026-06-01 anna: opened in lead (10%)", "2026-06-10 anna: lost at lead: no budget"],
    ),
    "d5": dict(
        stage="qualified",
        amount=4000,
        currency="EUR",
        met=["Initech Coffee"],
        log=[
            "2026-11-01 ben: opened in lead (10%)",
            "2026-11-10 ben: stage lead -> qualified (25%)",
        ],
    ),
    "d6": dict(
        stage="won", amount=3000, currency="EUR", closed="2026-11-05", met=["fabrikam"], log=[]
    ),
    "d7": dict(
        stage="lost",
        amount=1000,
        currency="EUR",
        closed="2026-11-22",
        reason="price",
        winner="Initech",
        met=[],
        log=["2026-11-02 anna: opened in lead (10%)", "2026-11-22 anna: lost at lead: price"],
    ),
}
INITECH_CARD = """---
name: Initech
aliases: [Initech Coffee]
website: https://initech.example
---

National chain, aggressive on price.

## Strengths

- Cheap beans in bulk

## Weaknesses

- Slow service: a week for a repair
"""
CANONICAL = {
    "contoso": "Contoso",
    "fabrikam": "Fabrikam",
    "initech": "Initech",
    "initech coffee": "Initech",
}


def deal_text(slug: str, spec: dict) -> str:
    lines = [
        "client: acme",
        f"title: Deal {slug}",
        f"stage: {spec['stage']}",
        f"amount: {spec['amount']}",
        f"currency: {spec['currency']}",
        "owner: anna",
    ]
    if spec.get("closed"):
        lines.append(f"closed: {spec['closed']}")
    if spec.get("reason"):
        lines.append(f"lost_reason: {spec['reason']}")
    if spec.get("winner"):
        lines.append(f"competitor: {spec['winner']}")
    if spec.get("note"):
        lines.append(f"lost_note: {spec['note']}")
    if spec["met"]:
        lines.append(f"competitors: [{', '.join(spec['met'])}]")
    log = "\n".join(f"- {line}" for line in spec["log"])
    return "---\n" + "\n".join(lines) + f"\n---\n\n## Log\n\n{log}\n"


@pytest.fixture
def history(crm: Crm) -> Crm:
    crm.write(
        "plaincrm.yaml",
        crm.read("plaincrm.yaml").replace("competitors: []", "competitors: [Contoso, Fabrikam]"),
    )
    crm.write("clients/acme.md", "---\nname: Acme\n---\n")
    crm.write("competitors/initech.md", INITECH_CARD)
    for slug, spec in DEALS.items():
        crm.write(f"deals/{slug}.md", deal_text(slug, spec))
    crm.git("add", "-A")
    crm.git("commit", "-qm", "fixture")
    assert crm.run("check").exit_code == 0
    return crm


def closed_since(spec: dict, since: str) -> bool:
    return spec["stage"] not in ("won", "lost") or spec["closed"] >= since


@pytest.mark.parametrize("since", [None, "2026-07-01"])
def test_lost_report_by_reason(history: Crm, since: str | None) -> None:
    args = ["--since", since] if since else []
    data = json.loads(history.run("report", "lost", *args, "--json").stdout)
    expected: dict = defaultdict(lambda: {"deals": [], "amount": defaultdict(int)})
    for slug, spec in DEALS.items():
        if spec["stage"] == "lost" and closed_since(spec, since or ""):
            row = expected[spec["reason"]]
            row["deals"].append(slug)
            row["amount"][spec["currency"]] += spec["amount"]
    assert [r["reason"] for r in data["reasons"]] == sorted(
        expected, key=lambda r: (-len(expected[r]["deals"]), r)
    )
    for row in data["reasons"]:
        want = expected[row["reason"]]
        assert row["count"] == len(want["deals"])
        assert row["deals"] == want["deals"]
        assert row["amount"] == dict(want["amount"])
    assert data["count"] == sum(len(w["deals"]) for w in expected.values())
    price = next(r for r in data["reasons"] if r["reason"] == "price")
    assert price["stages"] == {
        "lead": 1,
        "proposal": 1,
    }  # from the logs: d7 at lead, d2 at proposal
    assert price["competitors"] == {"Contoso": 1, "Initech": 1}
    assert data["since"] == since


def test_lost_report_text_and_currency_conversion(history: Crm) -> None:
    text = history.run("report", "lost").stdout
    assert "price" in text and "9,000 EUR" in text
    assert re.search(r"total\s+4\s+11,000 EUR \+ 5,000 USD", text)
    result = history.fail("report", "lost", "--currency", "EUR", code=EXIT_INVALID)
    assert "no exchange rate for USD" in result.stderr
    history.write(
        "plaincrm.yaml", history.read("plaincrm.yaml").replace("rates: {}", "rates: {USD: 0.8}")
    )
    data = json.loads(history.run("report", "lost", "--currency", "EUR", "--json").stdout)
    assert data["amount"] == {"EUR": 11000 + 5000 * 0.8}


def expected_competitors(since: str) -> dict[str, dict]:
    rows: dict[str, dict] = {
        name: {
            "met": [],
            "won": 0,
            "lost_to": 0,
            "lost_other": 0,
            "open": 0,
            "amount_lost": defaultdict(int),
            "reasons": defaultdict(int),
        }
        for name in ("Contoso", "Fabrikam", "Initech")
    }
    for slug, spec in DEALS.items():
        if not closed_since(spec, since):
            continue
        names = {CANONICAL[n.lower()] for n in [*spec["met"], spec.get("winner") or ""] if n}
        for name in names:
            row = rows[name]
            row["met"].append(slug)
            if spec["stage"] == "won":
                row["won"] += 1
            elif spec["stage"] == "lost" and spec.get("winner") == name:
                row["lost_to"] += 1
                row["amount_lost"][spec["currency"]] += spec["amount"]
                row["reasons"][spec["reason"]] += 1
            elif spec["stage"] == "lost":
                row["lost_other"] += 1
            else:
                row["open"] += 1
    return rows


@pytest.mark.parametrize("since", [None, "2026-07-01"])
def test_competitor_report(history: Crm, since: str | None) -> None:
    args = ["--since", since] if since else []
    data = json.loads(history.run("report", "competitors", *args, "--json").stdout)
    expected = expected_competitors(since or "")
    assert [c["competitor"] for c in data["competitors"]] == sorted(
        expected, key=lambda n: (-len(expected[n]["met"]), n)
    )
    for row in data["competitors"]:
        want = expected[row["competitor"]]
        assert sorted(row["deals"]) == want["met"] and row["met"] == len(want["met"])
        for key in ("won", "lost_to", "lost_other", "open"):
            assert row[key if key != "won" else "won_against"] == want[key], key
        closed = want["won"] + want["lost_to"] + want["lost_other"]
        assert row["win_rate"] == (round(100 * want["won"] / closed, 1) if closed else None)
        assert row["amount_lost"] == dict(want["amount_lost"])
        assert row["reasons"] == dict(want["reasons"])
    contoso = data["competitors"][0]
    assert [n["note"] for n in contoso["notes"]] == [
        "Contoso was 15% cheaper",
        "They bundle two years of service",
    ]
    initech = next(c for c in data["competitors"] if c["competitor"] == "Initech")
    assert initech["card"] == "competitors/initech.md"
    assert "Slow service: a week for a repair" in initech["card_text"]


def test_competitor_report_text_shows_cards_and_notes(history: Crm) -> None:
    text = history.run("report", "competitors").stdout
    assert "Contoso" in text and "33.3%" in text
    assert "lost to them because: competitor 1, price 1" in text
    assert "2026-11-01  Acme — Deal d2: Contoso was 15% cheaper" in text
    assert "Initech   (competitors/initech.md)" in text
    assert "  - Cheap beans in bulk" in text


def test_stage_report_from_the_logs(history: Crm) -> None:
    data = json.loads(history.run("report", "stages", "--json").stdout)
    rows = {r["stage"]: r for r in data["stages"]}
    # worked out by hand from the fixture logs
    assert {k: rows["lead"][k] for k in ("entered", "moved_on", "lost", "still_there")} == {
        "entered": 6,
        "moved_on": 4,
        "lost": 2,
        "still_there": 0,
    }
    assert rows["lead"]["conversion"] == 66.7
    assert rows["lead"]["average_days"] == round((10 + 10 + 4 + 9 + 9 + 20) / 6, 1)
    assert (rows["qualified"]["entered"], rows["qualified"]["moved_on"]) == (3, 2)
    assert rows["qualified"]["still_there"] == 1
    assert rows["qualified"]["average_days"] == 15.0
    assert (
        rows["proposal"]["entered"],
        rows["proposal"]["moved_on"],
        rows["proposal"]["lost"],
    ) == (2, 1, 1)
    assert rows["proposal"]["average_days"] == (24 + 47) / 2
    assert (rows["negotiation"]["entered"], rows["negotiation"]["conversion"]) == (1, 0.0)
    assert rows["negotiation"]["average_days"] == 26.0
    assert (data["won"], data["lost"], data["win_rate"]) == (2, 4, 33.3)
    since = json.loads(history.run("report", "stages", "--since", "2026-10-01", "--json").stdout)
    rows = {r["stage"]: r for r in since["stages"]}
    assert (rows["lead"]["entered"], rows["lead"]["moved_on"], rows["lead"]["lost"]) == (3, 2, 1)
    assert rows["lead"]["average_days"] == round((4 + 9 + 20) / 3, 1)
    assert rows["proposal"]["entered"] == 0 and rows["proposal"]["conversion"] is None
    assert (since["won"], since["lost"]) == (2, 3)
    text = history.run("report", "stages").stdout
    assert "lead" in text and "66.7%" in text and "win rate 33.3%" in text


def test_report_errors(history: Crm) -> None:
    result = history.fail("report", "lost", "--since", "last year", code=EXIT_USAGE)
    assert "'last year' is not a date" in result.stderr
    result = history.fail("report", "nothing", code=EXIT_USAGE)
    assert "No such command 'nothing'" in result.stderr


def test_reports_on_an_empty_repository(crm: Crm) -> None:
    assert "No lost deals." in crm.run("report", "lost").stdout
    assert "No competitors yet" in crm.run("report", "competitors").stdout
    data = json.loads(crm.run("report", "stages", "--json").stdout)
    assert all(r["entered"] == 0 for r in data["stages"]) and data["win_rate"] is None


def test_a_lost_deal_through_the_commands_shows_in_the_reports(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    ref = crm.run(
        "deal", "add", "acme", "Cups", "--amount", "900", "--competitor", "Contoso"
    ).stdout.strip()
    crm.run("deal", "move", ref, "proposal")
    crm.run(
        "deal", "lose", ref, "--reason", "price", "--competitor", "Fabrikam", "--note", "cheaper"
    )
    lost = json.loads(crm.run("report", "lost", "--json").stdout)
    assert lost["reasons"][0] | {"deals": None} == {
        "reason": "price",
        "count": 1,
        "amount": {"EUR": 900},
        "stages": {"proposal": 1},
        "competitors": {"Fabrikam": 1},
        "deals": None,
    }
    rivals = {
        c["competitor"]: c
        for c in json.loads(crm.run("report", "competitors", "--json").stdout)["competitors"]
    }
    assert (rivals["Fabrikam"]["lost_to"], rivals["Contoso"]["lost_other"]) == (1, 1)
    assert rivals["Fabrikam"]["notes"][0]["note"] == "cheaper"


def test_a_deal_won_then_reopened_and_lost_counts_once_per_stage(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    ref = crm.run("deal", "add", "acme", "Cups", "--amount", "900").stdout.strip()
    crm.run("deal", "move", ref, "qualified")
    crm.run("deal", "win", ref)
    crm.run("deal", "reopen", ref)
    crm.run("deal", "lose", ref, "--reason", "price")
    rows = {
        r["stage"]: r for r in json.loads(crm.run("report", "stages", "--json").stdout)["stages"]
    }
    outcome = ("entered", "moved_on", "lost", "still_there")
    # what happened after it last entered the stage: lead -> qualified, lost in qualified
    assert tuple(rows["lead"][k] for k in outcome) == (1, 1, 0, 0)
    assert tuple(rows["qualified"][k] for k in outcome) == (1, 0, 1, 0)
