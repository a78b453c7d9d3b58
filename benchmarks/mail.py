"""``plaincrm mail import`` of a 10,000-message Maildir, and the re-run with nothing new.

Generates (once, into ``--workdir``) a CRM of ``--clients`` clients with
``generate.py`` and a Maildir of ``--messages`` messages built with the standard
library: three in five from or to a client's address (plain text or
multipart/alternative with HTML, replies quoting the earlier mail, signatures,
an attachment now and then), the rest from strangers.  Then times whole
``plaincrm`` processes: the first import (on a fresh copy of the CRM each run)
and the re-run that finds nothing new.  Targets (issue 15): under 30 s and under
1 s on a 2-core machine.

    python benchmarks/mail.py                        # 10,000 messages, 1,000 clients
    python benchmarks/mail.py --messages 2000 --runs 3
"""

from __future__ import annotations

import argparse
import mailbox
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate

ENV = {"PLAINCRM_TODAY": "2026-11-27", "PLAINCRM_USER": "anna", "TZ": "Europe/Budapest"}
WORDS = [
    "offer",
    "machine",
    "beans",
    "lease",
    "service",
    "visit",
    "invoice",
    "delivery",
    "price",
    "grinder",
    "tasting",
    "contract",
    "board",
    "decision",
    "calculation",
    "order",
    "week",
    "monday",
    "please",
    "thanks",
    "question",
]


def make_messages(root: Path, box: Path, count: int, seed: int) -> None:
    rng = random.Random(seed)
    clients = [p.stem for p in (root / "clients").glob("*.md")]
    box.parent.mkdir(parents=True, exist_ok=True)
    maildir = mailbox.Maildir(str(box), create=True)
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    for n in range(count):
        msg = EmailMessage()
        client = rng.choice(clients)
        theirs = f"info@{client}.example" if rng.random() < 0.6 else f"someone{n}@stranger.example"
        ours = "anna@example.com"
        inbound = rng.random() < 0.5
        msg["From"], msg["To"] = (theirs, ours) if inbound else (ours, theirs)
        subject = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
        msg["Subject"] = ("Re: " if rng.random() < 0.4 else "") + subject
        msg["Date"] = format_datetime(start + timedelta(minutes=47 * n))
        msg["Message-ID"] = f"<bench-{seed}-{n}@example.com>"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
        body = f"Hello,\n\n{text}\n\nBest regards,\nSomeone\n\nOn Monday X wrote:\n> {text[:200]}\n"
        msg.set_content(body)
        if rng.random() < 0.3:
            msg.add_alternative(f"<html><body><p>{text}</p></body></html>", subtype="html")
        if rng.random() < 0.1:
            msg.add_attachment(
                b"x" * 20000, maintype="application", subtype="pdf", filename="a.pdf"
            )
        maildir.add(msg)


CPU: list[float] = []  # CPU seconds (user + system) of each timed process and its children


def timed(args: list[str], cwd: Path) -> float:
    """Wall seconds of a whole process; its CPU seconds go to ``CPU`` (on a shared
    machine the CPU time says what a quiet machine's wall time would be)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        ["plaincrm", *args], cwd=cwd, env={**os.environ, **ENV}, check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/plaincrm-bench"))
    options = parser.parse_args()
    base = options.workdir / f"mail-crm-{options.clients}"
    box = options.workdir / f"mail-{options.messages}" / "INBOX"
    if not base.exists():
        generate(base, options.clients)
        with open(base / "plaincrm.yaml", "a", encoding="utf-8") as settings:
            settings.write("mail:\n  internal_domains: [example.com]\n")
        subprocess.run(["git", "commit", "-qam", "mail settings"], cwd=base, check=True)
    if not box.exists():
        make_messages(base, box, options.messages, seed=1)
    first, again, first_cpu, again_cpu = [], [], [], []
    for _ in range(options.runs):
        crm = options.workdir / "mail-run"
        shutil.rmtree(crm, ignore_errors=True)
        shutil.copytree(base, crm, symlinks=True)
        timed(["today", "--all"], crm)  # the index built, as in daily use
        first.append(timed(["mail", "import", str(box)], crm))
        first_cpu.append(CPU[-1])
        again.append(timed(["mail", "import", str(box)], crm))
        again_cpu.append(CPU[-1])
    load = os.getloadavg()[0]
    print(f"{options.messages} messages, {options.clients} clients, load {load:.1f}:")
    for name, walls, cpus in (
        ("first import", first, first_cpu),
        ("nothing new", again, again_cpu),
    ):
        print(
            f"  {name + ':':13} median {statistics.median(walls):.2f} s wall, "
            f"{statistics.median(cpus):.2f} s CPU  (runs: {[round(t, 2) for t in walls]})"
        )


if __name__ == "__main__":
    main()
