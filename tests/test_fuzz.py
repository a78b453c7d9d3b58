"""Fuzz: whatever the arguments and whatever the record files hold, no command fails
with an internal error (exit 70, a traceback).

Every command of the CLI's command table is fuzzed, subcommands included (a new
command is fuzzed as soon as it is in the table): hypothesis picks a command, its
options and arguments from its click parameters (values a user could type, and
hostile ones: dates out of range, huge numbers and durations, bytes that are not
UTF-8, deep queries, repeat rules, ``--field KEY=VALUE`` pairs ...), and mutates record
files and the settings beforehand (values that cannot be used, YAML aliases, broken front
matter, random bytes); ``import`` and ``mail import`` read random bytes, odd sheets and
e-mails with odd headers.
Each example runs in the demo CRM, reset to its first commit.

Two profiles: ``ci``, the default (1,200 cases, about a minute), and ``big``
(20,000 cases, a quarter of an hour: ``PLAINCRM_FUZZ=big python -m pytest -s
tests/test_fuzz.py``), run by hand before a release; ``PLAINCRM_FUZZ_EXAMPLES=N``
sets the count.  ``-s`` shows how many cases ran.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st

from conftest import git
from plaincrm.cli import COMMANDS, cli

settings.register_profile(
    "ci",
    max_examples=1200,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    database=None,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it
)
settings.register_profile("big", parent=settings.get_profile("ci"), max_examples=20_000)
PROFILE = settings.get_profile(os.environ.get("PLAINCRM_FUZZ", "ci"))
EXAMPLES = int(os.environ.get("PLAINCRM_FUZZ_EXAMPLES", PROFILE.max_examples))
SLOW = 60.0  # seconds: an example taking longer is a hang (a YAML bomb ...)


# ---------------------------------------------------------------- the commands


def command_paths() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command the user can run: the table's, and each group's subcommands."""
    ctx = click.Context(cli)
    found: list[tuple[tuple[str, ...], click.Command]] = []

    def walk(path: tuple[str, ...], command: click.Command) -> None:
        if isinstance(command, click.Group):
            sub = click.Context(command, parent=ctx)
            for name in command.list_commands(sub):
                child = command.get_command(sub, name)
                if child is not None:
                    walk((*path, name), child)
        else:
            found.append((path, command))

    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None, name
        walk((name,), command)
    return found


COMMAND_PATHS = sorted(command_paths(), key=lambda found: found[0][0] in ("init", "demo"))


def test_every_command_of_the_table_is_fuzzed() -> None:
    names = {path[0] for path, _ in COMMAND_PATHS}
    assert names == set(COMMANDS)
    assert ("task", "done") in {path for path, _ in COMMAND_PATHS}


# ---------------------------------------------------------------- hostile values

