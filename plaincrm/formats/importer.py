"""``plaincrm import``: plan which records each row creates, updates or leaves alone.

Rows are matched to existing records, and to records earlier rows of the same
file create, by the keys ``--match`` allows, in this order: ``ref`` (the file
name, as ``export`` writes it), ``email``, ``phone`` (its last nine digits, so
``+36 1 234 5678`` is ``06 1 234 5678``), and ``name`` (case, accents,
punctuation and legal forms like Ltd or Kft. ignored; for records that name
other records, such as a deal's client, those must agree too).  Rows of the
same record are merged (a company with one row per contact person); rows
that contradict each other, or match two different records, are invalid.

A contact list has a row per person: the rows of one company (``name``) with
a person (``person``, ``first_name``/``last_name``) become one client with a
contact each.  Their ``email`` and ``phone`` are the company's when its rows
agree on them (or when a row without a person gives them), else each
person's own; the other company fields must agree.  A person without a
company is a client of kind ``person``.

A row matching an existing record with different values is an error unless
``--update`` (change the fields it gives; empty cells never clear anything)
or ``--skip-existing``; a row that changes nothing is reported as unchanged.

A file exported from another CRM or address book (``sources``) is read with
that product's columns; its stages, statuses, lost reasons and owners are
translated (``translate``), each kind of value found nowhere said once for the
file.  A file of people there (one row per person) adds them to their
companies: their e-mails and phones are their own unless several share them,
and the rest of a person's row (owner, city ...) describes the person, so it
fills only a company the file creates and never changes one the CRM has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..clients.clients import new_owner
from ..core.errors import InvalidError, PlaincrmError, UsageError
from ..core.frontmatter import set_fields
from ..core.ids import slugify, unique_slug
from ..core.model import TYPES, Record, slug_of
from ..core.records import ParseFailure, new_record_text, parse_record
from ..core.schemas import load_schema
from ..core.store import Store
from .cells import (
    CellError,
    cell_text,
    column_date_order,
    currency_code,
    legal_form,
    normalise_email,
    normalise_header,
    normalise_name,
    same_phone,
)
from .cells import normalise_phone as phone_key
from .columns import NOTES, TASK, Column, Mapping, guess_type, map_columns, parse_maps, vocabulary
from .convert import blank, comparable, convert
from .exporter import csv_cell
from .plan import (
    CREATE,
    SAME,
    SKIP,
    UPDATE,
    Action,
    Change,
    ImportOptions,
    Plan,
    Progress,
)
from .rows import DealRows, near_duplicates, notes_text
from .settings import import_settings
from .sheet import Row, Sheet, read_sheet
from .sheetimport import SheetImport
from .sources import HUNGARIAN, SOURCES, FileKind, Source, detect, hungarian, known_headers
from .translate import Translator

MATCH_KEYS = ("ref", "email", "phone", "name")
PEOPLE = "contacts"  # a client's contact people
# Fields a row gives that no front matter key holds as such: the new record's notes,
# a deal's status and the times and reason it closed with (``rows.DealRows``).
EXTRA = frozenset({NOTES, "status", "won_time", "lost_time", "active", "lost_reason"})
UNMAPPED = object()  # a value of another system this CRM has nothing for (yet)
# Values new records of a type get when the file gives none (besides the schema's defaults).
NEW_DEFAULTS: dict[str, dict[str, Any]] = {"client": {"kind": "company"}}


@dataclass(frozen=True)
class Origin:
    """The product a file was exported from, and which of its files it is."""

    source: Source
    kind: FileKind | None  # None: read by the common column names (Hungarian lists)

    def describe(self) -> str:
        if self.kind is None:
            return f"{article(self.source.label)} {self.source.label}"
        label = self.source.label
        kind = "" if label.lower().endswith(self.kind.name) else f" {self.kind.name}"
        return f"{article(label)} {label}{kind} export"


def plan_import(
    store: Store, path: Path, options: ImportOptions, progress: Progress | None = None
) -> Plan:
    """Read ``path`` and plan the import; nothing is written."""
    unknown = [key for key in options.match if key not in MATCH_KEYS]
    if unknown or not options.match:
        raise UsageError(
            f"--match takes some of {', '.join(MATCH_KEYS)} (comma-separated), "
            f"not '{','.join(options.match)}'"
        )
    if options.source is not None and options.source not in SOURCES:
        raise UsageError(f"--from takes one of {', '.join(SOURCES)}, not '{options.source}'")
    if options.currency is not None:
        try:
            currency_code(options.currency)
        except CellError as exc:
            raise UsageError(f"--currency: {exc}") from None
    origin: Origin | None = None
    if path.suffix.lower() in (".vcf", ".vcard"):
        from .vcard import read_vcards

        if options.source is not None:
            raise UsageError("--from is for spreadsheets another system exported, not vCards")
        sheet = read_vcards(path, options.encoding)
        type_name = options.type_name or "client"
        if type_name != "client":
            raise InvalidError("a vCard file holds contacts: import it with --type client")
    else:
        sheet = _read(path, options)
        origin = _origin(sheet, options, path)
        kind_type = origin.kind.type_name if origin and origin.kind else None
        if options.type_name and kind_type and options.type_name != kind_type:
            assert origin is not None
            raise UsageError(
                f"{path.name} is {origin.describe()}, which holds {kind_type} records, not "
                f"{options.type_name} records: leave out --type (or --from)"
            )
        type_name = options.type_name or kind_type or guess_type(sheet.headers)
    kind = origin.kind if origin else None
    label = origin.source.label if origin else ""
    mapping = map_columns(
        sheet.headers, type_name, parse_maps(options.maps, type_name), kind, label
    )
    plan = Plan(str(path), type_name, sheet.description, mapping, len(sheet.rows))
    plan.notes += sheet.notes + mapping.notes
    if origin is not None:
        plan.origin = origin.describe()
        how = "as --from says" if options.source else "as its columns show (or say --from)"
        plan.notes.insert(0, f"{origin.describe()}, {how}")
    elif not options.type_name and path.suffix.lower() not in (".vcf", ".vcard"):
        noun = "tasks" if type_name == TASK else f"{type_name} records"
        plan.notes.insert(0, f"importing {noun}, as the column names suggest (or say --type)")
    orders = date_orders(sheet, mapping, options, origin.source if origin else None, plan)
    if type_name == TASK:
        from .taskimport import TaskImport

        TaskImport(store, sheet, mapping, options, plan, orders).run(progress)
    else:
        RecordImport(store, sheet, mapping, options, plan, orders, origin).run(progress)
    return plan


def _read(path: Path, options: ImportOptions) -> Sheet:
    """The spreadsheet, its header found among the names of the fields of the type
    asked (else of every type), of every product's exports, and of ``--map``."""
    if options.type_name:
        names = set(vocabulary(options.type_name))
    else:
        names = {name for t in [*TYPES, TASK] for name in vocabulary(t)}
    names |= known_headers()
    names |= {normalise_header(item.rpartition("=")[0]) for item in options.maps}
    return read_sheet(
        path,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet_name=options.sheet,
        is_header=lambda text: normalise_header(text) in names,
    )


