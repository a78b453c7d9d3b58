"""``plaincrm serve`` over HTTP: every page and action against real CRM repositories in
tmp_path (Flask's test client speaks to the app itself; the server command is started
as a real process), the commits each action makes, and the security items: the CSRF
refusal, the Host check, sign-in (refusal, the attempts limit, the acting user),
escaping, no path outside the CRM, problem rows instead of server errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gitfixtures import make_team
from markupsafe import escape

from conftest import Crm
from plaincrm.cli import cli
from plaincrm.core.money import money
from plaincrm.core.store import Store
from plaincrm.core.text import plural
from plaincrm.web import auth
from plaincrm.web.app import Settings
from plaincrm.web.server import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
LOCAL = {"Host": "127.0.0.1:8042"}
FETCH = {**LOCAL, "X-Requested-With": "fetch"}


class Web:
    """A browser's worth of state (cookies) on the app of one CRM."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.token = ""

    def get(self, url: str, status: int = 200, **headers: str) -> str:
        response = self.client.get(url, headers={**LOCAL, **headers})
        text = response.get_data(as_text=True)
        assert response.status_code == status, (url, response.status_code, text[-2000:])
        assert "Traceback" not in text
        found = CSRF.search(text)
        if found:
            self.token = found.group(1)
        return text

    def post(self, url: str, data: dict[str, str], status: int = 303, **headers: str) -> Any:
        if not self.token:
            self.get("/")
        response = self.client.post(
            url, data={"csrf": self.token, **data}, headers={**LOCAL, **headers}
        )
        assert response.status_code == status, (url, response.status_code, response.data[-2000:])
        return response

    def act(self, url: str, data: dict[str, str], status: int = 200) -> dict[str, Any]:
        """Post as the page's script does: JSON back, with the status."""
        body: dict[str, Any] = self.post(url, data, status, **FETCH).get_json()
        return body

    def flashed(self, url: str, data: dict[str, str]) -> str:
        """Post a plain form, follow the redirect, and return the message shown."""
        response = self.post(url, {"next": "/", **data})
        page = self.get(response.headers["Location"])
        found = re.search(r'<p class="flash (\w+)"[^>]*>(.*?)</p>', page, re.S)
        assert found, page[-2000:]
        return f"{found.group(1)}: {found.group(2)}"


def web_of(root: Path, **options: Any) -> Web:
    return Web(create_app(Settings(root, **options)))


@pytest.fixture
def demo(tmp_path: Path, runner: Any, monkeypatch: pytest.MonkeyPatch) -> Crm:
    root = tmp_path / "demo"
    result = runner.invoke(cli, ["demo", str(root)])
    assert result.exit_code == 0, result.output
    monkeypatch.setenv("PLAINCRM_USER", "anna")
    return Crm(root, runner)


def cli_json(crm: Crm, *args: str) -> Any:
    return json.loads(crm.run(*args, "--json").stdout)


def author(crm: Crm) -> str:
    return crm.git("log", "-1", "--format=%an <%ae>|%s").strip()


# ------------------------------------------------------------------ pages


PAGES = [
    "/",
    "/?owner=all",
    "/plan",
    "/pipeline",
    "/pipeline?owner=ben",
    "/pipeline?q=amount%3E1000",
    "/list/clients",
    "/list/clients?q=%2Bvip+sort%3Aname",
    "/list/deals",
    "/list/documents",
    "/list/tickets",
    "/list/campaigns",
    "/list/competitors",
    "/r/clients/danube",
    "/r/deals/danube",
    "/r/documents/cafe-aurora-invoice",
    "/r/tickets/cafe-aurora",
    "/r/campaigns/autumn",
    "/r/competitors/eurovending",
    "/list/deals?q=status%3Awon",
    "/list/documents?q=kind%3Ainvoice",
    "/reports",
    "/reports/forecast",
    "/reports/forecast?by=quarter",
    "/reports/stages",
    "/reports/lost",
    "/reports/competitors",
    "/reports/receivables",
    "/reports/service",
    "/reports/campaigns",
    "/history/clients/danube",
    "/activity",
    "/problems",
]


