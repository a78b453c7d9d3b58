"""Time whole ``plaincrm`` processes on synthetic repositories, beside Taskwarrior and rg.

    python benchmarks/run.py                       # 1,000 and 10,000 clients
    python benchmarks/run.py --clients 50000 --repeat 5

For each size the repository is generated once (``benchmarks/generate.py``,
kept in ``--workdir``) and then every case runs ``--repeat`` times as a new
process; the table shows the median and the target of the scale issue (and of
the fast ``check``, the first runs and the heavy day of the daily-loop issue).
A second repository of each size has a heavy day (``generate.py
--heavy-agenda``: six owners, about 2,400 agenda lines each at 10,000
clients), where ``today`` is timed beside ``rg``; a third holds the same
records staged in a new git repository, for the pre-commit hook.
Taskwarrior 2.6 gets the same tasks (open ones in ``pending.data``, done ones
in ``completed.data``, each tagged with its owner) and shows its list of
tasks due by today; ``rg`` searches the repository for today's due date (a
tool that only reads: the floor).  The ratios say how many times the time of
those tools plaincrm's warm ``today`` takes.

The script times the real ``plaincrm`` script of this Python (not a pyenv
shim, which adds tens of milliseconds), and prints which one.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

ANCHOR = date(2026, 11, 27)
ME = "anna"
# (clients, case) -> target in seconds, from the scale issue
TARGETS: dict[tuple[int, str], float] = {
    (1000, "today (warm)"): 0.1,
    (10000, "today (warm)"): 0.25,
    (10000, "client show"): 0.2,
    (10000, "deal list (filtered)"): 0.3,
    (10000, "check (cold)"): 4.0,
    (10000, "check (warm)"): 0.5,
    (50000, "check (cold)"): 15.0,
    (10000, "today (cold, no index)"): 1.5,
    (10000, "index ready after a cold today"): 10.0,  # the full build, in the background
    (10000, "today after one edit"): 0.25,
    (10000, "history of one record"): 0.15,
    (50000, "today (warm)"): 0.6,
}
HELP_TARGET = 0.15
INDEX_READY = "index ready after a cold today"  # from the start of the cold run
COLD = "today (cold, no index)"
# the todays that follow a cold one at once, while its process builds the index
FOLLOWERS = ["today (2nd, index being built)", "today (3rd, index being built)"]
PRECOMMIT = "pre-commit hook, every record new"
PRECOMMIT_TARGET = 15.0  # seconds, for the 35,000 files of 10,000 clients
HEAVY_TODAY = "today (warm), heavy agenda"
HEAVY_RG = "rg for the due date, heavy agenda"


def plaincrm_script() -> str:
    """The console script of this Python's plaincrm (not a shim in front of it)."""
    for folder in (Path(sys.prefix) / "bin", Path(sys.executable).parent):
        candidate = folder / "plaincrm"
        if candidate.exists():
            return str(candidate)
    found = shutil.which("plaincrm")
    if found is None:
        raise SystemExit("plaincrm is not installed: pip install -e .")
    return found


@dataclass
class Case:
    name: str
    argv: list[str]
    before: Callable[[int], None] = lambda run: None  # called before each timed run
    after: Callable[[], None] = lambda: None  # called once after the runs
    cold: bool = False  # rebuilds the whole index: run --cold-repeat times
    cwd: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    settle: Path | None = None  # a CRM root: after each run, wait for its index to be built
    followers: list[str] = field(default_factory=list)  # runs at once after each, named


@dataclass
class Result:
    clients: int
    name: str
    times: list[float]  # wall-clock seconds of each run
    cpu: list[float]  # user + system CPU seconds of each run (less sensitive to load)

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    @property
    def target(self) -> float | None:
        if self.name == "plaincrm --help":
            return HELP_TARGET
        if self.name == PRECOMMIT and self.clients == 10000:
            return PRECOMMIT_TARGET
        return TARGETS.get((self.clients, self.name))


def wait_for_index(root: Path) -> None:
    """Wait until no process builds the index of ``root`` (the one a first ``today`` starts
    holds ``.plaincrm/build.lock`` until it is done)."""
    try:
        handle = os.open(root / ".plaincrm" / "build.lock", os.O_RDWR)
    except FileNotFoundError:
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
    finally:
        os.close(handle)


