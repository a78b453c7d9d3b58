"""Deals through the installed command: add, move, win, lose, reopen, set, list, show."""

from __future__ import annotations

import json
import re

import pytest

from conftest import Crm
from plaincrm.core import kinds
from plaincrm.core.errors import (
    EXIT_CONFLICT,
    EXIT_INVALID,
    EXIT_NO_REPO,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
    InvalidError,
)
from plaincrm.core.settings import load_config
from plaincrm.core.store import Store
from plaincrm.sales import dealops

DEAL = "deals/acme-ltd-espresso-machines.md"


def _client(crm: Crm, name: str = "Acme Ltd") -> str:
    return crm.run("client", "add", name).stdout.strip()


def _deal(crm: Crm, *args: str) -> str:
    _client(crm)
    return crm.run(
        "deal",
        "add",
        "acme",
        "Espresso machines",
        "--amount",
        "12000",
        "--close",
        "2027-01-15",
        *args,
    ).stdout.strip()


def _front(text: str) -> dict[str, str]:
    front = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)


def _log(text: str) -> list[str]:
    return [line for line in text.split("## Log\n", 1)[1].splitlines() if line.startswith("- ")]


def test_a_deal_moves_through_the_stages_and_is_won(crm: Crm) -> None:
    ref = _deal(crm)
    assert ref == "acme-ltd-espresso-machines"
    assert crm.commits()[0] == f"deal add: Espresso machines ({DEAL})"
    assert crm.last_commit_files() == [DEAL]
    front = _front(crm.read(DEAL))
    assert front["client"] == "acme-ltd"
    assert front["stage"] == "lead"
    assert front["probability"] == "10"
    assert front["amount"] == "12000"
    assert front["currency"] == "EUR"
    assert front["close"] == "2027-01-15"
    assert front["owner"] == "anna"
    assert front["created"] == "2026-11-27"
    for stage, probability in (("qualified", 25), ("proposal", 50), ("negotiation", 75)):
        out = crm.run("deal", "move", ref, stage).stdout
        assert f"({probability}%)" in out
        assert _front(crm.read(DEAL))["probability"] == str(probability)
        assert crm.last_commit_files() == [DEAL]
    assert crm.commits()[0] == f"deal move: Espresso machines proposal -> negotiation ({DEAL})"
    crm.run("deal", "win", ref, "--amount", "11500")
    front = _front(crm.read(DEAL))
    assert (front["stage"], front["probability"], front["amount"]) == ("won", "100", "11500")
    assert front["closed"] == "2026-11-27"
    assert _log(crm.read(DEAL)) == [
        "- 2026-11-27 anna: opened in lead (10%)",
        "- 2026-11-27 anna: stage lead -> qualified (25%)",
        "- 2026-11-27 anna: stage qualified -> proposal (50%)",
        "- 2026-11-27 anna: stage proposal -> negotiation (75%)",
        "- 2026-11-27 anna: won at negotiation (11500 EUR)",
    ]
    assert crm.commits()[0] == f"deal win: Espresso machines ({DEAL})"
    assert len([c for c in crm.commits() if c.startswith("deal ")]) == 5
    assert crm.clean()
    assert crm.run("check").exit_code == 0


def test_a_deal_lost_to_a_competitor(crm: Crm) -> None:
    ref = _deal(crm, "--stage", "proposal")
    crm.run(
        "deal",
        "lose",
        ref,
        "--reason",
        "Competitor",
        "--competitor",
        "Contoso",
        "--note",
        "Their offer had two years of service; ours one",
    )
    front = _front(crm.read(DEAL))
    assert front["stage"] == "lost"
    assert front["probability"] == "0"
    assert front["lost_reason"] == "competitor"  # the configured spelling
    assert front["competitor"] == "Contoso"
    assert front["lost_note"] == "Their offer had two years of service; ours one"
    assert _log(crm.read(DEAL))[-1] == (
        "- 2026-11-27 anna: lost at proposal: competitor; competitor Contoso; "
        "note Their offer had two years of service; ours one"
    )
    assert crm.commits()[0] == f"deal lose: Espresso machines, competitor to Contoso ({DEAL})"
    shown = json.loads(crm.run("deal", "show", ref, "--json").stdout)
    assert shown["lost_note"] == "Their offer had two years of service; ours one"
    assert shown["log"][-1]["event"]["competitor"] == "Contoso"
    assert crm.run("check").exit_code == 0