def test_every_page_shows_what_the_commands_show(demo: Crm) -> None:
    web = web_of(demo.root)
    pages = {url: web.get(url) for url in PAGES}
    day = cli_json(demo, "today")
    for task in [*day["overdue"], *day["schedule"], *day["anytime"]]:
        assert _html(task["title"]) in pages["/"]
    board = cli_json(demo, "pipeline")
    for stage in board["stages"]:
        assert f'data-stage="{stage["stage"]}"' in pages["/pipeline"]
        assert plural(stage["count"], "deal") in pages["/pipeline"]
    card = cli_json(demo, "client", "show", "danube")
    for item in card["history"][:5]:
        assert _html(item["title"]) in pages["/r/clients/danube"]
    for client in cli_json(demo, "client", "list", "+vip"):
        assert _html(client["name"]) in pages["/list/clients?q=%2Bvip+sort%3Aname"]
    lists = {
        "/list/deals": [d["title"] for d in cli_json(demo, "deal", "list")],
        "/list/deals?q=status%3Awon": [
            d["title"] for d in cli_json(demo, "deal", "list", "status:won")
        ],
        "/list/documents?q=kind%3Ainvoice": [
            d["title"] for d in cli_json(demo, "doc", "list", "kind:invoice")
        ],
        "/list/tickets": [t["subject"] for t in cli_json(demo, "ticket", "list")],
        "/list/campaigns": [c["name"] for c in cli_json(demo, "campaign", "list")],
    }
    for url, titles in lists.items():
        assert titles, url
        for title in titles:
            assert _html(title) in pages[url], (url, title)
    deal = cli_json(demo, "deal", "show", "danube")
    page = pages["/r/deals/danube"]
    assert _html(deal["title"]) in page and f"in {deal['stage']} since" in page
    for entry in deal["log"]:
        assert _html(entry["text"].split(" -> ")[0]) in page
    ticket = cli_json(demo, "ticket", "show", "cafe-aurora")
    for message in ticket["conversation"]:
        assert message["at"] in pages["/r/tickets/cafe-aurora"]
    invoice = cli_json(demo, "doc", "show", "cafe-aurora-invoice")
    page = pages["/r/documents/cafe-aurora-invoice"]
    assert invoice["number"] in page and invoice["status"] in page
    total = money(Decimal(str(invoice["totals"]["total"])), invoice["currency"])
    assert f'<td colspan="4">total</td><td class="num">{total}</td>' in page
    campaign = cli_json(demo, "campaign", "show", "autumn")
    assert f"{campaign['responses']} responses" in pages["/r/campaigns/autumn"]
    for event in cli_json(demo, "history", "danube")["events"][:10]:
        assert _html(event["text"]) in pages["/history/clients/danube"], event
    for item in cli_json(demo, "activity", "--since", "-6d")["items"][:10]:
        assert _html(item["text"]) in pages["/activity"], item
    forecast = cli_json(demo, "forecast")
    for period in forecast["periods"]:
        assert f"<td>{period['period']}</td>" in pages["/reports/forecast"]
    assert "Forecast by month" in pages["/reports/forecast"]
    assert "<td>2026-Q4</td>" in pages["/reports/forecast?by=quarter"]
    for name in ("forecast", "stages", "lost", "receivables", "service", "campaigns"):
        assert pages[f"/reports/{name}"].count('<svg class="chart"') == 1, name
    for row in cli_json(demo, "report", "stages")["stages"]:
        assert (
            f'<td>{row["stage"]}</td><td class="num">{row["entered"]}</td>'
            in pages["/reports/stages"]
        )
    for row in cli_json(demo, "report", "lost")["reasons"]:
        assert (
            f'<td>{row["reason"]}</td><td class="num">{row["count"]}</td>' in pages["/reports/lost"]
        )
    for row in cli_json(demo, "report", "competitors")["competitors"]:
        assert _html(row["competitor"]) in pages["/reports/competitors"]
    for line in cli_json(demo, "receivables")["clients"]:
        assert _html(line["name"]) in pages["/reports/receivables"]


def _html(text: str) -> str:
    return str(escape(text))


