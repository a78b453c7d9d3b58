"""Records and their types: pure data, no file or git access.

Every record type (a ``RecordType`` each domain registers in ``core.kinds``:
clients, deals, tickets, documents, campaigns ...) is the same kind of thing: a
Markdown file in its own folder with YAML front matter described by a JSON
Schema, a free body, a ``## Tasks`` section and an optional ``## Log`` section.
``TYPES`` and ``TYPE_BY_FOLDER`` are the registry's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from . import kinds
from .dates import date_problem, parse_iso_date
from .errors import Problem
from .frontmatter import line_of
from .kinds import TYPE_BY_FOLDER, TYPES, RecordType
from .schemas import load_schema, wrong_value
from .tasklines import Task

# The record kinds every domain registers (``core.kinds``), loaded with the model.
kinds.load()


def path_of(type_name: str, slug: str) -> str:
    """The path of the record of type ``type_name`` called ``slug``."""
    return f"{TYPES[type_name].folder}/{slug}.md"


def is_record_path(path: str) -> bool:
    """Whether ``path`` (relative to the CRM folder) names a record file: ``*.md`` directly
    in a record folder, not hidden (the files the index reads)."""
    folder, _, name = path.partition("/")
    return (
        folder in TYPE_BY_FOLDER
        and name.endswith(".md")
        and "/" not in name
        and not name.startswith(".")
    )


def record_label(client: str | None, title: str) -> str:
    """A record that belongs to a client, named with it: ``Danube Hotels — Compact machine``."""
    return f"{client} — {title}" if client else title


def slug_of(path: str) -> str:
    """The slug of the record at ``path``: its file name without ``.md``."""
    return path.rsplit("/", 1)[-1].removesuffix(".md")


# ---------------------------------------------------------------- field kinds


@dataclass(frozen=True)
class Kind:
    """What a front matter field holds, as the schema says."""

    name: str  # text | date | number | integer | boolean | list | mapping | any
    items: Kind | None = None  # for lists
    fields: tuple[tuple[str, Kind], ...] = ()  # for mappings
    # the field's schema, for what its messages say (not part of the kind's identity)
    schema: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def wrong(self, where: str, value: Any) -> tuple[str, str]:
        """The problem of a value that is not of this kind: ``(where, message)``."""
        prop = dict(self.schema or {"type": _SCHEMA_TYPES.get(self.name, self.name)})
        if self.name == "date":
            prop.setdefault("format", "date")
        return where, wrong_value(where, prop, value)


_SCHEMA_TYPES = {"list": "array", "mapping": "object", "date": "string", "text": "string"}


def _kind_of(prop: dict[str, Any]) -> Kind:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    schema = dict(prop)
    if kind == "string":
        return Kind("date" if prop.get("format") == "date" else "text", schema=schema)
    if kind in ("number", "integer", "boolean"):
        return Kind(kind, schema=schema)
    if kind == "array":
        return Kind("list", items=_kind_of(prop.get("items", {})), schema=schema)
    if kind == "object":
        props = prop.get("properties", {})
        fields = tuple((k, _kind_of(v)) for k, v in props.items())
        return Kind("mapping", fields=fields, schema=schema)
    return Kind("any")


@cache
def field_kinds(type_name: str) -> dict[str, Kind]:
    schema = load_schema(TYPES[type_name].schema)
    return {key: _kind_of(prop) for key, prop in schema.get("properties", {}).items()}


_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_number(text: str) -> int | float | None:
    """``"12 000"``, ``"12_000.50"`` -> a number; None when it is none."""
    cleaned = text.replace(" ", "").replace("_", "").replace("\u00a0", "")
    if not _NUMBER_RE.match(cleaned):
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    if value == value.to_integral_value() and "." not in cleaned:
        return int(value)
    return float(value)


def coerce(value: Any, kind: Kind, where: str) -> tuple[Any, list[tuple[str, str]]]:
    """Turn the typed text of one field into its schema kind.

    Returns the value (unchanged when it cannot be converted) and problems as
    ``(dotted path, message)``.
    """
    if value is None or kind.name == "any":
        return value, []
    if kind.name == "text":
        if isinstance(value, str):
            return value, []
        return value, [kind.wrong(where, value)]
    if kind.name == "date":
        if isinstance(value, str) and parse_iso_date(value):
            return value, []
        problem = date_problem(str(value))
        if problem.startswith("is out of range"):  # a date, but not one plaincrm can use
            return value, [(where, f"{where}: '{value}' {problem}")]
        return value, [kind.wrong(where, value)]
    if kind.name in ("number", "integer"):
        number = parse_number(value) if isinstance(value, str) else None
        if number is None or (kind.name == "integer" and not isinstance(number, int)):
            return value, [kind.wrong(where, value)]
        return number, []
    if kind.name == "boolean":
        lowered = value.lower() if isinstance(value, str) else ""
        if lowered in ("true", "yes"):
            return True, []
        if lowered in ("false", "no"):
            return False, []
        return value, [kind.wrong(where, value)]
    if kind.name == "list":
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if not isinstance(value, list):
            return value, [kind.wrong(where, value)]
        items, problems = [], []
        for i, item in enumerate(value):
            converted, found = coerce(item, kind.items or Kind("any"), f"{where}.{i}")
            items.append(converted)
            problems.extend(found)
        return items, problems
    if kind.name == "mapping":
        if not isinstance(value, dict):
            return value, [kind.wrong(where, value)]
        out, problems = dict(value), []
        for key, sub in kind.fields:
            if key in out:
                out[key], found = coerce(out[key], sub, f"{where}.{key}")
                problems.extend(found)
        return out, problems
    return value, []


def coerce_fields(
    type_name: str, values: dict[str, Any]
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    kinds = field_kinds(type_name)
    out: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, value in values.items():
        kind = kinds.get(key)
        if kind is None or value is None:
            out[key] = value
            continue
        if value.__class__ is str:  # the usual text and dates, without a call to coerce
            name = kind.name
            if name == "text" or name == "any" or (name == "date" and parse_iso_date(value)):
                out[key] = value
                continue
        out[key], found = coerce(value, kind, key)
        problems.extend(found)
    return out, problems


# ---------------------------------------------------------------- records


@dataclass
class LogEntry:
    """A dated line of a record's ``## Log`` section."""

    date: str
    time: str | None
    who: str | None
    text: str
    line: int

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "time": self.time,
            "who": self.who,
            "text": self.text,
            "line": self.line,
        }


