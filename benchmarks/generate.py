"""Generate a realistic synthetic plaincrm repository for benchmarks.

    python benchmarks/generate.py /tmp/crm10k --clients 10000

N clients, 2N deals and N/2 tickets (the proportions of the scale issue), each
a Markdown record with front matter, notes, a ``## Tasks`` section (about 2.4
tasks per record, most of them done with result notes, the open ones due
around the anchor date) and a ``## Log``.  The repository is committed to git
with a history of many small commits, as a team using plaincrm would make
them: one commit per record created, and later commits that edit a record
(complete a task, move a deal).  The history is written with ``git
fast-import``, so 10,000 clients take seconds, not the hours real commits
would.

Everything is derived from ``--seed``: the same arguments give the same
files.  Dates are relative to ``--anchor`` (default 2026-11-27); run plaincrm
with ``PLAINCRM_TODAY`` set to it.
"""

from __future__ import annotations

import argparse
import itertools
import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

USERS = ["anna", "ben", "carla", "dan", "eva", "felix", "gita", "hugo", "ines", "jon"]
FIRST = [
    "Anna",
    "Béla",
    "Clara",
    "Dávid",
    "Emma",
    "Ferenc",
    "Gábor",
    "Hanna",
    "István",
    "Júlia",
    "Katalin",
    "László",
    "Mária",
    "Norbert",
    "Olga",
    "Péter",
    "Réka",
    "Sándor",
    "Tímea",
]
LAST = [
    "Kovács",
    "Nagy",
    "Tóth",
    "Szabó",
    "Horváth",
    "Varga",
    "Kiss",
    "Molnár",
    "Németh",
    "Farkas",
    "Balogh",
    "Papp",
    "Lakatos",
    "Takács",
    "Juhász",
    "Oláh",
    "Mészáros",
]
WORDS = [
    "Acme",
    "Nova",
    "Delta",
    "Alfa",
    "Borostyán",
    "Duna",
    "Tisza",
    "Mátra",
    "Zenit",
    "Pannon",
    "Kristály",
    "Vertex",
    "Orion",
    "Napfény",
    "Kék",
    "Zöld",
    "Arany",
    "Ezüst",
    "Global",
    "Smart",
    "Prime",
    "Logic",
    "Bau",
    "Agro",
    "Trans",
    "Med",
    "Info",
    "Tech",
]
SUFFIX = ["Kft.", "Zrt.", "Bt.", "Ltd", "GmbH", "s.r.o.", "Kft.", "Kft."]
CITIES = ["Budapest", "Debrecen", "Szeged", "Pécs", "Győr", "Wien", "Bratislava", "Praha"]
TAGS = ["vip", "wholesale", "retail", "partner", "prospect", "public-sector", "export"]
STAGES = [("lead", 10), ("qualified", 25), ("proposal", 50), ("negotiation", 75)]
CLOSED = [("won", 100), ("lost", 0)]
REASONS = ["price", "competitor", "no budget", "timing", "no decision"]
COMPETITORS = ["Contoso", "Initech", "Globex", "Umbrella"]
TASK_TITLES = [
    "Call about the renewal",
    "Send the offer",
    "Follow up on the proposal",
    "Meeting at their office",
    "Prepare the contract",
    "Check the invoice",
    "Demo of the new version",
    "Ask for a reference",
    "Quarterly review",
    "Answer the question about delivery",
    "Visit the warehouse",
    "Send samples",
]
NOTES = [
    "Wants three more licences; call back in January.",
    "Price is fine, the board decides next week.",
    "Asked for a discount of 5 %; said we would think about it.",
    "Happy with the service, interested in the premium plan.",
    "No answer; left a voicemail.",
    "Sent the documents, they confirmed receipt.",
]
SENTENCES = [
    "Family-owned business with a strong regional presence.",
    "They buy mostly in the autumn, before the season starts.",
    "The purchasing manager prefers phone calls to e-mail.",
    "Long-standing customer; pays on time.",
    "Expanding to two new locations next year.",
    "Compared us with two competitors last spring.",
    "Needs invoices in both Hungarian and English.",
    "Decision makers: the CEO and the head of operations.",
]
KINDS = ["complaint", "request", "suggestion", "question"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]
STATUSES = ["new", "open", "waiting", "resolved", "closed", "closed"]
# A heavy day: six owners, and of the open tasks 40 % overdue (up to two months) and
# 7 % due on the anchor day, so that each owner's agenda has about 2,400 lines at
# 10,000 clients (the usual: 10 owners, 5 % overdue, 2 % due that day).
HEAVY_OWNERS = 6
HEAVY = (0.40, 0.47)  # the shares of open tasks overdue, and overdue or due that day
CONFIG = """\
# plaincrm settings (synthetic benchmark repository)
users:
{users}
workday:
  start: "09:00"
  end: "17:00"
  days: [mon, tue, wed, thu, fri]
tasks:
  default_duration: 30m
git:
  commit: true
"""
_ID_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"


