"""The query language of every list command.

A query is a list of terms, ANDed unless ``or`` stands between them::

    stage:proposal amount>10000 close<2027-01-01      field comparisons
    stage:lead,qualified                              any of several values
    name~acme                                         text contains (any case, any accents)
    +vip -lost                                        has / lacks a tag
    acme "big order"                                  words (or a quoted phrase) in the text
    due.before:+7d  close.after:today                 relative dates
    owner:me  owner:none                              the current user; no value
    not stage:won  (stage:lead or stage:qualified)    not, or, parentheses
    sort:-amount  sort:close  limit:20                order and size of the result

Operators: ``:`` equals (case-insensitive; for lists: contains the value),
``!=``, ``~`` contains (without regard to case and accents, as bare words do),
``<``, ``<=``, ``>``, ``>=`` and ``.before:``/``.after:`` (dates, exclusive).
Values are compared as numbers when the field is a number, as dates when it is
a date (``today``, ``+3d``, ``friday`` ... work), else as text.  ``!=none``
means "has a value".  ``sort:`` and ``limit:`` shape the whole result wherever
they stand.  A query may come as many words or as one (quote
it for the shell); inside it, quotes keep a phrase or a value with spaces
together (``name:"Big Order"``).  ``parse`` turns the words into query objects;
a bad term raises ``QueryError`` that points at it (or at its bad value).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from .dates import parse_date, parse_iso_date
from .errors import UsageError
from .model import Kind, parse_number, slug_of

if TYPE_CHECKING:
    import sqlite3

T = TypeVar("T")
T_contra = TypeVar("T_contra", contravariant=True)
_TERM_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*?)(\.before:|\.after:|!=|<=|>=|:|~|<|>)(.*)$")
_KEYWORDS = {"and", "or", "not"}


class QueryError(UsageError):
    """A query that cannot be parsed; the message shows where."""

    def __init__(self, text: str, start: int, end: int, reason: str) -> None:
        marker = " " * start + "^" * max(1, end - start)
        super().__init__(f"bad query: {reason}\n  {text}\n  {marker}")


class Accessor(Protocol[T_contra]):
    """How a query reads the items it filters."""

    def value(self, item: T_contra, name: str) -> Any: ...

    def texts(self, item: T_contra) -> list[str]: ...


# ---------------------------------------------------------------- query objects


class Node(Protocol):
    def matches(self, item: Any, get: Accessor[Any]) -> bool: ...


@dataclass
class Everything:
    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        return True


@dataclass
class Compare:
    """``field OP value``; ``value`` is already of the field's kind."""

    name: str
    op: str  # eq ne contains lt le gt ge missing
    value: Any
    kind: str  # number | date | text
    needles: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.needles = folded(str(self.value)) if self.op == "contains" else ()

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        actual = get.value(item, self.name)
        if self.op == "missing":
            return actual in (None, "", [])
        if isinstance(actual, list):
            if self.op == "ne":
                return not any(self._test("eq", v) for v in actual)
            return any(self._test(self.op, v) for v in actual)
        if actual in (None, ""):
            return self.op == "ne"
        return self._test(self.op, actual)

    def _test(self, op: str, actual: Any) -> bool:
        value = _convert(actual, self.kind)
        if value is None:
            return op == "ne"
        if op == "contains":
            return contains(self.needles, str(value))
        if op == "eq":
            return _equal(value, self.value)
        if op == "ne":
            return not _equal(value, self.value)
        try:
            if op == "lt":
                return bool(value < self.value)
            if op == "le":
                return bool(value <= self.value)
            if op == "gt":
                return bool(value > self.value)
            return bool(value >= self.value)
        except TypeError:
            return False


def _equal(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, tuple):
        return any(_equal(actual, w) for w in wanted)
    if isinstance(actual, str) and isinstance(wanted, str):
        return actual.lower() == wanted.lower()
    return bool(actual == wanted)


def _convert(value: Any, kind: str) -> Any:
    if kind == "number":
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return value
        return parse_number(str(value))
    if kind == "date":
        return parse_iso_date(str(value)[:10]) if value else None
    return value if isinstance(value, str) else str(value)


@dataclass
class Tag:
    tag: str

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        tags = get.value(item, "tags") or []
        if not isinstance(tags, list):
            tags = [tags]
        return any(str(t).lower() == self.tag for t in tags)