def _origin(sheet: Sheet, options: ImportOptions, path: Path) -> Origin | None:
    """Which product's export the sheet is: ``--from``, else found by its columns."""
    if options.source == HUNGARIAN.name:
        return Origin(HUNGARIAN, None)
    found = detect(sheet.headers, options.source)
    if found is not None:
        return Origin(*found)
    if options.source is not None:
        label = SOURCES[options.source].label
        columns = ", ".join(repr(h[0]) for h in sheet.headers[:6] if h[0])
        raise InvalidError(
            f"{path.name} does not look like {article(label)} {label} export: none of its columns "
            f"({columns}, ...) is one {label} writes; leave out --from to read it by "
            "its column names"
        )
    return Origin(HUNGARIAN, None) if hungarian(sheet.headers) else None


def article(word: str) -> str:
    """``a`` or ``an`` before a product's name: an Odoo, an Outlook, a HubSpot."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def date_orders(
    sheet: Sheet,
    mapping: Mapping,
    options: ImportOptions,
    source: Source | None = None,
    plan: Plan | None = None,
) -> dict[int, str | None]:
    """The day/month order of each date column: ``--dates``, else what its values show,
    else how the product the file comes from writes dates (Salesforce in US English:
    month first)."""
    orders: dict[int, str | None] = {}
    for column in mapping.used():
        if column.target is None or column.target.kind.name != "date":
            continue
        if options.dates:
            orders[column.index] = options.dates
            continue
        values = [cell_text(row.cells[column.index]) for row in sheet.rows]
        try:
            orders[column.index] = column_date_order(values)
        except CellError as exc:
            raise InvalidError(
                f"column {column.letter} '{column.header}': {exc}, or say the order with "
                "--dates dmy|mdy"
            ) from None
        unread = orders[column.index] is None and plan is not None
        if unread and source and source.date_order and any(_ambiguous(v) for v in values):
            orders[column.index] = source.date_order
            first = "day" if source.date_order == "dmy" else "month"
            if plan is not None:
                plan.notes.append(
                    f"column {column.letter} '{column.header}': dates like 03/04/2026 are read "
                    f"{first} first, as {source.label} writes them (say --dates otherwise)"
                )
    return orders


def _ambiguous(text: str) -> bool:
    from .cells import date_parts

    return date_parts(text) is not None


@dataclass
class Pending:
    """A record the import creates, or an existing one rows matched."""

    path: str
    existing: Record | None
    rows: list[int] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # contacts ...
    origin: dict[str, int] = field(default_factory=dict)  # field -> row that gave it
    matched_by: str = ""
    # rows of a person at the company: (row, the person's entry, their email/phone ...)
    personal: list[tuple[int, dict[str, Any], dict[str, Any], dict[str, list[Any]]]] = field(
        default_factory=list
    )
    soft: set[str] = field(default_factory=set)  # fields only people's rows gave
    notes: list[str] = field(default_factory=list)  # paragraphs of a new record's body
    previous: str | None = None  # the stage a deal imported closed was closed at


@dataclass
class RowValues:
    number: int
    values: dict[str, Any]
    entries: dict[str, dict[str, Any]]  # list-of-mapping field -> one entry
    ref: str | None
    personal: dict[str, Any] = field(default_factory=dict)  # a person's email, phone ...
    also: dict[str, list[Any]] = field(default_factory=dict)  # their other ones (a mobile)
    soft: dict[str, Any] = field(default_factory=dict)  # a person's row's other fields
    notes: str | None = None
    previous: str | None = None


class RecordImport(SheetImport):
    """Plans the import of one sheet of records of one type."""

    def setup(self) -> None:
        self.rtype = TYPES[self.plan.type_name]
        schema = load_schema(self.rtype.schema)
        self.props: dict[str, Any] = schema.get("properties", {})
        self.ref_keys = sorted(
            key for key, prop in self.props.items() if prop.get("x-ref") in TYPES
        )
        self.pending: dict[str, Pending] = {}  # path -> pending, in order of first row
        self.keys: dict[tuple[str, Any], list[str]] = {}  # match key -> paths
        self.titles: dict[str, str] = {}  # path -> title, of records and planned records
        self.title = self.rtype.title_field
        # a client's own fields that its contact people have too: in a row of a person at
        # the company they may be the person's (settled when all rows are read)
        people = self.props.get(PEOPLE, {}).get("items", {}).get("properties", {})
        self.personal_keys = [key for key in people if key in self.props and key != self.title]
        source = self.origin.source if self.origin else None
        kind = self.origin.kind if self.origin else None
        self.source = source
        self.people = bool(kind and kind.people)  # rows are people, one row per person
        settings = import_settings(self.store.config)
        self.country = settings.country or (source.country if source else None)
        pipeline = None
        if self.rtype.name == "deal":
            from ..sales.pipeline import settings as pipeline_settings

            pipeline = pipeline_settings(self.store)
        self.translate = Translator(self.store.config, pipeline, source, self.options, settings)
        self.deals = DealRows(self, pipeline) if pipeline is not None else None
        self.phones: dict[str, str] = {}  # path -> phone, of records and planned records

    # ------------------------------------------------------------ driving

    def run(self, progress: Progress | None) -> None:
        given = {"ref", "person", "first_name", "last_name"} & self.mapping.fields()
        if self.title not in self.mapping.fields() and not given:
            raise InvalidError(
                f"no column gives the {self.rtype.name}'s {self.title}: the columns are "
                f"{', '.join(repr(c.header) for c in self.mapping.columns if c.header)}; "
                f"name it with --map 'COLUMN={self.title}'"
            )
        self._index_existing()
        for row in self.sheet.rows:
            self._row(row)
            if progress:
                progress(1)
        self.plan.errors += self.translate.errors()
        if self.deals is not None:
            self.deals.settle_currency(self.pending)
        if self.rtype.name == "client":
            self.plan.notes += near_duplicates(self.titles, self.pending)
        for pending in self.pending.values():
            self._settle_personal(pending)
            self._finish(pending)

    def _index_existing(self) -> None:
        for record in self.store.records(self.rtype.name):
            self.titles[record.path] = record.title
            phone = record.fields.get("phone")
            if isinstance(phone, str):
                self.phones[record.path] = phone
            for key in self._match_keys(record.slug, record.fields):
                self.keys.setdefault(key, []).append(record.path)

    def _match_keys(self, ref: str | None, values: dict[str, Any]) -> list[tuple[str, Any]]:
        keys: list[tuple[str, Any]] = []
        allowed = self.options.match
        if ref and "ref" in allowed:
            keys.append(("ref", ref.lower()))
        email = values.get("email")
        if isinstance(email, str) and email.strip() and "email" in allowed:
            keys.append(("email", normalise_email(email)))
        phone = values.get("phone")
        number = phone_key(phone) if isinstance(phone, str) else None
        if number and "phone" in allowed:
            keys.append(("phone", number))
        title = values.get(self.title)
        if isinstance(title, str) and normalise_name(title) and "name" in allowed:
            refs = tuple(str(values.get(key) or "") for key in self.ref_keys)
            keys.append(("name", (normalise_name(title), refs)))
        return keys

    # ------------------------------------------------------------ rows

    def _row(self, row: Row) -> None:
        converted = self._convert(row)
        if converted is None:
            return
        found: dict[str, list[str]] = {}
        keys = self._match_keys(converted.ref, converted.values)
        by_ref = bool(converted.ref) and "ref" in self.options.match
        if by_ref and keys[0] in self.keys:
            keys = keys[:1]  # a row with the ref of a record is that record
        title = converted.values.get(self.title)
        phone = converted.values.get("phone")
        for key in keys:
            for path in self.keys.get(key, []):
                if key[0] == "name" and not _forms_agree(str(title), self.titles[path]):
                    continue
                known = self.phones.get(path)
                if key[0] == "phone" and known and not same_phone(known, str(phone), self.country):
                    continue  # the same last digits, another number
                found.setdefault(path, []).append(key[0])
        if len(found) > 1:
            listed = "; ".join(f"{path} (by {', '.join(how)})" for path, how in found.items())
            self._error(
                row.number,
                f"matches {len(found)} different {self.rtype.name}s: {listed}; make the row "
                "agree with one of them, or match on fewer keys with --match",
            )
            return
        if found and by_ref and keys[0][0] == "ref" and keys[0] not in self.keys:
            path, how = next(iter(found.items()))
            self._error(
                row.number,
                f"ref '{converted.ref}' names no {self.rtype.name}, but the row matches {path} "
                f"(by {', '.join(how)}): give its ref ({slug_of(path)}) to find it, or "
                f"--match ref to create {converted.ref} as another {self.rtype.name}",
            )
            return
        if found:
            path, how = next(iter(found.items()))
            pending = self.pending.get(path)
            if pending is None:
                existing = self.store.indexed(path)
                pending = Pending(path, existing, matched_by=", ".join(how))
            if not self._merge(pending, converted):
                return
            self.pending.setdefault(path, pending)
        else:
            title = converted.values.get(self.title)
            if not title:
                column = self._column_of(self.title)
                where = f" (column {column} is empty)" if column else ""
                self._error(row.number, f"no {self.title}{where}: a new record needs one")
                return
            slug_base = self.rtype.slug_base
            base = slug_base(converted.values) if slug_base else str(title)
            pending = Pending(self._new_path(converted.ref, base), None)
            self._merge(pending, converted)
            self.pending[pending.path] = pending
        self.titles.setdefault(pending.path, str(pending.values.get(self.title) or ""))
        if isinstance(pending.values.get("phone"), str):
            self.phones.setdefault(pending.path, pending.values["phone"])
        for key in self._match_keys(slug_of(pending.path), pending.values):
            paths = self.keys.setdefault(key, [])
            if pending.path not in paths:
                paths.append(pending.path)

    def _column_of(self, key: str) -> str | None:
        for column in self.mapping.used():
            if column.target and column.target.key == key:
                return f"{column.letter} '{column.header}'"
        return None

    def _convert(self, row: Row) -> RowValues | None:
        """The row's values by field; None (and errors recorded) when a cell is bad, or
        when it names a stage, owner ... this CRM does not have (said once, at the end)."""
        values: dict[str, Any] = {}
        entries: dict[str, dict[str, Any]] = {}
        extra: dict[str, Any] = {}  # what no front matter key holds: notes, a deal's status
        also: dict[str, list[Any]] = {}  # a person's values the first column did not give
        currency = None
        bad = unknown = False
        for column in self.mapping.used():
            target = column.target
            cell = self._cell(row, column)
            if target is None or blank(cell):
                continue
            key = target.key
            if column.fallback and key in {**values, **extra, **_dotted(entries)}:
                if key in self.personal_keys and self.people:
                    also.setdefault(key, []).append(self._also(row.number, column, cell))
                continue  # another column gave it
            try:
                value, found_currency = self._value(row.number, column, cell)
            except CellError as exc:
                self._error(row.number, f"column {column.letter} '{column.header}': {exc}")
                bad = True
                continue
            if value is UNMAPPED:  # a value to map, told once for the file
                unknown = True
                continue
            if value is None:
                continue
            currency = currency or found_currency or column.currency
            if "." in key:
                parent, sub = key.split(".", 1)
                entries.setdefault(parent, {})[sub] = value
            elif key in EXTRA and (key not in self.props or self.deals is not None):
                extra[key] = value
            else:
                values[key] = value
        if bad or unknown:
            return None
        if currency and "currency" in self.props and "currency" not in values:
            values["currency"] = currency
        notes = extra.pop(NOTES, None)
        previous = None
        if self.deals is not None:
            finished = self.deals.finish(row.number, values, extra)
            if finished is None:
                return None
            previous, note = finished
            notes = "\n\n".join(part for part in (notes, note) if part) or None
        personal: dict[str, Any] = {}
        soft: dict[str, Any] = {}
        if self._person(row.number, values, entries):
            personal = {key: values.pop(key) for key in self.personal_keys if key in values}
            also = {key: [v for v in also[key] if v is not None] for key in personal if key in also}
            if self.people:  # the rest of a person's row is the person's, not the company's
                soft = {k: values.pop(k) for k in list(values) if k not in (self.title, "ref")}
                if notes:
                    notes = f"{entries[PEOPLE]['name']}: {notes}"
        ref = values.pop("ref", None)
        for parent, entry in entries.items():
            order = list(self.props.get(parent, {}).get("items", {}).get("properties", {}))
            entries[parent] = dict(sorted(entry.items(), key=lambda kv: _position(order, kv[0])))
        for parent, entry in entries.items():
            missing = [
                key
                for key in self.props.get(parent, {}).get("items", {}).get("required", [])
                if key not in entry
            ]
            if missing:
                given = ", ".join(entry)
                self._error(row.number, f"{parent}: {given} given but no {', '.join(missing)}")
                return None
        ref_text = str(ref).lower() if ref else None
        return RowValues(
            row.number, values, entries, ref_text, personal, also, soft, notes, previous
        )

    def _also(self, number: int, column: Column, cell: Any) -> Any:
        """A person's value in a column after the one that gave it (their mobile after
        their work phone), kept in case the first one is their company's."""
        try:
            return self._value(number, column, cell)[0]
        except CellError:
            return None

    def _cell(self, row: Row, column: Column) -> Any:
        """A cell, with only the first of several values (Google's ``a ::: b``) for a
        field of one value; a list (tags) takes them all."""
        cell = row.cells[column.index]
        separator = self.source.multi if self.source else None
        if not separator or not isinstance(cell, str) or separator.strip() not in cell:
            return cell
        parts = [part.strip() for part in cell.split(separator.strip()) if part.strip()]
        target = column.target
        if target is not None and target.kind.name == "list":
            return ", ".join(parts)
        if len(parts) > 1:
            self.plan.notes.append(
                f"row {row.number}: column {column.letter} '{column.header}' holds "
                f"{len(parts)} values; the first, '{parts[0]}', is kept"
            )
        return parts[0] if parts else None

    def _value(self, number: int, column: Column, cell: Any) -> tuple[Any, str | None]:
        """A cell's value for its column's field (``UNMAPPED``: a value this CRM does
        not have, remembered to be said once; None: nothing to keep)."""
        target = column.target
        assert target is not None
        key = target.key
        if target.ref == "user":
            return _mapped(self.translate.owner(cell_text(cell), number)), None
        if key == "stage" and self.deals is not None:
            return _mapped(self.deals.stage(cell_text(cell), number)), None
        if key == "status" and self.deals is not None:
            return _mapped(self.translate.status(cell_text(cell), number)), None
        if key == "lost_reason" and self.deals is not None:
            return cell_text(cell), None  # read with the status (only lost deals need one)
        if key == "probability":
            return self._probability(cell), None
        if key == "currency":
            return currency_code(cell_text(cell)), None
        if key == NOTES:
            return notes_text(cell_text(cell)), None
        if key == "tags" and self.source and self.source.system_tags:
            tags, _ = convert(cell, target, resolver=self.resolver)
            kept = [tag for tag in tags if not tag.startswith(self.source.system_tags.strip())]
            return kept or None, None
        return convert(
            cell,
            target,
            resolver=self.resolver,
            decimal_comma=self.sheet.decimal_comma,
            date_order=self.orders.get(column.index),
        )

    def _probability(self, cell: Any) -> int:
        """A probability in percent: ``40``, ``40%``, ``40.0``; ``0.4`` from a product that
        writes fractions (HubSpot), or any fraction below 1."""
        from .cells import parse_number_cell

        number, _ = parse_number_cell(cell, self.sheet.decimal_comma)
        fraction = self.source is not None and self.source.probability_fraction
        if (fraction and number <= 1) or (isinstance(number, float) and 0 < number < 1):
            number = number * 100
        return round(number)

    def _person(
        self, number: int, values: dict[str, Any], entries: dict[str, dict[str, Any]]
    ) -> bool:
        """A client's person columns: the client's own name (a person without a company:
        the contact columns are the person's own), or its contact person's.  True when
        the row is of a person at the company.  A row that says it is a company (Odoo's
        "Is a Company") is the company, its name the person column's."""
        first, last = values.pop("first_name", None), values.pop("last_name", None)
        middle = values.pop("middle_name", None)
        person = values.pop("person", None) or " ".join(p for p in (first, middle, last) if p)
        if values.pop("is_company", None) is True and person:
            values[self.title] = person
            entries.pop(PEOPLE, None)
            return False
        if not person:
            return False
        if self.title in values:
            entries.setdefault(PEOPLE, {}).setdefault("name", person)
            return True
        values[self.title] = person
        values.setdefault("kind", "person")
        own = entries.pop(PEOPLE, {})
        for key in self.personal_keys:
            if key in own:
                values.setdefault(key, own.pop(key))
        for key, value in own.items():  # a role: a client of its own has none
            column = self._column_of(f"{PEOPLE}.{key}") or key
            self.plan.notes.append(
                f"row {number}: {person} has no company, so is a client of kind person; "
                f"{column} ('{_show(value)}') is not kept"
            )
        return False

    def _merge(self, pending: Pending, row: RowValues) -> bool:
        """Add a row's values to a record's; False (and an error) when they disagree.
        What only people's rows gave (``soft``) gives way to the company's own row."""
        for key, value in row.values.items():
            current = pending.values.get(key)
            if current is None or (isinstance(value, list) and _scalars(value, current)):
                continue
            if key in pending.soft:
                continue
            if self._differs(key, current, value):
                self._error(
                    row.number,
                    f"{key} '{_show(value)}' disagrees with row {pending.origin[key]} "
                    f"('{_show(current)}'), which is the same {self.rtype.name} ({pending.path}): "
                    f"a {self.rtype.name} has one {key}, so make the rows agree (or leave it "
                    "empty in all but one)",
                )
                return False
        for parent, entry in row.entries.items():
            for other in pending.entries.get(parent, []):
                if _same_entry(other, entry):
                    clash = [
                        k
                        for k in entry
                        if k in other and self._differs(k, other[k], entry[k], "name")
                    ]
                    if clash:
                        self._error(
                            row.number,
                            f"{parent} '{entry.get('name', '')}': {clash[0]} '{entry[clash[0]]}' "
                            f"disagrees with an earlier row ('{other[clash[0]]}')",
                        )
                        return False
        for key, value in row.values.items():
            current = pending.values.get(key)
            if key in pending.soft:
                pending.soft.discard(key)
                current = None
            if isinstance(value, list) and _scalars(value, current):
                merged = list(current or [])
                merged += [v for v in value if v not in merged]
                pending.values[key] = merged
            elif current is None:
                pending.values[key] = value
                pending.origin[key] = row.number
        self._merge_soft(pending, row)
        for parent, entry in row.entries.items():
            _add_entry(pending.entries.setdefault(parent, []), entry, country=self.country)
        if row.personal:
            pending.personal.append((row.number, row.entries[PEOPLE], row.personal, row.also))
        if row.notes:
            pending.notes.append(row.notes)
        pending.previous = pending.previous or row.previous
        pending.rows.append(row.number)
        return True

    def _merge_soft(self, pending: Pending, row: RowValues) -> None:
        """A person's row's other values (owner, city ...) fill a company the import
        creates where nothing gave them yet (the first row giving one wins); a company
        the CRM has keeps its own."""
        if pending.existing is not None:
            return
        for key, value in row.soft.items():
            current = pending.values.get(key)
            if current is None:
                pending.values[key] = value
                pending.origin[key] = row.number
                pending.soft.add(key)
            elif key in pending.soft and isinstance(value, list) and _scalars(value, current):
                pending.values[key] = list(current) + [v for v in value if v not in current]

    def _settle_personal(self, pending: Pending) -> None:
        """Whose are the emails and phones of a company's rows of people: the company's
        when it has them already (a row without a person gave them, or the client
        has them), or when several of its people share them (a switchboard number, an
        info@ address; the only person's too); each person's own otherwise."""
        existing = pending.existing.fields if pending.existing else {}
        people = pending.entries.get(PEOPLE, [])
        for key in self.personal_keys:
            given = [(row, entry, values[key]) for row, entry, values, _ in pending.personal
                     if key in values]  # fmt: skip
            others = {row: also.get(key, []) for row, _, _, also in pending.personal}
            if not given:
                continue
            company = pending.values.get(key) or existing.get(key)
            if company is None:
                alone = 2 if self.people else 1  # a file of people: one person's is theirs
                company = self._shared(key, self._per_person(key, given, people), alone)
                if company is not None:
                    pending.values[key] = company
                    pending.origin[key] = next(row for row, _, value in given if value == company)
            for row, entry, value in given:
                if company is not None and not self._differs(key, company, value):
                    own = [v for v in others[row] if self._differs(key, company, v)]
                    if not own:
                        continue
                    value = own[0]  # the company's switchboard first, their mobile next
                person = next(other for other in people if _same_entry(other, entry))
                if key not in person:
                    person[key] = value
                elif self._differs(key, person[key], value):
                    self._error(
                        row,
                        f"{PEOPLE} '{person.get('name', '')}': {key} '{_show(value)}' disagrees "
                        f"with '{_show(person[key])}' (their {key} in another column or row)",
                    )

    def _per_person(
        self,
        key: str,
        given: list[tuple[int, dict[str, Any], Any]],
        people: list[dict[str, Any]],
    ) -> list[Any]:
        """The values of ``key`` people's rows give, each person's once (a person
        exported twice, as HubSpot does, does not share a value with themself)."""
        seen: list[tuple[int, Any]] = []  # (index of the person, value)
        for _, entry, value in given:
            who = next((i for i, other in enumerate(people) if _same_entry(other, entry)), -1)
            if not any(w == who and not self._differs(key, v, value) for w, v in seen):
                seen.append((who, value))
        return [value for _, value in seen]

    def _new_path(self, ref: str | None, base: str) -> str:
        folder = self.rtype.folder

        def taken(slug: str) -> bool:
            return self.store.exists(self.rtype.name, slug) or f"{folder}/{slug}.md" in (
                self.pending
            )

        return f"{folder}/{unique_slug(slugify(ref or base), taken)}.md"

    # ------------------------------------------------------------ results

    def _finish(self, pending: Pending) -> None:
        if pending.existing is None:
            self._create(pending)
        else:
            self._change(pending, pending.existing)

    def _create(self, pending: Pending) -> None:
        try:
            fields, body = self._new_fields(pending)
        except (CellError, PlaincrmError) as exc:
            self._error(pending.rows[0], str(exc))
            return
        text = new_record_text(fields, body)
        problems = self._problems(pending.path, text)
        if problems:
            for problem in problems:
                self._error(pending.rows[0], problem)
            return
        title = str(fields.get(self.title) or pending.path)
        self.plan.actions.append(Action(CREATE, pending.path, title, pending.rows))
        self.plan.writes[pending.path] = (None, text)

    def _new_fields(self, pending: Pending) -> tuple[dict[str, Any], str]:
        """The front matter of a new record in schema order, and its body."""
        values = dict(pending.values)
        for parent, entries in pending.entries.items():
            values[parent] = list(values.get(parent) or []) + entries
        for key, default in NEW_DEFAULTS.get(self.rtype.name, {}).items():
            values.setdefault(key, default)
        for key, prop in self.props.items():
            if isinstance(prop, dict) and "default" in prop:
                values.setdefault(key, prop["default"])
        if "created" in self.props:
            values.setdefault("created", self.store.today())
        owner = self.props.get("owner", {})
        if owner.get("x-ref") == "user" and "owner" not in values:
            values["owner"] = self._default_owner()
        hook = self.rtype.new_record
        body = hook(self.store, values, pending.previous) if hook else ""
        notes = "\n\n".join(pending.notes)
        body = "\n\n".join(part for part in (notes, body) if part)
        ordered = {key: values[key] for key in self.props if values.get(key) is not None}
        ordered.update((k, v) for k, v in values.items() if k not in ordered and v is not None)
        return ordered, body

    def _default_owner(self) -> str | None:
        if self.options.owner:
            return self.resolver.user(self.options.owner)
        return new_owner(self.store, None)

    def _change(self, pending: Pending, record: Record) -> None:
        changes: list[Change] = []
        for key, value in pending.values.items():
            old = record.fields.get(key)
            if self._differs(key, old, value):
                changes.append(Change(key, old, value))
        added = True  # the changes only add contact people (or fill their empty fields)
        for parent, entries in pending.entries.items():
            old_list = record.fields.get(parent)
            old_entries = [e for e in old_list if isinstance(e, dict)] if old_list else []
            merged = [dict(e) for e in old_entries]
            for entry in entries:
                _add_entry(merged, entry, overwrite=True, country=self.country)
            if comparable(merged) != comparable(old_entries):
                changes.append(Change(parent, old_list, merged))
                added = added and all(
                    all(new.get(k) == v for k, v in old.items())
                    for old, new in zip(old_entries, merged, strict=False)
                )
        if pending.notes:
            self.plan.notes.append(
                f"row {pending.rows[0]}: notes are not kept for {pending.path}, which exists "
                "(an import never changes a record's body)"
            )
        action = Action(SAME, pending.path, record.title, pending.rows, changes, pending.matched_by)
        if not changes:
            self.plan.actions.append(action)
            return
        mode = self.options.existing
        if mode == "ask" and self.people and added and all(c.key == PEOPLE for c in changes):
            mode = "update"  # a file of people adds them to the companies the CRM has
        if mode == "ask":
            keys = ", ".join(c.key for c in changes)
            for row in pending.rows:
                self._error(
                    row,
                    f"matches {pending.path} (by {pending.matched_by}) and would change {keys}: "
                    "run with --update to change it, or --skip-existing to leave it",
                )
            return
        if mode == "skip":
            action.verb = SKIP
            self.plan.actions.append(action)
            return
        by_command = self.rtype.by_command
        for change in changes:
            if change.key in by_command:
                self._error(
                    pending.rows[0],
                    f"{pending.path}: {change.key} would change ({_show(change.old)} -> "
                    f"{_show(change.new)}); change it with {by_command[change.key]}, or leave "
                    "the column out (--map 'COLUMN=-')",
                )
        if any(change.key in by_command for change in changes):
            return
        before = self.store.read_text(pending.path)
        after = set_fields(before, {c.key: c.new for c in changes})
        hook = self.rtype.updated
        if hook:
            said = "; ".join(
                f"{c.key} {csv_cell(c.old) if c.old not in (None, '') else 'none'} -> "
                f"{csv_cell(c.new)}"
                for c in changes
            )
            after = hook(self.store, after, said)
        old_problems = set(self._problems(pending.path, before))
        problems = [p for p in self._problems(pending.path, after) if p not in old_problems]
        if problems:
            for problem in problems:
                self._error(pending.rows[0], problem)
            return
        action.verb = UPDATE
        self.plan.actions.append(action)
        self.plan.writes[pending.path] = (before, after)

    def _problems(self, path: str, text: str) -> list[str]:
        """What ``check`` would say about the file, without the ``path:line:``, each
        with the column its value came from."""
        from ..core.check import record_problems

        try:
            record = parse_record(self.rtype, path, text)
        except ParseFailure as failure:
            return [failure.problem.message]
        found = record_problems(record)
        if self.deals is not None and not found:
            found = self.deals.problems(record)
        out = []
        for problem in found:
            key = problem.message.split(":", 1)[0].split(".", 1)[0]
            column = self._column_of(key) if key in self.props else None
            out.append(f"column {column}: {problem.message}" if column else problem.message)
        return out

    def _differs(self, key: str, old: Any, new: Any, title: str | None = None) -> bool:
        return _differs(key, old, new, title or self.title, self.country)

    def _shared(self, key: str, values: list[Any], alone: int) -> Any:
        """The value of ``values`` (one per row of a person) that is the company's: the
        value several rows give, or (``alone`` 1) the only one given; None when no
        value or more than one is shared."""
        if len(values) == 1:
            return values[0] if alone == 1 else None
        groups: list[list[Any]] = []
        for value in values:
            group = next((g for g in groups if not self._differs(key, g[0], value)), None)
            if group is None:
                groups.append([value])
            else:
                group.append(value)
        shared = [group for group in groups if len(group) > 1]
        return shared[0][0] if len(shared) == 1 else None


