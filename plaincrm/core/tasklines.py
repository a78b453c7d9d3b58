"""Task lines: the grammar, the ``## Tasks`` section, and minimal edits.

A task is a Markdown checklist item at the start of a line in the record's
``## Tasks`` section::

    - [ ] Call Anna about the renewal due:2026-11-28 at:09:30 dur:30m id:k3x9mw
    - [x] Send the offer due:2026-11-20 done:2026-11-20 id:a8d2pq
      Result note: she wants 3 licences more, call back in January.

``key:value`` tokens may stand anywhere after the checkbox; the other words
are the title.  Lines indented under a task are its note (the result of a
completed task).  Edits change single tokens of the line, so the rest of the
line (and every other line) keeps its bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .dates import (
    TASK_LONGEST,
    date_problem,
    duration_problem,
    normalize_time,
    parse_duration_minutes,
    parse_iso_date,
)

KEYS = ("due", "at", "dur", "every", "done", "id", "owner")
_TASK_RE = re.compile(r"^[-*+] \[([ xX])\](?:[ \t]+(.*))?$")
_CHECKBOX_RE = re.compile(r"^[-*+] \[[ xX]\][ \t]*")  # a task line's prefix
_TOKEN_RE = re.compile(r"([a-z][a-z_]*):(\S+)")
_HEADING_RE = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t#]*$")
_FENCE_RE = re.compile(r"^[ \t]{0,3}(```|~~~)")
_FENCE_FIRST = frozenset(" \t`~")  # a fence line starts with one of these (checked first: fast)
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


@dataclass
class Task:
    """One task line (and its note) of a record."""

    line: int  # 1-based line in the file
    checked: bool
    title: str
    attrs: dict[str, str] = field(default_factory=dict)  # raw token values
    note: str = ""
    note_lines: int = 0  # how many file lines the note spans (blank ones included)
    problems: list[tuple[int, str]] = field(default_factory=list)
    pos: int = 0  # 1-based position among the record's tasks (REF#N)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def due(self) -> str | None:
        value = self.attrs.get("due")
        return value if value and parse_iso_date(value) else None

    @property
    def at(self) -> str | None:
        value = self.attrs.get("at")
        return normalize_time(value) if value else None

    @property
    def dur(self) -> int | None:
        value = self.attrs.get("dur")
        return (parse_duration_minutes(value, TASK_LONGEST) or None) if value else None

    @property
    def done(self) -> str | None:
        """The completion date, or None for an open task."""
        value = self.attrs.get("done")
        if value and parse_iso_date(value):
            return value
        return None

    @property
    def owner(self) -> str | None:
        return self.attrs.get("owner")

    @property
    def every(self) -> str | None:
        """The repeat rule (``every:``), as typed."""
        return self.attrs.get("every")

    def as_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "done": self.checked,
            "due": self.due,
            "at": self.at,
            "dur": self.dur,
            "done_date": self.done,
            "owner": self.owner,
            "every": self.every,
            "note": self.note,
            "line": self.line,
            "pos": self.pos,
        }


def parse_line(text: str, line_no: int) -> Task | None:
    """The task on a line of the Tasks section, or None when it is no task line."""
    if text[:1] not in _ITEM_FIRST:
        return None
    match = _TASK_RE.match(text.rstrip("\r"))
    if not match:
        return None
    rest = match.group(2) or ""
    attrs: dict[str, str] = {}
    words: list[str] = []
    problems: list[tuple[int, str]] = []
    for word in rest.split():
        if ":" not in word:  # a title word: a token has a ':'
            words.append(word)
            continue
        key, _, value = word.partition(":")  # _TOKEN_RE, without a match to try
        if value:
            if key in _KEY_SET:
                if key in attrs:
                    problems.append((line_no, f"task has '{key}:' twice"))
                attrs[key] = value
                continue
            if value[0] != "/" and _KEY_NAME_RE.fullmatch(key):
                problems.append((line_no, f"unknown task key '{key}:' (known: {', '.join(KEYS)})"))
        words.append(word)
    if attrs:
        known = _TOKEN_MESSAGES
        for pair in attrs.items():
            if pair[0] == "id":  # ids differ from task to task: not remembered
                said = None if ID_RE.match(pair[1]) else _token_message(*pair)
            else:
                said = known[pair] if pair in known else _token_message(*pair)
            if said is not None:  # say them all, in the order token_problems says them
                problems.extend(
                    (line_no, found)
                    for key in _CHECKED_ORDER
                    if key in attrs and (found := _token_message(key, attrs[key])) is not None
                )
                break
    title = " ".join(words)
    if not title:
        problems.append((line_no, "task has no title"))
    return Task(
        line=line_no, checked=match.group(1) != " ", title=title, attrs=attrs, problems=problems
    )


_ITEM_FIRST = frozenset("-*+")
_KEY_SET = frozenset(KEYS)
_KEY_NAME_RE = re.compile(r"[a-z][a-z_]*")  # the key of a token (``_TOKEN_RE``)
_CHECKED_ORDER = ("due", "done", "at", "dur", "every", "id")  # the order token_problems says
_TOKEN_MESSAGES: dict[tuple[str, str], str | None] = {}  # (key, value) -> its problem


def _token_message(key: str, value: str) -> str | None:
    """What is wrong with one token's value (``token_problems``), remembered: the same
    dates, times and durations come back in thousands of task lines."""
    pair = (key, value)
    try:
        return _TOKEN_MESSAGES[pair]
    except KeyError:
        pass
    found = token_problems({key: value}, 0)
    said = found[0][1] if found else None
    if len(_TOKEN_MESSAGES) >= 100_000:
        _TOKEN_MESSAGES.clear()
    _TOKEN_MESSAGES[pair] = said
    return said


READ_TOKENS = frozenset(("due", "at", "dur", "done"))  # tokens read as values: a bad one is lost
_readable: set[tuple[str, str]] = set()  # (key, value) pairs known to read well


def has_unreadable_token(attrs: dict[str, str]) -> bool:
    """Whether a due/at/dur/done token's value cannot be read (the task is read without
    it).  Fast: a value once read well is remembered."""
    for pair in attrs.items():
        if pair[0] in READ_TOKENS and pair not in _readable:
            if token_problems(dict([pair]), 0):
                return True
            _readable.add(pair)
    return False


def token_problems(attrs: dict[str, str], line_no: int) -> list[tuple[int, str]]:
    """The tokens of a task line whose value cannot be read (the task is read without
    them): ``(line, 'due:2026-13-01 is not a date (use YYYY-MM-DD)')``."""
    problems = []
    for key in ("due", "done"):
        if key in attrs and parse_iso_date(attrs[key]) is None:
            problems.append((line_no, f"{key}:{attrs[key]} {date_problem(attrs[key])}"))
    if "at" in attrs and normalize_time(attrs["at"]) is None:
        problems.append((line_no, f"at:{attrs['at']} is not a time (use HH:MM)"))
    if "dur" in attrs:
        wrong = duration_problem(attrs["dur"], TASK_LONGEST)
        if wrong:
            problems.append((line_no, f"dur:{attrs['dur']} {wrong}"))
    if "every" in attrs:
        from .recurrence import problem

        said = problem(attrs["every"])
        if said:
            problems.append((line_no, said))
    if "id" in attrs and not ID_RE.match(attrs["id"]):
        problems.append(
            (line_no, f"id:{attrs['id']} is not a valid id (lowercase letters, digits, '-')")
        )
    return problems


@dataclass
class Section:
    """Where a level-2 section of the body lies: 0-based indices into the file's lines."""

    heading: int  # index of the heading line
    end: int  # index of the first line after the section


