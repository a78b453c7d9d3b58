"""Documents through the CLI: add, status, pay, list, show, gates, check, timelines."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import yaml

from conftest import Crm
from plaincrm.core.errors import EXIT_AMBIGUOUS, EXIT_CONFLICT, EXIT_INVALID, EXIT_NOT_FOUND

DEAL = "deals/cafe-aurora-espresso-machines.md"


def front(text: str) -> dict:
    """The front matter as an independent YAML reader sees it."""
    return yaml.safe_load(text.split("---\n")[1])


def log_lines(text: str) -> list[str]:
    return [line for line in text.split("## Log", 1)[1].splitlines() if line.startswith("- ")]


def setup_deal(crm: Crm, amount: str = "12000") -> str:
    crm.run("client", "add", "Café Aurora")
    crm.run("deal", "add", "cafe-aurora", "Espresso machines", "--amount", amount)
    return "cafe-aurora-espresso-machines"


def add(crm: Crm, *args: str) -> str:
    """Run 'doc add' and return the new document's path."""
    ref = crm.run("doc", "add", *args).stdout.strip()
    return f"documents/{ref}.md"


def test_add_contract_writes_the_record_logs_and_commits_one_file(crm: Crm) -> None:
    deal = setup_deal(crm)
    result = crm.run("doc", "add", "contract", deal)
    ref = result.stdout.strip()
    assert re.fullmatch(r"cafe-aurora-contract-[a-z0-9]{6}", ref)
    path = f"documents/{ref}.md"
    text = crm.read(path)
    assert front(text) == {
        "kind": "contract",
        "title": "Contract for Espresso machines",
        "deal": deal,
        "client": "cafe-aurora",
        "status": "draft",
        "date": date(2026, 11, 27),
        "amount": 12000,
        "currency": "EUR",
        "owner": "anna",
        "created": date(2026, 11, 27),
    }
    assert log_lines(text) == ["- 2026-11-27 anna: added as draft"]
    assert crm.last_commit_files() == [path]
    assert crm.commits()[0] == f"doc add: contract for Espresso machines ({path})"
    assert f"Created {path}: Contract for Espresso machines, contract, draft, 12,000 EUR" in (
        result.stderr
    )
    assert crm.clean()


def test_issued_invoice_gets_number_due_date_and_item_totals(crm: Crm) -> None:
    deal = setup_deal(crm)
    path = add(
        crm,
        "invoice",
        deal,
        "--status",
        "issued",
        "--item",
        "Espresso machine X2",
        "2",
        "4999.99",
        "27%",
        "--item",
        "Installation",
        "1.5",
        "80",
        "5",
    )
    assert path == "documents/cafe-aurora-invoice-a-2026-0001.md"
    data = front(crm.read(path))
    # 2 x 4999.99 = 9999.98, tax 2699.9946 -> 2699.99; 1.5 x 80 = 120, tax 6
    assert data["amount"] == pytest.approx(9999.98 + 2699.99 + 120 + 6)
    assert data["number"] == "A-2026-0001"
    assert str(data["due"]) == "2026-12-11"
    assert data["items"] == [
        {"description": "Espresso machine X2", "quantity": 2, "price": 4999.99, "tax": 27},
        {"description": "Installation", "quantity": 1.5, "price": 80, "tax": 5},
    ]
    assert log_lines(crm.read(path)) == ["- 2026-11-27 anna: added as issued, number A-2026-0001"]
    shown = json.loads(crm.run("doc", "show", path[10:-3], "--json").stdout)
    assert shown["totals"] == {"net": 10119.98, "tax": 2705.99, "total": 12825.97}
    assert shown["outstanding"] == 12825.97


