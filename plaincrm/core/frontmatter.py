"""YAML front matter: split, read as typed text, and edit with minimal diffs.

Reading.  Values come back as the text the user typed: every scalar is a
``str`` (or ``None`` for an empty/``null``/``~`` plain scalar), sequences are
lists and mappings dicts.  Nothing is resolved the YAML 1.1 way, so ``NO``,
``0123`` and ``10:00`` stay exactly those strings; the record schema decides
later which fields are numbers or dates (``model.coerce``).  Two readers give
the same result: a line scanner for the simple shapes nearly every record has
(``key: scalar``, flow lists, block lists of scalars or of flat mappings), and
PyYAML's composer (the C one when installed) for everything else.

Writing.  ``set_fields`` changes top-level keys by replacing only the span of
text that holds the old value, so comments, key order, quoting and unknown
keys survive and a one-field change is a one-line diff.  ``append_items``
adds items to a block list as lines of their own, leaving the lines there
alone.  ``render_scalar`` quotes any text that a YAML 1.1 or 1.2 reader could
mistake for a number, boolean, date, time or null.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # PyYAML is imported only when a file needs the full reader or an edit
    import yaml

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})

_KEY_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?=[ \t]|$)")
_PLAIN_FIRST_BAD = set(",[]{}#&*!|>'\"%@`")
_FLOW_ITEM_BAD = set("[]{}#'\"&*!|>%@`,")


class FrontError(Exception):
    """The front matter cannot be read; ``line`` is 1-based in the file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Split:
    """A Markdown file cut into BOM, front matter and body."""

    bom: str
    front: str | None  # the text between the --- lines, None without front matter
    front_start: int  # offset of the front text in the whole file text
    front_line: int  # 1-based line number of the first front matter line
    body_start: int  # offset of the body in the whole file text
    body_line: int  # 1-based line number of the first body line