def test_hand_set_probability_is_kept_across_moves_and_shown(crm: Crm) -> None:
    ref = _deal(crm)
    crm.run("deal", "set", ref, "--probability", "60")
    front = _front(crm.read(DEAL))
    assert (front["probability"], front["probability_manual"]) == ("60", "true")
    crm.run("deal", "move", ref, "proposal")
    assert _front(crm.read(DEAL))["probability"] == "60"
    assert _log(crm.read(DEAL))[-1] == "- 2026-11-27 anna: stage lead -> proposal (60%, by hand)"
    shown = crm.run("deal", "show", ref).stdout
    assert "60% (set by hand; the stage's is 50%)" in shown
    listed = json.loads(crm.run("deal", "list", "--json").stdout)
    assert (listed[0]["probability"], listed[0]["probability_manual"]) == (60, True)
    assert listed[0]["weighted"] == 7200
    assert "60%*" in crm.run("deal", "list").stdout
    crm.run("deal", "set", ref, "--probability", "auto")
    front = _front(crm.read(DEAL))
    assert front["probability"] == "50" and "probability_manual" not in front
    assert _log(crm.read(DEAL))[-1] == "- 2026-11-27 anna: probability 50%, follows the stage"
    crm.run("deal", "move", ref, "negotiation")
    assert _front(crm.read(DEAL))["probability"] == "75"


def test_probability_given_at_add_is_hand_set(crm: Crm) -> None:
    ref = _deal(crm, "--probability", "35")
    assert _log(crm.read(DEAL)) == ["- 2026-11-27 anna: opened in lead (35%, by hand)"]
    crm.run("deal", "move", ref, "qualified")
    assert _front(crm.read(DEAL))["probability"] == "35"


@pytest.mark.parametrize("given", ["60", "60%", " 60% "])
def test_add_takes_the_probability_forms_set_takes(crm: Crm, given: str) -> None:
    _deal(crm, "--probability", given)
    front = _front(crm.read(DEAL))
    assert (front["probability"], front["probability_manual"]) == ("60", "true")
    assert _log(crm.read(DEAL)) == ["- 2026-11-27 anna: opened in lead (60%, by hand)"]


def test_add_with_probability_auto_follows_the_stage(crm: Crm) -> None:
    _deal(crm, "--probability", "auto", "--stage", "qualified")
    front = _front(crm.read(DEAL))
    assert front["probability"] == "25" and "probability_manual" not in front


@pytest.mark.parametrize("given", ["120", "60 %", "-5", "sixty"])
def test_add_refuses_a_bad_probability_as_set_does(crm: Crm, given: str) -> None:
    _client(crm)
    args = ("acme", "Espresso machines", "--probability", given)
    result = crm.fail("deal", "add", *args, code=EXIT_INVALID)
    assert f"'{given}' is not a probability: use a whole number from 0 to 100" in result.stderr
    assert not (crm.root / DEAL).exists()
    crm.run("deal", "add", "acme", "Espresso machines")
    result = crm.fail("deal", "set", "acme-ltd-espresso", "--probability", given, code=EXIT_INVALID)
    assert f"'{given}' is not a probability" in result.stderr


HAND_EDITED = """---
# Big one: edited by hand, keep the comments
client: acme-ltd
title: 'Espresso machines'   # the quoting stays
stage: lead        # where it is
probability: 10
amount: 12_000
close: 2027-01-15
owner: anna
extra_field: kept as typed
---

Call Bob before Anna, she decides   but he prepares.

## Tasks

- [ ] Send the price list due:2026-11-30 id:pl7xk2

## Log

- 2026-11-20 anna: opened in lead (10%)
* 2026-11-21 ben: met them at the fair — a note typed by hand
"""


