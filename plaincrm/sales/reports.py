"""The sales figures: the pipeline board, the forecast, and the win/loss
reports (lost deals by reason, competitors, stage conversion).

Each takes the deals (``deals.deals``) and the pipeline settings and
returns plain data; the CLI (``cli/deals.py``, ``cli/reports.py``) prints it
or dumps it as JSON.  Money stays grouped by currency (``Amounts``) unless a
``currency`` is given to convert to.  ``since`` limits a win/loss report to
deals closed (lost, competitors) or stage changes made (stages) on or after
that day; open deals always count as open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ..core.dates import add_months, parse_iso_date
from ..core.model import Record
from ..core.money import Amounts
from .deallog import LOST, WON, closed_at, events
from .deals import Deal
from .pipeline import Pipeline, Stage

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


def add_amount(totals: Amounts, deal: Deal, value: Decimal | None) -> None:
    """Add ``value`` in the deal's currency; a deal without an amount adds nothing."""
    if value is not None:
        totals.add(deal.currency, value)


def in_currency(totals: Amounts, currency: str | None, pipeline: Pipeline) -> Amounts:
    return totals.converted(currency, pipeline.money) if currency else totals


# ---------------------------------------------------------------- the board


@dataclass
class StageColumn:
    stage: Stage
    deals: list[Deal] = field(default_factory=list)
    total: Amounts = field(default_factory=Amounts)
    weighted: Amounts = field(default_factory=Amounts)
    unpriced: int = 0  # deals without an amount


@dataclass
class Board:
    columns: list[StageColumn]
    total: Amounts = field(default_factory=Amounts)
    weighted: Amounts = field(default_factory=Amounts)
    currency: str | None = None  # everything converted to this currency
    stray: list[Deal] = field(default_factory=list)  # open deals in unknown stages

    @property
    def count(self) -> int:
        return sum(len(c.deals) for c in self.columns)


def board(all_deals: list[Deal], pipeline: Pipeline, currency: str | None = None) -> Board:
    """Open deals per stage with their total and weighted amounts."""
    columns = {stage.name: StageColumn(stage) for stage in pipeline.open_stages}
    out = Board(list(columns.values()), currency=currency)
    for deal in all_deals:
        if deal.status != "open":
            continue
        column = columns.get(deal.stage)
        if column is None:
            out.stray.append(deal)
            continue
        column.deals.append(deal)
        if deal.amount is None:
            column.unpriced += 1
        add_amount(column.total, deal, deal.amount)
        add_amount(column.weighted, deal, deal.weighted)
    for column in out.columns:
        column.total = in_currency(column.total, currency, pipeline)
        column.weighted = in_currency(column.weighted, currency, pipeline)
        out.total.update_from(column.total)
        out.weighted.update_from(column.weighted)
    return out


# ---------------------------------------------------------------- the forecast


def period_of(day: date, by: str) -> str:
    if by == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def period_starts(today: date, by: str, count: int) -> list[date]:
    step = 3 if by == "quarter" else 1
    first = date(today.year, (today.month - 1) // step * step + 1, 1)
    return [add_months(first, i * step) for i in range(count)]


@dataclass
class Bucket:
    label: str
    deals: list[Deal] = field(default_factory=list)
    total: Amounts = field(default_factory=Amounts)
    weighted: Amounts = field(default_factory=Amounts)
    won: Amounts = field(default_factory=Amounts)
    won_count: int = 0

    def add_open(self, deal: Deal) -> None:
        self.deals.append(deal)
        add_amount(self.total, deal, deal.amount)
        add_amount(self.weighted, deal, deal.weighted)

    def convert(self, currency: str | None, pipeline: Pipeline) -> None:
        self.total = in_currency(self.total, currency, pipeline)
        self.weighted = in_currency(self.weighted, currency, pipeline)
        self.won = in_currency(self.won, currency, pipeline)


@dataclass
class Forecast:
    by: str
    periods: list[Bucket]
    overdue: Bucket
    undated: Bucket
    later: Bucket
    currency: str | None = None


def forecast(
    all_deals: list[Deal],
    pipeline: Pipeline,
    today: date,
    *,
    by: str = "month",
    periods: int = 6,
    currency: str | None = None,
) -> Forecast:
    """Open deals by the period of their expected close, and what was won in each period.

    Open deals whose close date has passed are ``overdue`` (not in a period),
    open deals without a close date ``undated``, past the last period ``later``.
    """
    starts = period_starts(today, by, periods)
    buckets = {period_of(start, by): Bucket(period_of(start, by)) for start in starts}
    out = Forecast(
        by,
        list(buckets.values()),
        Bucket("overdue"),
        Bucket("no close date"),
        Bucket("later"),
        currency,
    )
    last = add_months(starts[-1], 3 if by == "quarter" else 1)
    for deal in all_deals:
        if deal.status == WON:
            closed = parse_iso_date(deal.closed or "")
            bucket = buckets.get(period_of(closed, by)) if closed else None
            if bucket is not None:
                bucket.won_count += 1
                add_amount(bucket.won, deal, deal.amount)
            continue
        if deal.status != "open":
            continue
        close = parse_iso_date(deal.close or "")
        if close is None:
            out.undated.add_open(deal)
        elif close < today:
            out.overdue.add_open(deal)
        elif close >= last:
            out.later.add_open(deal)
        else:
            buckets[period_of(close, by)].add_open(deal)
    for bucket in [*out.periods, out.overdue, out.undated, out.later]:
        bucket.convert(currency, pipeline)
    return out


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
        add_amount(row.amount, deal, deal.amount)
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
                add_amount(row.amount_lost, deal, deal.amount)
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
    how many of them, after they last entered it (a reopened deal enters
    again), moved on to a later stage or were won (the conversion), were lost
    there, or are still there; and the average days of the finished
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
            later = steps[entries[-1] + 1 :]  # after its last entry (a reopen re-enters)
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
