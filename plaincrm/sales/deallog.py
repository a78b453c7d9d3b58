"""The grammar of a deal's ``## Log``.

A deal's ``## Log`` records every transition as a dated line.  The text after
``who:`` has one grammar, written by ``format_event`` and read by
``parse_event`` (and nowhere else)::

    opened in lead (10%)
    stage lead -> qualified (25%)
    stage qualified -> proposal (60%, by hand)
    won at negotiation (12000 EUR)
    lost at proposal: price; competitor Contoso; note Their offer was 20% cheaper
    reopened lost -> proposal (50%)
    probability 60%, by hand            probability 50%, follows the stage
    forced past: the proposal stage needs a signed NDA
    changed amount 10000 -> 12000; close 2026-12-15 -> 2027-01-15
    mail in: Lease calculation          mail out: Re: Lease calculation

A ``mail`` line is written by ``mail import`` for a mail of the deal's client that
refers to the deal (its sender is the line's who); it counts as the deal's activity.

A reason or competitor that contains ``;`` (or any value that starts with
``"``) is written as a JSON string; the note, last, runs to the end of the
line.  Any other log text is a free note.

``event_line`` makes a whole log line of an event (``records.log_line``);
``events``, ``stage_entered`` and ``closed_at`` read a deal's log back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from ..core.model import Record
from ..core.money import format_amount, json_amount
from ..core.records import log_line, one_line

WON = "won"
LOST = "lost"
CLOSED = (WON, LOST)  # the stages that close a deal; every pipeline has both
TRANSITIONS = ("opened", "stage", "won", "lost", "reopened")


@dataclass(frozen=True)
class Event:
    """What one line of a deal's log says.

    Transitions (``opened``, ``stage``, ``won``, ``lost``, ``reopened``) go
    from ``previous`` (None for ``opened``) to ``stage``; ``won``/``lost`` have
    ``stage`` won/lost and ``previous`` the stage the deal closed at.
    """

    kind: str  # opened | stage | won | lost | reopened | probability | forced | changed |
    #            mail | note
    stage: str | None = None
    previous: str | None = None
    probability: int | None = None
    manual: bool = False
    reason: str | None = None
    competitor: str | None = None
    text: str | None = None  # lost note, forced message, changed list, mail subject, free note
    amount: Decimal | None = None
    currency: str | None = None

    @property
    def transition(self) -> bool:
        return self.kind in TRANSITIONS

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "stage": self.stage,
            "previous": self.previous,
            "probability": self.probability,
            "probability_manual": self.manual,
            "reason": self.reason,
            "competitor": self.competitor,
            "text": self.text,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
        }


def _percent(event: Event) -> str:
    return f"({event.probability}%{', by hand' if event.manual else ''})"


def _value(text: str, last: bool = False) -> str:
    """A value of a ``lost`` line; the last one (the note) may hold ``;``."""
    text = one_line(text)
    if (";" in text and not last) or text.startswith('"') or not text:
        return json.dumps(text, ensure_ascii=False)
    return text


def format_event(event: Event) -> str:
    """The log text of an event (what follows ``- DATE who: ``)."""
    kind = event.kind
    if kind == "opened":
        return f"opened in {event.stage} {_percent(event)}"
    if kind == "stage":
        return f"stage {event.previous} -> {event.stage} {_percent(event)}"
    if kind == "reopened":
        return f"reopened {event.previous} -> {event.stage} {_percent(event)}"
    if kind == "won":
        money = ""
        if event.amount is not None:
            money = f" ({format(event.amount, 'f')} {event.currency})"
        return f"won at {event.previous}{money}"
    if kind == "lost":
        parts = [_value(event.reason or "")]
        if event.competitor:
            parts.append(f"competitor {_value(event.competitor)}")
        if event.text:
            parts.append(f"note {_value(event.text, last=True)}")
        return f"lost at {event.previous}: {'; '.join(parts)}"
    if kind == "probability":
        how = "by hand" if event.manual else "follows the stage"
        return f"probability {event.probability}%, {how}"
    if kind == "forced":
        return f"forced past: {one_line(event.text or '')}"
    if kind == "changed":
        return f"changed {one_line(event.text or '')}"
    return one_line(event.text or "")


_PCT = r"\((\d{1,3})%(, by hand)?\)"
_PATTERNS = {
    "opened": re.compile(rf"^opened in (\S+) {_PCT}$"),
    "stage": re.compile(rf"^stage (\S+) -> (\S+) {_PCT}$"),
    "reopened": re.compile(rf"^reopened (\S+) -> (\S+) {_PCT}$"),
    "won": re.compile(r"^won at (\S+)(?: \((\d+(?:\.\d+)?) ([A-Z]{3})\))?$"),
    "lost": re.compile(r"^lost at (\S+): (.*)$"),
    "probability": re.compile(r"^probability (\d{1,3})%, (by hand|follows the stage)$"),
    "forced": re.compile(r"^forced past: (.*)$"),
    "changed": re.compile(r"^changed (.+)$"),
    "mail": re.compile(r"^mail (?:in|out): (.*)$"),
}


def parse_event(text: str) -> Event:
    """Read the log text of a deal line (the inverse of ``format_event``)."""
    for kind, pattern in _PATTERNS.items():
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groups()
        if kind == "opened":
            return Event(kind, groups[0], None, int(groups[1]), bool(groups[2]))
        if kind in ("stage", "reopened"):
            return Event(kind, groups[1], groups[0], int(groups[2]), bool(groups[3]))
        if kind == "won":
            amount = Decimal(groups[1]) if groups[1] else None
            return Event(kind, WON, groups[0], 100, amount=amount, currency=groups[2])
        if kind == "lost":
            lost = _parse_lost(groups[0], groups[1])
            if lost is not None:
                return lost
            continue
        if kind == "probability":
            return Event(kind, probability=int(groups[0]), manual=groups[1] == "by hand")
        return Event(kind, text=groups[0])  # forced, changed, mail
    return Event("note", text=text)


def _read_value(text: str, start: int, last: bool = False) -> tuple[str, int] | None:
    """A value at ``start``: a JSON string, or plain text up to ``; `` (the last
    value: up to the end)."""
    if text.startswith('"', start):
        try:
            value, end = json.JSONDecoder().raw_decode(text, start)
        except ValueError:
            return None
        return (value, end) if isinstance(value, str) else None
    end = len(text) if last else text.find("; ", start)
    end = len(text) if end < 0 else end
    return text[start:end], end


def _parse_lost(stage: str, rest: str) -> Event | None:
    found = _read_value(rest, 0)
    if found is None:
        return None
    reason, pos = found
    values: dict[str, str] = {}
    for key in ("competitor", "note"):
        prefix = f"; {key} "
        if rest.startswith(prefix, pos):
            found = _read_value(rest, pos + len(prefix), last=key == "note")
            if found is None:
                return None
            values[key], pos = found
    if pos != len(rest):
        return None
    return Event(
        "lost",
        LOST,
        stage,
        0,
        reason=reason,
        competitor=values.get("competitor"),
        text=values.get("note"),
    )


_CHANGED_AMOUNT = re.compile(r"(?:(?<=^changed )|(?<=; ))amount (\S+) -> ([^;\s]+)")


def display_text(text: str) -> str:
    """A deal's log text as people read it: amounts grouped as everywhere else
    (``won at proposal (4,000 EUR)``); the file keeps ``4000``, its grammar."""
    event = parse_event(text)
    if event.kind == "won" and event.amount is not None:
        return f"won at {event.previous} ({format_amount(event.amount)} {event.currency})"
    if event.kind == "changed":
        return _CHANGED_AMOUNT.sub(
            lambda m: f"amount {_grouped(m.group(1))} -> {_grouped(m.group(2))}", text
        )
    return text


def _grouped(word: str) -> str:
    try:
        return format_amount(Decimal(word))
    except ArithmeticError:  # 'none', or text typed by hand
        return word


def event_line(day: date, who: str | None, event: Event) -> str:
    """A whole ``## Log`` line for ``event`` (``records.log_line``)."""
    return log_line(day.isoformat(), who, format_event(event))


def events(record: Record) -> list[tuple[str, Event]]:
    """The (date, event) of each line of a deal's log, in file order."""
    return [(entry.date, parse_event(entry.text)) for entry in record.log]


def stage_entered(record: Record, stage: str) -> str | None:
    """The date the deal last entered ``stage`` according to its log."""
    found = None
    for day, event in events(record):
        if event.transition and event.stage == stage:
            found = day
    return found


def closed_at(record: Record) -> str | None:
    """The stage a won or lost deal closed at, from its last won/lost log line."""
    found = None
    for _, event in events(record):
        if event.kind in CLOSED:
            found = event.previous
    return found