def test_hand_edited_deal_keeps_its_bytes_through_every_command(crm: Crm) -> None:
    _client(crm)
    crm.write(DEAL, HAND_EDITED)
    crm.git("add", "-A")
    crm.git("commit", "-qm", "hand-written deal")
    ref = "acme-ltd-espresso-machines"
    before = crm.read(DEAL)
    crm.run("deal", "move", ref, "qualified")
    after = crm.read(DEAL)
    changed = [
        (a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=False) if a != b
    ]
    assert changed == [
        ("stage: lead        # where it is", "stage: qualified        # where it is"),
        ("probability: 10", "probability: 25"),
    ]
    assert after.endswith(
        "* 2026-11-21 ben: met them at the fair — a note typed by hand\n"
        "- 2026-11-27 anna: stage lead -> qualified (25%)\n"
    )
    crm.run("deal", "set", ref, "--close", "2027-02-01", "--probability", "40")
    crm.run("deal", "lose", ref, "--reason", "timing")
    crm.run("deal", "reopen", ref)
    crm.run("deal", "win", ref)
    text = crm.read(DEAL)
    for line in (
        "# Big one: edited by hand, keep the comments",
        "title: 'Espresso machines'   # the quoting stays",
        "stage: won        # where it is",
        "amount: 12_000",
        "extra_field: kept as typed",
        "Call Bob before Anna, she decides   but he prepares.",
        "- [ ] Send the price list due:2026-11-30 id:pl7xk2",
        "close: 2027-02-01",
    ):
        assert line in text.splitlines(), line
    assert _log(text)[-5:] == [
        "- 2026-11-27 anna: changed close 2027-01-15 -> 2027-02-01",
        "- 2026-11-27 anna: probability 40%, by hand",
        "- 2026-11-27 anna: lost at qualified: timing",
        "- 2026-11-27 anna: reopened lost -> qualified (25%)",
        "- 2026-11-27 anna: won at qualified (12000 EUR)",
    ]
    front = _front(text)
    assert "lost_reason" not in front and "probability_manual" not in front
    assert crm.clean()


def test_reopen_goes_back_to_the_stage_it_closed_at_and_clears_the_loss(crm: Crm) -> None:
    ref = _deal(crm, "--stage", "negotiation")
    crm.run("deal", "lose", ref, "--reason", "no budget", "--note", "Next year maybe")
    out = crm.run("deal", "reopen", ref).stdout
    assert "reopened lost -> negotiation (75%)" in out
    front = _front(crm.read(DEAL))
    assert front["stage"] == "negotiation" and front["probability"] == "75"
    for key in ("closed", "lost_reason", "lost_note", "competitor"):
        assert key not in front
    assert "lost at negotiation: no budget; note Next year maybe" in crm.read(DEAL)
    crm.run("deal", "win", ref)
    crm.run("deal", "reopen", ref, "--stage", "qual")
    assert _front(crm.read(DEAL))["stage"] == "qualified"
    assert crm.commits()[0] == f"deal reopen: Espresso machines in qualified ({DEAL})"