def _forms_agree(a: str, b: str) -> bool:
    """Names matching but for their legal forms are one company when only one of them
    gives a form, or both give the same: "Acme" is "Acme Ltd", "Acme Kft." is not
    "Acme GmbH"."""
    first, second = legal_form(a), legal_form(b)
    return not first or not second or first == second


def _differs(key: str, old: Any, new: Any, title: str, country: str | None = None) -> bool:
    """Whether a sheet's value changes a record's: emails in another case, phone
    numbers written another way (the same number in E.164, ``country`` reading
    those without a ``+``), names differing only in case, accents or punctuation,
    and ``company`` for a client without a kind are the same."""
    if key == title and isinstance(old, str) and isinstance(new, str):
        return normalise_name(old) != normalise_name(new)
    if key == "email" and isinstance(old, str) and isinstance(new, str):
        return normalise_email(old) != normalise_email(new)
    phoned = key == "phone" and isinstance(old, str) and isinstance(new, str)
    if phoned and phone_key(new) is not None:  # too short ('112'): compared as text below
        return not same_phone(old, new, country)
    if key == "kind" and old is None and new == "company":  # a client's default kind
        return False
    return bool(comparable(old) != comparable(new))


def _mapped(value: Any) -> Any:
    """A translated value, or ``UNMAPPED`` when there was none."""
    return UNMAPPED if value is None else value


