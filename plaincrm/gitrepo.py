"""The one module that talks to git (through the ``git`` command line).

Everything else asks this module: is the CRM inside a work tree, commit these
files, who is the user.  The git CLI is used rather than a Python binding:
it starts in a few milliseconds and the commands stay what a user would type.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .errors import GitError


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")
    env["LC_ALL"] = "C"
    return env


def available() -> bool:
    return shutil.which("git") is not None


def run(cwd: Path, *args: str, check: bool = True, input: str | None = None) -> str:
    """Run ``git args`` in ``cwd`` and return its stdout; raise ``GitError`` on failure."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            input=input,
            env=_env(),
        )
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    if check and proc.returncode != 0:
        message = (proc.stderr or proc.stdout).strip().splitlines()
        detail = message[-1] if message else f"exit status {proc.returncode}"
        raise GitError(f"git {args[0]} failed: {detail}")
    return proc.stdout


def toplevel(path: Path) -> Path | None:
    """The top of the git work tree containing ``path``, or None."""
    if not available():
        return None
    try:
        out = run(path, "rev-parse", "--show-toplevel", check=True)
    except GitError:
        return None
    return Path(out.strip()) if out.strip() else None


def init(path: Path) -> None:
    run(path, "init", "-q")


def config_value(cwd: Path, key: str) -> str | None:
    out = run(cwd, "config", "--get", key, check=False).strip()
    return out or None


def identity(cwd: Path) -> tuple[str | None, str | None]:
    return config_value(cwd, "user.name"), config_value(cwd, "user.email")


def commit(cwd: Path, paths: list[str], message: str, fallback_name: str) -> str:
    """Commit exactly ``paths`` (relative to ``cwd``) and return the new commit id.

    Files that no longer exist are committed as deletions.  When git knows no
    identity, ``fallback_name`` is used so that the commit still happens.
    """
    existing = [p for p in paths if (cwd / p).exists()]
    if existing:
        run(cwd, "add", "--", *existing)
    run(
        cwd,
        *_identity_args(cwd, fallback_name),
        "commit",
        "-q",
        "--no-verify",
        "-m",
        message,
        "--",
        *paths,
    )
    return run(cwd, "rev-parse", "HEAD").strip()


def commit_all(cwd: Path, message: str, fallback_name: str) -> str:
    """Commit everything under ``cwd`` (new, changed and deleted files)."""
    run(cwd, "add", "-A", "--", ".")
    run(cwd, *_identity_args(cwd, fallback_name), "commit", "-q", "--no-verify", "-m", message)
    return run(cwd, "rev-parse", "HEAD").strip()


def _identity_args(cwd: Path, fallback_name: str) -> list[str]:
    """``-c user.*=`` options for when git knows no identity, so commits still happen."""
    name, email = identity(cwd)
    extra: list[str] = []
    if not name:
        extra += ["-c", f"user.name={fallback_name}"]
    if not email:
        extra += ["-c", f"user.email={fallback_name}@localhost"]
    return extra


def has_commits(cwd: Path) -> bool:
    return run(cwd, "rev-parse", "--verify", "-q", "HEAD", check=False).strip() != ""