def split(text: str) -> Split:
    """Cut ``text`` into front matter and body; a missing closing line is an error."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    start = len(bom)
    first_end = text.find("\n", start)
    first = text[start : first_end if first_end >= 0 else len(text)].rstrip("\r")
    if first.rstrip() != "---":
        return Split(bom, None, start, 1, start, 1)
    if first_end < 0:  # the opening line is all there is
        raise FrontError(1, "the front matter is not closed: add a line '---' after it")
    pos = first_end + 1
    while True:  # pos: the start of a line; only lines that start so are looked at
        if text.startswith(_CLOSERS, pos):
            end = text.find("\n", pos)
            if not text[pos + 3 : end if end >= 0 else len(text)].strip():
                body_start = end + 1 if end >= 0 else len(text)
                front = text[first_end + 1 : pos]
                body_line = text.count("\n", 0, pos) + 2
                return Split(bom, front, first_end + 1, 2, body_start, body_line)
        dashes, dots = text.find("\n---", pos), text.find("\n...", pos)
        if dashes < 0 and dots < 0:
            break
        pos = (dots if dashes < 0 or 0 <= dots < dashes else dashes) + 1
    raise FrontError(1, "the front matter is not closed: add a line '---' after it")


_CLOSERS = ("---", "...")


@dataclass
class Front:
    """Front matter values with the 1-based file line of every key and item.

    ``lines`` maps a dotted path (``phone``, ``contacts.0``, ``contacts.0.email``)
    to its line.
    """

    values: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def line_of(lines: dict[str, int], dotted: str) -> int:
    """The line of the dotted path in ``lines`` (``Front.lines``), or of its nearest
    parent; 1 when neither is known."""
    parts = dotted.split(".")
    while parts:
        line = lines.get(".".join(parts))
        if line:
            return line
        parts.pop()
    return 1


# the characters YAML allows in a file (PyYAML's NON_PRINTABLE, negated)
_UNPRINTABLE_RE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def load(front: str, first_line: int) -> Front:
    """Read front matter text; ``first_line`` is the file line of its first line.  A
    character YAML does not allow (a control character) makes it unreadable, whichever
    reader reads it: the line scanner took what the YAML of an edit then refused."""
    refuse_unprintable(front, first_line)
    fast = scan_simple(front, first_line)
    if fast is not None:
        return fast
    return load_full(front, first_line)


def refuse_unprintable(front: str, first_line: int) -> None:
    """A ``FrontError`` at the first character of ``front`` YAML does not allow."""
    bad = _UNPRINTABLE_RE.search(front)
    if bad is not None:
        code = ord(bad.group())
        raise FrontError(
            first_line + front.count("\n", 0, bad.start()),
            f"a control character (U+{code:04X}) is not allowed in the front matter: "
            f'remove it (in double quotes, "\\u{code:04x}" writes it)',
        )


# ---------------------------------------------------------------- full reader


MAX_DEPTH = 100  # levels of nesting a front matter may have (lists in mappings in lists ...)
MAX_REPEATED = 10_000  # values that aliases (``*name``) may repeat in a front matter
_FLOW_RE = re.compile(r"[\[\]{}]")
# a line "key: <one quoted scalar>": whatever brackets the quotes hold are text
_QUOTED_VALUE_RE = re.compile(
    r"""^[ \t]*[^\s"'\[\]{}#,:-][^:"'\[\]{}#]*:[ \t]+(?:"(?:[^"\\]|\\.)*"|'(?:[^']|'')*')[ \t]*$"""
)
_COMPACT_RE = re.compile(r"(?:[-?][ \t]+)+")  # "- - - x": a list in a list in a list


def nesting_bound(front: str) -> tuple[int, int]:
    """At least how deep ``front`` nests (more where a plain scalar, or a quoted one that
    is not a line's whole value, holds brackets), and the
    0-based line where it is deepest: a line's indent, its leading ``- `` marks and the
    brackets open on it.  Measured before YAML reads the text, since reading deep
    nesting takes every stack there is (libyaml crashes)."""
    worst, where = 0, 0
    flow = 0
    for number, line in enumerate(front.split("\n")):
        stripped = line.lstrip(" \t")
        marks = _COMPACT_RE.match(stripped)
        here = len(line) - len(stripped) + (marks.group().count("-") if marks else 0)
        deepest = flow
        brackets = _FLOW_RE.findall(line)
        if brackets and _QUOTED_VALUE_RE.match(line):  # key: "[[[": text, no nesting
            brackets = []
        for bracket in brackets:
            flow = flow + 1 if bracket in "[{" else max(0, flow - 1)
            deepest = max(deepest, flow)
        if here + deepest > worst:
            worst, where = here + deepest, number
    return worst, where


def _compose(front: str, first_line: int) -> yaml.Node | None:
    import yaml

    depth, line = nesting_bound(front)
    if depth > MAX_DEPTH:
        raise FrontError(
            first_line + line,
            f"the front matter nests deeper than {MAX_DEPTH} levels (or is indented that "
            "far): flatten it",
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(front, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark  # where the broken construct starts
        line = first_line + (mark.line if mark else 0)
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise FrontError(line, f"YAML does not parse: {problem}{context}") from None
    except yaml.YAMLError as exc:
        raise FrontError(first_line, f"YAML does not parse: {exc}") from None
    if node is not None:
        _check_aliases(node, first_line)
    return node


def _check_aliases(root: yaml.Node, first_line: int) -> None:
    """Refuse, before anything is expanded, aliases that name their own anchor (``x: &a
    [*a]``: endless) or repeat more than ``MAX_REPEATED`` values ("billion laughs": a few
    lines that expand to gigabytes).  An alias is the node of its anchor, met again."""

    sizes: dict[int, int] = {}  # node -> how many nodes it expands to
    open_nodes: set[int] = set()
    distinct = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise FrontError(
                first_line + node.start_mark.line,
                "an alias (*name) refers to the value that holds it, which never ends: "
                "write the value out",
            )
        distinct += 1
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    if sizes[id(root)] - distinct > MAX_REPEATED:
        raise FrontError(
            first_line,
            f"aliases (*name) repeat {sizes[id(root)] - distinct} values, more than "
            f"{MAX_REPEATED}: write the values out",
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def load_full(front: str, first_line: int) -> Front:
    import yaml

    node = _compose(front, first_line)
    result = Front()
    if node is None:
        return result
    if not isinstance(node, yaml.MappingNode):
        raise FrontError(
            first_line + node.start_mark.line,
            "the front matter must be a mapping of 'key: value' lines",
        )
    result.values = _convert(node, "", first_line, result.lines)
    return result


def _scalar_value(node: yaml.ScalarNode, first_line: int = 1) -> str | None:
    if not node.style and node.value in NULL_WORDS:
        return None
    text = str(node.value)
    if "\0" in text or (not text.isprintable() and _has_surrogate(text)):
        raise FrontError(
            first_line + node.start_mark.line,
            "an escape (\\0, \\uD800 ...) makes a character that is no text: remove it",
        )
    return text


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _convert(node: yaml.Node, path: str, first_line: int, lines: dict[str, int]) -> Any:
    import yaml

    if isinstance(node, yaml.ScalarNode):
        return _scalar_value(node, first_line)
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, child in enumerate(node.value):
            child_path = f"{path}.{i}" if path else str(i)
            lines[child_path] = first_line + child.start_mark.line
            items.append(_convert(child, child_path, first_line, lines))
        return items
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode) or _scalar_value(key_node, first_line) is None:
            raise FrontError(line, "a key must be plain text")
        key = str(key_node.value)
        if key in mapping:
            raise FrontError(line, f"duplicate key '{key}'")
        child_path = f"{path}.{key}" if path else key
        lines[child_path] = line
        mapping[key] = _convert(value_node, child_path, first_line, lines)
    return mapping


# ---------------------------------------------------------------- fast reader


class _Fallback(Exception):
    """The line scanner met a shape it does not handle; use the full reader."""


def _cut_comment(text: str) -> str:
    """Drop a trailing ``# comment`` (YAML needs white space before the #)."""
    if "#" not in text:
        return text.rstrip(" \t")
    for i, char in enumerate(text):
        if char == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip(" \t")
    return text.rstrip(" \t")


def _inline(rest: str) -> tuple[bool, Any]:
    """Parse a value written on the key's line: (present, value)."""
    text = rest.strip(" \t")
    if not text or text.startswith("#"):
        return False, None
    first = text[0]
    if first == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[1:end]:
            raise _Fallback
        _after_quoted(text, end)
        return True, text[1:end]
    if first == "'":
        out = []
        i = 1
        while True:
            j = text.find("'", i)
            if j < 0:
                raise _Fallback
            out.append(text[i:j])
            if text[j + 1 : j + 2] == "'":
                out.append("'")
                i = j + 2
                continue
            _after_quoted(text, j)
            return True, "".join(out)
    if first == "[":
        close = text.find("]")
        if close < 0:
            raise _Fallback
        _after_quoted(text, close)
        inner = text[1:close].strip(" \t")
        if not inner:
            return True, []
        items = []
        for raw in inner.split(","):
            item = raw.strip(" \t")
            if not item or any(c in _FLOW_ITEM_BAD for c in item) or ": " in item:
                raise _Fallback
            if item.endswith(":"):  # [end:] is a mapping in YAML
                raise _Fallback
            if item[0] in "-?:" and (len(item) == 1 or item[1] in " \t"):
                raise _Fallback
            items.append(None if item in NULL_WORDS else item)
        return True, items
    return True, _plain(text)


def _after_quoted(text: str, end: int) -> None:
    after = text[end + 1 :]
    if after.strip(" \t") and not (after[0] in " \t" and after.lstrip(" \t").startswith("#")):
        raise _Fallback


def _plain(text: str) -> str | None:
    first = text[0]
    if first in _PLAIN_FIRST_BAD:
        raise _Fallback
    if first in "-?:" and (len(text) == 1 or text[1] in " \t"):
        raise _Fallback
    value = _cut_comment(text)
    if ": " in value or ":\t" in value or value.endswith(":") or "\t" in value:
        raise _Fallback
    return None if value in NULL_WORDS else value


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


# What YAML reads differently from a line scanner: what its reader refuses (control
# characters, surrogates, U+FFFE/U+FFFF), the line breaks it knows besides \n and \r
# (U+0085, U+2028, U+2029), a BOM.
_ODD = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff"
_ODD_CHAR_RE = re.compile(f"[{_ODD}]")
# The line of nearly every field, ``key: text`` or ``key: "text"``: a plain value that
# starts with none of YAML's indicators and holds no ``#`` or tab (nor ``: ``, nor a
# final ``:``, tested after), or a double-quoted one without escapes; no odd character.
_SCALAR = (
    r"([A-Za-z_][A-Za-z0-9_-]*): +"
    rf"(?:\"([^\"\\{_ODD}\r\n]*)\" *|([^ \t\r\n,\[\]{{}}#&*!|>'\"%@`?:~{_ODD}-][^\t\r\n#{_ODD}]*))"
)
_SCALAR_LINE_RE = re.compile(_SCALAR)
_SCALAR_LINES_RE = re.compile(rf"^{_SCALAR}\r?$", re.M)


def scan_simple(front: str, first_line: int) -> Front | None:
    """Read the simple shapes of front matter line by line, or None to fall back."""
    found = _SCALAR_LINES_RE.findall(front)
    if found and len(found) == front.count("\n") and front[-1:] == "\n":
        simple = _scalars(found, first_line)  # every line is a scalar field: one search
        if simple is not None:
            return simple
    if _ODD_CHAR_RE.search(front) is not None:
        return None
    if "\r" in front and front.count("\r") != front.count("\r\n"):
        return None  # a carriage return within a line: a line break to YAML
    try:
        return _scan(front.split("\n"), first_line)
    except _Fallback:
        return None


def _scalars(found: list[tuple[str, str, str]], first_line: int) -> Front | None:
    """The front matter of ``key: scalar`` lines only (``_SCALAR_LINES_RE``); None when
    one is not that simple after all."""
    result = Front()
    values = result.values
    line_map = result.lines
    for line, (key, quoted, plain) in enumerate(found, first_line):
        if key in values:
            return None
        if plain:
            if ":" in plain and (": " in plain or plain.rstrip(" ")[-1] == ":"):
                return None
            if plain[-1] == " ":
                plain = plain.rstrip(" ")
            values[key] = None if plain in NULL_WORDS else plain
        else:
            values[key] = quoted
        line_map[key] = line
    return result


def _scan(raw_lines: list[str], first_line: int) -> Front:
    lines = raw_lines
    if any(line.endswith("\r") for line in lines):
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    result = Front()
    values = result.values
    line_map = result.lines
    scalar = _SCALAR_LINE_RE.fullmatch
    i = 0
    count = len(lines)
    while i < count:
        line = lines[i]
        fast = scalar(line)
        if fast is not None:
            key, quoted, plain = fast.groups()
            if key in values:
                raise _Fallback
            if quoted is not None:
                values[key] = quoted
                line_map[key] = first_line + i
                i += 1
                continue
            if ":" not in plain or not (": " in plain or plain.rstrip(" ")[-1] == ":"):
                if plain[-1] == " ":
                    plain = plain.rstrip(" ")
                values[key] = None if plain in NULL_WORDS else plain
                line_map[key] = first_line + i
                i += 1
                continue
        stripped = line.strip(" ")
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        if "\t" in line[: _indent(line) + 1] or line[0] == " ":
            raise _Fallback
        match = _KEY_RE.match(line)
        if not match:
            raise _Fallback
        key = match.group(1)
        if key in result.values:
            raise _Fallback
        result.lines[key] = first_line + i
        present, value = _inline(line[match.end() :])
        i += 1
        if present:
            result.values[key] = value
            if isinstance(value, list):
                for n in range(len(value)):
                    result.lines[f"{key}.{n}"] = first_line + i - 1
            continue
        i, result.values[key] = _block(lines, i, key, first_line, result.lines)
    return result


def _block(
    lines: list[str], i: int, key: str, first_line: int, line_map: dict[str, int]
) -> tuple[int, Any]:
    """Read the block list under ``key:`` starting at line ``i``."""
    items: list[Any] = []
    item_indent = -1
    count = len(lines)
    while i < count:
        line = lines[i]
        stripped = line.strip(" ")
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        indent = _indent(line)
        if "\t" in line[: indent + 1]:
            raise _Fallback
        if not (stripped.startswith("- ") or stripped == "-"):
            if indent == 0 or item_indent < 0:
                break
            raise _Fallback
        if item_indent < 0:
            item_indent = indent
        elif indent != item_indent:
            if indent == 0:
                break
            raise _Fallback
        content = stripped[2:] if stripped != "-" else ""
        if "\t" in content[: len(content) - len(content.lstrip(" \t"))]:
            raise _Fallback  # a tab cannot start a token after "- " (libyaml)
        path = f"{key}.{len(items)}"
        line_map[path] = first_line + i
        i += 1
        match = _KEY_RE.match(content)
        if match:
            i, mapping = _item_mapping(
                lines, i, content, item_indent + 2, path, first_line, line_map
            )
            items.append(mapping)
            continue
        present, value = _inline(content)
        if not present:
            raise _Fallback
        if isinstance(value, list):
            raise _Fallback
        items.append(value)
    if item_indent < 0:
        return i, None
    return i, items


def _item_mapping(
    lines: list[str],
    i: int,
    first: str,
    indent: int,
    path: str,
    first_line: int,
    line_map: dict[str, int],
) -> tuple[int, dict[str, Any]]:
    mapping: dict[str, Any] = {}
    entries = [(first, i - 1)]
    while i < len(lines):
        line = lines[i]
        stripped = line.strip(" ")
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        if _indent(line) != indent or "\t" in line[: indent + 1]:
            if _indent(line) > indent:
                raise _Fallback
            break
        entries.append((stripped, i))
        i += 1
    for text, line_no in entries:
        match = _KEY_RE.match(text)
        if not match or match.group(1) in mapping:
            raise _Fallback
        present, value = _inline(text[match.end() :])
        if isinstance(value, list):
            raise _Fallback
        mapping[match.group(1)] = value if present else None
        line_map[f"{path}.{match.group(1)}"] = first_line + line_no
    return i, mapping


# ---------------------------------------------------------------- writing

_BOOLISH = frozenset(["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"])


def plain_safe(text: str) -> bool:
    """True when ``text`` written unquoted reads back as the same text in any YAML reader."""
    if not text or text != text.strip() or any(c in text for c in "\n\r\t"):
        return False
    first = text[0]
    if first in _PLAIN_FIRST_BAD or first in "-?:+." or first.isdigit():
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    if text.lower() in _BOOLISH or text.lower() in (".inf", ".nan", "<<", "="):
        return False
    return text.isprintable()


# what no YAML file may hold, or YAML reads as a line break: written as escapes
_NOT_YAML_RE = re.compile("[\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def quote_double(text: str) -> str:
    """``text`` double-quoted: JSON's escapes, and YAML's for the characters JSON leaves as
    they are but no YAML file may hold or YAML reads as a line break (DEL, the C1
    controls: a pasted \x94 made the file unreadable; NEL, U+2028, U+2029)."""
    quoted = json.dumps(text, ensure_ascii=False)
    return _NOT_YAML_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)


def quote_single(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def render_scalar(value: Any, style: str | None = None) -> str:
    """Render one scalar; ``style`` (``'`` or ``"``) keeps the quoting of a value it replaces."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, Decimal)):
        return format_number(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if style == "'" and text.isprintable():
        return quote_single(text)
    if style == '"' or not plain_safe(text):
        return quote_double(text)
    return text


def format_number(value: int | float | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return str(value)


def render_value_lines(key: str, value: Any, indent: int = 2) -> list[str]:
    """``key: value`` as lines; short text lists flow style, lists of mappings block style."""
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return [f"{key}: [{', '.join(_flow_item(v) for v in value)}]"]
        out = [f"{key}:"]
        pad = " " * indent
        for item in value:
            if isinstance(item, dict):
                first = True
                for k, v in item.items():
                    if v is None:
                        continue
                    prefix = f"{pad}- " if first else f"{pad}  "
                    out.append(f"{prefix}{k}: {render_scalar(v)}")
                    first = False
                if first:
                    out.append(f"{pad}- {{}}")
            else:
                out.append(f"{pad}- {render_scalar(item)}")
        return out
    return [f"{key}: {render_scalar(value)}"]


def _flow_item(value: Any) -> str:
    text = render_scalar(value)
    if any(c in _FLOW_ITEM_BAD for c in text) and not text.startswith('"'):
        return quote_double(str(value))
    return text


def render_front(values: dict[str, Any]) -> str:
    """Front matter text (without the --- lines) for a new record; ``None`` values are left out."""
    out: list[str] = []
    for key, value in values.items():
        if value is None or value == []:
            continue
        out.extend(render_value_lines(key, value))
    return "".join(line + "\n" for line in out)


def _end_mark(node: yaml.Node) -> yaml.Mark:
    """Where a value's own text ends (a block collection's mark runs on to the next token)."""
    import yaml

    while isinstance(node, (yaml.SequenceNode, yaml.MappingNode)) and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark


def _line_end(text: str, index: int) -> int:
    """Offset just after the newline that ends the line containing ``index``."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def set_fields(text: str, changes: dict[str, Any]) -> str:
    """Set (or, with ``None``, remove) top-level keys of a file's front matter.

    Only the text of each changed value is replaced; a new key is added as a
    line at the end of the front matter.
    """
    for key, value in changes.items():
        text = _set_one(text, key, value)
    return text


def _set_one(text: str, key: str, value: Any) -> str:
    import yaml

    parts = split(text)
    if parts.front is None:
        raise FrontError(1, "the file has no front matter")
    node = _compose(parts.front, parts.front_line)
    base = parts.front_start
    nl = newline_of(text)
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    for key_node, value_node in pairs:
        if key_node.value != key:
            continue
        line_start = base + key_node.start_mark.index - key_node.start_mark.column
        end_mark = _end_mark(value_node)
        value_end = base + end_mark.index
        if value is None:
            end = value_end if end_mark.column == 0 else _line_end(text, value_end)
            return text[:line_start] + text[end:]
        simple_old = isinstance(value_node, yaml.ScalarNode) and value_node.style in (
            "",
            None,
            "'",
            '"',
        )
        one_line = value_node.start_mark.line == value_node.end_mark.line
        if simple_old and one_line and not isinstance(value, (list, dict)):
            rendered = render_scalar(value, value_node.style or None)
            if value_node.value == "" and not value_node.style:
                colon = text.index(":", base + key_node.end_mark.index)
                return text[: colon + 1] + " " + rendered + text[colon + 1 :]
            start = base + value_node.start_mark.index
            return text[:start] + rendered + text[base + value_node.end_mark.index :]
        key_text = text[base + key_node.start_mark.index : base + key_node.end_mark.index]
        indent = 2
        if isinstance(value_node, yaml.SequenceNode) and value_node.flow_style is False:
            indent = value_node.start_mark.column
            if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
                lines = [f"{key_text}:"] + [f"{' ' * indent}- {render_scalar(v)}" for v in value]
                return _replace_lines(text, line_start, value_end, end_mark.column, lines, nl)
        lines = render_value_lines(key_text, value, indent or 2)
        return _replace_lines(text, line_start, value_end, end_mark.column, lines, nl)
    if value is None:
        return text
    lines = render_value_lines(key, value)
    insert_at = parts.front_start + len(parts.front)
    addition = "".join(line + nl for line in lines)
    if parts.front and not parts.front.endswith("\n"):
        addition = nl + addition
    return text[:insert_at] + addition + text[insert_at:]


def append_items(text: str, key: str, items: list[Any]) -> str | None:
    """Add scalar ``items`` at the end of the block list under the top-level ``key``.

    Each item becomes a ``- item`` line of its own at the list's indent, right
    after the last item's line, so the lines already there (and their
    comments) are untouched.  None when ``key`` holds no such list (missing, a
    flow list ``[a, b]``, another value, or a list whose items are not
    one-line scalars): then set the whole list with ``set_fields``.
    """
    import yaml

    if not items or any(isinstance(item, (dict, list)) for item in items):
        return None
    parts = split(text)
    if parts.front is None:
        raise FrontError(1, "the file has no front matter")
    node = _compose(parts.front, parts.front_line)
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    value_node = next((v for k, v in pairs if k.value == key), None)
    if not isinstance(value_node, yaml.SequenceNode) or value_node.flow_style is not False:
        return None
    if not value_node.value or not all(
        isinstance(item, yaml.ScalarNode)
        and item.style in ("", None, "'", '"')
        and item.start_mark.line == item.end_mark.line
        for item in value_node.value
    ):
        return None
    nl = newline_of(text)
    pad = " " * value_node.start_mark.column
    at = _line_end(text, parts.front_start + value_node.value[-1].end_mark.index)
    added = "".join(f"{pad}- {render_scalar(item)}{nl}" for item in items)
    return text[:at] + added + text[at:]


def remove_items(text: str, key: str, items: list[Any]) -> str | None:
    """Remove the ``- item`` lines of ``items`` from the block list under the
    top-level ``key``; the other lines (and their comments) stay as they are.

    None when ``key`` holds no block list of one-line scalars, or when no item
    would be left: then set the whole list (or remove it) with ``set_fields``.
    """
    import yaml

    parts = split(text)
    if parts.front is None:
        raise FrontError(1, "the file has no front matter")
    node = _compose(parts.front, parts.front_line)
    pairs = node.value if isinstance(node, yaml.MappingNode) else []
    value_node = next((v for k, v in pairs if k.value == key), None)
    if not isinstance(value_node, yaml.SequenceNode) or value_node.flow_style is not False:
        return None
    nodes = value_node.value
    if not all(
        isinstance(item, yaml.ScalarNode)
        and item.style in ("", None, "'", '"')
        and item.start_mark.line == item.end_mark.line
        for item in nodes
    ):
        return None
    gone = [item for item in nodes if item.value in {str(i) for i in items}]
    if len(gone) == len(nodes):
        return None
    for item in reversed(gone):
        at = parts.front_start + item.start_mark.index
        start = text.rfind("\n", 0, at) + 1
        text = text[:start] + text[_line_end(text, at) :]
    return text


def _replace_lines(
    text: str, start: int, value_end: int, end_column: int, lines: list[str], nl: str
) -> str:
    end = value_end if end_column == 0 else _line_end(text, value_end)
    trailing = text[value_end:end].rstrip("\r\n")
    comment = trailing.strip()
    rendered = nl.join(lines)
    if comment.startswith("#") and end_column != 0:
        rendered += " " + comment
    return text[:start] + rendered + nl + text[end:]