def test_add_refuses_what_makes_no_sense(crm: Crm) -> None:
    deal = setup_deal(crm)
    result = crm.fail("doc", "add", "invoise", deal, code=EXIT_INVALID)
    assert "unknown document kind 'invoise' (did you mean 'invoice'?)" in result.stderr
    result = crm.fail("doc", "add", "contract", deal, "--status", "singed", code=EXIT_INVALID)
    assert "'singed' is not a status of a contract (did you mean 'signed'?)" in result.stderr
    result = crm.fail("doc", "add", "invoice", deal, "--status", "signed", code=EXIT_INVALID)
    assert "'signed' is not a status of an invoice; use one of:" in result.stderr
    result = crm.fail("doc", "add", "contract", "nope", code=EXIT_NOT_FOUND)
    assert "no deal 'nope'" in result.stderr
    result = crm.fail(
        "doc",
        "add",
        "invoice",
        deal,
        "--amount",
        "100",
        "--item",
        "X",
        "1",
        "90",
        "0",
        code=EXIT_INVALID,
    )
    assert "--amount 100 differs from the line items' total 90" in result.stderr
    result = crm.fail("doc", "add", "invoice", deal, "--status", "paid", code=EXIT_INVALID)
    assert "record its payment with 'plaincrm pay REF'" in result.stderr
    result = crm.fail("doc", "add", "invoice", deal, "--item", "X", "one", "5", "0", code=6)
    assert "'one' is not a quantity" in result.stderr
    result = crm.fail("doc", "add", "invoice", deal, "--item", "X", "1", "5", "120", code=6)
    assert "tax rate '120' is more than 100%" in result.stderr
    crm.run("deal", "add", "cafe-aurora", "Grinders")
    result = crm.fail(
        "doc", "add", "invoice", "cafe-aurora-grinders", "--status", "issued", code=EXIT_INVALID
    )
    assert "an issued invoice needs an amount" in result.stderr
    result = crm.fail("doc", "add", "invoice", "cafe", code=EXIT_AMBIGUOUS)
    assert "matches 2 records" in result.stderr
    result = crm.fail("doc", "add", "contract", deal, "--owner", "zoe", code=EXIT_INVALID)
    assert "'zoe' is not a user in plaincrm.yaml" in result.stderr
    assert not list((crm.root / "documents").glob("*.md"))


def test_explicit_numbers_must_be_free(crm: Crm) -> None:
    deal = setup_deal(crm)
    add(crm, "contract", deal, "--number", "C-17")
    result = crm.fail("doc", "add", "contract", deal, "--number", "C-17", code=EXIT_CONFLICT)
    assert "contract number C-17 is already used by documents/cafe-aurora-contract-c-17.md" in (
        result.stderr
    )
    add(crm, "invoice", deal, "--status", "issued", "--amount", "5")
    result = crm.fail(
        "doc", "add", "invoice", deal, "--amount", "5", "--number", "A-2026-1", code=EXIT_CONFLICT
    )
    assert (
        "invoice number A-2026-1 is already used by documents/cafe-aurora-invoice-a-2026-0001.md"
        in (result.stderr)
    )


def test_status_change_touches_only_status_date_and_log(crm: Crm) -> None:
    deal = setup_deal(crm)
    path = add(crm, "contract", deal, "--date", "2026-11-20")
    text = crm.read(path)
    hand = text.replace("owner: anna", "owner: anna   # signs for us").replace(
        "## Tasks", "Signed copy in the shared drive.\n\n## Tasks"
    )
    crm.write(path, hand)
    crm.git("commit", "-qam", "notes")
    result = crm.run("doc", "status", path[10:-3], "signed")
    assert f"Changed {path}: status draft -> signed;" in result.stderr
    new = crm.read(path)
    expected = hand.replace("status: draft", "status: signed").replace(
        "date: 2026-11-20", "date: 2026-11-27"
    ) + ("- 2026-11-27 anna: status draft -> signed\n")
    assert new == expected
    assert crm.last_commit_files() == [path]
    assert (
        crm.commits()[0] == f"doc status: Contract for Espresso machines draft -> signed ({path})"
    )
    crm.fail("doc", "status", path[10:-3], "signed", code=EXIT_CONFLICT)


def test_issuing_a_draft_invoice_numbers_and_dates_it(crm: Crm) -> None:
    deal = setup_deal(crm)
    first = add(crm, "invoice", deal, "--date", "2026-11-20", "--amount", "100")
    second = add(crm, "invoice", deal, "--amount", "50")
    assert "number" not in front(crm.read(first))
    crm.run("doc", "status", second[10:-3], "issued")
    crm.run("doc", "status", first[10:-3], "issued", "--due", "2027-01-31")
    assert front(crm.read(second))["number"] == "A-2026-0001"
    data = front(crm.read(first))
    assert (data["number"], str(data["date"]), str(data["due"])) == (
        "A-2026-0002",
        "2026-11-27",
        "2027-01-31",
    )
    assert log_lines(crm.read(first))[-1] == (
        "- 2026-11-27 anna: status draft -> issued, number A-2026-0002, due 2027-01-31"
    )
    result = crm.fail("doc", "status", first[10:-3], "issued", code=EXIT_CONFLICT)
    assert "already issued" in result.stderr


