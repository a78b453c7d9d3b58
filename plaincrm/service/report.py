"""``report service``: tickets by kind and status, response and resolution times,
SLA breaches by priority, and the upsell funnel (tickets closed with an offer ->
deals -> won revenue).

Times are working minutes (the working day of plaincrm.yaml) with the time
waiting on the client left out, as the SLA clocks count them (``sla``).
Everything is computed from the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from ..core.model import TYPES, path_of
from ..core.money import Amounts
from ..core.store import Store
from ..sales.deallog import LOST, WON
from ..sales.deals import Deal, deal_of, deals_by_source
from ..sales.pipeline import settings
from .sla import KINDS, PRIORITIES, STATUSES, format_minutes
from .tickets import Ticket, tickets


@dataclass
class PriorityRow:
    """SLA results of the tickets of one priority."""

    priority: str
    tickets: int = 0
    responded: int = 0  # tickets with a first response
    response_breached: int = 0  # answered late, or not answered and already late
    resolved: int = 0
    resolution_breached: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "priority": self.priority,
            "tickets": self.tickets,
            "responded": self.responded,
            "response_breached": self.response_breached,
            "resolved": self.resolved,
            "resolution_breached": self.resolution_breached,
        }


@dataclass
class Upsell:
    """Tickets closed with an additional offer, the deals opened, and what was won."""

    closed: int = 0  # tickets closed
    with_offer: int = 0  # ... of which led to a deal
    deals: list[Deal] = field(default_factory=list)
    won: Amounts = field(default_factory=Amounts)
    open_amount: Amounts = field(default_factory=Amounts)

    def count(self, status: str) -> int:
        return sum(1 for deal in self.deals if deal.status == status)

    def as_json(self) -> dict[str, Any]:
        return {
            "tickets_closed": self.closed,
            "closed_with_offer": self.with_offer,
            "deals": len(self.deals),
            "deals_open": self.count("open"),
            "deals_won": self.count(WON),
            "deals_lost": self.count(LOST),
            "won_revenue": self.won.as_json(),
            "open_amount": self.open_amount.as_json(),
            "deal_refs": [deal.ref for deal in self.deals],
        }


@dataclass
class ServiceReport:
    since: date | None
    owner: str | None
    tickets: list[Ticket]
    by_kind: dict[str, dict[str, int]]  # kind -> status -> count
    response_minutes: list[int]  # of the tickets answered
    resolution_minutes: list[int]  # of the tickets resolved
    priorities: list[PriorityRow]
    upsell: Upsell

    @property
    def median_response(self) -> float | None:
        return median(self.response_minutes) if self.response_minutes else None

    @property
    def median_resolution(self) -> float | None:
        return median(self.resolution_minutes) if self.resolution_minutes else None

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "owner": self.owner,
            "tickets": len(self.tickets),
            "by_kind": self.by_kind,
            "median_first_response_minutes": self.median_response,
            "median_resolution_minutes": self.median_resolution,
            "answered": len(self.response_minutes),
            "resolved": len(self.resolution_minutes),
            "sla_by_priority": [row.as_json() for row in self.priorities],
            "upsell": self.upsell.as_json(),
        }


def service_report(store: Store, since: date | None, owner: str | None) -> ServiceReport:
    """The report over the tickets opened on or after ``since`` (of ``owner``)."""
    chosen = [
        t
        for t in tickets(store)
        if (since is None or (t.get("opened") or "")[:10] >= since.isoformat())
        and (owner is None or t.get("owner") == owner)
    ]
    by_kind: dict[str, dict[str, int]] = {}
    for item in chosen:
        counts = by_kind.setdefault(item.get("kind") or "request", dict.fromkeys(STATUSES, 0))
        counts[item.status] = counts.get(item.status, 0) + 1
    order = {kind: n for n, kind in enumerate(KINDS)}
    by_kind = dict(sorted(by_kind.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
    rows = {priority: PriorityRow(priority) for priority in reversed(PRIORITIES)}
    response, resolution = [], []
    for item in chosen:
        priority = item.get("priority") or "normal"
        row = rows.setdefault(priority, PriorityRow(priority))
        row.tickets += 1
        answered, done = item.clocks.response, item.clocks.resolution
        if answered.stopped:
            row.responded += 1
            response.append(answered.used)
        if done.stopped:
            row.resolved += 1
            resolution.append(done.used)
        row.response_breached += answered.breached
        row.resolution_breached += done.breached
    return ServiceReport(
        since,
        owner,
        chosen,
        by_kind,
        response,
        resolution,
        [row for row in rows.values() if row.tickets],
        upsell_funnel(store, chosen),
    )


def upsell_funnel(store: Store, chosen: list[Ticket]) -> Upsell:
    """Closed tickets -> those closed with an offer -> their deals -> won revenue.

    A closed ticket's deals are those whose ``source`` is the ticket and the
    one its ``deal`` names, so a deal opened by hand from a ticket counts too.
    """
    pipeline = settings(store)
    by_ticket = deals_by_source(store, pipeline, TYPES["ticket"].folder)
    funnel = Upsell()
    for item in chosen:
        if item.status != "closed":
            continue
        funnel.closed += 1
        found = {deal.ref: deal for deal in by_ticket.get(item.ref, [])}
        linked = item.get("deal")
        record = store.indexed(path_of("deal", linked)) if linked else None
        if record is not None and record.slug not in found:
            found[record.slug] = deal_of(record, pipeline)
        funnel.with_offer += bool(found)
        for deal in found.values():
            funnel.deals.append(deal)
            if deal.amount is None:
                continue
            if deal.status == WON:
                funnel.won.add(deal.currency, deal.amount)
            elif deal.status == "open":
                funnel.open_amount.add(deal.currency, deal.amount)
    return funnel


def minutes_text(value: float | None) -> str:
    """A median in working time (``-`` when there is none)."""
    return format_minutes(round(value)) if value is not None else "-"
