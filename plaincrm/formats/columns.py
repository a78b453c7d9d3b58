"""What each column of a spreadsheet holds: the fields an import can fill, and
the names people give them.

The fields come from the record type's JSON Schema (so a new record type
imports as soon as it is registered), plus ``ref`` (the file name) and, for
clients, a contact person's name.  A column is recognised by the field's own
name, its schema ``title``, or a common synonym in English, Hungarian, Czech
or German (``E-mail``, ``Telefonszám``, ``Close date``, ``Firma`` ...);
``--map COLUMN=FIELD`` says it outright.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import UsageError
from ..core.model import TYPES, Kind, field_kinds
from ..core.schemas import load_schema
from .cells import CURRENCY_SIGNS, normalise_header
from .sources import IGNORE, VIRTUAL, FileKind

TASK = "task"  # tasks are imported and exported as their own table
SKIP = "-"  # --map COLUMN=- ignores a column

# Synonyms by field name; they apply to every record type that has the field.
SYNONYMS: dict[str, list[str]] = {
    "ref": ["ref", "slug", "file", "reference"],
    "name": [
        "company", "company name", "organisation", "organization", "org", "account",
        "account name", "customer", "customer name", "client", "client name", "firm",
        "business", "name", "cég", "cégnév", "cég neve", "ügyfél", "partner", "partner neve",
        "név", "firma", "společnost", "název", "název firmy", "zákazník", "unternehmen",
        "firmenname", "kunde",
    ],
    "person": [
        "contact", "contact name", "contact person", "full name", "person", "kapcsolattartó",
        "kontakt", "kontaktní osoba", "ansprechpartner",
    ],
    "first_name": ["first name", "given name", "forename", "keresztnév", "utónév", "jméno",
                   "vorname"],
    "last_name": ["last name", "surname", "family name", "vezetéknév", "příjmení", "nachname"],
    "kind": ["kind", "type", "client type", "típus", "fajta", "druh", "typ", "art"],
    "email": [
        "email", "e mail", "mail", "email address", "e mail address", "e mail cím", "email cím",
        "emailová adresa", "e mail adresse",
    ],
    "phone": [
        "phone", "telephone", "tel", "phone number", "mobile", "mobile phone", "cell", "telefon",
        "telefonszám", "mobil", "mobilszám", "telefonní číslo", "telefonnummer",
    ],
    "address": ["address", "street", "street address", "cím", "utca", "adresa", "ulice",
                "adresse", "straße"],
    "city": ["city", "town", "város", "település", "město", "obec", "stadt", "ort"],
    "country": ["country", "ország", "země", "stát", "land"],
    "website": ["website", "web", "web site", "url", "homepage", "honlap", "weboldal",
                "webová stránka", "webseite"],
    "tags": ["tags", "tag", "labels", "label", "categories", "category", "segment", "groups",
             "címkék", "címke", "kategória", "štítky", "kategorie", "schlagworte"],
    "owner": [
        "owner", "account owner", "deal owner", "responsible", "assigned to", "assignee",
        "sales rep", "salesperson", "user", "felelős", "tulajdonos", "üzletkötő", "odpovědná osoba",
        "vlastník", "obchodník", "verantwortlich", "zuständig",
    ],
    "created": ["created", "created at", "created on", "date created", "creation date",
                "létrehozva", "felvéve", "vytvořeno", "erstellt"],
    "client": [
        "client", "company", "customer", "account", "organisation", "organization", "client ref",
        "ügyfél", "cég", "partner", "zákazník", "společnost", "firma", "kunde",
    ],
    "stage": ["stage", "deal stage", "pipeline stage", "phase", "status", "szakasz", "fázis",
              "stádium", "fáze", "phase"],
    "amount": ["amount", "value", "deal value", "deal amount", "total", "revenue", "price",
               "összeg", "érték", "částka", "hodnota", "betrag", "wert"],
    "currency": ["currency", "curr", "pénznem", "deviza", "měna", "währung"],
    "probability": ["probability", "chance", "win probability", "valószínűség",
                    "pravděpodobnost", "wahrscheinlichkeit"],
    "close": ["close date", "expected close", "expected close date", "closing date",
              "close", "várható lezárás", "zárás", "lezárás dátuma", "datum uzavření",
              "abschlussdatum"],
    "closed": ["closed", "closed on", "date closed", "lezárva", "uzavřeno"],
    "source": ["source", "lead source", "forrás", "zdroj", "quelle"],
    "lost_reason": ["lost reason", "loss reason", "reason lost", "reason for loss",
                    "closed lost reason", "elvesztés oka", "vesztés oka", "elvesztés indoka",
                    "důvod prohry", "verlustgrund"],
    "notes": ["notes", "note", "description", "comments", "comment", "remarks", "megjegyzés",
              "megjegyzések", "leírás", "poznámka", "poznámky", "notizen", "bemerkung",
              "beschreibung"],
    "middle_name": ["middle name", "additional name"],
    "is_company": ["is a company", "is company"],
    "subject": ["subject", "title", "summary", "issue", "tárgy", "předmět", "betreff"],
    "priority": ["priority", "prioritás", "priorita", "priorität"],
    "channel": ["channel", "csatorna", "kanál", "kanal"],
    "contacts.role": ["role", "position", "job title", "contact role", "contact position",
                      "beosztás", "pozíció", "pozice", "funkce", "position"],
    "contacts.email": ["contact email", "contact e mail", "kapcsolattartó email",
                       "kapcsolattartó e mail"],
    "contacts.phone": ["contact phone", "contact telephone", "contact mobile",
                       "kapcsolattartó telefon"],
}  # fmt: skip

# The title field of a record type is also found under these names.  A client's
# title is its name: a "Title" or "Subject" column of a client sheet is a person's
# job title or salutation, never the client's name.
TITLE_SYNONYMS = ["title", "name", "subject", "deal", "deal name", "opportunity", "megnevezés",
                  "název", "titel", "bezeichnung"]  # fmt: skip
CLIENT_TITLE_SYNONYMS = ["name", "megnevezés", "název"]
# Fields an import fills besides a type's own (``sources.VIRTUAL``): what a new
# record's body says, and for clients and deals more (a person's middle name, a
# deal's status).
NOTES = "notes"
SOURCE_ONLY = frozenset({"status", "won_time", "lost_time", "active"})  # named by sources only
_HEADER_CURRENCY_RE = re.compile(r"[(\[]\s*([^)\]]+?)\s*[)\]]")

TASK_SYNONYMS: dict[str, list[str]] = {
    "id": ["id", "task id"],
    "record": ["record", "client", "company", "customer", "account", "deal", "ticket",
               "related to", "regarding", "ügyfél", "cég", "zákazník", "firma", "kunde"],
    "title": ["title", "task", "subject", "description", "activity", "todo", "to do",
              "feladat", "tárgy", "úkol", "aufgabe"],
    "status": ["status", "state", "állapot", "stav"],
    "due": ["due", "due date", "date", "deadline", "scheduled", "when", "határidő", "dátum",
            "termín", "datum", "fällig"],
    "at": ["at", "time", "start time", "start", "időpont", "idő", "čas", "uhrzeit"],
    "dur": ["dur", "duration", "length", "minutes", "időtartam", "délka", "dauer"],
    "done": ["done", "done date", "completed", "completed on", "date completed", "kész",
             "elvégezve", "hotovo", "erledigt"],
    "owner": SYNONYMS["owner"],
    "note": ["note", "notes", "result", "outcome", "comment", "comments", "megjegyzés",
             "eredmény", "poznámka", "notiz"],
}  # fmt: skip
# Columns export writes for people to read, which import passes over.
READ_ONLY = {TASK: {"record title"}}
TASK_FIELDS: dict[str, Kind] = {
    "id": Kind("text"),
    "record": Kind("text"),
    "title": Kind("text"),
    "status": Kind("text"),
    "due": Kind("date"),
    "at": Kind("text"),
    "dur": Kind("text"),
    "done": Kind("date"),
    "owner": Kind("text"),
    "note": Kind("text"),
}

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Target:
    """A field an import can fill."""

    key: str  # front matter key; "a.b" for a key inside a list of mappings; or virtual
    kind: Kind
    enum: tuple[str, ...] = ()
    ref: str | None = None  # the record type (or "user") the field names
    custom: bool = False  # a front matter key that the schema does not describe


@dataclass
class Column:
    index: int
    header: str  # as written in the file
    target: Target | None  # None: ignored
    how: str = ""  # "name", "synonym", "--map", "custom field", a source's name ("Pipedrive")
    fallback: str | None = None  # fills its field where this column (its letter) is empty
    currency: str | None = None  # amounts without a currency are in this ("Amount (HUF)")

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Mapping:
    columns: list[Column]
    notes: list[str] = field(default_factory=list)

    def used(self) -> list[Column]:
        return [c for c in self.columns if c.target is not None]

    def ignored(self) -> list[Column]:
        return [c for c in self.columns if c.target is None and c.header and c.how != "read-only"]

    def fields(self) -> set[str]:
        return {c.target.key for c in self.used() if c.target}


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def targets(type_name: str) -> dict[str, Target]:
    """Every field an import of ``type_name`` can fill, by key."""
    if type_name == TASK:
        return {key: Target(key, kind) for key, kind in TASK_FIELDS.items()}
    props = load_schema(TYPES[type_name].schema).get("properties", {})
    out: dict[str, Target] = {"ref": Target("ref", Kind("text"))}
    for key, kind in field_kinds(type_name).items():
        prop = props.get(key, {})
        out[key] = Target(key, kind, _enum(prop), prop.get("x-ref"))
        sub_props = prop.get("items", {}).get("properties", {}) if kind.name == "list" else {}
        sub_kinds = kind.items.fields if kind.items and kind.items.name == "mapping" else ()
        for sub, sub_kind in sub_kinds:
            dotted = f"{key}.{sub}"
            out[dotted] = Target(dotted, sub_kind, _enum(sub_props.get(sub, {})))
    for virtual in VIRTUAL.get(type_name, (NOTES,)):
        name = {"is_company": "boolean", "active": "boolean"}.get(virtual, "text")
        if virtual in ("won_time", "lost_time"):
            name = "date"
        out[virtual] = Target(virtual, Kind(name))
    return out


def _enum(prop: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(v) for v in prop.get("enum", ()))


def vocabulary(type_name: str) -> dict[str, str]:
    """Normalised column name -> field key, the more specific names first."""
    fields = targets(type_name)
    names: dict[str, str] = {}

    def add(phrase: str, key: str) -> None:
        names.setdefault(normalise_header(phrase), key)

    only_sources = SOURCE_ONLY & set(VIRTUAL.get(type_name, ()))
    for key in fields:
        if key not in only_sources:
            add(key, key)
            add(key.replace("_", " "), key)
    if type_name == TASK:
        for key, phrases in TASK_SYNONYMS.items():
            for phrase in phrases:
                add(phrase, key)
        return names
    props = load_schema(TYPES[type_name].schema).get("properties", {})
    for key, prop in props.items():
        if isinstance(prop, dict) and prop.get("title"):
            add(prop["title"], key)
    title_field = TYPES[type_name].title_field
    ordered = sorted(SYNONYMS, key=lambda k: (k != "ref", "." not in k, k == title_field))
    for key in ordered:
        if key in fields:
            for phrase in SYNONYMS[key]:
                add(phrase, key)
    for phrase in CLIENT_TITLE_SYNONYMS if type_name == "client" else TITLE_SYNONYMS:
        add(phrase, title_field)
    return names


def guess_type(headers: list[list[str]]) -> str:
    """The importable type whose vocabulary recognises most columns (clients on a tie)."""
    best, best_count = "client", 0
    for type_name in [*TYPES, TASK]:
        names = vocabulary(type_name)
        count = sum(
            1 for alternatives in headers if any(normalise_header(h) in names for h in alternatives)
        )
        if count > best_count:
            best, best_count = type_name, count
    return best


def parse_maps(items: tuple[str, ...] | list[str], type_name: str) -> dict[str, str]:
    """``--map COLUMN=FIELD`` options as normalised column -> field key (or ``-``)."""
    fields = targets(type_name)
    out: dict[str, str] = {}
    for item in items:
        column, sep, key = item.rpartition("=")
        column, key = column.strip(), key.strip()
        if not sep or not column or not key:
            raise UsageError(f"--map '{item}': write it as COLUMN=FIELD, e.g. --map 'E-mail=email'")
        if key not in fields and key != SKIP and not (_KEY_RE.match(key) and type_name != TASK):
            known = ", ".join(k for k in fields if k not in ("person", "first_name", "last_name"))
            raise UsageError(
                f"--map '{item}': '{key}' is not a field of {type_name} records "
                f"(fields: {known}; '-' ignores the column)"
            )
        out[column] = key
    return out


def map_columns(
    headers: list[list[str]],
    type_name: str,
    maps: dict[str, str],
    kind: FileKind | None = None,
    label: str = "",
) -> Mapping:
    """Decide the field of every column: ``--map``, else the column of the source's
    file ``kind`` (``how`` is the source's ``label``), else a known column name.  A
    field filled by several columns takes the first non-empty one (``--map`` first,
    then the source's order, then the file's)."""
    fields = targets(type_name)
    names = vocabulary(type_name)
    by_header = {normalise_header(column): key for column, key in maps.items()}
    by_letter = {column.upper(): key for column, key in maps.items()}
    unused = set(maps)
    columns: list[Column] = []
    for index, alternatives in enumerate(headers):
        header = alternatives[0]
        key, how = None, ""
        normalised = [normalise_header(h) for h in alternatives]
        letter = column_letter(index)
        for column in maps:
            if normalise_header(column) in normalised or column.upper() == letter:
                unused.discard(column)
        chosen = next((by_header[n] for n in normalised if n in by_header), by_letter.get(letter))
        from_source = next(
            (kind.columns[n] for n in normalised if kind and n in kind.columns), None
        )
        if chosen is not None:
            key, how = (None if chosen == SKIP else chosen), "--map"
        elif from_source is not None:
            key, how = (None if from_source == IGNORE else from_source), label
        else:
            key = next((names[n] for n in normalised if n in names), None)
            how = "name" if key and normalised[0] == normalise_header(key) else "synonym"
            if key is None and _KEY_RE.match(header) and type_name != TASK:
                key, how = header, "custom field"
        if key is None and normalised[0] in READ_ONLY.get(type_name, set()):
            how = "read-only"
        target = None
        if key is not None:
            target = fields.get(key) or Target(key, Kind("text"), custom=True)
        shown = how if target is not None or how in ("read-only", label) else ""
        columns.append(Column(index, header, target, shown, currency=_header_currency(header)))
    if unused:
        listed = ", ".join(f"'{c}'" for c in sorted(unused))
        raise UsageError(f"--map names columns the file does not have: {listed}")
    mapping = Mapping(columns)
    _settle_duplicates(mapping, type_name, kind)
    return mapping


def _header_currency(header: str) -> str | None:
    """The currency a header names in brackets: "Amount (HUF)", "Érték [Ft]", "Value (€)"."""
    for found in _HEADER_CURRENCY_RE.findall(header):
        text = found.strip()
        code = CURRENCY_SIGNS.get(text.lower())
        if code or re.fullmatch(r"[A-Z]{3}", text):
            return code or text
    return None


def _settle_duplicates(mapping: Mapping, type_name: str, kind: FileKind | None = None) -> None:
    """A client sheet with both "Company" and "Name" columns: the name is a person's; a
    deal sheet with both "Stage" and "Status": the status says open, won or lost.
    Otherwise a field filled by several columns takes the first non-empty one of
    them, the --map'd column first, then in the source's order or the file's."""
    fields = targets(type_name)
    if type_name == "client" and kind is None:
        named = [c for c in mapping.columns if c.target and c.target.key == "name"]
        plain = [c for c in named if normalise_header(c.header) in ("name", "nev", "jmeno")]
        if len(named) > 1 and plain and "person" not in mapping.fields():
            plain[0].target = fields["person"]
    if type_name == "deal" and kind is None:
        staged = [c for c in mapping.columns if c.target and c.target.key == "stage"]
        status = [c for c in staged if c.how != "--map" and normalise_header(c.header) in (
            "status", "deal status", "allapot", "stav")]  # fmt: skip
        if len(staged) > 1 and status and len(status) < len(staged):
            status[0].target = fields["status"]
    order = list(kind.columns) if kind else []

    def rank(column: Column) -> tuple[int, int]:
        if column.how == "--map":
            return (0, column.index)
        name = normalise_header(column.header)
        return (1, order.index(name)) if name in order else (2, column.index)

    groups: dict[str, list[Column]] = {}
    for column in mapping.columns:
        if column.target is not None:
            groups.setdefault(column.target.key, []).append(column)
    for group in groups.values():
        group.sort(key=rank)
        first = group[0]
        for column in group[1:]:
            if first.how == "--map" and column.how != "--map" and column.target:
                mapping.notes.append(
                    f"column {column.letter} '{column.header}' ignored: {column.target.key} "
                    f"comes from column {first.letter} '{first.header}' (--map)"
                )
                column.target = None
                continue
            column.fallback = first.letter