def find_section(lines: list[str], name: str, start: int = 0) -> Section | None:
    """The ``## name`` section (case-insensitive) among ``lines[start:]``.

    Headings inside a fenced code block don't count.  A fence indented under a
    list item (a task's note) ends with that item, at the first line indented
    less than the fence, as in Markdown: a note holding an unclosed fence does
    not hide the rest of the file.  A closing fence ends it at any indent (as
    people write it, though Markdown would open another)."""
    fenced = False
    fence_indent = 0  # > 0: the open fence is in a list item, ended by a line indented less
    in_item = False  # the lines so far belong to a list item
    found: int | None = None
    for i in range(start, len(lines)):
        line = lines[i]
        first = line[:1]
        is_fence = first in _FENCE_FIRST and _FENCE_RE.match(line) is not None
        if fence_indent and fenced and line.strip() and not is_fence:
            fenced = len(line) - len(line.lstrip()) >= fence_indent
        if is_fence:  # a fence closes the open one, however far it is indented
            fenced = not fenced
            fence_indent = len(line) - len(line.lstrip()) if fenced and in_item else 0
            continue
        if fenced:
            continue
        if first in "-*+" and line[1:2] in (" ", "\t"):
            in_item = True
        elif first and first not in " \t\r":
            in_item = False
        if first != "#":
            continue
        match = _HEADING_RE.match(line.rstrip("\r"))
        if not match:
            continue
        level = len(match.group(1))
        if found is not None and level <= 2:
            return Section(found, i)
        if found is None and level == 2 and match.group(2).strip().lower() == name.lower():
            found = i
    if found is None:
        return None
    return Section(found, len(lines))


