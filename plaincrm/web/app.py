"""What every request of the web app shares: who is acting, CSRF, the Host check, one
store per request, one writer at a time, and errors as pages (never a traceback); the
pages and actions import it, ``server`` puts them together."""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets
import sys
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, g, jsonify, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from ..core.errors import (
    AmbiguousError,
    ConflictError,
    GitError,
    InvalidError,
    NotFoundError,
    PlaincrmError,
    UsageError,
)
from ..core.index import INDEX_DIR, INDEX_NAME
from ..core.settings import CONFIG_NAME, User
from ..core.store import Store
from . import auth

T = TypeVar("T")

LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

STATUS = {  # a domain error's HTTP status, by its class (first match)
    NotFoundError: 404,
    AmbiguousError: 409,
    ConflictError: 409,
    UsageError: 400,
    InvalidError: 422,
    GitError: 502,
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address) only reaches this machine."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class WebStore(Store):
    """A store whose acting user is the signed-in one: commits are authored by them and
    ``today`` is theirs.  Without sign-in (a local server), the CLI's user acts."""

    def __init__(self, root: Path, user: str | None, warn: Callable[[str], None]) -> None:
        super().__init__(root, warn=warn)
        self.user = user

    def _acting_user(self) -> User | None:
        if self.user is not None:
            return self.config.find_user(self.user)
        return super()._acting_user()


@dataclass
class Settings:
    """How the server was started (``plaincrm serve``'s options)."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 8042
    users_file: Path | None = None
    secure_cookie: bool = False
    attempts: auth.Attempts = field(default_factory=auth.Attempts)


class Memo:
    """Views kept between requests while the CRM has not changed: the board and the
    reports read every deal, which takes a second at 10,000 clients, and most page
    loads find nothing changed since the last.  A view is kept under what it was made
    from -- the index's files as the request's refresh left them (the database and its
    write-ahead log: any record changed on disk, by anyone, changes one of them), the
    settings file, today, the acting user -- and the page's own input; the least
    recently used go beyond ``size``."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, current: Store, key: Hashable, build: Callable[[], T]) -> T:
        state = (_state(current), key)
        with self.lock:
            if state in self.items:
                self.items.move_to_end(state)
                found: T = self.items[state]
                return found
        made = build()
        with self.lock:
            self.items[state] = made
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return made


def _state(current: Store) -> Hashable:
    current.index  # noqa: B018 (brought up to date with the files: its file then says)
    marks: list[tuple[int, int, int] | None] = []
    index = current.root / INDEX_DIR / INDEX_NAME
    for path in (index, index.with_name(INDEX_NAME + "-wal"), current.root / CONFIG_NAME):
        try:
            st = os.stat(path)
            marks.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            marks.append(None)
    return (*marks, current.today(), current.current_user())


# One writer at a time in this process: the write lock of ``Store.lock_writes`` is
# shared by every store of a process (it serialises processes, not threads).
WRITE_LOCK = threading.Lock()


def install(app: Flask, settings: Settings) -> None:
    """Set ``app`` up for the CRM of ``settings``: sessions, who is acting, the checks of
    each request, headers, errors as pages (``server.create_app`` adds the pages)."""
    app.config.update(
        SECRET_KEY=secrets.token_bytes(32),  # sessions end when the server stops
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookie,
        SESSION_COOKIE_NAME="plaincrm_session",
        MAX_CONTENT_LENGTH=1 << 20,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["plaincrm"] = settings
    app.extensions["plaincrm.memo"] = Memo()
    app.before_request(_check_request)
    app.after_request(_headers)
    app.teardown_request(_close_store)
    app.register_error_handler(PlaincrmError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.context_processor(_template_globals)


def memo() -> Memo:
    from flask import current_app

    kept: Memo = current_app.extensions["plaincrm.memo"]
    return kept


def settings_of() -> Settings:
    from flask import current_app

    settings: Settings = current_app.extensions["plaincrm"]
    return settings


# ------------------------------------------------------------------ each request


def _check_request() -> Response | None:
    settings = settings_of()
    if is_loopback(settings.host) and not _host_allowed(request.host):
        # DNS rebinding: a page of evil.example whose name now points at 127.0.0.1
        return _page_error(
            400,
            f"Unexpected Host header '{request.host}': this server, bound to "
            f"{settings.host}, answers only to localhost and 127.0.0.1.",
        )
    if request.endpoint == "static":
        return None
    if request.method == "POST" and not _csrf_ok():
        return _page_error(
            400,
            "The form's security token is missing or out of date (the page was opened "
            "before the server restarted, or by another site). Reload the page and try again.",
        )
    signing_in = request.endpoint in ("pages.signin", "actions.signin")
    if settings.users_file is not None and "user" not in session and not signing_in:
        return redirect(url_for("pages.signin", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    return None


# Only this site's own script, styles and forms; no framing (clickjacking); inline SVG
# charts need no more.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)


def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")  # records, and tokens
    return response


def _host_allowed(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return is_loopback(name)


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def _csrf_ok() -> bool:
    expected = session.get("csrf")
    given = request.form.get("csrf") or request.headers.get("X-CSRF-Token") or ""
    return bool(expected) and hmac.compare_digest(str(expected), given)


def current_user() -> str | None:
    user = session.get("user")
    return str(user) if user else None


def store() -> WebStore:
    """The request's store (made on first use): hand edits, pulls and syncs made since
    the last request show, as they do for the next command."""
    if "store" not in g:
        g.problems = []
        g.store = WebStore(settings_of().root, current_user(), g.problems.append)
    result: WebStore = g.store
    return result


def _close_store(exc: BaseException | None) -> None:
    """The request is over: its store goes.  Never ``Store.release`` here: the write lock
    is the process's, held by the request that is changing records (``change``)."""
    g.pop("store", None)


def change(operation: Callable[[WebStore], T]) -> T:
    """Run a domain operation that writes: one at a time in this server, under the CRM's
    write lock (taken by the operation), what it wrote taken back when it fails."""
    current = store()
    with WRITE_LOCK:
        try:
            return operation(current)
        except BaseException:
            current.abandon()
            raise
        finally:
            current.release()


def wants_json() -> bool:
    """A request from the page's own script (fetch), which wants JSON, not a page."""
    return request.headers.get("X-Requested-With") == "fetch"


def _template_globals() -> dict[str, Any]:
    settings = settings_of()
    made = g.get("store")
    return {
        "csrf_token": csrf_token,
        "signed_in": current_user(),
        "sign_in_required": settings.users_file is not None,
        "acting": made.current_user() if made is not None else current_user(),
        "problems": g.get("problems", []),
    }


# ------------------------------------------------------------------ errors


def _page_error(status: int, message: str) -> Response:
    if wants_json():
        response = jsonify(error=message)
    else:
        response = Response(render_template("error.html", status=status, message=message))
    response.status_code = status
    return response


def _domain_error(exc: PlaincrmError) -> Response:
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)
    return _page_error(status, exc.message)


def _http_error(exc: HTTPException) -> Response:
    return _page_error(exc.code or 500, exc.description or exc.name)


def _internal_error(exc: Exception) -> Response:
    print("plaincrm serve: internal error", file=sys.stderr)
    traceback.print_exc()
    return _page_error(
        500,
        f"Internal error ({type(exc).__name__}); please report it with the server's "
        "output, which has the details.",
    )
