"""Deals as figures, and what needs attention in ``today``.

A deal record read against the pipeline settings (``pipeline``) is a ``Deal``:
stage, status, probability, amount, weighted amount, close date.  ``deals``
lists them from the index; ``deal_facts`` are the index facts the hot paths
read; ``deal_flags`` and ``flagged_deals`` say which need a next step, rot or
are past their close date (``deal_attention`` for ``today``, ``client_cards``
for the client shown beside them); ``deal_details`` is a deal on the client
card.  The board and the forecast are in ``reports``; operations that change
deals in ``dealops``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..core.dates import days_text, parse_iso_date
from ..core.model import TYPES, Record, RecordView, path_of
from ..core.money import cents, json_amount, money, record_number
from .deallog import CLOSED, LOST, WON, is_mail_line, parse_event
from .pipeline import Pipeline, settings

if TYPE_CHECKING:  # imported lazily: agenda imports this module for its provider
    from ..core.store import Store
    from ..tasks.agenda import Attention


@dataclass
class Deal(RecordView):
    """A deal record with its figures worked out against the pipeline settings."""

    stage: str
    status: str  # open | won | lost
    probability: int
    manual: bool  # the probability was set by hand
    amount: Decimal | None
    currency: str

    @property
    def client(self) -> str | None:
        return self.record.get_text("client")

    @property
    def close(self) -> str | None:
        return self.record.get_date("close")

    @property
    def closed(self) -> str | None:
        return self.record.get_date("closed")

    @property
    def weighted(self) -> Decimal | None:
        if self.amount is None:
            return None
        return cents(self.amount * self.probability / 100)

    def as_json(self) -> dict[str, Any]:
        fields = self.record.fields
        return {
            "ref": self.ref,
            "path": self.path,
            "title": self.title,
            "client": self.client,
            "stage": self.stage,
            "status": self.status,
            "probability": self.probability,
            "probability_manual": self.manual,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "weighted": json_amount(self.weighted) if self.weighted is not None else None,
            "close": self.close,
            "owner": self.owner,
            "source": fields.get("source"),
            "created": self.record.get_date("created"),
            "closed": self.closed,
            "lost_reason": fields.get("lost_reason"),
            "competitor": fields.get("competitor"),
            "lost_note": fields.get("lost_note"),
            "competitors": self.record.get_list("competitors"),
        }


def deal_of(record: Record, pipeline: Pipeline) -> Deal:
    stage = record.get_text("stage") or ""
    status = stage if stage in CLOSED else "open"
    manual = record.fields.get("probability_manual") is True
    typed = record.fields.get("probability")
    known = pipeline.stage(stage)
    if status == WON:
        probability = 100
    elif status == LOST:
        probability = 0
    elif isinstance(typed, int) and not isinstance(typed, bool) and 0 <= typed <= 100:
        probability = typed
    else:
        probability = known.probability if known else 0
    amount = record_number(record.fields.get("amount"), text=False)  # check reports the rest
    currency = record.get_text("currency") or pipeline.currency
    return Deal(record, stage, status, probability, manual, amount, currency)


def deals(
    store: Store,
    pipeline: Pipeline,
    owner: str | None = None,
    where: tuple[str, list[Any]] = ("", []),
) -> list[Deal]:
    """Every readable deal (of ``owner`` when given; meeting the SQL prefilter
    ``where``, see ``store.records``), in pipeline order."""
    found = [deal_of(r, pipeline) for r in store.records("deal", where=where)]
    if owner is not None:
        found = [d for d in found if d.owner == owner]
    found.sort(key=lambda d: (pipeline.order(d.stage), d.close or "9999", d.ref))
    return found


def deals_by_source(store: Store, pipeline: Pipeline, folder: str) -> dict[str, list[Deal]]:
    """Deals whose ``source`` names a record in ``folder`` (``campaigns``, ``tickets``),
    by that record's slug."""
    out: dict[str, list[Deal]] = {}
    prefix = f"{folder}/"
    for record in store.records("deal"):
        source = (record.get_text("source") or "").strip().lower()
        if source.startswith(prefix):
            slug = source[len(prefix) :].removesuffix(".md")
            out.setdefault(slug, []).append(deal_of(record, pipeline))
    return out


# ---------------------------------------------------------------- attention


