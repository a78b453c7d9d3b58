"""The sales domain's record kinds: deals and competitors (``core.kinds``).

Each function below imports its module when called: loading the registry stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..core.kinds import Attention, Facts, FirstRun, KindRules, RecordType, register

if TYPE_CHECKING:
    from datetime import date

    from ..core.errors import Problem
    from ..core.model import Record
    from ..core.settings import Config
    from ..core.store import Store
    from .pipeline import Pipeline

_STAGE = "'plaincrm deal move|win|lose|reopen', which log the change"
BY_COMMAND = {
    "stage": _STAGE,
    "closed": _STAGE,
    "lost_reason": "'plaincrm deal lose'",
    "competitor": "'plaincrm deal lose'",
    "lost_note": "'plaincrm deal lose'",
    "probability": "'plaincrm deal set --probability'",
    "probability_manual": "'plaincrm deal set --probability'",
    "client": "'plaincrm deal add' (a deal stays with its client, as its documents do)",
}


def first_run() -> FirstRun:
    """An open deal: the viewer's is parsed; of somebody else's, its client (the client's
    card may hold the next step of one of the viewer's deals)."""
    from ..core.firstrun import UNSURE, scalar
    from .deallog import CLOSED

    def look(values: dict[bytes, bytes], data: bytes, mine: bool) -> bool | str:
        if scalar(values.get(b"stage")) in CLOSED:
            return False
        client = scalar(values.get(b"client"))
        return True if mine or client is UNSURE else str(client or "") or False

    return look


class DealRules(KindRules):
    """A deal against the pipeline settings; the competitors it names must be known."""

    def __init__(self, config: Config) -> None:
        from .pipeline import read_pipeline

        pipeline, problems = read_pipeline(config)
        self.pipeline: Pipeline | None = None if problems else pipeline
        self.context = [self.pipeline is not None, config.raw.get("pipeline")]

    def judge(
        self, record: Record, text: str
    ) -> tuple[list[Problem], list[tuple[str, str, Problem]]]:
        if self.pipeline is None:
            return [], []
        from .pipeline import deal_problems

        found, competitors = deal_problems(self.pipeline, record)
        return found, [("competitor", name, problem) for name, problem in competitors]

    def unmet(self, store: Store, needs: list[tuple[str, str, Problem]]) -> list[Problem]:
        if self.pipeline is None:
            return []
        from .pipeline import competitor_names, known_competitor

        known = competitor_names(store, self.pipeline)
        return [problem for _, name, problem in needs if not known_competitor(name, known)]


def facts() -> Facts:
    from .deals import deal_facts

    return deal_facts


def check(store: Store) -> list[Problem]:
    from .pipeline import check_pipeline

    return check_pipeline(store)


def attention(
    store: Store, day: date, owner: str | None, limit: int | None
) -> tuple[list[Attention], int]:
    from .deals import deal_attention

    return deal_attention(store, day, owner, limit)


def card(store: Store, record: Record) -> dict[str, str]:
    from .deals import deal_details

    return deal_details(store, record)


def new_record(store: Store, fields: dict[str, Any], previous: str | None = None) -> str:
    from .dealops import imported_deal

    return imported_deal(store, fields, previous)


def slug_base(values: dict[str, Any]) -> str:
    """The client's ref and the title, as ``deal add`` names a file."""
    return f"{values.get('client') or ''} {values.get('title') or ''}"


def updated(store: Store, text: str, said: str) -> str:
    from .dealops import log_imported_changes

    return log_imported_changes(store, text, said)


register(
    RecordType(
        "deal",
        "deals",
        "title",
        "deal",
        rank=10,
        attention_rank=10,
        facts=facts,
        first_run=first_run,
        first_run_link=True,
        rules=DealRules,
        checks=(check,),
        attention=(attention,),
        card=card,
        new_record=new_record,
        slug_base=slug_base,
        updated=updated,
        by_command=BY_COMMAND,
    )
)
register(
    RecordType(
        "competitor",
        "competitors",
        "name",
        "competitor",
        rank=20,
        list_command="report competitors",
    )
)
