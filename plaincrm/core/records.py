"""Parse a record file, and edit its text without touching unrelated bytes.

``parse_record`` is the one reader of record files: front matter (through
``frontmatter``), tasks (through ``tasklines``) and the ``## Log`` section.  The edit
functions take the file's text and return the new text; they never re-render
what they did not change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from . import ids, tasklines
from .dates import date_problem, normalize_time, parse_iso_date
from .errors import Problem
from .frontmatter import FrontError, load, newline_of, render_front, split
from .mailentries import has_mail, parse_mail
from .model import LogEntry, Record, RecordType, coerce_fields

CONFLICT_RE = re.compile(r"^(<{7,}|>{7,})( |$)|^={7}$")  # 7: git's default marker size
_OPENING_RE = re.compile(r"^<{7,}( |$)")
_CLOSING_RE = re.compile(r"^>{7,}( |$)")
_MIDDLE_RE = re.compile(r"^(={7,}|\|{7,}( .*)?)$")  # ======= (and diff3's ||||||| base)
# a log line; its text is group 4 without its trailing white space
_LOG_RE = re.compile(r"[-*] (\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?(?: +([^:\s][^:]*):)? +(.*)")


class ParseFailure(Exception):
    """The file cannot be used as a record at all."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def decode(path: str, data: bytes) -> str:
    """The text of a record file: UTF-8 without NUL bytes (a file holding one is no text,
    and no git command line could carry what it says)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseFailure(
            Problem(path, line, "the file is not UTF-8 text (save it as UTF-8 in your editor)")
        ) from None
    if "\0" in text:
        line = text.count("\n", 0, text.index("\0")) + 1
        raise ParseFailure(Problem(path, line, "the file holds a NUL byte: it is not text"))
    return text


def parse_record(rtype: RecordType, path: str, text: str) -> Record:
    """Parse a record; raise ``ParseFailure`` when the file is unusable."""
    if "<" * 7 in text or ">" * 7 in text:
        markers = conflict_marker_lines(text)
        if markers:
            raise ParseFailure(
                Problem(path, markers[0], "leftover git conflict marker: resolve the conflict")
            )
    try:
        parts = split(text)
        if parts.front is None:
            raise FrontError(1, "no front matter: the file must start with a '---' line")
        front = load(parts.front, parts.front_line)
    except FrontError as exc:
        raise ParseFailure(Problem(path, exc.line, exc.message)) from None
    fields, coercion = coerce_fields(rtype.name, front.values)
    record = Record(rtype, path, fields, front.lines, body_line=parts.body_line)
    for dotted, message in coercion:
        record.problems.append(Problem(path, record.line_of(dotted), message))
    sections = tasklines.plain_sections(text)
    bad_dates: list[tuple[int, str]] = []
    if sections is None:  # a fenced block: the sections as Markdown hides them
        lines = text.split("\n")
        record.tasks = tasklines.parse_tasks(lines)
        record.log = parse_log(lines, bad_dates)
        if has_mail(text):
            record.mail = parse_mail(lines)
    else:
        span = sections.get("tasks")
        if span is not None:
            record.tasks = tasklines.span_tasks(span)
        span = sections.get("log")
        if span is not None:
            record.log = _log_entries(span.text.split("\n"), 1, span.heading, bad_dates)
        if "mail" in sections and has_mail(text):
            record.mail = parse_mail(text.split("\n"))
    for task in record.tasks:
        if task.problems:
            record.problems.extend(Problem(path, n, msg) for n, msg in task.problems)
    record.problems.extend(Problem(path, n, msg) for n, msg in bad_dates)
    return record


def conflict_marker_lines(text: str, lines: list[str] | None = None) -> list[int]:
    """The numbers of the lines of ``text`` (split into ``lines``) that are git conflict
    markers: every ``<<<<<<<`` and ``>>>>>>>`` line, and the ``=======`` (or ``|||||||``)
    lines between one and the next ``>>>>>>>`` -- elsewhere ``=======`` underlines a
    Markdown heading."""
    if "<" * 7 not in text and ">" * 7 not in text:
        return []
    found: list[int] = []
    middle: list[int] | None = None  # inside a conflict: its ======= lines so far
    for number, raw in enumerate(text.split("\n") if lines is None else lines, 1):
        if raw[:1] not in "<=>|":
            continue
        line = raw.rstrip("\r")
        if _OPENING_RE.match(line):
            found.append(number)
            middle = []
        elif _CLOSING_RE.match(line):
            found += [*(middle or []), number]
            middle = None
        elif middle is not None and _MIDDLE_RE.match(line):
            middle.append(number)
    return sorted(found)


def parse_log(lines: list[str], problems: list[tuple[int, str]] | None = None) -> list[LogEntry]:
    """The dated lines of the ``## Log`` section.  A line whose date (or time) is none
    plaincrm can use (``2026-13-45``) is left out, and said in ``problems`` as
    (line, message) when given."""
    section = tasklines.find_section(lines, "Log")
    if section is None:
        return []
    return _log_entries(lines[: section.end], section.heading + 1, 0, problems)


def _log_entries(
    lines: list[str], start: int, base: int = 0, problems: list[tuple[int, str]] | None = None
) -> list[LogEntry]:
    """The log lines among ``lines[start:]`` (the file's lines from line ``base + 1`` on);
    lines dated with no date plaincrm can use go to ``problems`` (see ``parse_log``)."""
    entries = []
    for index in range(start, len(lines)):
        line = lines[index]
        if line[:1] not in _LOG_FIRST:
            continue
        match = _LOG_RE.match(line.rstrip("\r"))
        if match:
            date, time, who, rest = match.groups()
            if parse_iso_date(date) is None:
                bad = f"log line: {date} {date_problem(date)}"
            elif time is not None and normalize_time(time) is None:
                bad = (  # as a ticket's moments are told
                    f"'{date} {time}' is no moment: expected a date and time like 2026-02-11 09:30"
                )
            else:
                entries.append(LogEntry(date, time, who, rest.rstrip(), base + index + 1))
                continue
            if problems is not None:
                problems.append((base + index + 1, bad))
    return entries


_LOG_FIRST = frozenset("-*")


def record_notes(
    text: str, record: Record, sections: Iterable[str] = ("tasks", "log", "mail")
) -> str:
    """The free text of a record's body (``text`` is its file): everything but its
    ``## Tasks``, ``## Log`` and ``## Mail`` sections (or the ``sections`` given, lower
    case)."""
    lines = text.split("\n")
    start = record.body_line - 1
    cut = [tasklines.find_section(lines, name, start) for name in sections]
    spans = sorted((found.heading, found.end) for found in cut if found is not None)
    out: list[str] = []
    for begin, end in spans:  # the sections are found as the parser finds them
        out += lines[start:begin]
        start = max(start, end)
    out += lines[start:]
    return "\n".join(line.rstrip("\r") for line in out).strip("\n")


# ---------------------------------------------------------------- text edits


def one_line(text: str) -> str:
    """``text`` on one line: every run of white space (line breaks too) becomes a space."""
    return " ".join(text.split())


def log_line(when: str, who: str | None, text: str) -> str:
    """A ``## Log`` line, ``- WHEN who: text`` (the grammar ``parse_log`` reads):
    ``when`` is a date or ``YYYY-MM-DD HH:MM``; ``who`` (default plaincrm) goes
    on one line and without ``:``, which would end it early."""
    name = one_line(who or "").replace(":", "") or "plaincrm"
    return f"- {when} {name}: {text}"


def append_log(text: str, lines: list[str]) -> str:
    """Add ``log_line`` lines at the end of the ``## Log`` section (made when missing)."""
    return append_to_section(text, "Log", lines)


