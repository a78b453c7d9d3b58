"""Many concurrent operations in three clones, synced in a random order: none is lost."""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from gitfixtures import Clone, make_team

from plaincrm.core.frontmatter import load, set_fields, split
from plaincrm.core.records import CONFLICT_RE, append_to_section


@dataclass
class Expected:
    clients: set[str] = field(default_factory=set)  # names
    tasks: set[str] = field(default_factory=set)  # titles
    done: dict[str, list[str]] = field(default_factory=dict)  # title -> notes
    log: dict[str, set[str]] = field(default_factory=dict)  # path -> lines
    tags: dict[str, set[str]] = field(default_factory=dict)  # path -> tags
    phones: dict[str, set[str]] = field(default_factory=dict)  # path -> values written
    overwritten: dict[str, set[str]] = field(default_factory=dict)  # path -> values replaced


def front_of(text: str) -> dict:
    parts = split(text)
    assert parts.front is not None
    return load(parts.front, parts.front_line).values


def clients_of(clone: Clone) -> list[str]:
    return sorted(
        p.relative_to(clone.root).as_posix() for p in (clone.root / "clients").glob("*.md")
    )


def open_tasks(clone: Clone) -> list[dict]:
    return json.loads(clone.run("task", "list", "--all", "--json").stdout)


def act(clone: Clone, rng: random.Random, serial: str, expected: Expected) -> None:
    """One random operation in one clone, by command or by hand in the editor."""
    paths = clients_of(clone)
    op = rng.choice(["client", "task", "done", "log", "phone", "tag"] if paths else ["client"])
    if op == "client":
        name = f"Client {serial}"
        clone.run("client", "add", name, "--phone", f"+36 {serial}")
        expected.clients.add(name)
        return
    if op == "done":
        tasks = open_tasks(clone)
        if tasks:
            task = rng.choice(tasks)
            note = f"Result {serial}"
            clone.run("task", "done", task["id"], "--note", note)
            expected.done.setdefault(task["title"], []).append(note)
            return
        op = "task"
    path = rng.choice(paths)
    text = clone.read(path)
    if op == "task":
        title = f"Task {serial}"
        clone.run("task", "add", path.removesuffix(".md"), title)
        expected.tasks.add(title)
    elif op == "log":
        line = f"- 2026-11-{rng.randint(10, 27)} {clone.user}: note {serial}"
        clone.write(path, append_to_section(text, "Log", [line]))
        expected.log.setdefault(path, set()).add(line)
    elif op == "phone":
        value = f"+36 1 {serial}"
        expected.overwritten.setdefault(path, set()).add(str(front_of(text).get("phone")))
        clone.write(path, set_fields(text, {"phone": value}))
        expected.phones.setdefault(path, set()).add(value)
    else:
        tag = f"t{serial}"
        tags = front_of(text).get("tags") or []
        clone.write(path, set_fields(text, {"tags": [*tags, tag]}))
        expected.tags.setdefault(path, set()).add(tag)


@pytest.mark.parametrize("seed", [2])
def test_random_concurrent_work_loses_nothing(tmp_path: Path, runner: CliRunner, seed: int) -> None:
    rng = random.Random(seed)
    team = make_team(tmp_path, runner)
    clones = list(team.clones.values())
    expected = Expected()
    counter = 0
    for _ in range(4):
        for clone in clones:
            for _ in range(rng.randint(2, 4)):
                counter += 1
                act(clone, rng, f"{clone.user[0]}{counter}", expected)
        for clone in rng.sample(clones, rng.randint(1, 3)):
            clone.sync()
    team.sync_all()

    heads = {clone.git("rev-parse", "HEAD") for clone in clones}
    assert len(heads) == 1
    final = clones[0]
    for clone in clones:
        assert clone.clean()
    final.run("check")
    names = {c["name"] for c in json.loads(final.run("client", "list", "--json").stdout)}
    assert expected.clients <= names
    tasks = {t["title"]: t for t in open_tasks(final)}
    tasks.update(
        {
            t["title"]: t
            for t in json.loads(final.run("task", "list", "--all", "--done", "--json").stdout)
        }
    )
    assert expected.tasks <= set(tasks)
    for title, notes in expected.done.items():
        assert tasks[title]["done"], title
        for note in notes:
            assert note in tasks[title]["note"]
    for path in clients_of(final):
        text = final.read(path)
        assert not any(CONFLICT_RE.match(line) for line in text.splitlines())
        for line in expected.log.get(path, ()):
            assert line in text.splitlines(), (path, line)
        fields = front_of(text)
        assert expected.tags.get(path, set()) <= set(fields.get("tags") or [])
        logged = set(re.findall(r"other value (.+)$", text, flags=re.MULTILINE))
        for value in expected.phones.get(path, ()):
            assert (
                value == fields["phone"] or value in expected.overwritten[path] or value in logged
            ), (path, value, fields["phone"])
