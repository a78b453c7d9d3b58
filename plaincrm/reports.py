"""Win/loss reports: lost deals by reason, competitors, and stage conversion.

Each report takes the deals (``pipeline.deals``) and the pipeline settings and
returns plain data; the CLI (``cli/reports.py``) prints it or dumps it as
JSON.  ``since`` limits a report to deals closed (lost, competitors) or stage
changes made (stages) on or after that day; open deals always count as open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dates import parse_iso_date
from .model import Record
from .pipeline import (
    LOST,
    WON,
    Amounts,
    Deal,
    Pipeline,
    closed_at,
    events,
    in_currency,
)

UNKNOWN_STAGE = "unknown"


def _closed_since(deal: Deal, since: date | None) -> bool:
    """A closed deal closed inside the window (every closed deal without ``since``)."""
    if since is None:
        return True
    return deal.closed is not None and deal.closed >= since.isoformat()


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _sorted_counts(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0].lower())))


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in percent, one decimal; None when there is no whole."""
    return round(100 * part / whole, 1) if whole else None


# ---------------------------------------------------------------- lost


@dataclass
class ReasonRow:
    reason: str
    deals: list[Deal] = field(default_factory=list)
    amount: Amounts = field(default_factory=Amounts)
    stages: dict[str, int] = field(default_factory=dict)  # stage at loss -> deals
    competitors: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "count": len(self.deals),
            "amount": self.amount.as_json(),
            "stages": self.stages,
            "competitors": self.competitors,
            "deals": [d.ref for d in self.deals],
        }


@dataclass
class LostReport:
    rows: list[ReasonRow]
    amount: Amounts
    count: int


def lost_report(
    all_deals: list[Deal], pipeline: Pipeline, since: date | None, currency: str | None = None
) -> LostReport:
    """Lost deals by reason, most frequent first: how many, their amount, the
    stage each was lost at (from its log) and the competitors they went to."""
    rows: dict[str, ReasonRow] = {}
    for deal in all_deals:
        if deal.status != LOST or not _closed_since(deal, since):
            continue
        reason = deal.record.get_text("lost_reason") or "(no reason)"
        row = rows.setdefault(reason.lower(), ReasonRow(reason))
        row.deals.append(deal)
        if deal.amount is not None:
            row.amount.add(deal.currency, deal.amount)
        _count(row.stages, closed_at(deal.record) or UNKNOWN_STAGE)
        competitor = deal.record.get_text("competitor")
        if competitor:
            _count(row.competitors, competitor)
    total = Amounts()
    for row in rows.values():
        row.amount = in_currency(row.amount, currency, pipeline)
        row.stages = dict(sorted(row.stages.items(), key=lambda kv: pipeline.order(kv[0])))
        row.competitors = _sorted_counts(row.competitors)
        total.update_from(row.amount)
    ordered = sorted(rows.values(), key=lambda r: (-len(r.deals), r.reason.lower()))
    return LostReport(ordered, total, sum(len(r.deals) for r in ordered))


# ---------------------------------------------------------------- competitors


@dataclass
class CompetitorRow:
    name: str
    card: Record | None = None
    met: list[Deal] = field(default_factory=list)
    won: int = 0  # deals we won with them in the race
    lost_to: int = 0  # deals they won
    lost_other: int = 0  # deals lost to somebody else (or nobody) with them in the race
    open: int = 0
    amount_lost: Amounts = field(default_factory=Amounts)
    reasons: dict[str, int] = field(default_factory=dict)  # why we lost to them
    notes: list[dict[str, str | None]] = field(default_factory=list)

    @property
    def win_rate(self) -> float | None:
        """Won of the closed deals they were in, in percent."""
        return rate(self.won, self.won + self.lost_to + self.lost_other)

    def as_json(self) -> dict[str, Any]:
        return {
            "competitor": self.name,
            "card": self.card.path if self.card else None,
            "met": len(self.met),
            "won_against": self.won,
            "lost_to": self.lost_to,
            "lost_other": self.lost_other,
            "open": self.open,
            "win_rate": self.win_rate,
            "amount_lost": self.amount_lost.as_json(),
            "reasons": self.reasons,
            "notes": self.notes,
            "deals": [d.ref for d in self.met],
        }


