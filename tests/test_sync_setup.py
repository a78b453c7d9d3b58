"""``plaincrm setup-git`` (and ``init``): the merge driver, the pre-commit hook."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from conftest import Crm, git
from plaincrm.cli import cli

ROOT = Path(__file__).resolve().parent.parent
BROKEN = "---\nname: [Broken\n---\n"


def commit(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``git commit`` as a user types it: hooks run."""
    return subprocess.run(["git", "commit", "-q", *args], cwd=cwd, capture_output=True, text=True)


def test_init_registers_the_merge_driver_and_installs_the_hook(crm: Crm) -> None:
    attributes = crm.read(".gitattributes")
    assert "*.md merge=plaincrm" in attributes
    assert ".gitattributes" in crm.git("show", "--name-only", "--format=", "HEAD").split()
    driver = crm.git("config", "--get", "merge.plaincrm.driver").strip()
    assert driver == f"{sys.executable} -m plaincrm merge-driver --marker-size %L %O %A %B %P"
    hook = crm.root / ".git" / "hooks" / "pre-commit"
    assert os.access(hook, os.X_OK)
    assert "-m plaincrm -C . pre-commit" in hook.read_text()
    assert crm.clean()


def test_the_hook_refuses_a_broken_record_and_lets_no_verify_through(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.write(
        "clients/acme-ltd.md",
        crm.read("clients/acme-ltd.md").replace("kind: company", "kind: shop"),
    )
    crm.write("clients/broken.md", BROKEN)
    crm.git("add", "clients")
    refused = commit(crm.root, "-m", "broken")
    assert refused.returncode != 0
    assert "clients/broken.md:2: YAML does not parse" in refused.stderr
    assert "clients/acme-ltd.md:3:" in refused.stderr and "shop" in refused.stderr
    assert "git commit --no-verify" in refused.stderr
    assert crm.commits()[0] == "client add: Acme Ltd (clients/acme-ltd.md)"
    assert commit(crm.root, "--no-verify", "-m", "anyway").returncode == 0
    assert crm.commits()[0] == "anyway"


def test_the_hook_refuses_settings_that_do_not_parse(crm: Crm) -> None:
    crm.write("plaincrm.yaml", crm.read("plaincrm.yaml").replace('end: "17:00"', 'end: ["17:00"'))
    refused = commit(crm.root, "-am", "later end")
    assert refused.returncode != 0
    assert "plaincrm.yaml:" in refused.stderr and "commit refused" in refused.stderr
    crm.write("plaincrm.yaml", crm.read("plaincrm.yaml").replace('["17:00"', '"16:00"'))
    assert commit(crm.root, "-am", "earlier end").returncode == 0


def test_the_hook_lets_good_records_and_other_files_through(crm: Crm) -> None:
    crm.write("clients/good.md", "---\nname: Good Ltd\n---\n\n## Tasks\n\n- [ ] Call id:abc234\n")
    crm.write("notes.txt", BROKEN)
    crm.git("add", "clients/good.md", "notes.txt")
    done = commit(crm.root, "-m", "good")
    assert done.returncode == 0, done.stderr
    # a broken record that is not staged does not stop the commit either
    crm.write("clients/later.md", BROKEN)
    crm.write("clients/good.md", crm.read("clients/good.md") + "\nMore.\n")
    assert commit(crm.root, "-am", "more").returncode == 0


def test_setup_git_in_a_fresh_clone(tmp_path: Path, crm: Crm, runner: CliRunner) -> None:
    bare = tmp_path / "shared.git"
    git(tmp_path, "clone", "-q", "--bare", str(crm.root), str(bare))
    git(tmp_path, "clone", "-q", str(bare), "mine")
    clone = Crm(tmp_path / "mine", runner)
    assert not (clone.root / ".git" / "hooks" / "pre-commit").exists()
    before = clone.commits()
    out = clone.run("setup-git").stdout
    assert "git config merge.plaincrm.driver" in out and "pre-commit hook:" in out
    assert clone.commits() == before  # .gitattributes came with the clone
    assert (clone.root / ".git" / "hooks" / "pre-commit").exists()
    again = clone.run("setup-git").stdout
    assert "git config" not in again  # nothing left to register


def test_setup_git_adds_gitattributes_to_an_older_crm(crm: Crm) -> None:
    (crm.root / ".gitattributes").unlink()
    crm.git("commit", "-qam", "an older CRM")
    crm.run("setup-git")
    assert crm.commits()[0] == "setup-git: record merge driver (.gitattributes)"
    assert "*.md merge=plaincrm" in crm.read(".gitattributes")
    assert crm.clean()


def test_setup_git_leaves_another_tools_hook_alone(crm: Crm) -> None:
    hook = crm.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho mine\n")
    out = crm.run("setup-git").stdout
    assert "exists and is not plaincrm's; left alone" in out
    assert hook.read_text() == "#!/bin/sh\necho mine\n"


def test_a_crm_in_a_subfolder(tmp_path: Path, runner: CliRunner) -> None:
    project = tmp_path / "project"
    project.mkdir()
    git(project, "init", "-q")
    (project / "README.md").write_text("A project with a CRM inside.\n")
    git(project, "add", "README.md")
    git(project, "commit", "-qm", "project")
    assert runner.invoke(cli, ["init", str(project / "crm")]).exit_code == 0
    assert "*.md merge=plaincrm" in (project / "crm" / ".gitattributes").read_text()
    assert not (project / ".gitattributes").exists()
    assert "-C crm pre-commit" in (project / ".git" / "hooks" / "pre-commit").read_text()
    (project / "crm" / "clients" / "broken.md").write_text(BROKEN)
    git(project, "add", "crm")
    refused = commit(project, "-m", "broken")
    assert refused.returncode != 0 and "clients/broken.md:2:" in refused.stderr
    check = subprocess.run(
        ["git", "check-attr", "merge", "crm/clients/x.md", "README.md"],
        cwd=project,
        capture_output=True,
        text=True,
    ).stdout
    assert "crm/clients/x.md: merge: plaincrm" in check and "README.md: merge: unspecified" in check


def test_commands_git_runs_stay_out_of_help(runner: CliRunner) -> None:
    out = runner.invoke(cli, ["--help"]).output
    commands = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert {"sync", "history", "activity", "setup-git"} <= commands
    assert not {"merge-driver", "pre-commit"} & commands


def test_pre_commit_outside_git_says_so(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "plain"
    assert runner.invoke(cli, ["init", str(root), "--no-git"]).exit_code == 0
    result = Crm(root, runner).fail("pre-commit", code=7)
    assert "is not in a git repository" in result.stderr
    assert "is not in a git repository" in Crm(root, runner).fail("setup-git", code=7).stderr


def test_the_pre_commit_framework_hook_definition() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "plaincrm-check" and hook["language"] == "python"
    assert [hook["entry"], *hook["args"]] == ["plaincrm", "check"]
    assert hook["pass_filenames"] is False


def test_pre_commit_command_exit_code_and_message(crm: Crm) -> None:
    crm.write("clients/broken.md", BROKEN)
    crm.git("add", "clients/broken.md")
    result = crm.fail("pre-commit", code=6)
    assert result.stderr.startswith("Error: clients/broken.md:2: YAML does not parse")
    crm.git("rm", "-q", "--cached", "clients/broken.md")
    assert crm.run("pre-commit").stdout == ""
