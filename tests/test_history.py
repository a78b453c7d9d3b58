"""``plaincrm history`` and ``plaincrm activity``: what git recorded, in words."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.git.history import describe, parse_patches

CLIENT = "clients/acme-ltd.md"


def when(day: str, time: str = "10:00", who: str | None = None) -> dict[str, str]:
    """The environment of a command run on ``day`` at ``time`` (by ``who``)."""
    stamp = f"{day}T{time}:00+01:00"
    env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp, "PLAINCRM_TODAY": day}
    if who:
        env |= {
            "PLAINCRM_USER": who,
            "GIT_AUTHOR_NAME": who.title(),
            "GIT_AUTHOR_EMAIL": f"{who}@example.com",
            "GIT_COMMITTER_NAME": who.title(),
            "GIT_COMMITTER_EMAIL": f"{who}@example.com",
        }
    return env


def history(crm: Crm, *args: str) -> list[dict]:
    return json.loads(crm.run("history", *args, "--json").stdout)["events"]


def hand_commit(crm: Crm, message: str, author: str, day: str = "2026-11-26") -> None:
    crm.git(
        "-c",
        f"user.name={author}",
        "-c",
        f"user.email={author.lower()}@example.com",
        "commit",
        "-qam",
        message,
        f"--date={day}T15:30:00+01:00",
    )


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd", "--phone", "+36 1 111", env=when("2026-11-20", "09:00"))
    return crm


def test_a_hand_edit_committed_with_plain_git_shows_with_its_author(acme: Crm) -> None:
    acme.write(CLIENT, acme.read(CLIENT).replace("+36 1 111", "+36 1 222"))
    hand_commit(acme, "New phone number", "Ben")
    events = history(acme, "acme")
    assert events[0] | {"commit": None} == {
        "date": "2026-11-26",
        "time": "15:30",
        "who": "ben",  # git's "Ben" is the user ben of plaincrm.yaml
        "record": CLIENT,
        "record_type": "client",
        "record_title": "Acme Ltd",
        "kind": "field",
        "text": "phone: +36 1 111 -> +36 1 222",
        "note": "",
        "commit": None,
        "by_hand": True,
        "details": [],
    }
    assert events[-1]["text"] == "record created" and events[-1]["by_hand"] is False
    out = acme.run("history", "acme").stdout
    assert "2026-11-26 Thu" in out
    assert "15:30  ben" in out and "phone: +36 1 111 -> +36 1 222  (by hand)" in out


def test_a_hand_edit_not_committed_yet_is_not_credited_to_the_next_command(acme: Crm) -> None:
    """The command commits the hand edit of the file it changes on its own first."""
    acme.write(CLIENT, acme.read(CLIENT).replace("+36 1 111", "+36 1 222"))
    acme.run("task", "add", "acme", "Call Peter", env=when("2026-11-21"))
    assert acme.commits()[:2] == [
        f"task add: Call Peter ({CLIENT})",
        f"hand edits to {CLIENT}",
    ]
    assert "Made-with" not in acme.git("log", "-1", "--skip=1", "--format=%B")
    diff = acme.git("show", "--format=", "-U0", "HEAD").splitlines()
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert all(line.startswith("+") for line in changed) and "phone" not in "".join(changed)
    assert changed[-1].startswith("+- [ ] Call Peter id:")
    events = history(acme, "acme")
    phone = next(e for e in events if e["kind"] == "field")
    assert (phone["text"], phone["by_hand"]) == ("phone: +36 1 111 -> +36 1 222", True)


def test_completed_tasks_with_notes_and_log_lines_are_on_the_timeline(acme: Crm) -> None:
    task = acme.run("task", "add", "acme", "Call Peter", env=when("2026-11-21")).stdout.strip()
    acme.run(
        "task",
        "done",
        task,
        "--note",
        "Wants three more.\nCall back in January.",
        env=when("2026-11-24", "11:15"),
    )
    text = acme.read(CLIENT) + "\n## Log\n\n- 2026-11-25 14:00 ben: met them at the fair\n"
    acme.write(CLIENT, text)
    hand_commit(acme, "log", "Ben", "2026-11-25")
    events = history(acme, "acme")
    assert [(e["date"], e["time"], e["kind"], e["text"]) for e in events] == [
        ("2026-11-25", "14:00", "log", "met them at the fair"),
        ("2026-11-24", "11:15", "done", "done: Call Peter"),
        ("2026-11-21", "10:00", "task-added", "task added: Call Peter"),
        ("2026-11-20", "09:00", "created", "record created"),
    ]
    assert events[1]["note"] == "Wants three more.\nCall back in January."
    # init recorded git's identity (Anna Kovacs) as the user anna
    assert events[1]["who"] == "anna" and events[0]["who"] == "ben"
    out = acme.run("history", "acme").stdout
    assert "| Wants three more.\n" in out and "| Call back in January." in out


def test_a_task_written_down_already_done_is_listed_once_as_done(acme: Crm) -> None:
    text = acme.read(CLIENT) + (
        "\n## Tasks\n\n- [x] Called Peter done:2026-11-26\n  He wants a demo.\n"
    )
    acme.write(CLIENT, text)
    hand_commit(acme, "call", "Ben")
    events = history(acme, "acme")
    assert [(e["date"], e["time"], e["who"], e["kind"], e["text"]) for e in events] == [
        ("2026-11-26", "15:30", "ben", "done", "done: Called Peter"),
        ("2026-11-20", "09:00", "anna", "created", "record created"),
    ]
    assert events[0]["note"] == "He wants a demo."
    week = json.loads(acme.run("activity", "--json").stdout)["items"]
    first = week[0]
    assert (first["category"], first["text"], first["note"]) == (
        "done",
        "Called Peter",
        "He wants a demo.",
    )


def test_a_clients_history_includes_its_deals(acme: Crm) -> None:
    acme.write(
        "deals/acme-espresso.md",
        "---\nclient: acme-ltd\ntitle: Espresso machines\nstage: lead\n---\n",
    )
    acme.git("add", "deals/acme-espresso.md")
    hand_commit(acme, "deal", "Ben", "2026-11-22")
    acme.write(
        "deals/acme-espresso.md", acme.read("deals/acme-espresso.md").replace("lead", "proposal")
    )
    hand_commit(acme, "moved", "Ben", "2026-11-23")
    events = history(acme, "acme")
    assert [(e["record"], e["text"]) for e in events] == [
        ("deals/acme-espresso.md", "stage: lead -> proposal"),
        ("deals/acme-espresso.md", "record created"),
        (CLIENT, "record created"),
    ]
    assert "[deal Espresso machines] stage: lead -> proposal" in acme.run("history", "acme").stdout
    assert [e["text"] for e in history(acme, "acme", "--only")] == ["record created"]
    deal = history(acme, "deals/acme-espresso")
    assert {e["record"] for e in deal} == {"deals/acme-espresso.md"}


def test_a_prefix_of_a_client_and_its_deals_means_the_client(acme: Crm) -> None:
    acme.write(
        "deals/acme-ltd-espresso.md", "---\nclient: acme-ltd\ntitle: Espresso\nstage: lead\n---\n"
    )
    assert json.loads(acme.run("history", "acme", "--json").stdout)["record"] == CLIENT


def test_renamed_files_keep_their_history(acme: Crm) -> None:
    acme.write(CLIENT, acme.read(CLIENT).replace("+36 1 111", "+36 1 333"))
    hand_commit(acme, "phone", "Ben", "2026-11-21")
    acme.git("mv", CLIENT, "clients/acme.md")
    hand_commit(acme, "shorter name", "Ben", "2026-11-22")
    acme.git("mv", "clients/acme.md", "clients/acme-group.md")
    hand_commit(acme, "group", "Ben", "2026-11-23")
    texts = [e["text"] for e in history(acme, "acme-group")]
    assert texts == [
        "renamed from clients/acme.md",
        "renamed from clients/acme-ltd.md",
        "phone: +36 1 111 -> +36 1 333",
        "record created",
    ]


def test_since_and_until_limit_the_timeline(acme: Crm) -> None:
    for day in ("2026-11-21", "2026-11-23", "2026-11-25"):
        acme.run("task", "add", "acme", f"Task of {day}", env=when(day))
    texts = [
        e["text"] for e in history(acme, "acme", "--since", "2026-11-22", "--until", "2026-11-24")
    ]
    assert texts == ["task added: Task of 2026-11-23"]
    assert acme.run("history", "acme", "--since", "2026-12-01").stdout.endswith(
        "Nothing recorded in that period.\n"
    )


def test_history_errors(acme: Crm) -> None:
    assert "no record 'nobody'" in acme.fail("history", "nobody", code=3).stderr
    wrong = acme.fail("history", "acme", "--since", "2026-11-25", "--until", "2026-11-20", code=2)
    assert "--since 2026-11-25 is after --until 2026-11-20" in wrong.stderr
    assert "is not a date" in acme.fail("history", "acme", "--since", "someday", code=2).stderr


def test_history_outside_git_shows_what_the_files_hold(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "plain"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    crm = Crm(root, runner)
    crm.run("client", "add", "Acme Ltd")
    task = crm.run("task", "add", "acme", "Call").stdout.strip()
    crm.run("task", "done", task, "--note", "Done it.")
    result = crm.run("history", "acme")
    assert "is not in a git repository" in result.stderr
    assert "done: Call" in result.stdout and "| Done it." in result.stdout
    assert "record created" not in result.stdout


# ---------------------------------------------------------------- describe


def test_describe_puts_changes_in_words() -> None:
    old = (
        "---\nname: Acme\nstage: lead\ntags: [a, b]\nnotes: short\n---\n\nText.\n\n"
        "## Tasks\n\n- [ ] Call id:aaaaaa\n- [ ] Mail id:bbbbbb\n- [ ] Visit id:cccccc\n"
    )
    new = (
        "---\nname: Acme\nstage: proposal\ntags: [b, c]\nowner: ben\n---\n\nOther text.\n\n"
        "## Tasks\n\n"
        "- [x] Call done:2026-11-27 id:aaaaaa\n  Result.\n- [ ] Mail due:2026-12-01 id:bbbbbb\n"
        "- [ ] Offer id:dddddd\n\n## Log\n\n- 2026-11-27 anna: moved\n"
    )
    assert [(c.kind, c.text) for c in describe(old, new)] == [
        ("field", "stage: lead -> proposal"),
        ("field", "tags: +c -a"),
        ("field", "owner: ben (new)"),
        ("field", "notes removed (was short)"),
        ("task-done", "task done: Call"),
        ("task-edited", "task Mail: due (none) -> 2026-12-01"),
        ("task-added", "task added: Offer"),
        ("task-removed", "task removed: Visit"),
        ("log-added", "log: 2026-11-27 anna: moved"),
        ("text", "text edited"),
    ]
    assert describe(new, old)[4].text == "task reopened: Call"
    assert describe(None, new)[0].text == "record created"
    assert describe(new, None)[0].text == "deleted"


def test_parse_patches_reads_added_deleted_and_renamed_files() -> None:
    text = (
        "\x1eabc\x1fAnna\x1fanna@x\x1f2026-11-27T10:00:00+01:00\x1f1795773600\x1fsubj\x1f"
        "plaincrm\x1f\n\n"
        "diff --git a/clients/a.md b/clients/a.md\nnew file mode 100644\nindex 0..1\n"
        "--- /dev/null\n+++ b/clients/a.md\n@@ -0,0 +1,2 @@\n+one\n+two\n"
        "diff --git a/clients/b.md b/clients/c.md\nsimilarity index 100%\n"
        "rename from clients/b.md\nrename to clients/c.md\n"
        "diff --git a/clients/d.md b/clients/d.md\ndeleted file mode 100644\n--- a/clients/d.md\n"
        "+++ /dev/null\n@@ -1 +0,0 @@\n-gone\n\\ No newline at end of file\n"
    )
    (commit,) = parse_patches(text)
    assert (commit.author, commit.date, commit.time, commit.by_plaincrm) == (
        "Anna",
        "2026-11-27",
        "10:00",
        True,
    )
    added, renamed, deleted = commit.files
    assert (added.status, added.old_text, added.new_text) == ("A", None, "one\ntwo\n")
    assert (renamed.status, renamed.old_path, renamed.new_path, renamed.new_text) == (
        "R",
        "clients/b.md",
        "clients/c.md",
        None,
    )
    assert (deleted.status, deleted.path, deleted.old_text, deleted.new_text) == (
        "D",
        "clients/d.md",
        "gone\n",
        None,
    )


# ---------------------------------------------------------------- activity


@pytest.fixture
def week(crm: Crm) -> Crm:
    """Anna and Ben's week, Monday 2026-11-23 to Friday 27th, and a client of the week before."""
    crm.run("client", "add", "Old Client", env=when("2026-11-16", who="anna"))
    crm.run("client", "add", "Acme Ltd", env=when("2026-11-23", "09:00", "anna"))
    call = crm.run(
        "task", "add", "acme", "Call Peter", env=when("2026-11-23", "09:30", "anna")
    ).stdout.strip()
    crm.run(
        "deal",
        "add",
        "acme-ltd",
        "Espresso machines",
        "--amount",
        "12000",
        env=when("2026-11-23", "11:00", "anna"),
    )
    crm.run(
        "task", "done", call, "--note", "Wants a quote.", env=when("2026-11-24", "10:00", "ben")
    )
    crm.run(
        "deal",
        "move",
        "acme-ltd-espresso-machines",
        "proposal",
        env=when("2026-11-25", "16:00", "ben"),
    )
    crm.write(
        CLIENT, crm.read(CLIENT).replace("name: Acme Ltd", 'name: Acme Ltd\nphone: "+36 1 444"')
    )
    hand_commit(crm, "phone", "Anna", "2026-11-26")
    crm.run("deal", "win", "acme-ltd-espresso-machines", env=when("2026-11-27", "12:00", "ben"))
    return crm


