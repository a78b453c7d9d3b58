"""Shared fixtures: real CRM repositories in tmp_path, real git, click's CliRunner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from textcrm import build as textcrm_build

from plaincrm.cli import cli
from plaincrm.core.store import Store

TODAY = "2026-11-27"  # a Friday
GIT_NOW = f"{TODAY}T12:00:00+01:00"  # git's clock, pinned with plaincrm's today


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No user config leaks in: a private HOME with a known git identity."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Anna Kovacs\n\temail = anna@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("PLAINCRM_TODAY", TODAY)
    # git stamps commits with its own clock: pinned too, so that what plaincrm reads
    # back from git (history, activity, sync) is dated the day the tests pretend it is
    monkeypatch.setenv("GIT_AUTHOR_DATE", GIT_NOW)
    monkeypatch.setenv("GIT_COMMITTER_DATE", GIT_NOW)
    for name in ("PLAINCRM_REPO", "PLAINCRM_USER", "NO_COLOR", "VISUAL", "EDITOR"):
        monkeypatch.delenv(name, raising=False)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@dataclass
class Crm:
    """A CRM repository under test and a way to run plaincrm in it."""

    root: Path
    runner: CliRunner

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        ok: bool = True,
    ) -> Result:
        result = self.runner.invoke(
            cli, ["-C", str(self.root), *args], input=input, env=env, catch_exceptions=False
        )
        if ok and result.exit_code != 0:
            raise AssertionError(
                f"plaincrm {' '.join(args)} exited {result.exit_code}\n"
                f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
            )
        return result

    def fail(self, *args: str, code: int, input: str | None = None) -> Result:
        """Run a command that must fail with ``code``; stack traces are a failure too."""
        result = self.run(*args, input=input, ok=False)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def read(self, rel: str) -> str:
        return (self.root / rel).read_text(encoding="utf-8")

    def write(self, rel: str, text: str) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def commits(self) -> list[str]:
        return self.git("log", "--format=%s").splitlines()

    def last_commit_files(self) -> list[str]:
        out = self.git("show", "--name-only", "--format=", "HEAD")
        return sorted(line for line in out.splitlines() if line)

    def clean(self) -> bool:
        return self.git("status", "--porcelain") == ""


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def console(tmp_path: Path) -> Callable[..., str]:
    """Runs the installed ``plaincrm`` console script itself, in a subprocess in
    ``tmp_path`` as anna, and returns its output (skips when it is not installed)."""
    exe = Path(sys.executable).with_name("plaincrm")
    if not exe.exists():
        pytest.skip("the plaincrm console script is not installed next to this Python")
    env = {**os.environ, "PLAINCRM_USER": "anna"}

    def run(*args: str) -> str:
        return subprocess.run(
            [str(exe), *args], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
        ).stdout

    return run


@pytest.fixture
def crm(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> Crm:
    """A fresh CRM (users anna and ben) in its own git repository; you are anna."""
    root = tmp_path / "crm"
    result = runner.invoke(cli, ["init", str(root), "--user", "anna", "--user", "ben"])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


@pytest.fixture
def textcrm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Store]:
    """``textcrm({path: text, ...}, commit=True)``: a store on a CRM built from file texts
    (``textcrm.py``), in its own git repository; you are anna."""
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    built = 0

    def make(files: dict[str, str], *, commit: bool = True) -> Store:
        nonlocal built
        built += 1
        return textcrm_build(tmp_path / f"text-{built}", files, commit=commit)

    return make