def test_invoice_status_rules(crm: Crm) -> None:
    deal = setup_deal(crm)
    issued = add(crm, "invoice", deal, "--status", "issued", "--amount", "100")
    ref = issued[10:-3]
    result = crm.fail("doc", "status", ref, "draft", code=EXIT_CONFLICT)
    assert "was issued as A-2026-0001 and cannot go back to draft" in result.stderr
    result = crm.fail("doc", "status", ref, "paid", code=EXIT_CONFLICT)
    assert f"payments cover 0 EUR of 100 EUR: record the payment with 'plaincrm pay {ref}'" in (
        result.stderr
    )
    crm.run("doc", "status", ref, "cancelled")
    result = crm.fail("doc", "status", ref, "issued", code=EXIT_CONFLICT)
    assert "is cancelled and stays so" in result.stderr
    draft = add(crm, "invoice", deal, "--amount", "100")
    result = crm.fail("doc", "status", draft[10:-3], "paid", code=EXIT_CONFLICT)
    assert "is a draft: issue it first" in result.stderr
    crm.run("deal", "add", "cafe-aurora", "Grinders")
    empty = add(crm, "invoice", "cafe-aurora-grinders")
    result = crm.fail("doc", "status", empty[10:-3], "issued", code=EXIT_INVALID)
    assert "has no amount" in result.stderr
    # the cancelled invoice kept its number: the next one continues the series
    crm.run("doc", "status", draft[10:-3], "issued")
    assert front(crm.read(draft))["number"] == "A-2026-0002"


def test_partial_then_full_payment(crm: Crm) -> None:
    deal = setup_deal(crm)
    invoice = add(crm, "invoice", deal, "--status", "issued", "--amount", "1000.50")
    ref = invoice[10:-3]
    result = crm.run("pay", ref, "--amount", "400.25", "--date", "2026-11-25")
    first = f"documents/{result.stdout.strip()}.md"
    assert "600.25 EUR of invoice A-2026-0001 outstanding" in result.stderr
    assert crm.last_commit_files() == sorted([first, invoice])
    assert crm.commits()[0] == f"pay: invoice A-2026-0001 ({invoice})"
    payment = front(crm.read(first))
    assert payment["kind"] == "payment"
    assert payment["related"] == [ref]
    assert payment["amount"] == 400.25
    assert str(payment["date"]) == "2026-11-25"
    assert payment["status"] == "received"
    assert front(crm.read(invoice))["status"] == "issued"
    result = crm.fail("pay", ref, "--amount", "700", code=EXIT_INVALID)
    assert "700 EUR is more than the 600.25 EUR outstanding" in result.stderr
    result = crm.run("pay", ref)
    second = f"documents/{result.stdout.strip()}.md"
    assert front(crm.read(second))["amount"] == 600.25
    assert "invoice A-2026-0001 is paid in full" in result.stderr
    assert front(crm.read(invoice))["status"] == "paid"
    first_ref, second_ref = first[10:-3], second[10:-3]
    assert log_lines(crm.read(invoice)) == [
        "- 2026-11-27 anna: added as issued, number A-2026-0001",
        f"- 2026-11-27 anna: payment {first_ref}: 400.25 EUR, 600.25 EUR outstanding",
        f"- 2026-11-27 anna: payment {second_ref}: 600.25 EUR, paid in full",
        "- 2026-11-27 anna: status issued -> paid",
    ]
    result = crm.fail("pay", ref, code=EXIT_CONFLICT)
    assert "is already paid" in result.stderr
    assert crm.run("check").exit_code == 0


def test_pay_refuses_drafts_other_kinds_and_zero(crm: Crm) -> None:
    deal = setup_deal(crm)
    draft = add(crm, "invoice", deal, "--amount", "10")
    result = crm.fail("pay", draft[10:-3], code=EXIT_CONFLICT)
    assert "is draft: only issued invoices are paid" in result.stderr
    contract = add(crm, "contract", deal)
    result = crm.fail("pay", contract[10:-3], code=EXIT_INVALID)
    assert "is a contract, not an invoice" in result.stderr
    crm.run("doc", "status", draft[10:-3], "issued")
    result = crm.fail("pay", draft[10:-3], "--amount", "0", code=EXIT_INVALID)
    assert "must be more than 0" in result.stderr
    result = crm.fail("pay", draft[10:-3], "--amount", "ten", code=EXIT_INVALID)
    assert "'ten' is not an amount" in result.stderr


