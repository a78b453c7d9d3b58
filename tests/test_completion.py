"""Shell completion: the scripts, and record references, task ids, stages and owners
completed from the repository through click's completion protocol."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.cli.completion import complete_stage


def complete(runner: CliRunner, words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash would offer for the last word of ``words`` (click's bash protocol)."""
    parts = words.split(" ")
    result = runner.invoke(
        cli,
        [],
        prog_name="plaincrm",
        env={
            "_PLAINCRM_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
            **(env or {}),
        },
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


@pytest.fixture
def filled(crm: Crm) -> Crm:
    crm.run("client", "add", "Acme Ltd")
    crm.run("client", "add", "Acorn Kft")
    crm.run("client", "add", "Bolt s.r.o.")
    return crm


def test_client_refs_complete_by_prefix(filled: Crm, runner: CliRunner) -> None:
    root = filled.root
    assert complete(runner, f"plaincrm -C {root} client show ac") == ["acme-ltd", "acorn-kft"]
    assert complete(runner, f"plaincrm -C {root} client show b") == ["bolt-s-r-o"]
    assert complete(runner, f"plaincrm -C {root} client show ") == [
        "acme-ltd",
        "acorn-kft",
        "bolt-s-r-o",
    ]
    assert complete(runner, f"plaincrm -C {root} client show zz") == []


def test_folder_qualified_refs(filled: Crm, runner: CliRunner) -> None:
    words = f"plaincrm -C {filled.root} task add clients/acm"
    assert complete(runner, words) == ["clients/acme-ltd"]
    assert complete(runner, f"plaincrm -C {filled.root} edit nofolder/a") == []


def test_repo_from_environment(filled: Crm, runner: CliRunner) -> None:
    found = complete(runner, "plaincrm edit acm", env={"PLAINCRM_REPO": str(filled.root)})
    assert found == ["acme-ltd"]


def test_task_ids_of_open_tasks(filled: Crm, runner: CliRunner) -> None:
    first = filled.run("task", "add", "acme", "Call", "--due", "today").stdout.strip()
    second = filled.run("task", "add", "bolt", "Visit", "--due", "today").stdout.strip()
    filled.run("task", "done", second, "--no-note")
    found = complete(runner, f"plaincrm -C {filled.root} task done ")
    assert found == [first]
    assert complete(runner, f"plaincrm -C {filled.root} task move {first[:2]}") == [first]
    # before a task has an id it is REF#N
    text = filled.read("clients/acorn-kft.md") + "\n## Tasks\n\n- [ ] Hand-typed\n"
    filled.write("clients/acorn-kft.md", text)
    assert complete(runner, f"plaincrm -C {filled.root} task done acorn-kft#") == ["acorn-kft#1"]


def test_owners_complete_from_settings(crm: Crm, runner: CliRunner) -> None:
    assert complete(runner, f"plaincrm -C {crm.root} today --owner ") == ["anna", "ben", "me"]
    assert complete(runner, f"plaincrm -C {crm.root} client add X --owner b") == ["ben"]


def test_outside_a_crm_offers_nothing(tmp_path: Path, runner: CliRunner) -> None:
    assert complete(runner, f"plaincrm -C {tmp_path} client show a") == []


def test_broken_file_does_not_break_completion(filled: Crm, runner: CliRunner) -> None:
    filled.write("clients/acme-broken.md", "---\nname: [unclosed\n---\n")
    assert complete(runner, f"plaincrm -C {filled.root} client show ac") == [
        "acme-ltd",
        "acorn-kft",
    ]


def test_commands_complete(runner: CliRunner) -> None:
    assert "completion" in complete(runner, "plaincrm comp")


def stages(crm: Crm, incomplete: str) -> list[str]:
    ctx = cli.make_context("plaincrm", ["-C", str(crm.root), "today"], resilient_parsing=True)
    return [item.value for item in complete_stage(ctx, click.Argument(["stage"]), incomplete)]


def test_open_stages_from_the_pipeline_settings(crm: Crm) -> None:
    """Deals close through `deal win` and `deal lose`, so won and lost are not offered."""
    assert stages(crm, "") == ["lead", "qualified", "proposal", "negotiation"]
    assert stages(crm, "n") == ["negotiation"]
    assert stages(crm, "l") == ["lead"]
    settings = crm.read("plaincrm.yaml").replace("name: proposal", "name: offer")
    crm.write("plaincrm.yaml", settings)
    assert stages(crm, "o") == ["offer"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_scripts(crm: Crm, shell: str) -> None:
    out = crm.run("completion", shell).stdout
    assert "_PLAINCRM_COMPLETE" in out
    assert f"{shell}_complete" in out


def test_unknown_shell(crm: Crm) -> None:
    result = crm.fail("completion", "tcsh", code=2)
    assert "tcsh" in result.stderr


@pytest.mark.skipif(
    not shutil.which("bash") or not shutil.which("plaincrm"), reason="needs bash and plaincrm"
)
def test_real_bash_completes_references(filled: Crm) -> None:
    script = filled.run("completion", "bash").stdout
    probe = (
        f"{script}\n"
        f"COMP_WORDS=(plaincrm -C {filled.root} client show ac); COMP_CWORD=5\n"
        "_plaincrm_completion plaincrm\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    done = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["acme-ltd", "acorn-kft"]
