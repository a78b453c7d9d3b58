"""The pipeline board and the forecast.

API:

- ``board_view(store, owner=None, currency=None, shown=BOARD_SHOWN) -> BoardView``:
  ``.owner``, ``.currency``; ``.columns``: a ``BoardColumn`` per open stage in
  pipeline order (``stage``, ``count``, ``total`` and ``weighted`` (``Amounts``),
  ``unpriced``, ``cards``: the first ``shown`` deals, soonest close first, as
  ``DealCard``s, and ``hidden``: how many more); ``.stray``: cards of open deals in
  stages the pipeline does not have; ``.count``, ``.total``, ``.weighted``.  A
  ``DealCard`` has ``deal`` (``sales.deals.Deal``: ref, title, client, amount,
  currency, probability, manual, close, owner ...), ``client_name`` and ``flags``
  (``Flag``: ``short``, ``reason``: no next step, rotting, past close).
  ``as_json()`` lists every deal of every column.
- ``forecast_view(store, by="month", periods=None, owner=None, currency=None)
  -> ForecastView``: ``.forecast`` (``sales.reports.Forecast``: ``periods``, each a
  ``Bucket`` with ``label``, ``deals``, ``total``, ``weighted``, ``won_count``,
  ``won``; ``overdue``, ``undated``, ``later``), ``.owner``, ``.today``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..clients.clients import client_names
from ..core.money import Amounts
from ..core.store import Store
from ..sales.deals import Deal, Flag, deals, flagged_deals
from ..sales.pipeline import Stage, settings
from ..sales.reports import Board, Bucket, Forecast, StageColumn, board, forecast

BOARD_SHOWN = 20  # deal cards per stage, soonest close first; --json lists all


@dataclass
class DealCard:
    deal: Deal
    client_name: str  # the client's name, else its slug
    flags: list[Flag] = field(default_factory=list)


@dataclass
class BoardColumn:
    column: StageColumn
    cards: list[DealCard]  # the first of its deals
    hidden: int  # how many deals more the column has

    @property
    def stage(self) -> Stage:
        return self.column.stage

    @property
    def count(self) -> int:
        return len(self.column.deals)

    @property
    def total(self) -> Amounts:
        return self.column.total

    @property
    def weighted(self) -> Amounts:
        return self.column.weighted

    @property
    def unpriced(self) -> int:
        return self.column.unpriced


@dataclass
class BoardView:
    owner: str | None
    board: Board
    flags: dict[str, list[Flag]]  # deal path -> what needs attention
    columns: list[BoardColumn]
    stray: list[DealCard]

    @property
    def currency(self) -> str | None:
        return self.board.currency

    @property
    def count(self) -> int:
        return self.board.count

    @property
    def total(self) -> Amounts:
        return self.board.total

    @property
    def weighted(self) -> Amounts:
        return self.board.weighted

    def _deal_json(self, deal: Deal) -> dict[str, Any]:
        return dict(deal.as_json(), attention=[f.reason for f in self.flags.get(deal.path, [])])

    def as_json(self) -> dict[str, Any]:
        result = self.board
        return {
            "owner": self.owner,
            "currency": result.currency,
            "stages": [
                {
                    "stage": c.stage.name,
                    "probability": c.stage.probability,
                    "count": len(c.deals),
                    "total": c.total.as_json(),
                    "weighted": c.weighted.as_json(),
                    "without_amount": c.unpriced,
                    "deals": [self._deal_json(d) for d in c.deals],
                }
                for c in result.columns
            ],
            "total": {
                "count": result.count,
                "total": result.total.as_json(),
                "weighted": result.weighted.as_json(),
            },
            "unknown_stage": [self._deal_json(d) for d in result.stray],
        }


def board_view(
    store: Store, owner: str | None = None, currency: str | None = None, shown: int = BOARD_SHOWN
) -> BoardView:
    """The open deals (of ``owner``; None: everybody's) on the board, amounts converted
    to ``currency`` when given; client names read for the cards shown only."""
    pipeline = settings(store)
    result = board(deals(store, pipeline, owner), pipeline, currency)
    flags = {f.path: f.flags for f in flagged_deals(store, pipeline, store.today(), owner)}
    first = [d for c in result.columns for d in c.deals[:shown]] + result.stray
    names = client_names(store, (d.client for d in first))

    def card(deal: Deal) -> DealCard:
        name = names.get(deal.client or "", deal.client or "")
        return DealCard(deal, name, flags.get(deal.path, []))

    columns = [
        BoardColumn(c, [card(d) for d in c.deals[:shown]], max(0, len(c.deals) - shown))
        for c in result.columns
    ]
    return BoardView(owner, result, flags, columns, [card(d) for d in result.stray])


def _bucket_json(bucket: Bucket) -> dict[str, Any]:
    return {
        "count": len(bucket.deals),
        "total": bucket.total.as_json(),
        "weighted": bucket.weighted.as_json(),
        "deals": [d.ref for d in bucket.deals],
    }


@dataclass
class ForecastView:
    forecast: Forecast
    owner: str | None
    today: date

    def as_json(self) -> dict[str, Any]:
        result = self.forecast
        return {
            "by": result.by,
            "owner": self.owner,
            "currency": result.currency,
            "today": self.today.isoformat(),
            "periods": [
                dict(
                    {"period": b.label},
                    **_bucket_json(b),
                    won_count=b.won_count,
                    won=b.won.as_json(),
                )
                for b in result.periods
            ],
            "overdue": _bucket_json(result.overdue),
            "no_close_date": _bucket_json(result.undated),
            "later": _bucket_json(result.later),
        }


def forecast_view(
    store: Store,
    by: str = "month",
    periods: int | None = None,
    owner: str | None = None,
    currency: str | None = None,
) -> ForecastView:
    """``periods`` of ``by`` (month or quarter) from this one; None: 6 months, 4 quarters."""
    pipeline = settings(store)
    count = periods or (4 if by == "quarter" else 6)
    today = store.today()
    result = forecast(
        deals(store, pipeline, owner), pipeline, today, by=by, periods=count, currency=currency
    )
    return ForecastView(result, owner, today)
