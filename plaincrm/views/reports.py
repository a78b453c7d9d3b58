"""The sales reports: lost deals by reason, competitors, stage conversion.

API (``since``: only deals closed, or stage changes made, on or after that day;
``owner``: one owner's deals, None for everybody's; ``currency``: convert every
amount to it, None keeps each currency apart):

- ``lost_view(store, since=None, owner=None, currency=None) -> LostView``:
  ``.report`` (``sales.reports.LostReport``: ``rows`` per reason with ``deals``,
  ``amount``, ``stages``, ``competitors``; ``count``, ``amount``).
- ``competitors_view(store, since=None, owner=None, currency=None) ->
  CompetitorsView``: ``.rows`` (``CompetitorRow``: name, card, met, won, lost_to,
  lost_other, open, win_rate, amount_lost, reasons, notes), ``.card_text`` (card
  path -> its hand-written text), ``.deal_names`` (deal ref -> "client — title").
- ``stages_view(store, since=None, owner=None) -> StagesView``: ``.report``
  (``StagesReport``: ``rows`` per stage with entered, moved_on, conversion, lost,
  still, average_days; ``won``, ``lost``, ``win_rate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ..clients.clients import client_names
from ..core.model import record_label
from ..core.records import record_notes
from ..core.store import Store
from ..sales.deals import deals
from ..sales.pipeline import competitor_names, settings
from ..sales.reports import (
    CompetitorRow,
    LostReport,
    StagesReport,
    competitor_report,
    lost_report,
    stages_report,
)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass
class LostView:
    report: LostReport
    since: date | None
    owner: str | None
    currency: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "owner": self.owner,
            "currency": self.currency,
            "count": self.report.count,
            "amount": self.report.amount.as_json(),
            "reasons": [row.as_json() for row in self.report.rows],
        }


def lost_view(
    store: Store, since: date | None = None, owner: str | None = None, currency: str | None = None
) -> LostView:
    pipeline = settings(store)
    result = lost_report(deals(store, pipeline, owner), pipeline, since, currency)
    return LostView(result, since, owner, currency)


@dataclass
class CompetitorsView:
    rows: list[CompetitorRow]
    card_text: dict[str, str]  # competitor card path -> its text
    deal_names: dict[str, str]  # deal ref -> how lists name it (client — title)
    since: date | None
    owner: str | None
    currency: str | None

    def text_of(self, row: CompetitorRow) -> str | None:
        return self.card_text.get(row.card.path) if row.card else None

    def as_json(self) -> dict[str, Any]:
        data = []
        for row in self.rows:
            item = row.as_json()
            item["card_text"] = self.text_of(row)
            data.append(item)
        return {
            "since": _iso(self.since),
            "owner": self.owner,
            "currency": self.currency,
            "competitors": data,
        }


def competitors_view(
    store: Store, since: date | None = None, owner: str | None = None, currency: str | None = None
) -> CompetitorsView:
    pipeline = settings(store)
    cards = store.records("competitor")
    met = deals(store, pipeline, owner)
    names = competitor_names(store, pipeline)
    rows = competitor_report(met, pipeline, names, cards, since, currency)
    card_text = {card.path: record_notes(store.read_text(card.path), card) for card in cards}
    clients = client_names(store, (d.client for d in met))
    named = {d.ref: record_label(clients.get(d.client or ""), d.title) for d in met}
    return CompetitorsView(rows, card_text, named, since, owner, currency)


@dataclass
class StagesView:
    report: StagesReport
    since: date | None
    owner: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "since": _iso(self.since),
            "owner": self.owner,
            "stages": [row.as_json() for row in self.report.rows],
            "won": self.report.won,
            "lost": self.report.lost,
            "win_rate": self.report.win_rate,
        }


def stages_view(store: Store, since: date | None = None, owner: str | None = None) -> StagesView:
    pipeline = settings(store)
    return StagesView(stages_report(deals(store, pipeline, owner), pipeline, since), since, owner)
