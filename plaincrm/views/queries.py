"""The search words of a list screen, parsed as every front end parses them.

API: ``parse_query(store, words, kinds) -> Query`` (README "Queries"; ``kinds``: the
fields the list can test, the record type's ``field_kinds`` and what its view
adds); ``tested(query) -> set[str]``: the fields a query tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.model import Kind
from ..core.query import Query, parse, tested_fields
from ..core.store import Store


def parse_query(store: Store, words: Sequence[str], kinds: dict[str, Kind]) -> Query[Any]:
    """``words`` parsed with ``today`` and ``owner:me`` as the store has them."""
    return parse(words, kinds=kinds, today=store.today(), me=store.current_user())


def tested(query: Query[Any]) -> set[str]:
    return set(tested_fields(query.where))
