"""What import adds to the record kinds (``core.kinds``): the check of the ``import:``
settings, which map other CRMs' stages and owners onto the deals' pipeline and the users."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.kinds import extend

if TYPE_CHECKING:
    from ..core.errors import Problem
    from ..core.store import Store


def check(store: Store) -> list[Problem]:
    from .settings import check_import

    return check_import(store)


extend("deal", checks=(check,))