NOT_UTF8 = b"caf\xe9 \xff".decode("utf-8", "surrogateescape")  # what Python makes of bytes
# Per kind of value: what a user types (first), then what breaks things.
DATES = (
    ["today", "tomorrow", "friday", "+3d", "-2w", "+1m", "2026-12-01", "2026-11-20"],
    [
        "0001-01-02", "0001-01-01", "9999-12-31", "2026-13-45", "2026-02-30", "+1000000m",
        "+99999999d", "-99999999d", "+99999999999999999999d", "1899-12-31", "3000-01-01", "",
    ],
)  # fmt: skip
NUMBERS = (
    ["0", "1", "12.5", "1200", "1,200.50", "1 299", "50", "27"],
    [
        "-1", "1e9", "1e999", "NaN", "inf", ".inf", "99999999999999999999",
        "1234567890123456789012345678901234567890123456789012345", "0.0000000000000000000001",
        "²", "١٢٣", "-0", "12,5", "",
    ],
)  # fmt: skip
DURATIONS = (
    ["30m", "1h", "1h30m", "90"],
    ["0", "0m", "25h", "24h", "99999999999999999999h", "1h99999999999999m", "-5m", "²", ""],
)
TIMES = (["09:30", "9:30", "14:00"], ["23:59", "24:00", "25:99", "99:99", "noon", "-1:00", ""])
MOMENTS = (["10:00", "yesterday 16:00", "2026-11-26 09:15"], ["0001-01-01 10:00", "25:00"])
WORDS = (
    ["x", "Call about the offer", "Ünnepi ajánlat", "Достоевский", "東京コーヒー", "O'Brien"],
    [
        "\x1b[31mred", "\u202eevil", "a\nb", "a\rb", "\t", " ", "-", "--", "---",
        "=cmd|' /C calc'!A0", "../../etc/passwd", "/etc/passwd", "*", "#", "%s", "{}", "[",
        "&x", "*x", "!!python/object:os.system", "Ελληνικά", "\x07", NOT_UTF8, "x" * 5000,
    ],
)  # fmt: skip
QUERY_TERMS = (
    [
        "+vip", "-lost", "city:Budapest", "amount>1000", "due.before:+7d", "sort:name",
        "sort:-amount", "limit:3", "owner:me", "owner:none", "name~a", "probability>=50",
        "stage:won,lost", "tags!=vip", "not", "or", "(", ")", '"big order"',
    ],
    [
        "amount:99999999999999999999",
        "amount>1234567890123456789012345678901234567890123456789012345",
        "due.before:+99999999d", "close.after:0001-01-01", "sort:bogus", "limit:99999999999999",
        "limit:²", "and", '"', "x:", ":x", "<", "dur>99999999999999999999",
        " ".join(["("] * 500 + ["x"] + [")"] * 500),
        " ".join(f"name:x{i}" for i in range(1000)), " ".join(["not"] * 1000 + ["x"]),
    ],
)  # fmt: skip
USERS = (["anna", "ben", "eva"], ["nobody", "me", "", NOT_UTF8])
EVERY = (
    ["1w", "2w", "1m", "1d", "1y", "weekday", "mon,thu"],
    ["0d", "-1w", "99999999999999999999d", "1000000y", "mon,mon,xyz", "none", "", "²w"],
)
FIELD_VALUES = (  # --field KEY=VALUE of the set commands
    ["city=Budapest", "note=Met at the fair", "amount=5000", "tags=vip", "website="],
    [
        "=x", "x", "created=0001-01-01", "amount=99999999999999999999", "tags=&x [*x]",
        "x=" + "[" * 300, "close=+99999999d", "probability=1e999", f"{NOT_UTF8}=v",
        "owner=nobody", "stage=won", "name=", "k" * 300 + "=v", "items=[unclosed",
    ],
)  # fmt: skip
KINDS = {
    "date": DATES, "day": DATES, "due": DATES, "close": DATES, "since": DATES,
    "until": DATES, "start": DATES, "end": DATES, "on": DATES, "dur": DURATIONS,
    "at": TIMES, "when": MOMENTS, "owner": USERS, "query": QUERY_TERMS,
    "audience": QUERY_TERMS, "audience_text": QUERY_TERMS, "every": EVERY,
    "fields": FIELD_VALUES, "close_date": DATES, "periods": NUMBERS, "as_of": DATES,
    **dict.fromkeys(
        ["amount", "probability", "cost", "budget", "expected_revenue", "price", "quantity",
         "tax", "limit", "months", "top"],
        NUMBERS,
    ),
}  # fmt: skip
# the record folder a REF of a command names (by the command's group; ``ref`` elsewhere)
REF_FOLDERS = {
    "deal": "deals", "invoice": "documents", "doc": "documents", "ticket": "tickets",
    "campaign": "campaigns", "client": "clients", "pay": "documents",
}  # fmt: skip


@dataclass
class Pools:
    """What the demo CRM holds: record paths and refs, task ids."""

    paths: list[str]
    refs: list[str]
    task_ids: list[str]
    files: list[str] = field(default_factory=list)  # import files, made per example

    def refs_in(self, folder: str | None) -> list[str]:
        found = [Path(p).stem for p in self.paths if folder is None or p.startswith(folder)]
        return found or self.refs


