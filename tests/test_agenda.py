"""``today`` and ``plan``: order, lateness, overlaps, capacity, owners, free slots."""

from __future__ import annotations

import json
import shlex
from datetime import date

import pytest

from conftest import Crm

CLIENT = """---
name: Acme Ltd
owner: anna
---
## Tasks
- [ ] Late two days due:2026-11-25 id:late02
- [ ] Late five days due:2026-11-22 at:10:00 id:late05
- [ ] Afternoon call due:2026-11-27 at:14:00 dur:1h id:pm0001
- [ ] Morning call due:2026-11-27 at:09:30 dur:45m id:am0001
- [ ] Clashes with morning due:2026-11-27 at:10:00 dur:30m id:clash1
- [ ] Untimed today due:2026-11-27 dur:1h id:untim1
- [ ] Ben's task due:2026-11-27 at:11:00 owner:ben id:ben001
- [ ] Tomorrow at nine due:2026-11-28 at:09:00 dur:2h id:tmrw01
- [x] Finished today due:2026-11-27 done:2026-11-27 id:fini01
- [ ] Someday without date id:nodate
"""

NOBODY = """---
name: Nobody's Client
---
## Tasks
- [ ] Unowned today due:2026-11-27 id:unown1
"""


def setup(crm: Crm) -> None:
    crm.write("clients/acme.md", CLIENT)
    crm.write("clients/nobody.md", NOBODY)


def test_today_sections_in_order(crm: Crm) -> None:
    setup(crm)
    out = crm.run("today").stdout
    overdue = out.split("Overdue")[1].split("Schedule")[0]
    assert overdue.index("late05") < overdue.index("late02")
    assert "5d late" in overdue and "2d late" in overdue
    schedule = out.split("Schedule")[1].split("Any time today")[0]
    assert (
        schedule.index("09:30-10:15")
        < schedule.index("10:00-10:30")
        < schedule.index("14:00-15:00")
    )
    assert "overlaps clash1" in schedule and "overlaps am0001" in schedule
    assert "ben001" not in out  # ben's task is not in anna's view
    anytime = out.split("Any time today")[1]
    assert "untim1" in anytime and "unown1" in anytime  # unowned tasks are everybody's
    assert "fini01" not in out and "nodate" not in out and "tmrw01" not in out
    # 45m + 30m + 1h timed, 1h + 30m (default) untimed = 3h45m of 8h
    assert "Planned 3h45m of 8h working time (4h15m free). 2 tasks overlap." in out


def test_today_json_and_other_owner_and_date(crm: Crm) -> None:
    setup(crm)
    view = json.loads(crm.run("today", "--json").stdout)
    assert [t["id"] for t in view["overdue"]] == ["late05", "late02"]
    assert [t["days_late"] for t in view["overdue"]] == [5, 2]
    assert [(t["id"], t["start"], t["end"]) for t in view["schedule"]] == [
        ("am0001", "09:30", "10:15"),
        ("clash1", "10:00", "10:30"),
        ("pm0001", "14:00", "15:00"),
    ]
    assert view["planned_minutes"] == 225 and view["capacity_minutes"] == 480
    assert view["schedule"][0]["record"] == "clients/acme.md"
    ben = json.loads(crm.run("today", "--owner", "ben", "--json").stdout)
    assert [t["id"] for t in ben["schedule"]] == ["ben001"]
    everyone = json.loads(crm.run("today", "--all", "--json").stdout)
    assert len(everyone["schedule"]) == 4
    monday = json.loads(crm.run("today", "--date", "monday", "--json").stdout)
    assert monday["date"] == "2026-11-30"
    assert "tmrw01" in [t["id"] for t in monday["overdue"]]


def test_an_owner_who_is_not_a_user_is_warned_about(crm: Crm) -> None:
    setup(crm)
    result = crm.run("today", "--owner", "bne")
    assert result.stderr == (
        "warning: 'bne' is not a user in plaincrm.yaml (users: anna, ben); "
        "showing what 'bne' owns\n"
    )
    assert "ben001" not in result.stdout and "unown1" in result.stdout
    assert crm.run("today", "--owner", "ben").stderr == ""


def test_no_users_configured_means_everybody(crm: Crm) -> None:
    setup(crm)
    config = crm.read("plaincrm.yaml")
    start = config.index("users:")
    end = config.index("\n\n", start)
    crm.write("plaincrm.yaml", config[:start] + "users: []" + config[end:])
    out = crm.run("today").stdout
    assert "ben001" in out and "everybody" in out


