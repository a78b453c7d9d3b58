"""Ways to find changed record files, timed on one repository.

    python benchmarks/detect.py /tmp/plaincrm-bench/crm-10000

A Python stat walk, git's own commands, and the index's warm check both ways
(git-assisted, and the stat-only fallback used outside git).  Medians of 7.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from plaincrm.core.store import Store
from plaincrm.git import repo as gitrepo

FOLDERS = ["clients", "deals", "tickets"]


def median(action: Callable[[], object], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def stat_walk(root: Path) -> dict[str, tuple[int, int, int, int]]:
    found = {}
    for folder in FOLDERS:
        with os.scandir(root / folder) as entries:
            for entry in entries:
                st = entry.stat()
                found[entry.name] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)
    return found


def main(root: Path) -> None:
    def git(*args: str) -> Callable[[], object]:
        return lambda: subprocess.run(["git", *args], cwd=root, stdout=subprocess.DEVNULL)

    index = Store(root)._index
    index.refresh()
    files = sum(len(os.listdir(root / folder)) for folder in FOLDERS)
    print(f"{root}: {files} files; load average {os.getloadavg()[0]:.1f}")
    rows = [
        ("Python os.scandir + stat of every file", lambda: stat_walk(root)),
        ("git status --porcelain", git("status", "--porcelain")),
        ("git status --porcelain -uno", git("status", "--porcelain", "-uno")),
        ("git ls-files -s", git("ls-files", "-s")),
        ("git diff-files", git("diff-files", "--name-only")),
        (
            "ls-files, diff-files and rev-parse in parallel (git's index changed)",
            lambda: gitrepo.worktree_state(root, FOLDERS),
        ),
        (
            "diff-files alone (git's index unchanged)",
            lambda: gitrepo.worktree_state(root, FOLDERS, listing=False),
        ),
        ("the index's warm check, git", index.changes),
    ]
    for name, action in rows:
        print(f"| {name} | {median(action):.3f} s |")
    index.use_git = False
    print(f"| the index's warm check, stat only | {median(index.changes):.3f} s |")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
