"""Time the pages of ``plaincrm serve`` on a large CRM (issue 14: every page under 0.2 s
warm, the board under 0.3 s, at 10,000 clients).

    python benchmarks/web.py                                   # the 10,000-client repository
    python benchmarks/web.py --repo /path/to/crm --repeat 7

The repository (by default ``/work/bench-data/crm-10000``, made by
``benchmarks/generate.py``) is copied, index included, to ``--workdir`` and
never changed; the app is built on the copy and every page is requested once to
warm the index, then ``--repeat`` times through Flask's test client (the whole
request: routing, the store, the view, the template; no network).  The table
shows each page's first time (what the first load after a change costs: the board,
lists and reports are then kept until the CRM changes), the median and slowest of
the repeats, the CPU time of the median request (this process and the git it
starts: on a loaded machine the wall times grow with the load, the CPU times much
less), the size of its HTML, and the target.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from plaincrm.web.app import Settings  # noqa: E402
from plaincrm.web.server import create_app  # noqa: E402

TODAY = "2026-11-27"  # the day benchmarks/generate.py builds its repositories around
BOARD_TARGET = 0.3
PAGE_TARGET = 0.2


def pages(root: Path) -> list[tuple[str, str]]:
    """(name, URL) of the pages timed: one of each kind, on records of the repository."""
    client = sorted((root / "clients").iterdir())[len(os.listdir(root / "clients")) // 2]
    deal = sorted((root / "deals").iterdir())[len(os.listdir(root / "deals")) // 2]
    return [
        ("today", "/"),
        ("today, everybody", "/?owner=all"),
        ("plan", "/plan"),
        ("pipeline board", "/pipeline"),
        ("pipeline board, one owner", "/pipeline?owner=ben"),
        ("pipeline board, a query", "/pipeline?q=amount%3E5000"),
        ("client list, a query", "/list/clients?q=%2Bvip+city%3ABudapest"),
        ("client list, all", "/list/clients"),
        ("deal list, a query", "/list/deals?q=stage%3Aproposal+amount%3E10000"),
        ("ticket list", "/list/tickets"),
        ("client card", f"/r/clients/{client.stem}"),
        ("deal page", f"/r/deals/{deal.stem}"),
        ("history of a client", f"/history/clients/{client.stem}"),
        ("report: forecast", "/reports/forecast"),
        ("report: stages", "/reports/stages"),
        ("report: receivables", "/reports/receivables"),
        ("activity, 7 days", "/activity"),
        ("problems", "/problems"),
    ]


def _cpu() -> float:
    """CPU seconds of this process and of the children it waited for (git)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path("/work/bench-data/crm-10000"))
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("PLAINCRM_TODAY", TODAY)
    os.environ.setdefault("PLAINCRM_USER", "anna")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="plaincrm-web-bench-"))
    root = work / "crm"
    if not root.exists():
        started = time.perf_counter()
        shutil.copytree(args.repo, root, symlinks=True)
        print(f"copied {args.repo} to {root} in {time.perf_counter() - started:.1f} s")
        # the copies have new inodes: git's index learns their stat data once, as after
        # a clone, so that the index's look at the work tree is the warm one it is
        subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=root, check=False)
    if not (root / ".git" / "objects" / "info" / "commit-graphs").exists():
        from plaincrm.git.repo import write_commit_graph

        write_commit_graph(root)  # as 'plaincrm sync' keeps it in a team's clone (run.py)
    client = create_app(Settings(root)).test_client()
    headers = {"Host": "127.0.0.1:8042"}
    load = os.getloadavg()
    print(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
    print(f"{'page':<28} {'first':>8} {'median':>8} {'slowest':>8} {'cpu':>7} {'KiB':>6}  target")
    for name, url in pages(root):
        times = []
        cpus = []
        size = 0
        for i in range(args.repeat + 1):
            started, cpu = time.perf_counter(), _cpu()
            response = client.get(url, headers=headers)
            took = time.perf_counter() - started
            cpus.append(_cpu() - cpu)
            assert response.status_code == 200, (url, response.status_code)
            size = len(response.data)
            times.append(took)
            if i == 0:
                first = took
        warm = times[1:]
        cpu_median = statistics.median(cpus[1:])
        target = BOARD_TARGET if name.startswith("pipeline") else PAGE_TARGET
        median = statistics.median(warm)
        verdict = "ok" if median <= target else "SLOW"
        print(
            f"{name:<28} {first:>7.3f}s {median:>7.3f}s {max(warm):>7.3f}s {cpu_median:>6.3f}s"
            f" {size / 1024:>6.0f}  {target:.1f} s {verdict}"
        )
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