@dataclass
class Record:
    path: str
    created: date
    front: list[str]
    body: list[str]
    tasks: list[str] = field(default_factory=list)
    log: list[str] = field(default_factory=list)
    early_tasks: int = 0  # how many tasks the first version had

    def text(self, final: bool = True) -> str:
        tasks = self.tasks if final else self.tasks[: self.early_tasks]
        log = self.log if final else self.log[:1]
        out = ["---", *self.front, "---", "", *self.body]
        if tasks:
            out += ["", "## Tasks", "", *tasks]
        if log:
            out += ["", "## Log", "", *log]
        return "\n".join(out) + "\n"


class Maker:
    """Deterministic record maker."""

    def __init__(self, seed: int, anchor: date, heavy: bool = False) -> None:
        """``heavy``: a heavy day (``HEAVY``)."""
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.task_count = 0
        self.slugs: set[str] = set()
        self.users = USERS[:HEAVY_OWNERS] if heavy else USERS
        self.late, self.today = HEAVY if heavy else (0.05, 0.07)

    def task_id(self) -> str:
        self.task_count += 1
        n = (self.task_count * 7_368_787 + 1_234_567) % (31**6)
        out = []
        for _ in range(6):
            n, r = divmod(n, 31)
            out.append(_ID_ALPHABET[r])
        return "".join(out)

    def day(self, low: int, high: int) -> date:
        return self.anchor + timedelta(days=self.rng.randint(low, high))

    def slug(self, base: str) -> str:
        slug, n = base, 2
        while slug in self.slugs:
            slug, n = f"{base}-{n}", n + 1
        self.slugs.add(slug)
        return slug

    def tasks(self, owner: str, created: date, count: int) -> list[str]:
        rng = self.rng
        lines = []
        for _ in range(count):
            title = rng.choice(TASK_TITLES)
            if rng.random() < 0.6:
                when = min(self.day(-400, -1), self.anchor - timedelta(days=1))
                when = max(when, created)
                lines.append(f"- [x] {title} due:{when} done:{when} id:{self.task_id()}")
                lines.append(f"  {rng.choice(NOTES)}")
                continue
            roll = rng.random()
            due = (
                self.day(-60 if self.late > 0.1 else -20, -1)
                if roll < self.late
                else self.day(0, 0)
                if roll < self.today
                else self.day(1, 90)
            )
            tokens = [f"due:{due}"]
            if rng.random() < 0.4:
                tokens.append(f"at:{rng.randint(8, 16):02d}:{rng.choice(['00', '30'])}")
                tokens.append(f"dur:{rng.choice(['30m', '1h', '45m'])}")
            if rng.random() < 0.1:
                tokens.append(f"owner:{rng.choice(self.users)}")
            tokens.append(f"id:{self.task_id()}")
            lines.append(f"- [ ] {title} {' '.join(tokens)}")
        return lines

    def paragraphs(self, count: int) -> list[str]:
        out: list[str] = []
        for _ in range(self.rng.randint(1, count)):
            out += [" ".join(self.rng.sample(SENTENCES, self.rng.randint(3, 7))), ""]
        return out[:-1]

    def task_count_for(self) -> int:
        return self.rng.choice([1, 2, 2, 2, 3, 3, 3, 4])

    def client(self) -> Record:
        rng = self.rng
        name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(SUFFIX)}"
        slug = self.slug(_slugify(name))
        owner = rng.choice(self.users)
        created = self.day(-1500, -60)
        person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        front = [
            f"name: {name}",
            "kind: company",
            f"email: info@{slug}.example",
            f'phone: "+36 {rng.randint(1, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"',
            f"city: {rng.choice(CITIES)}",
            f"tags: [{', '.join(rng.sample(TAGS, rng.randint(0, 3)))}]",
            f"owner: {owner}",
            f"created: {created}",
            "contacts:",
            f"  - name: {person}",
            f"    role: {rng.choice(['CEO', 'buyer', 'CFO', 'office manager'])}",
            f"    email: {_slugify(person)}@{slug}.example",
        ]
        body = self.paragraphs(8)
        record = Record(f"clients/{slug}.md", created, front, body)
        record.tasks = self.tasks(owner, created, self.task_count_for())
        record.early_tasks = 1
        record.log = [f"- {created} {owner}: client added"] + [
            f"- {self.day(-300, -1)} {rng.choice(self.users)}: {rng.choice(NOTES)}"
            for _ in range(rng.randint(1, 5))
        ]
        return record

    def deal(self, client: Record) -> Record:
        rng = self.rng
        client_slug = client.path[8:-3]
        title = rng.choice(["licences", "support contract", "hardware", "training", "renewal"])
        slug = self.slug(f"{client_slug}-{_slugify(title)}")
        owner = rng.choice(self.users)
        created = max(self.day(-400, -5), client.created)
        closed = rng.random() < 0.4
        stage, probability = rng.choice(CLOSED if closed else STAGES)
        front = [
            f"client: {client_slug}",
            f"title: {title.capitalize()} for {client_slug}",
            f"stage: {stage}",
            f"probability: {probability}",
            f"amount: {rng.randint(5, 500) * 100}",
            "currency: EUR",
            f"close: {self.day(-60, 120)}",
            f"owner: {owner}",
            f"source: {rng.choice(['referral', 'website', 'campaign', 'cold call'])}",
            f"created: {created}",
        ]
        if closed:
            front.append(f"closed: {self.day(-60, -1)}")
        if stage == "lost":
            reason = rng.choice(REASONS)
            front.append(f"lost_reason: {reason}")
            if reason == "competitor":
                front.append(f"competitor: {rng.choice(COMPETITORS)}")
        body = self.paragraphs(5)
        record = Record(f"deals/{slug}.md", created, front, body)
        record.tasks = self.tasks(owner, created, self.task_count_for())
        record.early_tasks = 1
        record.log = [f"- {created} {owner}: opened in lead (10%)"]
        for (a, _), (b, pb) in itertools.pairwise(STAGES):
            if a == stage:
                break
            record.log.append(f"- {self.day(-300, -1)} {owner}: {a} -> {b} ({pb}%)")
        return record

    def ticket(self, client: Record) -> Record:
        rng = self.rng
        client_slug = client.path[8:-3]
        subject = rng.choice(
            [
                "Invoice is wrong",
                "Delivery late",
                "How to export data",
                "Feature idea: dark mode",
                "Login problem",
                "Price question",
            ]
        )
        slug = self.slug(f"{client_slug}-{_slugify(subject)}")
        owner = rng.choice(self.users)
        opened = self.day(-200, 0)
        status = rng.choice(STATUSES)
        front = [
            f"client: {client_slug}",
            f'subject: "{subject}"' if ": " in subject else f"subject: {subject}",
            f"kind: {rng.choice(KINDS)}",
            f"priority: {rng.choice(PRIORITIES)}",
            f"status: {status}",
            f"opened: {opened} {rng.randint(8, 14):02d}:{rng.randint(0, 59):02d}",
            f"owner: {owner}",
            f"channel: {rng.choice(['email', 'phone', 'web'])}",
        ]
        if status != "new":
            front.append(f"first_response: {opened} 16:{rng.randint(0, 59):02d}")
        if status in ("resolved", "closed"):
            front.append(f"resolved: {opened + timedelta(days=rng.randint(1, 9))} 11:00")
            front.append(f"resolution: {rng.choice(NOTES)}")
        body = [
            "## Conversation",
            "",
            f"- {opened} 10:00 client: {subject}. {rng.choice(SENTENCES)}",
        ]
        for _ in range(rng.randint(1, 6)):
            who = rng.choice(["client", owner])
            body.append(f"- {self.day(-200, 0)} {rng.randint(8, 17)}:00 {who}: {rng.choice(NOTES)}")
        record = Record(f"tickets/{slug}.md", opened, front, body)
        record.tasks = self.tasks(owner, opened, self.task_count_for() - 1)
        record.early_tasks = 0
        return record


