"""Documents: payments over several invoices, numbers, currencies and amounts that
must not go wrong (figures computed here, independently of plaincrm)."""

from __future__ import annotations

import json

import yaml

from conftest import Crm
from plaincrm.core.errors import EXIT_CONFLICT, EXIT_INVALID


def front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n")[1])


def setup_deal(crm: Crm, amount: str = "1000", *extra: str) -> str:
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme", "Cups", "--amount", amount, *extra)
    return "acme-ltd-cups"


def add(crm: Crm, *args: str) -> str:
    """Run 'doc add' and return the new document's ref."""
    return crm.run("doc", "add", *args).stdout.strip()


def owed(crm: Crm) -> dict[str, float | int | None]:
    listed = json.loads(crm.run("doc", "list", "kind:invoice", "--json").stdout)
    return {d["ref"]: d["outstanding"] for d in listed}


def test_a_payment_over_several_invoices_covers_what_each_still_owes(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued")
    two = add(crm, "invoice", deal, "--status", "issued")
    crm.run("pay", one, "--amount", "400")
    # 1,000 over both: the first still owes 600, the second gets the other 400
    add(crm, "payment", deal, "--related", one, "--related", two, "--amount", "1000")
    assert owed(crm) == {one: 0, two: 600}
    assert front(crm.read(f"documents/{one}.md"))["status"] == "paid"
    # without --amount it pays what both still owe: 600
    payment = add(crm, "payment", deal, "--related", one, "--related", two)
    assert front(crm.read(f"documents/{payment}.md"))["amount"] == 600
    assert owed(crm) == {one: 0, two: 0}
    crm.run("check")


def test_payments_apply_in_date_order_and_overpayment_is_reported(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued")
    two = add(crm, "invoice", deal, "--status", "issued")
    # recorded first but dated later: the earlier payment of the first invoice applies first
    late = add(
        crm, "payment", deal, "--related", one, "--related", two,
        "--amount", "1200", "--date", "2026-11-27",
    )  # fmt: skip
    crm.write(
        "documents/acme-early.md",
        f"---\nkind: payment\ndeal: {deal}\nclient: acme-ltd\nstatus: received\n"
        f"date: 2026-11-20\namount: 300\ncurrency: EUR\nrelated: [{one}]\n---\n",
    )
    # early: 300 of the first; late: the 700 the first still owes, 500 of the second
    assert owed(crm) == {one: 0, two: 500}
    shown = json.loads(crm.run("doc", "show", one, "--json").stdout)
    assert [(p["ref"], p["amount"]) for p in shown["payments"]] == [
        ("acme-early", 300),
        (late, 700),
    ]
    # the first invoice cut to 200 by hand: 100 of the early payment and 200 of the late
    # one are more than the invoices owe, and check says so where the money is
    text = crm.read(f"documents/{one}.md")
    crm.write(f"documents/{one}.md", text.replace("amount: 1000", "amount: 200"))
    assert owed(crm) == {one: 0, two: 0}
    out = crm.run("check", ok=False).stdout
    assert "documents/acme-early.md:9: 100 EUR of this payment settles none of its" in out
    assert f"documents/{late}.md:" in out and "200 EUR of this payment settles none" in out


def test_the_same_invoice_twice_in_related_counts_once(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued")
    crm.run("pay", one, "--amount", "400")
    payment = add(crm, "payment", deal, "--related", one, "--related", one)
    fields = front(crm.read(f"documents/{payment}.md"))
    assert (fields["amount"], fields["related"]) == (600, [one])
    assert owed(crm) == {one: 0}
    crm.run("check")


def test_no_number_is_given_while_a_document_cannot_be_read(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued")
    assert one == "acme-ltd-invoice-a-2026-0001"
    text = crm.read(f"documents/{one}.md")
    crm.write(f"documents/{one}.md", text.replace("kind: invoice", "kind: [invoice"))
    draft = add(crm, "invoice", deal)  # a draft needs no number
    expected = (
        f"cannot number this invoice while documents/{one}.md cannot be read "
        f"(documents/{one}.md:2: "
    )
    for args in (
        ("doc", "add", "invoice", deal, "--status", "issued"),
        ("doc", "add", "invoice", deal, "--status", "issued", "--number", "A-2026-0001"),
        ("doc", "status", draft, "issued"),
    ):
        result = crm.fail(*args, code=EXIT_INVALID)
        assert expected in result.stderr
        assert "its number could be given twice; fix it ('plaincrm check'" in result.stderr
    assert front(crm.read(f"documents/{draft}.md"))["status"] == "draft"
    crm.write(f"documents/{one}.md", text)
    crm.run("doc", "status", draft, "issued")
    assert front(crm.read(f"documents/{draft}.md"))["number"] == "A-2026-0002"


def test_an_invoice_with_payments_cannot_be_cancelled(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued")
    payment = crm.run("pay", one, "--amount", "250").stdout.strip()
    result = crm.fail("doc", "status", one, "cancelled", code=EXIT_CONFLICT)
    assert (
        f"{one} cannot be cancelled: payments settle 250 EUR of it ({payment}); a cancelled "
        "invoice owes nothing, so they would settle nothing." in result.stderr
    )
    assert "delete the payment files" in result.stderr
    assert front(crm.read(f"documents/{one}.md"))["status"] == "issued"
    crm.git("rm", "-q", f"documents/{payment}.md")
    crm.git("commit", "-qm", "payment recorded by mistake")
    crm.run("doc", "status", one, "cancelled")
    assert front(crm.read(f"documents/{one}.md"))["status"] == "cancelled"
    crm.run("check")


def test_numbering_without_an_invoice_entry_numbers_invoices_by_default(crm: Crm) -> None:
    deal = setup_deal(crm)
    invoice_entry = (
        '    invoice:\n      format: "{series}-{year}-{seq:4}"\n      series: {anna: A, ben: B}\n'
    )
    text = crm.read("plaincrm.yaml")
    assert invoice_entry in text
    contract = "    contract: {format: 'C-{seq:3}', series: C}\n"
    crm.write("plaincrm.yaml", text.replace(invoice_entry, contract))
    crm.run("check")
    invoice = add(crm, "invoice", deal, "--status", "issued")
    assert front(crm.read(f"documents/{invoice}.md"))["number"] == "INV-2026-0001"
    contract_ref = add(crm, "contract", deal, "--status", "signed")
    assert front(crm.read(f"documents/{contract_ref}.md"))["number"] == "C-001"
    crm.run("check")


def test_another_currency_than_the_deals_needs_its_own_amount(crm: Crm) -> None:
    deal = setup_deal(crm)
    result = crm.fail("doc", "add", "invoice", deal, "--currency", "usd", code=EXIT_INVALID)
    assert (
        "the deal's amount is in EUR, not USD: give the invoice's amount in USD with --amount "
        "(or line items with --item)" in result.stderr
    )
    assert crm.run("doc", "list", "--json").stdout.strip() == "[]"
    quote = add(crm, "quote", deal, "--currency", "USD", "--amount", "1100")
    assert front(crm.read(f"documents/{quote}.md"))["amount"] == 1100
    same = add(crm, "quote", deal, "--currency", "EUR")
    assert (front(crm.read(f"documents/{same}.md"))["amount"]) == 1000
    shipment = add(crm, "shipment", deal, "--currency", "USD")  # no amount: nothing copied
    assert "amount" not in front(crm.read(f"documents/{shipment}.md"))


def test_a_document_without_currency_is_in_its_deals_currency(crm: Crm) -> None:
    deal = setup_deal(crm, "1000", "--currency", "USD")
    crm.write(
        "documents/acme-invoice-old.md",
        f"---\nkind: invoice\ndeal: {deal}\nclient: acme-ltd\nstatus: issued\n"
        "number: A-2026-0001\ndate: 2026-11-01\ndue: 2026-11-15\namount: 500\n---\n",
    )
    shown = json.loads(crm.run("doc", "show", "acme-invoice-old", "--json").stdout)
    assert (shown["amount"], shown["currency"]) == (500, "USD")
    listed = json.loads(crm.run("doc", "list", "--json").stdout)
    assert [(d["ref"], d["currency"]) for d in listed] == [("acme-invoice-old", "USD")]
    report = json.loads(crm.run("receivables", "--json").stdout)
    assert [(t["currency"], t["outstanding"]) for t in report["totals"]] == [("USD", 500)]
    payment = crm.run("pay", "acme-invoice-old", "--amount", "200").stdout.strip()
    assert front(crm.read(f"documents/{payment}.md"))["currency"] == "USD"
    assert "200 USD" in crm.run("client", "show", "acme-ltd").stdout
    crm.run("check")


def test_numbers_too_large_to_compute_with_are_refused_and_reported(crm: Crm) -> None:
    deal = setup_deal(crm)
    huge = "10000000000000000000000000000"
    result = crm.fail("deal", "add", "acme", "Huge", "--amount", huge, code=EXIT_INVALID)
    assert f"'{huge}' is too large: at most 13 digits before the decimal point" in result.stderr
    result = crm.fail("deal", "add", "acme", "Huge", "--amount", "99999999999999", code=6)
    assert "'99999999999999' is too large: at most 13 digits" in result.stderr
    # 13 digits and cents: read back exactly from the front matter
    crm.run("deal", "add", "acme", "Big", "--amount", "9999999999999.99")
    big = json.loads(crm.run("deal", "show", "acme-ltd-big", "--json").stdout)
    assert big["amount"] == 9999999999999.99
    result = crm.fail(
        "doc", "add", "invoice", deal, "--item", "x", "1000000000", "1000000000", "0",
        code=EXIT_INVALID,
    )  # fmt: skip
    assert (
        "line item 'x': its net is too large: at most 13 digits before the decimal point"
        in result.stderr
    )
    result = crm.fail("doc", "add", "quote", deal, "--item", "x", "1", huge, "0", code=6)
    assert f"price '{huge}' is too large" in result.stderr
    # written by hand: the commands go on, check reports each where it is
    text = crm.read(f"deals/{deal}.md")
    crm.write(f"deals/{deal}.md", text.replace("amount: 1000\n", f"amount: {huge}\n"))
    crm.write(
        "documents/acme-quote-x.md",
        f"---\nkind: quote\ndeal: {deal}\nstatus: draft\namount: {huge}\n"
        f"items:\n  - description: a\n    price: {huge}\n  - description: b\n    price: 1e40\n"
        "  - description: c\n    quantity: 100000000\n    price: 100000000\n"
        "  - description: d\n    price: .nan\n---\n",
    )
    for command in (
        ("pipeline",),
        ("deal", "list"),
        ("doc", "list"),
        ("doc", "show", "acme-quote-x"),
    ):
        crm.run(*command)
    crm.run("deal", "show", deal)
    out = crm.run("check", ok=False).stdout
    assert f"deals/{deal}.md:" in out
    assert f"amount: {huge} is too large: at most 13 digits before the decimal point" in out
    assert f"documents/acme-quote-x.md:5: amount: {huge} is too large" in out
    assert f"documents/acme-quote-x.md:8: items.0.price: {huge} is too large" in out
    assert (
        "documents/acme-quote-x.md:10: items.1.price: expected a number like 1200, not '1e40'"
        in out
    )
    assert "documents/acme-quote-x.md:11: line item 3: its net is too large" in out
    assert "documents/acme-quote-x.md:15: items.3.price:" in out  # .nan: the schema's
    assert "Traceback" not in out


def test_line_items_with_a_negative_total_are_refused_before_numbering(crm: Crm) -> None:
    deal = setup_deal(crm)
    result = crm.fail(
        "doc", "add", "invoice", deal, "--status", "issued", "--item", "Refund", "1", "-100",
        "27%", code=EXIT_INVALID,
    )  # fmt: skip
    assert "the line items' total is -127: an amount cannot be negative" in result.stderr
    assert crm.run("doc", "list", "--json").stdout.strip() == "[]"
    ok = add(crm, "invoice", deal, "--status", "issued", "--item", "Cups", "2", "100", "27%",
             "--item", "Discount", "1", "-54", "27%")  # fmt: skip
    assert ok == "acme-ltd-invoice-a-2026-0001"  # no number was used up
    assert front(crm.read(f"documents/{ok}.md"))["amount"] == 185.42  # (200 - 54) x 1.27
    crm.run("check")


def test_one_rounding_rule_and_one_number_grammar(crm: Crm) -> None:
    deal = setup_deal(crm, "1000.25")  # a lead: 10%, weighted 100.025
    listed = json.loads(crm.run("deal", "list", "--json").stdout)
    assert [d["weighted"] for d in listed] == [100.03]  # half up, as invoices round
    # typed the same way everywhere: .5 and 12. are numbers for --amount as for --item
    half = add(crm, "quote", deal, "--amount", ".5")
    assert front(crm.read(f"documents/{half}.md"))["amount"] == 0.5
    item = add(crm, "quote", deal, "--item", "x", "1", ".5", "0")
    assert front(crm.read(f"documents/{item}.md"))["amount"] == 0.5
    odd = add(crm, "quote", deal, "--amount", "0.125")
    shown = json.loads(crm.run("doc", "show", odd, "--json").stdout)
    assert shown["amount"] == 0.13
    assert "0.13 EUR" in crm.run("doc", "show", odd).stdout
    result = crm.fail("doc", "add", "quote", deal, "--amount", "-5", code=EXIT_INVALID)
    assert "'-5' is not an amount: use digits with an optional decimal point" in result.stderr
    assert "zero or more (the currency goes in --currency)" in result.stderr
    # converted at a rate: 0.25 USD x 0.9 = 0.225 EUR -> 0.23
    crm.run("campaign", "add", "Export", "--audience", "+x", "--cost", "1")
    crm.run("campaign", "respond", "export", "acme", "--deal", "Beans", "--amount", "0.25",
            "--currency", "USD")  # fmt: skip
    crm.run("deal", "win", "acme-ltd-beans")
    crm.write(
        "plaincrm.yaml", crm.read("plaincrm.yaml").replace("  rates: {}", "  rates: {USD: 0.9}")
    )
    rows = json.loads(crm.run("report", "campaigns", "--json").stdout)["campaigns"]
    assert [r["won_revenue_in_currency"] for r in rows] == [0.23]


def test_numbers_follow_the_dates(crm: Crm) -> None:
    deal = setup_deal(crm)
    first = add(crm, "invoice", deal, "--status", "issued")
    draft = add(crm, "invoice", deal)
    refused = (
        "invoice A-2026-0001 is dated 2026-11-27, so A-2026-0002, the next number of series A, "
        "cannot be dated 2026-10-01: numbers follow the dates (use --date 2026-11-27 or later)"
    )
    result = crm.fail(
        "doc", "add", "invoice", deal, "--status", "issued", "--date", "2026-10-01",
        code=EXIT_INVALID,
    )  # fmt: skip
    assert refused in result.stderr
    result = crm.fail("doc", "status", draft, "issued", "--date", "2026-10-01", code=EXIT_INVALID)
    assert refused in result.stderr
    assert front(crm.read(f"documents/{draft}.md"))["status"] == "draft"
    # another series has its own dates; so has another year
    ben = crm.run(
        "doc", "add", "invoice", deal, "--status", "issued", "--date", "2026-11-01",
        env={"PLAINCRM_USER": "ben"},
    ).stdout.strip()  # fmt: skip
    assert ben == "acme-ltd-invoice-b-2026-0001"
    assert add(crm, "invoice", deal, "--status", "issued", "--date", "2025-12-01").endswith(
        "a-2025-0001"
    )
    crm.run("doc", "status", draft, "issued", "--date", "2026-11-27")
    assert front(crm.read(f"documents/{draft}.md"))["number"] == "A-2026-0002"
    # a numbered invoice keeps the date its number follows
    result = crm.fail(
        "doc", "status", first, "cancelled", "--date", "2026-12-01", code=EXIT_CONFLICT
    )
    assert (
        f"{first} is numbered A-2026-0001 and dated 2026-11-27: --date would change the date "
        "its number follows; leave out --date" in result.stderr
    )
    crm.run("doc", "status", first, "cancelled", "--date", "2026-11-27")  # the same: fine
    fields = front(crm.read(f"documents/{first}.md"))
    assert (fields["status"], str(fields["date"])) == ("cancelled", "2026-11-27")
    crm.run("check")
