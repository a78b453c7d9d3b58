"""Every crash found by attacking plaincrm (issue 11, item 5) is a clear error now:
each test gives the input that made a command fail with an internal error (exit 70)
and checks the message and exit code it gets instead."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.cli import cli

NOT_UTF8 = b"caf\xe9 \xff".decode("utf-8", "surrogateescape")  # how Python hands on such bytes


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme-ltd", "Call Anna", "--due", "today", "--at", "10:00")
    return crm


def task_id(crm: Crm) -> str:
    return str(json.loads(crm.run("task", "list", "--json").stdout)[0]["id"])


def leftovers(crm: Crm) -> list[str]:
    return sorted(str(p.relative_to(crm.root)) for p in crm.root.rglob(".*.tmp"))


def test_an_argument_that_is_not_utf8_is_refused_before_anything_is_written(acme: Crm) -> None:
    before = acme.read("clients/acme-ltd.md")
    result = acme.fail("task", "add", "acme-ltd", f"Call {NOT_UTF8}", code=2)
    assert "argument 'Call caf\ufffd \ufffd' is not UTF-8 text" in result.stderr
    assert acme.read("clients/acme-ltd.md") == before and leftovers(acme) == []
    result = acme.fail("client", "list", "--owner", NOT_UTF8, code=2)
    assert "is not UTF-8 text" in result.stderr
    result = acme.run("today", env={"PLAINCRM_USER": f"anna{NOT_UTF8}"}, ok=False)
    assert result.exit_code == 2 and "PLAINCRM_USER is not UTF-8 text" in result.stderr


def test_a_note_on_stdin_that_is_not_utf8_is_refused_and_leaves_no_temporary_file(
    acme: Crm,
) -> None:
    before = acme.read("clients/acme-ltd.md")
    tid = task_id(acme)
    result = acme.run(
        "task", "done", tid, "--note", "-", input=b"Board says \xff\xfe yes", ok=False
    )  # type: ignore[arg-type]
    assert result.exit_code == 6, result.output
    assert "the note on standard input is not UTF-8 text (byte 12 is not)" in result.stderr
    assert acme.read("clients/acme-ltd.md") == before and leftovers(acme) == []
    acme.run("task", "done", tid, "--note", "-", input="Board says yes")
    assert "  Board says yes" in acme.read("clients/acme-ltd.md")


def test_a_text_that_cannot_be_written_leaves_no_temporary_file(acme: Crm) -> None:
    """The last guard, in the one writer: text is encoded before the temporary file is
    made (a program calling plaincrm's store with text holding surrogates)."""
    from plaincrm.core.errors import InvalidError
    from plaincrm.core.store import Store

    store = Store(acme.root)
    with pytest.raises(InvalidError, match="not UTF-8"):
        store.write("clients/acme-ltd.md", f"---\nname: {NOT_UTF8}\n---\n")
    assert leftovers(acme) == []


@pytest.mark.parametrize(
    "args",
    [
        ("task", "add", "acme-ltd", "Later", "--due", "+1000000m"),
        ("task", "add", "acme-ltd", "Later", "--due", "+99999999d"),
        ("task", "add", "acme-ltd", "Later", "--due", "0001-01-01"),
        ("today", "--date", "0001-01-02"),
        ("plan", "0001-01-01"),
        ("plan", "9999-12-31"),
        ("activity", "--since", "+1000000m"),
        ("report", "stages", "--since", "-99999999d"),
    ],
)
def test_a_date_out_of_range_is_refused(acme: Crm, args: tuple[str, ...]) -> None:
    result = acme.fail(*args, code=2)
    assert "is out of range: plaincrm's dates run from 1900-01-01 to 2999-12-31" in result.stderr


def test_dates_and_numbers_out_of_range_in_a_query_point_at_the_value(acme: Crm) -> None:
    result = acme.fail("task", "list", "due.before:+99999999d", code=2)
    assert "'+99999999d' is out of range (plaincrm's dates run" in result.stderr
    assert "             ^^^^^^^^^^" in result.stderr
    acme.run("deal", "add", "acme-ltd", "Machines", "--amount", "1000")
    huge = "1234567890123456789012345678901234567890123456789012345"
    for query in (f"amount:{huge}", f"amount>{huge}", "amount<1e999"):
        result = acme.fail("deal", "list", query, code=2)
        assert "is too large: at most 13 digits before the point" in result.stderr or (
            "is not a number" in result.stderr
        )
    result = acme.fail("task", "list", "limit:²", code=2)
    assert "limit takes a whole number" in result.stderr


def test_queries_nested_deep_or_with_many_terms(acme: Crm) -> None:
    deep = " ".join(["("] * 500 + ["acme"] + [")"] * 500)
    result = acme.fail("client", "list", deep, code=2)
    assert "more than 50 parentheses and nots inside each other" in result.stderr
    result = acme.fail("client", "list", *(["not"] * 1000), "acme", code=2)
    assert "more than 50 parentheses and nots inside each other" in result.stderr
    many = [f"name~x{i}" for i in range(1000)]
    assert "No clients match." in acme.run("client", "list", *many).stdout
    many = [f"name:Acme{i}" for i in range(999)]
    assert "No clients match." in acme.run("client", "list", *many, "or", "name:Acme Ltd").stdout
    found = acme.run("client", "list", *(["(", "acme"] * 40), *([")"] * 40))
    assert "acme-ltd" in found.stdout


def test_a_log_line_with_an_impossible_date(acme: Crm) -> None:
    path = "clients/acme-ltd.md"
    acme.write(path, acme.read(path) + "\n## Log\n\n- 2026-13-45 anna: x\n- 2026-11-20 anna: y\n")
    acme.git("commit", "-q", "--no-verify", "-am", "log lines by hand")
    result = acme.run("check", ok=False)
    assert f"{path}:14: log line: 2026-13-45 is not a date (use YYYY-MM-DD)" in result.stdout
    history = acme.run("history", "acme-ltd")
    assert "2026-11-20" in history.stdout and "2026-13-45" not in history.stdout
    acme.run("client", "show", "acme-ltd")


def test_history_of_a_file_that_once_was_only_dashes(acme: Crm) -> None:
    path = "clients/acme-ltd.md"
    good = acme.read(path)
    for broken in ("---", "---\n"):
        acme.write(path, broken)
        acme.git("commit", "-q", "--no-verify", "-am", "oops")
        result = acme.run("check", ok=False)
        assert f"{path}:1: the front matter is not closed" in result.stdout
        acme.write(path, good)
        acme.git("commit", "-q", "--no-verify", "-am", "back")
        assert "Call Anna" in acme.run("history", "acme-ltd").stdout


def test_xlsx_export_of_a_name_with_control_characters(acme: Crm, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = "clients/acme-ltd.md"
    acme.write(path, acme.read(path).replace("name: Acme Ltd", 'name: "Acme\\x07 Ltd\\x1b"'))
    out = tmp_path / "clients.xlsx"
    acme.run("export", "--type", "client", "--format", "xlsx", "-o", str(out))
    sheet = load_workbook(out).active
    assert sheet is not None
    assert [cell.value for cell in sheet["B"]][:2] == ["name", "Acme Ltd"]


def test_xlsx_export_of_more_columns_than_a_worksheet_holds(acme: Crm, tmp_path: Path) -> None:
    keys = "".join(f"k{i}: v\n" for i in range(20_000))
    acme.write("clients/wide.md", f"---\nname: Wide\n{keys}---\n")
    out = tmp_path / "clients.xlsx"
    result = acme.fail("export", "--type", "client", "--format", "xlsx", "-o", str(out), code=6)
    assert "columns; a worksheet holds at most 1048575 rows and 16384 columns" in result.stderr
    assert not out.exists()
    acme.run("export", "--type", "client", "-o", str(tmp_path / "clients.csv"))


def test_import_of_random_bytes_and_of_a_huge_cell(acme: Crm, tmp_path: Path) -> None:
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(range(256)) * 8 + b'\r\x00\r\n\x00\x00,\r"')
    result = acme.fail("import", str(noise), code=6)
    assert "nothing was written" in result.stderr or "no column gives" in result.stderr
    big = tmp_path / "big.csv"
    big.write_text("Name,City\nBig Notes Ltd," + "x" * 131_072 + "\n", encoding="utf-8")
    acme.run("import", str(big))
    assert len(acme.read("clients/big-notes-ltd.md")) > 131_072


def test_edit_when_the_editor_deletes_the_file(acme: Crm, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    editor.write_text('#!/bin/sh\nrm "$1"\n')
    editor.chmod(0o755)
    acme.git("commit", "-q", "--allow-empty", "-m", "mark")
    result = acme.run("edit", "acme-ltd", env={"EDITOR": str(editor)}, ok=False)
    assert result.exit_code == 6
    assert "the editor removed its copy of clients/acme-ltd.md; nothing changed" in result.stderr
    assert acme.commits()[0] == "mark" and "Call Anna" in acme.read("clients/acme-ltd.md")


def test_an_index_that_is_a_folder(acme: Crm) -> None:
    index = acme.root / ".plaincrm" / "index.sqlite"
    index.unlink()
    index.mkdir()
    assert "Call Anna" in acme.run("today").stdout  # an empty folder is cleared away
    assert index.is_file()
    index.unlink()
    (index / "kept").mkdir(parents=True)
    result = acme.run("today")
    assert "Call Anna" in result.stdout and "is a folder, where the index belongs" in (
        result.stderr
    )
    assert (index / "kept").is_dir()  # what someone put there is theirs
    acme.run("check")


def test_the_merge_driver_on_files_that_are_not_there(acme: Crm) -> None:
    result = acme.fail("merge-driver", "missing", "missing", "", "clients/x.md", code=2)
    assert "does not exist" in result.stderr


def test_a_file_holding_a_nul_byte_is_not_text(acme: Crm) -> None:
    """NUL would end git's command line (a commit message holding a title): the file is
    refused as the reader meets it."""
    acme.write("clients/nul.md", "---\nname: Nul\x00 Ltd\n---\n")
    result = acme.run("check", ok=False)
    assert "clients/nul.md:2: the file holds a NUL byte: it is not text" in result.stdout
    acme.write("clients/esc.md", '---\nname: "Esc\\0 Ltd"\n---\n')
    assert "clients/esc.md:2: an escape" in acme.run("check", ok=False).stdout
    acme.run("today")


def test_the_installed_command_reports_no_internal_error(acme: Crm) -> None:
    """The same as a real process: argv bytes that are not UTF-8, stdin, exit codes."""
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "plaincrm",
            "-C",
            str(acme.root),
            "task",
            "add",
            "acme-ltd",
            b"Call caf\xe9",
        ],
        capture_output=True,
    )
    assert run.returncode == 2 and b"is not UTF-8 text" in run.stderr
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "plaincrm",
            "-C",
            str(acme.root),
            "task",
            "done",
            task_id(acme),
            "--note",
            "-",
        ],
        input=b"\xff\xfe",
        capture_output=True,
    )
    assert run.returncode == 6 and b"not UTF-8 text" in run.stderr
    assert leftovers(acme) == []


def test_a_file_name_the_system_refuses(acme: Crm, tmp_path: Path) -> None:
    """A name too long for the file system (the system's errors are no internal error):
    as a folder to create, a file to read, the CRM's folder, and a record's reference."""
    long = "x" * 300
    result = acme.fail("init", str(tmp_path / long), "--no-git", code=6)
    assert f"cannot use {tmp_path / long}" in result.stderr
    assert "file name too long" in result.stderr
    assert "file name too long" in acme.fail("import", str(tmp_path / long), code=6).stderr
    runner = acme.runner
    outside = runner.invoke(cli, ["-C", str(tmp_path / long), "today"])
    assert outside.exit_code == 6 and "file name too long" in outside.stderr
    acme.run("deal", "add", "acme-ltd", "Machines")
    deal = "deals/acme-ltd-machines.md"
    acme.write(deal, acme.read(deal).replace("client: acme-ltd", f"client: {long}"))
    assert f"{deal}:2: client: '{long}' does not exist" in acme.run("check", ok=False).stdout
