"""A team sharing one CRM: a bare remote and clones, all through real git.

``make_team(tmp_path, runner)`` creates the remote, lets the first person
``plaincrm init`` a CRM and push it with ``plaincrm sync``, and clones it for
everybody else.  Each clone has its own git identity (``user.name`` is the
team member's name) and runs plaincrm as that user.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from conftest import Crm, git
from plaincrm.cli import cli


@dataclass
class Clone(Crm):
    """One person's clone: plaincrm runs as ``user``."""

    user: str = ""

    def run(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        ok: bool = True,
    ) -> Result:
        return super().run(
            *args, input=input, env={"PLAINCRM_USER": self.user, **(env or {})}, ok=ok
        )

    def sync(self) -> Result:
        return self.run("sync")


@dataclass
class Team:
    remote: Path
    clones: dict[str, Clone]

    def __getitem__(self, name: str) -> Clone:
        return self.clones[name]

    def sync_all(self, rounds: int = 2) -> None:
        """Everybody syncs, twice round, so that every clone ends with everything."""
        for _ in range(rounds):
            for clone in self.clones.values():
                clone.sync()


def identity(path: Path, name: str) -> None:
    git(path, "config", "user.name", name)
    git(path, "config", "user.email", f"{name}@example.com")


def make_team(
    tmp_path: Path,
    runner: CliRunner,
    names: tuple[str, ...] = ("anna", "ben", "carla"),
    sub: str = "",
) -> Team:
    """A bare remote and one clone per name; the CRM lies in ``sub`` of the repository."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    first = tmp_path / names[0]
    first.mkdir()
    git(first, "init", "-q", "-b", "main")
    identity(first, names[0])
    crm_dir = first / sub if sub else first
    users = [arg for name in names for arg in ("--user", name)]
    result = runner.invoke(cli, ["init", str(crm_dir), *users])
    assert result.exit_code == 0, result.output
    git(first, "remote", "add", "origin", str(remote))
    clones = {names[0]: Clone(crm_dir, runner, names[0])}
    clones[names[0]].sync()
    for name in names[1:]:
        git(tmp_path, "clone", "-q", str(remote), name)
        identity(tmp_path / name, name)
        root = tmp_path / name / sub if sub else tmp_path / name
        clones[name] = Clone(root, runner, name)
    return Team(remote, clones)