def run_once(case: Case, env: dict[str, str]) -> tuple[float, float, float]:
    """Start, wall-clock and CPU seconds of one run of ``case``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        case.argv, cwd=case.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1):  # check exits 1 when it finds problems
        raise SystemExit(f"{' '.join(case.argv)} failed: {proc.stderr.decode()[-500:]}")
    return start, wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def timed(
    case: Case,
    repeat: int,
    base_env: dict[str, str],
    ready: list[float] | None = None,
    followers: dict[str, tuple[list[float], list[float]]] | None = None,
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of ``repeat`` runs of ``case``; with ``case.settle``, the
    seconds from each start until the index is built go to ``ready``; the runs that
    follow each at once (``case.followers``) go to ``followers`` by name."""
    times, cpu = [], []
    env = {**base_env, **case.env}
    for run in range(repeat):
        case.before(run)
        start, wall, used = run_once(case, env)
        times.append(wall)
        cpu.append(used)
        for name in case.followers:
            _, wall, used = run_once(case, env)
            if followers is not None:
                followers.setdefault(name, ([], []))[0].append(wall)
                followers[name][1].append(used)
        if case.settle is not None:
            wait_for_index(case.settle)
            if ready is not None:
                ready.append(time.perf_counter() - start)
    case.after()
    return times, cpu


def bench_env() -> dict[str, str]:
    """A user's environment: fixed date and user, no colour, byte code cached as usual."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PLAINCRM_TODAY=ANCHOR.isoformat(), PLAINCRM_USER=ME, NO_COLOR="1")
    return env


def ensure_repo(workdir: Path, clients: int, heavy: bool = False) -> Path:
    root = workdir / f"{'heavy' if heavy else 'crm'}-{clients}"
    if not (root / "plaincrm.yaml").exists():
        print(f"generating {clients} clients in {root} ...", file=sys.stderr)
        shutil.rmtree(root, ignore_errors=True)
        generate(root, clients, anchor=ANCHOR, heavy=heavy)
    if not (root / ".git" / "objects" / "info" / "commit-graphs").exists():
        from plaincrm.git.repo import write_commit_graph

        write_commit_graph(root)  # as 'plaincrm sync' keeps it in a team's clone
    return root


def staged_repo(root: Path, workdir: Path, clients: int) -> Path:
    """The records of ``root`` staged in a new git repository, as before its first
    commit (kept in ``workdir``)."""
    staged = workdir / f"staged-{clients}"
    if not (staged / ".git").exists():
        shutil.rmtree(staged, ignore_errors=True)
        staged.mkdir(parents=True)
        subprocess.run(["git", "init", "-q", str(staged)], check=True)
        for name in ("clients", "deals", "tickets"):
            shutil.copytree(root / name, staged / name)
        shutil.copy(root / "plaincrm.yaml", staged / "plaincrm.yaml")
        (staged / ".gitignore").write_text(".plaincrm/\n", encoding="utf-8")
        subprocess.run(["git", "add", "-A"], cwd=staged, check=True)
    return staged


def taskwarrior_data(root: Path, folder: Path) -> None:
    """The repository's tasks as Taskwarrior 2.6 data files (open and done)."""
    pending, completed = [], []
    entry = int(datetime(2026, 1, 1).timestamp())
    for path in sorted(root.glob("*/*.md")):
        owner = ME
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("owner: "):
                owner = line[7:].strip()
            if not line.startswith(("- [ ] ", "- [x] ")):
                continue
            words = line[6:].split()
            attrs = dict(
                w.split(":", 1)
                for w in words
                if ":" in w and w.split(":")[0] in ("due", "at", "dur", "done", "id", "owner")
            )
            title = " ".join(w for w in words if w.split(":")[0] not in attrs)
            due = attrs.get("due")
            fields = {
                "description": title,
                "entry": str(entry),
                "modified": str(entry),
                "status": "completed" if line[3] == "x" else "pending",
                "tags": attrs.get("owner", owner),
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{path.name}/{attrs.get('id')}")),
            }
            if due:
                fields["due"] = str(int(datetime.fromisoformat(due).timestamp()))
            if line[3] == "x":
                fields["end"] = fields["due"] if due else str(entry)
            text = " ".join(f"{k}:{json.dumps(v)}" for k, v in sorted(fields.items()))
            (completed if line[3] == "x" else pending).append(f"[{text}]\n")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pending.data").write_text("".join(pending), encoding="utf-8")
    (folder / "completed.data").write_text("".join(completed), encoding="utf-8")
    (folder / "taskrc").write_text(
        f"data.location={folder}\nconfirmation=off\nverbose=nothing\ncolor=off\nhooks=off\n",
        encoding="utf-8",
    )