# Letters that are no base letter with a mark, so that decomposing them (NFKD) leaves
# them as they are: what a keyboard without them types instead.
_BASE_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "þ": "th", "ı": "i", "ħ": "h"}
)
# German and Nordic letters also written as two (Müller: Mueller, Ålesund: Aalesund)
_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "å": "aa", "ø": "oe"})
_HAS_SPELLED_OUT = re.compile("[äöüåøÄÖÜÅØ]")


class _Fold(dict[str, str]):
    """A character -> itself without case and marks, worked out the first time it is met."""

    def __init__(self, spelled_out: bool) -> None:
        super().__init__()
        self.spelled_out = spelled_out

    def __missing__(self, char: str) -> str:
        text = char.casefold()
        if self.spelled_out:
            text = text.translate(_SPELLED_OUT)
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(part for part in decomposed if not unicodedata.combining(part))
        self[char] = text = text.translate(_BASE_LETTERS)
        return text

    def apply(self, text: str) -> str:
        """``text`` (NFC) with every character folded: ASCII by ``lower``, the few
        other characters one ``replace`` each (faster than ``translate`` by far)."""
        text = text.lower()
        for char in set(_BEYOND_ASCII.findall(text)):
            text = text.replace(char, self[char])
        return text


_FOLD, _FOLD_SPELLED_OUT = _Fold(False), _Fold(True)
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


def folded(text: str) -> tuple[str, ...]:
    """The forms of ``text`` a search compares, without regard to case and accents:
    ``Győr`` is ``gyor``, ``Straße`` ``strasse``, ``Søren`` ``soren``; a text with
    German or Nordic letters also in their spelled-out form (``Müller``: ``muller``
    and ``mueller``)."""
    if text.isascii():
        return (text.lower(),)
    text = unicodedata.normalize("NFC", text)
    plain = _FOLD.apply(text)
    if _HAS_SPELLED_OUT.search(text) is None:
        return (plain,)
    return (plain, _FOLD_SPELLED_OUT.apply(text))


def contains(needles: tuple[str, ...], text: str) -> bool:
    """Whether ``text`` holds one of the ``folded`` forms of a search word."""
    return any(needle in form for form in folded(text) for needle in needles)


_SURROGATE = re.compile(r"\\u[dD][89abAB]")  # half of a character beyond U+FFFF


def _json_holds(data: str, *needles: str) -> bool:
    """SQL ``plaincrm_holds(data, needle, ...)``: whether ``data`` holds one of the
    ``folded`` forms of a search word; JSON text (ASCII) with its escapes read."""
    return contains(needles, _json_text(data) if data.isascii() else data)


def _json_text(data: str) -> str:
    """JSON text with its escapes read (``\\u0151`` is ``ő``), as one text."""
    try:
        if "\\/" in data:  # the one JSON escape Python does not know (json never writes it)
            return json.dumps(json.loads(data), ensure_ascii=False)
        text = data.encode("ascii").decode("unicode_escape")
        if _SURROGATE.search(data) is not None:  # join the halves: 😀, not two of them
            text = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        return text
    except ValueError:  # not JSON after all
        return data