def test_activity_summarises_the_week_by_day_and_person(week: Crm) -> None:
    data = json.loads(week.run("activity", "--since", "monday", "--json").stdout)
    assert data["since"] == "2026-11-23" and data["until"] == "2026-11-27"
    got = [
        (i["date"], i["who"], i["category"], i["record_title"], i["text"]) for i in data["items"]
    ]
    assert got == [
        (
            "2026-11-27",
            "ben",
            "won",
            "Espresso machines",
            "stage: proposal -> won (probability: 50 -> 100; closed: 2026-11-27 (new))",
        ),
        ("2026-11-26", "anna", "edited", "Acme Ltd", "phone: +36 1 444 (new)"),
        (
            "2026-11-25",
            "ben",
            "moved",
            "Espresso machines",
            "stage: lead -> proposal (probability: 10 -> 50)",
        ),
        ("2026-11-24", "ben", "done", "Acme Ltd", "Call Peter"),
        ("2026-11-23", "anna", "created", "Espresso machines", ""),
        ("2026-11-23", "anna", "edited", "Acme Ltd", "task added: Call Peter"),
        ("2026-11-23", "anna", "created", "Acme Ltd", ""),
    ]
    assert data["items"][3]["note"] == "Wants a quote."
    assert data["items"][1]["by_hand"] is True and data["items"][0]["by_hand"] is False
    assert data["counts"] == {
        "created": 2,
        "won": 1,
        "lost": 0,
        "moved": 1,
        "done": 1,
        "mail": 0,
        "edited": 2,
        "renamed": 0,
        "deleted": 0,
    }
    assert data["people"] == ["anna", "ben"]


