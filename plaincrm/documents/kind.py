"""The documents domain's record kind, and the gate it adds to deal stages
(``core.kinds``).

Each function below imports its module when called: loading the registry stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.kinds import Attention, Facts, FirstRun, RecordType, extend, register

if TYPE_CHECKING:
    from datetime import date

    from ..core.errors import Problem
    from ..core.model import Record
    from ..core.store import Store

_STATUS = "'plaincrm doc status', which logs the change and numbers the document"
BY_COMMAND = {
    "status": _STATUS,
    "number": _STATUS,
    "date": _STATUS,
    "kind": "'plaincrm doc add' (a new document of that kind)",
    "deal": "'plaincrm doc add' (a document belongs to the deal it was added to)",
    "client": "its deal (a document's client is its deal's)",
    "related": "'plaincrm pay' (payments name the invoices they settle)",
}


def first_run() -> FirstRun:
    """Invoices and payments: today's overdue invoices."""
    from ..core.firstrun import UNSURE, scalar
    from .settings import INVOICE, PAYMENT

    wanted = (INVOICE, PAYMENT, UNSURE)

    def look(values: dict[bytes, bytes], data: bytes, mine: bool) -> bool:
        return scalar(values.get(b"kind")) in wanted

    return look


def facts() -> Facts:
    from .overdue import document_facts

    return document_facts


def check(store: Store) -> list[Problem]:
    from .check import check_documents

    return check_documents(store)


def attention(
    store: Store, day: date, owner: str | None, limit: int | None
) -> tuple[list[Attention], int]:
    from .overdue import overdue_attention

    return overdue_attention(store, day, owner, limit)


def card(store: Store, record: Record) -> dict[str, str]:
    from .documents import document_details

    return document_details(store, record)


def stage_gate(store: Store, deal: Record, target: str) -> str | None:
    """The deal's ``"stage_gate"``: the documents a stage requires (``requires:``)."""
    from .documents import document_gate

    return document_gate(store, deal, target)


register(
    RecordType(
        "document",
        "documents",
        "title",
        "document",
        rank=50,
        attention_rank=20,
        list_command="doc list",
        facts=facts,
        first_run=first_run,
        checks=(check,),
        checks_whole=True,
        attention=(attention,),
        card=card,
        by_command=BY_COMMAND,
    )
)
extend("deal", hooks={"stage_gate": (stage_gate,)})
