"""The fast record parser reads exactly what the careful readers read.

``records.parse_record`` takes shortcuts for the common case: front matter of
``key: value`` lines read by one search (``frontmatter.scan_simple``), the
closing ``---`` found without a look at every line, the sections of a body
without a fence found by one search for heading lines (``tasklines.plain_sections``),
task tokens split without a regular expression, text and date fields kept
without ``model.coerce``.  These differential tests generate record files,
ordinary and odd (every character class YAML treats specially, CRLF, fences,
headings in the front matter, broken YAML), and compare every field of the
result, its problems and its failures with a reference parse built from the
careful readers: PyYAML's composer (``frontmatter.load_full``), the line-by-line
section finder and ``coerce`` of every field.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from plaincrm.core import records, tasklines
from plaincrm.core.dates import date_problem, normalize_time, parse_iso_date
from plaincrm.core.errors import Problem
from plaincrm.core.frontmatter import (
    FrontError,
    Split,
    load_full,
    refuse_unprintable,
    scan_simple,
    split,
)
from plaincrm.core.mailentries import has_mail, parse_mail
from plaincrm.core.model import TYPES, Record, coerce, field_kinds
from plaincrm.core.records import ParseFailure, parse_record

# ---------------------------------------------------------------- the reference


def reference_split(text: str) -> Split:
    """The front matter cut line by line (the reader before the fast one)."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    start = len(bom)
    first_end = text.find("\n", start)
    first = text[start : first_end if first_end >= 0 else len(text)].rstrip("\r")
    if first.rstrip() != "---":
        return Split(bom, None, start, 1, start, 1)
    if first_end < 0:  # the opening line is all there is
        raise FrontError(1, "the front matter is not closed: add a line '---' after it")
    pos = first_end + 1
    line_no = 2
    while pos <= len(text):
        end = text.find("\n", pos)
        line = text[pos : end if end >= 0 else len(text)].rstrip("\r").rstrip()
        if line in ("---", "..."):
            body_start = end + 1 if end >= 0 else len(text)
            return Split(bom, text[first_end + 1 : pos], first_end + 1, 2, body_start, line_no + 1)
        if end < 0:
            break
        pos = end + 1
        line_no += 1
    raise FrontError(1, "the front matter is not closed: add a line '---' after it")


def reference_record(type_name: str, path: str, text: str) -> Record:
    """``parse_record`` the slow way: every line looked at, PyYAML for the front matter."""
    rtype = TYPES[type_name]
    lines = text.split("\n")
    markers = records.conflict_marker_lines(text, lines)
    if markers:
        raise ParseFailure(
            Problem(path, markers[0], "leftover git conflict marker: resolve the conflict")
        )
    try:
        parts = reference_split(text)
        if parts.front is None:
            raise FrontError(1, "no front matter: the file must start with a '---' line")
        refuse_unprintable(parts.front, parts.front_line)
        front = load_full(parts.front, parts.front_line)
    except FrontError as exc:
        raise ParseFailure(Problem(path, exc.line, exc.message)) from None
    kinds = field_kinds(type_name)
    fields: dict[str, Any] = {}
    coercion: list[tuple[str, str]] = []
    for key, value in front.values.items():
        kind = kinds.get(key)
        if kind is None:
            fields[key] = value
            continue
        fields[key], found = coerce(value, kind, key)
        coercion.extend(found)
    record = Record(rtype, path, fields, front.lines, body_line=parts.body_line)
    for dotted, message in coercion:
        record.problems.append(Problem(path, record.line_of(dotted), message))
    section = tasklines.find_section(lines, "Tasks")
    record.tasks = tasklines.parse_section(lines, section) if section else []
    for task in record.tasks:
        record.problems.extend(Problem(path, n, msg) for n, msg in task.problems)
    section = tasklines.find_section(lines, "Log")
    if section is not None:
        for index in range(section.heading + 1, section.end):
            match = _REFERENCE_LOG_RE.match(lines[index].rstrip("\r"))
            if match:
                date, time, who, rest = match.groups()
                if parse_iso_date(date) is None:
                    bad = f"log line: {date} {date_problem(date)}"
                elif time is not None and normalize_time(time) is None:
                    bad = (
                        f"'{date} {time}' is no moment: "
                        "expected a date and time like 2026-02-11 09:30"
                    )
                else:
                    record.log.append(records.LogEntry(date, time, who, rest, index + 1))
                    continue
                record.problems.append(Problem(path, index + 1, bad))
    if has_mail(text):
        record.mail = parse_mail(lines)
    return record