def sql_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the SQL functions ``sql_prefilter`` conditions call."""
    conn.create_function("plaincrm_holds", -1, _json_holds, deterministic=True)


@dataclass
class Text:
    """A word (or phrase) that appears in any text of the item, without regard to case
    and accents."""

    word: str
    needles: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.needles = folded(self.word)

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        return any(contains(self.needles, text) for text in get.texts(item))


@dataclass
class Not:
    inner: Node

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        return not self.inner.matches(item, get)


@dataclass
class And:
    parts: list[Node]

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        return all(p.matches(item, get) for p in self.parts)


@dataclass
class Or:
    parts: list[Node]

    def matches(self, item: Any, get: Accessor[Any]) -> bool:
        return any(p.matches(item, get) for p in self.parts)


@dataclass
class Query(Generic[T]):
    where: Node = field(default_factory=Everything)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None

    def apply(self, items: Sequence[T], get: Accessor[T]) -> list[T]:
        found = [item for item in items if self.where.matches(item, get)]
        for name, descending in reversed(self.sort):
            present = [i for i in found if get.value(i, name) not in (None, "")]
            missing = [i for i in found if get.value(i, name) in (None, "")]
            present.sort(key=partial(_sort_key_of, get, name), reverse=descending)
            found = present + missing
        return found[: self.limit] if self.limit is not None else found


def tested_fields(node: Node) -> set[str]:
    """The field names a query's conditions test (``{"status"}`` for ``not status:won``):
    list commands use it to drop their default filter when the query decides."""
    if isinstance(node, Compare):
        return {node.name}
    if isinstance(node, Not):
        return tested_fields(node.inner)
    if isinstance(node, (And, Or)):
        return set().union(*(tested_fields(part) for part in node.parts))
    return set()


_SQL_OPS = {"eq": "IN", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_NOT_ASCII = "GLOB '*[^ -~]*'"  # SQLite's lower() folds ASCII only: keep other text for Python


def sql_prefilter(
    node: Node, kinds: dict[str, Kind], skip: Iterable[str] = ()
) -> tuple[str, list[Any]]:
    """An SQL condition on an index row's ``data`` that every record ``node`` matches meets.

    Made of the conditions ANDed at the top of the query that compare a front
    matter field of a known scalar kind, or test a tag; each may let through
    more than the query does (Python decides), never less.  ``skip``: fields
    the list command's accessor computes rather than reads from the front
    matter.  Returns ``("", [])`` when nothing can be said.
    """
    skipped = {"ref", "path", "type", "title", *skip}
    clauses: list[str] = []
    params: list[Any] = []
    for part in node.parts if isinstance(node, And) else [node]:
        words = None
        if isinstance(part, Text):
            words = _text_prefilter(part.needles, slug=True)
        elif (
            isinstance(part, Compare)
            and part.op == "contains"
            and part.name in kinds  # a field of the front matter, held in data
            and part.name not in skipped
        ):
            words = _text_prefilter(part.needles, slug=False)
        if words is not None:
            clauses.append(words[0])
            params += words[1]
            continue
        if isinstance(part, Tag) and "tags" not in skipped and part.tag.isascii():
            clauses.append(
                "EXISTS (SELECT 1 FROM json_each(data, '$.fields.tags') "
                f"WHERE lower(value) = ? OR value {_NOT_ASCII})"
            )
            params.append(part.tag)
            continue
        if not isinstance(part, Compare) or part.op not in _SQL_OPS or part.name in skipped:
            continue
        kind = kinds.get(part.name)
        if kind is None or not _FIELD_NAME_RE.match(part.name):
            continue
        values = part.value if isinstance(part.value, tuple) else (part.value,)
        path = f'$.fields."{part.name}"'
        value = "json_extract(data, ?)"
        if part.kind == "number" and kind.name in ("number", "integer"):
            test = f"json_type(data, ?) NOT IN ('integer', 'real') OR {value} "
        elif part.kind == "date" and kind.name == "date":
            test = f"json_type(data, ?) != 'text' OR substr({value}, 1, 10) "
            values = tuple(v.isoformat() for v in values)
        elif part.kind == "text" and kind.name == "text" and part.op == "eq":
            if not all(isinstance(v, str) and v.isascii() for v in values):
                continue
            test = f"json_type(data, ?) != 'text' OR {value} {_NOT_ASCII} OR lower({value}) "
            values = tuple(v.lower() for v in values)
        else:
            continue
        marks = ", ".join("?" * len(values))
        operator = _SQL_OPS[part.op]
        tail = f"IN ({marks})" if operator == "IN" else f"{operator} ?"
        clauses.append(f"({test}{tail})")
        params += [path] * test.count("?") + list(values)
    return " AND ".join(clauses), params


_JSON_ESCAPED = re.compile(r'["\\\x00-\x1f\x7f]')  # written otherwise in JSON text


def _text_prefilter(needles: tuple[str, ...], *, slug: bool) -> tuple[str, list[Any]] | None:
    """SQL: a row's front matter (and its ``slug``) may hold one of a search word's
    ``folded`` forms.  The front matter is JSON with every letter beyond ASCII written
    as a ``\\u`` escape: a row holds a form as ASCII text (LIKE ignores ASCII case, as
    the fold does), or holds letters beyond ASCII and ``plaincrm_holds`` reads them
    (``sql_functions``).  None when a form has a character JSON writes otherwise (a
    quote, a backslash)."""
    if any(_JSON_ESCAPED.search(needle) for needle in needles):
        return None
    patterns = [
        "%" + needle.replace("%", "\\%").replace("_", "\\_") + "%"
        for needle in needles
        if needle.isascii()
    ]
    columns = ["data", "slug"] if slug else ["data"]
    marks = ", ".join("?" * len(needles))
    tests, params = [], []
    for column in columns:
        tests += [f"{column} LIKE ? ESCAPE '\\'" for _ in patterns]
        params += patterns
    tests.append(f"(instr(data, '\\u') > 0 AND plaincrm_holds(data, {marks}))")
    params += needles
    if slug:
        tests.append(f"(slug {_NOT_ASCII} AND plaincrm_holds(slug, {marks}))")
        params += needles
    return "(" + " OR ".join(tests) + ")", params


def _sort_key_of(get: Accessor[T], name: str, item: T) -> tuple[int, Any]:
    return _sort_key(get.value(item, name))


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (1, str(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, list):
        return (1, ", ".join(str(v) for v in value).lower())
    return (1, str(value).lower())


# ---------------------------------------------------------------- parsing


@dataclass
class _Token:
    text: str
    start: int  # where the term stands in the query as shown (the words joined by spaces)
    end: int
    quoted: bool = False  # the whole term was in quotes: plain text, never a keyword

    def keyword(self, *words: str) -> bool:
        return not self.quoted and self.text.lower() in words


_QUOTES = "\"'"
_OPENS_QUOTE = ":~=<>,"  # a quote right after these starts a quoted value: name:"Big Order"


def _tokens(words: Sequence[str]) -> tuple[str, list[_Token]]:
    """Split the words into terms (a word may hold several) and remember where each stands.

    Spaces separate terms unless quoted; a quote opens at the start of a term or
    of a value (``name:"Big Order"``), so an apostrophe inside a word
    (``O'Brien``) is just a letter.  ``(`` at the start of a term and ``)``
    anywhere outside quotes are terms of their own.
    """
    shown = "".join(" " if char.isspace() else char for char in " ".join(words))
    tokens: list[_Token] = []
    offset = 0
    for word in words:
        i, n = 0, len(word)
        while i < n:
            char = word[i]
            if char.isspace():
                i += 1
                continue
            if char in "()":
                tokens.append(_Token(char, offset + i, offset + i + 1))
                i += 1
                continue
            start, text, quote, quote_at = i, [], "", i
            quoted = char in _QUOTES
            while i < n:
                char = word[i]
                if quote:
                    if char == quote:
                        quote = ""
                    else:
                        text.append(char)
                elif char in _QUOTES and (i == start or word[i - 1] in _OPENS_QUOTE):
                    quote, quote_at = char, i
                elif char.isspace() or char == ")":
                    break
                else:
                    text.append(char)
                i += 1
            if quote:
                raise QueryError(
                    shown, offset + quote_at, offset + n, f"this {quote} is never closed"
                )
            tokens.append(_Token("".join(text), offset + start, offset + i, quoted))
        offset += n + 1
    return shown, tokens


class _Parser:
    def __init__(
        self,
        words: Sequence[str],
        kinds: dict[str, Kind],
        today: date,
        me: str | None,
        aliases: dict[str, str],
    ) -> None:
        self.shown, self.tokens = _tokens(words)
        self.kinds = kinds
        self.today = today
        self.me = me
        self.aliases = aliases
        self.pos = 0
        self.query: Query[Any] = Query()

    def error(self, token: _Token, reason: str, part: str | None = None) -> QueryError:
        """An error pointing at ``token``, or at ``part`` of it (a bad value) when found."""
        start, end = token.start, token.end
        if part:
            found = self.shown.rfind(part, start, end)
            if found >= 0:
                start, end = found, found + len(part)
        return QueryError(self.shown, start, end, reason)

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> Query[Any]:
        self.tokens = [token for token in self.tokens if not self.order_term(token)]
        if not self.tokens:
            return self.query
        node = self.parse_or()
        token = self.peek()
        if token is not None:
            raise self.error(token, "unexpected ')'" if token.keyword(")") else "unexpected term")
        self.query.where = node
        return self.query

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while (token := self.peek()) is not None and token.keyword("or"):
            self.pos += 1
            if self.peek() is None:
                raise self.error(token, "'or' needs a term after it")
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Or(parts)

    def parse_and(self) -> Node:
        parts: list[Node] = []
        while (token := self.peek()) is not None and not token.keyword("or", ")"):
            if token.keyword("and"):
                self.pos += 1
                after = self.peek()
                if after is None or not parts or after.keyword("and", "or", ")"):
                    raise self.error(token, "'and' needs a term on each side")
                continue
            parts.append(self.parse_unary())
        if not parts:
            token = self.peek() or (self.tokens[-1] if self.tokens else None)
            if token is not None and token.keyword(")", "or"):
                raise self.error(token, "a term is missing here")
            return Everything()
        return parts[0] if len(parts) == 1 else And(parts)

    def parse_unary(self) -> Node:
        token = self.tokens[self.pos]
        self.pos += 1
        if token.keyword("not"):
            following = self.peek()
            if following is None or following.keyword("and", "or", ")"):
                raise self.error(token, "'not' needs a term after it")
            return Not(self.parse_unary())
        if token.keyword("("):
            node = self.parse_or()
            closing = self.peek()
            if closing is None or not closing.keyword(")"):
                raise self.error(token, "this '(' is never closed")
            self.pos += 1
            return node
        return self.term(token)

    def term(self, token: _Token) -> Node:
        text = token.text
        if not text:
            raise self.error(token, "empty quotes: put the text to search for between them")
        if token.quoted:
            return Text(text.lower())
        if text in ("+", "-"):
            reason = f"'{text}' needs a tag name after it (+vip, -lost); quote it to search for it"
            raise self.error(token, reason)
        if text.startswith(("+", "-")) and len(text) > 1 and ":" not in text and not _is_op(text):
            return Tag(text[1:].lower()) if text[0] == "+" else Not(Tag(text[1:].lower()))
        match = _TERM_RE.match(text)
        if not match:
            return Text(text.lower())
        name, op, value = match.groups()
        name = self.aliases.get(name, name)
        if not value:
            raise self.error(token, f"'{name}{op}' needs a value")
        return self.compare(token, name, op, value)

    def order_term(self, token: _Token) -> bool:
        """Take ``sort:`` and ``limit:`` (they shape the whole result, wherever they stand)."""
        match = None if token.quoted else _TERM_RE.match(token.text)
        if match is None or match.group(1) not in ("sort", "limit"):
            return False
        name, op, value = match.groups()
        before = self.tokens.index(token) - 1
        if before >= 0 and self.tokens[before].keyword("not", "or", "and"):
            raise self.error(
                token,
                f"{name}: shapes the whole result; it cannot follow '{self.tokens[before].text}'",
            )
        if name == "limit":
            if op != ":" or not value.isdigit():
                raise self.error(token, "limit takes a whole number: limit:20")
            self.query.limit = int(value)
            return True
        if op != ":" or not value.strip("-,"):
            raise self.error(token, "sort takes a field: sort:close or sort:-amount")
        for part in value.split(","):
            field_name = part.lstrip("-")
            if not field_name:
                raise self.error(token, "sort takes a field: sort:close or sort:-amount")
            descending = part.startswith("-")
            self.query.sort.append((self.aliases.get(field_name, field_name), descending))
        return True

    def kind_of(self, name: str) -> str:
        kind = self.kinds.get(name)
        if kind is None:
            return "any"
        if kind.name == "list" and kind.items is not None:
            kind = kind.items
        if kind.name in ("number", "integer"):
            return "number"
        if kind.name == "date":
            return "date"
        return "text"

    def compare(self, token: _Token, name: str, op: str, raw: str) -> Node:
        kind = self.kind_of(name)
        if op in (".before:", ".after:"):
            if kind not in ("date", "any"):
                raise self.error(token, f"{name} is not a date, so {op[:-1]} does not apply")
            return Compare(name, "lt" if op == ".before:" else "gt", self.date(token, raw), "date")
        if op in (":", "!=") and raw.lower() == "none":
            missing = Compare(name, "missing", None, "text")
            return missing if op == ":" else Not(missing)
        if op in (":", "!=") and raw.lower() == "me" and name == "owner":
            if self.me is None:
                raise self.error(
                    token, "who is 'me'? set PLAINCRM_USER or git's user.name", part=raw
                )
            raw = self.me
        if op == "~":
            return Compare(name, "contains", raw, "text")
        ops = {":": "eq", "!=": "ne", "<": "lt", "<=": "le", ">": "gt", ">=": "ge"}
        if kind == "any":
            kind = self.infer(raw, op)
            if kind == "text" and op in ("<", "<=", ">", ">="):
                raise self.error(token, f"'{raw}' is not a number or a date", part=raw)
        values: tuple[Any, ...]
        if kind == "number":
            values = tuple(self.number(token, part) for part in raw.split(","))
        elif kind == "date":
            values = tuple(self.date(token, part) for part in raw.split(","))
        else:
            values = tuple(raw.split(","))
        if op in ("<", "<=", ">", ">=") and len(values) > 1:
            raise self.error(token, f"'{op}' compares with one value", part=raw)
        value = values[0] if len(values) == 1 else values
        return Compare(name, ops[op], value, kind)

    def infer(self, raw: str, op: str) -> str:
        if parse_number(raw) is not None and op != ":":
            return "number"
        if parse_iso_date(raw) is not None or (op != ":" and self._is_date(raw)):
            return "date"
        return "text"

    def _is_date(self, raw: str) -> bool:
        try:
            parse_date(raw, self.today)
        except UsageError:
            return False
        return True

    def number(self, token: _Token, raw: str) -> int | float:
        value = parse_number(raw)
        if value is None:
            raise self.error(token, f"'{raw}' is not a number", part=raw)
        return value

    def date(self, token: _Token, raw: str) -> date:
        try:
            return parse_date(raw, self.today)
        except UsageError:
            raise self.error(
                token, f"'{raw}' is not a date (YYYY-MM-DD, today, +7d ...)", part=raw
            ) from None


def _is_op(text: str) -> bool:
    return any(op in text for op in ("<", ">", "=", "~"))


def parse(
    words: Sequence[str],
    *,
    kinds: dict[str, Kind] | None = None,
    today: date,
    me: str | None = None,
    aliases: dict[str, str] | None = None,
) -> Query[Any]:
    """Parse query words (command-line arguments) into a ``Query``."""
    return _Parser(words, kinds or {}, today, me, aliases or {}).parse()


# ---------------------------------------------------------------- accessors


@dataclass
class RecordAccessor:
    """Reads records: their front matter plus ``ref``, ``path``, ``type`` and ``title``."""

    extra: dict[str, Callable[[Any], Any]] = field(default_factory=dict)

    def value(self, item: Any, name: str) -> Any:
        if name in self.extra:
            return self.extra[name](item)
        if name == "ref":
            return item.slug
        if name == "path":
            return item.path
        if name == "type":
            return item.type.name
        if name == "title":
            return item.title
        return item.fields.get(name)

    def texts(self, item: Any) -> list[str]:
        """The REF and every text of the front matter, those of its lists of
        mappings (a client's contacts) too."""
        out = [item.slug]
        for value in item.fields.values():
            if isinstance(value, str):
                out.append(value)
            elif isinstance(value, list):
                for element in value:
                    if isinstance(element, str):
                        out.append(element)
                    elif isinstance(element, dict):
                        out.extend(v for v in element.values() if isinstance(v, str))
        return out


@dataclass
class WrappedAccessor(RecordAccessor):
    """Reads items that wrap a record (``item.record``: a deal, ticket or campaign
    with what is computed from it): the names of ``extra`` from the item, the
    rest, and the words, from its record."""

    def value(self, item: Any, name: str) -> Any:
        if name in self.extra:
            return self.extra[name](item)
        return super().value(item.record, name)

    def texts(self, item: Any) -> list[str]:
        return super().texts(item.record)


TASK_KINDS: dict[str, Kind] = {
    "due": Kind("date"),
    "done": Kind("date"),
    "dur": Kind("integer"),
    "at": Kind("text"),
    "id": Kind("text"),
    "owner": Kind("text"),
    "title": Kind("text"),
    "record": Kind("text"),
    "type": Kind("text"),
    "status": Kind("text"),
}


class TaskAccessor:
    """Reads ``store.TaskEntry`` items: the task keys plus ``record``, ``type``, ``status``."""

    def value(self, item: Any, name: str) -> Any:
        task = item.task
        if name == "record":
            return slug_of(item.path)
        if name == "type":
            return item.type
        if name == "status":
            return "done" if task.checked else "open"
        if name == "owner":
            return item.owner
        if name == "title":
            return task.title
        if name == "done":
            return task.done
        if name == "dur":
            return task.dur
        return getattr(task, name, None) if name in ("id", "due", "at") else task.attrs.get(name)

    def texts(self, item: Any) -> list[str]:
        return [item.task.title, item.record_title, item.task.note]