def test_errors_say_what_to_do(crm: Crm) -> None:
    ref = _deal(crm)
    result = crm.fail("deal", "move", ref, "qualifed", code=EXIT_INVALID)
    assert "unknown stage 'qualifed' (did you mean 'qualified'?)" in result.stderr
    assert "lead, qualified, proposal, negotiation, won, lost" in result.stderr
    result = crm.fail("deal", "move", ref, "won", code=EXIT_INVALID)
    assert "use 'plaincrm deal win REF'" in result.stderr
    result = crm.fail("deal", "move", ref, "lost", code=EXIT_INVALID)
    assert "deal lose REF --reason REASON" in result.stderr
    result = crm.fail("deal", "move", ref, "lead", code=EXIT_CONFLICT)
    assert "already in lead" in result.stderr
    result = crm.fail("deal", "lose", ref, code=EXIT_USAGE)
    assert "--reason" in result.stderr
    result = crm.fail("deal", "lose", ref, "--reason", "too expensive", code=EXIT_INVALID)
    assert "unknown lost reason 'too expensive'" in result.stderr
    assert "pipeline.other_reasons: true" in result.stderr
    result = crm.fail("deal", "lose", ref, "--reason", "competitor", code=EXIT_INVALID)
    assert "say which with --competitor NAME" in result.stderr
    result = crm.fail("deal", "add", "acme", "X", "--amount", "12k", code=EXIT_INVALID)
    assert "'12k' is not an amount" in result.stderr
    result = crm.fail("deal", "add", "acme", "X", "--currency", "euro", code=EXIT_INVALID)
    assert "'euro' is not a currency code" in result.stderr
    result = crm.fail("deal", "add", "acme", "X", "--stage", "won", code=EXIT_INVALID)
    assert "cannot start as won" in result.stderr
    result = crm.fail("deal", "add", "nobody", "X", code=EXIT_NOT_FOUND)
    assert "no client 'nobody'" in result.stderr
    result = crm.fail("deal", "add", "acme", "X", "--owner", "zoe", code=EXIT_INVALID)
    assert "'zoe' is not a user" in result.stderr
    result = crm.fail("deal", "set", ref, "--probability", "120", code=EXIT_INVALID)
    assert "'120' is not a probability" in result.stderr
    result = crm.fail("deal", "set", ref, code=EXIT_INVALID)
    assert "nothing to change" in result.stderr
    result = crm.fail("deal", "reopen", ref, code=EXIT_CONFLICT)
    assert "only won or lost deals reopen" in result.stderr
    crm.run("deal", "win", ref)
    result = crm.fail("deal", "move", ref, "proposal", code=EXIT_CONFLICT)
    assert "already won on 2026-11-27, so it cannot move" in result.stderr
    assert f"plaincrm deal reopen {ref}" in result.stderr
    result = crm.fail("deal", "win", ref, code=EXIT_CONFLICT)
    result = crm.fail("deal", "set", ref, "--probability", "50", code=EXIT_CONFLICT)
    assert "reopen it to change the probability" in result.stderr
    result = crm.fail("deal", "show", "nope", code=EXIT_NOT_FOUND)
    assert "no deal 'nope'" in result.stderr
    result = crm.fail("deal", "list", "amount>lots", code=EXIT_USAGE)
    assert "'lots' is not a number" in result.stderr
    assert crm.clean()


def test_known_competitors_are_a_picklist(crm: Crm) -> None:
    config = crm.read("plaincrm.yaml").replace(
        "competitors: []", "competitors: [Contoso, Fabrikam]"
    )
    crm.write("plaincrm.yaml", config)
    crm.write(
        "competitors/initech.md",
        "---\nname: Initech\naliases: [Initech Coffee]\n---\n\n## Strengths\n\n- Cheap\n",
    )
    ref = _deal(crm, "--competitor", "fabrikam", "--competitor", "initech coffee")
    assert "competitors: [Fabrikam, Initech]" in crm.read(DEAL)
    result = crm.fail(
        "deal", "lose", ref, "--reason", "price", "--competitor", "Contosso", code=EXIT_INVALID
    )
    assert "unknown competitor 'Contosso' (did you mean 'contoso'?)" in result.stderr
    assert "known: Contoso, Fabrikam, Initech" in result.stderr
    crm.run("deal", "lose", ref, "--reason", "price", "--competitor", "CONTOSO")
    assert _front(crm.read(DEAL))["competitor"] == "Contoso"


def test_free_text_reasons_when_the_settings_allow_them(crm: Crm) -> None:
    crm.write(
        "plaincrm.yaml",
        crm.read("plaincrm.yaml").replace("other_reasons: false", "other_reasons: true"),
    )
    ref = _deal(crm)
    crm.run("deal", "lose", ref, "--reason", "they  closed the shop")
    assert _front(crm.read(DEAL))["lost_reason"] == "they closed the shop"


def test_bad_pipeline_settings_stop_deal_commands_with_the_line(crm: Crm) -> None:
    _client(crm)
    crm.write(
        "plaincrm.yaml",
        crm.read("plaincrm.yaml").replace(
            "{name: proposal, probability: 50, rotting: 14}", "{name: proposal, probability: 150}"
        ),
    )
    line = next(
        n for n, text in enumerate(crm.read("plaincrm.yaml").splitlines(), 1) if "150" in text
    )
    result = crm.fail("deal", "add", "acme", "X", code=EXIT_NO_REPO)
    assert f"plaincrm.yaml:{line}: stages.2.probability must be a whole number from 0 to 100" in (
        result.stderr
    )
    result = crm.run("check", ok=False)
    assert result.exit_code == 1
    assert f"plaincrm.yaml:{line}:" in result.stdout


