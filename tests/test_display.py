"""What commands show: warnings about tasks they show, titles, tables, numbers, plurals."""

from __future__ import annotations

from conftest import Crm

BAD_TASKS = """---
name: Acme Ltd
owner: anna
---

## Tasks

- [ ] Send the price list due:2026-13-01 id:aa1111
- [ ] Call Peter due:monday
- [ ] Visit at:25:00 due:2026-11-27 id:aa2222
- [ ] Fine one due:2026-11-27 id:aa3333
"""


def test_tasks_with_unreadable_tokens_are_warned_about_once_per_file(crm: Crm) -> None:
    crm.write("clients/acme-ltd.md", BAD_TASKS)
    listed = crm.run("task", "list")
    assert "Send the price list" in listed.stdout and "Call Peter" in listed.stdout
    assert listed.stderr == (
        "warning: clients/acme-ltd.md:8: due:2026-13-01 is not a date (use YYYY-MM-DD); "
        "the task is shown without it (2 more in this file: see 'plaincrm check')\n"
    )
    shown = crm.run("client", "show", "acme")
    assert shown.stderr.count("warning: clients/acme-ltd.md:8: due:2026-13-01") == 1
    today = crm.run("today")
    assert "Visit" in today.stdout
    assert today.stderr == (
        "warning: clients/acme-ltd.md:10: at:25:00 is not a time (use HH:MM); "
        "the task is shown without it\n"
    )
    crm.write("clients/acme-ltd.md", BAD_TASKS.replace(" at:25:00", ""))
    today = crm.run("today")  # the tasks today shows are fine; two are in no day at all
    assert today.stderr == (
        "warning: clients/acme-ltd.md:8: due:2026-13-01 is not a date (use YYYY-MM-DD); "
        "the task is in no day's agenda\n"
    )
    crm.run("deal", "add", "acme-ltd", "Machines")
    deal = "deals/acme-ltd-machines.md"
    crm.write(
        deal, crm.read(deal).replace("## Tasks\n", "## Tasks\n\n- [ ] Follow up due:tomorrow\n")
    )
    shown = crm.run("deal", "show", "acme-ltd-machines")
    assert f"warning: {deal}:" in shown.stderr and "due:tomorrow is not a date" in shown.stderr
    assert crm.run("task", "list", "--json").stderr.count("warning:") == 2