def test_activity_text_groups_by_day_then_person(week: Crm) -> None:
    out = week.run("activity", "--since", "monday").stdout
    assert out.startswith("Activity 2026-11-23 .. 2026-11-27\n")
    monday = out.split("2026-11-23 Mon\n")[1]
    assert monday.startswith("  anna\n    created  deal Espresso machines\n")
    assert "    done     client Acme Ltd: Call Peter\n             | Wants a quote.\n" in out
    assert out.rstrip().endswith("2 people: 2 created, 1 won, 1 moved, 1 done, 2 edited")


def test_activity_by_one_person_and_default_week(week: Crm) -> None:
    mine = json.loads(week.run("activity", "--since", "monday", "--by", "ben", "--json").stdout)
    assert {item["who"] for item in mine["items"]} == {"ben"} and len(mine["items"]) == 3
    by_email = json.loads(week.run("activity", "--by", "ben@example.com", "--json").stdout)
    assert len(by_email["items"]) == 3
    default = json.loads(week.run("activity", "--json").stdout)
    assert default["since"] == "2026-11-20"
    assert "Old Client" not in {item["record_title"] for item in default["items"]}
    everything = json.loads(week.run("activity", "--since", "2026-11-01", "--json").stdout)
    assert "Old Client" in {item["record_title"] for item in everything["items"]}
    nothing = week.run("activity", "--since", "2026-11-01", "--until", "2026-11-10").stdout
    assert nothing.endswith("Nothing happened to records in that period.\n")


