"""Campaign show, the campaign list, the audience, and the campaigns report.

API:

- ``CAMPAIGN_KINDS``, ``CAMPAIGN_ACCESSOR``: the fields a campaign query tests
  besides the front matter: ``status`` (planned, running, ended), ``responses`` and
  ``deals`` (counts).
- ``campaign_list_view(store, words) -> CampaignListView``: the campaigns a query
  finds, newest first (``.campaigns``: ``marketing.campaigns.CampaignFigures``
  without the audience counted; ``.filtered``).
- ``campaign_show_view(store, path) -> CampaignShowView``: ``.campaign``
  (``CampaignFigures``: status, audience size, responses, deals, won, cost, ROI ...),
  ``.offer`` (the body's free text), ``.client_names`` of the responding clients,
  ``.deal_titles`` of the deals opened from responses (by slug).
- ``audience_view(store, path) -> AudienceView``: ``.record``, ``.clients``,
  ``.sheet`` (the mailing list's rows, ``MAILING_COLUMNS``).
- ``campaigns_report_view(store, since=None) -> CampaignsReportView``: the
  campaigns that started (or, without a start, ended) on or after ``since``,
  newest first, with their figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from ..clients.clients import client_names
from ..core.model import Kind, Record, field_kinds, path_of, slug_of
from ..core.query import WrappedAccessor
from ..core.records import record_notes
from ..core.store import Store
from ..marketing.campaigns import CampaignFigures, audience, campaign_figures, mailing_table
from .queries import parse_query

if TYPE_CHECKING:
    from ..formats.exporter import Table

NOT_NOTES = ("responses", "tasks", "log")  # body sections shown on their own

CAMPAIGN_KINDS: dict[str, Kind] = {
    "status": Kind("text"),
    "responses": Kind("integer"),
    "deals": Kind("integer"),
}


# Reads ``CampaignFigures`` for queries: the front matter, plus ``status``
# (planned, running, ended), ``responses`` and ``deals`` (counts).
CAMPAIGN_ACCESSOR = WrappedAccessor(
    {
        "status": lambda c: c.status,
        "responses": lambda c: c.responders,
        "deals": lambda c: len(c.deals),
    }
)


def _newest_first(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.get_date("start") or "", r.slug), reverse=True)


@dataclass
class CampaignListView:
    campaigns: list[CampaignFigures]
    filtered: bool

    def as_json(self) -> list[dict[str, Any]]:
        out = []
        for item in self.campaigns:
            data = item.as_json()
            for key in ("audience", "response_rate"):  # not counted by list: see show
                data.pop(key)
            out.append(data)
        return out


def campaign_list_view(store: Store, words: list[str]) -> CampaignListView:
    parsed = parse_query(store, words, {**field_kinds("campaign"), **CAMPAIGN_KINDS})
    records = _newest_first(store.records("campaign"))
    items = campaign_figures(store, records, count_audience=False)
    return CampaignListView(parsed.apply(items, CAMPAIGN_ACCESSOR), bool(words))


@dataclass
class CampaignShowView:
    campaign: CampaignFigures
    offer: str  # the body's free text
    client_names: dict[str, str]  # of the responding clients
    deal_titles: dict[str, str]  # slug -> title of the deals opened from responses

    def as_json(self) -> dict[str, Any]:
        data = self.campaign.as_json()
        tasks = [task.as_row() for task in self.campaign.record.tasks]
        data.update(offer=self.offer, tasks=tasks)
        return data


def campaign_show_view(store: Store, path: str) -> CampaignShowView:
    record = store.load(path)
    store.warn_tasks((path, task) for task in record.tasks)
    item = campaign_figures(store, [record])[0]
    names = client_names(store, (r.client for r in item.responses))
    deals = store.titles(path_of("deal", r.deal) for r in item.responses if r.deal)
    return CampaignShowView(
        item,
        record_notes(store.read_text(path), record, NOT_NOTES),
        names,
        {slug_of(p): title for p, title in deals.items()},
    )


@dataclass
class AudienceView:
    record: Record
    clients: list[Record]
    sheet: Table

    def as_json(self) -> list[dict[str, Any]]:
        from ..formats.exporter import json_rows

        return json_rows(self.sheet)


def audience_view(store: Store, path: str) -> AudienceView:
    record = store.load(path)
    clients = audience(store, record)
    return AudienceView(record, clients, mailing_table(clients))


@dataclass
class CampaignsReportView:
    since: date | None
    campaigns: list[CampaignFigures]

    def as_json(self) -> dict[str, Any]:
        since = self.since.isoformat() if self.since else None
        return {"since": since, "campaigns": [i.as_json() for i in self.campaigns]}


def campaigns_report_view(store: Store, since: date | None = None) -> CampaignsReportView:
    records = [
        r
        for r in store.records("campaign")
        if since is None
        or (r.get_date("start") or r.get_date("end") or "9999") >= since.isoformat()
    ]
    return CampaignsReportView(since, campaign_figures(store, _newest_first(records)))
