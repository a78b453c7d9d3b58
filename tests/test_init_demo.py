"""``init`` in its three situations, and ``demo`` on the bundled sample repository."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import git
from plaincrm.cli import cli
from plaincrm.core.errors import EXIT_CONFLICT, EXIT_USAGE
from plaincrm.crm.setup import sample_repo_dir, shift_dates


def test_init_creates_a_git_repository_with_a_first_commit(
    tmp_path: Path, runner: CliRunner
) -> None:
    root = tmp_path / "crm"
    result = runner.invoke(cli, ["init", str(root), "--user", "anna"])
    assert result.exit_code == 0, result.output
    config = (root / "plaincrm.yaml").read_text()
    assert "  - name: anna" in config and "workday:" in config and "default_duration" in config
    assert config.count("#") >= 8  # documented with comments
    assert ".plaincrm/" in (root / ".gitignore").read_text()
    assert (root / "clients").is_dir()
    assert git(root, "log", "--format=%s").splitlines()[-1] == "plaincrm init"
    assert git(root, "status", "--porcelain") == ""
    again = runner.invoke(cli, ["init", str(root)])
    assert again.exit_code == EXIT_CONFLICT
    assert "already exists" in again.stderr


def test_init_refuses_a_crm_inside_another_and_user_names_with_spaces(
    tmp_path: Path, runner: CliRunner
) -> None:
    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--user", "anna"]).exit_code == 0
    inner = runner.invoke(cli, ["init", str(root / "clients")])
    assert inner.exit_code == EXIT_CONFLICT
    assert inner.stderr == (
        f"Error: {root / 'clients'} is inside the plaincrm repository {root}: "
        "create the new one outside it\n"
    )
    assert not (root / "clients" / "plaincrm.yaml").exists()
    assert git(root, "log", "--format=%s").splitlines() == ["plaincrm init"]
    spaced = runner.invoke(cli, ["init", str(tmp_path / "team"), "--user", "anna maria"])
    assert spaced.exit_code == EXIT_USAGE
    assert "'anna maria' has a space" in spaced.stderr and "anna-maria" in spaced.stderr
    assert not (tmp_path / "team").exists()


def test_a_user_name_with_a_space_is_a_settings_problem(tmp_path: Path, runner: CliRunner) -> None:
    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--user", "anna"]).exit_code == 0
    config = root / "plaincrm.yaml"
    config.write_text(config.read_text().replace("- name: anna", "- name: anna maria"))
    result = runner.invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 1
    assert "plaincrm.yaml:10: user name 'anna maria' has a space" in result.stdout


def test_a_full_name_that_is_not_text_is_a_settings_problem(
    tmp_path: Path, runner: CliRunner
) -> None:
    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--user", "anna", "--user", "ben"]).exit_code == 0
    config = root / "plaincrm.yaml"
    config.write_text(config.read_text().replace("- name: ben", "- name: ben\n    email: [b, c]"))
    result = runner.invoke(cli, ["-C", str(root), "check"])
    assert result.exit_code == 1
    assert "email of user 'ben' must be text" in result.stdout
    result = runner.invoke(cli, ["-C", str(root), "today"], env={"PLAINCRM_USER": "zed"})
    assert result.exit_code == 5 and "Traceback" not in result.output
    assert "email of user 'ben' must be text" in result.stderr


def test_init_and_demo_say_so_when_git_is_missing(
    tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-git-here"))
    result = runner.invoke(cli, ["init", str(tmp_path / "crm"), "--user", "anna"])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "crm" / ".git").exists()
    assert "warning: git is not installed, so this CRM has no history" in result.stderr
    demo = runner.invoke(cli, ["demo", str(tmp_path / "demo")])
    assert demo.exit_code == 0, demo.output
    assert "(a git repository)" not in demo.stdout
    assert "warning: git is not installed, so this CRM has no history" in demo.stderr


def test_init_in_a_subfolder_of_an_existing_repository(tmp_path: Path, runner: CliRunner) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "other.txt").write_text("not ours\n")
    result = runner.invoke(cli, ["init", str(tmp_path / "crm")])
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "crm" / ".git").exists()
    committed = git(tmp_path, "show", "--name-only", "--format=", "HEAD").split()
    assert "crm/plaincrm.yaml" in committed and "other.txt" not in committed
    add = runner.invoke(cli, ["-C", str(tmp_path / "crm"), "client", "add", "Acme"])
    assert add.exit_code == 0, add.output
    assert git(tmp_path, "show", "--name-only", "--format=", "HEAD").split() == [
        "crm/clients/acme.md"
    ]


def test_sample_repository_is_clean(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["-C", str(sample_repo_dir()), "check"])
    assert result.exit_code == 0, result.output


def test_demo_moves_dates_to_today_and_shows_a_meaningful_agenda(
    tmp_path: Path, runner: CliRunner
) -> None:
    target = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", str(target)])
    assert result.exit_code == 0, result.output
    assert "Schedule" in result.stdout
    assert re.search(r"\d\d:\d\d-\d\d:\d\d", result.stdout)  # timed tasks today
    view = json.loads(runner.invoke(cli, ["-C", str(target), "today", "--all", "--json"]).stdout)
    assert len(view["schedule"]) >= 3
    assert all(t["days_late"] <= 7 for t in view["overdue"])
    assert git(target, "status", "--porcelain") == ""
    anchor = date.fromisoformat((sample_repo_dir() / ".demo-anchor").read_text().strip())
    shift = date(2026, 11, 27) - anchor  # PLAINCRM_TODAY in the tests
    original = (sample_repo_dir() / "clients" / "cafe-aurora.md").read_text()
    copied = (target / "clients" / "cafe-aurora.md").read_text()
    assert copied == shift_dates(original, shift)
    again = runner.invoke(cli, ["demo", str(target)])
    assert again.exit_code == EXIT_CONFLICT


def test_shift_dates_only_touches_dates() -> None:
    text = "created: 2026-11-27\nphone: 2026-11-27-99\n- [ ] x due:2026-02-28 id:ab\n"
    shifted = shift_dates(text, timedelta(days=1))
    assert shifted == "created: 2026-11-28\nphone: 2026-11-27-99\n- [ ] x due:2026-03-01 id:ab\n"


def test_settings_written_by_init_match_their_schema(tmp_path: Path, runner: CliRunner) -> None:
    import jsonschema

    from plaincrm.core.frontmatter import load_full
    from plaincrm.core.schemas import load_schema

    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--user", "anna", "--no-git"]).exit_code == 0
    values = load_full((root / "plaincrm.yaml").read_text(), 1).values
    jsonschema.validate(values, load_schema("config"))
    jsonschema.validate(
        load_full((sample_repo_dir() / "plaincrm.yaml").read_text(), 1).values,
        load_schema("config"),
    )


def test_init_knows_who_ran_it(tmp_path: Path, runner: CliRunner) -> None:
    """git's identity becomes the first user's full_name and email: today is yours at once."""
    root = tmp_path / "crm"
    assert runner.invoke(cli, ["init", str(root), "--user", "anna", "--user", "ben"]).exit_code == 0
    config = (root / "plaincrm.yaml").read_text()
    assert "  - name: anna\n    full_name: Anna Kovacs\n    email: anna@example.com\n" in config
    assert "  - name: ben\n" in config
    result = runner.invoke(cli, ["-C", str(root), "today"])
    assert result.exit_code == 0, result.output
    assert "- anna" in result.stdout.splitlines()[0]
    assert result.stderr == ""