@st.composite
def value_for(draw: st.DrawFn, name: str, group: str, pools: Pools) -> str:
    """A value for the parameter ``name`` (``--due``, ``REF`` ...) of a command of ``group``:
    mostly one a user types, else a hostile one of its kind, now and then any text."""
    name = name.lower().strip("-").replace("-", "_")
    if name in ("ref", "deal", "invoice", "client", "record", "target", "related", "ticket"):
        folder = REF_FOLDERS.get(name if name != "ref" else group)
        typed = pools.refs_in(folder) + [r for r in pools.refs if "/" in r][:2]
        hostile = ["nothing", "clients/../plaincrm", "../x", "a#1", *pools.refs[:3]]
    elif name in ("task_id", "id", "task"):
        typed, hostile = pools.task_ids[:-3], pools.task_ids[-3:]
    elif name in (
        "file", "output", "csv", "directory", "base", "ours", "theirs", "csv_file", "sources",
        "vdir",
    ):  # fmt: skip
        typed = pools.files
        hostile = ["out.csv", "out.xlsx", "new-folder", ".", "/dev/null", NOT_UTF8]
    else:
        typed, hostile = KINDS.get(name, WORDS)
    roll = draw(st.integers(0, 9))
    if roll < 6:
        return draw(st.sampled_from(typed))
    if roll < 9:
        return draw(st.sampled_from(hostile))
    return draw(st.text(max_size=12) | st.sampled_from(WORDS[1]))


@st.composite
def invocations(draw: st.DrawFn, pools: Pools) -> list[str]:
    """A command with options and arguments drawn from its click parameters."""
    path, command = draw(st.sampled_from(COMMAND_PATHS))
    group = path[0]
    args: list[str] = list(path)
    for param in command.params:
        if isinstance(param, click.Option):
            if param.hidden or "--help" in param.opts or draw(st.integers(0, 3)):
                continue
            opt = draw(st.sampled_from(param.opts))
            if param.is_flag or param.count:
                args.append(opt)
                continue
            for _ in range(param.nargs if param.nargs > 0 else 1):
                args += [opt, draw(parameter_value(param, group, pools))]
        elif isinstance(param, click.Argument):
            if not param.required and param.nargs == 1 and draw(st.integers(0, 3)) == 0:
                continue
            count = param.nargs if param.nargs > 0 else draw(st.integers(0, 3))
            args += [draw(parameter_value(param, group, pools)) for _ in range(count)]
    if draw(st.integers(0, 19)) == 0:  # now and then a stray word
        args.insert(draw(st.integers(len(path), len(args))), draw(st.sampled_from(WORDS[1])))
    return args


def parameter_value(param: click.Parameter, group: str, pools: Pools) -> st.SearchStrategy[str]:
    if isinstance(param.type, click.Choice):
        choices = [str(c) for c in param.type.choices]
        return st.sampled_from(choices) | value_for(param.name or "", group, pools)
    return value_for(param.name or "", group, pools)


# ---------------------------------------------------------------- hostile files

YAML_VALUES = [
    "&x [*x]",
    "&a [x, x, x, x, x, x, x, x, x, x]",
    "[" * 300 + "]" * 300,
    "!!python/object/apply:os.system ['true']",
    "!!binary aGVsbG8=",
    "{a: 1, b: [2, 3]}",
    "|\n  block text\n  more",
    '"quoted \\u00e9 \\x00"',
    "'single ''quoted'''",
    "[a, [b, [c]]]",
    "- a\n- b",
    "null",
    "~",
    "yes",
    "NO",
    "0x1F",
    "0o17",
    "1_000",
    "2026-11-27T10:00:00Z",
    "[unclosed",
    "{unclosed: 1",
    "'unclosed",
    "a: b: c",
    "A-2026-" + "9" * 20,  # an invoice number: an id with a sequence number
    "A-2026-" + "9" * 5000,
    "\t tab",
    "x" * 70000,
]
BILLION_LAUGHS = "".join(
    f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10)
).replace("*l0", "lol")