def parse_section(lines: list[str], section: Section, base: int = 0) -> list[Task]:
    """The tasks of a section; ``lines`` are the file's lines (without newlines), or those
    from the file's line ``base + 1`` on."""
    tasks: list[Task] = []
    current: Task | None = None
    note: list[str] = []
    i = section.heading + 1
    end = section.end
    while i < end:
        line = lines[i]
        if line[-1:] == "\r":
            line = line.rstrip("\r")
        task = parse_line(line, base + i + 1)
        if task is not None:
            _finish(current, note)
            task.pos = len(tasks) + 1
            tasks.append(task)
            current, note = task, []
            i += 1
            continue
        if current is not None and line[:1] in (" ", "\t") and line.strip():
            note.append(line)
            current.note_lines = base + i + 1 - current.line
        elif current is not None and not line.strip():
            nxt = i + 1
            while nxt < end and not lines[nxt].strip():
                nxt += 1
            if nxt < end and lines[nxt][:1] in (" ", "\t"):
                note.append("")
            else:
                _finish(current, note)
                current, note = None, []
        elif current is not None:
            _finish(current, note)
            current, note = None, []
        i += 1
    _finish(current, note)
    return tasks


def _finish(task: Task | None, note: list[str]) -> None:
    if task is None or not note:
        return
    indent = min(len(line) - len(line.lstrip(" \t")) for line in note if line.strip())
    task.note = "\n".join(line[indent:].rstrip() if line.strip() else "" for line in note)


def parse_tasks(lines: list[str]) -> list[Task]:
    section = find_section(lines, "Tasks")
    return parse_section(lines, section) if section else []


# A heading line, found in a whole text at once (``_HEADING_RE`` on each line, the
# line's trailing \r cut).
_HEADING_LINE_RE = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t#]*\r*$", re.M)


@dataclass
class Span:
    """Where a level-2 section lies in a file's text: ``heading`` is the 0-based index
    of its heading line; ``text`` runs from that line to the end of its last line."""

    heading: int
    text: str


