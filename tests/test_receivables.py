"""Receivables and ageing against figures computed here, independently of plaincrm."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import Crm
from plaincrm.core.model import TYPES
from plaincrm.core.records import new_record_text, parse_record
from plaincrm.documents.documents import balances, doc_of
from plaincrm.documents.receivables import bucket_of

TODAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-5, "current"),
        (0, "current"),
        (1, "0-30"),
        (30, "0-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "90+"),
        (400, "90+"),
    ],
)
def test_ageing_bucket_boundaries(days: int, bucket: str) -> None:
    assert bucket_of(days) == bucket


def expected_bucket(due: str) -> str:
    late = (TODAY - date.fromisoformat(due)).days
    for limit, name in ((0, "current"), (30, "0-30"), (60, "31-60"), (90, "61-90")):
        if late <= limit:
            return name
    return "90+"


def issue(crm: Crm, deal: str, amount: str, day: str, due: str, *extra: str) -> str:
    return crm.run(
        "doc", "add", "invoice", deal, "--status", "issued", "--amount", amount,
        "--date", day, "--due", due, *extra,
    ).stdout.strip()  # fmt: skip


def test_receivables_per_client_currency_and_age(crm: Crm) -> None:
    crm.run("client", "add", "Café Aurora")
    crm.run("client", "add", "Bolt Bistro")
    crm.run("deal", "add", "cafe-aurora", "Machines")
    crm.run("deal", "add", "bolt-bistro", "Beans")
    aurora, bolt = "cafe-aurora-machines", "bolt-bistro-beans"
    # (amount, date, due, paid) of Café Aurora's issued invoices, in EUR
    invoices = [
        ("1000", "2026-07-01", "2026-07-15", "200"),
        ("500", "2026-09-01", "2026-09-20", "0"),
        ("300.40", "2026-10-10", "2026-10-24", "300.40"),
        ("250", "2026-11-01", "2026-11-15", "0"),
        ("400", "2026-11-20", "2026-12-04", "150.55"),
    ]
    for amount, day, due, paid in invoices:
        ref = issue(crm, aurora, amount, day, due)
        if Decimal(paid):
            crm.run("pay", ref, "--amount", paid)
    crm.run("doc", "add", "invoice", aurora, "--amount", "999")  # a draft: not owed
    cancelled = issue(crm, aurora, "777", "2026-11-21", "2026-11-30")
    crm.run("doc", "status", cancelled, "cancelled")
    crm.run("doc", "add", "payment", aurora, "--amount", "50")  # on account
    issue(crm, bolt, "100", "2026-11-22", "2026-11-26", "--currency", "USD")
    issue(crm, bolt, "60", "2026-11-23", "2026-11-27")

    ages = dict.fromkeys(["current", "0-30", "31-60", "61-90", "90+"], Decimal(0))
    for amount, _, due, paid in invoices:
        ages[expected_bucket(due)] += Decimal(amount) - Decimal(paid)
    invoiced = sum(Decimal(a) for a, _, _, _ in invoices)
    paid = sum(Decimal(p) for _, _, _, p in invoices) + 50

    data = json.loads(crm.run("receivables", "--json").stdout)
    assert data["date"] == "2026-11-27"
    lines = {(line["client"], line["currency"]): line for line in data["clients"]}
    assert list(lines) == [("bolt-bistro", "EUR"), ("bolt-bistro", "USD"), ("cafe-aurora", "EUR")]
    line = lines[("cafe-aurora", "EUR")]
    assert line["name"] == "Café Aurora"
    assert Decimal(str(line["invoiced"])) == invoiced
    assert Decimal(str(line["paid"])) == paid
    assert Decimal(str(line["outstanding"])) == invoiced - paid
    assert Decimal(str(line["unapplied"])) == 50
    assert {k: Decimal(str(v)) for k, v in line["ageing"].items()} == ages
    assert [i["days_overdue"] for i in line["open_invoices"]] == [135, 68, 12, 0]
    assert lines[("bolt-bistro", "USD")]["ageing"]["0-30"] == 100
    assert lines[("bolt-bistro", "EUR")]["ageing"]["current"] == 60
    totals = {t["currency"]: t for t in data["totals"]}
    assert Decimal(str(totals["EUR"]["invoiced"])) == invoiced + 60
    assert totals["USD"]["outstanding"] == 100

    text = crm.run("receivables").stdout
    assert "Receivables on 2026-11-27" in text
    assert "Café Aurora: 50 EUR paid on account (settles no invoice)" in text
    overdue = text.split("Overdue invoices", 1)[1].splitlines()[1:]
    assert [row.split()[0] for row in overdue] == [
        "A-2026-0001",
        "A-2026-0002",
        "A-2026-0004",
        "A-2026-0007",
    ]
    assert "135 days  90+" in overdue[0]
    assert "800 EUR  of 1,000 EUR" in overdue[0]
    assert "USD" in overdue[3] and " 1 day  " in overdue[3]

    only = json.loads(crm.run("receivables", "--client", "bolt", "--json").stdout)
    assert [(c["client"], c["currency"]) for c in only["clients"]] == [
        ("bolt-bistro", "EUR"),
        ("bolt-bistro", "USD"),
    ]
    result = crm.fail("receivables", "--client", "nobody", code=3)
    assert "no client 'nobody'" in result.stderr


def test_a_table_with_cents_shows_cents_in_every_amount(crm: Crm) -> None:
    crm.run("client", "add", "Café Aurora")
    crm.run("deal", "add", "cafe-aurora", "Machines")
    ref = issue(crm, "cafe-aurora-machines", "609.60", "2026-11-01", "2026-12-01")
    crm.run("pay", ref, "--amount", "300")
    rows = crm.run("receivables").stdout.splitlines()
    assert rows[2].split()[2:] == ["EUR", "609.60", "300.00", "309.60", "309.60"] + ["-"] * 4
    crm.run("pay", ref)
    issue(crm, "cafe-aurora-machines", "1000", "2026-11-20", "2026-12-20")
    rows = crm.run("receivables").stdout.splitlines()
    assert rows[2].split()[2:] == ["EUR", "1,609.60", "609.60", "1,000.00", "1,000.00"] + ["-"] * 4


def test_today_owes_what_receivables_owes_when_a_payment_spans_invoices(crm: Crm) -> None:
    """The overdue invoice's share of a payment depends on an earlier payment of the
    other invoice that payment settles, which names only that other invoice."""
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme", "Cups")
    first = issue(crm, "acme-ltd-cups", "1000", "2026-10-01", "2026-12-31")
    late = issue(crm, "acme-ltd-cups", "1000", "2026-10-02", "2026-11-10")
    crm.run("pay", first, "--amount", "400", "--date", "2026-11-01")
    crm.run(
        "doc", "add", "payment", "acme-ltd-cups", "--related", first, "--related", late,
        "--amount", "1000", "--date", "2026-11-05",
    )  # fmt: skip
    owed = json.loads(crm.run("receivables", "--json").stdout)["clients"][0]["open_invoices"]
    assert [(i["ref"], i["outstanding"]) for i in owed] == [(late, 600)]
    today = json.loads(crm.run("today", "--json").stdout)["attention"]
    assert [a["reason"] for a in today if a["kind"] == "invoice"] == [
        "invoice A-2026-0002 overdue 17 days: 600 EUR of 1,000 EUR outstanding (due 2026-11-10)"
    ]


def test_today_reads_an_invoice_without_currency_in_its_deals(crm: Crm) -> None:
    crm.run("client", "add", "Beta Inc")
    crm.run("deal", "add", "beta", "Robots", "--amount", "500", "--currency", "USD")
    crm.write(
        "documents/beta-inv.md",
        "---\nkind: invoice\ndeal: beta-inc-robots\nnumber: X-1\nstatus: issued\n"
        "date: 2026-10-01\ndue: 2026-10-15\namount: 500\n---\n",
    )
    crm.git("add", "-A")
    crm.git("commit", "-qm", "an invoice written by hand")
    crm.run("pay", "beta-inv", "--amount", "200", "--date", "2026-11-01")
    owed = json.loads(crm.run("receivables", "--json").stdout)["clients"][0]
    assert (owed["currency"], owed["outstanding"]) == ("USD", 300)
    today = json.loads(crm.run("today", "--json").stdout)["attention"]
    assert [a["reason"] for a in today if a["kind"] == "invoice"] == [
        "invoice X-1 overdue 43 days: 300 USD of 500 USD outstanding (due 2026-10-15)"
    ]


def test_no_invoices_yet(crm: Crm) -> None:
    assert crm.run("receivables").stdout == "No invoices yet.\n"
    assert json.loads(crm.run("receivables", "--json").stdout)["clients"] == []


# ---------------------------------------------------------------- payments over invoices


def _doc(fields: dict[str, object]) -> object:
    rtype = TYPES["document"]
    slug = str(fields.pop("ref"))
    record = parse_record(rtype, f"documents/{slug}.md", new_record_text(fields))
    return doc_of(record, "EUR")


cents = st.integers(min_value=1, max_value=10**8)


@settings(max_examples=150)
@given(
    amounts=st.lists(cents, min_size=1, max_size=5),
    payments=st.lists(
        st.tuples(cents, st.lists(st.integers(0, 4), min_size=0, max_size=3)), max_size=6
    ),
)
def test_payments_cover_their_invoices_in_order(
    amounts: list[int], payments: list[tuple[int, list[int]]]
) -> None:
    docs = [
        _doc({"ref": f"inv-{i}", "kind": "invoice", "deal": "d", "status": "issued",
              "amount": Decimal(a) / 100, "currency": "EUR"})
        for i, a in enumerate(amounts)
    ]  # fmt: skip
    paid = [0] * len(amounts)
    settled = 0
    for n, (amount, targets) in enumerate(payments):
        related = [f"inv-{t}" for t in targets]
        docs.append(
            _doc({"ref": f"pay-{n}", "kind": "payment", "deal": "d", "status": "received",
                  "amount": Decimal(amount) / 100, "currency": "EUR", "related": related or None})
        )  # fmt: skip
    # undated payments of one day: those settling one invoice first, then by ref;
    # each invoice gets at most what it still owes, the rest is money on account
    order = sorted(range(len(payments)), key=lambda n: (len(set(payments[n][1])) > 1, n))
    for n in order:
        amount, targets = payments[n]
        left = amount
        for target in dict.fromkeys(targets):
            if target >= len(amounts):
                continue
            share = min(left, amounts[target] - paid[target])
            paid[target] += share
            left -= share
        settled += amount - left
    found = balances(docs)
    for i, amount in enumerate(amounts):
        balance = found[f"inv-{i}"]
        assert balance.paid == Decimal(paid[i]) / 100
        assert balance.outstanding == Decimal(amount - paid[i]) / 100
        assert balance.covered == (paid[i] >= amount)
    assert sum(b.paid for b in found.values()) == Decimal(settled) / 100
