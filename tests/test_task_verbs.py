"""task edit, task delete, task reopen: the verbs task users reach for first."""

from __future__ import annotations

import json

import pytest

from conftest import Crm
from plaincrm.core.errors import EXIT_CONFLICT, EXIT_INVALID, EXIT_NOT_FOUND, EXIT_USAGE

RECORD = "clients/acme-ltd.md"


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    return crm


def add(crm: Crm, *args: str) -> str:
    return crm.run("task", "add", "acme", *args).stdout.strip()


def test_edit_changes_title_owner_and_note_and_keeps_the_rest(acme: Crm) -> None:
    task_id = add(acme, "Call Anna", "--due", "2026-12-01", "--at", "10:30", "--dur", "45m")
    acme.run("task", "done", task_id, "--note", "First note.\nSecond line.")
    acme.run("task", "reopen", task_id)
    result = acme.run(
        "task",
        "edit",
        task_id,
        "--title",
        "Call Anna about the 2027 renewal",
        "--owner",
        "ben",
        "--note",
        "Rewritten note.",
    )
    assert result.stdout == f"Edited: Call Anna about the 2027 renewal ({RECORD})\n"
    assert acme.read(RECORD).endswith(
        f"- [ ] Call Anna about the 2027 renewal due:2026-12-01 at:10:30 dur:45m "
        f"owner:ben id:{task_id}\n  Rewritten note.\n"
    )
    assert acme.commits()[0] == f"task edit: Call Anna ({RECORD})"
    acme.run("task", "edit", task_id, "--owner", "", "--note", "")
    assert acme.read(RECORD).endswith(
        f"- [ ] Call Anna about the 2027 renewal due:2026-12-01 at:10:30 dur:45m id:{task_id}\n"
    )
    history = json.loads(acme.run("history", "acme", "--json").stdout)["events"]
    assert "task Call Anna about the 2027 renewal: title was 'Call Anna', owner (none) -> ben" in [
        e["text"] for e in history
    ]


def test_edit_reads_the_note_from_stdin_and_sets_or_stops_the_repeating(acme: Crm) -> None:
    task_id = add(acme, "Weekly call", "--due", "2026-11-27")
    acme.run("task", "edit", task_id, "--note", "-", "--every", "1w", input="From stdin.\n")
    assert acme.read(RECORD).endswith(
        f"- [ ] Weekly call due:2026-11-27 every:1w id:{task_id}\n  From stdin.\n"
    )
    acme.run("task", "edit", task_id, "--every", "none")
    assert "every:" not in acme.read(RECORD)


def test_delete_removes_the_task_and_its_note_and_history_shows_it(acme: Crm) -> None:
    keep = add(acme, "Keep me")
    gone = add(acme, "Send the offer")
    acme.run("task", "done", gone, "--note", "Sent.\n\nWith the price list.")
    last = add(acme, "Last one")
    before = acme.read(RECORD)
    result = acme.run("task", "delete", gone)
    assert result.stdout == f"Deleted: Send the offer ({RECORD})\n"
    after = acme.read(RECORD)
    assert "Send the offer" not in after and "Sent." not in after and "price list" not in after
    assert f"- [ ] Keep me id:{keep}\n- [ ] Last one id:{last}\n" in after
    assert after == before.replace(
        before[before.index("- [x] Send") : before.index("- [ ] Last")], ""
    )
    assert acme.commits()[0] == f"task delete: Send the offer ({RECORD})"
    history = acme.run("history", "acme").stdout
    assert "task removed: Send the offer" in history
    acme.fail("task", "done", gone, code=EXIT_NOT_FOUND)


def test_reopen_opens_a_done_task_and_keeps_its_note(acme: Crm) -> None:
    task_id = add(acme, "Call Anna", "--due", "2026-11-27")
    acme.run("task", "done", task_id, "--note", "No answer.")
    result = acme.run("task", "reopen", task_id)
    assert result.stdout == f"Reopened: Call Anna ({RECORD})\n"
    assert acme.read(RECORD).endswith(
        f"- [ ] Call Anna due:2026-11-27 id:{task_id}\n  No answer.\n"
    )
    assert acme.commits()[0] == f"task reopen: Call Anna ({RECORD})"
    assert "task reopened: Call Anna" in acme.run("history", "acme").stdout
    acme.run("check")


def test_the_verbs_address_a_task_without_an_id_by_its_position(acme: Crm) -> None:
    acme.write(
        RECORD, acme.read(RECORD) + "\n## Tasks\n\n- [ ] Typed by hand\n- [x] Done by hand\n"
    )
    acme.git("commit", "-qam", "typed")
    acme.run("task", "reopen", "acme#2")
    acme.run("task", "edit", "acme#1", "--title", "Typed, then edited")
    lines = acme.read(RECORD).splitlines()
    assert lines[-2].startswith("- [ ] Typed, then edited id:")
    assert lines[-1].startswith("- [ ] Done by hand id:")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["task", "edit", "{id}"], EXIT_USAGE, "say what to change: --title, --owner, --note"),
        (["task", "edit", "{id}", "--title", " "], EXIT_INVALID, "a task needs a title"),
        (["task", "edit", "{id}", "--title", "x due:2026-12-01"], EXIT_INVALID, "--due option"),
        (["task", "edit", "{id}", "--owner", "zoe"], EXIT_INVALID, "'zoe' is not a user"),
        (["task", "edit", "{id}", "--every", "2x"], EXIT_INVALID, "'2x' is not a repeat rule"),
        (["task", "edit", "nosuch", "--title", "x"], EXIT_NOT_FOUND, "no task 'nosuch'"),
        (["task", "delete", "nosuch"], EXIT_NOT_FOUND, "no task 'nosuch'"),
        (["task", "reopen", "{id}"], EXIT_CONFLICT, "'Call Anna' is not done; nothing to reopen"),
        (["task", "reopen", "acme#9"], EXIT_NOT_FOUND, "has 1 task; use acme#1 to #1"),
    ],
)
def test_mistakes_give_clear_errors(acme: Crm, args: list[str], code: int, message: str) -> None:
    task_id = add(acme, "Call Anna")
    before, commits = acme.read(RECORD), acme.commits()
    result = acme.fail(*[a.replace("{id}", task_id) for a in args], code=code)
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert acme.read(RECORD) == before and acme.commits() == commits


def test_a_done_task_takes_no_repeat_rule(acme: Crm) -> None:
    task_id = add(acme, "Call Anna")
    acme.run("task", "done", task_id, "--no-note")
    result = acme.fail("task", "edit", task_id, "--every", "1w", code=EXIT_CONFLICT)
    assert "is done: give the repeat rule to its next occurrence" in result.stderr