def test_gates_refuse_and_force_goes_past_with_a_log_line(crm: Crm) -> None:
    ref = _deal(crm)

    def needs_nda(store: Store, record: object, target: str) -> str | None:
        return "proposal needs a signed NDA" if target in ("proposal", "won") else None

    with kinds.changed():
        kinds.extend("deal", hooks={dealops.GATE: (needs_nda,)})
        crm.run("deal", "move", ref, "qualified")
        result = crm.fail("deal", "move", ref, "proposal", code=EXIT_CONFLICT)
        assert "cannot go to proposal: proposal needs a signed NDA" in result.stderr
        assert "--force" in result.stderr
        assert _front(crm.read(DEAL))["stage"] == "qualified"
        crm.fail("deal", "win", ref, code=EXIT_CONFLICT)
        out = crm.run("deal", "move", ref, "proposal", "--force").stdout
        assert _log(crm.read(DEAL))[-2:] == [
            "- 2026-11-27 anna: forced past: proposal needs a signed NDA",
            "- 2026-11-27 anna: stage qualified -> proposal (50%)",
        ]
        assert out.splitlines() == [f"{ref}: {line[19:]}" for line in _log(crm.read(DEAL))[-2:]]
        assert crm.last_commit_files() == [DEAL]
        out = crm.run("deal", "win", ref, "--force").stdout
        assert out.splitlines() == [
            f"{ref}: forced past: proposal needs a signed NDA",
            f"{ref}: won at proposal (12,000 EUR)",
        ]
        assert _log(crm.read(DEAL))[-1] == "- 2026-11-27 anna: won at proposal (12000 EUR)"


def _last_diff(crm: Crm) -> list[str]:
    """The removed and added lines of the last commit's change to the deal."""
    out = crm.git("diff", "-U0", "HEAD~1", "HEAD", "--", DEAL).splitlines()
    return [line for line in out if line[:1] in "+-" and line[:3] not in ("---", "+++")]


def test_a_competitor_joins_a_hand_written_block_list_as_one_line(crm: Crm) -> None:
    ref = _deal(crm)
    text = crm.read(DEAL)
    crm.write(
        DEAL,
        text.replace(
            "created: 2026-11-27\n",
            "created: 2026-11-27\n"
            "competitors:\n  - Contoso   # met at the fair\n  - Fabrikam  # cheap\n"
            "# keep this comment after the list\n",
        ),
    )
    crm.git("commit", "-qam", "competitors by hand")
    out = crm.run("deal", "set", ref, "--competitor", "Initech").stdout
    assert out == f"{ref}: changed competitors + Initech\n"
    assert _last_diff(crm) == [
        "+  - Initech",
        "+- 2026-11-27 anna: changed competitors + Initech",
    ]
    assert "  - Initech\n# keep this comment after the list\n" in crm.read(DEAL)
    shown = json.loads(crm.run("deal", "show", ref, "--json").stdout)
    assert shown["competitors"] == ["Contoso", "Fabrikam", "Initech"]
    before = crm.read(DEAL)
    result = crm.fail("deal", "set", ref, "--competitor", "Fabrikam", code=EXIT_INVALID)
    assert "nothing to change" in result.stderr and crm.read(DEAL) == before
    crm.run("deal", "set", ref, "--competitor", "Umbrella", "--competitor", "Globex")
    assert _last_diff(crm) == [
        "+  - Umbrella",
        "+  - Globex",
        "+- 2026-11-27 anna: changed competitors + Umbrella, Globex",
    ]


def test_a_flow_list_of_competitors_stays_a_flow_list(crm: Crm) -> None:
    ref = _deal(crm, "--competitor", "Contoso")
    assert "competitors: [Contoso]" in crm.read(DEAL).splitlines()
    crm.run("deal", "set", ref, "--competitor", "Fabrikam")
    assert _last_diff(crm) == [
        "-competitors: [Contoso]",
        "+competitors: [Contoso, Fabrikam]",
        "+- 2026-11-27 anna: changed competitors + Fabrikam",
    ]