@dataclass
class Flag:
    """Why an open deal needs attention: a short label and the full reason."""

    short: str
    reason: str


def deal_facts(record: Record) -> dict[str, Any] | None:
    """What the index keeps of an open deal (``index.FACTS``), so that the
    attention check of every ``today`` reads one small row per open deal
    instead of the whole record.  Closed deals have none.

    ``activity`` is the newest of: a stage change in the log, a mail recorded
    in the log (``mail import``), a completed task, the day the deal was opened.
    """
    stage = record.get_text("stage")
    if stage in CLOSED:
        return None
    moved = [e.date for e in record.log if is_mail_line(e.text) or parse_event(e.text).transition]
    done = [task.done for task in record.tasks if task.checked and task.done]
    created = record.get_date("created")
    dates = [d for d in (*moved, *done, created) if d and parse_iso_date(d)]
    return {
        "title": record.title,
        "stage": stage,
        "close": record.get_date("close"),
        "client": record.get_text("client"),
        "activity": max(dates, default=None),
        "open_tasks": sum(1 for task in record.tasks if not task.checked),
    }


@dataclass(frozen=True)
class ClientCard:
    """What a deal's next step depends on beyond the deal: its client's card."""

    open_tasks: int  # open tasks on the client's card
    open_deals: int  # the client's open deals

    @property
    def holds_the_next_step(self) -> bool:
        """A task on the card moves the client's one open deal (which else could it?)."""
        return self.open_tasks > 0 and self.open_deals == 1


def client_cards(store: Store, clients: Iterable[str | None]) -> dict[str, ClientCard]:
    """The ``ClientCard`` of each client slug (as a deal's ``client:`` names it):
    two small queries of the index, however many clients."""
    wanted = sorted({slug for slug in clients if slug})
    tasks: dict[str, int] = {}
    deals: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        paths = {path_of("client", slug): slug for slug in chunk}
        for path, count in store.index.conn.execute(
            f"SELECT path, count(*) FROM tasks WHERE checked = 0 AND path IN ({marks}) "
            "GROUP BY path",
            list(paths),
        ):
            tasks[paths[path]] = count
        for target, count in store.index.conn.execute(  # open deals: those with facts
            "SELECT l.target, count(*) FROM links l JOIN facts f ON f.path = l.path "
            f"WHERE l.target IN ({marks}) AND l.field = 'client' AND f.type = 'deal' "
            "GROUP BY l.target",
            [f"client:{slug}" for slug in chunk],
        ):
            deals[target[len("client:") :]] = count
    return {slug: ClientCard(tasks.get(slug, 0), deals.get(slug, 0)) for slug in wanted}


def deal_flags(
    pipeline: Pipeline, day: date, facts: dict[str, Any], card: ClientCard | None = None
) -> list[Flag]:
    """Why an open deal (its ``deal_facts``) needs attention on ``day``: past its
    close date; rotting (no activity for longer than its stage allows); no next
    step: no open task on the deal, nor on its client's ``card`` when the deal is
    the client's only open one."""
    flags = []
    close, activity = facts["close"], facts["activity"]
    if close and close < day.isoformat():
        flags.append(Flag("past close", f"close date {close} has passed"))
    stage = pipeline.stage(facts["stage"])
    if stage is not None and stage.rotting and activity:
        idle = (day - date.fromisoformat(activity)).days
        if idle > stage.rotting:
            flags.append(
                Flag(
                    f"rotting {idle}d",
                    f"rotting: {days_text(idle)} without activity in {stage.name} "
                    f"(limit {stage.rotting})",
                )
            )
    if not facts["open_tasks"] and not (card and card.holds_the_next_step):
        if card and card.open_tasks:
            why = f"no open task on the deal; its client has {card.open_deals} open deals"
        else:
            why = "no open task on the deal or its client"
        flags.append(Flag("no next step", f"no next step ({why})"))
    return flags


@dataclass
class Flagged:
    path: str
    title: str
    client: str | None  # the client's slug
    close: str | None
    flags: list[Flag]
    client_name: str | None = None  # its name, when the index holds it


def flagged_deals(store: Store, pipeline: Pipeline, day: date, owner: str | None) -> list[Flagged]:
    """Open deals (of ``owner`` and nobody's, when given) that need attention on ``day``,
    the most flagged first, then by close date."""
    return most_flagged(store, pipeline, day, owner)[0]