def test_doc_add_payment_settles_invoices_in_order(crm: Crm) -> None:
    deal = setup_deal(crm)
    one = add(crm, "invoice", deal, "--status", "issued", "--amount", "300")
    two = add(crm, "invoice", deal, "--status", "issued", "--amount", "200")
    payment = add(
        crm, "payment", deal, "--related", one[10:-3], "--related", two[10:-3], "--amount", "450"
    )
    assert sorted(crm.last_commit_files()) == sorted([payment, one, two])
    assert front(crm.read(one))["status"] == "paid"
    assert front(crm.read(two))["status"] == "issued"
    shown = json.loads(crm.run("doc", "show", two[10:-3], "--json").stdout)
    assert (shown["paid"], shown["outstanding"]) == (150, 50)
    usd = add(crm, "invoice", deal, "--status", "issued", "--amount", "10", "--currency", "usd")
    result = crm.fail(
        "doc", "add", "payment", deal, "--related", usd[10:-3], "--currency", "EUR", code=6
    )
    assert "is in USD, not EUR: a payment is in the currency of its invoice" in result.stderr
    result = crm.fail(
        "doc", "add", "payment", deal, "--related", usd[10:-3], "--related", two[10:-3], code=6
    )
    assert "different currencies (EUR, USD)" in result.stderr
    result = crm.fail("doc", "add", "payment", deal, code=EXIT_INVALID)
    assert "a payment needs --amount" in result.stderr


def test_list_queries_and_json(crm: Crm) -> None:
    deal = setup_deal(crm)
    contract = add(crm, "contract", deal, "--status", "signed")
    late = add(
        crm, "invoice", deal, "--status", "issued", "--amount", "500", "--date", "2026-10-01"
    )
    fresh = add(crm, "invoice", deal, "--status", "issued", "--amount", "70")
    crm.run("pay", late[10:-3], "--amount", "100")
    result = crm.run("doc", "list", "kind:invoice")
    lines = result.stdout.splitlines()
    assert lines[0].split() == [
        "REF",
        "TITLE",
        "KIND",
        "NUMBER",
        "STATUS",
        "DATE",
        "AMOUNT",
        "OWED",
        "DUE",
        "CLIENT",
    ]
    assert [line.split()[0] for line in lines[1:]] == [fresh[10:-3], late[10:-3]]
    assert "2026-10-15 (43d late)" in result.stdout
    assert "2 documents; invoices owe 470 EUR" in result.stderr
    overdue = json.loads(crm.run("doc", "list", "overdue>0", "--json").stdout)
    assert [(d["ref"], d["outstanding"], d["paid"]) for d in overdue] == [(late[10:-3], 400, 100)]
    signed = json.loads(crm.run("doc", "list", "status:signed", "--json").stdout)
    assert [d["path"] for d in signed] == [contract]
    owing = crm.run("doc", "list", "outstanding>100", "sort:number").stdout
    assert late[10:-3] in owing and fresh[10:-3] not in owing
    assert crm.run("doc", "list", "kind:shipment").stdout == "No documents match.\n"
    result = crm.fail("doc", "list", "amount>lots", code=2)
    assert "'lots' is not a number" in result.stderr


def test_show_lists_items_payments_related_and_log(crm: Crm) -> None:
    deal = setup_deal(crm)
    contract = add(crm, "contract", deal, "--status", "signed")
    invoice = add(
        crm,
        "invoice",
        deal,
        "--status",
        "issued",
        "--related",
        contract[10:-3],
        "--item",
        "Machine",
        "2",
        "100",
        "27",
    )
    payment = crm.run("pay", invoice[10:-3], "--amount", "54").stdout.strip()
    text = crm.run("doc", "show", invoice[10:-3]).stdout
    assert "Invoice for Espresso machines   (documents/cafe-aurora-invoice-a-2026-0001.md)" in text
    assert re.search(r"Machine\s+2\s+100\s+27%\s+200\s+54", text)
    assert "total incl. tax: 254 EUR" in text
    assert f"2026-11-27  {payment}  Payment of invoice A-2026-0001  54 EUR" in text
    assert "paid 54 EUR, 200 EUR outstanding" in text
    assert re.search(
        rf"{contract[10:-3]}\s+Contract for Espresso machines\s+contract\s+signed", text
    )
    assert "anna: added as issued, number A-2026-0001" in text
    data = json.loads(crm.run("doc", "show", contract[10:-3], "--json").stdout)
    assert data["referred_by"] == ["cafe-aurora-invoice-a-2026-0001"]
    assert data["log"][0]["text"] == "added as signed"