def front_value() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(
            [v for kind in (DATES, NUMBERS, DURATIONS, TIMES, USERS) for v in kind[0] + kind[1]]
            + YAML_VALUES
        ),
        st.sampled_from(WORDS[0] + WORDS[1]).map(json.dumps),  # YAML reads JSON's escapes
        st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=20),
    )


FIELDS = [
    "name", "title", "subject", "amount", "currency", "close", "closed", "created", "stage",
    "status", "probability", "kind", "owner", "client", "deal", "related", "tags", "items",
    "contacts", "opened", "first_response", "resolved", "priority", "date", "due", "number",
    "start", "end", "budget", "cost", "expected_revenue", "audience", "lost_reason",
    "competitor", "competitors", "source", "channel", "email", "aliases", "updated",
]  # fmt: skip


@st.composite
def mutations(draw: st.DrawFn, pools: Pools) -> tuple[str, bytes | None]:
    """(path, new bytes) of one file: a record (or the settings) changed, or a new file;
    None: delete it."""
    path = draw(st.sampled_from([*pools.paths, "plaincrm.yaml", "clients/new.md"]))
    how = draw(
        st.sampled_from(
            [
                *["field"] * 4,
                *["task"] * 2,
                "log",
                "items",
                "laughs",
                "keys",
                "raw",
                "bytes",
            ]
        )
    )
    text = pools_text(path)
    if how == "bytes":
        return path, draw(st.binary(max_size=200))
    if how == "raw":
        return path, draw(st.text(max_size=200)).encode("utf-8", "surrogatepass")
    if how == "laughs":
        return path, f"---\nname: laughs\n{BILLION_LAUGHS}---\n".encode()
    if how == "keys":
        keys = "".join(f"k{i}: v\n" for i in range(draw(st.sampled_from([300, 20000]))))
        return path, f"---\nname: Many keys\n{keys}---\n".encode()
    if not text.startswith("---"):
        text = "---\nname: New\n---\n"
    head, _, rest = text[4:].partition("\n---\n")
    if how == "field":
        key = draw(st.sampled_from(FIELDS))
        lines = [line for line in head.split("\n") if not line.startswith(f"{key}:")]
        lines.insert(draw(st.integers(0, len(lines))), f"{key}: {draw(front_value())}")
        head = "\n".join(lines)
    elif how == "items":
        item = f"  - description: X\n    price: {draw(front_value())}\n"
        item += f"    quantity: {draw(front_value())}\n    tax: {draw(front_value())}\n"
        head = "\n".join(line for line in head.split("\n") if not line.startswith("items:"))
        head += "\nitems:\n" + item
    elif how == "task":
        tokens = [
            f"due:{draw(st.sampled_from(DATES[0] + DATES[1]))}",
            f"at:{draw(st.sampled_from(TIMES[0] + TIMES[1]))}",
            f"dur:{draw(st.sampled_from(DURATIONS[0] + DURATIONS[1]))}",
            f"done:{draw(st.sampled_from(DATES[0] + DATES[1]))}",
            f"owner:{draw(st.sampled_from(USERS[0] + USERS[1]))}",
            f"id:{draw(st.sampled_from(['fuzz01', 'x' * 40, 'UPPER', pools.task_ids[0]]))}",
        ]
        chosen = draw(st.lists(st.sampled_from(tokens), max_size=4))
        box = draw(st.sampled_from(["[ ]", "[x]"]))
        line = f"- {box} Fuzz {draw(st.sampled_from(WORDS[0] + WORDS[1]))} {' '.join(chosen)}"
        rest = _add_to_section(rest, "Tasks", line)
    else:  # a log line
        when = draw(st.sampled_from(["2026-11-20", "2026-13-45", "0001-01-01", "2026-11-20 25:99"]))
        who, what = draw(st.sampled_from(USERS[0])), draw(st.sampled_from(WORDS[0] + WORDS[1]))
        line = f"- {when} {who}: {what}"
        rest = _add_to_section(rest, "Log", line)
    out = f"---\n{head}\n---\n{rest}"
    return path, out.encode("utf-8", "surrogateescape")