def _require_quote_for_proposal(crm: Crm) -> None:
    text = crm.read("plaincrm.yaml")
    old = "{name: proposal, probability: 50, rotting: 14}"
    assert old in text
    crm.write("plaincrm.yaml", text.replace(old, old[:-1] + ", requires: [quote]}"))
    crm.git("commit", "-qam", "proposal requires a quote")


NEEDS_QUOTE = "it needs a sent quote (add it with 'plaincrm doc add quote {ref} --status sent')"


def test_a_gated_stage_refuses_a_new_deal_unless_forced(crm: Crm) -> None:
    _client(crm)
    _require_quote_for_proposal(crm)
    before = crm.commits()
    result = crm.fail(
        "deal", "add", "acme", "Espresso machines", "--stage", "prop", code=EXIT_CONFLICT
    )
    assert result.stderr == (
        "Error: a new deal cannot start in proposal: "
        + NEEDS_QUOTE.format(ref="acme-ltd-espresso-machines")
        + "; open it in an earlier stage and 'plaincrm deal move' it to proposal once it "
        "has that (--force opens it there anyway and writes this to the deal's log)\n"
    )
    assert not (crm.root / DEAL).exists() and crm.commits() == before and crm.clean()
    result = crm.run("deal", "add", "acme", "Espresso machines", "--stage", "proposal", "--force")
    ref = "acme-ltd-espresso-machines"
    assert result.stdout == f"{ref}\n"
    assert f"{ref}: forced past: {NEEDS_QUOTE.format(ref=ref)}\n" in result.stderr
    assert _front(crm.read(DEAL))["stage"] == "proposal"
    assert _log(crm.read(DEAL)) == [
        f"- 2026-11-27 anna: forced past: {NEEDS_QUOTE.format(ref=ref)}",
        "- 2026-11-27 anna: opened in proposal (50%)",
    ]
    assert crm.last_commit_files() == [DEAL] and crm.clean()
    crm.run("deal", "add", "acme", "Grinders")  # the first stage has no gate


def test_reopening_in_a_gated_stage_needs_what_it_requires_or_force(crm: Crm) -> None:
    ref = _deal(crm)
    _require_quote_for_proposal(crm)
    crm.run("deal", "lose", ref, "--reason", "price")
    closed = crm.read(DEAL)
    result = crm.fail("deal", "reopen", ref, "--stage", "proposal", code=EXIT_CONFLICT)
    assert result.stderr == (
        f"Error: {ref} cannot go to proposal: {NEEDS_QUOTE.format(ref=ref)} "
        "(--force goes ahead anyway and writes this to the deal's log)\n"
    )
    assert crm.read(DEAL) == closed and crm.clean()
    out = crm.run("deal", "reopen", ref, "--stage", "proposal", "--force").stdout
    assert out.splitlines() == [
        f"{ref}: forced past: {NEEDS_QUOTE.format(ref=ref)}",
        f"{ref}: reopened lost -> proposal (50%)",
    ]
    assert [f"{ref}: {line[19:]}" for line in _log(crm.read(DEAL))[-2:]] == out.splitlines()
    assert _front(crm.read(DEAL))["stage"] == "proposal"
    # reopened without --stage, a deal goes back to the stage it closed at: gated as well
    crm.run("deal", "lose", ref, "--reason", "price")
    result = crm.fail("deal", "reopen", ref, code=EXIT_CONFLICT)
    assert f"{ref} cannot go to proposal: it needs a sent quote" in result.stderr
    crm.run("deal", "reopen", ref, "--stage", "lead")
    assert _front(crm.read(DEAL))["stage"] == "lead"


