"""What the index stores is what the full readers read.

The index parses thousands of files with the fast paths (the front matter
line scanner, the task section finder); these property tests generate front
matter and bodies from the shapes people write by hand, awkward ones
included, and compare the fast paths with the full readers.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from plaincrm.cli import cli
from plaincrm.core import tasklines
from plaincrm.core.frontmatter import FrontError, load_full, scan_simple
from plaincrm.core.model import TYPES
from plaincrm.core.records import parse_record
from plaincrm.core.store import Store

KEYS = st.sampled_from(["name", "owner", "tags", "city", "phone", "amount", "x_y", "a-b", "NO"])
SAFE = [
    "Acme Ltd",
    "NO",
    "no",
    "0123",
    "10:00",
    "2026-11-27",
    "1e3",
    "~",
    "null",
    "a # b",
    "a#b",
    "x:y",
    "100%",
    "Kovács és Társa",
    "-5",
    "yes please",
    "a, b",
    "C++",
    "0x1F",
    ".5",
    "+36 1 234",
    "",
]
RISKY = [
    "@home",
    "- x",
    "? q",
    "[a]",
    "{a}",
    "'q'",
    '"d"',
    "tab\there",
    "a: b",
    "end:",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "%",
    "`x`",
    " ",
]
PLAIN = st.sampled_from(SAFE * 4 + RISKY)
GOOD_QUOTED = st.one_of(
    st.sampled_from(SAFE + RISKY).map(lambda v: "'" + v.replace("'", "''") + "'"),
    st.sampled_from(SAFE + RISKY).map(lambda v: json.dumps(v, ensure_ascii=False)),
)
BAD_QUOTED = st.sampled_from(
    ['"a\\"b"', "'it''s'", '"x" # c', "'y'  #c", "'z'x", '"unclosed', "'o"]
)
QUOTED = st.one_of(GOOD_QUOTED, GOOD_QUOTED, GOOD_QUOTED, BAD_QUOTED)
COMMENT = st.sampled_from([""] * 6 + [" # note", "  #x", "#glued"])


def scalar_line(key: str, value: str, comment: str) -> str:
    return f"{key}: {value}{comment}" if value else f"{key}:{comment}"


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines: list[str] = []
    shapes = ["plain"] * 8 + ["quoted"] * 3 + ["flow"] * 3 + ["block"] * 3 + ["mappings"] * 2
    shapes.append("junk")
    for key in draw(st.lists(KEYS, unique=True, max_size=6)):
        shape = draw(st.sampled_from(shapes))
        comment = draw(COMMENT)
        if shape == "plain":
            lines.append(scalar_line(key, draw(PLAIN), comment))
        elif shape == "quoted":
            lines.append(scalar_line(key, draw(QUOTED), comment))
        elif shape == "flow":
            items = draw(st.lists(st.one_of(PLAIN, QUOTED), max_size=3))
            lines.append(f"{key}: [{', '.join(items)}]{comment}")
        elif shape == "block":
            indent = " " * draw(st.integers(0, 3))
            lines.append(f"{key}:{comment}")
            for item in draw(st.lists(st.one_of(PLAIN, QUOTED), min_size=1, max_size=3)):
                lines.append(f"{indent}- {item}".rstrip())
        elif shape == "mappings":
            lines.append(f"{key}:")
            for _ in range(draw(st.integers(1, 2))):
                lines.append(f"  - name: {draw(PLAIN)}".rstrip())
                if draw(st.booleans()):
                    lines.append(f"    role: {draw(st.one_of(PLAIN, QUOTED))}".rstrip())
        else:
            lines.append(
                draw(
                    st.sampled_from(
                        [
                            "",
                            "# comment",
                            "  ",
                            "\tkey: tab",
                            " indented: x",
                            "key",
                            "- item",
                            "k: v: w",
                            "x: |",
                            "y: >-",
                        ]
                    )
                )
            )
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return "".join(line + newline for line in lines)


@settings(max_examples=1500, deadline=None)
@given(front_matter())
@example("owner: ann\nowner: ben\n")
@example("name: 'a'b'\n")
@example("tags: [a, 'b c', \"d\"]\ncontacts:\n  - name: X\n    role: '1'\n")
def test_the_fast_scanner_reads_exactly_what_the_full_reader_reads(front: str) -> None:
    fast = scan_simple(front, 2)
    if fast is None:
        return  # a shape the scanner leaves to the full reader
    try:
        full = load_full(front, 2)
    except FrontError as exc:
        raise AssertionError(f"the scanner accepted what YAML rejects: {exc.message}") from None
    assert fast.values == full.values
    assert fast.lines == full.lines


# ---------------------------------------------------------------- sections and tasks


def reference_section(lines: list[str], name: str) -> tuple[int, int] | None:
    """A plain reading of the Markdown rules: fences hide headings, and a fence opened
    in a list item ends with the item (at a line indented less than the fence); a
    level-2 heading named ``name`` starts the section, the next heading of level 1
    or 2 ends it.  A fence line closes an open fence at any indent."""
    fence: int | None = None  # the open fence's indent, when it sits in a list item
    fenced = False
    item = False
    found = None
    for i, line in enumerate(lines):
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        is_fence = indent <= 3 and stripped.startswith(("```", "~~~"))
        if fenced and fence and stripped.strip() and indent < fence and not is_fence:
            fenced = False
        if is_fence:
            fenced = not fenced
            fence = indent if fenced and item and indent else None
            continue
        if fenced:
            continue
        if line.startswith(("- ", "* ", "+ ", "-\t", "*\t", "+\t")):
            item = True
        elif line.strip():
            item = item and line[0] in " \t"
        if not line.startswith("#"):
            continue
        hashes = len(line) - len(line.lstrip("#"))
        rest = line[hashes:].rstrip("\r")
        if hashes > 6 or rest[:1] not in (" ", "\t"):
            continue
        title = rest.strip(" \t").rstrip("#").rstrip(" \t")
        if found is not None and hashes <= 2:
            return found, i
        if found is None and hashes == 2 and title.lower() == name.lower():
            found = i
    return None if found is None else (found, len(lines))


BODY_LINES = st.sampled_from(
    [
        "## Tasks",
        "## tasks",
        "##  Tasks ##",
        "## Log",
        "# Title",
        "### Sub",
        "#NoSpace",
        "####### seven",
        "```",
        "  ```",
        "    ```",
        "~~~",
        "- [ ] Call due:2026-11-27",
        "- [x] Done done:2026-11-20",
        "  note line",
        "  ```",
        "- plain item",
        "",
        "text",
        "## Tasks\r",
        "## Other",
        "\t```",
        "#",
        "## ",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(BODY_LINES, max_size=14), st.sampled_from(["Tasks", "Log"]))
def test_the_section_finder_follows_the_markdown_rules(lines: list[str], name: str) -> None:
    found = tasklines.find_section(lines, name)
    expected = reference_section(lines, name)
    assert (None if found is None else (found.heading, found.end)) == expected


def test_the_index_stores_what_a_fresh_parse_reads(tmp_path: Path) -> None:
    root = tmp_path / "crm"
    assert CliRunner().invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    texts = {
        "clients/a.md": "---\nname: A\ntags: [x, y]\ncontacts:\n  - name: P\n---\n\n## Tasks\n\n"
        "- [ ] One due:2026-11-27 at:9:30 id:aaaaaa\n- [x] Two done:2026-11-20\n  Note\n",
        "clients/b.md": "---\nname: 'B: the second'\nowner: ben # hi\n---\n## Log\n"
        "- 2026-11-01 ben: called\n",
        "clients/c.md": "---\nname: C\nkind: {odd: mapping}\n---\n```\n## Tasks\n```\n",
    }
    for path, text in texts.items():
        (root / path).write_text(text, encoding="utf-8")
    store = Store(root)
    for path, text in texts.items():
        fresh = parse_record(TYPES["client"], path, text)
        indexed = store.indexed(path)
        assert indexed is not None
        assert (indexed.fields, indexed.lines, indexed.log, indexed.body_line) == (
            fresh.fields,
            fresh.lines,
            fresh.log,
            fresh.body_line,
        )
        assert [e.task.as_row() for e in store.tasks(state="all", paths=[path])] == [
            t.as_row() for t in fresh.tasks
        ]