def _slugify(text: str) -> str:
    import unicodedata

    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    out = "".join(c if c.isalnum() else "-" for c in plain)
    while "--" in out:
        out = out.replace("--", "-")
    return out.strip("-")


def make_records(clients: int, seed: int, anchor: date, heavy: bool = False) -> list[Record]:
    """N clients, 2N deals, N/2 tickets: the proportions of the scale issue."""
    maker = Maker(seed, anchor, heavy)
    client_records = [maker.client() for _ in range(clients)]
    deals = [maker.deal(maker.rng.choice(client_records)) for _ in range(2 * clients)]
    tickets = [maker.ticket(maker.rng.choice(client_records)) for _ in range(clients // 2)]
    return client_records + deals + tickets


def _blob(text: str) -> bytes:
    data = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(data), data)


def fast_import_stream(records: list[Record], config: str, commits: int, seed: int) -> bytes:
    """A ``git fast-import`` stream of about ``commits`` commits.

    A setup commit; then the records are created in date order, a few per
    commit (a day's work); a fifth of the commits each edit one record (a task
    completed, a deal moved); the remaining records reach their final text in
    a last few ``sync`` commits.
    """
    rng = random.Random(seed + 1)
    out: list[bytes] = []
    stamp = [1_600_000_000]

    def commit(message: str, author: str, files: list[tuple[str, str]]) -> None:
        stamp[0] += 37
        who = f"{author} <{author}@example.com> {stamp[0]} +0000"
        out.append(f"commit refs/heads/main\nauthor {who}\ncommitter {who}\n".encode())
        out.append(_blob(message))
        for path, text in files:
            out.append(f"M 100644 inline {path}\n".encode())
            out.append(_blob(text))
        out.append(b"\n")

    commit("plaincrm init", "anna", [("plaincrm.yaml", config), (".gitignore", ".plaincrm/\n")])
    ordered = sorted(records, key=lambda r: r.created)
    edits = max(1, commits // 5)
    batches = max(1, commits - edits)
    size = -(-len(ordered) // batches)
    for start in range(0, len(ordered), size):
        chunk = ordered[start : start + size]
        commit(
            f"add {len(chunk)} records ({chunk[0].path})",
            rng.choice(USERS),
            [(r.path, r.text(final=False)) for r in chunk],
        )
    edited = rng.sample(ordered, min(edits, len(ordered)))
    for record in edited:
        commit(f"task done: ({record.path})", rng.choice(USERS), [(record.path, record.text())])
    done = {r.path for r in edited}
    rest = [(r.path, r.text()) for r in ordered if r.path not in done]
    for start in range(0, len(rest), 5000):
        chunk = rest[start : start + 5000]
        commit(f"sync: {len(chunk)} records updated", "anna", chunk)
    return b"".join(out)


def generate(
    root: Path,
    clients: int,
    *,
    seed: int = 1,
    anchor: date = date(2026, 11, 27),
    commits: int | None = None,
    git: bool = True,
    heavy: bool = False,
) -> list[str]:
    """Write the repository to ``root`` (which must not exist); return the record paths.
    ``heavy``: a heavy day for everybody (``HEAVY``)."""
    if root.exists() and any(root.iterdir()):
        raise SystemExit(f"{root} exists and is not empty; choose a new folder")
    records = make_records(clients, seed, anchor, heavy)
    users = USERS[:HEAVY_OWNERS] if heavy else USERS
    config = CONFIG.format(users="\n".join(f"  - name: {u}" for u in users))
    root.mkdir(parents=True, exist_ok=True)
    if git:
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
        wanted = max(10, clients // 2) if commits is None else commits
        stream = fast_import_stream(records, config, wanted, seed)
        subprocess.run(["git", "fast-import", "--quiet"], cwd=root, input=stream, check=True)
        subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    else:
        (root / "plaincrm.yaml").write_text(config, encoding="utf-8")
        for record in records:
            path = root / record.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(record.text(), encoding="utf-8")
    for folder in ("clients", "deals", "tickets"):
        (root / folder).mkdir(exist_ok=True)
    return [r.path for r in records]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path, help="folder to create (must be new or empty)")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--anchor", type=date.fromisoformat, default=date(2026, 11, 27))
    parser.add_argument(
        "--commits",
        type=int,
        default=None,
        help="about how many commits of history (default: clients / 2)",
    )
    parser.add_argument("--no-git", action="store_true", help="plain files, no repository")
    parser.add_argument(
        "--heavy-agenda",
        action="store_true",
        help="six owners, nearly half the open tasks due by the anchor day (a heavy day)",
    )
    args = parser.parse_args(argv)
    paths = generate(
        args.root,
        args.clients,
        seed=args.seed,
        anchor=args.anchor,
        commits=args.commits,
        git=not args.no_git,
        heavy=args.heavy_agenda,
    )
    print(f"{args.root}: {len(paths)} records", file=sys.stderr)


if __name__ == "__main__":
    main()
