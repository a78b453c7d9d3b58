"""Many writers on one record at the same moment: does every change land, exactly once?

Each round makes a CRM with one client holding open tasks, then starts every
writer at once, each a process of its own:

- ``task done`` of different tasks, each with a result note naming its task;
- the same ``task done`` twice: one completes it, the other must say it is done
  already (exit 8);
- ``task move`` of other tasks, each to a date and time of its own;
- ``task add`` of new tasks;
- hand edits through ``plaincrm edit``, by an editor that reads the file when
  it opens, waits, and saves its whole buffer (as editors do);
- hand edits by a script holding plaincrm's write lock (``flock``).

Then it checks the record: every completed task ticked once with its note
right under it, every moved task at its own date and time, every added task
and hand-written line present once, nothing else changed, ``plaincrm check``
clean, and one commit per command.

    python benchmarks/stress_writes.py --rounds 10 --writers 24

prints, per round and in total, the writers, the changes that landed, and any
lost, doubled or misplaced change.  ``tests/test_writes.py`` runs one round.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

RECORD = "clients/acme-ltd.md"
DAY = "2026-11-27"


@dataclass
class Round:
    """What one round started and what it found."""

    writers: int = 0
    expected: int = 0  # changes that must be in the record
    landed: int = 0
    failures: list[str] = field(default_factory=list)  # lost, doubled, misplaced, refused
    seconds: float = 0.0


def plaincrm(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "plaincrm", "-C", str(root), *args]


def prepare(root: Path, env: dict[str, str], tasks: int) -> list[str]:
    """A CRM with one client holding ``tasks`` open tasks, typed in and committed as a
    person would; returns their ids."""
    from plaincrm.core.ids import new_id

    for args in (
        ["init", str(root), "--user", "anna", "--user", "ben"],
        ["-C", str(root), "client", "add", "Acme Ltd"],
    ):
        subprocess.run(
            [sys.executable, "-m", "plaincrm", *args], env=env, check=True, capture_output=True
        )
    ids: list[str] = []
    for _ in range(tasks):
        ids.append(new_id(ids))
    lines = [f"- [ ] Task {n} due:{DAY} id:{task_id}" for n, task_id in enumerate(ids, 1)]
    with open(root / RECORD, "a", encoding="utf-8") as handle:
        handle.write("\n## Tasks\n\n" + "\n".join(lines) + "\n")
    for args in (["add", RECORD], ["commit", "-qm", "tasks typed in"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return ids


EDITOR = """#!/bin/sh
# an editor that reads the file when it opens and saves its whole buffer later
buffer=$(cat "$1")
sleep 0.4
printf '%s\\n' "$buffer" | sed "s/^## Tasks\\$/Edited note $EDIT_MARK\\n\\n## Tasks/" > "$1"
"""


def run_round(root: Path, writers: int = 21, env: dict[str, str] | None = None) -> Round:
    """One round with about ``writers`` writers (at least 20) on one record in a new CRM
    at ``root``."""
    env = dict(env or os.environ)
    env["PLAINCRM_USER"] = "anna"
    env["PLAINCRM_TODAY"] = DAY
    total = max(20, writers)
    share = total // 7  # of each kind of writer
    done_n, move_n, add_n = share + 1, share + 1, share + 1
    rest = total - done_n - move_n - add_n - 1  # 1: the second completion of one task
    edit_n = max(1, rest // 2)
    flock_n = max(1, rest - edit_n)
    ids = prepare(root, env, done_n + move_n + 1)
    done_ids, move_ids = ids[:done_n], ids[done_n : done_n + move_n]
    untouched = ids[-1]
    editor = root.parent / f"{root.name}-editor.sh"
    editor.write_text(EDITOR)
    editor.chmod(0o755)
    # the index is there before the writers start (a first run builds it)
    subprocess.run(plaincrm(root, "check"), env=env, check=True, capture_output=True)
    commits_before = _commits(root)

    commands: list[tuple[str, list[str], dict[str, str]]] = []
    for task_id in done_ids:
        note = f"result of {task_id}"
        commands.append((f"done {task_id}", ["task", "done", task_id, "--note", note], env))
    commands.append(("done-again", ["task", "done", done_ids[0], "--note", "second"], env))
    for n, task_id in enumerate(move_ids):
        when = ["--due", f"2026-12-{n + 1:02d}", "--at", f"{9 + n % 8:02d}:{n % 4 * 15:02d}"]
        commands.append((f"move {task_id}", ["task", "move", task_id, *when], env))
    for n in range(add_n):
        commands.append((f"add {n}", ["task", "add", "acme", f"Added {n}"], env))
    for n in range(edit_n):
        edit_env = {**env, "EDITOR": str(editor), "EDIT_MARK": str(n)}
        commands.append((f"edit {n}", ["edit", "acme"], edit_env))
    started = time.perf_counter()
    procs = [
        (
            name,
            subprocess.Popen(
                plaincrm(root, *args),
                env=e,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
        )
        for name, args, e in commands
    ]
    for n in range(flock_n):
        script = f'sed -i "s/^## Tasks$/Flock note {n}\\n\\n## Tasks/" {RECORD}'
        procs.append(
            (
                f"flock {n}",
                subprocess.Popen(
                    ["flock", ".plaincrm/write.lock", "sh", "-c", script],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        )
    results = {name: (proc.wait(), *proc.communicate()) for name, proc in procs}
    found = Round(writers=len(procs), seconds=time.perf_counter() - started)
    _judge(
        root,
        found,
        results,
        commits_before,
        done_ids,
        move_ids,
        untouched,
        add_n,
        edit_n,
        flock_n,
        env,
    )
    return found


def _judge(
    root: Path,
    found: Round,
    results: dict[str, tuple[int, str, str]],
    commits_before: list[str],
    done_ids: list[str],
    move_ids: list[str],
    untouched: str,
    add_n: int,
    edit_n: int,
    flock_n: int,
    env: dict[str, str],
) -> None:
    fail = found.failures.append
    first, second = results[f"done {done_ids[0]}"], results["done-again"]
    if sorted([first[0], second[0]]) != [0, 8]:
        fail(f"the same task done twice exited {first[0]} and {second[0]}, not 0 and 8")
    elif "already done" not in (first[2] + second[2]):
        fail("the second completion of one task did not say it is done already")
    for name, (code, _, err) in results.items():
        if name not in (f"done {done_ids[0]}", "done-again") and code != 0:
            fail(f"{name} exited {code}: {err.strip()[:200]}")
    text = (root / RECORD).read_text(encoding="utf-8")
    lines = text.split("\n")
    by_id = {}
    for number, line in enumerate(lines):
        match = re.search(r"\bid:([a-z0-9-]+)", line)
        if match and line.startswith("- ["):
            if match.group(1) in by_id:
                fail(f"task {match.group(1)} is twice in the file")
            by_id[match.group(1)] = number
    for task_id in done_ids:
        found.expected += 1
        at = by_id.get(task_id)
        if at is None:
            fail(f"task {task_id} is gone")
            continue
        note = lines[at + 1].strip() if at + 1 < len(lines) else ""
        winner = "second" if task_id == done_ids[0] and second[0] == 0 else f"result of {task_id}"
        if not lines[at].startswith("- [x]") or f"done:{DAY}" not in lines[at]:
            fail(f"task {task_id} is not ticked done: {lines[at]}")
        elif note != winner or text.count(winner) != 1:
            fail(f"the note of {task_id} is not under it once: {note!r}")
        else:
            found.landed += 1
    for n, task_id in enumerate(move_ids):
        found.expected += 1
        at = by_id.get(task_id)
        want = (f"due:2026-12-{n + 1:02d}", f"at:{9 + n % 8:02d}:{n % 4 * 15:02d}")
        if at is None or not all(token in lines[at].split() for token in want):
            fail(f"task {task_id} did not move to {' '.join(want)}")
        elif lines[at].startswith("- [x]"):
            fail(f"moved task {task_id} got ticked")
        else:
            found.landed += 1
    if untouched not in by_id or lines[by_id[untouched]].split() != [
        "-",
        "[",
        "]",
        "Task",
        str(len(done_ids) + len(move_ids) + 1),
        f"due:{DAY}",
        f"id:{untouched}",
    ]:
        fail(f"task {untouched}, which nobody changed, changed")
    marks = Counter(line for line in lines)
    for label, count in (("Added", add_n), ("Edited note", edit_n), ("Flock note", flock_n)):
        for n in range(count):
            found.expected += 1
            hits = sum(c for line, c in marks.items() if re.search(rf"\b{label} {n}\b", line))
            if hits != 1:
                fail(f"'{label} {n}' is in the file {hits} times")
            else:
                found.landed += 1
    check = subprocess.run(
        [sys.executable, "-m", "plaincrm", "-C", str(root), "check"],
        env=env,
        capture_output=True,
        text=True,
    )
    if check.returncode != 0:
        fail(f"check: {check.stdout.strip()[:300]}")
    made = Counter(_commits(root)[: len(_commits(root)) - len(commits_before)])
    wanted = [f"task done: Task {n + 1} ({RECORD})" for n in range(len(done_ids))]
    wanted += [f"task add: Added {n} ({RECORD})" for n in range(add_n)]
    wanted += [f"edit: {RECORD}"] * edit_n
    for subject in wanted:
        if made[subject] < 1:
            fail(f"no commit '{subject}'")
        made[subject] -= 1
    moves = sum(c for subject, c in made.items() if subject.startswith("task move: "))
    if moves != len(move_ids):
        fail(f"{moves} task move commits for {len(move_ids)} moves")


def _commits(root: Path) -> list[str]:
    return subprocess.run(
        ["git", "log", "--format=%s"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.splitlines()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--writers", type=int, default=21, help="at least 20")
    parser.add_argument("--keep", action="store_true", help="keep the repositories")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="plaincrm-stress-"))
    total = Round()
    try:
        for number in range(1, args.rounds + 1):
            found = run_round(work / f"crm-{number}", args.writers)
            total.writers += found.writers
            total.expected += found.expected
            total.landed += found.landed
            total.failures += found.failures
            total.seconds += found.seconds
            print(
                f"round {number}: {found.writers} writers, {found.landed}/{found.expected} "
                f"changes landed, {len(found.failures)} failures, {found.seconds:.1f} s"
            )
            for failure in found.failures:
                print(f"  {failure}")
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(
        f"{args.rounds} rounds, {total.writers} writers, {total.landed}/{total.expected} "
        f"changes landed, {len(total.failures)} failures (load {os.getloadavg()[0]:.1f})"
    )
    sys.exit(1 if total.failures else 0)


if __name__ == "__main__":
    main()