@dataclass
class Record:
    """A parsed record file."""

    type: RecordType
    path: str  # relative to the CRM root, with forward slashes
    fields: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    log: list[LogEntry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    body_line: int = 1
    mail: list[Any] = field(default_factory=list)  # mailentries.MailEntry: ## Mail (parsed)

    @property
    def slug(self) -> str:
        return slug_of(self.path)

    @property
    def title(self) -> str:
        value = self.fields.get(self.type.title_field)
        return str(value) if value else self.slug

    @property
    def owner(self) -> str | None:
        value = self.fields.get("owner")
        return value if isinstance(value, str) else None

    def line_of(self, dotted: str) -> int:
        """The file line of a field (or its nearest parent); the first line when unknown."""
        return line_of(self.lines, dotted)

    def task_owner(self, task: Task) -> str | None:
        return task.owner or self.owner

    def get_number(self, key: str) -> Decimal | None:
        """A number field as a Decimal; None when it is none or one that cannot be
        computed with (too large: ``check`` reports it)."""
        from .money import record_number

        return record_number(self.fields.get(key), text=False)

    def get_date(self, key: str) -> str | None:
        value = self.fields.get(key)
        return value if isinstance(value, str) and parse_iso_date(value) else None

    def get_list(self, key: str) -> list[str]:
        value = self.fields.get(key)
        if isinstance(value, list):
            return [str(v) for v in value if v is not None]
        return []

    def get_text(self, key: str) -> str | None:
        value = self.fields.get(key)
        return value if isinstance(value, str) else None


@dataclass
class RecordView:
    """A record with what is worked out from it (a deal's figures, a document's,
    a ticket's clocks ...): its ``path``, ``ref``, ``title`` and ``owner`` are
    the record's."""

    record: Record

    @property
    def path(self) -> str:
        return self.record.path

    @property
    def ref(self) -> str:
        return self.record.slug

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def owner(self) -> str | None:
        return self.record.owner
