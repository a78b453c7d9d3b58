"""Tickets through the installed command: the life of a complaint, SLA, upsell, report."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Crm
from plaincrm.core.errors import EXIT_CONFLICT, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_USAGE
from plaincrm.service.tickets import message_lines, parse_conversation

TICKET = "tickets/acme-ltd-espresso-machine-leaks.md"
NOW = {"PLAINCRM_TIME": "15:00"}  # Friday 2026-11-27, 15:00


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run at Friday 15:00 unless a test passes another PLAINCRM_TIME."""
    monkeypatch.setenv("PLAINCRM_TIME", NOW["PLAINCRM_TIME"])


def _front(text: str) -> dict[str, str]:
    front = text.split("---\n")[1]
    return dict(line.split(": ", 1) for line in front.splitlines() if ": " in line)


def _log(text: str) -> list[str]:
    return [line for line in text.split("## Log\n", 1)[1].splitlines() if line.startswith("- ")]


def _changed_lines(crm: Crm) -> tuple[int, int]:
    """Lines added and removed by the last commit."""
    out = crm.git("show", "--numstat", "--format=", "HEAD").split()
    return int(out[0]), int(out[1])


def _complaint(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example")
    crm.run(
        "ticket",
        "add",
        "acme",
        "Espresso machine leaks",
        "--kind",
        "complaint",
        "--priority",
        "high",
        "--channel",
        "phone",
        "--at",
        "2026-11-25 15:00",
        "--message",
        "Water under the machine since Monday.\n# not a heading",
    )


def test_a_complaint_is_answered_put_on_hold_and_closed_with_an_upsell(crm: Crm) -> None:
    _complaint(crm)
    assert crm.commits()[0] == f"ticket add: Espresso machine leaks ({TICKET})"
    assert crm.last_commit_files() == [TICKET]
    front = _front(crm.read(TICKET))
    assert front == {
        "client": "acme-ltd",
        "subject": "Espresso machine leaks",
        "kind": "complaint",
        "priority": "high",
        "status": "new",
        "channel": "phone",
        "owner": "anna",
        "opened": '"2026-11-25 15:00"',
    }

    crm.run("ticket", "reply", "acme", "A technician comes.", "--at", "2026-11-25 16:30")
    assert crm.last_commit_files() == [TICKET]
    front = _front(crm.read(TICKET))
    assert front["first_response"] == '"2026-11-25 16:30"'
    assert front["status"] == "open"

    crm.run("ticket", "wait", "acme", "--note", "asked for photos", "--at", "2026-11-26 10:00")
    assert _changed_lines(crm) == (2, 1)  # the status line, and one log line added
    crm.run(
        "ticket", "reply", "acme", "Photos attached.", "--from-client", "--at", "2026-11-27 09:30"
    )
    assert _front(crm.read(TICKET))["status"] == "open"

    crm.run(
        "ticket",
        "close",
        "acme",
        "--resolution",
        "Gasket replaced",
        "--upsell",
        "Service contract",
        "--amount",
        "480",
        "--at",
        "2026-11-27 11:00",
    )
    deal = "deals/acme-ltd-service-contract.md"
    assert crm.last_commit_files() == sorted([TICKET, deal])
    assert crm.commits()[0] == f"ticket close: Espresso machine leaks with upsell {deal} ({TICKET})"
    assert len(crm.commits()) == 7  # init, client, add, reply, wait, reply, close
    assert crm.clean()
    front = _front(crm.read(TICKET))
    assert front["status"] == "closed"
    assert front["resolved"] == '"2026-11-27 11:00"'
    assert front["resolution"] == "Gasket replaced"
    assert front["deal"] == "acme-ltd-service-contract"
    deal_front = _front(crm.read(deal))
    assert deal_front["source"] == "tickets/acme-ltd-espresso-machine-leaks"
    assert deal_front["client"] == "acme-ltd"
    assert deal_front["amount"] == "480"
    assert _log(crm.read(TICKET)) == [
        "- 2026-11-25 15:00 anna: opened (complaint, high, phone)",
        "- 2026-11-25 16:30 anna: status new -> open",
        "- 2026-11-26 10:00 anna: status open -> waiting: asked for photos",
        "- 2026-11-27 09:30 anna: status waiting -> open",
        "- 2026-11-27 11:00 anna: status open -> closed: Gasket replaced",
        "- 2026-11-27 11:00 anna: upsell: deal acme-ltd-service-contract (Service contract)",
    ]
    conversation = json.loads(crm.run("ticket", "show", "acme", "--json").stdout)
    assert [(m["at"], m["who"], m["text"]) for m in conversation["conversation"]] == [
        ("2026-11-25 15:00", "client", "Water under the machine since Monday.\n# not a heading"),
        ("2026-11-25 16:30", "anna", "A technician comes."),
        ("2026-11-27 09:30", "client", "Photos attached."),
    ]
    # Working time (09:00-17:00, Mon-Fri), waiting on the client left out:
    # response: Wed 15:00-16:30 = 90 minutes;
    # resolution: Wed 15:00-17:00 (120) + Thu 09:00-10:00 (60), waiting until
    # Fri 09:30, then 09:30-11:00 (90) = 270 minutes.
    sla = conversation["sla"]
    assert sla["response"]["used_minutes"] == 90
    assert sla["resolution"]["used_minutes"] == 270
    assert sla["response"]["state"] == sla["resolution"]["state"] == "met"

    crm.run("deal", "win", "acme-ltd-service")
    report = json.loads(crm.run("report", "service", "--json").stdout)
    assert report["median_first_response_minutes"] == 90
    assert report["median_resolution_minutes"] == 270
    assert report["by_kind"]["complaint"]["closed"] == 1
    assert report["upsell"] == {
        "tickets_closed": 1,
        "closed_with_offer": 1,
        "deals": 1,
        "deals_open": 0,
        "deals_won": 1,
        "deals_lost": 0,
        "won_revenue": {"EUR": 480},
        "open_amount": {},
        "deal_refs": ["acme-ltd-service-contract"],
    }
    text = crm.run("report", "service").stdout
    assert "Median first response: 1h30m (1 answered)" in text
    assert "Median resolution:     4h30m (1 resolved)" in text
    assert "1 closed ticket -> 1 closed with an offer -> 1 deal: 1 won" in text
    assert "won revenue: 480 EUR" in text


def test_report_medians_breaches_and_since(crm: Crm) -> None:
    _complaint(crm)
    crm.run("ticket", "reply", "acme", "On it.", "--at", "2026-11-25 16:30")
    crm.run("ticket", "close", "acme", "--resolution", "Fixed", "--at", "2026-11-26 11:00")
    crm.run(
        "ticket",
        "add",
        "acme",
        "Invoice question",
        "--kind",
        "question",
        "--at",
        "2026-11-27 09:00",
    )
    crm.run("ticket", "reply", "acme-ltd-invoice", "Sent it again.", "--at", "09:45")
    crm.run("ticket", "resolve", "acme-ltd-invoice", "--resolution", "Resent", "--at", "10:15")
    crm.run(
        "ticket", "add", "acme", "Machine dead", "--priority", "urgent", "--at", "2026-11-26 09:00"
    )
    report = json.loads(crm.run("report", "service", "--json").stdout)
    # responses: 90 and 45 minutes; resolutions: Wed 15-17 + Thu 9-11 = 240, and 75
    assert report["median_first_response_minutes"] == 67.5
    assert report["median_resolution_minutes"] == 157.5
    # the urgent one: Thu 8h + Fri 09:00-15:00 6h = 14h unanswered, over 1h and 8h
    rows = {row["priority"]: row for row in report["sla_by_priority"]}
    assert rows["urgent"] == {
        "priority": "urgent",
        "tickets": 1,
        "responded": 0,
        "response_breached": 1,
        "resolved": 0,
        "resolution_breached": 1,
    }
    assert rows["high"]["response_breached"] == rows["high"]["resolution_breached"] == 0
    assert report["by_kind"] == {
        "complaint": {"new": 0, "open": 0, "waiting": 0, "resolved": 0, "closed": 1},
        "request": {"new": 1, "open": 0, "waiting": 0, "resolved": 0, "closed": 0},
        "question": {"new": 0, "open": 0, "waiting": 0, "resolved": 1, "closed": 0},
    }
    later = json.loads(crm.run("report", "service", "--since", "2026-11-27", "--json").stdout)
    assert later["tickets"] == 1 and later["median_first_response_minutes"] == 45


def test_the_tickets_today_lists_show_their_clients_name_else_slug(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("ticket", "add", "acme", "Dead", "--priority", "urgent", "--at", "2026-11-26 09:00")
    env = {"PLAINCRM_TIME": "12:00"}
    view = json.loads(crm.run("today", "--json", env=env).stdout)
    assert [a["client"] for a in view["attention"] if a["kind"] == "ticket"] == ["Acme Ltd"]
    (crm.root / "clients" / "acme-ltd.md").unlink()
    view = json.loads(crm.run("today", "--json", env=env).stdout)
    assert [a["client"] for a in view["attention"] if a["kind"] == "ticket"] == ["acme-ltd"]


def test_today_shows_breached_and_at_risk_tickets(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run(
        "ticket", "add", "acme", "Machine dead", "--priority", "urgent", "--at", "2026-11-26 09:00"
    )
    crm.run(
        "ticket",
        "add",
        "acme",
        "Grinder noise",
        "--priority",
        "high",
        "--at",
        "2026-11-27 09:00",
        env={"PLAINCRM_TIME": "09:00"},
    )
    crm.run(
        "ticket",
        "add",
        "acme",
        "Brochure",
        "--priority",
        "low",
        "--at",
        "2026-11-27 09:00",
        env={"PLAINCRM_TIME": "09:00"},
    )
    # 12:00: the high one has used 3h of 4h (75%): at risk, due 13:00
    view = json.loads(crm.run("today", "--json", env={"PLAINCRM_TIME": "12:00"}).stdout)
    reasons = {a["record"]: a["reason"] for a in view["attention"] if a["kind"] == "ticket"}
    assert reasons == {
        "tickets/acme-ltd-machine-dead.md": "response overdue by 10h (target 1h); urgent request",
        "tickets/acme-ltd-grinder-noise.md": "response due 2026-11-27 13:00 (1h left of 4h); "
        "high request",
    }
    text = crm.run("today", env={"PLAINCRM_TIME": "12:00"}).stdout
    assert "response overdue by 10h" in text
    crm.run("ticket", "wait", "acme-ltd-grinder", env={"PLAINCRM_TIME": "12:00"})
    view = json.loads(crm.run("today", "--json", env={"PLAINCRM_TIME": "16:00"}).stdout)
    assert [a["record"] for a in view["attention"] if a["kind"] == "ticket"] == [
        "tickets/acme-ltd-machine-dead.md"
    ]


def test_list_queries_and_the_default_filter(crm: Crm) -> None:
    _complaint(crm)
    crm.run("ticket", "add", "acme", "Invoice question", "--kind", "question")
    crm.run("ticket", "close", "acme-ltd-invoice", "--resolution", "Answered")
    listed = json.loads(crm.run("ticket", "list", "--json").stdout)
    assert [t["ref"] for t in listed] == ["acme-ltd-espresso-machine-leaks"]
    assert listed[0]["sla"]["summary"] == "response breached"  # Wed 15:00 -> Fri 15:00: 10h
    everything = json.loads(crm.run("ticket", "list", "--all", "--json").stdout)
    assert [t["ref"] for t in everything] == [
        "acme-ltd-invoice-question",
        "acme-ltd-espresso-machine-leaks",
    ]
    closed = json.loads(crm.run("ticket", "list", "status:closed", "--json").stdout)
    assert [t["ref"] for t in closed] == ["acme-ltd-invoice-question"]
    breached = crm.run("ticket", "list", "sla:breached").stdout
    assert "acme-ltd-espresso-machine-leaks" in breached
    assert "invoice" not in breached
    older = json.loads(
        crm.run("ticket", "list", "--all", "opened.before:2026-11-27", "--json").stdout
    )
    assert [t["ref"] for t in older] == ["acme-ltd-espresso-machine-leaks"]
    assert "No tickets match." in crm.run("ticket", "list", "kind:suggestion").stdout


def test_client_card_shows_the_tickets_and_their_log(crm: Crm) -> None:
    _complaint(crm)
    crm.run("ticket", "reply", "acme", "On it.", "--at", "2026-11-25 16:30")
    card = json.loads(crm.run("client", "show", "acme", "--json").stdout)
    assert card["linked"]["ticket"] == [TICKET]
    assert card["linked_details"][TICKET] == {
        "kind": "complaint",
        "priority": "high",
        "status": "open",
        "sla": "SLA resolution at risk",  # Wed 15:00 -> Fri 15:00: all 16h of 16h used
    }
    assert {"status new -> open", "opened (complaint, high, phone)"} <= {
        h["title"] for h in card["history"]
    }
    text = crm.run("client", "show", "acme").stdout
    assert "Tickets" in text and "Espresso machine leaks" in text


def test_reopen_runs_the_resolution_clock_again(crm: Crm) -> None:
    _complaint(crm)
    crm.run("ticket", "resolve", "acme", "--resolution", "Tightened", "--at", "2026-11-25 16:00")
    assert _front(crm.read(TICKET))["status"] == "resolved"
    crm.run("ticket", "reopen", "acme", "--note", "leaks again", "--at", "2026-11-27 09:00")
    front = _front(crm.read(TICKET))
    assert front["status"] == "open" and "resolved" not in front
    shown = json.loads(crm.run("ticket", "show", "acme", "--json").stdout)
    # Wed 15:00-16:00 (60), resolved until Fri 09:00, then 09:00-15:00 (360)
    assert shown["sla"]["resolution"]["used_minutes"] == 420
    assert shown["resolution"] == "Tightened"  # kept until the next resolution
    crm.run("ticket", "close", "acme")  # the earlier resolution is enough
    assert _front(crm.read(TICKET))["resolved"] == '"2026-11-27 15:00"'


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["ticket", "add", "nobody", "X"], EXIT_NOT_FOUND, "no client 'nobody'"),
        (["ticket", "add", "acme", "  "], EXIT_INVALID, "a ticket needs a subject"),
        (["ticket", "add", "acme", "X", "--kind", "rant"], EXIT_USAGE, "'rant' is not one of"),
        (["ticket", "add", "acme", "X", "--owner", "zoe"], EXIT_INVALID, "'zoe' is not a user"),
        (["ticket", "add", "acme", "X", "--at", "16:00"], EXIT_USAGE, "is in the future"),
        (["ticket", "reply", "acme", "x", "--at", "2026-11-24 09:00"], EXIT_USAGE,
         "is before the last change of acme-ltd-espresso-machine-leaks (2026-11-25 15:00)"),
        (["ticket", "reply", "acme", " "], EXIT_INVALID, "the reply is empty"),
        (["ticket", "reply", "acme", "x", "--from-client", "--wait"], EXIT_USAGE,
         "--wait is for your own replies"),
        (["ticket", "close", "acme"], EXIT_INVALID, "say how acme-ltd-espresso-machine-leaks"),
        (["ticket", "close", "acme", "--resolution", "x", "--amount", "5"], EXIT_USAGE,
         "--amount, --currency and --close describe the --upsell deal"),
        (["ticket", "close", "acme", "--resolution", "x", "--upsell", "Y", "--amount", "a lot"],
         EXIT_INVALID, "'a lot' is not an amount"),
        (["ticket", "resolve", "acme", "--resolution", " "], EXIT_INVALID,
         "the resolution is empty"),
        (["ticket", "reopen", "acme"], EXIT_CONFLICT, "is new, not resolved or closed"),
        (["ticket", "show", "nothing"], EXIT_NOT_FOUND, "no ticket 'nothing'"),
        (["ticket", "list", "opened>"], EXIT_USAGE, "needs a value"),
    ],
)  # fmt: skip
def test_mistakes_give_clear_errors(crm: Crm, args: list[str], code: int, message: str) -> None:
    _complaint(crm)
    before = crm.commits()
    assert message in crm.fail(*args, code=code).stderr
    assert crm.commits() == before
    assert crm.clean()


