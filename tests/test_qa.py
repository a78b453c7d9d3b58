"""Cross-cutting defects found by using plaincrm as a user would, each kept fixed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Crm


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
