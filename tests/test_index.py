"""The incremental index never serves stale data, and only re-reads what changed.

Every test changes real files in a real CRM (in git or not) and checks what a
new ``Store`` (as the next plaincrm command would) sees.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import Crm, git
from plaincrm.core import index as index_module
from plaincrm.core.errors import AmbiguousError, NotFoundError
from plaincrm.core.index import INDEX_DIR, INDEX_NAME, blob_id
from plaincrm.core.store import Store


def record(name: str, task: str = "Call them", due: str = "2026-11-27") -> str:
    return f"---\nname: {name}\nowner: anna\n---\n\n## Tasks\n\n- [ ] {task} due:{due}\n"


def titles(root: Path) -> dict[str, list[str]]:
    """Each record's task titles, as a fresh store (the next command) sees them."""
    store = Store(root)
    out: dict[str, list[str]] = {}
    for entry in store.tasks(state="all"):
        out.setdefault(entry.path, []).append(entry.task.title)
    return out


def names(root: Path) -> set[str]:
    """The titles the index holds for the three clients."""
    paths = [f"clients/{slug}.md" for slug in ("acme", "bolt", "corvo")]
    return set(Store(root).titles(paths).values())


def changed_paths(root: Path) -> list[str]:
    """What the next refresh would parse again (and what it would drop)."""
    store = Store(root)
    changes = store._index.changes()
    return sorted([item.path for item in changes.parse] + changes.gone)


@pytest.fixture
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as old enough at once (instead of waiting RACY_SECONDS)."""
    monkeypatch.setattr(index_module, "RACY_SECONDS", -60)


@pytest.fixture(params=["racy", "settled"])
def either_window(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run a test as it happens (git's index and the files just written: nothing is
    trusted by its stat data) and as if everything were old enough (git's index file
    unchanged since the last run: git's listing is not asked for again)."""
    if request.param == "settled":
        monkeypatch.setattr(index_module, "RACY_SECONDS", -60)


def settle(crm: Crm) -> None:
    """Index the files and check the index then has nothing left to do."""
    titles(crm.root)
    assert changed_paths(crm.root) == []


@pytest.fixture
def three(crm: Crm) -> Crm:
    for slug in ("acme", "bolt", "corvo"):
        crm.write(f"clients/{slug}.md", record(slug.capitalize(), f"Call {slug}"))
    crm.git("add", "clients")
    crm.git("commit", "-qm", "three clients")
    settle(crm)
    return crm


def test_a_hand_edit_is_seen_and_only_that_file_is_read_again(
    three: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.write("clients/bolt.md", record("Bolt", "Send the offer"))
    assert changed_paths(three.root) == ["clients/bolt.md"]
    assert titles(three.root)["clients/bolt.md"] == ["Send the offer"]
    monkeypatch.setattr(index_module, "RACY_SECONDS", -60)
    titles(three.root)
    assert changed_paths(three.root) == []


def test_a_same_size_edit_in_the_same_clock_tick_is_seen(three: Crm) -> None:
    """Rewrite one character in place and put the old timestamps back: stat data
    that matches in every field the filesystem lets a user set."""
    path = three.root / "clients/acme.md"
    path.write_text(record("Acme", "Call acme"))
    before = path.stat()
    store = Store(three.root)
    assert [e.task.title for e in store.tasks(paths=["clients/acme.md"])] == ["Call acme"]
    racy = store.index.conn.execute("SELECT racy FROM files WHERE path='clients/acme.md'")
    assert racy.fetchone() == (1,)
    with open(path, "r+b") as handle:
        handle.seek(handle.read().index(b"Call acme"))
        handle.write(b"Mail")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )
    assert titles(three.root)["clients/acme.md"] == ["Mail acme"]