def _dotted(entries: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Entries' values by ``parent.key`` (``contacts.role``)."""
    return {
        f"{parent}.{key}": value
        for parent, entry in entries.items()
        for key, value in entry.items()
    }


def _position(order: list[str], key: str) -> int:
    return order.index(key) if key in order else len(order)


def _scalars(value: list[Any], current: Any) -> bool:
    """Both lists of plain values (tags): rows add to them rather than disagree."""
    plain = all(not isinstance(v, (dict, list)) for v in value)
    return plain and (current is None or isinstance(current, list))


def _same_entry(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two contacts (or other entries) are the same person: same name or same email."""
    for key, norm in (("name", normalise_name), ("email", normalise_email)):
        if isinstance(a.get(key), str) and isinstance(b.get(key), str):
            return bool(norm(a[key]) == norm(b[key]))
    return a == b


def _add_entry(
    entries: list[dict[str, Any]],
    entry: dict[str, Any],
    overwrite: bool = False,
    country: str | None = None,
) -> None:
    """Add ``entry`` to ``entries``, or its values to the same person's there (an email
    in another case, a phone written another way, are the same value)."""
    for other in entries:
        if _same_entry(other, entry):
            for key, value in entry.items():
                changed = overwrite and _differs(key, other[key], value, "name", country)
                if key not in other or changed:
                    other[key] = value
            return
    entries.append(dict(entry))


def _show(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