def test_plan_shows_free_slots_overload_and_one_command_to_reschedule(crm: Crm) -> None:
    setup(crm)
    plan = json.loads(crm.run("plan", "--json").stdout)
    assert plan["date"] == "2026-11-30"  # the next working day: today is a Friday
    assert plan["working_day"] is True
    assert plan["free"] == [{"start": "09:00", "end": "17:00"}]
    assert "tmrw01" in [t["id"] for t in plan["overdue"]]  # Saturday's task, on Monday
    saturday = json.loads(crm.run("plan", "saturday", "--json").stdout)
    assert (saturday["working_day"], saturday["free"]) == (False, [])
    out = crm.run("plan", "2026-11-27").stdout
    assert "09:00-09:30  free 30m" in out
    assert "10:30-14:00  free 3h30m" in out
    assert "15:00-17:00  free 2h" in out
    commands = [
        s["command"]
        for s in json.loads(crm.run("plan", "2026-11-27", "--json").stdout)["suggestions"]
    ]
    assert commands[0] == "plaincrm task move untim1 --due 2026-11-27 --at 10:30"
    assert "Due that day, no time yet" in out and "Overdue, still need a slot" in out
    crm.run(*shlex.split(commands[0])[1:])
    after = json.loads(crm.run("plan", "2026-11-27", "--json").stdout)
    assert "untim1" in [t["id"] for t in after["schedule"]]


def test_plan_warns_about_overload(crm: Crm) -> None:
    crm.write(
        "clients/busy.md",
        "---\nname: Busy\nowner: anna\n---\n## Tasks\n"
        "- [ ] Workshop due:2026-11-30 at:09:00 dur:6h id:wshop1\n"
        "- [ ] Report due:2026-11-30 dur:3h id:rprt01\n",
    )
    out = crm.run("plan", "monday").stdout
    assert "Planned 9h of 8h working time: overloaded by 1h." in out
    assert "no free slot left" in out


def test_plan_of_a_day_off_says_so(crm: Crm) -> None:
    setup(crm)
    out = crm.run("plan", "saturday").stdout
    assert "(not a working day)" in out
    assert "Planned 2h on a day off (working days are workday.days in plaincrm.yaml)." in out


def test_a_day_of_thousands_of_clashing_tasks_is_counted_not_listed(
    crm: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """2,000 tasks at 09:00 clash in 2 million pairs: each counts its clashes and names
    five, with work in proportion to the tasks (naming every pair took 73 s for 10,000
    tasks and printed 800 MB)."""
    from plaincrm.core.store import Store, TaskEntry
    from plaincrm.tasks.agenda import day_view

    count = 2000
    for c in range(20):
        lines = [
            f"- [ ] Task {c}-{t} due:2026-11-27 at:09:00 id:t{c:02d}{t:03d}" for t in range(100)
        ]
        crm.write(f"clients/c{c}.md", f"---\nname: C{c}\n---\n## Tasks\n" + "\n".join(lines))
    crm.write(
        "clients/early.md",
        "---\nname: E\n---\n## Tasks\n- [ ] Early due:2026-11-27 at:08:00 id:early1\n",
    )
    reads = 0
    ref = TaskEntry.ref

    def counted(entry: TaskEntry) -> str:
        nonlocal reads
        reads += 1
        return ref.fget(entry)  # type: ignore[attr-defined,no-any-return]

    monkeypatch.setattr(TaskEntry, "ref", property(counted))
    view = day_view(Store(crm.root), date(2026, 11, 27), None)
    first, *rest = view.timed
    assert (first.entry.ref, first.overlap_count, first.overlaps) == ("early1", 0, [])
    assert all(item.overlap_count == count - 1 and len(item.overlaps) == 5 for item in rest)
    assert reads <= 5 * (count + 2)  # the refs named, and the two read just above
    monkeypatch.setattr(TaskEntry, "ref", ref)
    schedule = json.loads(crm.run("today", "--all", "--json").stdout)["schedule"]
    assert (schedule[1]["overlap_count"], len(schedule[1]["overlaps"])) == (count - 1, 5)
    assert "and 1994 more" in crm.run("today", "--all").stdout