def new_record_text(fields: dict[str, Any], body: str = "") -> str:
    """The text of a new record file."""
    text = "---\n" + render_front(fields) + "---\n"
    if body:
        text += "\n" + body.rstrip("\n") + "\n"
    return text


def _lines(text: str) -> list[str]:
    return text.split("\n")


def append_to_section(text: str, name: str, new_lines: list[str]) -> str:
    """Add lines at the end of the ``## name`` section, creating it at the end if needed."""
    nl = newline_of(text)
    cr = nl[:-1]
    lines = _lines(text)
    section = tasklines.find_section(lines, name)
    if section is None:
        out = text
        if out and not out.endswith("\n"):
            out += nl
        if out.strip() and not out.endswith(nl + nl):
            out += nl
        return out + nl.join([f"## {name}", "", *new_lines]) + nl
    last = section.heading
    for index in range(section.heading + 1, section.end):
        if lines[index].strip():
            last = index
    block = [line + cr for line in new_lines]
    if last == section.heading:
        # an empty section: the tasks go after a blank line, and before one
        if last + 1 < len(lines) and not lines[last + 1].strip() and last + 1 < len(lines) - 1:
            last += 1
        else:
            block.insert(0, cr)
        if last + 1 < len(lines) and lines[last + 1].strip():
            block.append(cr)
    if last == len(lines) - 1:
        lines[last] += cr
        block[-1] = block[-1][: len(block[-1]) - len(cr)]
    lines[last + 1 : last + 1] = block
    return "\n".join(lines)


def replace_line(text: str, line_no: int, new_line: str) -> str:
    lines = _lines(text)
    old = lines[line_no - 1]
    cr = "\r" if old.endswith("\r") and not new_line.endswith("\r") else ""
    lines[line_no - 1] = new_line + cr
    return "\n".join(lines)


def insert_lines_after(text: str, line_no: int, new_lines: list[str]) -> str:
    """Insert lines after file line ``line_no`` (1-based)."""
    lines = _lines(text)
    cr = "\r" if lines[line_no - 1].endswith("\r") else ""
    if line_no == len(lines):
        lines[line_no - 1] += cr
        lines.extend(line + cr for line in new_lines)
        lines[-1] = lines[-1].rstrip("\r")
        return "\n".join(lines)
    lines[line_no:line_no] = [line + cr for line in new_lines]
    return "\n".join(lines)


def get_line(text: str, line_no: int) -> str:
    return _lines(text)[line_no - 1].rstrip("\r")


def assign_missing_ids(text: str, taken: Callable[[str], bool]) -> tuple[str, list[str]]:
    """Give every task line without ``id:`` a fresh id; return the text and the new ids."""
    lines = _lines(text)
    new_ids: list[str] = []
    for task in tasklines.parse_tasks(lines):
        if task.id:
            continue
        new = ids.new_id(lambda c: taken(c) or c in new_ids)
        new_ids.append(new)
        lines[task.line - 1] = tasklines.set_token(lines[task.line - 1], "id", new)
    return "\n".join(lines), new_ids
