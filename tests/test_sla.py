"""Working-hours arithmetic, ticket moments, SLA settings and clocks (pure parts)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.core.errors import UsageError
from plaincrm.core.model import TYPES
from plaincrm.core.records import parse_record
from plaincrm.core.settings import read_config
from plaincrm.core.workhours import Hours, add_working_minutes, working_minutes
from plaincrm.service.sla import (
    Service,
    Target,
    clocks,
    format_stamp,
    parse_stamp,
    parse_when,
    read_service,
)

NINE_TO_FIVE = Hours(9 * 60, 17 * 60, frozenset(range(5)))

# Moments to the minute in 2026-2027, and working weeks of every shape.
moments = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)
)


@st.composite
def hours(draw: st.DrawFn) -> Hours:
    start = draw(st.integers(0, 23 * 60))
    end = draw(st.integers(start, 24 * 60))
    days = draw(st.frozensets(st.integers(0, 6)))
    return Hours(start, end, days)


def brute_force(start: datetime, end: datetime, h: Hours) -> int:
    """Count the working minutes one minute at a time: the independent oracle."""
    count = 0
    moment = start
    while moment < end:
        minute = moment.hour * 60 + moment.minute
        if moment.weekday() in h.workdays and h.start <= minute < h.end:
            count += 1
        moment += timedelta(minutes=1)
    return count


# ---------------------------------------------------------------- working time


@settings(max_examples=60, deadline=None)
@given(moments, st.integers(0, 4 * 24 * 60), hours())
def test_working_minutes_match_a_minute_by_minute_count(start, length, h) -> None:
    end = start + timedelta(minutes=length)
    assert working_minutes(start, end, h) == brute_force(start, end, h)


@given(moments, moments, moments, hours())
def test_working_minutes_add_up_over_adjacent_intervals(a, b, c, h) -> None:
    a, b, c = sorted([a, b, c])
    assert working_minutes(a, c, h) == working_minutes(a, b, h) + working_minutes(b, c, h)


@given(moments, moments, hours())
def test_working_minutes_never_exceed_the_elapsed_time(a, b, h) -> None:
    counted = working_minutes(a, b, h)
    assert 0 <= counted <= max(0, int((b - a).total_seconds() // 60))
    if b <= a:
        assert counted == 0


@given(moments, st.integers(0, 10_000))
def test_a_week_later_counts_the_same(start, length) -> None:
    end = start + timedelta(minutes=length)
    week = timedelta(days=7)
    assert working_minutes(start + week, end + week, NINE_TO_FIVE) == working_minutes(
        start, end, NINE_TO_FIVE
    )


@given(moments, st.integers(0, 2 * 24 * 60))
def test_nights_and_weekends_count_nothing(start, length) -> None:
    saturday = start + timedelta(days=(5 - start.weekday()) % 7)
    weekend = saturday.replace(hour=0, minute=0)
    assert working_minutes(weekend, weekend + timedelta(minutes=length), NINE_TO_FIVE) == 0
    night = start.replace(hour=17, minute=0)
    assert working_minutes(night, night + timedelta(hours=16), NINE_TO_FIVE) == 0


@given(moments, st.integers(0, 20_000), hours())
def test_the_deadline_is_the_first_moment_with_enough_working_time(start, minutes, h) -> None:
    deadline = add_working_minutes(start, minutes, h)
    if h.per_week == 0:
        assert deadline is None if minutes else deadline == start
        return
    assert deadline is not None
    assert working_minutes(start, deadline, h) == minutes
    if minutes:
        assert working_minutes(start, deadline - timedelta(minutes=1), h) == minutes - 1


def test_known_figures() -> None:
    friday_four = datetime(2026, 11, 27, 16, 0)
    monday_ten = datetime(2026, 11, 30, 10, 0)
    assert working_minutes(friday_four, monday_ten, NINE_TO_FIVE) == 120
    assert add_working_minutes(friday_four, 60, NINE_TO_FIVE) == datetime(2026, 11, 27, 17, 0)
    assert add_working_minutes(friday_four, 61, NINE_TO_FIVE) == datetime(2026, 11, 30, 9, 1)
    # a whole working week is five eight-hour days
    assert working_minutes(monday_ten - timedelta(days=7), monday_ten, NINE_TO_FIVE) == 5 * 480


# ---------------------------------------------------------------- moments


@given(moments)
def test_stamps_round_trip(moment) -> None:
    assert parse_stamp(format_stamp(moment), 9 * 60) == moment


def test_a_date_alone_is_the_start_of_the_working_day() -> None:
    assert parse_stamp("2026-11-27", 8 * 60 + 30) == datetime(2026, 11, 27, 8, 30)


@pytest.mark.parametrize(
    "text", ["2026-11-27 25:00", "2026-02-30 10:00", "2026-02-30", "27.11.2026 10:00", "", None]
)
def test_stamps_that_are_not_moments(text) -> None:
    assert parse_stamp(text, 9 * 60) is None


def test_parse_when() -> None:
    now = datetime(2026, 11, 27, 15, 0)
    assert parse_when("9:05", now) == datetime(2026, 11, 27, 9, 5)
    assert parse_when("yesterday 16:00", now) == datetime(2026, 11, 26, 16, 0)
    assert parse_when("2026-11-20 09:15", now) == datetime(2026, 11, 20, 9, 15)
    with pytest.raises(UsageError, match="in the future"):
        parse_when("16:00", now)
    with pytest.raises(UsageError, match="give a time"):
        parse_when("yesterday", now)


# ---------------------------------------------------------------- settings


def _settings(tmp_path: Path, service: str) -> tuple[Service, list[str]]:
    (tmp_path / "plaincrm.yaml").write_text("users: []\n" + service, encoding="utf-8")
    found, problems = read_service(read_config(tmp_path))
    return found, [str(p) for p in problems]


def test_default_targets_without_a_service_section(tmp_path) -> None:
    found, problems = _settings(tmp_path, "")
    assert problems == []
    assert found.target("urgent") == Target(60, 480)
    assert found.target("normal") == Target(480, 2400)
    assert found.warn == 75


def test_targets_from_the_settings(tmp_path) -> None:
    found, problems = _settings(
        tmp_path,
        "service:\n  sla:\n    high: {response: 2h, resolution: none}\n    low:\n"
        "      response: 1h30m\n  warn: 50%\n",
    )
    assert problems == []
    assert found.target("high") == Target(120, None)
    assert found.target("low") == Target(90, None)
    assert found.target("urgent") == Target(60, 480)  # not given: the default
    assert found.warn == 50


def test_bad_settings_name_their_line(tmp_path) -> None:
    _, problems = _settings(
        tmp_path,
        "service:\n"  # line 2
        "  sla:\n"
        "    critical: {response: 1h}\n"  # line 4
        "    high: {response: soon, resolve: 2h}\n"  # line 5
        "  warn: 150%\n"  # line 6
        "  colour: red\n",  # line 7
    )
    assert problems == [
        "plaincrm.yaml:7: service.colour: unknown setting (known: sla, warn)",
        "plaincrm.yaml:4: service.sla.critical: not a priority (use low, normal, high, urgent)",
        "plaincrm.yaml:5: service.sla.high.response: 'soon' is not a duration like 4h or 1h30m "
        "(working hours; 'none' for no target)",
        "plaincrm.yaml:5: service.sla.high.resolve: unknown (use response, resolution)",
        "plaincrm.yaml:6: service.warn: '150%' is not a percentage from 1% to 100%",
    ]


# ---------------------------------------------------------------- clocks


def _ticket(front: str, log: list[str]) -> object:
    text = f"---\nclient: acme\nsubject: Leak\n{front}---\n\n## Log\n\n" + "\n".join(log) + "\n"
    return parse_record(TYPES["ticket"], "tickets/acme-leak.md", text)


SERVICE = Service({"high": Target(240, 960)}, 75)


def test_waiting_time_does_not_count() -> None:
    # Opened Friday 16:00, answered Friday 16:30 and put on hold until Tuesday
    # 10:00, resolved Tuesday 11:15.  Running: Fri 16:00-16:30, Tue 10:00-11:15.
    record = _ticket(
        "priority: high\nstatus: resolved\nopened: 2026-11-27 16:00\n"
        "first_response: 2026-11-27 16:30\nresolved: 2026-12-01 11:15\n",
        [
            "- 2026-11-27 16:00 anna: opened (complaint, high, phone)",
            "- 2026-11-27 16:30 anna: status new -> waiting",
            "- 2026-12-01 10:00 anna: status waiting -> open",
            "- 2026-12-01 11:15 anna: status open -> resolved: gasket replaced",
        ],
    )
    state = clocks(record, SERVICE, NINE_TO_FIVE, datetime(2026, 12, 3, 12, 0))
    assert state.response.used == 30
    assert state.response.state == "met"
    assert state.resolution.used == 30 + 75
    assert state.resolution.stopped and not state.resolution.breached
    assert state.summary() == "met"


def test_a_running_clock_breaches_and_knows_its_deadline() -> None:
    record = _ticket("priority: high\nstatus: new\nopened: 2026-11-26 15:00\n", [])
    # Thursday 15:00 -> Friday 12:00 is 2h + 3h = 5h of working time: 1h over 4h.
    late = clocks(record, SERVICE, NINE_TO_FIVE, datetime(2026, 11, 27, 12, 0))
    assert late.response.used == 300
    assert late.response.breached and late.response.state == "breached"
    assert late.response.describe() == "5h of 4h: overdue by 1h"
    assert late.summary() == "response breached"
    # Thursday 15:00 -> Friday 10:00 is 3h: at risk (75% of 4h), due Friday 11:00.
    soon = clocks(record, SERVICE, NINE_TO_FIVE, datetime(2026, 11, 27, 10, 0))
    assert soon.response.state == "at risk"
    assert soon.response.deadline == datetime(2026, 11, 27, 11, 0)
    assert soon.response.headline() == "response due 2026-11-27 11:00 (1h left of 4h)"


def test_a_waiting_ticket_is_paused() -> None:
    record = _ticket(
        "priority: high\nstatus: waiting\nopened: 2026-11-26 15:00\n"
        "first_response: 2026-11-26 15:10\n",
        ["- 2026-11-26 15:10 anna: status new -> waiting"],
    )
    state = clocks(record, SERVICE, NINE_TO_FIVE, datetime(2026, 12, 10, 12, 0))
    assert state.resolution.used == 10
    assert state.resolution.state == "paused"
    assert state.resolution.deadline is None
    assert state.worst() is None


def test_no_target_for_an_unknown_priority() -> None:
    record = _ticket("priority: low\nstatus: new\nopened: 2026-11-26 15:00\n", [])
    state = clocks(record, SERVICE, NINE_TO_FIVE, datetime(2026, 12, 10, 12, 0))
    assert state.response.state == "none"
    assert state.summary() == "ok"