def test_documents_on_client_card_deal_show_and_today(crm: Crm) -> None:
    deal = setup_deal(crm)
    invoice = add(
        crm, "invoice", deal, "--status", "issued", "--amount", "300", "--date", "2026-10-01"
    )
    crm.run("pay", invoice[10:-3], "--amount", "100")
    card = crm.run("client", "show", "cafe-aurora").stdout
    assert "Documents" in card
    assert re.search(
        r"cafe-aurora-invoice-a-2026-0001\s+Invoice for Espresso machines\s+"
        r"invoice\s+A-2026-0001\s+issued\s+300 EUR",
        card,
    )
    assert "anna: status issued" not in card
    assert "anna: added as issued, number A-2026-0001  [Invoice for Espresso machines]" in card
    shown = crm.run("deal", "show", deal).stdout
    assert re.search(
        r"Invoice for Espresso machines \(A-2026-0001\)\s+invoice\s+issued\s+300 EUR\s+"
        r"2026-10-01\s+owes 200 EUR",
        shown,
    )
    assert "anna: added as issued, number A-2026-0001  [Invoice for Espresso machines]" in shown
    deal_json = json.loads(crm.run("deal", "show", deal, "--json").stdout)
    assert [d["kind"] for d in deal_json["documents"]] == ["invoice", "payment"]
    today = json.loads(crm.run("today", "--json").stdout)
    reasons = [a for a in today["attention"] if a["kind"] == "invoice"]
    assert reasons == [
        {
            "kind": "invoice",
            "record": invoice,
            "title": "Invoice for Espresso machines",
            "reason": "invoice A-2026-0001 overdue 43 days: 200 EUR of 300 EUR outstanding "
            "(due 2026-10-15)",
            "client": "Café Aurora",
        }
    ]
    ben = json.loads(crm.run("today", "--owner", "ben", "--json").stdout)
    assert not [a for a in ben["attention"] if a["kind"] == "invoice"]
    crm.run("pay", invoice[10:-3])
    today = json.loads(crm.run("today", "--json").stdout)
    assert not [a for a in today["attention"] if a["kind"] == "invoice"]


def _require(crm: Crm, stage: str, requires: str) -> None:
    text = crm.read("plaincrm.yaml")
    old = next(line for line in text.splitlines() if f"{{name: {stage}," in line)
    crm.write("plaincrm.yaml", text.replace(old, old.replace("}", f", requires: {requires}}}")))


def test_stage_gate_blocks_win_without_a_signed_contract(crm: Crm) -> None:
    deal = setup_deal(crm)
    _require(crm, "won", "[contract]")
    crm.run("check")
    contract = add(crm, "contract", deal, "--status", "sent")
    result = crm.fail("deal", "win", deal, code=EXIT_CONFLICT)
    assert (
        f"{deal} cannot go to won: it needs a signed contract (add it with 'plaincrm doc add "
        f"contract {deal} --status signed')"
    ) in result.stderr
    crm.run("doc", "status", contract[10:-3], "signed")
    crm.run("deal", "win", deal)
    assert front(crm.read(DEAL))["stage"] == "won"


def test_forced_gate_is_logged_and_status_names_work(crm: Crm) -> None:
    deal = setup_deal(crm)
    _require(crm, "proposal", "[quote:accepted, contract]")
    quote = add(crm, "quote", deal, "--status", "sent")
    result = crm.fail("deal", "move", deal, "proposal", code=EXIT_CONFLICT)
    assert "it needs an accepted quote and a signed contract" in result.stderr
    crm.run("deal", "move", deal, "proposal", "--force")
    assert log_lines(crm.read(DEAL))[-2].endswith(
        "forced past: it needs an accepted quote and a signed contract (add it with "
        f"'plaincrm doc add quote {deal} --status accepted')"
    )
    crm.run("doc", "status", quote[10:-3], "rejected")
    crm.run("deal", "move", deal, "lead")
    add(crm, "contract", deal, "--status", "signed")
    result = crm.fail("deal", "move", deal, "proposal", code=EXIT_CONFLICT)
    assert "it needs an accepted quote (add" in result.stderr


