"""The record-aware three-way merge (``plaincrm.git.merge``) and the driver git runs."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plaincrm.core.frontmatter import render_scalar
from plaincrm.core.model import TYPES
from plaincrm.core.records import CONFLICT_RE, parse_record
from plaincrm.core.tasklines import ID_RE
from plaincrm.git.merge import drive, merge_record

TODAY = "2026-11-27"  # PLAINCRM_TODAY of the test environment

BASE = """---
name: Acme Ltd
phone: "+36 1 111"
city: Szeged
tags: [vip]
---

Wholesale customer since 2019.

## Tasks

- [ ] Call Peter due:2026-11-28 id:aaaaaa
- [ ] Send the offer due:2026-11-29 id:bbbbbb

## Log

- 2026-11-20 anna: met at the fair
"""


def edit(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def merged(base: str, ours: str, theirs: str) -> tuple[str, list[str]]:
    result = merge_record(base, ours, theirs)
    assert not any(CONFLICT_RE.match(line) for line in result.text.splitlines())
    parse_record(TYPES["client"], "clients/acme.md", result.text)
    return result.text, result.notes


def test_identical_sides_and_one_sided_changes_are_taken_as_they_are() -> None:
    ours = edit(BASE, ("Szeged", "Pécs"))
    assert merged(BASE, BASE, BASE)[0] == BASE
    assert merged(BASE, ours, BASE)[0] == ours
    assert merged(BASE, BASE, ours)[0] == ours
    assert merged(BASE, ours, ours)[0] == ours


def test_fields_merge_key_by_key() -> None:
    ours = edit(BASE, ('"+36 1 111"', '"+36 1 222"'))
    theirs = edit(BASE, ("city: Szeged\n", "city: Győr\nwebsite: acme.example\n"))
    text, notes = merged(BASE, ours, theirs)
    assert 'phone: "+36 1 222"\ncity: Győr\nwebsite: acme.example\n' in text
    assert notes == []


def test_same_field_changed_on_both_sides_keeps_theirs_and_logs_ours() -> None:
    ours = edit(BASE, ("city: Szeged", "city: Pécs"))
    theirs = edit(BASE, ("city: Szeged", "city: Győr"))
    text, notes = merged(BASE, ours, theirs)
    assert "city: Győr" in text and "city: Pécs" not in text.split("---")[1]
    line = f"- {TODAY} plaincrm: merge kept city: Győr, other value Pécs"
    assert text.endswith(f"- 2026-11-20 anna: met at the fair\n{line}\n")
    assert notes == [
        "changed on both sides: merge kept city: Győr, other value Pécs (written to ## Log)"
    ]
    # the same three versions always give the same result
    assert merge_record(BASE, ours, theirs).text == text


def test_field_added_on_both_sides_with_different_values() -> None:
    ours = edit(BASE, ("city: Szeged\n", "city: Szeged\ncountry: HU\n"))
    theirs = edit(BASE, ("city: Szeged\n", "city: Szeged\ncountry: AT\n"))
    text, _ = merged(BASE, ours, theirs)
    assert "country: AT" in text and "other value HU" in text


def test_field_removed_on_one_side_changed_on_the_other_is_kept() -> None:
    ours = edit(BASE, ("city: Szeged\n", ""))
    theirs = edit(BASE, ("city: Szeged", "city: Eger"))
    text, notes = merged(BASE, ours, theirs)
    assert "city: Eger" in text
    assert notes == ["city: deleted on one side, changed on the other; kept"]
    assert "city:" not in merged(BASE, ours, BASE)[0]


def test_lists_merge_item_by_item() -> None:
    ours = edit(BASE, ("tags: [vip]", "tags: [vip, retail]"))
    theirs = edit(BASE, ("tags: [vip]", "tags: [export]"))
    text, notes = merged(BASE, ours, theirs)
    assert "tags: [retail, export]" in text
    assert notes == []


def test_task_added_on_one_side_and_completed_on_the_other() -> None:
    ours = edit(BASE, ("id:bbbbbb\n", "id:bbbbbb\n- [ ] Visit the warehouse id:cccccc\n"))
    theirs = edit(
        BASE,
        (
            "- [ ] Call Peter due:2026-11-28 id:aaaaaa",
            "- [x] Call Peter due:2026-11-28 done:2026-11-27 id:aaaaaa\n  Wants three more.",
        ),
    )
    text, _ = merged(BASE, ours, theirs)
    assert (
        "- [x] Call Peter due:2026-11-28 done:2026-11-27 id:aaaaaa\n  Wants three more.\n"
        "- [ ] Send the offer due:2026-11-29 id:bbbbbb\n"
        "- [ ] Visit the warehouse id:cccccc\n"
    ) in text


def test_task_changed_on_both_sides_merges_token_by_token() -> None:
    ours = edit(
        BASE,
        (
            "- [ ] Call Peter due:2026-11-28 id:aaaaaa",
            "- [x] Call Peter due:2026-11-28 done:2026-11-27 id:aaaaaa\n  Done.",
        ),
    )
    theirs = edit(
        BASE,
        (
            "- [ ] Call Peter due:2026-11-28 id:aaaaaa",
            "- [ ] Call Peter Nagy due:2026-12-02 at:10:00 id:aaaaaa\n  Prepare numbers.",
        ),
    )
    text, notes = merged(BASE, ours, theirs)
    assert (
        "- [x] Call Peter Nagy due:2026-12-02 at:10:00 done:2026-11-27 id:aaaaaa\n"
        "  Done.\n  Prepare numbers.\n" in text
    )
    assert notes == []


def test_task_token_changed_differently_keeps_theirs_and_logs_ours() -> None:
    ours = edit(BASE, ("due:2026-11-29", "due:2026-12-01"))
    theirs = edit(BASE, ("due:2026-11-29", "due:2026-12-05"))
    text, _ = merged(BASE, ours, theirs)
    assert "- [ ] Send the offer due:2026-12-05 id:bbbbbb" in text
    assert (
        f"- {TODAY} plaincrm: merge kept due:2026-12-05 on task bbbbbb, other value due:2026-12-01"
        in text
    )


def test_task_deleted_on_one_side_but_completed_on_the_other_is_kept() -> None:
    ours = edit(BASE, ("- [ ] Call Peter due:2026-11-28 id:aaaaaa\n", ""))
    theirs = edit(BASE, ("- [ ] Call Peter", "- [x] Call Peter"))
    text, notes = merged(BASE, ours, theirs)
    assert "- [x] Call Peter due:2026-11-28 id:aaaaaa" in text
    assert notes == ["task 'Call Peter': deleted on one side, changed on the other; kept"]
    assert "Call Peter" not in merged(BASE, ours, BASE)[0]


def test_two_new_tasks_with_one_id_both_survive() -> None:
    ours = edit(BASE, ("id:bbbbbb\n", "id:bbbbbb\n- [ ] Ours id:zzzzzz\n"))
    theirs = edit(BASE, ("id:bbbbbb\n", "id:bbbbbb\n- [ ] Theirs id:zzzzzz\n"))
    text, notes = merged(BASE, ours, theirs)
    assert "- [ ] Ours id:zzzzzz" in text
    fresh = re.search(r"- \[ \] Theirs id:(\S+)", text)
    assert fresh and fresh.group(1) != "zzzzzz" and ID_RE.match(fresh.group(1))
    assert notes == [f"two tasks had the id zzzzzz; 'Theirs' now has the id {fresh.group(1)}"]


def test_a_hand_written_task_given_an_id_is_still_the_same_task() -> None:
    base = edit(BASE, ("id:bbbbbb\n", "id:bbbbbb\n- [ ] Written by hand\n"))
    ours = edit(base, ("- [ ] Written by hand", "- [ ] Written by hand id:hhhhhh"))
    theirs = edit(base, ("- [ ] Written by hand", "- [x] Written by hand done:2026-11-27"))
    text, _ = merged(base, ours, theirs)
    assert text.count("Written by hand") == 1
    assert "- [x] Written by hand done:2026-11-27 id:hhhhhh" in text


NEW = "---\nname: Acme Ltd\n---\n\nWholesale customer.\n"


def test_sections_created_on_both_sides_stay_sections() -> None:
    ours = NEW + "\n## Tasks\n\n- [ ] Call Peter id:aaaaaa\n"
    theirs = NEW + "\n## Log\n\n- 2026-11-26 ben: visited\n"
    text, notes = merged(NEW, ours, theirs)
    record = parse_record(TYPES["client"], "clients/acme.md", text)
    assert [task.title for task in record.tasks] == ["Call Peter"]
    assert [entry.text for entry in record.log] == ["visited"]
    assert notes == []


def test_the_same_section_created_on_both_sides_becomes_one() -> None:
    ours = NEW + "\n## Tasks\n\n- [ ] Call Peter id:aaaaaa\n"
    theirs = NEW + "\n## Tasks\n\n- [ ] Send the offer id:bbbbbb\n"
    text, notes = merged(NEW, ours, theirs)
    assert text == (
        NEW + "\n## Tasks\n\n- [ ] Call Peter id:aaaaaa\n- [ ] Send the offer id:bbbbbb\n"
    )
    assert notes == []


def test_log_lines_are_a_union_in_date_order() -> None:
    ours = edit(
        BASE, ("fair\n", "fair\n- 2026-11-22 anna: sent samples\n- 2026-11-26 anna: called\n")
    )
    theirs = edit(BASE, ("fair\n", "fair\n- 2026-11-21 ben: emailed\n- 2026-11-25 ben: visited\n"))
    text, _ = merged(BASE, ours, theirs)
    log = text.split("## Log\n\n")[1].splitlines()
    assert log == [
        "- 2026-11-20 anna: met at the fair",
        "- 2026-11-21 ben: emailed",
        "- 2026-11-22 anna: sent samples",
        "- 2026-11-25 ben: visited",
        "- 2026-11-26 anna: called",
    ]


def test_free_text_merges_like_git_and_keeps_both_sides_of_a_clash() -> None:
    ours = edit(BASE, ("since 2019.", "since 2019. Pays on time."))
    theirs = edit(BASE, ("since 2019.", "since 2018."))
    text, notes = merged(BASE, ours, theirs)
    assert "Wholesale customer since 2019. Pays on time.\nWholesale customer since 2018.\n" in text
    assert notes == [
        "the text near line 8 was changed on both sides; both versions are kept, yours first"
    ]
    apart = edit(BASE, ("## Tasks", "Second paragraph.\n\n## Tasks"))
    text, notes = merged(BASE, ours, apart)
    assert "since 2019. Pays on time." in text and "Second paragraph." in text and notes == []


def test_broken_front_matter_on_one_side_still_merges_without_markers() -> None:
    ours = edit(BASE, ("city: Szeged", "city: [Szeged"))
    theirs = edit(BASE, ("id:bbbbbb\n", "id:bbbbbb\n- [ ] New id:cccccc\n"))
    result = merge_record(BASE, ours, theirs)
    assert not any(CONFLICT_RE.match(line) for line in result.text.splitlines())
    assert "city: [Szeged" in result.text and "- [ ] New id:cccccc" in result.text


def test_crlf_files_stay_crlf() -> None:
    base = BASE.replace("\n", "\r\n")
    ours = edit(base, ("Szeged", "Pécs"))
    theirs = edit(base, ("fair\r\n", "fair\r\n- 2026-11-25 ben: visited\r\n"))
    text = merge_record(base, ours, theirs).text
    assert "city: Pécs\r\n" in text and "- 2026-11-25 ben: visited\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_crlf_files_where_both_sides_changed_the_same_lines_get_no_markers() -> None:
    base = BASE.replace("\n", "\r\n")
    ours = edit(
        base,
        ("- [ ] Call Peter due:2026-11-28", "- [x] Call Peter due:2026-11-28 done:2026-11-27"),
        ("id:aaaaaa\r\n", "id:aaaaaa\r\n  He said yes.\r\n"),
        ("since 2019.", "since 2019. Pays on time."),
    )
    theirs = edit(
        base,
        ("id:bbbbbb\r\n", "id:bbbbbb\r\n- [ ] Ben's task id:cccccc\r\n"),
        ("since 2019.", "since 2018."),
    )
    text = merge_record(base, ours, theirs).text
    assert not any(line.startswith(("<<<<<<<", "=======", ">>>>>>>")) for line in text.split("\n"))
    assert "- [x] Call Peter due:2026-11-28 done:2026-11-27 id:aaaaaa\r\n  He said yes.\r\n" in text
    assert "- [ ] Ben's task id:cccccc\r\n" in text
    assert "since 2019. Pays on time.\r\n" in text and "since 2018.\r\n" in text
    assert "\n" not in text.replace("\r\n", "")


def test_a_file_holding_the_placeholder_character_is_merged_as_text() -> None:
    base = BASE.replace("Wholesale", "Whole\x1esale")
    ours = edit(base, ("Szeged", "Pécs"))
    theirs = edit(base, ("fair", "fair in Vienna"))
    text = merge_record(base, ours, theirs).text
    assert "Whole\x1esale" in text and "city: Pécs" in text and "fair in Vienna" in text


def test_both_created_with_no_common_ancestor() -> None:
    ours = "---\nname: Acme\nphone: '1'\n---\n\n## Tasks\n\n- [ ] A id:aaaaaa\n"
    theirs = "---\nname: Acme\ncity: Pécs\n---\n\n## Tasks\n\n- [ ] B id:bbbbbb\n"
    text, _ = merged("", ours, theirs)
    assert "phone: '1'" in text and "city: Pécs" in text
    assert "- [ ] A id:aaaaaa" in text and "- [ ] B id:bbbbbb" in text


# ---------------------------------------------------------------- the driver


def write_three(tmp_path: Path, base: str, ours: str, theirs: str) -> tuple[Path, Path, Path]:
    files = []
    for name, text in (("base", base), ("ours", ours), ("theirs", theirs)):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        files.append(path)
    return files[0], files[1], files[2]


@pytest.fixture
def in_crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    work = tmp_path / "work"
    (work / "clients").mkdir(parents=True)
    (work / "plaincrm.yaml").write_text("users: []\n")
    monkeypatch.chdir(work)
    return work


def test_driver_merges_a_record_into_ours(tmp_path: Path, in_crm: Path) -> None:
    ours = edit(BASE, ("Szeged", "Pécs"))
    theirs = edit(BASE, ("Szeged", "Győr"))
    base_file, ours_file, theirs_file = write_three(tmp_path, BASE, ours, theirs)
    assert drive(base_file, ours_file, theirs_file, "clients/acme.md", 7) == 0
    assert "city: Győr" in ours_file.read_text() and "other value Pécs" in ours_file.read_text()


def test_driver_reports_to_the_file_sync_names(
    tmp_path: Path, in_crm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = tmp_path / "notes.jsonl"
    monkeypatch.setenv("PLAINCRM_MERGE_REPORT", str(report))
    files = write_three(
        tmp_path, BASE, edit(BASE, ("Szeged", "Pécs")), edit(BASE, ("Szeged", "Eger"))
    )
    assert drive(*files, "clients/acme.md", 7) == 0
    entries = [json.loads(line) for line in report.read_text().splitlines()]
    assert entries == [
        {
            "path": "clients/acme.md",
            "note": "changed on both sides: merge kept city: Eger, other value Pécs "
            "(written to ## Log)",
        }
    ]


def test_driver_leaves_other_markdown_files_to_gits_merge(tmp_path: Path, in_crm: Path) -> None:
    files = write_three(tmp_path, "one\n", "two\n", "three\n")
    assert drive(*files, "README.md", 7) == 1
    assert files[1].read_text() == "<<<<<<< ours\ntwo\n=======\nthree\n>>>>>>> theirs\n"
    files = write_three(tmp_path, "a\n\nb\n\nc\n", "A\n\nb\n\nc\n", "a\n\nb\n\nC\n")
    assert drive(*files, "docs/notes.md", 7) == 0
    assert files[1].read_text() == "A\n\nb\n\nC\n"


def test_driver_leaves_files_that_are_not_utf8_to_gits_merge(tmp_path: Path, in_crm: Path) -> None:
    base_file, ours_file, theirs_file = write_three(tmp_path, "x\n", "x\n", "y\n")
    base_file.write_bytes(b"caf\xe9\n")
    ours_file.write_bytes(b"caf\xe9\n")
    assert drive(base_file, ours_file, theirs_file, "clients/acme.md", 7) == 0
    assert ours_file.read_bytes() == b"y\n"


# ---------------------------------------------------------------- properties

WORDS = st.text(alphabet="abcdefghijklmnop ", min_size=1, max_size=12).map(str.strip).filter(bool)
VALUES = st.text(alphabet="abcXYZ019 +-.:#'\"", min_size=1, max_size=10).filter(
    lambda v: v == v.strip()
)
FIELDS = ("phone", "email", "city", "country", "website")
DATES = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31)).map(date.isoformat)


def render(state: dict) -> str:
    lines = ["---", "name: Acme"]
    for key in FIELDS:
        if key in state["fields"]:
            lines.append(f"{key}: {render_scalar(state['fields'][key])}")
    if state["tags"]:
        lines.append("tags: [" + ", ".join(state["tags"]) + "]")
    lines += ["---", "", *state["body"]]
    if state["tasks"]:
        lines += ["", "## Tasks", ""]
    for task in state["tasks"].values():
        box = "x" if task["done"] else " "
        tokens = f" due:{task['due']}" + (f" done:{task['done']}" if task["done"] else "")
        lines.append(f"- [{box}] {task['title']}{tokens} id:{task['id']}")
        lines += [f"  {note}" for note in task["notes"]]
    if state["log"]:
        lines += ["", "## Log", ""]
    lines += [f"- {day} {who}: {text}" for day, who, text in sorted(state["log"])]
    return "\n".join(lines) + "\n"


def copy(state: dict) -> dict:
    return {
        "fields": dict(state["fields"]),
        "tags": list(state["tags"]),
        "body": list(state["body"]),
        "tasks": {k: {**v, "notes": list(v["notes"])} for k, v in state["tasks"].items()},
        "log": list(state["log"]),
    }


@st.composite
def base_states(draw: st.DrawFn) -> dict:
    fields = draw(st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
    tasks = {}
    for n in range(draw(st.integers(0, 4))):
        tid = f"base{n}x"
        tasks[tid] = {
            "id": tid,
            "title": f"Base task {n}",
            "due": draw(DATES),
            "done": None,
            "notes": [],
        }
    log = [(draw(DATES), "anna", f"base entry {n}") for n in range(draw(st.integers(0, 3)))]
    body = [f"Base paragraph {n}." for n in range(draw(st.integers(0, 2)))]
    return {
        "fields": fields,
        "tags": draw(st.lists(st.sampled_from(["vip", "retail", "b2b"]), unique=True)),
        "body": body,
        "tasks": tasks,
        "log": log,
    }


@st.composite
def side(draw: st.DrawFn, base: dict, name: str) -> tuple[dict, dict]:
    """A side's edits of the base: returns the new state and what was done."""
    state = copy(base)
    done: dict = {
        "added": [],
        "completed": {},
        "deleted": [],
        "fields": {},
        "tags": [],
        "log": [],
        "body": [],
    }
    for n in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["add", "complete", "delete", "field", "tag", "log", "body"]))
        if op == "add":
            tid = f"{name}{n}zz"
            state["tasks"][tid] = {
                "id": tid,
                "title": f"{name} task {n}",
                "due": draw(DATES),
                "done": None,
                "notes": [],
            }
            done["added"].append(tid)
        elif op == "complete":
            open_ids = [t for t, task in state["tasks"].items() if not task["done"]]
            if open_ids:
                tid = draw(st.sampled_from(open_ids))
                state["tasks"][tid]["done"] = "2026-11-27"
                state["tasks"][tid]["notes"].append(f"{name} result {n}")
                done["completed"][tid] = f"{name} result {n}"
        elif op == "delete":
            untouched = [
                t for t in state["tasks"] if t in base["tasks"] and t not in done["completed"]
            ]
            if untouched:
                tid = draw(st.sampled_from(untouched))
                del state["tasks"][tid]
                done["deleted"].append(tid)
        elif op == "field":
            key = draw(st.sampled_from(FIELDS))
            state["fields"][key] = f"{name}{n} {draw(VALUES)}"
            done["fields"][key] = state["fields"][key]
        elif op == "tag":
            tag = f"{name}tag{n}"
            state["tags"].append(tag)
            done["tags"].append(tag)
        elif op == "log":
            entry = (draw(DATES), name, f"{name} note {n}")
            state["log"].append(entry)
            done["log"].append(entry)
        else:
            state["body"].append(f"{name} paragraph {n}.")
            done["body"].append(f"{name} paragraph {n}.")
    return state, done


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_merging_never_loses_a_change(data: st.DataObject) -> None:
    base = data.draw(base_states())
    ours, did_ours = data.draw(side(base, "o"))
    theirs, did_theirs = data.draw(side(base, "t"))
    result = merge_record(render(base), render(ours), render(theirs))
    text = result.text
    assert not any(CONFLICT_RE.match(line) for line in text.splitlines())
    record = parse_record(TYPES["client"], "clients/acme.md", text)
    tasks = {task.id: task for task in record.tasks}
    for did in (did_ours, did_theirs):
        for tid in did["added"]:
            assert tid in tasks
        for tid, note in did["completed"].items():
            assert tasks[tid].checked and note in tasks[tid].note
        for entry in did["log"]:
            assert f"- {entry[0]} {entry[1]}: {entry[2]}" in text
        for tag in did["tags"]:
            assert tag in record.fields["tags"]
        for paragraph in did["body"]:
            assert paragraph in text
    for tid in did_ours["deleted"] + did_theirs["deleted"]:
        changed_elsewhere = tid in did_ours["completed"] or tid in did_theirs["completed"]
        assert (tid in tasks) == changed_elsewhere
    for key in FIELDS:
        mine, yours = did_ours["fields"].get(key), did_theirs["fields"].get(key)
        if yours is not None:
            assert record.fields[key] == yours
            if mine is not None and mine != yours:
                assert f"merge kept {key}: {yours}, other value {mine}" in text
        elif mine is not None:
            assert record.fields[key] == mine
    log_dates = [entry.date for entry in record.log if entry.who != "plaincrm"]
    assert log_dates == sorted(log_dates)
    assert merge_record(render(base), render(ours), render(theirs)).text == text


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_merging_with_an_unchanged_side_gives_the_other(data: st.DataObject) -> None:
    base = data.draw(base_states())
    ours, _ = data.draw(side(base, "o"))
    b, o = render(base), render(ours)
    assert merge_record(b, o, b).text == o
    assert merge_record(b, b, o).text == o
    assert merge_record(b, o, o).text == o


