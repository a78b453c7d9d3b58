"""Repeating tasks: the every: token, the next occurrence on completion, plan ahead of time."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import Crm
from plaincrm.core.errors import EXIT_INVALID
from plaincrm.core.recurrence import falls_on, next_date, parse

RECORD = "clients/acme-ltd.md"
WORKDAYS = frozenset(range(5))


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    return crm


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("rule", "due", "done", "following"),
    [
        ("1w", "2026-11-27", "2026-11-27", "2026-12-04"),
        ("w", "2026-11-27", "2026-11-27", "2026-12-04"),
        ("2w", "2026-11-27", "2026-12-20", "2026-12-25"),  # late: missed ones skipped
        ("1w", "2026-11-27", "2026-11-20", "2026-12-04"),  # early: not due before its date
        ("1d", "2026-11-27", "2026-11-27", "2026-11-28"),
        ("1m", "2026-11-05", "2026-11-27", "2026-12-05"),
        ("1m", "2026-01-31", "2026-01-31", "2026-02-28"),  # the month's last day
        ("1m", "2026-02-28", "2026-02-28", "2026-03-28"),  # and on from there
        ("3m", "2026-11-30", "2026-11-30", "2027-02-28"),
        ("1y", "2024-02-29", "2024-02-29", "2025-02-28"),
        ("weekday", "2026-11-27", "2026-11-27", "2026-11-30"),  # Friday -> Monday
        ("mon,thu", "2026-11-27", "2026-11-27", "2026-11-30"),
        ("mon,thu", "2026-11-30", "2026-11-30", "2026-12-03"),
        ("sat", "2026-11-27", "2026-11-27", "2026-11-28"),
    ],
)
def test_the_next_occurrence(rule: str, due: str, done: str, following: str) -> None:
    parsed = parse(rule)
    assert parsed is not None
    assert next_date(parsed, d(due), d(done), WORKDAYS) == d(following)
    if d(following) > d(done):  # it is also what plan shows ahead of time
        assert falls_on(parsed, d(due), d(following), WORKDAYS)


def test_a_task_without_a_date_counts_from_the_day_it_is_done() -> None:
    rule = parse("2w")
    assert rule is not None
    assert next_date(rule, None, d("2026-11-27"), WORKDAYS) == d("2026-12-11")


@pytest.mark.parametrize("text", ["0w", "1000d", "2x", "monthly", "mon,mon", "mon;thu", "", "-1w"])
def test_what_is_no_rule(text: str) -> None:
    assert parse(text) is None


def test_past_the_year_9999_is_an_error_not_a_crash() -> None:
    rule = parse("1y")
    assert rule is not None
    with pytest.raises(ValueError, match="after the year 9999"):
        next_date(rule, d("9999-06-01"), d("9999-06-01"), WORKDAYS)
    assert not falls_on(rule, d("9999-06-01"), d("9999-12-31"), WORKDAYS)


def test_completing_a_repeating_task_adds_the_next_one_in_the_same_commit(acme: Crm) -> None:
    task_id = acme.run(
        "task",
        "add",
        "acme",
        "Monthly order call",
        "--due",
        "2026-11-05",
        "--at",
        "10:00",
        "--dur",
        "15m",
        "--owner",
        "ben",
        "--every",
        "1m",
    ).stdout.strip()
    commits = acme.commits()
    result = acme.run("task", "done", task_id, "--note", "Ordered 12 boxes.")
    assert result.stdout == "Done: Monthly order call (clients/acme-ltd.md)\n"
    text = acme.read(RECORD)
    done_line = (
        f"- [x] Monthly order call due:2026-11-05 at:10:00 dur:15m done:2026-11-27 "
        f"id:{task_id} owner:ben\n  Ordered 12 boxes.\n"
    )
    assert done_line in text
    following = text.split(done_line)[1].splitlines()[0]
    assert following.startswith(
        "- [ ] Monthly order call due:2026-12-05 at:10:00 dur:15m every:1m id:"
    )
    assert following.endswith(" owner:ben")
    new_id = following.split("id:")[1].split()[0]
    assert f"Next: {new_id}, every:1m" in result.stderr
    assert acme.commits() == [f"task done: Monthly order call ({RECORD})", *commits]
    assert acme.clean()
    acme.run("check")
    # the series goes on from the new one
    acme.run("task", "done", new_id, "--no-note")
    assert "due:2027-01-05 at:10:00 dur:15m every:1m" in acme.read(RECORD)
    assert acme.read(RECORD).count("every:") == 1


def test_a_repeating_task_added_without_a_date_starts_today(acme: Crm) -> None:
    task_id = acme.run("task", "add", "acme", "Standup notes", "--every", "weekday").stdout
    assert f"- [ ] Standup notes due:2026-11-27 every:weekday id:{task_id.strip()}" in acme.read(
        RECORD
    )


def test_two_clones_completing_one_occurrence_give_the_next_one_the_same_id(
    acme: Crm, tmp_path: object
) -> None:
    """The next occurrence's id follows from the task's id and the next date, so the same
    line added on two machines is one line after sync (the merge keeps equal lines once)."""
    task_id = acme.run(
        "task", "add", "acme", "Weekly call", "--due", "2026-11-27", "--every", "1w"
    ).stdout.strip()
    before = acme.read(RECORD)
    acme.run("task", "done", task_id, "--no-note")
    first = acme.read(RECORD)
    acme.write(RECORD, before)
    acme.git("commit", "-qam", "back")
    acme.run("task", "done", task_id, "--no-note")
    assert acme.read(RECORD) == first


def test_plan_shows_the_coming_occurrences_on_their_days(acme: Crm) -> None:
    acme.run(
        "task",
        "add",
        "acme",
        "Weekly status call",
        "--due",
        "2026-11-27",
        "--at",
        "10:00",
        "--every",
        "1w",
    )
    daily = acme.run("task", "add", "acme", "Standup notes", "--every", "weekday").stdout.strip()
    text = acme.read(RECORD)
    plan = acme.run("plan", "2026-12-04").stdout
    assert "10:00-10:30  (" in plan and "Weekly status call" in plan
    assert "repeats every:1w" in plan
    assert "Repeating, comes that day" in plan
    assert f"({daily})  30m  every:weekday  Standup notes" in plan
    assert "(id): the next occurrence of a repeating task" in plan
    assert "Planned 1h of 8h" in plan
    data = json.loads(acme.run("plan", "2026-12-04", "--json").stdout)
    coming = [t for t in data["schedule"] if t["projected"]]
    assert [(t["title"], t["due"], t["every"]) for t in coming] == [
        ("Weekly status call", "2026-12-04", "1w")
    ]
    assert [(t["title"], t["projected"]) for t in data["coming"]] == [("Standup notes", True)]
    assert all(s["task"] != f"({daily})" for s in data["suggestions"])
    # a day the series does not reach, and today: nothing ahead of time
    assert "Weekly status call" not in acme.run("plan", "2026-12-03").stdout.split("Overdue")[0]
    today = acme.run("today").stdout
    assert "Repeating" not in today and "repeats every" not in today
    assert acme.read(RECORD) == text  # nothing written ahead of time


def test_check_reports_a_value_that_is_no_rule(acme: Crm) -> None:
    acme.write(RECORD, acme.read(RECORD) + "\n## Tasks\n\n- [ ] Call every:3x id:abc234\n")
    result = acme.run("check", ok=False)
    assert result.exit_code == 1
    assert (
        "clients/acme-ltd.md:10: every:3x is not a repeat rule (use every:1w, every:2w, "
        "every:1m, every:1d, every:1y, every:weekday, every:mon,thu)" in result.stdout
    )


@pytest.mark.parametrize("args", [["--every", "fortnightly"], ["--every", "0d"]])
def test_a_bad_rule_on_the_command_line_is_refused(acme: Crm, args: list[str]) -> None:
    result = acme.fail("task", "add", "acme", "Call", *args, code=EXIT_INVALID)
    assert f"Error: '{args[1]}' is not a repeat rule; use one of every:1w" in result.stderr
    assert "Call" not in acme.read(RECORD)


def test_the_title_cannot_hold_an_every_token(acme: Crm) -> None:
    result = acme.fail("task", "add", "acme", "Call every:1w", code=EXIT_INVALID)
    assert "use the --every option instead" in result.stderr


def test_history_tells_the_completion_and_the_next_occurrence(acme: Crm) -> None:
    task_id = acme.run(
        "task", "add", "acme", "Weekly call", "--due", "2026-11-27", "--every", "1w"
    ).stdout.strip()
    acme.run("task", "done", task_id, "--no-note")
    texts = [e["text"] for e in json.loads(acme.run("history", "acme", "--json").stdout)["events"]]
    assert "task added: Weekly call (due:2026-12-04)" in texts and "done: Weekly call" in texts
    assert not [text for text in texts if "every" in text]  # the rule went on, not away
