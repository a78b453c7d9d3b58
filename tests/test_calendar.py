"""plaincrm calendar: an iCalendar file that strict parsers and a real calendar accept,
with UIDs that stay put when tasks move."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import vobject
from icalendar import Calendar

from conftest import Crm

_LINE_RE = re.compile(
    r"^[A-Za-z0-9-]+(;[A-Za-z0-9-]+=(\"[^\"]*\"|[^\";:,]*)(,(\"[^\"]*\"|[^\";:,]*))*)*:"
)


def strict_parse(data: bytes) -> Calendar:
    """RFC 5545 as a strict reader checks it: CRLF lines of at most 75 octets,
    well-formed content lines, balanced components, the required properties;
    then two independent parsers (icalendar, and vobject with validation)."""
    assert data.endswith(b"\r\n")
    raw_lines = data[:-2].split(b"\r\n")
    assert all(len(line) <= 75 for line in raw_lines), "line longer than 75 octets"
    assert b"\n" not in data.replace(b"\r\n", b"")
    lines: list[str] = []
    for raw in raw_lines:
        text = raw.decode("utf-8")
        if text.startswith((" ", "\t")):
            lines[-1] += text[1:]
        else:
            lines.append(text)
    stack: list[str] = []
    props: list[dict[str, int]] = []
    for line in lines:
        assert _LINE_RE.match(line), f"not a content line: {line!r}"
        name = line.split(":", 1)[0].split(";", 1)[0].upper()
        value = line.split(":", 1)[1]
        if name == "BEGIN":
            stack.append(value)
            props.append({})
        elif name == "END":
            assert stack.pop() == value
            found = props.pop()
            if value in ("VEVENT", "VTODO"):
                assert found.get("UID") == 1 and found.get("DTSTAMP") == 1, found
                assert not (found.get("DTEND") and found.get("DURATION"))
            if value == "VEVENT":
                assert found.get("DTSTART") == 1
            if value == "VCALENDAR":
                assert found.get("VERSION") == 1 and found.get("PRODID") == 1
        else:
            props[-1][name] = props[-1].get(name, 0) + 1
    assert stack == []
    vobject.readOne(data.decode("utf-8"), validate=True)
    return Calendar.from_ical(data)


@pytest.fixture
def planned(crm: Crm) -> Crm:
    crm.run("client", "add", "Kovács és Társa Kft.")
    crm.run("client", "add", "Bolt", "--owner", "ben")
    crm.run("task", "add", "kovacs", "Call Anna about the renewal", "--due", "2026-11-30",
            "--at", "09:30", "--dur", "45m")  # fmt: skip
    crm.run("task", "add", "kovacs", "Send the offer", "--due", "2026-12-01")
    crm.run("task", "add", "kovacs", "Some day")
    crm.run("task", "add", "bolt", "Visit", "--due", "2026-11-30", "--at", "14:00")
    return crm


def events(cal: Calendar, kind: str = "VEVENT") -> dict[str, object]:
    return {str(c["UID"]): c for c in cal.walk(kind)}


def test_timed_and_all_day_events(planned: Crm) -> None:
    cal = strict_parse(planned.run("calendar").stdout_bytes)
    found = events(cal)
    assert len(found) == 2  # anna's tasks with a date; 'Some day' has none
    by_summary = {str(e["SUMMARY"]): e for e in found.values()}
    call = by_summary["Call Anna about the renewal (Kovács és Társa Kft.)"]
    assert call.decoded("DTSTART") == datetime(2026, 11, 30, 9, 30)
    assert call.decoded("DURATION") == timedelta(minutes=45)
    offer = by_summary["Send the offer (Kovács és Társa Kft.)"]
    assert offer.decoded("DTSTART") == date(2026, 12, 1)
    assert offer.decoded("DTEND") == date(2026, 12, 2)
    everybody = events(strict_parse(planned.run("calendar", "--all").stdout_bytes))
    visit = next(e for e in everybody.values() if str(e["SUMMARY"]).startswith("Visit"))
    # no dur: the default task length of plaincrm.yaml (30 minutes)
    assert visit.decoded("DURATION") == timedelta(minutes=30)
    assert "Owner: ben" in str(visit["DESCRIPTION"])


def test_uids_are_stable_when_tasks_move(planned: Crm, tmp_path: Path) -> None:
    out = tmp_path / "crm.ics"
    planned.run("calendar", "-o", str(out))
    before = events(strict_parse(out.read_bytes()))
    task_id = next(iter(before)).split("@")[0]
    planned.run("task", "move", task_id, "--due", "2026-12-03", "--at", "11:00")
    planned.run("calendar", "-o", str(out))
    after = events(strict_parse(out.read_bytes()))
    assert set(after) == set(before)
    assert after[f"{task_id}@plaincrm"].decoded("DTSTART") == datetime(2026, 12, 3, 11, 0)


def test_calendar_to_a_missing_folder(planned: Crm, tmp_path: Path) -> None:
    out = tmp_path / "missing" / "crm.ics"
    result = planned.fail("calendar", "-o", str(out), code=6)
    assert f"cannot write {out}: there is no folder {tmp_path / 'missing'}" in result.stderr


def test_todos_and_done_tasks(planned: Crm) -> None:
    task_id = planned.run("task", "add", "kovacs", "Old call", "--due", "2026-11-20").stdout
    planned.run("task", "done", task_id.strip(), "--no-note", "--date", "2026-11-21")
    cal = strict_parse(planned.run("calendar", "--todo", "--done").stdout_bytes)
    todos = {str(t["SUMMARY"]).split(" (")[0]: t for t in cal.walk("VTODO")}
    assert set(todos) == {"Send the offer", "Some day", "Old call"}
    assert todos["Send the offer"].decoded("DUE") == date(2026, 12, 1)
    assert str(todos["Old call"]["STATUS"]) == "COMPLETED"
    assert str(todos["Some day"]["STATUS"]) == "NEEDS-ACTION"
    assert len(cal.walk("VEVENT")) == 1  # the timed call stays an event


def test_time_zone(planned: Crm) -> None:
    cal = strict_parse(planned.run("calendar", "--timezone", "Europe/Budapest").stdout_bytes)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Budapest"]
    call = next(e for e in cal.walk("VEVENT") if "Call" in str(e["SUMMARY"]))
    assert call["DTSTART"].params["TZID"] == "Europe/Budapest"
    result = planned.fail("calendar", "--timezone", "Mars/Olympus", code=2)
    assert "unknown time zone 'Mars/Olympus'" in result.stderr


def test_query_filters_the_calendar(planned: Crm) -> None:
    cal = strict_parse(planned.run("calendar", "--all", "record:bolt").stdout_bytes)
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Visit (Bolt)"]


def test_khal_imports_the_calendar(planned: Crm, tmp_path: Path) -> None:
    out = tmp_path / "crm.ics"
    planned.run("calendar", "--all", "-o", str(out))
    store = tmp_path / "khal" / "crm"
    store.mkdir(parents=True)
    config = tmp_path / "khal" / "config"
    config.write_text(
        f"[calendars]\n[[crm]]\npath = {store}\ntype = calendar\n"
        "[locale]\nlocal_timezone = UTC\ndefault_timezone = UTC\ntimeformat = %H:%M\n"
        "dateformat = %Y-%m-%d\nlongdateformat = %Y-%m-%d\n"
        "datetimeformat = %Y-%m-%d %H:%M\nlongdatetimeformat = %Y-%m-%d %H:%M\n",
        encoding="utf-8",
    )
    khal = ["khal", "-c", str(config)]
    subprocess.run([*khal, "import", "--batch", "-a", "crm", str(out)], check=True)
    listed = subprocess.run(
        [*khal, "list", "2026-11-27", "7d"], check=True, capture_output=True, text=True
    ).stdout
    assert "09:30-10:15 Call Anna about the renewal (Kovács és Társa Kft.)" in listed
    assert "14:00-14:30 Visit (Bolt)" in listed
    assert "Send the offer (Kovács és Társa Kft.)" in listed
    assert len(list(store.glob("*.ics"))) == 3
