"""The service domain's record kind: tickets (``core.kinds``).

Each function below imports its module when called: loading the registry stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.kinds import Attention, FirstRun, KindRules, RecordType, register

if TYPE_CHECKING:
    from datetime import date

    from ..core.errors import Problem
    from ..core.model import Record
    from ..core.settings import Config
    from ..core.store import Store

_STATUS = "'plaincrm ticket reply|wait|resolve|close|reopen', which log the change"
BY_COMMAND = {key: _STATUS for key in ("status", "opened", "first_response", "resolved")} | {
    "resolution": _STATUS,
    "deal": "'plaincrm ticket close --upsell'",
}


def first_run() -> FirstRun:
    """The viewer's unresolved tickets (their SLA clocks)."""
    from ..core.firstrun import scalar
    from .sla import DONE

    def look(values: dict[bytes, bytes], data: bytes, mine: bool) -> bool:
        return mine and scalar(values.get(b"status")) not in DONE

    return look


class TicketRules(KindRules):
    """A ticket's moments and status history; a moment without a time is the working
    day's start."""

    def __init__(self, config: Config) -> None:
        self.day_start = config.day_start
        self.context = config.day_start

    def judge(
        self, record: Record, text: str
    ) -> tuple[list[Problem], list[tuple[str, str, Problem]]]:
        from .tickets import ticket_problems

        return ticket_problems(record, self.day_start), []


def check(store: Store) -> list[Problem]:
    from .tickets import check_tickets

    return check_tickets(store)


def attention(
    store: Store, day: date, owner: str | None, limit: int | None
) -> tuple[list[Attention], int]:
    from .sla import ticket_attention

    return ticket_attention(store, day, owner, limit)


def card(store: Store, record: Record) -> dict[str, str]:
    from .sla import ticket_details

    return ticket_details(store, record)


def new_record(store: Store, fields: dict[str, Any], previous: str | None = None) -> str:
    from .tickets import imported_ticket

    return imported_ticket(store, fields)  # a ticket comes in at its status: no stage before


def slug_base(values: dict[str, Any]) -> str:
    from .tickets import imported_slug

    return imported_slug(values)


register(
    RecordType(
        "ticket",
        "tickets",
        "subject",
        "ticket",
        rank=30,
        attention_rank=30,
        first_run=first_run,
        rules=TicketRules,
        checks=(check,),
        attention=(attention,),
        card=card,
        new_record=new_record,
        slug_base=slug_base,
        by_command=BY_COMMAND,
    )
)
