"""What the mail domain adds to clients (``core.kinds``): the facts the index keeps of a
client's mail and the check of the ``mail:`` settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.kinds import Facts, extend

if TYPE_CHECKING:
    from ..core.errors import Problem
    from ..core.store import Store


def facts() -> Facts:
    from .facts import mail_facts

    return mail_facts


def check(store: Store) -> list[Problem]:
    from .settings import check_mail

    return check_mail(store)


extend("client", facts=facts, checks=(check,))