def test_state_conflicts(crm: Crm) -> None:
    _complaint(crm)
    crm.run("ticket", "wait", "acme")
    result = crm.fail("ticket", "wait", "acme", code=EXIT_CONFLICT)
    assert "already waits on the client" in result.stderr
    crm.run("ticket", "close", "acme", "--resolution", "Done")
    for args, message in [
        (["ticket", "close", "acme"], "is already closed"),
        (["ticket", "reply", "acme", "hello"], "is closed: reopen it first"),
        (["ticket", "resolve", "acme", "--resolution", "x"], "is already closed"),
    ]:
        assert message in crm.fail(*args, code=EXIT_CONFLICT).stderr
    crm.run("ticket", "reopen", "acme")
    crm.run("ticket", "close", "acme", "--upsell", "Contract")
    crm.run("ticket", "reopen", "acme")
    result = crm.fail("ticket", "close", "acme", "--upsell", "Another", code=EXIT_CONFLICT)
    assert "already led to the deal acme-ltd-contract" in result.stderr
    assert not (crm.root / "deals/acme-ltd-another.md").exists()


def test_check_reports_ticket_and_settings_problems(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.write(
        "tickets/acme-broken.md",
        "---\n"
        "client: acme-ltd\n"
        "subject: Broken\n"
        "status: open\n"  # line 4
        "opened: 2026-11-27 10:00\n"
        "first_response: 2026-11-27 09:00\n"  # line 6
        "resolved: soon\n"  # line 7
        "---\n\n## Log\n\n"
        "- 2026-11-27 anna: status new -> waiting\n"  # line 12: from the start of the day
        "- 2026-11-27 25:10 anna: status waiting -> open\n"  # line 13
        "- 2026-11-27 12:00 anna: status open -> waiting\n",
    )
    config = crm.read("plaincrm.yaml").replace("  warn: 75%", "  warn: lots")
    crm.write("plaincrm.yaml", config)
    warn_line = config.split("\n").index("  warn: lots") + 1
    result = crm.run("check", ok=False)
    assert result.exit_code == 1
    for problem in [
        "tickets/acme-broken.md:6: first_response (2026-11-27 09:00) is before opened",
        "tickets/acme-broken.md:7: resolved: expected a date and time like 2026-02-11 09:30, "
        "not 'soon'",
        "tickets/acme-broken.md:13: '2026-11-27 25:10' is no moment: expected a date and time "
        "like 2026-02-11 09:30",
        "tickets/acme-broken.md:4: status is 'open' but the log's last change is to 'waiting'",
        f"plaincrm.yaml:{warn_line}: service.warn: 'lots' is not a percentage from 1% to 100%",
    ]:
        assert problem in result.stdout, result.stdout
    assert "acme-broken.md:12:" not in result.stdout
    # a broken setting stops opening tickets with the same message ...
    refused = crm.fail("ticket", "add", "acme", "X", code=5)
    assert "service.warn" in refused.stderr
    # ... but the day goes on, with a warning, and the card shows
    today = crm.run("today")
    assert f"plaincrm.yaml:{warn_line}: service.warn" in today.stderr
    assert "the SLA of tickets uses the defaults" in today.stderr
    assert "Broken" in crm.run("client", "show", "acme").stdout


# ---------------------------------------------------------------- the conversation format

texts = st.text(alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\r"))
lines_text = st.lists(
    st.one_of(
        texts,
        st.sampled_from(
            ["## Tasks", "### 2026-01-01 10:00 — x", "```", "~~~ y", "   # h", "", "\\# kept"]
        ),
    ),
    min_size=1,
    max_size=6,
).map("\n".join)


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip("\n")


@given(st.lists(st.tuples(st.sampled_from(["anna", "client", "b.o-b"]), lines_text), max_size=4))
def test_conversation_round_trips(messages) -> None:
    from datetime import datetime

    text = "---\nsubject: x\n---\n\n## Conversation\n\n## Tasks\n\n- [ ] t\n"
    lines = text.split("\n")
    at = lines.index("## Tasks") - 1
    added: list[str] = []
    for n, (who, body) in enumerate(messages):
        added += message_lines(datetime(2026, 11, 27, 9, n), who, body)
    lines[at:at] = added
    parsed = parse_conversation("\n".join(lines))
    expected = [
        (f"2026-11-27 09:{n:02d}", who, _normal(body)) for n, (who, body) in enumerate(messages)
    ]
    assert [(m.stamp, m.who, m.text) for m in parsed] == expected
    assert "- [ ] t" in "\n".join(lines)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Called about the invoice.\n",
            "Called about the invoice.\n\n## Conversation\n\n### 2026-11-27 15:00 — anna\n\n"
            "Checked it.\n",
        ),
        (
            "Notes.\n\n## Tasks\n\n- [ ] Call back id:abc234\n",
            "Notes.\n\n## Conversation\n\n### 2026-11-27 15:00 — anna\n\nChecked it.\n\n"
            "## Tasks\n\n- [ ] Call back id:abc234\n",
        ),
    ],
)
def test_a_hand_written_ticket_gets_its_conversation_section(crm: Crm, body, expected) -> None:
    crm.run("client", "add", "Acme")
    front = "---\nclient: acme\nsubject: By hand\nstatus: open\nopened: 2026-11-27 10:42\n---\n\n"
    crm.write("tickets/acme-by-hand.md", front + body)
    crm.run("ticket", "reply", "acme-by-hand", "Checked it.")
    text = crm.read("tickets/acme-by-hand.md")
    assert text.split("---\n\n", 1)[1] == expected
    assert 'opened: 2026-11-27 10:42\nfirst_response: "2026-11-27 15:00"\n' in text