def edit_one(root: Path) -> Callable[[int], None]:
    """Before run N: a hand edit of the N-th client file (a line added to its notes)."""
    files = sorted((root / "clients").glob("*.md"))

    def edit(run: int) -> None:
        path = files[run % len(files)]
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("\n## Tasks", "\nCalled them.\n\n## Tasks", 1), "utf-8")

    return edit


def cases(root: Path, clients: int, work: Path) -> list[Case]:
    exe = plaincrm_script()
    crm = [exe, "-C", str(root)]
    clients_files = sorted((root / "clients").glob("*.md"))
    client = clients_files[len(clients_files) // 2]
    index = root / ".plaincrm"

    def drop_index(run: int) -> None:
        shutil.rmtree(index, ignore_errors=True)

    def undo_edits() -> None:
        subprocess.run(["git", "checkout", "-q", "--", "clients"], cwd=root, check=True)

    staged = staged_repo(root, work, clients)

    def drop_staged_index(run: int) -> None:
        shutil.rmtree(staged / ".plaincrm", ignore_errors=True)

    out = [
        Case("today (warm)", [*crm, "today"]),
        Case(COLD, [*crm, "today"], before=drop_index, cold=True, settle=root, followers=FOLLOWERS),
        Case("today after one edit", [*crm, "today"], before=edit_one(root), after=undo_edits),
        Case("client show", [*crm, "client", "show", client.stem]),
        Case("deal list (filtered)", [*crm, "deal", "list", "stage:proposal", "amount>10000"]),
        Case("history of one record", [*crm, "history", client.stem, "--only"]),
        Case("check (cold)", [*crm, "check"], before=drop_index, cold=True),
        Case("check (warm)", [*crm, "check"]),  # after the cold ones: every file judged
        Case("check after one edit", [*crm, "check"], before=edit_one(root), after=undo_edits),
        # the command the hook runs, in a repository whose every record is new and unjudged
        Case(
            PRECOMMIT, [exe, "-C", str(staged), "pre-commit"], before=drop_staged_index, cold=True
        ),
    ]
    if shutil.which("task"):
        tw = work / f"taskwarrior-{clients}"
        if not (tw / "pending.data").exists():
            taskwarrior_data(root, tw)
        out.append(
            Case(
                "taskwarrior due today",
                ["task", f"+{ME}", "due.before:tomorrow", "list"],
                env={"TASKRC": str(tw / "taskrc")},
            )
        )
    if shutil.which("rg"):
        out.append(Case("rg for the due date", ["rg", "-c", f"due:{ANCHOR}", str(root)]))
    return out


def heavy_cases(root: Path) -> list[Case]:
    out = [Case(HEAVY_TODAY, [plaincrm_script(), "-C", str(root), "today"])]
    if shutil.which("rg"):
        out.append(Case(HEAVY_RG, ["rg", "-c", f"due:{ANCHOR}", str(root)]))
    return out


def warm_up(root: Path, env: dict[str, str]) -> None:
    """A first today, its index built, and the racy window passed."""
    subprocess.run(
        [plaincrm_script(), "-C", str(root), "today"],
        env=env,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    wait_for_index(root)
    time.sleep(3.5)  # files written by the first run leave the racy window


def measure(
    clients: int,
    repeat: int,
    cold_repeat: int,
    work: Path,
    only: set[str] | None,
    heavy: bool = False,
) -> list[Result]:
    """The cases at ``clients``; ``heavy``: those of the heavy day too."""
    root = ensure_repo(work, clients)
    env = bench_env()
    warm_up(root, env)
    todo = cases(root, clients, work)
    if heavy:
        heavy_root = ensure_repo(work, clients, heavy=True)
        warm_up(heavy_root, env)
        todo += heavy_cases(heavy_root)
    results = []
    for case in todo:
        if only and case.name not in only:
            continue
        runs = cold_repeat if case.cold else repeat
        ready: list[float] = []
        followers: dict[str, tuple[list[float], list[float]]] = {}
        results.append(Result(clients, case.name, *timed(case, runs, env, ready, followers)))
        print(f"  {clients:>6} {case.name:<32} {results[-1].median:7.3f} s", file=sys.stderr)
        results += [Result(clients, name, *followers[name]) for name in case.followers]
        if ready:  # the whole index, built by the process the cold run started
            results.append(Result(clients, INDEX_READY, ready, []))
    if not only:
        subprocess.run(
            [plaincrm_script(), "-C", str(root), "today"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
        )
    return results


def table(results: list[Result], help_times: tuple[list[float], list[float]]) -> str:
    rows = ["| clients | case | median (s) | CPU (s) | target (s) | met |"]
    rows.append("|---:|---|---:|---:|---:|:-:|")
    help_result = Result(0, "plaincrm --help", *help_times)
    first = {r.clients: r.median for r in results if r.name == COLD}
    for result in [help_result, *results]:
        target = result.target
        if result.name in FOLLOWERS:  # no longer than the first today after a fresh clone
            target = first.get(result.clients)
        met = "" if target is None else ("yes" if result.median <= target else "**no**")
        clients = f"{result.clients:,}" if result.clients else "-"
        shown = f"{target:.3g}" if target is not None else ""
        cpu = "" if result.cpu_median is None else f"{result.cpu_median:.3f}"
        rows.append(
            f"| {clients} | {result.name} | {result.median:.3f} | {cpu} | {shown} | {met} |"
        )
    ratios = [
        "",
        "| clients | today (warm) / Taskwarrior | today (warm) / rg | heavy day: today / rg |",
        "|---:|---:|---:|---:|",
    ]
    for clients in sorted({r.clients for r in results}):
        by_name = {r.name: r.median for r in results if r.clients == clients}
        today = by_name.get("today (warm)")
        if today is None:
            continue
        tw = by_name.get("taskwarrior due today")
        rg = by_name.get("rg for the due date")
        heavy, heavy_rg = by_name.get(HEAVY_TODAY), by_name.get(HEAVY_RG)
        ratios.append(
            f"| {clients:,} | {f'{today / tw:.2f}' if tw else '-'} "
            f"| {f'{today / rg:.2f}' if rg else '-'} "
            f"| {f'{heavy / heavy_rg:.2f}' if heavy and heavy_rg else '-'} |"
        )
    return "\n".join(rows + ratios)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--cold-repeat", type=int, default=3, help="runs of the cold cases")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/plaincrm-bench"))
    parser.add_argument("--only", nargs="+", metavar="CASE", help="run only these cases")
    parser.add_argument(
        "--heavy",
        type=int,
        nargs="*",
        metavar="CLIENTS",
        help="the sizes that also get the heavy-day cases (default: those of --clients)",
    )
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    exe = plaincrm_script()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"plaincrm: {exe}; {os.cpu_count()} cores; load {load:.2f}", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(HERE.parent / "plaincrm")],
        stdout=subprocess.DEVNULL,
        check=True,
    )
    help_times = timed(Case("help", [exe, "--help"]), args.repeat, bench_env())
    results: list[Result] = []
    heavy = set(args.clients if args.heavy is None else args.heavy)
    for clients in args.clients:
        only = set(args.only or []) or None
        results += measure(
            clients, args.repeat, args.cold_repeat, args.workdir, only, clients in heavy
        )
    end_load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(table(results, help_times))
    print(
        f"\n{args.repeat} runs each ({args.cold_repeat} of the cold cases), medians; {exe}; "
        f"load average {load:.2f} at the start, "
        f"{end_load:.2f} at the end."
    )


if __name__ == "__main__":
    main()