def test_driver_outside_sync_prints_its_notes(
    tmp_path: Path, in_crm: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_three(
        tmp_path, BASE, edit(BASE, ("Szeged", "Pécs")), edit(BASE, ("Szeged", "Eger"))
    )
    assert drive(*files, "clients/acme.md", 7) == 0
    assert capsys.readouterr().err == (
        "plaincrm merge: clients/acme.md: changed on both sides: merge kept city: Eger, "
        "other value Pécs (written to ## Log)\n"
    )


@pytest.mark.parametrize(
    "key", ["megjegyzés", "'note'", '"second note"', "Straße", "ключ", "note.v2"]
)
def test_a_field_with_a_non_ascii_or_quoted_key_merges_as_a_field(key: str) -> None:
    base = edit(BASE, ("city: Szeged\n", f"city: Szeged\n{key}: fontos\n"))
    ours = edit(base, (f"{key}: fontos", f"{key}: sürgős"))
    theirs = edit(base, (f"{key}: fontos", f"{key}: ráér"))
    text, notes = merged(base, ours, theirs)
    assert text.count(f"\n{key}:") == 1, text
    assert f"\n{key}: ráér\n" in text
    assert any("other value sürgős" in note for note in notes), notes


def test_front_matter_that_cannot_be_cut_into_fields_takes_theirs_on_a_clash() -> None:
    # a flow list continued on an unindented line: no field atoms, git's lines clash
    base = edit(BASE, ("tags: [vip]\n", "tags: [vip,\ngold]\n"), ("Szeged", "Pécs"))
    ours = edit(base, ("city: Pécs", "city: Győr"))
    theirs = edit(base, ("city: Pécs", "city: Eger"))
    text, notes = merged(base, ours, theirs)
    front = text.split("\n---\n")[0]
    assert "city: Eger" in front and "Győr" not in front and front.count("city:") == 1
    log = text.split("## Log")[1]
    assert "- 2026-11-27 plaincrm: merge kept the other front matter near line 4, yours was " in log
    assert "city: Győr" in log
    assert len(notes) == 1 and "changed on both sides" in notes[0]


def test_a_clash_on_a_block_field_writes_one_log_line() -> None:
    base = edit(BASE, ("city: Szeged\n", "notes: |\n  first line\n  second line\n"))
    ours = edit(base, ("second line", "our second line"))
    theirs = edit(base, ("first line", "their first line"))
    text, notes = merged(base, ours, theirs)
    log = text.split("## Log\n")[1].strip().splitlines()
    assert log == [
        "- 2026-11-20 anna: met at the fair",
        '- 2026-11-27 plaincrm: merge kept notes: "their first line\\nsecond line\\n", '
        'other value "first line\\nour second line\\n"',
    ]
    assert "\n" not in notes[0]


def test_a_record_with_a_setext_heading_parses_and_real_markers_do_not() -> None:
    from plaincrm.core.records import ParseFailure

    heading = BASE.replace("Wholesale", "Background\n=======\n\nWholesale")
    assert parse_record(TYPES["client"], "clients/acme.md", heading).title == "Acme Ltd"
    conflict = BASE.replace(
        "Wholesale customer since 2019.\n",
        "<<<<<<< HEAD\nWholesale.\n=======\nRetail.\n>>>>>>> theirs\n",
    )
    with pytest.raises(ParseFailure) as failed:
        parse_record(TYPES["client"], "clients/acme.md", conflict)
    assert str(failed.value.problem).startswith("clients/acme.md:8: leftover git conflict marker")


# ---------------------------------------------------------------- a task's schedule as one

TASK = "- [ ] Send the offer due:2026-11-29 id:bbbbbb"


def with_task(line: str) -> str:
    return edit(BASE, (TASK, line))


@pytest.mark.parametrize(
    ("base", "ours", "theirs", "kept", "other"),
    [
        # Anna moved it to 20 Dec without a time, Ben to 18 Dec 09:00
        (
            "due:2026-12-15",
            "due:2026-12-20",
            "due:2026-12-18 at:09:00",
            "due:2026-12-18 at:09:00",
            "due:2026-12-20",
        ),
        (
            "due:2026-12-15",
            "due:2026-12-18 at:09:00",
            "due:2026-12-20",
            "due:2026-12-20",
            "due:2026-12-18 at:09:00",
        ),
        # one side changed only the time, the other only the day: still two schedules
        (
            "due:2026-12-15 at:10:00",
            "due:2026-12-15 at:14:00",
            "due:2026-12-16 at:10:00",
            "due:2026-12-16 at:10:00",
            "due:2026-12-15 at:14:00",
        ),
        (
            "due:2026-12-15 at:10:00 dur:1h",
            "due:2026-12-15 at:10:00 dur:2h",
            "due:2026-12-17 at:10:00 dur:1h",
            "due:2026-12-17 at:10:00 dur:1h",
            "due:2026-12-15 at:10:00 dur:2h",
        ),
    ],
)
def test_a_tasks_schedule_merges_as_one(
    base: str, ours: str, theirs: str, kept: str, other: str
) -> None:
    line = "- [ ] Send the offer {} id:bbbbbb"
    text, notes = merged(
        with_task(line.format(base)), with_task(line.format(ours)), with_task(line.format(theirs))
    )
    assert line.format(kept) in text
    logged = f"merge kept {kept} on task bbbbbb, other value {other}"
    assert f"- {TODAY} plaincrm: {logged}\n" in text
    assert notes == [f"changed on both sides: {logged} (written to ## Log)"]


def test_a_schedule_changed_on_one_side_and_another_token_on_the_other_both_land() -> None:
    line = "- [ ] Send the offer {} id:bbbbbb"
    base = with_task(line.format("due:2026-12-15"))
    ours = with_task(line.format("due:2026-12-18 at:09:00"))
    theirs = with_task(line.format("due:2026-12-15 owner:ben"))
    text, notes = merged(base, ours, theirs)
    assert line.format("due:2026-12-18 at:09:00 owner:ben") in text and notes == []
    emptied = with_task("- [ ] Send the offer id:bbbbbb")  # the schedule taken off
    text, notes = merged(base, emptied, ours)
    assert line.format("due:2026-12-18 at:09:00") in text and notes == []


@pytest.mark.parametrize(
    ("ours", "theirs", "kept"),
    [
        # reopened on one side, its done date corrected on the other: never "[ ] done:"
        (
            "- [ ] Send the offer",
            "- [x] Send the offer done:2026-11-21",
            "- [x] Send the offer done:2026-11-21",
        ),
        (
            "- [x] Send the offer done:2026-11-21",
            "- [ ] Send the offer",
            "- [x] Send the offer done:2026-11-21",
        ),
    ],
)
def test_a_tasks_box_and_done_date_merge_as_one(ours: str, theirs: str, kept: str) -> None:
    base = with_task("- [x] Send the offer done:2026-11-20 id:bbbbbb")
    text, notes = merged(base, with_task(f"{ours} id:bbbbbb"), with_task(f"{theirs} id:bbbbbb"))
    assert f"{kept} id:bbbbbb" in text and notes == []


def test_a_task_completed_on_both_sides_on_different_days_keeps_theirs() -> None:
    ours = with_task("- [x] Send the offer due:2026-11-29 done:2026-11-27 id:bbbbbb")
    theirs = with_task("- [x] Send the offer due:2026-11-29 done:2026-11-28 id:bbbbbb")
    text, _ = merged(BASE, ours, theirs)
    assert "- [x] Send the offer due:2026-11-29 done:2026-11-28 id:bbbbbb" in text
    assert "merge kept done:2026-11-28 on task bbbbbb, other value done:2026-11-27" in text


# ---------------------------------------------------------------- changes of form only

REAL = (
    ("city: Szeged", "city: Budapest"),
    ("since 2019.", "since 2018."),
    ("- [ ] Call Peter due", "- [ ] Call Peter Nagy due"),
    ("fair\n", "fair\n- 2026-11-25 ben: visited\n"),
)
SPACED = edit(BASE, ("city: Szeged", "city: Szeged  "), ("since 2019.", "since 2019. \t"))


def strip_trailing(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n"))


# (name, the base, the base with its form changed, how the result must look)
FORMS = [
    ("crlf", BASE, BASE.replace("\n", "\r\n"), lambda text: "\n" not in text.replace("\r\n", "")),
    ("lf", BASE.replace("\n", "\r\n"), BASE, lambda text: "\r" not in text),
    ("bom", BASE, "\ufeff" + BASE, lambda text: text.startswith("\ufeff---\n")),
    ("no bom", "\ufeff" + BASE, BASE, lambda text: text.startswith("---\n")),
    ("trailing whitespace", SPACED, strip_trailing(SPACED), lambda text: True),
    (
        "requoted",
        BASE,
        edit(
            BASE, ("city: Szeged", 'city: "Szeged"'), ('phone: "+36 1 111"', "phone: '+36 1 111'")
        ),
        lambda text: "phone: '+36 1 111'" in text,
    ),
    (
        "block list",
        BASE,
        edit(BASE, ("tags: [vip]", "tags:\n  - vip")),
        lambda text: "tags:\n  - vip\n" in text,
    ),
    ("no final newline", BASE, BASE.rstrip("\n"), lambda text: True),
]


@pytest.mark.parametrize("form", FORMS, ids=[form[0] for form in FORMS])
@pytest.mark.parametrize("side", ["ours", "theirs"])
def test_a_change_of_form_only_never_overrides_a_real_change(form: tuple, side: str) -> None:
    _, base, reformed, looks = form
    crlf = "\r\n" in base
    real = edit(
        base,
        *(
            (old.replace("\n", "\r\n"), new.replace("\n", "\r\n")) if crlf else (old, new)
            for old, new in REAL
        ),
    )
    ours, theirs = (reformed, real) if side == "ours" else (real, reformed)
    result = merge_record(base, ours, theirs)
    assert result.notes == []
    text = result.text
    assert "plaincrm: merge kept" not in text
    plain = text.removeprefix("\ufeff").replace("\r\n", "\n")
    for _, new in REAL:
        assert new in plain, (new, text)
    assert "Szeged" not in plain and "since 2019." not in plain
    assert looks(text), text
    fields = parse_record(TYPES["client"], "clients/acme.md", text).fields
    assert fields["city"] == "Budapest" and fields["phone"] == "+36 1 111"


# ---------------------------------------------------------------- front matter that does not parse

BROKE = ('phone: "+36 1 111"', "phone: [+36 1 111")  # a flow list never closed


def front_keys(text: str) -> list[str]:
    front = text.split("\n---\n")[0].splitlines()[1:]
    return [line.split(":")[0] for line in front if line and not line.startswith(" ")]


@pytest.mark.parametrize("broken_side", ["ours", "theirs"])
def test_a_side_with_broken_front_matter_never_moves_or_doubles_a_key(broken_side: str) -> None:
    broken = edit(BASE, BROKE)
    other = edit(
        BASE,
        ("tags: [vip]", "tags: [vip, gold]"),
        ("id:bbbbbb\n", "id:bbbbbb\n- [ ] New id:cccccc\n"),
    )
    ours, theirs = (broken, other) if broken_side == "ours" else (other, broken)
    result = merge_record(BASE, ours, theirs)
    assert front_keys(result.text) == ["name", "phone", "city", "tags"], result.text
    assert "phone: [+36 1 111\n" in result.text  # the broken side's own change stays
    assert "tags: [vip, gold]" in result.text and "- [ ] New id:cccccc" in result.text
    assert result.notes == []


@pytest.mark.parametrize("broken_side", ["ours", "theirs"])
def test_broken_front_matter_and_a_change_to_the_same_line_keep_theirs(broken_side: str) -> None:
    broken = edit(BASE, ("city: Szeged", "city: [Szeged"))
    other = edit(BASE, ("city: Szeged", "city: Budapest"))
    ours, theirs = (broken, other) if broken_side == "ours" else (other, broken)
    result = merge_record(BASE, ours, theirs)
    assert front_keys(result.text) == ["name", "phone", "city", "tags"], result.text
    city = {
        name: next(line for line in text.splitlines() if line.startswith("city:"))
        for name, text in (("ours", ours), ("theirs", theirs))
    }
    front, log = result.text.split("\n---\n")[0] + "\n", result.text.split("## Log")[1]
    assert f"\n{city['theirs']}\n" in front
    assert f"yours was {city['ours']}" in log