def test_add_deal_api_for_other_modules(crm: Crm) -> None:
    _client(crm)
    store = Store(crm.root, load_config(crm.root))
    path = dealops.add_deal(
        store,
        "clients/acme-ltd.md",
        "Service contract",
        amount="2 400.50",
        currency="usd",
        close="2027-03-01",
        stage="qualified",
        source="tickets/broken-grinder",
        message="ticket upsell: Service contract (deals/acme-ltd-service-contract.md)",
    )
    assert path == "deals/acme-ltd-service-contract.md"
    front = _front(crm.read(path))
    assert (front["amount"], front["currency"], front["stage"]) == ("2400.5", "USD", "qualified")
    assert front["source"] == "tickets/broken-grinder"
    assert (
        crm.commits()[0] == "ticket upsell: Service contract (deals/acme-ltd-service-contract.md)"
    )
    again = dealops.add_deal(store, "clients/acme-ltd.md", "Service contract")
    assert again == "deals/acme-ltd-service-contract-2.md"


def test_a_new_deal_and_the_edits_of_its_command_go_together_or_not_at_all(crm: Crm) -> None:
    _client(crm)
    _client(crm, "Beta Kft")
    store = Store(crm.root, load_config(crm.root))
    commits = crm.commits()
    before = crm.read("clients/acme-ltd.md")
    deal = dealops.NewDeal("Service contract").add(store, "clients/acme-ltd.md", "tickets/x")
    assert (crm.root / deal).exists()
    with pytest.raises(InvalidError, match="unreadable"):
        store.modify_all(
            [
                ("clients/acme-ltd.md", lambda text: text + "\nCalled about the contract.\n"),
                ("clients/beta-kft.md", lambda text: text + "<<<<<<< ours\n"),
            ],
            "never committed",
            created=[deal],
        )
    assert not (crm.root / deal).exists()
    assert crm.read("clients/acme-ltd.md") == before
    assert crm.commits() == commits
    store.modify_all(
        [("clients/acme-ltd.md", lambda text: text + "\nCalled about the contract.\n")],
        "client note with a deal",
        created=[dealops.NewDeal("Service contract").add(store, "clients/acme-ltd.md", "x")],
    )
    assert crm.commits()[0] == "client note with a deal"
    assert crm.git("status", "--porcelain") == ""


def test_deal_list_filters_sorts_and_defaults_to_open_deals(crm: Crm) -> None:
    _client(crm)
    _client(crm, "Bolt Bistro")
    specs = [
        ("acme", "Grinders", "5000", "2026-12-10", "lead", "anna"),
        ("acme", "Machines", "30000", "2027-02-01", "proposal", "ben"),
        ("bolt", "Beans", "800", "2026-12-20", "proposal", "anna"),
        ("bolt", "Cups", "15000", "2026-12-31", "negotiation", "anna"),
    ]
    refs = []
    for client, title, amount, close, stage, owner in specs:
        refs.append(
            crm.run(
                "deal",
                "add",
                client,
                title,
                "--amount",
                amount,
                "--close",
                close,
                "--stage",
                stage,
                "--owner",
                owner,
            ).stdout.strip()
        )
    crm.run("deal", "win", refs[0])

    def listed(*query: str) -> list[str]:
        return [d["ref"] for d in json.loads(crm.run("deal", "list", *query, "--json").stdout)]

    assert listed() == ["bolt-bistro-beans", "acme-ltd-machines", "bolt-bistro-cups"]
    assert listed("stage:proposal", "amount>1000") == ["acme-ltd-machines"]
    assert listed("close<2027-01-01", "sort:-amount") == ["bolt-bistro-cups", "bolt-bistro-beans"]
    assert listed("owner:me", "sort:-weighted") == ["bolt-bistro-cups", "bolt-bistro-beans"]
    assert listed("--owner", "ben") == ["acme-ltd-machines"]
    assert listed("status:won") == ["acme-ltd-grinders"]
    assert listed("--all", "sort:close") == [
        "acme-ltd-grinders",
        "bolt-bistro-beans",
        "bolt-bistro-cups",
        "acme-ltd-machines",
    ]
    assert listed("weighted>=10000") == ["acme-ltd-machines", "bolt-bistro-cups"]
    assert listed("bistro") == ["bolt-bistro-beans", "bolt-bistro-cups"]
    text = crm.run("deal", "list").stdout
    assert re.search(
        r"bolt-bistro-cups\s+Cups\s+Bolt Bistro\s+negotiation\s+75%\s+15,000 EUR", text
    )
    assert crm.run("deal", "list", "stage:won", "amount>1").stdout.strip().startswith("REF")
    assert crm.run("deal", "list", "title~nothing").stdout == "No deals match.\n"


