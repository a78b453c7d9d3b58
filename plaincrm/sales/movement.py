"""``report movement``: how the open pipeline moved between two days (the weekly meeting).

The deals as they were at the end of the day before ``since`` (read from git:
``core.snapshot``) are compared with the deals at the end of ``until`` (git
again) or, without ``until``, as the files are now.  A deal git saw renamed is
the same deal under its new name.  Each deal that changed is put in the kinds
that describe it: new (or reopened), advanced, went backwards, slipped (its
expected close moved later), stalled (open at both ends, in the same stage,
with no activity in the window), won, lost, increased or decreased (its
amount), removed (its file deleted).

The bridge is exact, per currency, to the cent::

    start + new + increases - decreases - won - lost - removed = end

``start`` and ``end`` are the open pipeline's value (amounts, not weighted).
A deal open at the start and won (or lost) later leaves the pipeline at its
final amount: a change of amount on the way is an increase or a decrease.  A
deal opened and closed inside the window is new and then won or lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ..core.model import Record
from ..core.money import Amounts
from ..core.snapshot import History, Moment, SnapshotStore
from ..core.store import Store
from ..git import repo as gitrepo
from .deallog import LOST, WON
from .deals import Deal, deal_facts, deal_of
from .pipeline import Pipeline
from .reports import in_currency

KINDS = (
    "new",
    "reopened",
    "advanced",
    "backwards",
    "slipped",
    "stalled",
    "won",
    "lost",
    "increased",
    "decreased",
    "removed",
)
BRIDGE = ("start", "new", "increases", "decreases", "won", "lost", "removed", "end")


@dataclass
class Change:
    """One deal between the two days: as it was (None: not there yet) and as it is (None:
    deleted), the kinds of change, and its part in the bridge."""

    before: Deal | None
    after: Deal | None
    kinds: list[str] = field(default_factory=list)

    @property
    def deal(self) -> Deal:
        found = self.after or self.before
        assert found is not None
        return found

    def as_json(self) -> dict[str, Any]:
        def side(deal: Deal | None) -> dict[str, Any] | None:
            if deal is None:
                return None
            return {
                "path": deal.path,
                "stage": deal.stage,
                "status": deal.status,
                "amount": deal.as_json()["amount"],
                "currency": deal.currency,
                "close": deal.close,
                "probability": deal.probability,
            }

        return {
            "ref": self.deal.ref,
            "title": self.deal.title,
            "client": self.deal.client,
            "owner": self.deal.owner,
            "kinds": self.kinds,
            "before": side(self.before),
            "after": side(self.after),
        }


@dataclass
class Movement:
    since: date
    until: date | None
    start_commit: str | None  # None: the CRM had no commit yet
    end_commit: str | None  # None: the files as they are
    changes: list[Change]
    bridge: dict[str, Amounts]
    currency: str | None = None

    def of_kind(self, kind: str) -> list[Change]:
        return [change for change in self.changes if kind in change.kinds]

    def balances(self) -> bool:
        """start + new + increases - decreases - won - lost - removed == end, per currency."""
        b = self.bridge
        currencies = {c for amounts in b.values() for c in amounts}
        for c in currencies:
            got = sum(
                (sign * b[key].get(c, Decimal(0)) for key, sign in _SIGNS.items()), Decimal(0)
            )
            if got != b["end"].get(c, Decimal(0)):
                return False
        return True


_SIGNS = {
    "start": 1,
    "new": 1,
    "increases": 1,
    "decreases": -1,
    "won": -1,
    "lost": -1,
    "removed": -1,
}


def _value(deal: Deal | None) -> Decimal:
    return deal.amount if deal is not None and deal.amount is not None else Decimal(0)


def _open(deal: Deal | None) -> bool:
    return deal is not None and deal.status == "open"


def movement(
    store: Store,
    pipeline: Pipeline,
    since: date,
    until: date | None = None,
    owner: str | None = None,
    currency: str | None = None,
) -> Movement:
    """The deals' movement from the end of the day before ``since`` to the end of ``until``
    (None: the files now), of ``owner`` (as the deal is owned at the end) when given."""
    history = History(store)
    start = history.commit_at(Moment(since - timedelta(days=1)))
    end = history.at(Moment(until)) if until is not None else None
    if end is None and isinstance(store, SnapshotStore):  # --as-of: to the day it shows
        end, until = store.shown, store.day
    before = {r.path: deal_of(r, pipeline) for r in history.records_at(start, "deal")}
    after_records: list[Record] = (
        history.records_at(end, "deal")
        if end is not None
        else store.records("deal", with_tasks=True)
    )
    after = {r.path: deal_of(r, pipeline) for r in after_records}
    activity = {r.path: (deal_facts(r) or {}).get("activity") for r in after_records}
    renamed = (
        gitrepo.renames_between(store.root, start.id, end.id if end else "HEAD", ["deals"])
        if start is not None
        else {}
    )
    first, last = since.isoformat(), (until.isoformat() if until else "9999-12-31")
    bridge = {key: Amounts() for key in BRIDGE}
    changes = []
    paths = [*after, *(p for p in before if p not in after and p not in renamed)]
    was = {renamed.get(path, path): deal for path, deal in before.items()}
    for path in paths:
        b, a = was.get(path), after.get(path)
        change = Change(b, a)
        if owner is not None and change.deal.owner != owner:
            continue
        _classify(change, pipeline, bridge, first, last, activity.get(path))
        if b is not None and _open(b):
            bridge["start"].add(b.currency, _value(b))
        if a is not None and _open(a):
            bridge["end"].add(a.currency, _value(a))
        if change.kinds:
            changes.append(change)
    changes.sort(key=lambda c: (pipeline.order(c.deal.stage), c.deal.ref))
    if currency:
        bridge = {key: in_currency(amounts, currency, pipeline) for key, amounts in bridge.items()}
    return Movement(
        since,
        until,
        start.id if start else None,
        end.id if end else None,
        changes,
        bridge,
        currency,
    )


def _classify(
    change: Change,
    pipeline: Pipeline,
    bridge: dict[str, Amounts],
    first: str,
    last: str,
    activity: str | None,
) -> None:
    b, a = change.before, change.after
    kinds = change.kinds
    if b is not None and _open(b) and a is None:
        kinds.append("removed")
        bridge["removed"].add(b.currency, _value(b))
        return
    if a is None:
        return
    closed_now = a.status in (WON, LOST) and first <= (a.closed or "") <= last
    if not _open(b):
        if _open(a):
            kinds.append("new" if b is None else "reopened")
            bridge["new"].add(a.currency, _value(a))
        elif closed_now and (b is None or b.status != a.status or b.closed != a.closed):
            kinds += ["new", a.status]
            bridge["new"].add(a.currency, _value(a))
            bridge[a.status].add(a.currency, _value(a))
        return
    assert b is not None
    if a.status in (WON, LOST):
        kinds.append(a.status)
        bridge[a.status].add(a.currency, _value(a))
    elif pipeline.order(a.stage) > pipeline.order(b.stage):
        kinds.append("advanced")
    elif pipeline.order(a.stage) < pipeline.order(b.stage):
        kinds.append("backwards")
    if a.status == "open" and b.close and (a.close or "") > b.close:
        kinds.append("slipped")
    if a.currency != b.currency:
        bridge["decreases"].add(b.currency, _value(b))
        bridge["increases"].add(a.currency, _value(a))
        kinds += [k for k in ("decreased", "increased") if k not in kinds]
    elif _value(a) > _value(b):
        kinds.append("increased")
        bridge["increases"].add(a.currency, _value(a) - _value(b))
    elif _value(a) < _value(b):
        kinds.append("decreased")
        bridge["decreases"].add(a.currency, _value(b) - _value(a))
    if a.status == "open" and a.stage == b.stage and not (activity and activity >= first):
        kinds.append("stalled")
