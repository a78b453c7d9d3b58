"""A small run of the benchmark suite: the generator's repositories and the runner's table.

No timing is asserted; these tests check that the generated repository is a
valid, realistic CRM with a git history, and that the runner runs every case
and prints the table.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from conftest import git
from plaincrm.core.store import Store

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while it runs
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bench") / "crm"
    load("generate").generate(root, 40)
    return root


def test_the_proportions_of_the_scale_issue(generated: Path) -> None:
    counts = {
        folder: len(list((generated / folder).glob("*.md")))
        for folder in ("clients", "deals", "tickets")
    }
    assert counts == {"clients": 40, "deals": 80, "tickets": 20}
    text = "".join(p.read_text(encoding="utf-8") for p in generated.glob("*/*.md"))
    tasks = len(re.findall(r"^- \[[ x]\] ", text, re.M))
    assert 1.5 <= tasks / 140 <= 3.5  # about 2.4 tasks a record, as in the issue
    done = len(re.findall(r"^- \[x\] ", text, re.M))
    assert done > tasks / 3  # most tasks are history
    assert len(re.findall(r"^  (?!- )\S", text, re.M)) == done  # every done task has a result note
    assert "due:2026-11-27" in text  # some are due on the anchor day


def test_a_valid_crm_committed_with_a_history_of_small_commits(generated: Path) -> None:
    assert git(generated, "status", "--porcelain") == ""
    commits = git(generated, "log", "--format=%s").splitlines()
    assert len(commits) >= 10
    assert commits[-1] == "plaincrm init"
    assert any(subject.startswith("task done: ") for subject in commits)
    touched = git(generated, "log", "--format=", "--name-only").split()
    assert len(set(touched)) == 142  # every record, plaincrm.yaml and .gitignore
    result = subprocess.run(
        [sys.executable, "-m", "plaincrm", "-C", str(generated), "check"],
        capture_output=True,
        text=True,
        env={"PLAINCRM_TODAY": "2026-11-27", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "140 records, no problems" in result.stdout + result.stderr


def test_a_heavy_day(tmp_path: Path) -> None:
    """Six owners, and nearly half the open tasks due by the anchor day."""
    root = tmp_path / "heavy"
    load("generate").generate(root, 60, heavy=True, git=False)
    text = "".join(p.read_text(encoding="utf-8") for p in root.glob("*/*.md"))
    owners = set(re.findall(r"^owner: (\w+)$", text, re.M))
    assert owners == {"anna", "ben", "carla", "dan", "eva", "felix"}
    due = re.findall(r"^- \[ \] .* due:(\S+)", text, re.M)
    by_then = sum(1 for day in due if day <= "2026-11-27")
    assert 0.35 < by_then / len(due) < 0.6
    assert "  - name: felix" in (root / "plaincrm.yaml").read_text() and "gita" not in text
    store = Store(root)
    assert len(store.tasks(owner="anna", due_to="2026-11-27")) > 8  # 2,400 at 10,000 clients


def test_the_same_seed_gives_the_same_repository(tmp_path: Path) -> None:
    generate = load("generate").generate
    generate(tmp_path / "a", 5, git=False)
    generate(tmp_path / "b", 5, git=False)
    generate(tmp_path / "c", 5, seed=2, git=False)
    a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.md")}
    b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.md")}
    c = {p.relative_to(tmp_path / "c"): p.read_bytes() for p in (tmp_path / "c").rglob("*.md")}
    assert a == b
    assert a != c
    with pytest.raises(SystemExit, match="not empty"):
        generate(tmp_path / "a", 5, git=False)


def test_taskwarrior_gets_the_same_tasks(generated: Path, tmp_path: Path) -> None:
    load("run").taskwarrior_data(generated, tmp_path / "tw")
    pending = (tmp_path / "tw" / "pending.data").read_text().splitlines()
    completed = (tmp_path / "tw" / "completed.data").read_text().splitlines()
    store = Store(generated)
    assert len(pending) == len(store.tasks(state="open"))
    assert len(completed) == len(store.tasks(state="done"))
    assert all(line.startswith("[") and 'status:"pending"' in line for line in pending)
    if shutil.which("task"):
        shown = subprocess.run(
            ["task", "status:pending", "count"],
            env={
                "TASKRC": str(tmp_path / "tw" / "taskrc"),
                "HOME": str(tmp_path),
                "PATH": "/usr/bin",
            },
            capture_output=True,
            text=True,
            check=True,
        )
        assert int(shown.stdout.strip()) == len(pending)


def test_a_history_spread_over_a_year(generated: Path, tmp_path: Path) -> None:
    """``history.dated_copy``: the same commits and records, dated evenly over the year
    before the anchor; the source untouched."""
    copy = tmp_path / "history"
    made = load("history").dated_copy(generated, copy)
    dates = git(copy, "log", "--format=%cI %aI").split()
    assert made == len(dates) // 2 == int(git(generated, "rev-list", "--count", "HEAD"))
    assert dates[-1].startswith("2025-11-27T09:00:00") and dates[0].startswith("2026-11-26T18:00")
    assert git(copy, "rev-parse", "HEAD^{tree}") == git(generated, "rev-parse", "HEAD^{tree}")
    assert (
        git(copy, "status", "--porcelain") == "" and git(generated, "status", "--porcelain") == ""
    )


def test_the_runner_prints_the_table(
    generated: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = load("run")
    work = generated.parent / "work"
    work.mkdir()
    shutil.copytree(generated, work / "crm-40", symlinks=True)
    monkeypatch.setattr(run.time, "sleep", lambda seconds: None)
    run.main(["--clients", "40", "--repeat", "1", "--workdir", str(work)])
    out = capsys.readouterr().out
    for case in (
        "plaincrm --help",
        "today (warm)",
        "today (cold, no index)",
        "today after one edit",
        "client show",
        "deal list (filtered)",
        "history of one record",
        "check (cold)",
        "check (warm)",
        "check after one edit",
        "pre-commit hook, every record new",
        "today (2nd, index being built)",
        "today (3rd, index being built)",
        "today (warm), heavy agenda",
        "pipeline --as-of (cold)",
        "pipeline --as-of (warm)",
        "forecast-accuracy, 12 months (cold)",
        "forecast-accuracy, 12 months (warm)",
        *(["rg for the due date, heavy agenda"] if shutil.which("rg") else []),
    ):
        assert re.search(rf"^\| [-\d,]+ \| {re.escape(case)} \| \d+\.\d{{3}} \|", out, re.M), case
    assert "| 40 | " in out
    assert "today (warm) / Taskwarrior" in out and "heavy day: today / rg" in out
    assert git(work / "crm-40", "status", "--porcelain") == ""  # the hand edits were undone


def test_the_change_detection_comparison_runs(
    generated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load("detect").main(generated)
    out = capsys.readouterr().out
    assert "140 files" in out
    for name in (
        "Python os.scandir",
        "git status --porcelain",
        "git diff-files",
        "the index's warm check, git",
        "the index's warm check, stat only",
    ):
        assert re.search(rf"^\| {re.escape(name)}.* \| \d+\.\d{{3}} s \|$", out, re.M), name


def test_the_parse_rate_benchmark_runs_on_every_record(generated: Path) -> None:
    """``benchmarks/parse.py`` parses every record file (the generated CRM's are the
    typical ones: every one takes the fast paths) and prints its table."""
    result = subprocess.run(
        [sys.executable, str(BENCH / "parse.py"), str(generated), "--repeat", "1"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "140 record files" in result.stdout
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")][1:]
    labels = [row.split(" | ")[0] for row in rows]
    assert labels[0] == "| all" and labels[5:] == ["| clients", "| deals", "| tickets"]
    assert [label.split(" (")[0] for label in labels[1:5]] == [
        f"| {band} quarter" for band in ("smallest", "second", "third", "largest")
    ]
