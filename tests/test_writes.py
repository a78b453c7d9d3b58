"""Writes at the same moment, and writes cut short: every change lands once, on what it
meant to change, and nothing is left half-done.

Real processes throughout: ``plaincrm`` commands started together, hand edits
by other processes, a user's ``git commit`` running alongside, ``kill -9``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import Crm

ROOT = Path(__file__).resolve().parent.parent
RECORD = "clients/acme-ltd.md"


def plaincrm(crm: Crm, *args: str) -> list[str]:
    return [sys.executable, "-m", "plaincrm", "-C", str(crm.root), *args]


def start(crm: Crm, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        plaincrm(crm, *args),
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate()
    return proc.returncode, out, err


@pytest.fixture
def acme(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    crm.run("check")  # the index is there before processes start together
    return crm


# ---------------------------------------------------------------- git alongside


def test_what_the_user_staged_stays_staged_and_out_of_plaincrms_commit(acme: Crm) -> None:
    (acme.root / "mine.txt").write_text("my own work\n")
    acme.git("add", "mine.txt")
    acme.run("task", "add", "acme", "Call Anna")
    assert acme.last_commit_files() == [RECORD]
    assert acme.git("status", "--porcelain") == "A  mine.txt\n"


def test_a_git_commit_running_alongside_takes_no_plaincrm_change(acme: Crm) -> None:
    """The user commits files of their own again and again while plaincrm commands run:
    every plaincrm change is in a commit of its own with its message, and every user
    commit holds only the user's file."""
    user = subprocess.Popen(
        [
            "sh",
            "-c",
            "for n in $(seq 1 25); do echo $n > mine.txt; git add mine.txt 2>/dev/null; "
            'git commit --no-verify -qm "user $n" >/dev/null 2>&1; sleep 0.01; done',
        ],
        cwd=acme.root,
    )
    runs = [start(acme, "task", "add", "acme", f"Parallel {n}") for n in range(8)]
    results = [finish(run) for run in runs]
    user.wait()
    assert [code for code, _, _ in results] == [0] * 8, results
    log = acme.git("log", "--format=%x1e%s", "--name-only").split("\x1e")[1:]
    commits = [(entry.split("\n")[0], [f for f in entry.split("\n")[1:] if f]) for entry in log]
    ours = [files for subject, files in commits if subject.startswith("task add: Parallel")]
    assert len(ours) == 8 and all(files == [RECORD] for files in ours), commits
    theirs = [files for subject, files in commits if subject.startswith("user ")]
    assert theirs and all(files == ["mine.txt"] for files in theirs), commits
    assert acme.read(RECORD).count("Parallel") == 8
    assert acme.git("status", "--porcelain", "--", "clients") == ""


def test_a_lock_is_stale_only_when_its_note_proves_its_plaincrm_gone(tmp_path: Path) -> None:
    from plaincrm import gitrepo

    lock, note = tmp_path / "index.lock", tmp_path / gitrepo.LOCK_NOTE
    assert gitrepo.stale_lock_holder(lock, note) is None  # no lock
    lock.write_text("")
    assert gitrepo.stale_lock_holder(lock, note) is None  # no note: another program's
    gitrepo._write_note(note, lock)
    assert gitrepo.stale_lock_holder(lock, note) is None  # its holder (this process) lives
    code = (
        "import sys; from pathlib import Path; from plaincrm import gitrepo; "
        "gitrepo._write_note(Path(sys.argv[1]), Path(sys.argv[2]))"
    )
    holder = subprocess.run([sys.executable, "-c", code, str(note), str(lock)], check=True)
    assert holder.returncode == 0
    noted = json.loads(note.read_text())
    assert gitrepo.stale_lock_holder(lock, note) == noted["pid"]  # gone: provably stale
    for key, other in (("machine", "another-machine"), ("pid_namespace", 1)):
        note.write_text(json.dumps({**noted, key: other}))
        assert gitrepo.stale_lock_holder(lock, note) is None  # whose processes we cannot see
    note.write_text(json.dumps({**noted, "boot": "an-earlier-boot"}))
    assert gitrepo.stale_lock_holder(lock, note) == noted["pid"]  # the machine restarted since
    note.write_text(json.dumps(noted))
    lock.unlink()
    time.sleep(0.01)
    lock.write_text("")  # another program's lock now: not the file the note is about
    assert gitrepo.stale_lock_holder(lock, note) is None