def _add_to_section(body: str, name: str, line: str) -> str:
    heading = f"## {name}\n"
    if heading not in body:
        return f"{body}\n{heading}\n{line}\n"
    return body.replace(heading, f"{heading}\n{line}\n", 1)


_TEXTS: dict[str, str] = {}


def pools_text(path: str) -> str:
    return _TEXTS.get(path, "")


def uploads() -> st.SearchStrategy[bytes]:
    """What ``import`` gets: random bytes, and sheets with odd cells."""
    header = b"Name,Email,Due,Dur,Amount,Task\n"
    return st.one_of(
        st.binary(max_size=300),
        st.lists(st.sampled_from([v for kind in (DATES, NUMBERS, DURATIONS) for v in kind[1]])).map(
            lambda cells: header + ",".join(["Acme", "a@b.example", *cells]).encode()
        ),
        st.just(header + b"Acme," + b"x" * 131_072 + b",,,,\n"),
        st.just(header + b'"unclosed,\n' * 3),
        st.just("Név;Email\nÁrvíztűrő;x@y.example\n".encode("cp1250")),
        mails(),
    )


@st.composite
def mails(draw: st.DrawFn) -> bytes:
    """An e-mail (``mail import``) from or to a client of the demo, with odd headers."""
    headers = {
        "From": draw(
            st.sampled_from(
                ["Eva <hello@cafe-aurora.example>", "purchasing@danubehotels.example", "", "<>",
                 "=?utf-8?b?w4l2YQ==?= <hello@cafe-aurora.example>", "a" * 3000 + "@x.example"]
            )
        ),
        "To": draw(st.sampled_from(["anna@demo.example", "hello@cafe-aurora.example", ""])),
        "Date": draw(
            st.sampled_from(
                ["Fri, 27 Nov 2026 10:00:00 +0000", "Mon, 01 Jan 0001 00:00:00 +0000",
                 "Fri, 31 Dec 9999 23:59:59 -2400", "yesterday", "", "Fri, 27 Nov 2026 25:99:00"]
            )
        ),
        "Subject": draw(st.sampled_from([*WORDS[0], "=?x-unknown?q?abc?=", "=?utf-8?b?////?="])),
        "Message-ID": draw(st.sampled_from(["<m1@x.example>", "", "<" + "x" * 2000 + ">"])),
        "Content-Type": draw(
            st.sampled_from(
                ["text/plain; charset=utf-8", "text/plain; charset=x-bogus", "multipart/mixed"]
            )
        ),
    }  # fmt: skip
    head = "".join(f"{key}: {value}\n" for key, value in headers.items() if value != "")
    body = draw(st.binary(max_size=200) | st.sampled_from(WORDS[0]).map(str.encode))
    return head.encode("utf-8", "surrogateescape") + b"\n" + body


# ---------------------------------------------------------------- the CRM


@dataclass
class Demo:
    root: Path
    base: str  # the commit every example starts from
    remote: Path
    editors: dict[str, str]


