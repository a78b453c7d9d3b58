"""Core commands through the CLI: clients, tasks, refs, ids, errors, git commits."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import git as gitpython
import pytest
from click.testing import CliRunner

from conftest import Crm, git
from plaincrm.cli import COMMANDS, cli
from plaincrm.core.errors import (
    EXIT_AMBIGUOUS,
    EXIT_CONFLICT,
    EXIT_INVALID,
    EXIT_NO_REPO,
    EXIT_NOT_FOUND,
    EXIT_USAGE,
)

HAND_WRITTEN = """---
# Danube Hotels: edited by hand, keep the comments
name: Danube Hotels Zrt.
kind: company
phone: '+36 1 555 0190'  # switchboard
country: NO
tags: [hotel, vip]
owner: anna
board_day: first Tuesday
---

Four hotels on the Pest side.

## Tasks

- [x] Present the proposal due:2026-11-10 done:2026-11-10 id:dh5a1b
  Board liked the fixed price.
- [ ] lease calculation, typed by hand due:2026-11-27
"""


def test_client_add_never_writes_a_record_check_would_refuse(crm: Crm) -> None:
    result = crm.fail("client", "add", "Acme", "--email", "acme.example", code=EXIT_INVALID)
    assert result.stderr == (
        "Error: 'acme.example' is not an e-mail address: write it like name@example.com\n"
    )
    assert not (crm.root / "clients" / "acme.md").exists()
    crm.run("client", "add", "Bolt", "--email", "", "--phone", " ", "--tag", "", "--tag", "vip")
    assert crm.read("clients/bolt.md").split("---\n")[1] == (
        "name: Bolt\nkind: company\ntags: [vip]\nowner: anna\ncreated: 2026-11-27\n"
    )
    crm.run("client", "add", "Cafe", "--owner", "")  # nobody's
    crm.run("deal", "add", "bolt", "Cups", "--owner", "")
    assert "owner" not in crm.read("clients/cafe.md") + crm.read("deals/bolt-cups.md")
    assert crm.run("check").exit_code == 0


def test_client_add_writes_a_clean_record_and_one_commit(crm: Crm) -> None:
    result = crm.run(
        "client",
        "add",
        "Kovács és Társa Kft.",
        "--phone",
        "0123 456",
        "--email",
        "info@kovacs.example",
        "--tag",
        "vip",
        "--tag",
        "wholesale",
    )
    assert result.stdout == "kovacs-es-tarsa-kft\n"
    assert crm.read("clients/kovacs-es-tarsa-kft.md") == (
        "---\n"
        "name: Kovács és Társa Kft.\n"
        "kind: company\n"
        "email: info@kovacs.example\n"
        'phone: "0123 456"\n'
        "tags: [vip, wholesale]\n"
        "owner: anna\n"
        "created: 2026-11-27\n"
        "---\n"
    )
    assert crm.commits()[0] == "client add: Kovács és Társa Kft. (clients/kovacs-es-tarsa-kft.md)"
    head = gitpython.Repo(crm.root).head.commit  # an independent reader of the commit
    assert list(head.stats.files) == ["clients/kovacs-es-tarsa-kft.md"]
    assert (head.author.name, head.author.email) == ("Anna Kovacs", "anna@example.com")
    again = crm.run("client", "add", "Kovács és Társa Kft.")
    assert again.stdout == "kovacs-es-tarsa-kft-2\n"


def test_yaml_traps_written_by_the_tool_read_back_as_text(crm: Crm) -> None:
    crm.run("client", "add", "Fjord", "--phone", "0123", "--tag", "NO", "--tag", "10:00")
    shown = json.loads(crm.run("client", "show", "fjord", "--json").stdout)["client"]
    assert shown["phone"] == "0123"
    assert shown["tags"] == ["NO", "10:00"]


def test_hand_written_file_gets_a_task_added_and_completed_with_minimal_diffs(crm: Crm) -> None:
    crm.write("clients/danube.md", HAND_WRITTEN)
    crm.git("add", ".")
    crm.git("commit", "-qm", "hand-written client")
    task_id = crm.run(
        "task", "add", "danube", "Call Gábor", "--due", "2026-12-01", "--at", "10:30"
    ).stdout.strip()
    diff = crm.git("diff", "HEAD~1", "--unified=0", "--", "clients/danube.md")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    hand_task = "- [ ] lease calculation, typed by hand due:2026-11-27"
    assert changed == [
        f"-{hand_task}",
        f"+{hand_task} id:{_id_of(crm, 'lease calculation')}",
        f"+- [ ] Call Gábor due:2026-12-01 at:10:30 id:{task_id}",
    ]
    crm.run("task", "done", task_id, "--note", "Board says yes.\nSend the contract.")
    diff = crm.git("diff", "HEAD~1", "--unified=0", "--", "clients/danube.md")
    changed = [
        line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert changed == [
        f"-- [ ] Call Gábor due:2026-12-01 at:10:30 id:{task_id}",
        f"+- [x] Call Gábor due:2026-12-01 at:10:30 done:2026-11-27 id:{task_id}",
        "+  Board says yes.",
        "+  Send the contract.",
    ]
    text = crm.read("clients/danube.md")
    assert text.startswith(HAND_WRITTEN.split("## Tasks")[0])


def _id_of(crm: Crm, title: str) -> str:
    for task in json.loads(crm.run("task", "list", "--all", "--json").stdout):
        if task["title"].startswith(title):
            return str(task["id"])
    raise AssertionError(title)


def test_id_less_task_is_addressed_as_ref_hash_n(crm: Crm) -> None:
    crm.write("clients/danube.md", HAND_WRITTEN)
    listing = crm.run("task", "list", "--all").stdout
    assert "danube#2" in listing
    crm.run("task", "move", "danube#2", "--due", "2026-11-30")
    text = crm.read("clients/danube.md")
    assert "- [ ] lease calculation, typed by hand due:2026-11-30 id:" in text
    crm.fail("task", "done", "danube#9", code=EXIT_NOT_FOUND)


def test_refs_prefixes_and_ambiguity(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Acme Trading")
    crm.run("client", "add", "Bolt")
    assert "Bolt" in crm.run("client", "show", "b").stdout
    assert "Acme Ltd" in crm.run("client", "show", "clients/acme-ltd.md").stdout
    result = crm.fail("client", "show", "acme", code=EXIT_AMBIGUOUS)
    assert "'acme' matches 2 records" in result.stderr
    assert "acme-ltd" in result.stderr and "acme-trading" in result.stderr
    result = crm.fail("client", "show", "zzz", code=EXIT_NOT_FOUND)
    assert result.stderr == "Error: no client 'zzz' (list them with 'plaincrm client list')\n"
    result = crm.fail("deal", "show", "clients/bolt", code=EXIT_NOT_FOUND)
    assert result.stderr == (
        "Error: no deal 'clients/bolt': clients/ holds clients (list deals with "
        "'plaincrm deal list')\n"
    )
    result = crm.fail("doc", "show", "zzz", code=EXIT_NOT_FOUND)
    assert "(list them with 'plaincrm doc list')" in result.stderr
    result = crm.fail("history", "competitors/zzz", code=EXIT_NOT_FOUND)
    assert "(list them with 'plaincrm report competitors')" in result.stderr
    result = crm.fail("client", "show", "notes/bolt", code=EXIT_NOT_FOUND)
    assert result.stderr == "Error: no record 'notes/bolt': 'notes/' is not a record folder\n"


@pytest.mark.parametrize("ref", ["../plaincrm", "/etc/passwd", "..", "clients/../../x", "a/b/c"])
def test_refs_never_leave_the_repository(crm: Crm, ref: str) -> None:
    crm.run("client", "add", "Acme")
    result = crm.fail("client", "show", ref, code=EXIT_NOT_FOUND)
    assert result.stderr.startswith("Error: no ")


def test_symlink_out_of_the_repository_is_ignored(crm: Crm, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("---\nname: Secret\n---\n")
    os.symlink(outside, crm.root / "clients" / "secret.md")
    crm.fail("client", "show", "secret", code=EXIT_NOT_FOUND)
    assert "Secret" not in crm.run("client", "list").stdout


def test_task_ids_prefix_and_ambiguous_prefix(crm: Crm) -> None:
    crm.write(
        "clients/acme.md",
        "---\nname: Acme\n---\n## Tasks\n- [ ] One id:abc111\n- [ ] Two id:abc222\n",
    )
    crm.fail("task", "done", "abc", "--note", "x", code=EXIT_AMBIGUOUS)
    crm.run("task", "done", "abc1", "--note", "x")
    assert "- [x] One done:2026-11-27 id:abc111" in crm.read("clients/acme.md")
    result = crm.fail("task", "done", "abc1", code=EXIT_CONFLICT)
    assert "already done (on 2026-11-27)" in result.stderr
    crm.fail("task", "done", "zz9", code=EXIT_NOT_FOUND)


def test_task_done_asks_for_the_note_on_a_terminal(crm: Crm) -> None:
    crm.run("client", "add", "Acme")
    task_id = crm.run("task", "add", "acme", "Call", "--due", "today").stdout.strip()
    # CliRunner's stdin is no terminal: no question is asked, '-' reads the note from stdin
    crm.run("task", "done", task_id, "--note", "-", input="Agreed.\nShip Monday.\n")
    assert "  Agreed.\n  Ship Monday.\n" in crm.read("clients/acme.md")


def test_task_done_prompt_through_a_real_terminal(crm: Crm) -> None:
    pexpect = pytest.importorskip("pexpect")
    crm.run("client", "add", "Acme")
    task_id = crm.run("task", "add", "acme", "Call", "--due", "today").stdout.strip()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "plaincrm", "-C", str(crm.root), "task", "done", task_id],
        encoding="utf-8",
        timeout=20,
    )
    child.expect("main points")
    child.sendline("Wants a quote by Friday.")
    child.sendline("")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "  Wants a quote by Friday.\n" in crm.read("clients/acme.md")


def test_task_move_and_list_filters(crm: Crm) -> None:
    crm.run("client", "add", "Acme")
    old = crm.run("task", "add", "acme", "Old", "--due", "2026-11-20").stdout.strip()
    crm.run("task", "add", "acme", "Friday", "--due", "friday")
    crm.run("task", "add", "acme", "Later", "--due", "+1w", "--owner", "ben")
    overdue = json.loads(crm.run("task", "list", "--overdue", "--json").stdout)
    assert [t["title"] for t in overdue] == ["Old"]
    assert [t["title"] for t in json.loads(crm.run("task", "list", "--json").stdout)] == [
        "Old",
        "Friday",
    ]
    everyone = json.loads(crm.run("task", "list", "--all", "--json").stdout)
    assert everyone[-1]["due"] == "2026-12-04" and everyone[-1]["owner"] == "ben"
    assert set(everyone[0]) >= {"id", "title", "due", "at", "dur", "done", "owner", "record"}
    crm.run("task", "move", old, "--due", "monday", "--at", "14:00")
    assert f"- [ ] Old due:2026-11-30 at:14:00 id:{old}" in crm.read("clients/acme.md")
    assert crm.commits()[0] == "task move: Old -> 2026-11-30 14:00 (clients/acme.md)"
    result = crm.fail("task", "move", old, code=EXIT_INVALID)
    assert "say where to move the task" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["task", "add", "acme", "Call", "--due", "someday"], "'someday' is not a date"),
        (["task", "add", "acme", "Call", "--at", "25:00"], "'25:00' is not a time"),
        (["task", "add", "acme", "Call", "--dur", "long"], "'long' is not a duration"),
        (["task", "add", "acme", "Call due:friday"], "the title contains 'due:'"),
        (
            ["task", "add", "acme", "Reply re:pricing"],
            "in the title, unknown task key 're:' (known: due, at, dur, every, done, id, owner): "
            "put a space after the colon (re: pricing)",
        ),
        (["task", "add", "acme", "  "], "a task needs a title"),
        (["task", "add", "acme", "Call", "--owner", "zoe"], "'zoe' is not a user"),
        (["client", "add", "X", "--owner", "zoe"], "'zoe' is not a user in plaincrm.yaml"),
        (["task", "list", "--owner", "ben", "--all"], "use either --owner or --all"),
    ],
)
def test_user_mistakes_give_clear_errors(crm: Crm, args: list[str], message: str) -> None:
    crm.run("client", "add", "Acme")
    result = crm.run(*args, ok=False)
    assert result.exit_code in (EXIT_USAGE, EXIT_INVALID)
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr


def test_owner_me_is_you_wherever_an_owner_is_given(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.run("client", "add", "Acme", "--owner", "me")
    assert "owner: anna\n" in crm.read("clients/acme.md")
    crm.run("task", "add", "acme", "Call", "--due", "today", "--owner", "me")
    assert "Call" in crm.run("today", "--owner", "me").stdout
    monkeypatch.delenv("PLAINCRM_USER")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    for args in (["today", "--owner", "me"], ["client", "add", "Bolt", "--owner", "me"]):
        result = crm.fail(*args, code=2)
        assert result.stderr == "Error: who is 'me'? set PLAINCRM_USER or git's user.name\n"


def test_an_owner_with_a_space_is_refused_even_without_users(crm: Crm) -> None:
    config = crm.read("plaincrm.yaml")
    crm.write("plaincrm.yaml", config.replace("  - name: anna\n  - name: ben\n", "  []\n"))
    crm.run("client", "add", "Acme")
    before = crm.read("clients/acme.md")
    result = crm.fail("task", "add", "acme", "Call", "--owner", "anna maria", code=EXIT_INVALID)
    assert "'anna maria' has a space" in result.stderr
    assert crm.read("clients/acme.md") == before
    crm.fail("client", "add", "Bolt", "--owner", "anna maria", code=EXIT_INVALID)


def test_no_repository_found(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["today"])
    assert result.exit_code == EXIT_NO_REPO
    assert "no plaincrm.yaml in this folder or above" in result.stderr
    result = runner.invoke(cli, ["-C", str(tmp_path), "today"])
    assert result.exit_code == EXIT_NO_REPO
    assert "(--repo) is not a plaincrm repository" in result.stderr


def test_root_is_found_from_env_and_by_walking_up(
    crm: Crm, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    crm.run("client", "add", "Acme")
    monkeypatch.chdir(crm.root / "clients")
    assert "Acme" in runner.invoke(cli, ["client", "list"]).stdout
    monkeypatch.chdir(crm.root.parent)
    monkeypatch.setenv("PLAINCRM_REPO", str(crm.root))
    assert "Acme" in runner.invoke(cli, ["client", "list"]).stdout


def test_git_commits_can_be_switched_off(crm: Crm) -> None:
    config = crm.read("plaincrm.yaml").replace("commit: true", "commit: false")
    crm.write("plaincrm.yaml", config)
    crm.git("commit", "-qam", "no commits")
    crm.run("client", "add", "Acme")
    assert crm.commits()[0] == "no commits"
    assert "clients/acme.md" in crm.git("status", "--porcelain")


def test_works_outside_git(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "nogit"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    assert not (root / ".git").exists()
    result = runner.invoke(cli, ["-C", str(root), "client", "add", "Acme"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["-C", str(root), "task", "add", "acme", "Call", "--due", "today"])
    assert result.exit_code == 0, result.output
    assert "Call" in runner.invoke(cli, ["-C", str(root), "today"]).stdout


def test_client_list_filters_and_json(crm: Crm) -> None:
    crm.run("client", "add", "Acme", "--tag", "vip", "--owner", "ben")
    crm.run("client", "add", "Bolt", "--tag", "horeca")
    crm.run("client", "add", "Cafe", "--kind", "person", "--tag", "vip")
    assert [
        c["name"] for c in json.loads(crm.run("client", "list", "--tag", "vip", "--json").stdout)
    ] == ["Acme", "Cafe"]
    assert [
        c["name"] for c in json.loads(crm.run("client", "list", "--owner", "me", "--json").stdout)
    ] == ["Bolt", "Cafe"]
    rows = json.loads(crm.run("client", "list", "+vip", "kind:person", "--json").stdout)
    assert [(c["ref"], c["path"], c["kind"]) for c in rows] == [
        ("cafe", "clients/cafe.md", "person")
    ]
    table = crm.run("client", "list").stdout.splitlines()
    assert table[0].split() == ["REF", "NAME", "OWNER", "TAGS", "PHONE", "EMAIL"]
    assert table[1].split()[:3] == ["acme", "Acme", "ben"]


def test_client_card_shows_details_open_tasks_and_history_newest_first(crm: Crm) -> None:
    crm.write("clients/danube.md", HAND_WRITTEN)
    crm.run("task", "add", "danube", "Second call", "--due", "2026-11-20")
    second = _id_of(crm, "Second call")
    crm.run("task", "done", second, "--date", "2026-11-20", "--note", "Newer note.")
    card = crm.run("client", "show", "danube").stdout
    assert "Danube Hotels Zrt." in card and "board_day" in card and "first Tuesday" in card
    assert "Four hotels on the Pest side." in card
    history = card.split("History")[1]
    assert history.index("Second call") < history.index("Present the proposal")
    assert "Newer note." in history and "Board liked the fixed price." in history
    assert "lease calculation" in card.split("Open tasks")[1].split("History")[0]


def test_a_code_fence_left_open_in_a_note_hides_nothing_after_it(crm: Crm) -> None:
    """A note is indented under its task, so a fence in it ends with the task."""
    crm.run("client", "add", "Acme Ltd")
    first = crm.run("task", "add", "acme", "Send offer", "--due", "today").stdout.strip()
    crm.run("task", "done", first, "--note", "-", input="Offer text:\n```\nprice: 1000\n")
    text = crm.read("clients/acme-ltd.md")
    crm.write("clients/acme-ltd.md", text + "\n## Log\n\n- 2026-11-20 anna: met at the fair\n")
    crm.run("task", "add", "acme", "Follow up", "--due", "tomorrow")
    text = crm.read("clients/acme-ltd.md")
    assert text.count("## Tasks") == 1 and text.count("## Log") == 1
    assert text.index("Follow up") < text.index("## Log")
    assert "met at the fair" in crm.run("client", "show", "acme").stdout.split("History")[1]


def test_a_note_fence_closed_at_the_left_margin_closes(crm: Crm) -> None:
    """Opened under the task, closed at column 0: the way people type it."""
    crm.run("client", "add", "Acme Ltd")
    note = "  Settings to paste:\n  ```\n  port=8080\n```\n"
    crm.write(
        "clients/acme-ltd.md",
        crm.read("clients/acme-ltd.md")
        + "\n## Tasks\n\n- [ ] Send config due:2026-12-01 id:cfg222\n"
        + note
        + "\n## Log\n\n- 2026-11-20 anna: met at the fair\n",
    )
    crm.run("task", "add", "acme", "Follow up", "--due", "tomorrow")
    text = crm.read("clients/acme-ltd.md")
    assert text.count("## Log") == 1 and text.index("Follow up") < text.index("## Log")
    assert "met at the fair" in crm.run("client", "show", "acme").stdout


def test_the_card_names_a_linked_records_task_by_that_records_ref(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme", "Call", "--due", "today", "--dur", "90m")
    crm.run("deal", "add", "acme", "Big order")
    deal = "deals/acme-ltd-big-order.md"
    text = crm.read(deal).replace("## Tasks\n", "## Tasks\n\n- [ ] Send the offer due:2026-11-27\n")
    crm.write(deal, text)
    card = crm.run("client", "show", "acme").stdout.split("Open tasks")[1]
    assert "acme-ltd-big-order#1  2026-11-27" in card and "Send the offer  [Big order]" in card
    assert "1h30m  Call" in card
    crm.run("task", "done", "acme-ltd-big-order#1", "--no-note")
    assert "- [x] Send the offer" in crm.read(deal)
    assert "- [ ] Call" in crm.read("clients/acme-ltd.md")


def test_a_file_named_by_hand_with_capitals_or_accents_is_its_own_ref(crm: Crm) -> None:
    task = "\n## Tasks\n\n- [ ] Call due:2026-11-27\n"
    crm.write("clients/Zeta.md", "---\nname: Zeta GmbH\n---\n" + task)
    crm.write("clients/kovács.md", "---\nname: Kovács Bt\n---\n" + task)
    assert "Zeta#1" in crm.run("today", "--all").stdout
    assert "Zeta GmbH" in crm.run("client", "show", "Zeta").stdout
    assert "Kovács Bt" in crm.run("client", "show", "clients/kovács.md").stdout
    crm.run("task", "done", "Zeta#1", "--no-note")
    assert "- [x] Call" in crm.read("clients/Zeta.md")
    crm.fail("client", "show", "Zeta/../../x", code=3)


def test_task_refs_into_broken_or_empty_records_say_so(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Bolt")
    crm.run("task", "add", "acme", "Call", "--due", "today")
    result = crm.fail("task", "done", "bolt#1", code=3)
    assert result.stderr == "Error: 'bolt#1': clients/bolt.md has no tasks\n"
    crm.write("clients/acme-ltd.md", crm.read("clients/acme-ltd.md") + "<<<<<<< HEAD\n")
    result = crm.fail("task", "done", "acme#1", code=6)
    assert "clients/acme-ltd.md:" in result.stderr and "conflict marker" in result.stderr
    result = crm.fail("task", "done", "zz9999", code=3)
    assert result.stderr.startswith("Error: no task 'zz9999' (see ids with 'plaincrm task list'); ")
    assert "1 file that can't be read may hold it: clients/acme-ltd.md" in result.stderr


def test_the_cards_notes_leave_out_tasks_and_log_however_their_headings_are_written(
    crm: Crm,
) -> None:
    crm.write(
        "clients/delta.md",
        "---\nname: Delta\n---\nNotes about Delta.\n\n## Tasks ##\n\n"
        "- [ ] Call Delta due:2026-11-27\n\n## LOG\n\n- 2026-11-01 anna: met at the fair\n"
        "\n## Other\n\nMore.\n",
    )
    card = json.loads(crm.run("client", "show", "delta", "--json").stdout)
    assert card["notes"] == "Notes about Delta.\n\n## Other\n\nMore."


def test_client_card_of_a_windows_file_with_a_block_value(crm: Crm) -> None:
    text = HAND_WRITTEN.replace(
        "board_day: first Tuesday\n", "directions: |\n  Back entrance.\n  Ring twice.\n"
    )
    (crm.root / "clients" / "danube.md").write_bytes(text.replace("\n", "\r\n").encode())
    card = crm.run("client", "show", "danube").stdout
    assert "\r" not in card
    assert "  directions  Back entrance.\n              Ring twice.\n" in card
    shown = json.loads(crm.run("client", "show", "danube", "--json").stdout)
    assert shown["notes"] == "Four hotels on the Pest side."
    assert shown["client"]["directions"] == "Back entrance.\nRing twice.\n"


def test_every_command_has_help_with_an_example(runner: CliRunner) -> None:
    def walk(command: object, path: list[str]) -> list[list[str]]:
        import click

        assert isinstance(command, click.Command)
        found = [path]
        if isinstance(command, click.Group):
            for name in command.list_commands(click.Context(command)):
                sub = command.get_command(click.Context(command), name)
                if sub is not None and not sub.hidden:
                    found += walk(sub, [*path, name])
        return found

    paths = walk(cli, [])
    assert len(paths) > len(COMMANDS)
    for path in paths:
        result = runner.invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.stdout, f"plaincrm {' '.join(path)} --help has no example"


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "plaincrm", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("plaincrm, version ")


def test_installed_command_runs_the_day(tmp_path: Path, console: Callable[..., str]) -> None:
    """The console script itself, in a subprocess, with a real terminal-less environment."""
    root = tmp_path / "crm"
    run = console
    run("init", str(root), "--user", "anna")
    run("-C", str(root), "client", "add", "Acme")
    task_id = run(
        "-C", str(root), "task", "add", "acme", "Call", "--due", "today", "--at", "09:00"
    ).strip()
    assert "09:00-09:30" in run("-C", str(root), "today")
    run("-C", str(root), "task", "done", task_id, "--note", "Done and dusted.")
    assert "Done and dusted." in run("-C", str(root), "client", "show", "acme")
    assert git(root, "log", "--format=%s").splitlines()[0].startswith("task done: Call")


def test_create_never_overwrites(crm: Crm) -> None:
    crm.run("client", "add", "Acme")
    result = crm.fail("client", "add", "Other", "--ref", "acme", code=EXIT_CONFLICT)
    assert "clients/acme.md already exists" in result.stderr
    leftovers = [p.name for p in (crm.root / "clients").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_no_colour_off_a_terminal_and_with_no_color(crm: Crm) -> None:
    crm.run("client", "add", "Acme")
    crm.run("task", "add", "acme", "Late", "--due", "2026-11-01")
    assert "\x1b[" not in crm.run("today").stdout
    assert "\x1b[" not in crm.run("today", env={"NO_COLOR": "1"}).stdout


def test_commit_waits_for_another_git_process(crm: Crm) -> None:
    """A held index.lock (another plaincrm committing) delays the commit, it does not fail it."""
    lock = Path(crm.git("rev-parse", "--git-dir").strip())
    lock = (crm.root / lock if not lock.is_absolute() else lock) / "index.lock"
    lock.write_text("")
    # another process lets go of the lock half a second later (a process, not a
    # thread's timer: a timed wait of a thread never ends under faketime)
    holder = subprocess.Popen(["sh", "-c", 'sleep 0.5 && rm "$0"', str(lock)])
    try:
        crm.run("client", "add", "Acme")
    finally:
        holder.wait()
    assert crm.commits()[0] == "client add: Acme (clients/acme.md)"
