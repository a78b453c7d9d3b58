"""The forms that change records.  Each runs the domain operation the command runs
(``task done`` is ``taskops.complete_task``, ``deal move`` is ``dealops.move_deal`` ...):
the same validation and messages, the same write lock, one commit authored by the acting
user.  A plain form post is answered with a redirect back to its page and the outcome
shown there; the page's script (``X-Requested-With: fetch``) gets JSON and the status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, Response, flash, jsonify, redirect, request, session, url_for

from ..core.dates import parse_date, parse_duration, parse_time
from ..core.errors import PlaincrmError, UsageError
from ..core.model import slug_of
from ..core.setfields import Wanted, field_options
from ..core.text import plural
from . import auth
from .app import STATUS, WebStore, change, settings_of, store, wants_json

bp = Blueprint("actions", __name__)


def _next() -> str:
    """Where to go back to: the form's ``next``, a path of this site only."""
    target = request.form.get("next", "/")
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _run(operation: Callable[[WebStore], str]) -> Response:
    """Run ``operation`` (it returns what it did, in words) and answer the form."""
    try:
        message = change(operation)
    except PlaincrmError as exc:
        if wants_json():
            status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
            response = jsonify(error=exc.message)
            response.status_code = status
            return response
        flash(exc.message, "error")
        return redirect(_next(), code=303)  # type: ignore[return-value]
    if wants_json():
        return jsonify(ok=True, message=message)
    flash(message, "ok")
    return redirect(_next(), code=303)  # type: ignore[return-value]


def _field(name: str, what: str) -> str:
    value = request.form.get(name, "").strip()
    if not value:
        raise UsageError(f"{what} is missing: fill it in")
    return value


def _date(current: WebStore, name: str) -> date | None:
    text = request.form.get(name, "").strip()
    return parse_date(text, current.today()) if text else None


def _time(name: str) -> str | None:
    text = request.form.get(name, "").strip()
    return parse_time(text) if text else None


# ------------------------------------------------------------------ sign-in


@bp.post("/signin")
def signin() -> Response:
    settings = settings_of()
    address = request.remote_addr or "?"
    wait = settings.attempts.wait(address)
    if wait:
        response = Response(
            f"Too many failed sign-ins from {address}; try again in {wait} seconds.",
            status=429,
            mimetype="text/plain",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    name = request.form.get("user", "").strip()
    password = request.form.get("password", "")
    users = auth.read_users(settings.users_file) if settings.users_file else {}
    stored = users.get(name)
    known = store().config.find_user(name) if stored else None
    if stored is None or known is None or not auth.verify(password, stored):
        settings.attempts.fail(address)
        flash("Unknown user or wrong password.", "error")
        return redirect(url_for("pages.signin", next=_next()), code=303)  # type: ignore[return-value]
    settings.attempts.clear(address)
    session.clear()  # a new session: a token planted before sign-in is not kept
    session["user"] = known.name
    return redirect(_next(), code=303)  # type: ignore[return-value]


@bp.post("/signout")
def signout() -> Response:
    session.clear()
    return redirect(url_for("pages.signin"), code=303)  # type: ignore[return-value]


# ------------------------------------------------------------------ tasks


@bp.post("/task/done")
def task_done() -> Response:
    from ..tasks.taskops import complete_task

    ref = _field("task", "The task")
    note = request.form.get("note", "").replace("\r\n", "\n").strip() or None

    def run(current: WebStore) -> str:
        done = complete_task(current, ref, note, current.today())
        said = f"Done: {done.task.title} ({done.path})"
        return said + (f"; next: {done.added}" if done.added else "")

    return _run(run)


@bp.post("/task/move")
def task_move() -> Response:
    from ..tasks.taskops import move_task

    ref = _field("task", "The task")
    clear = request.form.get("no_time") == "1"

    def run(current: WebStore) -> str:
        when, at = _date(current, "due"), _time("at")
        if when is None and at is None and not clear:
            raise UsageError("give a new date or time")
        moved = move_task(current, ref, due=when, at=at, clear_time=clear)
        return f"Moved: {moved.task.title} ({moved.path})"

    return _run(run)


@bp.post("/task/add")
def task_add() -> Response:
    from ..tasks.taskops import add_task

    ref = _field("ref", "The record")
    title = _field("title", "The task's title")
    dur_text = request.form.get("dur", "").strip()

    def run(current: WebStore) -> str:
        path = current.resolve(ref)
        when, at = _date(current, "due"), _time("at")
        task_id = add_task(
            current,
            path,
            title,
            due=when,
            at=at,
            dur=parse_duration(dur_text) if dur_text else None,
            owner=request.form.get("owner") or None,
            every=None,
        )
        return f"Added {task_id} to {path}"

    return _run(run)


# ------------------------------------------------------------------ deals


def _deal_path(current: WebStore) -> str:
    return current.resolve(_field("deal", "The deal"), ["deal"])


def _said(path: str, events: list[object]) -> str:
    from ..sales.deallog import Event, display_text, format_event

    lines = [display_text(format_event(e)) for e in events if isinstance(e, Event)]
    return f"{slug_of(path)}: " + ("; ".join(lines) or "no change")


@bp.post("/deal/move")
def deal_move() -> Response:
    from ..sales.dealops import move_deal

    stage = _field("stage", "The stage")
    force = request.form.get("force") == "1"

    def run(current: WebStore) -> str:
        path = _deal_path(current)
        return _said(path, list(move_deal(current, path, stage, force=force)))

    return _run(run)


@bp.post("/deal/win")
def deal_win() -> Response:
    from ..sales.dealops import win_deal

    amount = request.form.get("amount", "").strip() or None
    force = request.form.get("force") == "1"

    def run(current: WebStore) -> str:
        path = _deal_path(current)
        return _said(path, list(win_deal(current, path, amount=amount, force=force)))

    return _run(run)


@bp.post("/deal/lose")
def deal_lose() -> Response:
    from ..sales.dealops import lose_deal

    reason = _field("reason", "The reason")
    competitor = request.form.get("competitor", "").strip() or None
    note = request.form.get("note", "").strip() or None

    def run(current: WebStore) -> str:
        path = _deal_path(current)
        events = lose_deal(current, path, reason=reason, competitor=competitor, note=note)
        return _said(path, list(events))

    return _run(run)


# ------------------------------------------------------------------ clients


@bp.post("/client/set")
def client_set() -> Response:
    from ..clients.clients import set_client

    ref = _field("client", "The client")
    key = _field("key", "The field")
    value = request.form.get("value", "").strip()

    def run(current: WebStore) -> str:
        path = current.resolve(ref, ["client"])
        edit = set_client(current, path, Wanted(field_options([f"{key}={value}"])))
        if not edit:
            return f"{path}: nothing changed ({', '.join(edit.already) or key} already so)"
        return f"{path}: " + "; ".join(edit.said)

    return _run(run)


# ------------------------------------------------------------------ sync


@bp.post("/sync")
def sync() -> Response:
    from ..git.sync import sync as run_sync

    def run(current: WebStore) -> str:
        report = run_sync(current)
        came = plural(report.incoming_commits, "change")
        records = ", ".join(r.path for r in report.incoming[:5])
        parts = [f"Synced with {report.remote}/{report.branch}: {came} came in"]
        if report.authors:
            parts.append("from " + ", ".join(report.authors))
        if records:
            parts.append(f"({records}{' ...' if len(report.incoming) > 5 else ''})")
        parts.append(f"; {plural(report.pushed, 'commit')} pushed")
        if report.problems:
            parts.append(f"; {plural(len(report.problems), 'problem')}: see Problems")
        return " ".join(parts)

    return _run(run)