def test_the_first_stage_cannot_require_documents(crm: Crm) -> None:
    """Every new deal starts there, also those a ticket or a campaign response opens."""
    _require(crm, "lead", "[quote]")
    result = crm.run("check", ok=False)
    line = next(n for n, t in enumerate(crm.read("plaincrm.yaml").splitlines(), 1) if "lead" in t)
    assert (
        f"plaincrm.yaml:{line}: the first stage cannot require documents: every new deal "
        "starts in it (deal add, ticket close --upsell, campaign respond --deal)"
    ) in result.stdout


def test_bad_requirements_are_reported_and_stop_the_gate(crm: Crm) -> None:
    deal = setup_deal(crm)
    _require(crm, "won", "[contrakt, quote:signed]")
    result = crm.run("check", ok=False)
    line = next(
        n for n, t in enumerate(crm.read("plaincrm.yaml").splitlines(), 1) if "contrakt" in t
    )
    assert f"plaincrm.yaml:{line}: requires: 'contrakt' is not a document kind" in result.stdout
    assert (
        f"plaincrm.yaml:{line}: requires: 'signed' is not a status of quote (draft, sent, accepted)"
    ) in result.stdout
    result = crm.fail("deal", "win", deal, code=5)
    assert "the stage requirements in plaincrm.yaml have problems" in result.stderr


def test_custom_kinds_and_their_numbering(crm: Crm) -> None:
    deal = setup_deal(crm)
    text = (
        crm.read("plaincrm.yaml")
        .replace(
            "kinds: [quote, contract, invoice, payment, shipment]",
            "kinds: [contract, invoice, payment, {name: nda, statuses: [draft, signed, void], "
            "void: [void]}]",
        )
        .replace("  numbering:\n", "  numbering:\n    nda: {format: 'NDA/{seq:3}', series: NDA}\n")
    )
    crm.write("plaincrm.yaml", text)
    crm.run("check")
    nda = add(crm, "nda", deal)
    crm.run("doc", "status", nda[10:-3], "signed")
    assert front(crm.read(nda))["number"] == "NDA/001"
    result = crm.fail("doc", "add", "quote", deal, code=EXIT_INVALID)
    assert "the kinds are: contract, invoice, payment, nda" in result.stderr
    _require(crm, "won", "[nda]")
    crm.run("deal", "win", deal)


def test_check_reports_document_problems_with_lines(crm: Crm) -> None:
    deal = setup_deal(crm)
    crm.run("client", "add", "Bolt Bistro")
    invoice = add(crm, "invoice", deal, "--status", "issued", "--item", "A", "1", "100", "0")
    paid = add(crm, "invoice", deal, "--status", "issued", "--amount", "50")
    covered = add(crm, "invoice", deal, "--status", "issued", "--amount", "20")
    payment = add(crm, "payment", deal, "--related", covered[10:-3])
    crm.write(invoice, crm.read(invoice).replace("amount: 100", "amount: 90"))
    crm.write(paid, crm.read(paid).replace("status: issued", "status: paid"))
    crm.write(covered, crm.read(covered).replace("status: paid", "status: issued"))
    crm.write(payment, crm.read(payment).replace("client: cafe-aurora", "client: bolt-bistro"))
    crm.write(
        "documents/odd.md",
        "---\nkind: memo\ndeal: cafe-aurora-espresso-machines\nstatus: draft\n---\n",
    )
    crm.write(
        "documents/odd-status.md",
        "---\nkind: contract\ndeal: cafe-aurora-espresso-machines\nstatus: done\n"
        "related: [ghost]\n---\n",
    )
    out = crm.run("check", ok=False).stdout

    def line(path: str, key: str) -> int:
        return next(n for n, t in enumerate(crm.read(path).splitlines(), 1) if t.startswith(key))

    expected = [
        f"{invoice}:{line(invoice, 'amount')}: amount 90 differs from the line items' total 100 "
        "(net 100 + tax 0)",
        f"{paid}:{line(paid, 'status')}: marked paid, but payments cover 0 EUR of 50 EUR",
        f"{covered}:{line(covered, 'status')}: its payments cover it: mark it paid",
        f"{payment}:{line(payment, 'client')}: client: 'bolt-bistro' but its deal {deal} is with "
        "'cafe-aurora': make them agree",
        "documents/odd.md:2: kind: 'memo' is not a document kind (quote, contract, invoice, "
        "payment, shipment)",
        "documents/odd-status.md:4: status: 'done' is not a status of a contract",
        "documents/odd-status.md:5: related: 'ghost' does not exist (documents/ghost.md)",
    ]
    for message in expected:
        assert message in out, message


