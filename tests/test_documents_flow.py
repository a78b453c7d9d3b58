"""A sale from quote to shipment through the installed ``plaincrm`` command.

Each step is checked where a user would look: ``receivables``, ``deal show``
and ``history``; a stage gate blocks ``deal win`` until the contract is signed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import git

PLAINCRM = shutil.which("plaincrm")
DEAL = "cafe-aurora-espresso-machines"

pytestmark = pytest.mark.skipif(PLAINCRM is None, reason="the plaincrm command is not installed")


class Shell:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {**os.environ, "PLAINCRM_USER": "anna", "PLAINCRM_TODAY": "2026-11-27"}

    def run(self, *args: str, code: int = 0) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(PLAINCRM), "-C", str(self.root), *args],
            capture_output=True,
            text=True,
            env=self.env,
            check=False,
        )
        assert done.returncode == code, (args, done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
        return done

    def json(self, *args: str) -> dict:
        return json.loads(self.run(*args, "--json").stdout)

    def receivables(self) -> tuple[float, float, float]:
        line = self.json("receivables")["clients"][0]
        return line["invoiced"], line["paid"], line["outstanding"]

    def history(self) -> str:
        return self.run("history", DEAL).stdout


def test_quote_contract_win_invoice_payments_shipment(tmp_path: Path) -> None:
    root = tmp_path / "crm"
    shell = Shell(root)
    shell.run("init", str(root), "--user", "anna", "--user", "ben")
    settings = root / "plaincrm.yaml"
    text = settings.read_text(encoding="utf-8")
    won = "{name: won, probability: 100"
    settings.write_text(text.replace(won, f"{won}, requires: [contract]"), encoding="utf-8")
    git(root, "commit", "-qam", "won requires a signed contract")
    shell.run("client", "add", "Café Aurora")
    shell.run("deal", "add", "cafe-aurora", "Espresso machines", "--amount", "12000")

    quote = shell.run("doc", "add", "quote", DEAL, "--status", "sent").stdout.strip()
    shell.run("deal", "move", DEAL, "proposal")
    assert "added as sent  [Quote for " in shell.run("deal", "show", DEAL).stdout

    refused = shell.run("deal", "win", DEAL, code=8)
    assert "it needs a signed contract" in refused.stderr
    contract = shell.run("doc", "add", "contract", DEAL, "--status", "sent").stdout.strip()
    shell.run("doc", "status", contract, "signed")
    shell.run("deal", "win", DEAL)
    assert "status sent -> signed" in shell.history()

    invoice = shell.run("doc", "add", "invoice", DEAL, "--status", "issued").stdout.strip()
    assert invoice == "cafe-aurora-invoice-a-2026-0001"
    assert shell.receivables() == (12000, 0, 12000)
    assert "owes 12,000 EUR" in shell.run("deal", "show", DEAL).stdout
    assert "added as issued, number A-2026-0001" in shell.history()

    shell.run("pay", invoice, "--amount", "4500.50")
    assert shell.receivables() == (12000, 4500.5, 7499.5)
    shown = shell.run("deal", "show", DEAL).stdout
    assert "owes 7,499.50 EUR" in shown
    assert "4,500.50 EUR, 7,499.50 EUR outstanding" in shell.history()

    shell.run("pay", invoice)
    assert shell.receivables() == (12000, 12000, 0)
    assert "owes" not in shell.run("deal", "show", DEAL).stdout
    assert "status issued -> paid" in shell.history()

    shipment = shell.run("doc", "add", "shipment", DEAL, "--related", invoice).stdout.strip()
    shell.run("doc", "status", shipment, "shipped")
    shown = shell.json("deal", "show", DEAL)
    assert shown["stage"] == "won"
    documents = shown["documents"]
    assert [(d["kind"], d["status"]) for d in documents] == [
        ("quote", "sent"),
        ("contract", "signed"),
        ("invoice", "paid"),
        ("payment", "received"),
        ("payment", "received"),
        ("shipment", "shipped"),
    ]
    assert quote in {d["ref"] for d in documents}
    assert "status planned -> shipped" in shell.history()
    client_history = shell.run("history", "cafe-aurora").stdout
    assert "status planned -> shipped" in client_history
    assert "status issued -> paid" in client_history
    shell.run("check")
    assert git(root, "status", "--porcelain") == ""
