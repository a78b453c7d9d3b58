"""The core tested directly from file texts (``textcrm``), without the command line:
store, records, model, money, settings and the git module (issue 13, item 6)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from plaincrm.core.errors import InvalidError, Problem
from plaincrm.core.money import Amounts, Currencies, convert, read_currencies
from plaincrm.core.records import append_log, log_line
from plaincrm.core.settings import read_config
from plaincrm.core.store import Store
from plaincrm.git import repo as gitrepo

Make = Callable[..., Store]

ACME = """
    ---
    name: Acme Ltd
    kind: company
    owner: anna
    ---

    Buys beans.

    ## Tasks

    - [ ] Call about the renewal due:2026-11-30 id:ac1234
    - [x] Send the offer done:2026-11-20 id:ac5678
      They liked it.
"""
DEAL = """
    ---
    client: acme
    title: Compact machine
    stage: lead
    amount: 12 000
    close: not a date
    owner: ben
    ---

    ## Log

    - 2026-11-20 ben: opened in lead (10%)
"""


def test_the_store_reads_resolves_and_links_records(textcrm: Make) -> None:
    store = textcrm({"clients/acme.md": ACME, "deals/acme-compact.md": DEAL})
    [client] = store.records("client")
    assert (client.slug, client.title, client.owner) == ("acme", "Acme Ltd", "anna")
    assert store.resolve("acme-c") == "deals/acme-compact.md"  # an unambiguous prefix
    assert store.linked("client", "acme") == ["deals/acme-compact.md"]
    open_tasks = store.tasks(state="open")
    assert [(t.task.id, t.task.due) for t in open_tasks] == [("ac1234", "2026-11-30")]
    done = store.tasks(state="done")
    assert [t.task.note for t in done] == ["They liked it."]


def test_the_model_types_values_by_schema_and_says_what_is_wrong(textcrm: Make) -> None:
    store = textcrm({"clients/acme.md": ACME, "deals/acme-compact.md": DEAL})
    deal = store.load("deals/acme-compact.md")
    assert deal.get_number("amount") == Decimal(12000)  # "12 000" typed by hand
    assert [entry.who for entry in deal.log] == ["ben"]
    problems = [str(p) for p in deal.problems]
    assert problems == [
        "deals/acme-compact.md:6: close: expected a date like 2026-11-27, not 'not a date'"
    ]


def test_a_broken_file_is_a_located_problem_and_stops_nothing(textcrm: Make) -> None:
    store = textcrm({"clients/acme.md": ACME, "clients/broken.md": "---\nname: [oops\n---\n"})
    assert [c.slug for c in store.records("client")] == ["acme"]
    [problem] = store.broken()
    assert problem.path == "clients/broken.md" and problem.line >= 1


def test_records_edits_keep_the_rest_of_the_text(textcrm: Make) -> None:
    store = textcrm({"clients/acme.md": ACME})
    line = log_line("2026-11-27", "anna", "met at the fair")
    store.modify("clients/acme.md", lambda text: append_log(text, [line]), "log: fair")
    text = store.read_text("clients/acme.md")
    assert text.startswith("---\nname: Acme Ltd\n") and "Buys beans." in text
    assert text.rstrip().endswith("## Log\n\n- 2026-11-27 anna: met at the fair")


def test_the_git_module_commits_with_the_trailers_and_walks_the_log(textcrm: Make) -> None:
    store = textcrm({"clients/acme.md": ACME})
    line = log_line("2026-11-27", "anna", "called")
    store.modify("clients/acme.md", lambda text: append_log(text, [line]), "log: called")
    newest, first = list(gitrepo.walk_commits(store.root))
    assert (newest.subject, newest.by_plaincrm, newest.users) == ("log: called", True, ["anna"])
    assert (first.subject, first.by_plaincrm) == ("texts", False)
    assert store.root.joinpath(".git").is_dir() and gitrepo.has_commits(store.root)


def test_settings_problems_are_located_and_do_not_stop_reading(textcrm: Make) -> None:
    settings = """
        users:
          - name: anna
          - name: anna
        workday:
          start: "25:00"
    """
    store = textcrm({"plaincrm.yaml": settings})
    config = read_config(store.root)
    found = sorted((p.line, p.message) for p in config.problems)
    assert found[0] == (3, "user 'anna' is listed twice"), found
    assert found[1] == (5, "workday.start must be a time like 09:00"), found


MONEY = """
    users: [anna]
    money:
      currency: HUF
      rates: {EUR: 400, USD: 370}
    pipeline:
      currency: EUR
      rates: {USD: 0.92}
"""
OLD = """
    users: [anna]
    pipeline:
      currency: EUR
      rates: {USD: 0.92, NOK: -1}
"""


def test_money_is_the_crms_and_the_pipelines_keys_still_count(textcrm: Make) -> None:
    crm = textcrm({"plaincrm.yaml": MONEY})
    money, problems = read_currencies(crm.config)
    assert (money.currency, money.rates, money.where, problems) == (
        "HUF",
        {"EUR": Decimal(400), "USD": Decimal(370)},
        "money",
        [],
    )
    old = textcrm({"plaincrm.yaml": OLD}, commit=False)
    money, problems = read_currencies(old.config)
    assert (money.currency, money.rates, money.where) == (
        "EUR",
        {"USD": Decimal("0.92")},
        "pipeline",
    )
    assert problems == [Problem("plaincrm.yaml", 4, "rates.NOK: '-1' is not a positive number")]
    bare = textcrm({"plaincrm.yaml": "users: [anna]\n"}, commit=False)
    assert read_currencies(bare.config) == (Currencies("EUR", {}, "money"), [])


def test_conversion_rounds_to_cents_and_names_the_missing_rate() -> None:
    rates = Currencies("EUR", {"USD": Decimal("0.92")}, "pipeline")
    assert convert(Decimal("10.005"), "EUR", "USD", rates) == Decimal("10.88")
    totals = Amounts({"EUR": Decimal(100), "USD": Decimal(50)})
    assert totals.converted("EUR", rates) == {"EUR": Decimal("146.00")}
    with pytest.raises(InvalidError) as refused:
        convert(Decimal(1), "NOK", "EUR", rates)
    assert refused.value.message.startswith(
        "no exchange rate for NOK: add 'NOK: RATE' (the value of 1 NOK in EUR) under "
        "pipeline.rates in plaincrm.yaml"
    )
    with pytest.raises(InvalidError) as refused:
        convert(Decimal(1), "NOK", "EUR", Currencies())  # none set: the new place
    assert "under money.rates in plaincrm.yaml" in refused.value.message
