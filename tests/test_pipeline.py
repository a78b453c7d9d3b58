"""Pipeline settings and their check, the pipeline board, the forecast, deals in today."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest

from conftest import Crm
from plaincrm.core.errors import EXIT_INVALID

# The fixture pipeline, written as files by hand (today is 2026-11-27).
# slug: stage, amount, currency, probability (None: the stage's), close, owner, created,
#       log lines, tasks
DEALS: dict[str, dict] = {
    "acme-grinders": dict(
        stage="lead",
        amount=10000,
        currency="EUR",
        manual=None,
        close="2026-12-15",
        owner="anna",
        created="2026-11-20",
        log=["2026-11-20 anna: opened in lead (10%)"],
        tasks=["- [ ] Call about grinders due:2026-12-01"],
    ),
    "bolt-cups": dict(
        stage="qualified",
        amount=20000,
        currency="EUR",
        manual=40,
        close="2027-01-10",
        owner="ben",
        created="2026-10-20",
        log=[
            "2026-10-20 ben: opened in lead (10%)",
            "2026-11-01 ben: stage lead -> qualified (25%)",
        ],
        tasks=[
            "- [x] Tasting done:2026-11-20",
            "- [ ] Send the samples due:2026-12-02",
        ],
    ),
    "cafe-machines": dict(
        stage="proposal",
        amount=5000,
        currency="USD",
        manual=None,
        close="2026-12-05",
        owner="anna",
        created="2026-11-25",
        log=["2026-11-25 anna: opened in proposal (50%)"],
        tasks=[],
    ),
    "danube-beans": dict(
        stage="proposal",
        amount=8000,
        currency="EUR",
        manual=None,
        close="2026-11-20",
        owner="anna",
        created="2026-09-01",
        log=[
            "2026-09-01 anna: opened in lead (10%)",
            "2026-10-01 anna: stage lead -> proposal (50%)",
        ],
        tasks=["- [ ] Chase the answer due:2026-12-03"],
    ),
    "eszter-service": dict(
        stage="negotiation",
        amount=None,
        currency=None,
        manual=None,
        close=None,
        owner="anna",
        created="2026-11-27",
        log=["2026-11-27 anna: opened in negotiation (75%)"],
        tasks=["- [ ] Agree the scope due:2026-11-30"],
    ),
    "fjord-roast": dict(
        stage="won",
        amount=7000,
        currency="EUR",
        manual=None,
        close="2026-11-10",
        owner="ben",
        created="2026-10-01",
        closed="2026-11-10",
        log=["2026-10-01 ben: opened in lead (10%)", "2026-11-10 ben: won at lead (7000 EUR)"],
        tasks=[],
    ),
    "gellert-oven": dict(
        stage="lost",
        amount=3000,
        currency="EUR",
        manual=None,
        close="2026-11-30",
        owner="anna",
        created="2026-10-01",
        closed="2026-11-15",
        log=["2026-10-01 anna: opened in lead (10%)", "2026-11-15 anna: lost at lead: price"],
        tasks=[],
        lost_reason="price",
    ),
    "hegyi-tea": dict(
        stage="won",
        amount=1500,
        currency="USD",
        manual=None,
        close="2026-11-05",
        owner="anna",
        created="2026-10-01",
        closed="2026-11-01",
        log=["2026-10-01 anna: opened in lead (10%)", "2026-11-01 anna: won at lead (1500 USD)"],
        tasks=[],
    ),
}
STAGE_PROBABILITY = {"lead": 10, "qualified": 25, "proposal": 50, "negotiation": 75}


def deal_text(slug: str, spec: dict) -> str:
    client = slug.split("-")[0]
    lines = [
        f"client: {client}",
        f"title: {slug.replace('-', ' ').title()}",
        f"stage: {spec['stage']}",
    ]
    if spec["manual"] is not None:
        lines += [f"probability: {spec['manual']}", "probability_manual: true"]
    for key in ("amount", "currency", "close", "owner", "created", "closed", "lost_reason"):
        if spec.get(key) is not None:
            lines.append(f"{key}: {spec[key]}")
    body = ["## Tasks", "", *spec["tasks"], "", "## Log", "", *(f"- {e}" for e in spec["log"])]
    return "---\n" + "\n".join(lines) + "\n---\n\n" + "\n".join(body) + "\n"


@pytest.fixture
def sales(crm: Crm) -> Crm:
    for slug in DEALS:
        client = slug.split("-")[0]
        crm.write(f"clients/{client}.md", f"---\nname: {client.title()} Co\n---\n")
    for slug, spec in DEALS.items():
        crm.write(f"deals/{slug}.md", deal_text(slug, spec))
    crm.git("add", "-A")
    crm.git("commit", "-qm", "fixture")
    return crm


def probability(spec: dict) -> int:
    return spec["manual"] if spec["manual"] is not None else STAGE_PROBABILITY[spec["stage"]]


def expected_board(owner: str | None = None) -> dict:
    """Per stage: count, totals and weighted totals by currency, computed from DEALS."""
    out: dict = {
        s: {"count": 0, "total": defaultdict(Decimal), "weighted": defaultdict(Decimal)}
        for s in STAGE_PROBABILITY
    }
    for spec in DEALS.values():
        if spec["stage"] not in STAGE_PROBABILITY or (owner and spec["owner"] != owner):
            continue
        row = out[spec["stage"]]
        row["count"] += 1
        if spec["amount"] is not None:
            row["total"][spec["currency"]] += spec["amount"]
            row["weighted"][spec["currency"]] += Decimal(spec["amount"]) * probability(spec) / 100
    return out


def as_numbers(amounts: dict) -> dict:
    return {c: int(v) if v == int(v) else float(v) for c, v in amounts.items()}


def test_pipeline_figures_per_stage_and_in_total(sales: Crm) -> None:
    data = json.loads(sales.run("pipeline", "--json").stdout)
    expected = expected_board()
    assert [s["stage"] for s in data["stages"]] == list(STAGE_PROBABILITY)
    grand: dict = defaultdict(Decimal)
    grand_weighted: dict = defaultdict(Decimal)
    for stage in data["stages"]:
        want = expected[stage["stage"]]
        assert stage["count"] == want["count"] == len(stage["deals"])
        assert stage["total"] == as_numbers(want["total"])
        assert stage["weighted"] == as_numbers(want["weighted"])
        for currency, value in want["total"].items():
            grand[currency] += value
        for currency, value in want["weighted"].items():
            grand_weighted[currency] += value
    assert data["total"] == {
        "count": sum(w["count"] for w in expected.values()),
        "total": as_numbers(grand),
        "weighted": as_numbers(grand_weighted),
    }
    # the two currencies stay apart: proposal holds both
    assert set(data["stages"][2]["total"]) == {"EUR", "USD"}
    text = sales.run("pipeline").stdout
    assert (
        "PROPOSAL  50%   2 deals   8,000 EUR + 5,000 USD   weighted 4,000 EUR + 2,500 USD" in text
    )
    assert "Total   5 open deals   38,000 EUR + 5,000 USD   weighted 13,000 EUR + 2,500 USD" in text
    assert "40%*" in text
    ben = json.loads(sales.run("pipeline", "--owner", "ben", "--json").stdout)
    assert ben["total"]["count"] == sum(w["count"] for w in expected_board("ben").values())


def test_pipeline_converts_only_at_configured_rates(sales: Crm) -> None:
    result = sales.fail("pipeline", "--currency", "EUR", code=EXIT_INVALID)
    assert "no exchange rate for USD: add 'USD: RATE'" in result.stderr
    assert "under money.rates in plaincrm.yaml" in result.stderr
    sales.write(
        "plaincrm.yaml", sales.read("plaincrm.yaml").replace("rates: {}", "rates: {USD: 0.9}")
    )
    data = json.loads(sales.run("pipeline", "--currency", "EUR", "--json").stdout)
    proposal = data["stages"][2]
    assert proposal["total"] == {"EUR": 8000 + 5000 * 0.9}
    assert proposal["weighted"] == {"EUR": 4000 + 2500 * 0.9}
    usd = json.loads(sales.run("pipeline", "--currency", "usd", "--json").stdout)
    assert usd["stages"][0]["total"] == {"USD": round(10000 / 0.9, 2)}
    result = sales.fail("pipeline", "--currency", "HUF", code=EXIT_INVALID)
    assert "no exchange rate for HUF" in result.stderr


def test_forecast_by_month_with_overdue_apart(sales: Crm) -> None:
    data = json.loads(sales.run("forecast", "--json").stdout)
    assert [p["period"] for p in data["periods"]] == [
        "2026-11",
        "2026-12",
        "2027-01",
        "2027-02",
        "2027-03",
        "2027-04",
    ]
    expected: dict = {
        p["period"]: {
            "refs": [],
            "total": defaultdict(Decimal),
            "weighted": defaultdict(Decimal),
            "won": defaultdict(Decimal),
        }
        for p in data["periods"]
    }
    overdue, undated = [], []
    for slug, spec in DEALS.items():
        if spec["stage"] == "won":
            expected[spec["closed"][:7]]["won"][spec["currency"]] += spec["amount"]
        elif spec["stage"] in STAGE_PROBABILITY:
            if spec["close"] is None:
                undated.append(slug)
            elif spec["close"] < "2026-11-27":
                overdue.append(slug)
            else:
                row = expected[spec["close"][:7]]
                row["refs"].append(slug)
                row["total"][spec["currency"]] += spec["amount"]
                row["weighted"][spec["currency"]] += (
                    Decimal(spec["amount"]) * probability(spec) / 100
                )
    for period in data["periods"]:
        want = expected[period["period"]]
        assert sorted(period["deals"]) == sorted(want["refs"])
        assert period["total"] == as_numbers(want["total"])
        assert period["weighted"] == as_numbers(want["weighted"])
        assert period["won"] == as_numbers(want["won"])
    assert data["overdue"]["deals"] == overdue == ["danube-beans"]
    assert data["no_close_date"]["deals"] == undated == ["eszter-service"]
    text = sales.run("forecast").stdout
    assert "Overdue: open deals past their close date   1 deal   8,000 EUR" in text


def test_forecast_by_quarter(sales: Crm) -> None:
    data = json.loads(sales.run("forecast", "--by", "quarter", "--periods", "2", "--json").stdout)
    q4, q1 = data["periods"]
    assert (q4["period"], q1["period"]) == ("2026-Q4", "2027-Q1")
    assert sorted(q4["deals"]) == ["acme-grinders", "cafe-machines"]
    assert q4["won"] == {"EUR": 7000, "USD": 1500} and q4["won_count"] == 2
    assert q1["deals"] == ["bolt-cups"] and q1["weighted"] == {"EUR": 8000}
    assert data["later"]["deals"] == []
    one = json.loads(sales.run("forecast", "--periods", "1", "--json").stdout)
    assert sorted(one["later"]["deals"]) == ["acme-grinders", "bolt-cups", "cafe-machines"]


def test_forecast_counts_won_deals_without_an_amount(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme", "Service visit")
    crm.run("deal", "add", "acme", "Grinders", "--amount", "900")
    crm.run("deal", "win", "acme-ltd-service-visit")
    crm.run("deal", "win", "acme-ltd-grinders")
    data = json.loads(crm.run("forecast", "--json").stdout)
    november = data["periods"][0]
    assert (november["period"], november["won_count"], november["won"]) == (
        "2026-11",
        2,
        {"EUR": 900},
    )
    stages = json.loads(crm.run("report", "stages", "--json").stdout)
    assert stages["won"] == november["won_count"]
    row = next(line for line in crm.run("forecast").stdout.splitlines() if "2026-11" in line)
    assert row.split()[-3:] == ["2", "900", "EUR"]


def test_today_shows_deals_without_next_step_rotting_and_past_close(sales: Crm) -> None:
    data = json.loads(sales.run("today", "--json").stdout)  # anna's view
    attention = {a["record"]: a["reason"] for a in data["attention"]}
    assert set(attention) == {"deals/cafe-machines.md", "deals/danube-beans.md"}
    assert (
        attention["deals/cafe-machines.md"]
        == "no next step (no open task on the deal or its client)"
    )
    assert attention["deals/danube-beans.md"] == (
        "close date 2026-11-20 has passed; rotting: 57 days without activity in proposal (limit 14)"
    )
    assert data["attention"][0]["client"] == "Danube Co"
    text = sales.run("today").stdout
    assert "Needs attention" in text and "no next step" in text and "rotting: 57 days" in text
    ben = json.loads(sales.run("today", "--owner", "ben", "--json").stdout)
    assert ben["attention"] == []  # bolt-cups moved 26 days ago, but a task was done 7 days ago
    sales.write(
        "deals/bolt-cups.md",
        sales.read("deals/bolt-cups.md").replace("- [x] Tasting done:2026-11-20", "- [x] Tasting"),
    )
    ben = json.loads(sales.run("today", "--owner", "ben", "--json").stdout)
    assert [a["reason"] for a in ben["attention"]] == [
        "rotting: 26 days without activity in qualified (limit 21)"
    ]
    plan = sales.run("plan", "--all").stdout
    assert "bolt-cups" in plan and "cafe-machines" in plan


def test_a_deal_whose_client_file_is_gone_still_needs_attention(sales: Crm) -> None:
    (sales.root / "clients" / "danube.md").unlink()
    data = json.loads(sales.run("today", "--json").stdout)
    clients = {a["record"]: a["client"] for a in data["attention"]}
    assert clients["deals/danube-beans.md"] is None


def test_a_deal_with_a_next_step_leaves_the_attention_list(sales: Crm) -> None:
    sales.run("task", "add", "cafe-machines", "Call about the offer", "--due", "tomorrow")
    data = json.loads(sales.run("today", "--json").stdout)
    assert "deals/cafe-machines.md" not in {a["record"] for a in data["attention"]}


# (text in the default settings, its replacement, the message, text on the reported line)
SETTINGS_PROBLEMS = [
    ("    - {name: won, probability: 100}\n", "", "pipeline.stages must include 'won'", "stages:"),
    (
        "{name: qualified, probability: 25, rotting: 21}",
        "{name: lead, probability: 25}",
        "stage 'lead' is listed twice",
        "{name: lead, probability: 25}",
    ),
    (
        "{name: lead, probability: 10, rotting: 30}",
        "{name: lead, probability: ten}",
        "stages.0.probability must be a whole number from 0 to 100",
        "probability: ten",
    ),
    (
        "{name: lead, probability: 10, rotting: 30}",
        "{name: lead, probability: 10, rotting: 0}",
        "stages.0.rotting must be a whole number from 1 to 10000",
        "rotting: 0",
    ),
    (
        "{name: won, probability: 100}",
        "{name: won, probability: 100, rotting: 5}",
        "the won stage closes a deal: it cannot rot",
        "rotting: 5",
    ),
    (
        "{name: lead, probability: 10, rotting: 30}",
        "{name: Lead Stage, probability: 10}",
        "stage name 'Lead Stage' must be lower case",
        "Lead Stage",
    ),
    (
        "{name: lead, probability: 10, rotting: 30}",
        "{name: lead, probability: 10, color: red}",
        "unknown stage setting 'color'",
        "color: red",
    ),
    (
        "competitor_reasons: [competitor]",
        "competitor_reasons: [rivals]",
        "competitor_reasons: 'rivals' is not one of pipeline.lost_reasons",
        "competitor_reasons:",
    ),
    (
        "other_reasons: false",
        "other_reasons: maybe",
        "pipeline.other_reasons must be true or false",
        "other_reasons: maybe",
    ),
    ("currency: EUR", "currency: euro", "'euro' is not a currency code like EUR", "currency: euro"),
    ("rates: {}", "rates: {USD: -1}", "rates.USD: '-1' is not a positive number", "USD: -1"),
    ("rates: {}", "rates: [USD]", "money.rates must be 'CODE: rate' lines", "rates: [USD]"),
    (
        "  rates: {}\n",
        "  rates: {}\n  colour: red\n",
        "unknown money setting 'colour'",
        "colour: red",
    ),
    (
        "competitors: []",
        "competitors: [Contoso, contoso]",
        "'contoso' is listed twice",
        "competitors: [Contoso, contoso]",
    ),
    (
        "  competitors: []\n",
        "  competitors: []\n  colour: red\n",
        "unknown pipeline setting 'colour'",
        "colour: red",
    ),
]


@pytest.mark.parametrize(("old", "new", "message", "where"), SETTINGS_PROBLEMS)
def test_check_reports_bad_pipeline_settings_at_their_line(
    crm: Crm, old: str, new: str, message: str, where: str
) -> None:
    text = crm.read("plaincrm.yaml")
    assert old in text
    crm.write("plaincrm.yaml", text.replace(old, new))
    result = crm.run("check", "--json", ok=False)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["problems"]
    found = [p for p in problems if message in p["message"]]
    assert len(found) == 1, problems
    assert found[0]["path"] == "plaincrm.yaml"
    assert where in crm.read("plaincrm.yaml").splitlines()[found[0]["line"] - 1]


DEAL_PROBLEMS = [
    (
        "stage: proposal",
        "stage: pitching",
        "stage",
        "stage: 'pitching' is not a stage of the pipeline",
    ),
    (
        "stage: proposal",
        "stage: lost\nclosed: 2026-11-20",
        "stage",
        "a lost deal needs lost_reason:",
    ),
    (
        "stage: proposal",
        "stage: lost\nclosed: 2026-11-20\nlost_reason: bad luck",
        "lost_reason",
        "lost_reason: 'bad luck' is not one of pipeline.lost_reasons",
    ),
    (
        "stage: proposal",
        "stage: lost\nclosed: 2026-11-20\nlost_reason: competitor",
        "lost_reason",
        "lost_reason 'competitor' needs competitor: (who won)",
    ),
    (
        "stage: proposal",
        "stage: proposal\nlost_reason: price",
        "lost_reason",
        "lost_reason/competitor on a deal that is proposal, not lost: remove them",
    ),
    ("stage: proposal", "stage: won", "stage", "a won deal needs closed: YYYY-MM-DD"),
    ("stage: proposal", "stage: proposal\nprobability: 150", "probability", "150"),
    ("stage: proposal", "stage: proposal\ncurrency: euro", "currency", "currency"),
]


@pytest.mark.parametrize(("old", "new", "key", "message"), DEAL_PROBLEMS)
def test_check_reports_deal_problems_at_their_line(
    sales: Crm, old: str, new: str, key: str, message: str
) -> None:
    path = "deals/cafe-machines.md"
    sales.write(path, sales.read(path).replace(old, new))
    result = sales.run("check", "--json", ok=False)
    problems = [p for p in json.loads(result.stdout)["problems"] if p["path"] == path]
    assert any(message in p["message"] for p in problems), problems
    line = next(p["line"] for p in problems if message in p["message"])
    assert sales.read(path).splitlines()[line - 1].startswith(f"{key}:")


def test_check_knows_competitors_once_some_are_listed(sales: Crm) -> None:
    assert sales.run("check").exit_code == 0
    path = "deals/gellert-oven.md"
    sales.write(
        path,
        sales.read(path).replace(
            "lost_reason: price", "lost_reason: price\ncompetitor: Contoso\ncompetitors: [Initech]"
        ),
    )
    assert sales.run("check").exit_code == 0  # free text while none is known
    sales.write(
        "plaincrm.yaml",
        sales.read("plaincrm.yaml").replace("competitors: []", "competitors: [contoso]"),
    )
    result = sales.run("check", ok=False)
    assert "competitor 'Initech' is not known" in result.stdout
    assert "Contoso" not in result.stdout


def test_the_default_settings_are_those_of_a_new_repository(crm: Crm) -> None:
    from plaincrm.core.settings import load_config
    from plaincrm.sales.pipeline import default_pipeline, read_pipeline

    pipeline, problems = read_pipeline(load_config(crm.root))
    assert problems == []
    assert pipeline == default_pipeline()
    text = crm.read("plaincrm.yaml")
    crm.write("plaincrm.yaml", text[: text.index("# Sales")])
    pipeline, problems = read_pipeline(load_config(crm.root))
    assert problems == [] and pipeline == default_pipeline()


def test_today_lists_ten_deals_needing_attention_and_counts_the_rest(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    for n in range(12):
        crm.write(
            f"deals/acme-{n:02d}.md",
            f"---\nclient: acme-ltd\ntitle: Deal {n:02d}\nstage: lead\nowner: anna\n---\n",
        )
    text = crm.run("today").stdout
    assert "acme-09" in text and "acme-10" not in text
    assert "... and 2 more deals (--json lists them all)" in text
    assert len(json.loads(crm.run("today", "--json").stdout)["attention"]) == 12


def test_a_long_stage_lists_twenty_deals_soonest_close_first(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    for n in range(22):
        crm.write(
            f"deals/acme-{n:02d}.md",
            f"---\nclient: acme-ltd\ntitle: Deal {n:02d}\nstage: lead\nowner: anna\n"
            f"close: 2027-01-{n + 1:02d}\n---\n",
        )
    text = crm.run("pipeline").stdout
    assert "acme-19" in text and "acme-20" not in text
    assert "LEAD  10%   22 deals" in text
    assert "  ... and 2 more: plaincrm deal list stage:lead" in text
    assert len(json.loads(crm.run("pipeline", "--json").stdout)["stages"][0]["deals"]) == 22
    assert "... and 2 more (--json lists them all)" in crm.run("forecast", "--periods", "1").stdout
