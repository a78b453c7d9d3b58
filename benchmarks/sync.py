"""Time ``plaincrm sync`` at scale, and ten clones syncing at once.

    python benchmarks/sync.py --source /tmp/plaincrm-bench/crm-10000 --runs 5
    python benchmarks/sync.py --stress-only --clones 10 --syncs 10

For a repository of ``generate.py`` (``--source``, never changed: it is copied into
``--workdir`` once, with a bare remote cloned from it and a second clone of that
remote, each with its index built and its verdicts kept), every case runs ``--runs``
times as a new process of the real ``plaincrm`` script, best and median shown with the
load average before the runs:

- sync with nothing to send or receive;
- sync that sends one change (a task added to a client just before, not timed);
- sync that receives that change (in the second clone).

The stress case makes a small CRM with a bare remote and ``--clones`` clones, and
starts in each at once a loop of ``--syncs`` times "add a task to one shared client,
then sync", back to back.  It reports how many syncs gave up, whether every task
arrived exactly once, whether the clones end with identical trees (after two more
rounds of sync each), and the wall time.
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
sys.path.insert(0, str(HERE))

from run import bench_env, plaincrm_script  # noqa: E402


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def prepare(source: Path, workdir: Path, exe: str, env: dict[str, str]) -> tuple[Path, Path]:
    """Two clones of a bare remote made from ``source`` (copied, never changed), each
    synced once and checked (its index built, its verdicts kept)."""
    base = workdir / source.name
    one, two, remote = base / "one", base / "two", base / "remote.git"
    if not (two / "plaincrm.yaml").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        print(f"copying {source} ...", flush=True)
        shutil.copytree(source, one, symlinks=True)
        git(base, "clone", "-q", "--bare", str(one), str(remote))
        git(one, "remote", "add", "origin", str(remote))
        git(one, "fetch", "-q", "origin")
        git(one, "branch", "-q", "-u", "origin/main")
        git(base, "clone", "-q", str(remote), str(two))
        for clone, name in ((one, "anna"), (two, "ben")):
            git(clone, "config", "user.name", name)
            git(clone, "config", "user.email", f"{name}@example.com")
    for clone, name in ((one, "anna"), (two, "ben")):
        print(f"warming {clone} ...", flush=True)
        for args in (["sync"], ["check"], ["sync"]):
            subprocess.run(
                [exe, *args], cwd=clone, env={**env, "PLAINCRM_USER": name}, capture_output=True
            )
    return one, two


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU (user + system, with git's) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} in {cwd} failed: {proc.stderr[-800:]}")
    return took, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


Times = list[tuple[float, float]]  # (wall, CPU) of each run


def bench_repo(source: Path, workdir: Path, runs: int) -> list[tuple[str, Times, str]]:
    exe = plaincrm_script()
    env = bench_env()
    one, two = prepare(source, workdir, exe, env)
    anna = {**env, "PLAINCRM_USER": "anna"}
    ben = {**env, "PLAINCRM_USER": "ben"}
    client = sorted(os.listdir(one / "clients"))[0].removesuffix(".md")
    results = []
    seen = f"{load()}"
    noop = [timed([exe, "sync"], one, anna) for _ in range(runs)]
    results.append(("sync, nothing new", noop, seen))
    sent: Times = []
    received: Times = []
    seen = f"{load()}"
    for run in range(runs):
        subprocess.run(
            [exe, "task", "add", client, f"Benchmark task {time.time_ns()} {run}"],
            cwd=one,
            env=anna,
            check=True,
            capture_output=True,
        )
        sent.append(timed([exe, "sync"], one, anna))
        received.append(timed([exe, "sync"], two, ben))
    results.append(("sync sending one change", sent, seen))
    results.append(("sync receiving one change", received, seen))
    return results


def stress(workdir: Path, clones: int, syncs: int) -> dict[str, object]:
    """``clones`` clones each adding a task and syncing ``syncs`` times, all at once."""
    exe = plaincrm_script()
    env = bench_env()
    base = Path(tempfile.mkdtemp(prefix="stress-", dir=workdir))
    names = [f"user{n}" for n in range(clones)]
    remote = base / "remote.git"
    first = base / names[0]
    users = [arg for name in names for arg in ("--user", name)]
    subprocess.run([exe, "init", str(first), *users], env=env, check=True, capture_output=True)
    branch = git(first, "branch", "--show-current").strip()
    git(base, "init", "-q", "--bare", "-b", branch, str(remote))
    git(first, "remote", "add", "origin", str(remote))
    own = {**env, "PLAINCRM_USER": names[0]}
    for args in (["client", "add", "Acme Ltd"], ["sync"]):
        subprocess.run([exe, *args], cwd=first, env=own, check=True, capture_output=True)
    for name in names:
        if name != names[0]:
            git(base, "clone", "-q", str(remote), name)
        git(base / name, "config", "user.name", name)
        git(base / name, "config", "user.email", f"{name}@example.com")
    loop = " ; ".join(
        f'"$PLAINCRM" task add acme "Task $PLAINCRM_USER {n}" >/dev/null; '
        f'"$PLAINCRM" sync >/dev/null 2>>errors.txt || echo gave-up >> errors.txt'
        for n in range(syncs)
    )
    seen = load()
    start = time.perf_counter()
    procs = [
        subprocess.Popen(
            ["sh", "-c", loop],
            cwd=base / name,
            env={**env, "PLAINCRM": exe, "PLAINCRM_USER": name},
        )
        for name in names
    ]
    for proc in procs:
        proc.wait()
    took = time.perf_counter() - start
    gave_up = sum((base / name / "errors.txt").read_text().count("gave-up") for name in names)
    for _ in range(2):
        for name in names:
            subprocess.run(
                [exe, "sync"],
                cwd=base / name,
                env={**env, "PLAINCRM_USER": name},
                capture_output=True,
            )
    text = git(remote, "show", f"{branch}:clients/acme-ltd.md")
    counts = [text.count(f"Task {name} {n}") for name in names for n in range(syncs)]
    trees = {git(base / name, "rev-parse", "HEAD^{tree}") for name in names}
    shutil.rmtree(base)
    return {
        "load": seen,
        "syncs": clones * syncs,
        "gave up": gave_up,
        "tasks present once": sum(1 for c in counts if c == 1),
        "tasks missing": sum(1 for c in counts if c == 0),
        "tasks twice or more": sum(1 for c in counts if c > 1),
        "identical trees": len(trees) == 1,
        "seconds": round(took, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", type=Path, action="append", default=[])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/plaincrm-bench-sync"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--clones", type=int, default=10)
    parser.add_argument("--syncs", type=int, default=10)
    parser.add_argument("--stress-only", action="store_true")
    parser.add_argument("--no-stress", action="store_true")
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"plaincrm: {plaincrm_script()}")
    if not args.stress_only:
        for source in args.source:
            for name, times, seen in bench_repo(source.resolve(), args.workdir, args.runs):
                walls = [wall for wall, _ in times]
                cpus = [cpu for _, cpu in times]
                print(
                    f"{source.name:>10} | {name:<27} | best {min(walls):.3f} s | median "
                    f"{statistics.median(walls):.3f} s | CPU best {min(cpus):.3f} s | "
                    f"load {seen}",
                    flush=True,
                )
    if not args.no_stress:
        result = stress(args.workdir, args.clones, args.syncs)
        print(f"stress, {args.clones} clones x {args.syncs} syncs: {result}")


if __name__ == "__main__":
    main()
