"""Cross-cutting defects found by using plaincrm as a user would, each kept fixed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.core.index import INDEX_DIR


def test_commands_run_at_the_same_time_lose_no_change(crm: Crm) -> None:
    """Ten `task add`s started at once on one client: every task is in the file and
    each command made its own commit (they read, change and commit one at a time)."""
    crm.run("client", "add", "Acme Ltd")
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    # the index is built first: ten processes starting on no index at once are another matter
    subprocess.run([sys.executable, "-m", "plaincrm", "-C", str(crm.root), "check"], check=True)
    command = [sys.executable, "-m", "plaincrm", "-C", str(crm.root), "task", "add", "acme"]
    runs = [
        subprocess.Popen(
            [*command, f"Parallel {n}"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for n in range(10)
    ]
    results = [(run.wait(), run.stderr.read() if run.stderr else b"") for run in runs]
    assert all(code == 0 for code, _ in results), results
    text = crm.read("clients/acme-ltd.md")
    assert sorted(line.split(" id:")[0] for line in text.splitlines() if "Parallel" in line) == [
        f"- [ ] Parallel {n}" for n in range(10)
    ]
    added = [c for c in crm.commits() if c.startswith("task add: Parallel")]
    assert len(added) == 10
    assert crm.clean()


def test_commands_started_at_once_on_no_index_all_answer(crm: Crm) -> None:
    """Ten commands starting together on a CRM without an index (a fresh clone, a
    deleted cache): one builds it, the others wait or read; none fails or differs."""
    crm.run("client", "add", "Acme Ltd")
    crm.run("task", "add", "acme", "Call Peter", "--due", "2026-11-27")
    env = {**os.environ, "PLAINCRM_USER": "anna"}
    base = [sys.executable, "-m", "plaincrm", "-C", str(crm.root)]
    commands = [[*base, "today"], [*base, "task", "list"]]
    for _ in range(4):  # the race is a matter of timing: give it several chances
        shutil.rmtree(crm.root / INDEX_DIR, ignore_errors=True)
        runs = [
            subprocess.Popen(
                commands[n % 2], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for n in range(10)
        ]
        results = [(run.communicate(), run.returncode) for run in runs]
        assert all(code == 0 for _, code in results), results
        assert all(err == b"" for (_, err), _ in results), results
        assert len({out for (out, _), _ in results[0::2]}) == 1
        assert len({out for (out, _), _ in results[1::2]}) == 1
        assert b"Call Peter" in results[0][0][0] and b"Call Peter" in results[1][0][0]


def test_a_change_git_cannot_commit_is_saved_and_said(
    crm: Crm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git went missing (not on PATH) in a CRM that is a git repository."""
    crm.run("client", "add", "Acme Ltd")
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    result = crm.run("task", "add", "acme", "Call")
    assert "Call" in crm.read("clients/acme-ltd.md")
    assert result.stderr.startswith(
        "warning: git is not installed: clients/acme-ltd.md is saved but not committed"
    )
