"""The daily loop of a team on the demo CRM: REFs that mean the client, owners named in
a query, planning the next working day, and what counts as a deal's next step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_firstrun import build_lock, indexed_files

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.core import firstrun
from plaincrm.core.errors import EXIT_AMBIGUOUS


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


# ---------------------------------------------------------------- planning the next working day


def test_on_friday_plan_plans_monday(demo: Crm) -> None:
    saturday = demo.run("task", "add", "danube", "Weekend call", "--due", "tomorrow")
    task_id = saturday.stdout.strip()
    assert saturday.stderr.splitlines()[-1] == (
        "warning: Saturday 2026-11-28 is not a working day (workday.days in plaincrm.yaml); "
        f"'plaincrm task move {task_id} --due 2026-11-30' puts it on the next one"
    )
    plan = json.loads(demo.run("plan", "--json").stdout)
    assert (plan["date"], plan["working_day"]) == ("2026-11-30", True)
    late = {task["id"]: task["days_late"] for task in plan["overdue"]}
    assert late[task_id] == 2  # Monday's overdue work, the weekend's included
    assert "ks7u3v" in late  # overdue since Tuesday
    assert plan["suggestions"] and all(
        " --due 2026-11-30 --at " in item["command"] for item in plan["suggestions"]
    )
    text = demo.run("plan").stdout
    assert text.startswith("Plan for Monday 30 November 2026 - anna")
    assert "--due 2026-11-28" not in text
    moved = demo.run("task", "move", task_id, "--due", "monday")
    assert "warning" not in moved.stderr


def test_a_day_off_gets_no_slots_and_its_work_goes_to_the_next_working_day(demo: Crm) -> None:
    demo.run("task", "add", "danube", "Weekend call", "--due", "2026-11-28")
    plan = json.loads(demo.run("plan", "saturday", "--json").stdout)
    assert (plan["date"], plan["working_day"], plan["free"]) == ("2026-11-28", False, [])
    assert plan["suggestions"]
    for item in plan["suggestions"]:
        assert item["start"] is None
        assert item["command"] == f"plaincrm task move {item['task']} --due 2026-11-30"
    text = demo.run("plan", "saturday").stdout
    assert "(not a working day)" in text
    assert "suggested for Monday 30 November ('plaincrm plan 2026-11-30' plans it)" in text
    assert "free " not in text and "--at" not in text


def test_the_working_days_of_the_settings_decide(crm: Crm) -> None:
    settings = crm.read("plaincrm.yaml")
    assert "days: [mon, tue, wed, thu, fri]" in settings
    crm.write("plaincrm.yaml", settings.replace("[mon, tue, wed, thu, fri]", "[tue, sat]"))
    assert json.loads(crm.run("plan", "--json").stdout)["date"] == "2026-11-28"
    crm.write("plaincrm.yaml", settings.replace("[mon, tue, wed, thu, fri]", "[tue]"))
    assert json.loads(crm.run("plan", "--json").stdout)["date"] == "2026-12-01"
    crm.write("plaincrm.yaml", settings.replace("[mon, tue, wed, thu, fri]", "[]"))
    assert json.loads(crm.run("plan", "--json").stdout)["date"] == "2026-11-28"


def test_the_next_step_hints_name_the_next_working_day(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.write("clients/solo.md", "---\nname: Solo\nowner: anna\n---\n")
    crm.write("deals/solo-deal.md", "---\nclient: solo\ntitle: Deal\nstage: lead\n---\n")
    friday = "--due monday'"  # the suite's today, 2026-11-27, is a Friday
    assert f'task add solo "..." {friday}' in crm.run("client", "show", "solo").stdout
    assert f'task add solo-deal "..." {friday}' in crm.run("deal", "show", "solo-deal").stdout
    monkeypatch.setenv("PLAINCRM_TODAY", "2026-11-26")  # a Thursday
    monkeypatch.setenv("GIT_AUTHOR_DATE", "2026-11-26T12:00:00+01:00")
    monkeypatch.setenv("GIT_COMMITTER_DATE", "2026-11-26T12:00:00+01:00")
    assert "--due tomorrow'" in crm.run("client", "show", "solo").stdout
    assert "--due tomorrow'" in crm.run("deal", "show", "solo-deal").stdout


# ---------------------------------------------------------------- search without accents


def refs(crm: Crm, *args: str) -> list[str]:
    return [item["ref"] for item in json.loads(crm.run(*args, "--json").stdout)]


def test_search_ignores_accents_and_case(demo: Crm) -> None:
    assert refs(demo, "client", "list", "gyor") == ["jade-tea-house"]  # city: Győr
    assert refs(demo, "client", "list", "GYŐR") == ["jade-tea-house"]
    assert refs(demo, "client", "list", "city~gyo") == ["jade-tea-house"]
    assert refs(demo, "client", "list", "orszagh") == ["orszagh-winery"]  # Országh Winery
    assert refs(demo, "client", "list", "gabor") == ["danube-hotels"]  # a contact: Gábor Tóth
    titles = {
        task["record_title"]
        for task in json.loads(demo.run("task", "list", "kovacs", "--json").stdout)
    }
    assert titles == {"Kovács & Sons Catering"}
    assert refs(demo, "deal", "list", "kovacs") == ["kovacs-and-sons-mobile-espresso-bar"]
    demo.write(
        "clients/sorensen.md",
        "---\nname: Søren Sørensen ApS\ncity: Ærøskøbing\nowner: anna\n---\n",
    )
    demo.write("clients/mueller.md", "---\nname: Bäckerei Müller\ncity: Straße 1\n---\n")
    assert refs(demo, "client", "list", "sorensen") == ["sorensen"]
    assert refs(demo, "client", "list", "aeroskobing") == ["sorensen"]
    assert refs(demo, "client", "list", "mueller") == ["mueller"]
    assert refs(demo, "client", "list", "backerei", "strasse") == ["mueller"]


# ---------------------------------------------------------------- the next step of a deal

NEXT_STEPS = {
    # a task on the card of a client with this one open deal (and a won one) is its step
    "clients/solo.md": "---\nname: Solo\nowner: anna\n---\n## Tasks\n"
    "- [ ] Call about the machine due:2026-12-10 id:solo01\n",
    "deals/solo-machine.md": "---\nclient: solo\ntitle: Machine\nstage: lead\nowner: anna\n"
    "created: 2026-11-20\n---\n",
    "deals/solo-beans.md": "---\nclient: solo\ntitle: Beans\nstage: won\nowner: anna\n"
    "created: 2026-10-01\nclosed: 2026-10-20\n---\n",
    # the client's task can't tell which of two open deals (one of them ben's) it moves
    "clients/twin.md": "---\nname: Twin\nowner: anna\n---\n## Tasks\n"
    "- [ ] Call about both due:2026-12-10 id:twin01\n",
    "deals/twin-a.md": "---\nclient: twin\ntitle: A\nstage: lead\nowner: anna\n"
    "created: 2026-11-20\n---\n",
    "deals/twin-b.md": "---\nclient: twin\ntitle: B\nstage: lead\nowner: ben\n"
    "created: 2026-11-20\n---\n",
    # no open task anywhere: a done one on the card is history, not a step
    "clients/bare.md": "---\nname: Bare\nowner: anna\n---\n## Tasks\n"
    "- [x] Met them due:2026-11-20 done:2026-11-20 id:bare01\n",
    "deals/bare-deal.md": "---\nclient: bare\ntitle: Bare deal\nstage: lead\nowner: anna\n"
    "created: 2026-11-20\n---\n",
    # a task on the deal itself
    "clients/busy.md": "---\nname: Busy\nowner: anna\n---\n",
    "deals/busy-deal.md": "---\nclient: busy\ntitle: Busy deal\nstage: lead\nowner: anna\n"
    "created: 2026-11-20\n---\n## Tasks\n- [ ] Send the offer due:2026-12-11 id:busy01\n",
}
EXPECTED = {
    "deals/twin-a.md": "no next step (no open task on the deal; its client has 2 open deals)",
    "deals/bare-deal.md": "no next step (no open task on the deal or its client)",
}


def attention_of(crm: Crm, *args: str) -> dict[str, str]:
    view = json.loads(crm.run("today", *args, "--json").stdout)
    return {item["record"]: item["reason"] for item in view["attention"] if item["kind"] == "deal"}


def test_a_task_on_the_card_of_a_client_with_one_open_deal_is_its_next_step(crm: Crm) -> None:
    for path, text in NEXT_STEPS.items():
        crm.write(path, text)
    assert attention_of(crm) == EXPECTED
    board = json.loads(crm.run("pipeline", "--json").stdout)
    flagged = {
        deal["path"]: deal["attention"] for stage in board["stages"] for deal in stage["deals"]
    }
    assert flagged["deals/solo-machine.md"] == []
    assert flagged["deals/twin-b.md"] == [EXPECTED["deals/twin-a.md"]]
    shown = json.loads(crm.run("deal", "show", "solo-machine", "--json").stdout)
    assert shown["attention"] == []
    shown = json.loads(crm.run("deal", "show", "bare-deal", "--json").stdout)
    assert shown["attention"] == [EXPECTED["deals/bare-deal.md"]]
    # the client's task is done: the deal has no next step any more
    crm.run("task", "done", "solo01", "--no-note")
    assert attention_of(crm)["deals/solo-machine.md"] == (
        "no next step (no open task on the deal or its client)"
    )
    # ben's deal is won: twin's task now moves the one open deal left
    crm.run("deal", "win", "twin-b")
    assert "deals/twin-a.md" not in attention_of(crm)


def test_the_first_run_sees_the_next_steps_on_client_cards(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(firstrun, "QUICK_MIN", 5)  # taken for a large CRM
    for path, text in NEXT_STEPS.items():
        crm.write(path, text)
    crm.git("add", "-A")
    crm.git("commit", "-qm", "records")
    with build_lock(crm.root):  # as while another process builds the index
        quick = [attention_of(crm), attention_of(crm, "--all")]
        assert indexed_files(crm.root) == 0  # both views came from the quick look
    crm.run("task", "list")  # builds the whole index
    full = [attention_of(crm), attention_of(crm, "--all")]
    assert quick == full
    assert full[0] == EXPECTED


def test_deal_show_points_to_the_step_on_the_client_card(crm: Crm) -> None:
    for path, text in NEXT_STEPS.items():
        crm.write(path, text)
    shown = crm.run("deal", "show", "solo-machine").stdout
    assert (
        "none on the deal: its next step is on the client card ('plaincrm client show solo')"
        in shown
    )
    assert (
        "none: add the next step with 'plaincrm task add twin-a"
        in crm.run("deal", "show", "twin-a").stdout
    )