def test_a_fresh_file_is_read_again_until_it_is_old_enough(
    three: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file changed just now is 'racy': the next run reads it again even when
    its stat data is unchanged, since a change in the same tick could hide."""
    three.write("clients/delta.md", record("Delta"))
    titles(three.root)
    assert changed_paths(three.root) == ["clients/delta.md"]
    titles(three.root)
    assert changed_paths(three.root) == ["clients/delta.md"]
    monkeypatch.setattr(index_module, "RACY_SECONDS", -60)  # as if 60 seconds had passed
    titles(three.root)
    assert changed_paths(three.root) == []


@pytest.mark.parametrize("skew_days", [400, -400])
def test_a_fresh_file_is_racy_whatever_the_process_clock_says(
    three: Crm, monkeypatch: pytest.MonkeyPatch, skew_days: int
) -> None:
    """A file's age is measured by the clock that stamped it (the filesystem's), not
    by the process's: a clock a year ahead (faketime, a skewed network filesystem)
    must not make a file written just now look settled, nor a same-tick edit vanish."""
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + skew_days * 86_400 * 10**9)
    path = three.root / "clients/delta.md"
    path.write_text(record("Delta", "Call delta"))
    before = path.stat()
    assert titles(three.root)["clients/delta.md"] == ["Call delta"]
    assert changed_paths(three.root) == ["clients/delta.md"]
    with open(path, "r+b") as handle:  # same size, old timestamps put back
        handle.seek(len(b"---\nname: Delta\nowner: anna\n---\n\n## Tasks\n\n- [ ] "))
        handle.write(b"Mail")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert titles(three.root)["clients/delta.md"] == ["Mail delta"]


def test_a_same_second_edit_of_a_committed_file_is_seen(three: Crm) -> None:
    """Tracked and clean, then changed with the same size and mtime: git's racy check
    or the stat data must catch it; the index must not trust the old blob id."""
    path = three.root / "clients/corvo.md"
    before = path.stat()
    path.write_text(record("Corvo", "Mail corvo"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert titles(three.root)["clients/corvo.md"] == ["Mail corvo"]


@pytest.mark.usefixtures("either_window")
def test_delete_and_rename(three: Crm) -> None:
    (three.root / "clients/acme.md").unlink()
    (three.root / "clients/bolt.md").rename(three.root / "clients/bolt-ltd.md")
    assert sorted(titles(three.root)) == ["clients/bolt-ltd.md", "clients/corvo.md"]
    store = Store(three.root)
    assert store.resolve("bolt") == "clients/bolt-ltd.md"
    three.fail("client", "show", "acme", code=3)


@pytest.mark.usefixtures("either_window")
def test_git_mv_and_git_rm(three: Crm) -> None:
    three.git("mv", "clients/acme.md", "clients/acme-ltd.md")
    three.git("rm", "-q", "clients/bolt.md")
    three.git("commit", "-qm", "rename and remove")
    assert sorted(titles(three.root)) == ["clients/acme-ltd.md", "clients/corvo.md"]


@pytest.mark.usefixtures("either_window")
def test_branch_checkout_is_seen_both_ways(three: Crm) -> None:
    three.git("checkout", "-q", "-b", "other")
    three.write("clients/acme.md", record("Acme", "Other branch task"))
    three.write("clients/echo.md", record("Echo"))
    three.git("add", "clients")
    three.git("commit", "-qm", "other branch")
    three.git("checkout", "-q", "main")
    settle(three)
    assert "clients/echo.md" not in titles(three.root)
    three.git("checkout", "-q", "other")
    seen = titles(three.root)
    assert seen["clients/acme.md"] == ["Other branch task"]
    assert "clients/echo.md" in seen
    three.git("checkout", "-q", "main")
    seen = titles(three.root)
    assert seen["clients/acme.md"] == ["Call acme"]
    assert "clients/echo.md" not in seen


@pytest.mark.usefixtures("either_window")
def test_a_pull_of_another_clones_changes_is_seen(three: Crm, tmp_path: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(three.root), str(other))
    (other / "clients/bolt.md").write_text(record("Bolt", "Pulled task"))
    (other / "clients/fox.md").write_text(record("Fox"))
    (other / "clients/corvo.md").unlink()
    git(other, "add", "-A", "clients")
    git(other, "commit", "-qm", "changes from a colleague")
    three.git("pull", "-q", "--no-rebase", str(other), "main")
    seen = titles(three.root)
    assert seen["clients/bolt.md"] == ["Pulled task"]
    assert "clients/fox.md" in seen
    assert "clients/corvo.md" not in seen


@pytest.mark.usefixtures("either_window")
def test_staged_then_edited_again(three: Crm) -> None:
    three.write("clients/acme.md", record("Acme", "Staged"))
    three.git("add", "clients/acme.md")
    assert titles(three.root)["clients/acme.md"] == ["Staged"]
    three.write("clients/acme.md", record("Acme", "Edited after staging"))
    assert titles(three.root)["clients/acme.md"] == ["Edited after staging"]
    three.git("commit", "-qam", "edit")
    assert titles(three.root)["clients/acme.md"] == ["Edited after staging"]


@pytest.mark.usefixtures("either_window")
def test_assume_unchanged_files_are_still_checked(three: Crm) -> None:
    three.git("update-index", "--assume-unchanged", "clients/acme.md")
    three.write("clients/acme.md", record("Acme", "Hidden from git"))
    assert titles(three.root)["clients/acme.md"] == ["Hidden from git"]


def test_a_clean_committed_file_is_trusted_by_its_blob_id(three: Crm) -> None:
    """What makes warm runs cheap in git: a clean tracked file whose blob id the
    index holds is not even stat-compared, yet a commit that changes it is seen."""
    store = Store(three.root)
    row = store.index.conn.execute("SELECT blob FROM files WHERE path='clients/acme.md'").fetchone()
    assert row[0] == blob_id((three.root / "clients/acme.md").read_bytes())
    assert row[0] == three.git("rev-parse", "HEAD:clients/acme.md").strip()


@pytest.mark.usefixtures("no_racy_window")
def test_a_crm_in_a_subfolder_of_a_git_repository(tmp_path: Path, crm: Crm) -> None:
    outer = tmp_path / "outer"
    outer.mkdir()
    git(outer, "init", "-q")
    crm_root = outer / "team" / "crm"
    crm.runner.invoke(
        __import__("plaincrm.cli", fromlist=["cli"]).cli, ["init", str(crm_root), "--user", "anna"]
    )
    (crm_root / "clients/acme.md").write_text(record("Acme"))
    git(outer, "add", "-A")
    git(outer, "commit", "-qm", "crm in a subfolder")
    assert titles(crm_root) == {"clients/acme.md": ["Call them"]}
    assert changed_paths(crm_root) == []
    (crm_root / "clients/acme.md").write_text(record("Acme", "Changed"))
    assert changed_paths(crm_root) == ["clients/acme.md"]
    assert titles(crm_root) == {"clients/acme.md": ["Changed"]}


@pytest.mark.usefixtures("no_racy_window")
def test_outside_git(tmp_path: Path, crm: Crm) -> None:
    from plaincrm.cli import cli

    root = tmp_path / "plain"
    result = crm.runner.invoke(cli, ["init", str(root), "--no-git", "--user", "anna"])
    assert result.exit_code == 0, result.output
    (root / "clients/acme.md").write_text(record("Acme"))
    assert titles(root) == {"clients/acme.md": ["Call them"]}
    assert changed_paths(root) == []
    (root / "clients/acme.md").write_text(record("Acme", "Changed"))
    assert titles(root) == {"clients/acme.md": ["Changed"]}
    (root / "clients/acme.md").unlink()
    assert titles(root) == {}


def test_a_broken_file_is_skipped_then_seen_when_fixed(three: Crm) -> None:
    three.write("clients/bolt.md", "---\nname: [unclosed\n---\n")
    result = three.run("today", "--all")
    assert "clients/bolt.md:2:" in result.stderr
    assert "Call bolt" not in result.stdout
    three.write("clients/bolt.md", record("Bolt", "Call bolt again"))
    assert "Call bolt again" in three.run("today", "--all").stdout


def test_files_that_are_not_records_are_ignored(three: Crm) -> None:
    three.write("clients/notes.txt", "not a record")
    three.write("clients/.hidden.md", record("Hidden"))
    (three.root / "clients/folder.md").mkdir()
    three.write("clients/nested/deep.md", record("Deep"))
    assert sorted(titles(three.root)) == [
        "clients/acme.md",
        "clients/bolt.md",
        "clients/corvo.md",
    ]


def test_a_symlink_out_of_the_crm_is_not_read(three: Crm, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text(record("Secret"))
    (three.root / "clients/secret.md").symlink_to(outside)
    (three.root / "clients/alias.md").symlink_to(three.root / "clients/acme.md")
    seen = titles(three.root)
    assert "clients/secret.md" not in seen
    assert seen["clients/alias.md"] == ["Call acme"]


# ---------------------------------------------------------------- the cache file


def db(crm: Crm) -> Path:
    return crm.root / INDEX_DIR / INDEX_NAME


def test_a_deleted_cache_is_rebuilt(three: Crm) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(db(three)) + suffix).unlink(missing_ok=True)
    assert sorted(titles(three.root)) == [
        "clients/acme.md",
        "clients/bolt.md",
        "clients/corvo.md",
    ]
    assert db(three).exists()


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.write_bytes(b"this is not a database" * 100),
        lambda path: path.write_bytes(path.read_bytes()[:1000]),
        lambda path: path.write_bytes(b""),
    ],
    ids=["garbage", "truncated", "empty"],
)
def test_a_corrupted_cache_only_costs_a_rebuild(three: Crm, damage) -> None:
    store = Store(three.root)
    store.index.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.index.conn.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db(three)) + suffix).unlink(missing_ok=True)
    damage(db(three))
    result = three.run("today", "--all")
    assert "Call acme" in result.stdout
    assert "Traceback" not in result.stderr
    check = sqlite3.connect(db(three)).execute("PRAGMA integrity_check").fetchone()
    assert check == ("ok",)


def test_an_index_of_another_version_is_rebuilt(three: Crm, monkeypatch) -> None:
    Store(three.root).index.conn.execute("UPDATE files SET title='stale'")
    assert names(three.root) == {"stale"}
    monkeypatch.setattr(index_module, "SCHEMA_VERSION", index_module.SCHEMA_VERSION + 1)
    assert names(three.root) == {"Acme", "Bolt", "Corvo"}


def test_a_read_only_crm_works_from_memory(three: Crm) -> None:
    folder = three.root / INDEX_DIR
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()
    folder.write_text("a file where the folder should be")
    assert sorted(titles(three.root)) == [
        "clients/acme.md",
        "clients/bolt.md",
        "clients/corvo.md",
    ]


# ---------------------------------------------------------------- processes at once


def plaincrm(root: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    return subprocess.Popen(
        [sys.executable, "-m", "plaincrm", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def many(crm: Crm, count: int) -> None:
    for i in range(count):
        crm.write(f"clients/c{i:04d}.md", record(f"Client {i}", f"Task {i}"))


def test_two_processes_building_at_once(crm: Crm) -> None:
    many(crm, 400)
    runs = [plaincrm(crm.root, "task", "list", "--all", "--json") for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert outputs[0][0] == outputs[1][0] == outputs[2][0]
    assert outputs[0][0].count('"title": "Task ') == 400
    conn = sqlite3.connect(db(crm))
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM files").fetchone() == (400,)
    assert conn.execute("SELECT count(*) FROM tasks").fetchone() == (400,)


def test_a_writer_and_readers_at_once(crm: Crm) -> None:
    many(crm, 50)
    crm.run("today")
    writer = plaincrm(crm.root, "task", "add", "c0007", "Added now", "--due", "today")
    readers = [plaincrm(crm.root, "today") for _ in range(4)]
    for run in [writer, *readers]:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert "Added now" in crm.run("today").stdout
    assert crm.commits()[0] == "task add: Added now (clients/c0007.md)"


def test_a_big_build_runs_on_every_core_with_the_same_result(crm: Crm, monkeypatch) -> None:
    many(crm, 120)
    crm.write("clients/broken.md", "---\nname: x\n")
    monkeypatch.setattr(index_module, "PARALLEL_MIN", 10)
    monkeypatch.setattr(index_module, "_CHUNK", 7)
    parallel = Store(crm.root)
    rows_parallel = parallel.index.conn.execute(
        "SELECT path, title, fatal, data FROM files ORDER BY path"
    ).fetchall()
    tasks_parallel = parallel.index.conn.execute("SELECT * FROM tasks ORDER BY path").fetchall()
    db(crm).unlink()
    monkeypatch.setattr(index_module, "PARALLEL_MIN", 10**9)
    serial = Store(crm.root)
    assert (
        serial.index.conn.execute(
            "SELECT path, title, fatal, data FROM files ORDER BY path"
        ).fetchall()
        == rows_parallel
    )
    assert serial.index.conn.execute("SELECT * FROM tasks ORDER BY path").fetchall() == (
        tasks_parallel
    )
    assert len(rows_parallel) == 121


def test_progress_is_shown_only_on_a_terminal(crm: Crm) -> None:
    many(crm, 30)
    result = crm.run("today")
    assert "indexing" not in result.stderr


def test_writes_by_this_process_update_the_index_at_once(three: Crm) -> None:
    store = Store(three.root)
    assert len(store.tasks()) == 3
    text = (three.root / "clients/acme.md").read_text() + "- [ ] Second task due:2026-11-28\n"
    store.write("clients/acme.md", text)
    assert len(store.tasks()) == 4
    (three.root / "clients/bolt.md").unlink()
    store._after_write(["clients/bolt.md"])
    assert len(store.tasks()) == 3


def test_refresh_does_not_touch_unchanged_rows(three: Crm) -> None:
    """A warm run writes nothing: no transaction, so readers never wait for it."""
    assert Store(three.root).index.conn is not None
    before = os.stat(db(three)).st_mtime_ns
    wal = Path(str(db(three)) + "-wal")
    wal_before = wal.stat().st_size if wal.exists() else 0
    time.sleep(0.01)
    assert titles(three.root)
    assert os.stat(db(three)).st_mtime_ns == before
    assert (wal.stat().st_size if wal.exists() else 0) == wal_before


# ---------------------------------------------------------------- what a warm run looks at


def test_after_a_command_commits_nothing_is_read_again(
    three: Crm, monkeypatch: pytest.MonkeyPatch
) -> None:
    three.run("task", "add", "bolt", "Follow up", "--due", "today")
    monkeypatch.setattr(index_module, "RACY_SECONDS", -60)
    assert changed_paths(three.root) == []
    assert "Follow up" in three.run("today").stdout


def test_git_ignored_files_in_a_record_folder_are_still_records(three: Crm) -> None:
    three.write(".gitignore", ".plaincrm/\nclients/private.md\n")
    three.write("clients/private.md", record("Private", "Secret call"))
    assert titles(three.root)["clients/private.md"] == ["Secret call"]
    three.write("clients/private.md", record("Private", "Other call"))
    assert titles(three.root)["clients/private.md"] == ["Other call"]


def test_when_another_process_wrote_meanwhile_the_next_run_compares_everything(
    three: Crm,
) -> None:
    three.write("clients/bolt.md", record("Bolt", "Hand edit"))
    first = Store(three.root)._index
    pending = first.changes()
    assert [item.path for item in pending.parse] == ["clients/bolt.md"]
    other = Store(three.root)
    assert other.tasks()  # the other process reads (and indexes the hand edit) ...
    other.write("clients/acme.md", record("Acme", "Written by another process"))  # ... and writes
    first._apply(pending, time.time_ns())
    conn = Store(three.root)._index.conn
    assert conn.execute("SELECT value FROM meta WHERE key='listing'").fetchone() is None
    seen = titles(three.root)
    assert seen["clients/acme.md"] == ["Written by another process"]
    assert seen["clients/bolt.md"] == ["Hand edit"]
    assert conn.execute("SELECT value FROM meta WHERE key='listing'").fetchone() is not None


@pytest.mark.usefixtures("no_racy_window")
def test_untracked_files_come_and_go_between_warm_runs(three: Crm) -> None:
    """With folder stamps trusted (nothing racy), a new, renamed or deleted untracked
    file is still seen: adding or removing a name changes its folder."""
    settle(three)
    three.write("clients/new.md", record("New", "Untracked task"))
    assert titles(three.root)["clients/new.md"] == ["Untracked task"]
    settle(three)
    (three.root / "clients/new.md").rename(three.root / "clients/renamed.md")
    seen = titles(three.root)
    assert "clients/new.md" not in seen
    assert seen["clients/renamed.md"] == ["Untracked task"]
    three.write("clients/renamed.md", record("New", "Edited untracked"))
    assert titles(three.root)["clients/renamed.md"] == ["Edited untracked"]
    (three.root / "clients/renamed.md").unlink()
    assert "clients/renamed.md" not in titles(three.root)
    settle(three)


@pytest.mark.usefixtures("no_racy_window")
def test_git_is_not_asked_for_its_listing_while_its_index_file_is_unchanged(three: Crm) -> None:
    settle(three)
    assert Store(three.root)._index.changes().listing is index_module.UNCHANGED
    three.write("clients/acme.md", record("Acme", "Edited"))
    changes = Store(three.root)._index.changes()
    assert changes.listing is index_module.UNCHANGED  # git diff-files still reports the edit
    assert [item.path for item in changes.parse] == ["clients/acme.md"]
    assert titles(three.root)["clients/acme.md"] == ["Edited"]
    three.git("add", "clients/acme.md")  # git's index file changes: listed again
    assert Store(three.root)._index.changes().listing is not index_module.UNCHANGED
    settle(three)
    three.git("commit", "-qm", "edit")
    assert titles(three.root)["clients/acme.md"] == ["Edited"]
    settle(three)
    assert Store(three.root)._index.changes().listing is index_module.UNCHANGED


@pytest.mark.usefixtures("no_racy_window")
def test_a_record_folder_made_after_the_index_is_seen(three: Crm) -> None:
    """A missing record folder has a stamp too: a warm run does not list it again
    and again, and sees the files of the folder once it exists."""
    shutil.rmtree(three.root / "competitors")
    settle(three)
    three.write("competitors/rival.md", "---\nname: Rival\n---\n\n## Tasks\n\n- [ ] Watch\n")
    assert titles(three.root)["competitors/rival.md"] == ["Watch"]
    settle(three)
    shutil.rmtree(three.root / "competitors")
    assert "competitors/rival.md" not in titles(three.root)
    settle(three)


@pytest.mark.usefixtures("no_racy_window")
def test_reading_a_ready_index_never_waits_for_a_writer(three: Crm) -> None:
    """Another process in the middle of a long write (a first build, say) holds the
    write lock; a command whose index is up to date reads on without waiting."""
    settle(three)
    import threading

    writer = sqlite3.connect(db(three), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    seen: list[int] = []
    try:
        reader = threading.Thread(target=lambda: seen.append(len(Store(three.root).tasks())))
        reader.start()
        reader.join(timeout=10)
        assert seen == [3]
    finally:
        writer.execute("ROLLBACK")
        writer.close()


# ---------------------------------------------------------------- what commands import


def imported(root: Path, *args: str) -> set[str]:
    """The modules a real ``plaincrm`` process imports (``python -X importtime``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "plaincrm", "-C", str(root), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PLAINCRM_USER": "anna"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def test_today_imports_neither_gitpython_nor_jsonschema_nor_yaml(three: Crm) -> None:
    three.run("today")  # the first run reads the settings with PyYAML and keeps a copy
    modules = imported(three.root, "today")
    assert "plaincrm.tasks.agenda" in modules
    heavy = {"git", "jsonschema", "yaml", "frontmatter", "multiprocessing", "hashlib"}
    assert not modules & heavy, modules & heavy
    three.run("check")
    assert "jsonschema" not in imported(three.root, "check")  # every file judged before
    three.write("clients/new.md", "---\nname: New\n---\n")
    assert "jsonschema" in imported(three.root, "check")


def test_help_imports_only_the_command_table(three: Crm) -> None:
    modules = imported(three.root, "--help")
    assert "click" in modules
    assert not {m for m in modules if m.startswith("plaincrm.") and m != "plaincrm.cli"} - {
        "plaincrm.core",  # the package: its __init__ imports nothing
        "plaincrm.core.errors",
    }


def test_the_settings_copy_is_never_stale(three: Crm) -> None:
    three.run("today")
    copy = three.root / INDEX_DIR / "settings.json"
    assert copy.exists()
    config = (three.root / "plaincrm.yaml").read_text()
    three.write("plaincrm.yaml", config.replace('start: "09:00"', 'start: "08:00"'))
    assert "working day 08:00-17:00" in three.run("today").stdout
    copy.write_text("{not json")
    assert "working day 08:00-17:00" in three.run("today").stdout
    three.write("plaincrm.yaml", config.replace('start: "09:00"', "start: [broken"))
    result = three.fail("today", code=5)
    assert "plaincrm.yaml:" in result.stderr


def test_a_whole_file_name_resolves_without_the_index(three: Crm, tmp_path: Path) -> None:
    store = Store(three.root)
    assert store.resolve("bolt") == "clients/bolt.md"
    assert "_index" not in store.__dict__  # answered from the file system alone
    assert store.resolve("bo") == "clients/bolt.md"  # a prefix needs the index
    three.write("deals/bolt.md", "---\ntitle: Bolt deal\nclient: bolt\n---\n")
    assert Store(three.root).resolve("bolt") == "clients/bolt.md"  # the client's own deal
    assert Store(three.root).resolve("bolt", ["deal"]) == "deals/bolt.md"
    three.write("campaigns/bonus.md", "---\nname: Bonus campaign\n---\n")
    with pytest.raises(AmbiguousError):
        Store(three.root).resolve("bo")
    outside = tmp_path / "elsewhere.md"
    outside.write_text(record("Elsewhere"))
    (three.root / "clients/elsewhere.md").symlink_to(outside)
    with pytest.raises(NotFoundError):
        Store(three.root).resolve("elsewhere")