def most_flagged(
    store: Store, pipeline: Pipeline, day: date, owner: str | None, limit: int | None = None
) -> tuple[list[Flagged], int]:
    """The first ``limit`` (None: all) of ``flagged_deals``, and how many there are.

    Reads the index's facts of open deals (``deal_facts``): one small row each.
    SQL counts the flags of each row as ``deal_flags`` gives them, orders the rows
    and passes on only the first ``limit``, with the names of their clients: the
    work beyond counting is that of the deals shown.
    """
    from ..core.store import CLIENT_NAME, client_join

    rotting = [s for s in pipeline.open_stages if s.rotting]
    cutoffs: list[Any] = []
    for stage in rotting:
        cutoffs += [stage.name, (day - timedelta(days=stage.rotting or 0)).isoformat()]
    cases = " ".join("WHEN ? THEN ?" for _ in rotting)
    cutoff = f"CASE json_extract(data, '$.stage') {cases} ELSE '' END" if rotting else "''"
    card = "'" + TYPES["client"].folder + "/' || json_extract(o.data, '$.client') || '.md'"
    on_card = (  # the next step on the client's card: it has an open task, one open deal
        f"EXISTS (SELECT 1 FROM tasks t WHERE t.checked = 0 AND t.path = {card}) AND "
        "(SELECT count(*) FROM links l JOIN facts d ON d.path = l.path WHERE l.field = "
        "'client' AND l.target = 'client:' || json_extract(o.data, '$.client') "
        "AND d.type = 'deal') = 1"
    )
    flags = (  # as deal_flags: past close, rotting, no next step
        "ifnull(json_extract(data, '$.close') < ?, 0) "
        f"+ ifnull(json_extract(data, '$.activity') < {cutoff}, 0) "
        "+ CASE WHEN json_extract(data, '$.open_tasks') = 0 "
        f"AND NOT ({on_card}) THEN 1 ELSE 0 END"
    )
    mine = " AND (owner = ? OR owner IS NULL)" if owner is not None else ""
    client = client_join("json_extract(f.data, '$.client')")
    order = "{0}flags DESC, coalesce(json_extract({0}data, '$.close'), '9999'), {0}path"
    query = (
        f"SELECT f.path, f.data, f.total, {CLIENT_NAME} FROM (SELECT path, data, flags, "
        "count(*) OVER () AS total FROM (SELECT path, data, "
        f"{flags} AS flags FROM facts o WHERE type = 'deal'{mine}) WHERE flags > 0 "
        f"ORDER BY {order.format('')} LIMIT ?) f {client} ORDER BY {order.format('f.')}"
    )
    params: list[Any] = [day.isoformat(), *cutoffs, *([owner] if owner is not None else [])]
    rows = store.index.conn.execute(query, [*params, -1 if limit is None else limit]).fetchall()
    shown = [(path, json.loads(data), name) for path, data, _, name in rows]
    cards = client_cards(
        store, (facts["client"] for _, facts, _ in shown if not facts["open_tasks"])
    )
    found = [
        Flagged(
            path,
            facts["title"],
            facts["client"],
            facts["close"],
            deal_flags(pipeline, day, facts, cards.get(facts["client"] or "")),
            name,
        )
        for path, facts, name in shown
    ]
    return found, rows[0][2] if rows else 0


def deal_attention(
    store: Store, day: date, owner: str | None, limit: int | None = None
) -> tuple[list[Attention], int]:
    """The ``agenda.ATTENTION`` provider of deals: no next step, rotting, past close."""
    from ..tasks.agenda import Attention

    found, total = most_flagged(store, settings(store), day, owner, limit)
    shown = [
        Attention(
            "deal",
            item.path,
            item.title,
            "; ".join(flag.reason for flag in item.flags),
            item.client_name,
        )
        for item in found
    ]
    return shown, total


def deal_details(store: Store, record: Record) -> dict[str, str]:
    """What a deal shows on its client's card: stage, amount and probability."""
    deal = deal_of(record, settings(store))
    return {
        "stage": deal.stage,
        "amount": money(deal.amount, deal.currency),
        "probability": f"{deal.probability}%{' (by hand)' if deal.manual else ''}",
    }