def test_check_reports_bad_document_settings(crm: Crm) -> None:
    setup_deal(crm)  # before the settings break: a stage may consult them
    text = crm.read("plaincrm.yaml")
    crm.write(
        "plaincrm.yaml",
        text.replace('format: "{series}-{year}-{seq:4}"', 'format: "{series}-{year}"').replace(
            "payment_days: 14", "payment_days: soon"
        ),
    )
    out = crm.run("check", ok=False).stdout
    lines = crm.read("plaincrm.yaml").splitlines()
    days = next(n for n, t in enumerate(lines, 1) if t.strip().startswith("payment_days:"))
    invoice = next(n for n, t in enumerate(lines, 1) if t.strip() == "invoice:")
    assert f"plaincrm.yaml:{days}: documents.payment_days must be a whole number" in out
    assert f"plaincrm.yaml:{invoice}: format '{{series}}-{{year}}' needs {{seq}}" in out
    result = crm.fail("doc", "add", "contract", "cafe-aurora-espresso-machines", code=5)
    assert "the documents settings in plaincrm.yaml have problems" in result.stderr


def test_a_broken_document_is_skipped_not_fatal(crm: Crm) -> None:
    deal = setup_deal(crm)
    good = add(crm, "invoice", deal, "--status", "issued", "--amount", "10")
    crm.write("documents/broken.md", "---\nkind: [invoice\n---\n")
    result = crm.run("doc", "list")
    assert good[10:-3] in result.stdout
    assert "warning: documents/broken.md:2:" in result.stderr
    assert crm.run("receivables").exit_code == 0
    result = crm.fail("doc", "show", "broken", code=EXIT_INVALID)
    assert "documents/broken.md:2:" in result.stderr
    assert "documents/broken.md:2:" in crm.run("check", ok=False).stdout


def test_json_of_add_status_and_pay(crm: Crm) -> None:
    deal = setup_deal(crm)
    added = json.loads(crm.run("doc", "add", "invoice", deal, "--amount", "80", "--json").stdout)
    assert (added["kind"], added["status"], added["number"], added["amount"]) == (
        "invoice",
        "draft",
        None,
        80,
    )
    issued = json.loads(crm.run("doc", "status", added["ref"], "issued", "--json").stdout)
    assert (issued["number"], issued["due"], issued["outstanding"]) == (
        "A-2026-0001",
        "2026-12-11",
        80,
    )
    paid = json.loads(crm.run("pay", added["ref"], "--amount", "30.5", "--json").stdout)
    assert (paid["kind"], paid["amount"], paid["related"]) == ("payment", 30.5, [added["ref"]])
    assert (paid["invoice"]["paid"], paid["invoice"]["outstanding"]) == (30.5, 49.5)
    assert paid["invoice"]["payments"] == [
        {"ref": paid["ref"], "date": "2026-11-27", "amount": 30.5}
    ]


def test_shipment_goes_planned_shipped_delivered(crm: Crm) -> None:
    deal = setup_deal(crm)
    contract = add(crm, "contract", deal, "--status", "signed")
    shipment = add(crm, "shipment", deal, "--related", contract[10:-3], "--date", "2026-11-20")
    assert "amount" not in front(crm.read(shipment))
    crm.run("doc", "status", shipment[10:-3], "shipped")
    crm.run("doc", "status", shipment[10:-3], "delivered", "--date", "2026-11-28")
    data = front(crm.read(shipment))
    assert (data["status"], str(data["date"])) == ("delivered", "2026-11-28")
    assert log_lines(crm.read(shipment)) == [
        "- 2026-11-27 anna: added as planned",
        "- 2026-11-27 anna: status planned -> shipped",
        "- 2026-11-27 anna: status shipped -> delivered",
    ]
    result = crm.fail("doc", "status", shipment[10:-3], "lost", code=EXIT_INVALID)
    assert "use one of: planned, shipped, delivered" in result.stderr
