"""The documentation keeps up with the commands: every command and subcommand is named
in the README or in the docs page of its area, and the README's links resolve."""

from __future__ import annotations

import re
from pathlib import Path

import click

from plaincrm.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def command_paths() -> list[str]:
    paths: list[str] = []

    def walk(command: click.Command, prefix: list[str]) -> None:
        if prefix and not command.hidden:
            paths.append(" ".join(prefix))
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):
                sub = command.get_command(ctx, name)
                if sub is not None:
                    walk(sub, [*prefix, name])

    walk(cli, [])
    return paths


def test_every_command_is_documented() -> None:
    docs = (ROOT / "README.md").read_text() + "".join(
        p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))
    )
    missing = []
    for path in command_paths():
        *group, name = path.split()
        # "deal add" may be written as "plaincrm deal add" or in a list "deal add|move|win"
        spelled = re.compile(
            rf"plaincrm {re.escape(path)}\b|{re.escape(' '.join(group))} [a-z|\\]*\b{name}\b"
            if group
            else rf"plaincrm {re.escape(name)}\b"
        )
        if not spelled.search(docs):
            missing.append(path)
    assert missing == []


def test_readme_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if target.startswith("http"):
            continue
        assert (ROOT / target).exists(), target


def test_readme_has_exactly_the_two_setup_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text()
    setup = readme.split("## Set up", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"```sh\n(.+?)\n```", setup)
    assert commands == [
        'pip install . && plaincrm demo "$(mktemp -d)/crm"',
        "pip install -e '.[test]' && python -m pytest",
    ]
    assert commands[1] in (ROOT / ".ci" / "run").read_text()
