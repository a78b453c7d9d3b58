"""The whole day, end to end: init, clients, tasks, plan, today, done, the card."""

from __future__ import annotations

import json

from conftest import Crm


def test_a_whole_day(crm: Crm) -> None:
    ref = crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example").stdout.strip()
    assert ref == "acme-ltd"
    call = crm.run(
        "task",
        "add",
        "acme",
        "Call Anna about the renewal",
        "--due",
        "today",
        "--at",
        "09:30",
        "--dur",
        "30m",
    ).stdout.strip()
    crm.run(
        "task",
        "add",
        "acme",
        "Prepare the offer",
        "--due",
        "monday",  # the next working day: today is a Friday
        "--at",
        "10:00",
        "--dur",
        "1h",
    )
    plan = crm.run("plan").stdout
    assert "Prepare the offer" in plan and "10:00-11:00" in plan
    today = crm.run("today").stdout
    assert "09:30-10:00" in today and call in today and "Acme Ltd" in today
    crm.run("task", "done", call[:4], "--note", "Renewal agreed for 12 seats.")
    card = crm.run("client", "show", "acme").stdout
    assert "Renewal agreed for 12 seats." in card
    shown = json.loads(crm.run("client", "show", "acme", "--json").stdout)
    assert shown["history"][0]["note"] == "Renewal agreed for 12 seats."
    assert crm.commits()[0] == "task done: Call Anna about the renewal (clients/acme-ltd.md)"
    assert crm.last_commit_files() == ["clients/acme-ltd.md"]
    assert crm.clean()
