"""The README's tour runs exactly as written, through the installed ``plaincrm``.

Every ``sh`` block of the README is run with bash, in order, as a reader would
type it: the five-minute tour (it makes its own CRM with ``plaincrm init
~/crm``) in a home folder of its own, the blocks of the next steps on ``plaincrm
demo DIR`` (as the README says: ``cd DIR`` and ``export PLAINCRM_USER=anna``),
with today pinned to a Friday.  A command that fails fails the test, naming it.
The blocks are read from the README each time, so a command added there is run
here; what the test must provide stands in ``OWN_FILES`` and ``TEAM_REMOTE``
(the reader's own spreadsheets and the team's server), each of which the README
must still name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SKIPPED = {"Set up"}  # installs plaincrm (test_docs checks those two commands)
ON_THE_DEMO = (
    "Every\nexample runs on the demo CRM (`plaincrm demo DIR`, then `cd DIR` and\n"
    "`export PLAINCRM_USER=anna`), in the order shown"
)
TEAM_REMOTE = "git@example.com:team/crm.git"  # `git remote add origin ...`: the team's server
RUNNABLE = re.compile(r"^(sh|bash|shell|console|zsh)?$")


def own_files(folder: Path) -> None:
    """The reader's own spreadsheets that the import examples read."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Company", "E-mail", "Phone", "City", "Tags"])
    sheet.append(
        ["Tisza Coffee Bar Kft.", "hello@tiszabar.example", "+36 62 555 0101", "Szeged", "horeca"]
    )
    sheet.append(
        ["Pannon Office Zrt.", "office@pannon.example", "+36 1 555 9911", "Budapest", "office"]
    )
    book.save(folder / "clients.xlsx")
    (folder / "deals.csv").write_text(
        "Client,Deal,Amount,Close date\n"
        "Tisza Coffee Bar Kft.,Two grinders,1800,2027-01-15\n"
        "pannon-office,Office machine,2600,2027-02-01\n",
        encoding="utf-8",
    )


OWN_FILES = ["clients.xlsx", "deals.csv"]


def blocks(text: str) -> list[tuple[str, str]]:
    """The ``sh`` blocks of a README: (section, text) in order.  A block of commands
    in another fence (```bash, ``` ...) is refused: it would not be run here."""
    found = []
    section = ""
    fence = language = None
    lines: list[str] = []
    for line in text.splitlines():
        if fence is None:
            if line.startswith("## "):
                section = line[3:].strip()
            match = re.match(r"^(```+)(\S*)\s*$", line)
            if match:
                fence, language, lines = match.group(1), match.group(2), []
        elif line.startswith(fence) and not line.strip("`"):
            if language == "sh":
                found.append((section, "\n".join(lines)))
            else:
                assert not (
                    RUNNABLE.match(language or "")
                    and any(re.match(r"^\s*(plaincrm|git|cd|export|eval) ", row) for row in lines)
                ), f"a block of commands in '{section}' is not ```sh, so it is not run"
            fence = None
        else:
            lines.append(line)
    assert fence is None, "a fence is never closed"
    return found


# `plaincrm ... serve` runs until stopped: in the tour it is started on a free port, its
# pages are fetched, and it is stopped (the `--open` browser is `true`, from $BROWSER)
SERVE_ONCE = """
import re, subprocess, sys, urllib.request
server = subprocess.Popen(["plaincrm", *sys.argv[1:], "--port", "0"], stderr=subprocess.PIPE,
                          text=True)
try:
    line = server.stderr.readline()
    url = re.search(r"http://[^ ]+/", line)
    assert url, "serve did not start: " + line + server.stderr.read()
    for page in ("", "plan", "pipeline", "reports", "list/clients"):
        with urllib.request.urlopen(url.group(0) + page) as response:
            assert response.status == 200, (page, response.status)
finally:
    server.terminate()
    server.wait()
"""
SERVE_FUNCTION = (
    'plaincrm() { if [[ " $* " == *" serve "* ]]; then '
    f'"{sys.executable}" -c "$SERVE_ONCE" "$@"; else command plaincrm "$@"; fi; }}\n'
)


def run_block(section: str, block: str, cwd: Path, env: dict[str, str]) -> None:
    script = (
        "set -e\n"
        "trap 'echo \"README command failed (exit $?): $BASH_COMMAND\" >&2' ERR\n"
        + SERVE_FUNCTION
        + block
        + "\n"
    )
    env = {**env, "SERVE_ONCE": SERVE_ONCE, "BROWSER": "true"}
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, (
        f"README section '{section}':\n{result.stderr[-3000:]}\n--- the block:\n{block}"
    )


@pytest.fixture
def shell_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a reader's shell: the installed plaincrm first on PATH, the
    home folder and git identity of the tests (conftest), today pinned to a Friday,
    and the team's server (a bare repository in tmp_path) behind its README address."""
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "plaincrm").exists():
        pytest.skip("the plaincrm console script is not installed next to this Python")
    remote = tmp_path / "team-crm.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    config.write_text(
        config.read_text() + f'[url "{remote.as_uri()}"]\n\tinsteadOf = {TEAM_REMOTE}\n'
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PLAINCRM_USER", None)  # the README says who you are
    return env


def test_the_readme_tour_runs_as_written(tmp_path: Path, shell_env: dict[str, str]) -> None:
    readme = README.read_text(encoding="utf-8")
    assert ON_THE_DEMO in readme, "the README no longer says how the examples run on the demo"
    found = blocks(readme)
    sections = [section for section, _ in found]
    assert {"Five-minute tour", "The next steps, one at a time", *SKIPPED} <= set(sections)
    commands = "\n".join(block for section, block in found if section not in SKIPPED)
    for name in [*OWN_FILES, TEAM_REMOTE]:
        assert name in commands, f"the tour no longer reads {name}: drop it from this test"
    demo = tmp_path / "demo"
    subprocess.run(["plaincrm", "demo", str(demo)], env=shell_env, check=True, capture_output=True)
    own_files(demo)
    demo_env = {**shell_env, "PLAINCRM_USER": "anna"}
    ran = 0
    for section, block in found:
        if section in SKIPPED:
            continue
        if re.search(r"^plaincrm init\b", block, re.M):  # makes its own CRM in ~
            run_block(section, block, Path(shell_env["HOME"]), shell_env)
        else:
            run_block(section, block, demo, demo_env)
        ran += len(re.findall(r"^\s*(?:plaincrm|git) ", block, re.M))
    assert ran >= 40  # the whole tour, not a part of it
    assert (
        "Danube Hotels Zrt."
        in (Path(shell_env["HOME"]) / "crm/clients/danube-hotels-zrt.md").read_text()
    )
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", TEAM_REMOTE, str(clone)], env=shell_env, check=True)
    assert (clone / "deals" / "gellert-bakery-compact-automatic-machine.md").exists()


def test_every_block_of_commands_is_run() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(blocks(text)) == text.count("```sh\n")
    hidden = "## Tour\n\n```bash\nplaincrm today\n```\n"
    with pytest.raises(AssertionError, match="a block of commands in 'Tour' is not ```sh"):
        blocks(hidden)
    listing = "## Files\n\n```\nplaincrm.yaml   settings\n```\n\n```sh\ncd x\n```\n"
    assert blocks(listing) == [("Files", "cd x")]