def plain_sections(text: str) -> dict[str, Span] | None:
    """Each level-2 section of ``text`` (by its name in lower case, the first of a name
    only) as ``find_section`` finds it; None when the text may hold a fenced code block
    (a fence hides headings: then ask ``find_section``).  One search of the text for
    heading lines instead of a look at every line."""
    if "```" in text or "~~~" in text:
        return None
    found: dict[str, Span] = {}
    line = 0
    last = 0
    opened: tuple[str, int, int] | None = None  # name, heading index, offset
    heading = _HEADING_LINE_RE.match
    for start in _hash_lines(text):
        match = heading(text, start)
        if match is None:
            continue
        level = len(match.group(1))
        if level > 2:
            continue
        line += text.count("\n", last, start)
        last = start
        if opened is not None:
            name, index, offset = opened
            found[name] = Span(index, text[offset : start - 1])
            opened = None
        if level == 2:
            name = match.group(2).strip().lower()
            if name not in found:
                opened = (name, line, start)
    if opened is not None:
        name, index, offset = opened
        found[name] = Span(index, text[offset:])
    return found


def _hash_lines(text: str) -> Iterator[int]:
    """The offsets of the lines of ``text`` that start with ``#``."""
    if text[:1] == "#":
        yield 0
    at = text.find("\n#")
    while at >= 0:
        yield at + 1
        at = text.find("\n#", at + 1)


def span_tasks(span: Span) -> list[Task]:
    """The tasks of the section ``span`` (``plain_sections``), as ``parse_tasks`` reads
    them."""
    lines = span.text.split("\n")
    return parse_section(lines, Section(0, len(lines)), span.heading)


# ---------------------------------------------------------------- editing


def set_token(line: str, key: str, value: str | None) -> str:
    """Set, replace or (with None) remove one ``key:value`` token of a task line."""
    eol = "\r" if line.endswith("\r") else ""
    body = line[: len(line) - len(eol)]
    checkbox = _CHECKBOX_RE.match(body)
    end = checkbox.end() if checkbox else 0
    prefix, rest = body[:end], body[end:]
    if checkbox and not prefix[-1].isspace():
        prefix += " "  # "- [ ]" with no title yet
    for match in _TOKEN_RE.finditer(rest):
        if match.group(1) != key:
            continue
        start, end = match.start(), match.end()
        if (start and not rest[start - 1].isspace()) or (
            end < len(rest) and not rest[end].isspace()
        ):
            continue
        if value is None:
            left = rest[:start].rstrip(" \t")
            right = rest[end:] if left else rest[end:].lstrip(" \t")
            return prefix + left + right + eol
        return prefix + rest[:start] + f"{key}:{value}" + rest[end:] + eol
    if value is None:
        return line
    stripped = rest.rstrip(" \t")
    if key != "id":
        id_match = re.search(r"(^|\s)id:\S+", stripped)
        if id_match:
            at = id_match.start() + len(id_match.group(1))
            return prefix + stripped[:at] + f"{key}:{value} " + stripped[at:] + eol
    separator = " " if stripped else ""
    return prefix + stripped + separator + f"{key}:{value}" + eol


def set_title(line: str, title: str) -> str:
    """A task line with ``title`` for its title words; its box and its tokens stay
    (in their order, after the title)."""
    eol = "\r" if line.endswith("\r") else ""
    body = line[: len(line) - len(eol)]
    checkbox = _CHECKBOX_RE.match(body)
    end = checkbox.end() if checkbox else 0
    tokens = [
        word
        for word in body[end:].split()
        if (token := _TOKEN_RE.fullmatch(word)) and token.group(1) in KEYS
    ]
    return " ".join([body[:end].rstrip(" \t"), title, *tokens]) + eol


def set_checked(line: str, checked: bool) -> str:
    return line[:3] + ("x" if checked else " ") + line[4:]


def render_line(title: str, attrs: dict[str, str], checked: bool = False) -> str:
    tokens = [f"{key}:{attrs[key]}" for key in KEYS if attrs.get(key)]
    box = "x" if checked else " "
    return " ".join([f"- [{box}] {title}", *tokens])


def note_lines(note: str, indent: str = "  ") -> list[str]:
    """A result note as the indented lines written under its task."""
    out = []
    for line in note.strip("\n").splitlines():
        out.append(indent + line.rstrip() if line.strip() else "")
    return out
