"""A cell to the value of the field its column fills, by the field's kind.

Dates become ``date`` objects (so they are written unquoted), numbers ``int``
or ``float``, lists of text ``list[str]`` (``vip, wholesale`` or a JSON list),
lists of mappings and mappings come as JSON (as ``export`` writes them),
owners are matched to the users of ``plaincrm.yaml`` by name, full name or
email, and a field naming another record (``x-ref`` in the schema) accepts
its ref, ``folder/ref``, its name or (for clients) its email.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from ..core.model import TYPE_BY_FOLDER, TYPES, Kind, path_of, slug_of
from ..core.store import Store
from .cells import (
    CellError,
    cell_text,
    normalise_email,
    normalise_name,
    parse_bool_cell,
    parse_date_cell,
    parse_number_cell,
)
from .columns import Target
from .sheet import Cell

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

# Words people use for the values of common enums.
ENUM_SYNONYMS = {
    "individual": "person",
    "private": "person",
    "private person": "person",
    "magánszemély": "person",
    "osoba": "person",
    "organisation": "company",
    "organization": "company",
    "business": "company",
    "cég": "company",
    "firma": "company",
    "společnost": "company",
}


def blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


class Resolver:
    """Finds the users and records that cells name, with indexes built on first use."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._names: dict[str, dict[str, list[str]]] = {}
        self._emails: dict[str, dict[str, list[str]]] = {}

    def user(self, text: str) -> str:
        config = self.store.config
        if not config.users:
            return text
        found = config.find_user(text)
        if found is None:
            raise CellError(
                f"'{text}' is not a user in plaincrm.yaml (users: {', '.join(config.user_names())})"
            )
        return found.name

    def _index(self, type_name: str) -> None:
        if type_name in self._names:
            return
        names: dict[str, list[str]] = {}
        emails: dict[str, list[str]] = {}
        for record in self.store.records(type_name):
            names.setdefault(normalise_name(record.title), []).append(record.slug)
            email = record.get_text("email")
            if email:
                emails.setdefault(normalise_email(email), []).append(record.slug)
        self._names[type_name], self._emails[type_name] = names, emails

    def record(self, text: str, type_name: str) -> str:
        """The slug of the ``type_name`` record ``text`` names."""
        found = self.candidates(text, type_name)
        if len(found) == 1:
            return found[0]
        noun = type_name
        if not found:
            raise CellError(f"no {noun} '{text}' (import the {noun}s first, or write its ref)")
        raise CellError(
            f"'{text}' matches {len(found)} {noun}s ({', '.join(found[:5])}); write the ref instead"
        )

    def candidates(self, text: str, type_name: str) -> list[str]:
        lowered = text.strip().lower()
        folder, _, slug = lowered.rpartition("/")
        if folder and TYPE_BY_FOLDER.get(folder) is not TYPES[type_name]:
            return []
        if _SLUG_RE.match(slug) and ".." not in slug and self.store.exists(type_name, slug):
            return [slug]
        if folder:
            return []
        self._index(type_name)
        by_name = self._names[type_name].get(normalise_name(text), [])
        if by_name:
            return by_name
        return self._emails[type_name].get(normalise_email(text), [])

    def any_record(self, text: str) -> str:
        """The path of the record of any type that ``text`` names (tasks' ``record``)."""
        found: list[str] = []
        for rtype in TYPES.values():
            found += [path_of(rtype.name, slug) for slug in self.candidates(text, rtype.name)]
        exact = [p for p in found if slug_of(p) == text.strip().lower()]
        found = exact or found
        if len(found) == 1:
            return found[0]
        if not found:
            raise CellError(f"no record '{text}' (write the client's ref, e.g. acme-ltd)")
        listed = ", ".join(p[:-3] for p in found[:5])
        raise CellError(f"'{text}' matches {len(found)} records ({listed}); write which")


def convert(
    cell: Cell,
    target: Target,
    *,
    resolver: Resolver,
    decimal_comma: bool = False,
    date_order: str | None = None,
) -> tuple[Any, str | None]:
    """The value of ``cell`` for ``target``, and a currency written with an amount."""
    kind = target.kind
    if target.ref == "user":
        return resolver.user(cell_text(cell)), None
    if target.ref in TYPES:
        return resolver.record(cell_text(cell), target.ref), None
    if target.custom:
        return _custom(cell_text(cell)), None
    if kind.name == "date":
        return parse_date_cell(cell, date_order)[0], None
    if kind.name in ("number", "integer"):
        number, currency = parse_number_cell(cell, decimal_comma)
        if kind.name == "integer" and not isinstance(number, int):
            raise CellError(f"'{cell_text(cell)}' is not a whole number")
        return number, currency
    if kind.name == "boolean":
        return parse_bool_cell(cell), None
    if kind.name == "list":
        return _list(cell_text(cell), kind), None
    if kind.name == "mapping":
        return _json(cell_text(cell), dict, 'a JSON object like {"key": "value"}'), None
    text = cell_text(cell)
    if target.enum:
        return _enum(text, target.enum), None
    return text, None


def _enum(text: str, allowed: Iterable[str]) -> str:
    options = list(allowed)
    lowered = text.lower()
    for value in options:
        if value.lower() == lowered:
            return value
    synonym = ENUM_SYNONYMS.get(lowered)
    if synonym in options:
        return synonym or ""
    raise CellError(f"'{text}' is not one of: {', '.join(options)}")


def _list(text: str, kind: Kind) -> list[Any]:
    if text.startswith("["):
        return _json(text, list, 'a JSON list like ["a", "b"]')
    if kind.items and kind.items.name == "mapping":
        raise CellError(f"'{text[:40]}' is not a JSON list of entries (as export writes it)")
    return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]


def _json(text: str, shape: type, example: str) -> Any:
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        raise CellError(f"'{text[:40]}' is not {example}") from None
    if not isinstance(value, shape):
        raise CellError(f"'{text[:40]}' is not {example}")
    return value


def _custom(text: str) -> Any:
    """A field the schema does not describe: text, or the JSON list/mapping export wrote."""
    if text[:1] in "[{":
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return text
        if isinstance(value, (list, dict)):
            return value
    return text


def comparable(value: Any) -> Any:
    """A value reduced for comparing a sheet's value with a record's.

    Dates as ISO text, numbers by value, text without the spaces and line
    breaks around it (a cell holds none: ``notes: |`` ends in one), lists of
    text in any order, mappings without empty entries.
    """
    from decimal import Decimal

    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, list):
        items = [comparable(v) for v in value]
        if all(isinstance(i, str) for i in items):
            return ("set", frozenset(items))
        return ("list", tuple(json.dumps(i, sort_keys=True, default=str) for i in items))
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items() if v not in (None, "", [])}
    if isinstance(value, str):
        return value.strip()
    return value