def test_activity_outside_git_says_so(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "plain"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    result = Crm(root, runner).fail("activity", code=7)
    assert "is not in a git repository" in result.stderr


def test_git_log_keeps_a_cache_of_objects_the_size_of_the_repository(
    crm: Crm, tmp_path: Path
) -> None:
    """git's default cache of inflated objects (96 MB) is memory a short ``git log`` of a
    small repository pays for; plaincrm asks for about four times git's index."""
    from plaincrm.git.repo import _delta_cache

    index = crm.root / ".git" / "index"
    expected = max(4 * index.stat().st_size, 8 << 20)
    assert _delta_cache(crm.root / "clients") == ["-c", f"core.deltaBaseCacheLimit={expected}"]
    assert _delta_cache(tmp_path / "nowhere") == []


@pytest.mark.parametrize(
    "setting", ["diff.noprefix=true", "diff.mnemonicPrefix=true", "diff.suppressBlankEmpty=true"]
)
def test_history_and_activity_read_git_whatever_the_users_diff_settings(
    week: Crm, setting: str
) -> None:
    expected_history = history(week, "acme")
    expected_activity = week.run("activity", "--since", "monday", "--json").stdout
    key, value = setting.split("=")
    week.git("config", key, value)
    assert history(week, "acme") == expected_history
    assert week.run("activity", "--since", "monday", "--json").stdout == expected_activity
    assert len(expected_history) > 3


def test_history_reads_the_first_commit_whatever_the_users_log_settings(
    tmp_path: Path, runner: CliRunner
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    root = tmp_path / "repo" / "crm"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    crm = Crm(root, runner)
    crm.write("clients/acme.md", "---\nname: Acme Ltd\nphone: '1'\n---\n")
    crm.git("add", "-A")
    crm.git("commit", "-qm", "first")  # the repository's root commit creates the record
    crm.write("clients/acme.md", "---\nname: Acme Ltd\nphone: '2'\n---\n")
    crm.git("commit", "-qam", "phone")
    expected = [(e["kind"], e["text"]) for e in history(crm, "acme")]
    assert expected == [("field", "phone: 1 -> 2"), ("created", "record created")]
    crm.git("config", "log.showRoot", "false")
    crm.git("config", "log.follow", "true")
    assert [(e["kind"], e["text"]) for e in history(crm, "acme")] == expected


def test_history_and_activity_in_a_repository_without_commits(
    tmp_path: Path, runner: CliRunner
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    root = tmp_path / "repo" / "crm"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    crm = Crm(root, runner)
    crm.write("clients/acme.md", "---\nname: Acme Ltd\n---\n\n## Log\n\n- 2026-11-26 anna: met\n")
    data = json.loads(crm.run("history", "acme", "--json").stdout)
    assert data["git"] is True
    assert [(e["kind"], e["text"]) for e in data["events"]] == [("log", "met")]
    assert json.loads(crm.run("activity", "--json").stdout)["items"] == []
    assert crm.run("activity").stdout.endswith("Nothing happened to records in that period.\n")


def test_a_failing_git_command_is_named_in_the_error(tmp_path: Path) -> None:
    from plaincrm.core.errors import GitError
    from plaincrm.git.repo import run

    with pytest.raises(GitError) as failed:
        run(tmp_path, "-c", "core.quotePath=false", "-C", ".", "frobnicate")
    assert failed.value.message.startswith("git frobnicate failed: ")


def test_a_deals_history_includes_the_records_that_name_it(acme: Crm) -> None:
    acme.write(
        "deals/acme-espresso.md",
        "---\nclient: acme-ltd\ntitle: Espresso machines\nstage: lead\n---\n",
    )
    acme.write(
        "tickets/acme-upsell.md", "---\ntitle: Upsell\nclient: acme-ltd\ndeal: acme-espresso\n---\n"
    )
    acme.git("add", "deals", "tickets")
    acme.git("commit", "-q", "--no-verify", "-m", "deal and ticket")  # a sketchy ticket
    data = json.loads(acme.run("history", "deals/acme-espresso", "--json").stdout)
    assert data["linked"] == ["tickets/acme-upsell.md"]
    assert {e["record"] for e in data["events"]} == {
        "deals/acme-espresso.md",
        "tickets/acme-upsell.md",
    }


def test_commits_are_authored_by_the_acting_plaincrm_user_not_gits(crm: Crm) -> None:
    """Ben works on Anna's machine (git's identity is Anna's): his ticket is his in git,
    in history and in activity; Anna stays the committer."""
    settings = crm.read("plaincrm.yaml").replace(
        "  - name: ben\n", "  - name: ben\n    full_name: Ben Novak\n    email: ben@example.com\n"
    )
    crm.write("plaincrm.yaml", settings)
    crm.git("commit", "-qam", "ben's details")
    crm.run("client", "add", "Acme Ltd")  # as anna (PLAINCRM_USER)
    crm.run("ticket", "add", "acme", "Grinder rattles", env={"PLAINCRM_USER": "ben"})
    crm.run("task", "add", "acme-ltd", "Call back", env={"PLAINCRM_USER": "ben"})
    log = crm.git("log", "-3", "--format=%an <%ae> | %cn <%ce> | %s").splitlines()
    assert [line.rsplit(" | ", 1)[0] for line in log] == [
        "Ben Novak <ben@example.com> | Anna Kovacs <anna@example.com>",
        "Ben Novak <ben@example.com> | Anna Kovacs <anna@example.com>",
        "Anna Kovacs <anna@example.com> | Anna Kovacs <anna@example.com>",
    ]
    ticket = history(crm, "tickets/acme-ltd-grinder-rattles")
    assert {event["who"] for event in ticket if event["kind"] != "log"} == {"ben"}
    items = json.loads(crm.run("activity", "--json").stdout)["items"]
    assert {(item["who"], item["record_type"]) for item in items} == {
        ("ben", "ticket"),
        ("ben", "client"),  # the task
        ("anna", "client"),
    }
    assert "ben" in crm.run("activity", "--by", "ben").stdout


def test_a_user_without_full_name_or_email_is_the_author_by_name(crm: Crm) -> None:
    """ben has neither full_name nor email in plaincrm.yaml: the commit names him and
    borrows nothing of git's identity (Anna's e-mail would credit it to her)."""
    crm.run("client", "add", "Acme Ltd", env={"PLAINCRM_USER": "ben"})
    assert crm.git("log", "-1", "--format=%an <%ae> | %cn").strip() == "ben <> | Anna Kovacs"
    assert {event["who"] for event in history(crm, "acme")} == {"ben"}
