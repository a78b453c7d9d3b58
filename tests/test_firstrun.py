"""The first run on a large CRM: ``today`` from a quick look while the index is built.

The look (``firstrun.needs_parse``) may leave a file out only when the day view
cannot depend on it; property tests compare it with the record parser on
generated files, awkward ones included.  The quick view must equal the view
from the whole index, and the index must be built by the process it starts.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_index_parse import front_matter

from conftest import Crm
from plaincrm.core import firstrun
from plaincrm.core.frontmatter import scan_simple
from plaincrm.core.index import INDEX_DIR, LOCK_NAME
from plaincrm.core.model import TYPES
from plaincrm.core.records import ParseFailure, parse_record
from plaincrm.documents.settings import INVOICE, PAYMENT
from plaincrm.sales.deallog import CLOSED
from plaincrm.service.sla import DONE

DAYS = ["2026-11-27", "2026-11-30", "2025-01-01"]
WHO = st.sampled_from(["anna", "ben", None])
VALUES = ["anna", "ben", '"anna"', "'ben'", "~", "", "[anna]", "won", "lost", '"won"', "Won"]
VALUES += ["proposal", "resolved", "closed", "new", "invoice", "payment", "quote", '"invoice"']
VALUES += ["x # c", "a: b", "@x", "Acme Ltd", "Kovács és Társa", "x:y"]
KEYS = ["owner", "stage", "status", "kind", "name", "title", "subject"]


@st.composite
def relevant_front(draw: st.DrawFn) -> str:
    """Front matter lines of the keys the look reads, in the shapes people write."""
    lines = []
    twice = draw(st.integers(0, 4)) == 0  # a key twice: a broken file
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=5, unique=not twice)):
        value = draw(st.sampled_from(VALUES))
        lines.append(f"{key}: {value}" if value else f"{key}:")
        if not value and draw(st.booleans()):
            lines.append("  - anna")
    return "".join(line + "\n" for line in lines)


TASK_LINES = st.sampled_from(
    [
        "- [ ] Call due:2026-11-27",
        "- [ ] Call due:2026-11-26 owner:ben",
        "- [ ] Call due:2026-11-26 owner:anna",
        "* [ ] Later due:2026-12-24",
        "+ [ ] Later due:2026-12-24 due:2026-11-01",
        "- [ ] Glued due:2026-12-24x",
        "- [ ] Odd due:2026-13-45",
        "- [ ] Odd due:tomorrow",
        "- [ ] Spaced\u00a0due:2026-11-20",
        "- [ ] No date at all",
        "- [ ] Windows due:2026-11-27\r",
        "- [x] Done due:2026-11-20 done:2026-11-20",
        "- [X] Done due:2026-11-01",
        "-[ ] Not a task due:2026-11-01",
        "- [ ]due:2026-11-01",
        "  - [ ] Indented due:2026-11-01",
        "  note due:2026-11-01",
        "## Tasks",
        "## Log",
        "- 2026-11-01 anna: lead -> proposal",
        "```",
        "",
        "text with due:2026-11-01 in it",
        "<<<<<<< HEAD",
        "=======",
    ]
)


@st.composite
def record_file(draw: st.DrawFn) -> bytes:
    front = draw(relevant_front())
    if draw(st.integers(0, 2)) == 0:  # more front matter, of every shape
        front = draw(front_matter()) + front + draw(front_matter())
    body = ["", "## Tasks", "", *draw(st.lists(TASK_LINES, max_size=draw(st.sampled_from([2, 8]))))]
    text = "---\n" + front + "---\n" + "\n".join(body) + "\n"
    return text.encode("utf-8")


@settings(max_examples=2000, deadline=None)
@given(st.one_of(front_matter(), relevant_front()))
@example("tags: [a, b c]\ncontacts:\n  - name: X\n    role: y\n\n  - plain\nowner: ~\n")
@example('a: x:y\nb: "q: r"\n# note\n\nc:\n')
def test_front_matter_the_look_accepts_is_read_by_the_line_scanner(front: str) -> None:
    values = firstrun.front_values(b"---\n" + front.encode() + b"---\n")
    if values is None:
        return
    scanned = scan_simple(front, 2)
    assert scanned is not None, "the look accepted what the scanner leaves to YAML"
    assert [key.decode() for key in values] == list(scanned.values)
    for key, raw in values.items():
        value = firstrun.scalar(raw)
        if value is not firstrun.UNSURE:
            assert scanned.values[key.decode()] == value


def depends_on(record, day: str, owner: str | None) -> bool:
    """Whether the day view of ``owner`` on ``day`` reads anything of ``record``, as the
    index would give it to the view."""
    mine = owner is None or record.owner in (owner, None)
    for task in record.tasks:
        if task.checked or not task.due or task.due > day:
            continue
        if owner is None or record.task_owner(task) in (owner, None):
            return True
    kind = record.type.name
    if kind == "deal":
        return mine and record.get_text("stage") not in CLOSED
    if kind == "ticket":
        return mine and (record.get_text("status") or "new") not in DONE
    if kind == "document":
        return record.get_text("kind") in (INVOICE, PAYMENT)
    return False


@settings(max_examples=2000, deadline=None)
@given(
    record_file(),
    st.sampled_from(["client", "deal", "ticket", "document"]),
    st.sampled_from(DAYS),
    WHO,
)
@example(b"---\nowner: ben\nstage: won\n---\n", "deal", "2026-11-27", "anna")
@example(b"---\nname: Acme\ncontacts:\n  - name: A\n    name: B\n---\n", "client", DAYS[0], None)
@example(
    b"---\nowner: ben\n---\n## Tasks\n- [ ] x owner:anna due:2026-11-01\n",
    "client",
    DAYS[0],
    "anna",
)
def test_a_file_left_out_cannot_change_the_day_view(
    data: bytes, type_name: str, day: str, owner: str | None
) -> None:
    rtype = TYPES[type_name]
    found = firstrun.needs_parse(data, rtype, day.encode(), owner)
    if found is True:
        return
    try:
        record = parse_record(rtype, f"{rtype.folder}/x-slug.md", data.decode("utf-8"))
    except ParseFailure as failure:
        raise AssertionError(f"left out a broken file: {failure.problem}") from None
    assert not depends_on(record, day, owner)
    if type_name == "client":
        assert (found or "x-slug") == record.title


def test_the_look_leaves_out_what_it_can_be_sure_of() -> None:
    deal, client = TYPES["deal"], TYPES["client"]
    day = b"2026-11-27"
    closed = (
        b"---\ntitle: T\nstage: won\nowner: anna\n---\n\n## Tasks\n\n- [x] Sent due:2026-11-01\n"
    )
    assert firstrun.needs_parse(closed, deal, day, "anna") is False
    theirs = closed.replace(b"stage: won", b"stage: proposal").replace(b"anna", b"ben")
    assert firstrun.needs_parse(theirs, deal, day, "anna") is False
    assert firstrun.needs_parse(theirs, deal, day, None) is True
    assert firstrun.needs_parse(theirs, deal, day, "ben") is True
    named = b'---\nname: "Acme: the first"\ncontacts:\n  - name: A\n    role: boss\n---\n'
    assert firstrun.needs_parse(named, client, day, "anna") == "Acme: the first"
    later = named + b"\n## Tasks\n\n- [ ] Call due:2026-12-01 id:abc123\n"
    assert firstrun.needs_parse(later, client, day, "anna") == "Acme: the first"
    assert firstrun.needs_parse(later, client, b"2026-12-01", "anna") is True
    for unsure in (
        named.replace(b"---\n", b"---\r\n", 1),  # CRLF: the scanner reads it, the look does not
        named + b"<<<<<<< HEAD\n",
        b"\xef\xbb\xbf" + named,
        named.replace(b"role: boss", b"name: B"),  # a key twice in a contact: broken
        named.replace(b"name: ", b"name: [", 1),
        b"---\nname: x\n",  # not closed
        named + b"\xff",  # not UTF-8
    ):
        assert firstrun.needs_parse(unsure, client, day, "anna") is True, unsure


# ---------------------------------------------------------------- the quick view


def deal(owner: str, stage: str, close: str, tasks: str = "") -> str:
    return (
        f"---\nclient: c00\ntitle: Deal of {owner}\nstage: {stage}\namount: 100\n"
        f"close: {close}\nowner: {owner}\ncreated: 2026-11-01\n---\n\n## Tasks\n\n{tasks}"
    )


def fill(crm: Crm) -> int:
    """A CRM of every kind of record the day view reads; the number of record files."""
    files = {}
    for i in range(12):
        owner = ("anna", "ben", "")[i % 3]
        files[f"clients/c{i:02d}.md"] = (
            f"---\nname: Client {i}\n{'owner: ' + owner if owner else ''}\n"
            "contacts:\n  - name: Eva\n    role: buyer\n---\n\n## Tasks\n\n"
            f"- [ ] Call {i} due:2026-11-{20 + i:02d} at:{9 + i % 8:02d}:00 id:c{i:05d}\n"
            f"- [ ] Ben's {i} due:2026-11-25 owner:ben id:b{i:05d}\n"
            "- [x] Sent due:2026-11-01 done:2026-11-01\n"
        )
    files["deals/open-anna.md"] = deal("anna", "proposal", "2026-11-01")
    files["deals/open-ben.md"] = deal("ben", "lead", "2027-01-01", "- [ ] Next due:2027-01-02\n")
    files["deals/won-anna.md"] = deal("anna", "won", "2026-10-01")
    files["deals/nobodys.md"] = deal("anna", '"negotiation"', "2026-12-01").replace(
        "owner: anna\n", ""
    )
    files["tickets/t1.md"] = (
        '---\nclient: c01\nsubject: "Broken: machine"\nkind: complaint\npriority: high\n'
        "status: open\nopened: 2026-11-20 10:00\nowner: anna\n---\n\n## Conversation\n\n"
        "- 2026-11-20 10:00 client: It stopped.\n"
    )
    files["tickets/t2.md"] = files["tickets/t1.md"].replace("status: open", "status: resolved")
    files["documents/inv-1.md"] = (
        "---\nkind: invoice\ntitle: Invoice one\nclient: c02\nstatus: issued\nnumber: A-1\n"
        "date: 2026-10-01\ndue: 2026-10-15\namount: 1000\ncurrency: EUR\nowner: ben\n"
        "items:\n  - description: Machine\n    price: 1000\n---\n"
    )
    files["documents/pay-1.md"] = (
        "---\nkind: payment\ntitle: Payment\nclient: c02\nstatus: received\ndate: 2026-10-20\n"
        "amount: 400\ncurrency: EUR\nrelated: [inv-1]\nowner: ben\n---\n"
    )
    files["clients/broken.md"] = "---\nname: [unclosed\n---\n"
    files["clients/conflict.md"] = "---\nname: C\n---\n<<<<<<< HEAD\n=======\n>>>>>>> x\n"
    files["clients/crlf.md"] = (
        "---\r\nname: Windows\r\n---\r\n## Tasks\r\n- [ ] Win due:2026-11-27\r\n"
    )
    for path, text in files.items():
        crm.write(path, text)
    os.symlink("c03.md", crm.root / "clients" / "link.md")
    crm.git("add", "-A")
    crm.git("commit", "-qnm", "records")  # -n: the broken files on purpose
    return len(files) + 1


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    """Hold the build lock as a building process would."""
    (root / INDEX_DIR).mkdir(exist_ok=True)
    handle = os.open(root / INDEX_DIR / LOCK_NAME, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)


def indexed_files(root: Path) -> int:
    conn = sqlite3.connect(root / INDEX_DIR / "index.sqlite")
    try:
        return conn.execute("SELECT count(*) FROM files").fetchone()[0]
    finally:
        conn.close()


VIEWS = [
    ("today", "--json"),
    ("today", "--all", "--json"),
    ("today", "--owner", "ben", "--json"),
    ("today", "--date", "2026-12-02", "--json"),
    ("plan", "--json"),
]


@pytest.fixture
def big(crm: Crm, monkeypatch: pytest.MonkeyPatch) -> tuple[Crm, int]:
    """A CRM taken for a large one, and its number of record files."""
    monkeypatch.setattr(firstrun, "QUICK_MIN", 5)
    monkeypatch.setenv("PLAINCRM_TIME", "11:00")
    return crm, fill(crm)


def test_the_quick_view_is_the_view_of_the_whole_index(big: tuple[Crm, int]) -> None:
    crm, files = big
    with build_lock(crm.root):  # as while another process builds: no process is started
        quick = [crm.run(*view) for view in VIEWS]
        assert indexed_files(crm.root) == 0
    crm.run("task", "list")  # builds the whole index
    assert indexed_files(crm.root) == files
    full = [crm.run(*view) for view in VIEWS]
    for fast, slow in zip(quick, full, strict=True):
        assert json.loads(fast.stdout) == json.loads(slow.stdout)
        assert fast.stderr == slow.stderr
    first = json.loads(quick[0].stdout)
    assert [a["record"] for a in first["attention"]] == [
        "deals/open-anna.md",
        "deals/nobodys.md",
        "tickets/t1.md",
    ]
    assert "documents/inv-1.md" in [a["record"] for a in json.loads(quick[1].stdout)["attention"]]
    assert "clients/broken.md" in quick[0].stderr and "clients/conflict.md" in quick[0].stderr
    assert "Win" in quick[0].stdout


def wait_for_build(root: Path) -> None:
    with build_lock(root):
        pass


def test_the_first_today_leaves_the_index_to_a_process_of_its_own(
    big: tuple[Crm, int],
) -> None:
    crm, files = big
    result = crm.run("today", "--json")
    wait_for_build(crm.root)
    assert indexed_files(crm.root) == files
    assert crm.run("today", "--json").stdout == result.stdout
    assert "Win" in crm.run("task", "list", "--json").stdout


def test_a_command_that_needs_the_whole_index_waits_for_its_build(
    big: tuple[Crm, int],
) -> None:
    crm, files = big
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    with build_lock(crm.root):
        run = subprocess.Popen(
            [sys.executable, "-m", "plaincrm", "-C", str(crm.root), "task", "list", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            run.wait(timeout=2)
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    assert "Win" in out
    assert indexed_files(crm.root) == files


def test_a_small_crm_builds_its_index_at_once(crm: Crm) -> None:
    crm.write("clients/a.md", "---\nname: A\n---\n")
    crm.run("today")
    assert indexed_files(crm.root) == 1


def test_the_day_views_run_while_the_index_is_built_take_the_first_look_up(
    big: tuple[Crm, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second and third views of a fresh clone do not look at every file again: they
    take up the quick index the first one kept, and look only at the files that changed."""
    crm, files = big
    monkeypatch.setattr(firstrun, "RACY_SECONDS", -60)  # the files here were just written
    looked: list[bytes] = []
    needs_parse = firstrun.needs_parse

    def counting(data: bytes, *args: object) -> bool | str:
        looked.append(data)
        return needs_parse(data, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(firstrun, "needs_parse", counting)
    with build_lock(crm.root):  # the build goes on all along
        first = crm.run("today", "--json").stdout
        assert len(looked) == files - 1  # each regular file once (and the symlink parsed)
        looked.clear()
        assert crm.run("today", "--json").stdout == first
        crm.run("plan", "--json")  # the next days: within those the first look covered
        crm.run("today", "--date", "2026-11-30")
        assert looked == []
        assert {"Call 2", "Call 3"} <= {row["title"] for row in json.loads(first)["overdue"]}
        done = crm.read("clients/c02.md").replace("- [ ] Call 2", "- [x] Call 2")
        crm.write("clients/c02.md", done.replace("id:c00002", "done:2026-11-27 id:c00002"))
        (crm.root / "clients/c03.md").unlink()
        crm.write(
            "clients/new.md",
            "---\nname: New\nowner: anna\n---\n## Tasks\n- [ ] Fresh due:2026-11-27\n",
        )
        quick = json.loads(crm.run("today", "--json").stdout)
        assert len(looked) == 2  # the changed file and the new one
        looked.clear()
        ben = crm.run("today", "--owner", "ben", "--json")  # another person: a look of their own
        assert len(looked) == files - 1
        assert indexed_files(crm.root) == 0
    crm.run("task", "list")  # builds the whole index
    assert quick == json.loads(crm.run("today", "--json").stdout)
    assert json.loads(ben.stdout) == json.loads(crm.run("today", "--owner", "ben", "--json").stdout)
    titles = [row["title"] for row in quick["anytime"] + quick["overdue"]]
    assert "Fresh" in titles and "Call 2" not in titles and "Call 3" not in titles


def test_a_kept_quick_index_sees_an_edit_that_keeps_size_and_time(
    big: tuple[Crm, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    crm, _ = big
    monkeypatch.setattr(firstrun, "RACY_SECONDS", -60)
    path = crm.root / "clients/c03.md"
    with build_lock(crm.root):
        assert "Call 3" in crm.run("today").stdout
        stat = path.stat()
        path.write_text(path.read_text().replace("Call 3", "Mail 3"))
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the change time moves
        out = crm.run("today").stdout
    assert "Mail 3" in out and "Call 3" not in out


def test_the_build_removes_the_kept_quick_indexes(big: tuple[Crm, int]) -> None:
    crm, files = big
    crm.run("today")
    wait_for_build(crm.root)
    assert indexed_files(crm.root) == files
    assert not list((crm.root / INDEX_DIR).glob("quick-*"))
