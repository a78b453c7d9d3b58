"""plaincrm import --type task: tasks from a sheet into their records' ## Tasks."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.core.tasklines import parse_tasks


def tasks_of(crm: Crm, path: str) -> list:
    return parse_tasks(crm.read(path).split("\n"))


@pytest.fixture
def clients(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example", "--owner", "ben")
    crm.run("client", "add", "Bolt s.r.o.")
    return crm


def test_tasks_from_an_excel_sheet(clients: Crm, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Client", "Task", "Due", "Time", "Duration", "Owner", "Done", "Result"])
    sheet.append(
        ["Acme Ltd", "Call about the renewal", datetime(2026, 11, 30, 9, 30), None, 0.03125]
    )
    sheet.append(["info@acme.example", "Send the offer", "02.12.2026", time(14, 0), "1h", "anna"])
    sheet.append(["bolt-s-r-o", "Visit the warehouse", 46356, None, None, None, "2026-11-20",
                  "They want 3 more pallets.\nCall back in January."])  # fmt: skip
    path = tmp_path / "tasks.xlsx"
    book.save(path)
    result = clients.run("import", str(path))
    assert "Note: importing tasks, as the column names suggest" in result.stdout
    acme = tasks_of(clients, "clients/acme-ltd.md")
    assert [(t.title, t.due, t.at, t.dur, t.owner, t.checked) for t in acme] == [
        ("Call about the renewal", "2026-11-30", "09:30", 45, None, False),
        ("Send the offer", "2026-12-02", "14:00", 60, "anna", False),
    ]
    assert all(re.fullmatch(r"[2-9a-z]{6}", t.id or "") for t in acme)
    bolt = tasks_of(clients, "clients/bolt-s-r-o.md")
    # serial 46356 is 2026-11-30 (days after 1899-12-30); a done date checks the task
    assert date(1899, 12, 30) + timedelta(days=46356) == date(2026, 11, 30)
    assert [(t.title, t.due, t.done, t.checked) for t in bolt] == [
        ("Visit the warehouse", "2026-11-30", "2026-11-20", True)
    ]
    assert bolt[0].note == "They want 3 more pallets.\nCall back in January."
    assert clients.commits()[0] == "import: tasks 3 created, 0 updated (tasks.xlsx)"
    assert clients.last_commit_files() == ["clients/acme-ltd.md", "clients/bolt-s-r-o.md"]
    # the same sheet again changes nothing
    result = clients.run("import", str(path))
    assert "0 to create, 0 to update, 0 skipped, 3 unchanged." in result.stdout
    assert "Nothing to write." in result.stdout


def test_task_updates_by_id(clients: Crm, tmp_path: Path) -> None:
    task_id = clients.run("task", "add", "acme", "Call", "--due", "2026-11-30").stdout.strip()
    sheet = tmp_path / "t.csv"
    sheet.write_text(
        f"id,title,due,at,status,note\n{task_id},Call Anna,2026-12-01,10:00,done,Agreed.\n",
        encoding="utf-8",
    )
    result = clients.fail("import", str(sheet), "--type", "task", code=6)
    assert f"is task {task_id} of clients/acme-ltd.md and would change title, due, at" in (
        result.stderr
    )
    clients.run("import", str(sheet), "--type", "task", "--update")
    text = clients.read("clients/acme-ltd.md")
    assert f"- [x] Call Anna due:2026-12-01 at:10:00 id:{task_id}\n  Agreed.\n" in text


def test_task_rows_with_problems(clients: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text(
        "Client;Task;Due;Time\n"
        "Nobody;Call;2026-12-01;\n"
        "acme;Plan due:tomorrow;2026-12-01;\n"
        "acme;Call;someday;\n"
        "acme;Call;2026-12-01;25:00\n"
        "acme;;2026-12-01;\n",
        encoding="utf-8",
    )
    result = clients.fail("import", str(sheet), code=6)
    assert "row 2: column A 'Client': no record 'Nobody'" in result.stderr
    assert "row 3: column B 'Task': the title contains 'due:'" in result.stderr
    assert "row 4: column C 'Due': 'someday' is not a date" in result.stderr
    assert "row 5: column D 'Time': '25:00' is not a time" in result.stderr
    assert "row 6: no title: a new task needs one" in result.stderr
    assert tasks_of(clients, "clients/acme-ltd.md") == []


def test_a_task_table_needs_title_and_record(clients: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text("Task,Due\nCall,2026-12-01\n", encoding="utf-8")
    result = clients.fail("import", str(sheet), "--type", "task", code=6)
    assert "a task table needs a title column and a record column" in result.stderr


def test_owner_of_the_record_is_not_written(clients: Crm, tmp_path: Path) -> None:
    sheet = tmp_path / "t.csv"
    sheet.write_text("Client,Task,Owner\nacme,One,ben\nacme,Two,anna\n", encoding="utf-8")
    clients.run("import", str(sheet))
    acme = tasks_of(clients, "clients/acme-ltd.md")
    assert [(t.title, t.owner) for t in acme] == [("One", None), ("Two", "anna")]


def test_same_title_twice_in_a_record_needs_an_id(clients: Crm, tmp_path: Path) -> None:
    clients.run("task", "add", "acme", "Call", "--due", "2026-12-01")
    clients.run("task", "add", "acme", "Call", "--due", "2026-12-08")
    sheet = tmp_path / "t.csv"
    sheet.write_text("Client,Task\nacme,Call\n", encoding="utf-8")
    result = clients.fail("import", str(sheet), code=6)
    assert "clients/acme-ltd.md has 2 tasks titled 'Call'; add an id column" in result.stderr


def test_recurring_tasks_with_one_title(clients: Crm, tmp_path: Path) -> None:
    done = clients.run("task", "add", "acme", "Monthly call", "--due", "2026-10-27").stdout
    clients.run("task", "done", done.strip(), "--no-note", "--date", "2026-10-27")
    sheet = tmp_path / "t.csv"
    sheet.write_text(
        "id,Client,Task,Due,Status\n"
        f"{done.strip()},acme,Monthly call,2026-10-27,done\n"
        "nov111,acme,Monthly call,2026-11-27,open\n"
        "dec222,acme,Monthly call,2026-12-27,open\n",
        encoding="utf-8",
    )
    result = clients.run("import", str(sheet))
    assert "2 to create, 0 to update, 0 skipped, 1 unchanged." in result.stdout
    acme = tasks_of(clients, "clients/acme-ltd.md")
    assert [(t.due, t.checked) for t in acme] == [
        ("2026-10-27", True),
        ("2026-11-27", False),
        ("2026-12-27", False),
    ]
    assert {t.id for t in acme[1:]}.isdisjoint({"nov111", "dec222"})  # fresh ids
