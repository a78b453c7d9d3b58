"""The marketing domain's record kind: campaigns (``core.kinds``).

Each function below imports its module when called: loading the registry stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.kinds import KindRules, RecordType, register

if TYPE_CHECKING:
    from ..core.errors import Problem
    from ..core.model import Record
    from ..core.settings import Config
    from ..core.store import Store


class CampaignRules(KindRules):
    """A campaign's dates and ``## Responses`` lines; the records responses name."""

    texts = True

    def __init__(self, config: Config) -> None:
        pass

    def judge(
        self, record: Record, text: str
    ) -> tuple[list[Problem], list[tuple[str, str, Problem]]]:
        from .campaigns import campaign_problems

        found, records = campaign_problems(record, text)
        return found, [("record", target, problem) for target, problem in records]


def check(store: Store) -> list[Problem]:
    from .campaigns import check_campaigns

    return check_campaigns(store)


register(
    RecordType(
        "campaign", "campaigns", "name", "campaign", rank=40, rules=CampaignRules, checks=(check,)
    )
)