def make_demo(tmp: Path) -> tuple[Demo, Pools]:
    runner = CliRunner()
    root = tmp / "crm"
    result = runner.invoke(cli, ["demo", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    remote = tmp / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "HEAD:main")
    base = git(root, "rev-parse", "HEAD").strip()
    paths = sorted(
        str(p.relative_to(root))
        for p in root.glob("*/*.md")
        if not str(p.relative_to(root)).startswith(".")
    )
    for path in [*paths, "plaincrm.yaml"]:
        _TEXTS[path] = (root / path).read_text(encoding="utf-8")
    slugs = [Path(p).stem for p in paths]
    refs = [*slugs, *(s[:4] for s in slugs[:5]), *paths[:5], "nothing", "clients/../plaincrm"]
    ids = sorted(set(re.findall(r" id:([a-z0-9-]+)", "".join(_TEXTS.values()))))
    task_ids = [*ids, *(i[:3] for i in ids[:5]), f"{slugs[0]}#1", f"{slugs[0]}#999", "zzzzzz"]
    editors = {}
    for name, script in {
        "keep": "true",
        "delete": 'rm -f "$1"',
        "stranger": "sed -i 's/^owner: .*/owner: stranger/' \"$1\"",
        "break": "printf -- '---\\nname: [broken\\n' > \"$1\"",
        "bytes": "printf '\\377\\376' >> \"$1\"",
    }.items():
        exe = tmp / f"editor-{name}"
        exe.write_text(f"#!/bin/sh\n{script}\n", encoding="utf-8")
        exe.chmod(exe.stat().st_mode | stat.S_IXUSR)
        editors[name] = str(exe)
    return Demo(root, base, remote, editors), Pools(paths, refs, task_ids)


def reset(demo: Demo) -> None:
    """Back to the first commit: files, commits and the remote."""
    git(demo.root, "reset", "-q", "--hard", demo.base)
    git(demo.root, "clean", "-q", "-fdx", "-e", ".plaincrm")
    subprocess.run(
        ["git", "-C", str(demo.remote), "update-ref", "refs/heads/main", demo.base], check=True
    )


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    """A folder of its own as the working folder: commands like ``init x`` create there."""
    here = Path.cwd()
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)
    try:
        yield work
    finally:
        os.chdir(here)


def _served_once(server: Any) -> None:
    """A started ``plaincrm serve``'s loop, as the fuzz runs it: closed at once."""
    server.close()


@pytest.mark.timeout(max(600, EXAMPLES))  # the big profile runs longer than a test may
def test_no_input_makes_a_command_fail_internally(
    tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ``plaincrm serve`` that got as far as binding its port would serve until stopped:
    # the fuzz stops it there (everything it can refuse comes before)
    from waitress.server import BaseWSGIServer, MultiSocketServer

    monkeypatch.setattr(BaseWSGIServer, "run", _served_once)
    monkeypatch.setattr(MultiSocketServer, "run", _served_once)
    demo, pools = make_demo(tmp_path)
    pools.files = ["in.csv", "in.xlsx", "in.vcf", "in.eml", "in.mbox", "missing.csv"]
    runner = CliRunner()
    count = 0

    @settings(PROFILE, max_examples=EXAMPLES)
    @given(
        files=st.lists(mutations(pools), max_size=3),
        args=invocations(pools),
        stdin=st.binary(max_size=60) | st.text(max_size=60).map(str.encode),
        upload=uploads(),
        editor=st.sampled_from(sorted(demo.editors)),
    )
    def run(
        files: list[tuple[str, bytes | None]],
        args: list[str],
        stdin: bytes,
        upload: bytes,
        editor: str,
    ) -> None:
        nonlocal count
        reset(demo)
        for path, data in files:
            full = demo.root / path
            if data is None:
                full.unlink(missing_ok=True)
            else:
                full.parent.mkdir(parents=True, exist_ok=True)
                full.write_bytes(data)
        (scratch / "in.csv").write_bytes(upload)
        (scratch / "in.xlsx").write_bytes(upload)
        (scratch / "in.vcf").write_bytes(upload)
        (scratch / "in.eml").write_bytes(upload)
        (scratch / "in.mbox").write_bytes(b"From a@b.example Fri Nov 27 10:00:00 2026\n" + upload)
        note(f"files: {[(p, (d or b'')[:300]) for p, d in files]}")
        note(f"args: {[arg[:200] for arg in args]}")
        started = time.monotonic()
        result = runner.invoke(
            cli,
            ["-C", str(demo.root), *args],
            input=stdin,
            env={"PLAINCRM_USER": "anna", "EDITOR": demo.editors[editor], "VISUAL": None},
        )
        took = time.monotonic() - started
        count += 1
        output = result.stdout + result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code != 70, output
        assert "Traceback" not in output
        assert took < SLOW, f"{took:.1f} s"

    run()
    print(f"fuzz: {count} cases run")