def test_deal_show_json_has_figures_attention_tasks_and_log(crm: Crm) -> None:
    ref = _deal(crm, "--source", "campaigns/autumn-fair")
    crm.run("task", "add", ref, "Send the offer", "--due", "2026-11-30")
    shown = json.loads(crm.run("deal", "show", ref, "--json").stdout)
    assert shown["client"] == "acme-ltd" and shown["client_name"] == "Acme Ltd"
    assert (shown["stage"], shown["status"], shown["probability"]) == ("lead", "open", 10)
    assert (shown["amount"], shown["currency"], shown["weighted"]) == (12000, "EUR", 1200)
    assert shown["source"] == "campaigns/autumn-fair"
    assert shown["stage_since"] == "2026-11-27"
    assert shown["attention"] == []
    assert [t["title"] for t in shown["tasks"]] == ["Send the offer"]
    assert shown["log"][0]["event"] == {
        "kind": "opened",
        "stage": "lead",
        "previous": None,
        "probability": 10,
        "probability_manual": False,
        "reason": None,
        "competitor": None,
        "text": None,
        "amount": None,
        "currency": None,
    }
    text = crm.run("deal", "show", ref).stdout
    assert "Send the offer" in text and "anna: opened in lead (10%)" in text


@pytest.mark.parametrize("stage", ["prop", "PROPOSAL"])
def test_stage_names_in_any_case_or_a_unique_prefix(crm: Crm, stage: str) -> None:
    ref = _deal(crm)
    crm.run("deal", "move", ref, stage)
    assert _front(crm.read(DEAL))["stage"] == "proposal"


def test_client_card_lists_deals_and_their_history(crm: Crm) -> None:
    ref = _deal(crm)
    task = crm.run("task", "add", ref, "Demo at their shop", "--due", "today").stdout.strip()
    crm.run("task", "done", task, "--note", "They loved the latte art")
    crm.run("deal", "move", ref, "qualified")
    card = crm.run("client", "show", "acme").stdout
    assert re.search(
        r"acme-ltd-espresso-machines\s+Espresso machines\s+qualified\s+12,000 EUR\s+25%", card
    )
    assert "anna: stage lead -> qualified (25%)  [Espresso machines]" in card
    assert "Demo at their shop  [Espresso machines]" in card
    assert "They loved the latte art" in card
    shown = json.loads(crm.run("client", "show", "acme", "--json").stdout)
    assert shown["linked_details"][DEAL] == {
        "stage": "qualified",
        "amount": "12,000 EUR",
        "probability": "25%",
    }
    kinds = {(h["kind"], h["title"]) for h in shown["history"]}
    assert ("log", "stage lead -> qualified (25%)") in kinds
    assert ("task", "Demo at their shop") in kinds


def test_deal_and_client_history_are_newest_first_within_a_day(crm: Crm) -> None:
    ref = _deal(crm)
    crm.run("deal", "move", ref, "qualified")
    crm.run("deal", "move", ref, "proposal")
    for shown in (crm.run("deal", "show", ref).stdout, crm.run("client", "show", "acme").stdout):
        history = shown.split("History")[1]
        opened = history.index("opened in lead")
        first = history.index("stage lead -> qualified")
        assert history.index("stage qualified -> proposal") < first < opened, history
    lines = [
        h["title"]
        for h in json.loads(crm.run("client", "show", "acme", "--json").stdout)["history"]
    ]
    assert lines[0] == "stage qualified -> proposal (50%)"


def test_deal_set_owner_blank_removes_the_owner(crm: Crm) -> None:
    ref = _deal(crm)
    crm.run("deal", "set", ref, "--owner", "")
    text = crm.read(DEAL)
    assert "owner" not in _front(text)
    assert _log(text)[-1] == "- 2026-11-27 anna: changed owner anna -> none"
    assert crm.run("check").exit_code == 0
