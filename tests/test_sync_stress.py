"""Ten people syncing at once against one bare remote: nobody is turned away, every
change arrives exactly once, and every clone ends with the same files.  Every command
runs as a process of the installed ``plaincrm`` script."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from gitfixtures import identity

from conftest import git

NAMES = ("anna", "ben", "carla", "dan", "eva", "felix", "gita", "hugo", "ines", "jon")
ROUNDS = 2
CLIENT = "clients/acme-ltd.md"


def test_ten_clones_syncing_at_once_all_land(tmp_path: Path) -> None:
    exe = shutil.which("plaincrm")
    assert exe, "the plaincrm command is not installed"

    # as an installed plaincrm runs: its byte code compiled once, not at every start
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base["PYTHONPYCACHEPREFIX"] = str(tmp_path / "pycache")

    def run(cwd: Path, user: str, *args: str) -> None:
        env = {**base, "PLAINCRM_USER": user}
        proc = subprocess.run([exe, *args], cwd=cwd, env=env, capture_output=True, text=True)
        assert proc.returncode == 0, (user, args, proc.stderr)

    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    first = tmp_path / NAMES[0]
    run(tmp_path, NAMES[0], "init", str(first), *[f"--user={name}" for name in NAMES])
    identity(first, NAMES[0])
    git(first, "remote", "add", "origin", str(remote))
    run(first, NAMES[0], "client", "add", "Acme Ltd")
    run(first, NAMES[0], "sync")
    for name in NAMES[1:]:
        git(tmp_path, "clone", "-q", str(remote), name)
        identity(tmp_path / name, name)
    script = " && ".join(
        f'"$PLAINCRM" task add acme "Task $PLAINCRM_USER {n}" >/dev/null && "$PLAINCRM" sync'
        for n in range(ROUNDS)
    )
    started = time.monotonic()
    runs = {
        name: subprocess.Popen(
            ["sh", "-c", script],
            cwd=tmp_path / name,
            env={**base, "PLAINCRM": exe, "PLAINCRM_USER": name},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in NAMES
    }
    outputs = {name: proc.communicate(timeout=600) for name, proc in runs.items()}
    took = time.monotonic() - started
    failed = {
        name: err.strip().splitlines()[-1]
        for name, (_, err) in outputs.items()
        if runs[name].returncode
    }
    assert not failed, (f"{took:.1f} s", failed)  # no sync gave up, nothing else failed
    retried = sum(out.count("retr") for out, _ in outputs.values())
    for _ in range(2):
        for name in NAMES:
            run(tmp_path / name, name, "sync")
    shared = git(remote, "show", f"main:{CLIENT}")
    for name in NAMES:
        for n in range(ROUNDS):
            assert shared.count(f"Task {name} {n}") == 1, (name, n, shared)
    trees = {git(tmp_path / name, "rev-parse", "HEAD^{tree}") for name in NAMES}
    assert len(trees) == 1
    for name in NAMES:
        assert not git(tmp_path / name, "status", "--porcelain")
    run(first, NAMES[0], "check")
    print(f"{len(NAMES)} clones x {ROUNDS} syncs at once: {took:.1f} s, {retried} retried")
