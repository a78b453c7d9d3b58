"""The daily loop of a team on the demo CRM: REFs that mean the client, owners named in
a query, planning the next working day, and what counts as a deal's next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.errors import EXIT_AMBIGUOUS


@pytest.fixture
def demo(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """The demo CRM (today is Friday 2026-11-27); you are anna."""
    root = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


# ---------------------------------------------------------------- REFs mean the client


def test_a_prefix_of_one_client_and_its_records_is_the_client(demo: Crm) -> None:
    # danube: the client, its deal, two documents and a ticket, all named after it
    task_id = demo.run("task", "add", "danube", "Try", "--due", "tomorrow").stdout.strip()
    assert f"id:{task_id}" in demo.read("clients/danube-hotels.md")
    assert demo.last_commit_files() == ["clients/danube-hotels.md"]
    position = demo.read("clients/danube-hotels.md").split("## Tasks")[1].count("\n- [")
    demo.run("task", "move", f"danube#{position}", "--due", "2026-12-01")
    assert f"Try due:2026-12-01 id:{task_id}" in demo.read("clients/danube-hotels.md")
    edited = demo.run("edit", "kovacs", env={"EDITOR": "true"})
    assert edited.stdout == "No changes to clients/kovacs-and-sons.md.\n"
    assert demo.run("history", "kovacs", "--only", "--json").stdout.count(
        '"record": "clients/kovacs-and-sons.md"'
    )
    # a command that wants another kind still finds its one record of that kind
    assert "Mobile espresso bar for events" in demo.run("deal", "show", "kovacs").stdout
    result = demo.fail("doc", "show", "danube", code=EXIT_AMBIGUOUS)
    assert "'danube' matches 2 records" in result.stderr


def test_records_naming_the_client_count_as_its_own(demo: Crm) -> None:
    # a deal named by hand, not after its client, but whose client: is that client
    demo.write(
        "deals/danube-special-lease.md",
        "---\nclient: danube-hotels\ntitle: Special lease\nstage: lead\nowner: anna\n---\n",
    )
    demo.run("task", "add", "danube", "Ask about the special lease")
    assert "Ask about the special lease" in demo.read("clients/danube-hotels.md")


def test_several_clients_or_records_of_another_client_stay_ambiguous(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Acme Trading")
    crm.run("deal", "add", "acme-ltd", "Grinders")
    result = crm.fail("task", "add", "acme", "Call", code=EXIT_AMBIGUOUS)
    assert "'acme' matches 3 records" in result.stderr
    assert crm.run("task", "add", "acme-l", "Call").stdout  # acme-ltd and its deal
    crm.run("client", "add", "Nordic Design")
    crm.write("campaigns/nordic-winter.md", "---\nname: Nordic winter\n---\n")
    result = crm.fail("task", "add", "nordic", "Call", code=EXIT_AMBIGUOUS)
    assert "campaigns/nordic-winter" in result.stderr and "clients/nordic-design" in result.stderr
    result = crm.fail("history", "nordic", code=EXIT_AMBIGUOUS)
    assert "'nordic' matches 2 records" in result.stderr
    # the deal and the ticket named after it: two records of the kinds wanted, no client
    crm.run("ticket", "add", "acme-ltd", "Grinders too loud")
    result = crm.fail("task", "add", "acme-ltd-g", "Call", code=EXIT_AMBIGUOUS)
    assert "'acme-ltd-g' matches 2 records" in result.stderr


# ---------------------------------------------------------------- owners in the query


def tasks_of(crm: Crm, *args: str) -> list[dict]:
    return json.loads(crm.run("task", "list", *args, "--json").stdout)


def test_an_owner_in_the_query_replaces_the_default_owner(demo: Crm) -> None:
    everybody = tasks_of(demo, "--all")
    bens = [task for task in everybody if task["owner"] == "ben"]
    assert bens and len(bens) < len(everybody)
    assert tasks_of(demo, "owner:ben") == bens  # anna's default no longer hides them
    assert tasks_of(demo, "owner:ben,eva") == [t for t in everybody if t["owner"] in ("ben", "eva")]
    assert tasks_of(demo, "not", "owner:anna") == [t for t in everybody if t["owner"] != "anna"]
    assert tasks_of(demo, "owner:me") == [t for t in everybody if t["owner"] == "anna"]
    # an --owner given as well is a filter of its own: both apply
    assert tasks_of(demo, "--owner", "anna", "owner:ben") == []
    assert "No tasks." not in demo.run("task", "list", "owner:ben").stdout
    ics = demo.run("calendar", "owner:ben").stdout
    assert sorted(line for line in ics.splitlines() if line.startswith("UID:")) == sorted(
        f"UID:{task['id']}@plaincrm" for task in bens
    )


@pytest.mark.parametrize(
    "command",
    [
        ["client", "list"],
        ["deal", "list", "--all"],
        ["ticket", "list", "--all"],
        ["doc", "list"],
        ["campaign", "list"],
    ],
)
def test_every_list_finds_what_the_owner_in_its_query_owns(demo: Crm, command: list[str]) -> None:
    everything = json.loads(demo.run(*command, "--json").stdout)
    for owner in ("anna", "ben", "eva"):
        theirs = json.loads(demo.run(*command, f"owner:{owner}", "--json").stdout)
        assert theirs == [item for item in everything if item["owner"] == owner]