# the log line as it was read before (a lazy text and \s*$, rather than a strip after)
_REFERENCE_LOG_RE = __import__("re").compile(
    r"^[-*] (\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}))?(?: +([^:\s][^:]*?):)? +(.*?)\s*$"
)


def outcome(parse: Any, type_name: str, text: str) -> Any:
    """Everything a parse gives, comparable: the record's parts, or the failure."""
    try:
        record = parse(TYPES[type_name] if parse is parse_record else type_name, "x/a.md", text)
    except ParseFailure as failure:
        return ("failure", failure.problem)
    return (
        json.dumps(record.fields, sort_keys=True),
        record.fields,
        record.lines,
        record.body_line,
        [asdict(task) for task in record.tasks],
        [entry.as_json() for entry in record.log],
        [(p.line, p.message) for p in record.problems],
        [asdict(entry) for entry in record.mail],
    )


# ---------------------------------------------------------------- generated records

ODD_CHARS = "\x00\x07\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\ufeff\u3000\t\r#:'\"[]{},&*!|>%@`-?~"
ODD_TEXT = st.text(alphabet=st.sampled_from(list(ODD_CHARS) + list("aZ9 .é/")), max_size=8)
WORDS = st.sampled_from(
    [
        "Acme Ltd",
        "Kovács és Társa",
        "2026-11-27",
        "2026-13-45",
        "2026-11-27 10:30",
        "10:00",
        "12000",
        "12 000",
        "4.5",
        "x:y",
        "a #b",
        "a#b",
        "null",
        "Null",
        "~",
        "NO",
        "yes",
        "+36 1 234 5678",
        "info@acme.example",
        "ends:",
        "a: b",
        "-5",
        "- x",
        ".5",
        "trailing  ",
        "",
    ]
)
VALUES = st.one_of(
    WORDS,
    WORDS,
    WORDS,
    ODD_TEXT,
    WORDS.map(lambda v: json.dumps(v, ensure_ascii=False)),
    ODD_TEXT.map(lambda v: '"' + v.replace('"', "").replace("\\", "") + '"'),
    WORDS.map(lambda v: "'" + v.replace("'", "''") + "'"),
    st.lists(WORDS, max_size=3).map(lambda items: "[" + ", ".join(items) + "]"),
)
KEYS = st.sampled_from(
    [
        "name",
        "title",
        "owner",
        "email",
        "phone",
        "amount",
        "probability",
        "close",
        "created",
        "stage",
        "tags",
        "client",
        "subject",
        "opened",
        "x_custom",
        "a-b",
    ]
)


@st.composite
def front_lines(draw: st.DrawFn) -> list[str]:
    lines = []
    for key in draw(st.lists(KEYS, max_size=8)):  # repeated keys: a YAML error
        shape = draw(st.sampled_from(["scalar"] * 10 + ["block", "contacts", "junk"]))
        if shape == "scalar":
            gap = draw(st.sampled_from([" ", " ", "  ", "\t"]))
            value = draw(VALUES)
            lines.append(f"{key}:{gap}{value}" if value else f"{key}:")
        elif shape == "block":
            lines.append(f"{key}:")
            lines += [f"  - {draw(VALUES)}".rstrip() for _ in range(draw(st.integers(1, 3)))]
        elif shape == "contacts":
            lines += ["contacts:", f"  - name: {draw(VALUES)}", f"    email: {draw(VALUES)}"]
        else:
            lines.append(
                draw(st.sampled_from(["", "# comment", "## Tasks", " indented: x", "k: v: w"]))
            )
    return lines


BODY = st.sampled_from(
    [
        "## Tasks",
        "## tasks ##",
        "##\tLog",
        "## Log",
        "## Mail",
        "# Title",
        "### Sub",
        "#NoSpace",
        "## ",
        "```",
        "~~~",
        "- [ ] Call Anna due:2026-11-27 at:09:30 dur:30m id:k3x9mw",
        "- [ ] Bad tokens due:2026-13-01 at:25:00 dur:0m id:BAD every:sometimes",
        "- [x] Sent done:2026-11-20 due:2026-11-20 id:a8d2pq owner:ben",
        "- [ ] Twice due:2026-11-27 due:2026-11-28 color:red see:https://x.example",
        "* [X] Star box",
        "- [ ]",
        "- [ ] due:2026-11-27",
        "  Result note: she wants 3 more.",
        "\tTabbed note",
        "- 2026-11-01 anna: called",
        "- 2026-11-01 10:30 ben: met  ",
        "* 2026-11-01T09:00 a b: c: d",
        "- 2026-11-01 no who here",
        "- 2026-11-01 2026-11-02 x",
        "",
        "   ",
        "Free text with a : colon",
        "<<<<<<< ours",
        "=======",
        ">>>>>>> theirs",
    ]
)


