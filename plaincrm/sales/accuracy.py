"""``report forecast-accuracy``: what the forecast said of each past period, and what came.

For each period (month or quarter) that has ended, the weighted forecast of the
period is read as it stood at the period's start (the CRM at the end of the day
before it, from git: ``core.snapshot``) and 30 and 90 days before that: the
weighted amounts (amount x probability) of the deals then open whose expected
close fell in the period, as ``forecast`` showed them then.  What was actually
won in the period is every deal won now (or at ``--as-of``) with its close date
in the period, at its amount.  The error is forecast minus won at the start:
positive is over-forecasting, negative under-forecasting; the bias sums the
errors of all the periods.  Rows per owner (as owned then for the forecast, now
for what was won) and in total; amounts stay per currency unless converted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..core.dates import add_months, parse_iso_date
from ..core.money import Amounts
from ..core.snapshot import History, Moment
from ..core.store import Store
from .deallog import WON
from .deals import Deal, deal_of, deals
from .pipeline import Pipeline
from .reports import add_amount, in_currency, period_of, period_starts

LEADS = (0, 30, 90)  # days before a period's start at which its forecast is read
NOBODY = "(nobody)"


def _difference(one: Amounts, other: Amounts) -> Amounts:
    out = Amounts()
    for currency in sorted({*one, *other}):
        out[currency] = one.get(currency, Decimal(0)) - other.get(currency, Decimal(0))
    return out


def _percent(error: Amounts, won: Amounts) -> float | None:
    """The error in percent of what was won, in one currency only."""
    if len(won) != 1 or set(error) - set(won):
        return None
    ((currency, value),) = won.items()
    if not value:
        return None
    return round(float(100 * error.get(currency, Decimal(0)) / value), 1)


@dataclass
class Row:
    """One period of one owner (``None``: everybody)."""

    period: str
    owner: str | None
    forecast: dict[int, Amounts | None]  # lead days -> the weighted forecast (None: no history)
    won: Amounts = field(default_factory=Amounts)
    won_count: int = 0

    @property
    def error(self) -> Amounts | None:
        at_start = self.forecast.get(0)
        return _difference(at_start, self.won) if at_start is not None else None

    @property
    def error_percent(self) -> float | None:
        error = self.error
        return _percent(error, self.won) if error is not None else None

    def as_json(self) -> dict[str, Any]:
        error = self.error
        return {
            "period": self.period,
            "owner": self.owner,
            "forecast": {
                f"{lead}_days_before" if lead else "at_start": (
                    v.as_json() if v is not None else None
                )
                for lead, v in self.forecast.items()
            },
            "won": self.won.as_json(),
            "won_count": self.won_count,
            "error": error.as_json() if error is not None else None,
            "error_percent": self.error_percent,
        }


@dataclass
class Summary:
    """All the periods of one owner (``None``: everybody)."""

    owner: str | None
    forecast: Amounts = field(default_factory=Amounts)  # at the start, periods with a forecast
    won: Amounts = field(default_factory=Amounts)  # in the same periods
    periods: int = 0

    @property
    def bias(self) -> Amounts:
        return _difference(self.forecast, self.won)

    @property
    def bias_percent(self) -> float | None:
        return _percent(self.bias, self.won)

    @property
    def verdict(self) -> str:
        values = [v for v in self.bias.values() if v]
        if not self.periods:
            return "no forecast to judge"
        if not values:
            return "on target"
        if all(v > 0 for v in values):
            return "over-forecast"
        if all(v < 0 for v in values):
            return "under-forecast"
        return "mixed"

    def as_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "periods": self.periods,
            "forecast": self.forecast.as_json(),
            "won": self.won.as_json(),
            "bias": self.bias.as_json(),
            "bias_percent": self.bias_percent,
            "verdict": self.verdict,
        }


@dataclass
class Accuracy:
    by: str
    since: date
    rows: list[Row]  # by period, then owner; the total (owner None) last in each period
    summaries: list[Summary]  # per owner, then the total
    currency: str | None = None


def _weighted(then: list[Deal], start: date, end: date, owner: str | None) -> dict[str, Amounts]:
    """The weighted amounts of the deals open then and closing in [start, end), per owner
    (only ``owner``'s when given)."""
    out: dict[str, Amounts] = {}
    for deal in then:
        close = parse_iso_date(deal.close or "")
        if owner is not None and deal.owner != owner:
            continue
        if deal.status == "open" and close is not None and start <= close < end:
            add_amount(out.setdefault(deal.owner or NOBODY, Amounts()), deal, deal.weighted)
    return out


def forecast_accuracy(
    store: Store,
    pipeline: Pipeline,
    *,
    by: str = "month",
    since: date | None = None,
    owner: str | None = None,
    currency: str | None = None,
) -> Accuracy:
    """The periods that ended by ``store.today()``, from the one holding ``since`` (default:
    a year back, or the first period that starts after the first commit when later)."""
    today = store.today()
    step = 3 if by == "quarter" else 1
    history = History(store)
    first = since or add_months(today, -12)
    if since is None and history.commits:  # from the first period with a forecast at its start
        begun = period_starts(history.commits[-1].when.date(), by, 1)[0]
        first = max(first, add_months(begun, step))
    starts = []
    start = period_starts(first, by, 1)[0]
    while add_months(start, step) <= today:
        starts.append(start)
        start = add_months(start, step)
    now = deals(store, pipeline, owner)
    snapshots: dict[str, list[Deal]] = {}

    def open_then(day: date) -> list[Deal] | None:
        """The deals as they were at the end of ``day`` (None: before the first commit)."""
        commit = history.commit_at(Moment(day))
        if commit is None:
            return None
        if commit.id not in snapshots:
            records = history.records_at(commit, "deal")
            snapshots[commit.id] = [deal_of(r, pipeline) for r in records]
        return snapshots[commit.id]

    rows: list[Row] = []
    summaries: dict[str | None, Summary] = {}
    for start in starts:
        end = add_months(start, step)
        forecasts: dict[int, dict[str, Amounts] | None] = {}
        for lead in LEADS:
            then = open_then(start - timedelta(days=lead + 1))
            forecasts[lead] = _weighted(then, start, end, owner) if then is not None else None
        won: dict[str, Amounts] = {}
        counts: dict[str, int] = {}
        for deal in now:
            closed = parse_iso_date(deal.closed or "")
            if deal.status == WON and closed is not None and start <= closed < end:
                name = deal.owner or NOBODY
                add_amount(won.setdefault(name, Amounts()), deal, deal.amount)
                counts[name] = counts.get(name, 0) + 1
        keys = set(won)
        for found in forecasts.values():
            keys |= set(found or {})
        for key in [*sorted(keys), None]:
            row = Row(period_of(start, by), key, {})
            for lead, found in forecasts.items():
                row.forecast[lead] = None if found is None else _part(found, key)
            row.won, row.won_count = (
                _part(won, key),
                sum(n for k, n in counts.items() if key in (None, k)),
            )
            _convert(row, currency, pipeline)
            rows.append(row)
            summary = summaries.setdefault(key, Summary(key))
            at_start = row.forecast[0]
            if at_start is not None:
                summary.periods += 1
                summary.forecast.update_from(at_start)
                summary.won.update_from(row.won)
    totals = summaries.pop(None, Summary(None))
    ordered = [summaries[key] for key in sorted(k for k in summaries if k)] + [totals]
    return Accuracy(by, starts[0] if starts else first, rows, ordered, currency)


def _part(amounts: dict[str, Amounts], key: str | None) -> Amounts:
    """One owner's amounts (``None``: everybody's, added per currency)."""
    out = Amounts()
    for name, found in amounts.items():
        if key is None or key == name:
            out.update_from(found)
    return out


def _convert(row: Row, currency: str | None, pipeline: Pipeline) -> None:
    if not currency:
        return
    row.forecast = {
        lead: in_currency(v, currency, pipeline) if v is not None else None
        for lead, v in row.forecast.items()
    }
    row.won = in_currency(row.won, currency, pipeline)
