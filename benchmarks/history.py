"""A copy of a benchmark repository whose history is spread over a year (``--as-of``).

``generate.py`` writes its thousands of commits within seconds; a CRM's real
history spans months.  ``dated_copy(source, target)`` copies the source's
history with ``git fast-export | git fast-import`` into a new repository,
giving the commits evenly spaced dates from ``start`` to ``end`` (authors and
committers alike, in order), and checks the last one out.  The source is only
read.

    python benchmarks/history.py /tmp/plaincrm-bench/crm-10000 /tmp/plaincrm-bench/history-10000
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

DEFAULT_START = datetime(2025, 11, 27, 9, 0, tzinfo=timezone.utc)
DEFAULT_END = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
_WHO = re.compile(rb"^(author|committer) (.*) (\d+) ([+-]\d{4})\n$")


def count_commits(source: Path) -> int:
    out = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=source, capture_output=True, check=True
    )
    return int(out.stdout)


def redate(stream: IO[bytes], out: IO[bytes], stamps: list[int]) -> int:
    """Copy a ``git fast-export`` stream, the n-th commit dated ``stamps[n]``; the commits."""
    commits = -1
    while True:
        line = stream.readline()
        if not line:
            return commits + 1
        if line.startswith(b"data "):
            out.write(line)
            out.write(stream.read(int(line[5:])))
            continue
        if line.startswith(b"commit "):
            commits += 1
        found = _WHO.match(line)
        if found and commits >= 0:
            stamp = stamps[min(commits, len(stamps) - 1)]
            line = b"%s %s %d +0000\n" % (found.group(1), found.group(2), stamp)
        out.write(line)


def dated_copy(
    source: Path, target: Path, start: datetime = DEFAULT_START, end: datetime = DEFAULT_END
) -> int:
    """Copy ``source``'s history to ``target`` with its commits spread from ``start`` to
    ``end``; the number of commits."""
    total = count_commits(source)
    step = (end - start).total_seconds() / max(total - 1, 1)
    stamps = [int(start.timestamp() + i * step) for i in range(total)]
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=target, check=True)
    branch = subprocess.run(
        ["git", "symbolic-ref", "HEAD"], cwd=source, capture_output=True, text=True, check=True
    ).stdout.strip()
    export = subprocess.Popen(
        ["git", "fast-export", "--reencode=yes", "--signed-tags=strip", branch],
        cwd=source,
        stdout=subprocess.PIPE,
    )
    load = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=target, stdin=subprocess.PIPE)
    assert export.stdout is not None and load.stdin is not None
    made = redate(export.stdout, load.stdin, stamps)
    load.stdin.close()
    if export.wait() or load.wait():
        raise SystemExit("git fast-export | fast-import failed")
    subprocess.run(["git", "symbolic-ref", "HEAD", branch], cwd=target, check=True)
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=target, check=True)
    for name in (".gitignore",):
        if (source / name).exists() and not (target / name).exists():
            shutil.copy(source / name, target / name)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("target", type=Path)
    args = parser.parse_args()
    print(f"{dated_copy(args.source, args.target)} commits")


if __name__ == "__main__":
    main()