@st.composite
def record_texts(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(["---", "---", "---", "--- ", "\ufeff---", "", "---\r"]))
    front = draw(front_lines())
    closer = draw(st.sampled_from(["---", "---", "...", "--- ", "---\t", "----", ""]))
    body = draw(st.lists(BODY, max_size=14))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    lines = [head, *front, closer, *body] if head else body
    text = newline.join(lines)
    return text + newline if draw(st.booleans()) else text


@settings(max_examples=2500, deadline=None)
@given(record_texts(), st.sampled_from(["client", "deal", "ticket"]))
@example("---\nname: A\n---\n## Tasks\n- [ ] x due:2026-11-27\n", "client")
@example("---", "client")
@example("\ufeff---", "client")
@example("---\nname: a\u2028b\n---\n", "client")
@example("---\nname: a\x85b\n---\n", "client")
@example("---\nname: a\x07b\n---\n", "client")
@example('---\nsubject: "a\x07b"\n---\n', "ticket")
@example('---\nname: "\r"\n---', "client")  # a carriage return is a line break to YAML
@example("---\nname: x\n...\n## Log\n- 2026-11-01 a: b \n", "client")
@example("---\nname: x\n## Tasks\n---\n- [ ] y\n## Log\n", "client")
def test_the_fast_parser_reads_what_the_careful_readers_read(text: str, type_name: str) -> None:
    assert outcome(parse_record, type_name, text) == outcome(reference_record, type_name, text)


@settings(max_examples=2500, deadline=None)
@given(front_lines(), st.sampled_from(["\n", "\r\n"]))
@example(["name: a\u3000b"], "\n")
@example(["name: \xa0x"], "\n")
@example(["name: a\ufeffb"], "\n")
@example(["name: x  ", "city: y:"], "\n")
@example(["name:", "  - \t9"], "\n")  # libyaml: a tab cannot start a token
def test_the_front_matter_fast_path_agrees_with_the_yaml_composer(
    lines: list[str], newline: str
) -> None:
    """Front matter the fast path reads, PyYAML's composer reads the same (values and
    lines); what the fast path leaves, PyYAML decides, errors included."""
    front = "".join(line + newline for line in lines)
    fast = scan_simple(front, 2)
    if fast is None:
        return
    try:
        full = load_full(front, 2)
    except FrontError as exc:
        raise AssertionError(f"the fast path read what YAML rejects: {exc.message}") from None
    assert (fast.values, fast.lines) == (full.values, full.lines)


@settings(max_examples=1000, deadline=None)
@given(record_texts())
def test_the_front_matter_is_cut_where_it_was(text: str) -> None:
    try:
        expected: Any = reference_split(text)
    except FrontError as exc:
        expected = ("error", exc.line, exc.message)
    try:
        found: Any = split(text)
    except FrontError as exc:
        found = ("error", exc.line, exc.message)
    assert found == expected


def test_the_usual_records_take_the_fast_paths() -> None:
    """The benchmark's shapes never fall back to PyYAML nor to the line-by-line finder
    (a speed test that counts instead of timing)."""
    client = (
        "---\nname: Acme Bt.\nkind: company\nemail: info@acme.example\n"
        'phone: "+36 96 258 4967"\ntags: [vip, wholesale]\nowner: gita\ncreated: 2024-09-06\n'
        "---\n\nNotes.\n\n## Tasks\n\n- [ ] Visit due:2027-01-22 id:dbjqq9\n\n## Log\n\n"
        "- 2024-09-06 gita: client added\n"
    )
    deal = (
        "---\nclient: acme\ntitle: Training\nstage: lost\nprobability: 0\namount: 49600\n"
        "opened: 2026-09-19 10:10\n---\n\n## Tasks\n\n- [x] Offer done:2026-04-22 id:ckut8v\n"
        "  Wants three more licences.\n"
    )
    for text in (client, deal):
        parts = split(text)
        assert parts.front is not None
        assert scan_simple(parts.front, 2) is not None
        assert tasklines.plain_sections(text) is not None
    assert outcome(parse_record, "client", client) == outcome(reference_record, "client", client)
    assert outcome(parse_record, "deal", deal) == outcome(reference_record, "deal", deal)
