"""``plaincrm serve``: the web app (``plaincrm/web``, imported only here, when it starts)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click

from ..core.errors import UsageError
from ..core.store import discover_root
from .common import get_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8042, show_default=True, type=click.IntRange(0, 65535))
@click.option("--open", "open_browser", is_flag=True, help="Open the app in your browser.")
@click.option(
    "--users",
    "users_file",
    metavar="FILE",
    envvar="PLAINCRM_SERVE_USERS",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Sign-in: the users file (outside the CRM) with each user's password hash. "
    "Required with a --host other than this machine.",
)
@click.option(
    "--set-password",
    metavar="NAME",
    help="Set NAME's password in the --users file (asked twice, or one line on stdin) and exit.",
)
@click.option(
    "--secure-cookie",
    is_flag=True,
    help="Send the session cookie over HTTPS only (behind a TLS proxy).",
)
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve(
    host: str,
    port: int,
    open_browser: bool,
    users_file: Path | None,
    set_password: str | None,
    secure_cookie: bool,
    threads: int,
) -> None:
    """Serve the web app on this CRM: today and the plan, the pipeline board, client
    cards, records, reports with charts, history.  Every change is the command's own
    operation and one commit by the acting user.

    Locally (the default --host 127.0.0.1) you act as the CLI's user.  On a shared
    server, --users FILE turns sign-in on; a --host other than this machine is
    refused without it.

    \b
    Example:
      plaincrm serve --open
      plaincrm serve --users ~/.config/plaincrm/users --set-password anna
      plaincrm serve --host 0.0.0.0 --users ~/.config/plaincrm/users
    """
    from ..web import auth
    from ..web.app import Settings, is_loopback
    from ..web.server import create_app

    root = discover_root(get_app().repo)
    store = get_app().store  # refuses a CRM whose settings have problems, as commands do
    if users_file is not None:
        auth.check_outside(users_file, root)
    if set_password is not None:
        if users_file is None:
            raise UsageError("--set-password needs --users FILE: the file the hash goes into")
        user = store.config.find_user(set_password)
        if user is None:
            names = ", ".join(u.name for u in store.config.users) or "none"
            raise UsageError(f"'{set_password}' is not a user of plaincrm.yaml (users: {names})")
        auth.set_password(users_file, user.name, _ask_password())
        click.echo(f"Password of {user.name} set in {users_file}")
        return
    if not is_loopback(host) and users_file is None:
        raise UsageError(
            f"--host {host} lets other machines in: turn sign-in on with --users FILE "
            "(set each password with --set-password NAME), or serve on 127.0.0.1"
        )
    if users_file is not None and not auth.read_users(users_file):
        raise UsageError(
            f"{users_file} has no users yet: add one with "
            f"'plaincrm serve --users {users_file} --set-password NAME'"
        )
    app = create_app(
        Settings(root, host=host, port=port, users_file=users_file, secure_cookie=secure_cookie)
    )
    _run(app, host, port, open_browser, threads)


def _ask_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password: ")
    if first != getpass.getpass("Again: "):
        raise UsageError("the two passwords differ; run the command again")
    return first


def _run(app: object, host: str, port: int, open_browser: bool, threads: int) -> None:
    from waitress.server import create_server

    server = create_server(app, host=host, port=port, threads=threads, ident="plaincrm")
    bound = server.effective_port
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{bound}/"
    click.echo(f"plaincrm serve: {url} (Ctrl-C stops)", err=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