def test_today_shows_the_first_hundred_overdue_tasks_and_counts_the_rest(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    lines = "".join(f"- [ ] Call {i:03} due:2026-11-{1 + i % 20:02}\n" for i in range(105))
    crm.write("clients/acme-ltd.md", crm.read("clients/acme-ltd.md") + "\n## Tasks\n\n" + lines)
    page = web_of(crm.root).get("/")
    assert page.count('class="late"') == 100
    assert "… and 5 more overdue" in page


def test_a_missing_record_and_a_bad_query_are_pages_that_say_so(demo: Crm) -> None:
    web = web_of(demo.root)
    assert "no client &#39;clients/nobody&#39;" in web.get("/r/clients/nobody", 404)
    assert "is not a record folder" in web.get("/r/secrets/x", 404)
    assert "is not a record folder" in web.get("/list/secrets", 404)
    assert "by: expected month or quarter" in web.get("/reports/forecast?by=week", 400)
    assert "no report &#39;weekly&#39;" in web.get("/reports/weekly", 404)
    page = web.get("/list/clients?q=%28unclosed", 400)
    assert "<h1>400</h1>" in page


# ------------------------------------------------------------------ actions


def test_complete_a_task_with_a_note_is_task_done(demo: Crm) -> None:
    web = web_of(demo.root)
    day = cli_json(demo, "today")
    task = day["schedule"][0]
    said = web.flashed("/task/done", {"task": task["id"], "note": "Agreed.\r\nSend it Friday."})
    assert said == f"ok: Done: {_html(task['title'])} ({task['record']})"
    assert author(demo) == (
        f"Anna Kovács <anna@kovacs-trading.example>|task done: {task['title']} ({task['record']})"
    )
    text = demo.read(task["record"])
    assert "  Agreed.\n  Send it Friday.\n" in text
    assert demo.clean()
    slug = Path(task["record"]).stem
    assert "Send it Friday." in web.get(f"/r/{task['record'].split('/')[0]}/{slug}")
    again = web.act("/task/done", {"task": task["id"]}, status=409)
    assert "already done" in again["error"]


def test_reschedule_add_task_and_edit_a_field(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd", "--email", "info@acme.example")
    web = web_of(crm.root)
    assert web.flashed(
        "/task/add", {"ref": "acme", "title": "Call Anna", "due": "monday", "at": "9:30"}
    ).startswith("ok: Added ")
    assert "- [ ] Call Anna due:2026-11-30 at:09:30" in crm.read("clients/acme-ltd.md")
    task_id = cli_json(crm, "task", "list")[0]["id"]
    assert web.act("/task/move", {"task": task_id, "due": "2026-12-02", "at": "14:00"}) == {
        "ok": True,
        "message": "Moved: Call Anna (clients/acme-ltd.md)",
    }
    assert f"- [ ] Call Anna due:2026-12-02 at:14:00 id:{task_id}" in crm.read(
        "clients/acme-ltd.md"
    )
    assert crm.commits()[0] == "task move: Call Anna -> 2026-12-02 14:00 (clients/acme-ltd.md)"
    bad = web.act("/task/move", {"task": task_id, "due": "someday"}, status=400)
    assert "someday" in bad["error"]
    said = web.act("/client/set", {"client": "acme", "key": "phone", "value": "+36 1 555 0100"})
    assert said["message"].startswith("clients/acme-ltd.md: phone")
    assert 'phone: "+36 1 555 0100"' in crm.read("clients/acme-ltd.md") or (
        "phone: +36 1 555 0100" in crm.read("clients/acme-ltd.md")
    )
    wrong = web.act("/client/set", {"client": "acme", "key": "email", "value": "nope"}, 422)
    assert "email" in wrong["error"]
    missing = web.act("/task/add", {"ref": "acme", "title": ""}, status=400)
    assert missing["error"] == "The task's title is missing: fill it in"
    assert crm.clean()


def _require_quote_for_proposal(crm: Crm) -> None:
    text = crm.read("plaincrm.yaml")
    old = "{name: proposal, probability: 50, rotting: 14}"
    crm.write("plaincrm.yaml", text.replace(old, old[:-1] + ", requires: [quote]}"))
    crm.git("commit", "-qam", "proposal requires a quote")


def test_deal_move_win_and_lose_with_the_gates_refusal(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    crm.run("deal", "add", "acme", "Espresso machines", "--amount", "1200")
    crm.run("deal", "add", "acme", "Grinders", "--amount", "300")
    _require_quote_for_proposal(crm)
    web = web_of(crm.root)
    board = web.get("/pipeline")
    assert 'data-deal="acme-ltd-espresso-machines"' in board
    before = crm.commits()
    refused = web.act("/deal/move", {"deal": "acme-ltd-espresso", "stage": "proposal"}, 409)
    cli = crm.fail("deal", "move", "acme-ltd-espresso", "proposal", code=8)
    assert f"Error: {refused['error']}\n" == cli.stderr
    assert crm.commits() == before
    moved = web.act("/deal/move", {"deal": "acme-ltd-espresso", "stage": "qualified"})
    assert moved["message"] == "acme-ltd-espresso-machines: stage lead -> qualified (25%)"
    assert "stage: qualified" in crm.read("deals/acme-ltd-espresso-machines.md")
    assert author(crm) == (
        "Anna Kovacs <anna@example.com>|deal move: Espresso machines lead -> qualified "
        "(deals/acme-ltd-espresso-machines.md)"
    )
    said = web.flashed("/deal/win", {"deal": "acme-ltd-espresso", "amount": "1100"})
    assert said.startswith("ok: acme-ltd-espresso-machines: won")
    assert "stage: won" in crm.read("deals/acme-ltd-espresso-machines.md")
    lost = web.act(
        "/deal/lose",
        {
            "deal": "acme-ltd-grinders",
            "reason": "competitor",
            "competitor": "Contoso",
            "note": "Cheaper",
        },
    )
    assert "lost" in lost["message"]
    text = crm.read("deals/acme-ltd-grinders.md")
    assert "stage: lost" in text and "lost_reason: competitor" in text and "Contoso" in text
    no_reason = web.act("/deal/lose", {"deal": "acme-ltd-espresso", "reason": ""}, 400)
    assert no_reason["error"] == "The reason is missing: fill it in"
    assert crm.clean()


# ------------------------------------------------------------------ security


def test_a_post_without_the_csrf_token_is_refused(demo: Crm) -> None:
    web = web_of(demo.root)
    web.get("/")
    before = demo.commits()
    task = cli_json(demo, "today")["schedule"][0]["id"]
    for data in ({"task": task}, {"task": task, "csrf": "forged"}):
        response = web.client.post("/task/done", data=data, headers=LOCAL)
        assert response.status_code == 400
        assert "security token is missing or out of date" in response.get_data(as_text=True)
    other = web_of(demo.root)  # another browser's valid token is not this one's
    other.get("/")
    response = web.client.post(
        "/task/done", data={"task": task, "csrf": other.token}, headers=LOCAL
    )
    assert response.status_code == 400
    assert demo.commits() == before and demo.clean()


def test_pages_forbid_other_scripts_framing_and_caching(demo: Crm) -> None:
    web = web_of(demo.root)
    response = web.client.get("/", headers=LOCAL)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert "<script>" not in response.get_data(as_text=True)  # no inline script to allow
    assert " style=" not in response.get_data(as_text=True)


def test_the_host_header_is_checked_when_bound_to_loopback(demo: Crm) -> None:
    web = web_of(demo.root)
    for host in ("evil.example", "evil.example:8042", "127.0.0.1.evil.example"):
        page = web.get("/", 400, Host=host)
        assert f"Unexpected Host header &#39;{host}&#39;" in page
    for host in ("localhost:8042", "127.0.0.1", "[::1]:8042"):
        web.get("/", Host=host)


def _users_file(tmp_path: Path, **passwords: str) -> Path:
    path = tmp_path / "outside" / "users"
    for name, password in passwords.items():
        auth.set_password(path, name, password)
    return path


def test_sign_in_refusal_limit_and_the_acting_user(demo: Crm, tmp_path: Path) -> None:
    users = _users_file(tmp_path, ben="correct horse", anna="battery staple")
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    secure = web_of(demo.root, host="0.0.0.0", users_file=users, secure_cookie=True)
    cookie = secure.client.get("/signin", headers=LOCAL).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "correct horse" not in users.read_text()
    web = web_of(demo.root, host="0.0.0.0", users_file=users)
    response = web.client.get("/pipeline", headers={"Host": "crm.office.example"})
    assert response.status_code == 302 and "/signin?next=/pipeline" in response.headers["Location"]
    web.get("/signin")
    assert web.flashed("/signin", {"user": "ben", "password": "wrong"}) == (
        "error: Unknown user or wrong password."
    )
    assert web.flashed("/signin", {"user": "nobody", "password": "x"}).startswith("error: Unknown")
    for _ in range(3):
        web.post("/signin", {"user": "ben", "password": "guess"})
    limited = web.post("/signin", {"user": "ben", "password": "correct horse"}, status=429)
    assert "Too many failed sign-ins" in limited.get_data(as_text=True)
    assert int(limited.headers["Retry-After"]) > 0
    web.app.extensions["plaincrm"].attempts.failed.clear()  # the window has passed
    signed_in = web.post("/signin", {"user": "ben", "password": "correct horse", "next": "/"})
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = web.get("/")
    assert "Today, Friday 27 November 2026 – ben" in page
    task = cli_json(demo, "task", "list", "--owner", "ben")[0]
    web.act("/task/done", {"task": task["id"], "note": "Done by Ben"})
    assert author(demo).startswith("Ben Novak <ben@kovacs-trading.example>|task done: ")
    web.post("/signout", {})
    assert web.client.get("/", headers=LOCAL).status_code == 302


def test_record_text_is_escaped_and_markdown_sanitised(crm: Crm) -> None:
    crm.run("client", "add", "<script>alert(1)</script> Ltd")
    path = next((crm.root / "clients").glob("*.md"))
    text = path.read_text()
    path.write_text(
        text + "\nA note with <script>alert(2)</script>, <img src=x onerror=alert(3)> and "
        "[a link](javascript:alert(4)), [site](https://example.com) and **bold**.\n"
    )
    crm.git("commit", "-qam", "note")
    web = web_of(crm.root)
    for page in (web.get("/list/clients"), web.get(f"/r/clients/{path.stem}")):
        assert "<script>alert" not in page and "<img" not in page
        assert 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in page
    card = web.get(f"/r/clients/{path.stem}")
    assert "<strong>bold</strong>" in card
    assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in card


def test_no_url_reaches_a_file_outside_the_crm(crm: Crm, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nname: Top Secret\n---\n")
    (crm.root / "clients" / "leak.md").symlink_to(secret)
    web = web_of(crm.root)
    for url in (
        "/r/clients/..%2F..%2Fsecret",
        "/r/clients/../../secret",
        "/r/..%2Fsecret/x",
        "/history/clients/..%2Fplaincrm",
        "/static/..%2F..%2F..%2Fplaincrm.yaml",
        "/static/../app.py",
    ):
        response = web.client.get(url, headers=LOCAL)
        assert response.status_code == 404, url
        assert b"Top Secret" not in response.data and b"users:" not in response.data
    assert "Top Secret" not in web.get("/list/clients")
    response = web.client.get("/r/clients/leak", headers=LOCAL)
    assert response.status_code == 404 and b"Top Secret" not in response.data


def test_a_broken_file_is_a_problem_row_not_a_server_error(demo: Crm) -> None:
    demo.write("clients/broken.md", "---\nname: [unclosed\ntags: x\n---\n")
    web = web_of(demo.root)
    for url in ("/list/clients", "/problems"):
        page = web.get(url)
        assert re.search(r'class="problem"><code>clients/broken\.md:\d+: ', page), url
    assert "Danube Hotels" in web.get("/list/clients")


def test_settings_with_problems_are_a_page_not_a_traceback(crm: Crm) -> None:
    web = web_of(crm.root)
    crm.write("plaincrm.yaml", "users: [unclosed\n")
    page = web.get("/", 500)
    assert "plaincrm.yaml" in page and "Traceback" not in page


# ------------------------------------------------------------------ one source of truth


def test_hand_edits_show_on_the_next_page_load(demo: Crm) -> None:
    web = web_of(demo.root)
    assert "Hand-Edited Name" not in web.get("/r/clients/danube")
    text = demo.read("clients/danube-hotels.md")
    demo.write(
        "clients/danube-hotels.md", re.sub(r"(?m)^name: .*$", "name: Hand-Edited Name", text)
    )
    assert "Hand-Edited Name" in web.get("/r/clients/danube")
    # the board, lists and reports are kept between requests while nothing changed
    for url in ("/pipeline", "/list/deals", "/reports/forecast"):
        assert "Renamed by hand" not in web.get(url)
        assert web.get(url) == web.get(url)
    deal = "deals/danube-hotels-2027-framework-with-machine-lease.md"
    text = demo.read(deal)
    demo.write(deal, re.sub(r"(?m)^title: .*$", "title: Renamed by hand", text))
    assert "Renamed by hand" in web.get("/pipeline")
    assert "Renamed by hand" in web.get("/list/deals")
    settings = demo.read("plaincrm.yaml")
    demo.write("plaincrm.yaml", settings.replace("name: proposal,", "name: offer,"))
    assert 'data-stage="offer"' in web.get("/pipeline")


def test_a_read_request_never_lets_go_of_a_changes_write_lock(crm: Crm) -> None:
    """The write lock is the process's: a page served while a change of this process
    holds it must leave it held (other threads and processes wait for the change)."""
    lock = crm.root / ".plaincrm" / "write.lock"
    web = web_of(crm.root)
    writer = Store(crm.root)
    writer.lock_writes()  # as a change running in another thread of the server
    try:
        web.get("/")
        web.get("/pipeline")
        probe = subprocess.run(["flock", "--nonblock", str(lock), "true"], check=False)
        assert probe.returncode == 1, "the lock was let go while the change held it"
    finally:
        writer.release()
    assert subprocess.run(["flock", "--nonblock", str(lock), "true"], check=False).returncode == 0


def test_the_cli_and_the_web_change_one_client_at_the_same_moment(crm: Crm) -> None:
    crm.run("client", "add", "Acme Ltd")
    web = web_of(crm.root)
    web.get("/")
    exe = Path(sys.executable).with_name("plaincrm")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "plaincrm"]
    env = {**os.environ, "PLAINCRM_USER": "ben"}
    processes = [
        subprocess.Popen(
            [*command, "-C", str(crm.root), "task", "add", "acme", f"CLI task {i}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for i in range(6)
    ]
    for i in range(6):
        web.act("/task/add", {"ref": "acme", "title": f"Web task {i}"})
    for process in processes:
        _, err = process.communicate()
        assert process.returncode == 0, err
    text = crm.read("clients/acme-ltd.md")
    for i in range(6):
        assert f"- [ ] CLI task {i}" in text and f"- [ ] Web task {i}" in text
    assert len([c for c in crm.commits() if c.startswith("task add")]) == 12
    assert crm.clean()


def test_the_sync_button_runs_sync_and_says_what_came_in(tmp_path: Path, runner: Any) -> None:
    team = make_team(tmp_path, runner, ("anna", "ben"))
    team.clones["ben"].run("client", "add", "Acme Ltd")
    team.clones["ben"].sync()
    web = web_of(team.clones["anna"].root)
    said = web.flashed("/sync", {})
    assert said.startswith("ok: Synced with origin/main: 1 change came in from ben")
    assert "clients/acme-ltd.md" in said
    assert "Acme Ltd" in web.get("/list/clients")


# ------------------------------------------------------------------ the command


def test_serve_refuses_what_would_be_unsafe(crm: Crm, tmp_path: Path) -> None:
    refused = crm.fail("serve", "--host", "0.0.0.0", code=2)
    assert refused.stderr.startswith("Error: --host 0.0.0.0 lets other machines in")
    inside = crm.fail("serve", "--users", str(crm.root / "users"), code=2)
    assert "lies inside the CRM repository" in inside.stderr
    empty = tmp_path / "users"
    empty.write_text("# nobody yet\n")
    assert "has no users yet" in crm.fail("serve", "--users", str(empty), code=2).stderr
    broken = tmp_path / "broken-users"
    broken.write_text("anna:plaintext\n")
    assert (
        f"{broken}:1: expected 'name:scrypt:...'"
        in crm.fail("serve", "--users", str(broken), code=6).stderr
    )
    unknown = crm.fail("serve", "--users", str(empty), "--set-password", "zed", code=2)
    assert unknown.stderr == "Error: 'zed' is not a user of plaincrm.yaml (users: anna, ben)\n"
    no_file = crm.fail("serve", "--set-password", "anna", code=2)
    assert "--set-password needs --users FILE" in no_file.stderr
    result = crm.run("serve", "--users", str(empty), "--set-password", "ben", input="s3cret\n")
    assert result.stdout == f"Password of ben set in {empty}\n"
    stored = auth.read_users(empty)["ben"]
    assert auth.verify("s3cret", stored) and not auth.verify("s3cret!", stored)


def test_serve_starts_a_real_server(crm: Crm) -> None:
    exe = Path(sys.executable).with_name("plaincrm")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "plaincrm"]
    server = subprocess.Popen(
        [*command, "-C", str(crm.root), "serve", "--port", "0"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        line = server.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert url, line
        with urllib.request.urlopen(url.group(0) + "pipeline") as response:
            assert response.status == 200
            assert b"Pipeline" in response.read()
    finally:
        server.terminate()
        server.wait()


def test_help_does_not_import_the_web_app() -> None:
    code = (
        "import sys, plaincrm.cli as c\n"
        "try:\n    c.cli.main(['--help'], prog_name='plaincrm')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('flask', 'plaincrm.web'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("[]")
    assert "serve" in out.stdout