def competitor_report(
    all_deals: list[Deal],
    pipeline: Pipeline,
    names: dict[str, str],
    cards: list[Record],
    since: date | None,
    currency: str | None = None,
) -> list[CompetitorRow]:
    """Per competitor: the deals met (named in ``competitors`` or as the winner
    ``competitor``), won against them, lost to them, lost to others, still
    open, the win rate, the amount lost to them, and the reasons and notes
    given.  ``names`` maps known names and aliases (lower case) to the name
    used; every known competitor and card has a row, met or not."""
    rows: dict[str, CompetitorRow] = {}

    def row_of(name: str) -> CompetitorRow:
        canonical = names.get(name.lower(), name)
        return rows.setdefault(canonical.lower(), CompetitorRow(canonical))

    for name in dict.fromkeys(names.values()):
        row_of(name)
    for card in cards:
        row_of(card.title).card = card
    for deal in all_deals:
        if deal.status != "open" and not _closed_since(deal, since):
            continue
        winner = deal.record.get_text("competitor")
        met = [*deal.record.get_list("competitors"), *([winner] if winner else [])]
        for row in {id(r): r for r in map(row_of, met)}.values():
            row.met.append(deal)
            if deal.status == "open":
                row.open += 1
            elif deal.status == WON:
                row.won += 1
            elif winner and row is row_of(winner):
                row.lost_to += 1
                if deal.amount is not None:
                    row.amount_lost.add(deal.currency, deal.amount)
                reason = deal.record.get_text("lost_reason") or "(no reason)"
                _count(row.reasons, reason)
                row.notes.append(
                    {
                        "deal": deal.ref,
                        "closed": deal.closed,
                        "reason": reason,
                        "note": deal.record.get_text("lost_note"),
                    }
                )
            else:
                row.lost_other += 1
    for row in rows.values():
        row.amount_lost = in_currency(row.amount_lost, currency, pipeline)
        row.reasons = _sorted_counts(row.reasons)
    return sorted(rows.values(), key=lambda r: (-len(r.met), r.name.lower()))


# ---------------------------------------------------------------- stages


@dataclass
class StageRow:
    stage: str
    probability: int
    entered: int = 0  # deals that entered the stage
    moved_on: int = 0  # ... and later reached a later stage or won
    lost: int = 0  # ... and were lost at this stage
    still: int = 0  # ... and are in it now
    days: list[int] = field(default_factory=list)  # length of each finished stay

    @property
    def conversion(self) -> float | None:
        return rate(self.moved_on, self.entered)

    @property
    def average_days(self) -> float | None:
        return round(sum(self.days) / len(self.days), 1) if self.days else None

    def as_json(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "probability": self.probability,
            "entered": self.entered,
            "moved_on": self.moved_on,
            "lost": self.lost,
            "still_there": self.still,
            "conversion": self.conversion,
            "average_days": self.average_days,
            "stays": len(self.days),
        }


@dataclass
class StagesReport:
    rows: list[StageRow]
    won: int
    lost: int

    @property
    def win_rate(self) -> float | None:
        return rate(self.won, self.won + self.lost)


def stages_report(all_deals: list[Deal], pipeline: Pipeline, since: date | None) -> StagesReport:
    """Conversion and time in stage, from the deals' logs.

    For each open stage: the deals that entered it (on or after ``since``),
    how many of them moved on to a later stage or were won (the conversion),
    were lost there, or are still there; and the average days of the finished
    stays in it (entering to the next stage change); and how many deals
    closed won and lost (by their closed date).
    """
    rows = {s.name: StageRow(s.name, s.probability) for s in pipeline.open_stages}
    start = since.isoformat() if since else ""
    won = lost = 0
    for deal in all_deals:
        if deal.status != "open" and _closed_since(deal, since):
            won += deal.status == WON
            lost += deal.status == LOST
        steps = [
            (day, event)
            for day, event in events(deal.record)
            if event.transition and parse_iso_date(day)
        ]
        for i, (day, event) in enumerate(steps):
            row = rows.get(event.stage or "")
            if i + 1 < len(steps) and row is not None and day >= start:
                following = date.fromisoformat(steps[i + 1][0])
                row.days.append((following - date.fromisoformat(day)).days)
        for name, row in rows.items():
            entries = [i for i, (day, e) in enumerate(steps) if e.stage == name and day >= start]
            if not entries:
                continue
            row.entered += 1
            later = steps[entries[0] + 1 :]
            order = pipeline.order(name)
            if any(
                e.stage == WON or (e.kind != "lost" and pipeline.order(e.stage) > order)
                for _, e in later
            ):
                row.moved_on += 1
            if deal.status == LOST and closed_at(deal.record) == name:
                row.lost += 1
            if deal.status == "open" and deal.stage == name:
                row.still += 1
    return StagesReport(list(rows.values()), won, lost)
