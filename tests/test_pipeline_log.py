"""The deal log grammar: every event written is read back as the same event."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from plaincrm.core.model import TYPES
from plaincrm.core.records import parse_log, parse_record
from plaincrm.sales.deallog import Event, event_line, format_event, parse_event

stages = st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True)
percent = st.integers(0, 100)
# what a user may type: any printable text, quotes, semicolons, colons and runs of spaces
typed = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.split())


def one_line(text: str) -> str:
    return " ".join(text.split())


events = st.one_of(
    st.builds(lambda s, p, m: Event("opened", s, None, p, m), stages, percent, st.booleans()),
    st.builds(
        lambda a, b, p, m: Event("stage", b, a, p, m), stages, stages, percent, st.booleans()
    ),
    st.builds(
        lambda a, b, p, m: Event("reopened", b, a, p, m), stages, stages, percent, st.booleans()
    ),
    st.builds(
        lambda s, amount, cur: Event(
            "won", "won", s, 100, amount=amount, currency=cur if amount is not None else None
        ),
        stages,
        st.none() | st.decimals(0, 10**9, places=2, allow_nan=False, allow_infinity=False),
        st.from_regex(r"[A-Z]{3}", fullmatch=True),
    ),
    st.builds(
        lambda s, r, c, n: Event(
            "lost",
            "lost",
            s,
            0,
            reason=one_line(r),
            competitor=one_line(c) if c else None,
            text=one_line(n) if n else None,
        ),
        stages,
        typed,
        st.none() | typed,
        st.none() | typed,
    ),
    st.builds(lambda p, m: Event("probability", probability=p, manual=m), percent, st.booleans()),
    st.builds(lambda t: Event("forced", text=one_line(t)), typed),
    st.builds(lambda t: Event("changed", text=one_line(t)), typed),
)


@given(events)
def test_format_then_parse_gives_the_event_back(event: Event) -> None:
    assert parse_event(format_event(event)) == event


@given(events, st.from_regex(r"[a-z][a-z .-]{0,12}[a-z]", fullmatch=True))
def test_a_log_line_survives_the_record_parser(event: Event, who: str) -> None:
    line = event_line(date(2026, 11, 27), who, event)
    assert "\n" not in line
    entries = parse_log(["## Log", "", line])
    assert len(entries) == 1
    assert (entries[0].date, entries[0].who) == ("2026-11-27", one_line(who))
    assert parse_event(entries[0].text) == event


@given(st.lists(events, max_size=6))
def test_a_deal_file_with_a_log_parses_back_to_the_same_events(found: list[Event]) -> None:
    lines = [event_line(date(2026, 11, 27), "anna", e) for e in found]
    text = "---\nclient: acme\ntitle: X\nstage: lead\n---\n\n## Log\n\n" + "\n".join(lines) + "\n"
    record = parse_record(TYPES["deal"], "deals/x.md", text)
    assert [parse_event(entry.text) for entry in record.log] == found


def test_the_documented_lines() -> None:
    assert parse_event("stage lead -> qualified (25%)") == Event("stage", "qualified", "lead", 25)
    assert parse_event("stage qualified -> proposal (60%, by hand)") == Event(
        "stage", "proposal", "qualified", 60, True
    )
    assert parse_event("won at negotiation (12000 EUR)") == Event(
        "won", "won", "negotiation", 100, amount=Decimal(12000), currency="EUR"
    )
    assert parse_event("lost at proposal: price; competitor Contoso; note Cheaper") == Event(
        "lost", "lost", "proposal", 0, reason="price", competitor="Contoso", text="Cheaper"
    )
    assert parse_event('lost at lead: "a; b"') == Event("lost", "lost", "lead", 0, reason="a; b")
    assert parse_event("lost at lead: timing; note Next year; ask in March") == Event(
        "lost", "lost", "lead", 0, reason="timing", text="Next year; ask in March"
    )
    assert parse_event("probability 50%, follows the stage") == Event("probability", probability=50)


def test_other_text_is_a_note() -> None:
    for text in (
        "met them at the fair",
        "stage lead to qualified",
        'lost at proposal: "price',
        "lost at proposal: price; colour red",
        "won at",
    ):
        assert parse_event(text) == Event("note", text=text)
