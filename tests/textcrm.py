"""A CRM built from a dict of file texts, for testing the core without the command line.

beancount's ``load_doc`` idea: a test says its input as text next to what it checks::

    store = textcrm({"clients/acme.md": '''
        ---
        name: Acme
        ---
        '''})

Each text is dedented and stripped of leading blank lines; ``plaincrm.yaml`` defaults to
two users (anna and ben).  The files are committed to a new git repository (``commit``),
so that the git module has a history to read.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from plaincrm.core.settings import read_config
from plaincrm.core.store import Store

SETTINGS = """\
users:
  - name: anna
  - name: ben
"""


def text_of(text: str) -> str:
    """A test's text as the file holds it: dedented, without the leading blank lines."""
    return textwrap.dedent(text).lstrip("\n")


def build(root: Path, files: dict[str, str], *, commit: bool = True) -> Store:
    """The CRM at ``root`` holding ``files`` (path -> text), and a store on it."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"plaincrm.yaml": SETTINGS, ".gitignore": ".plaincrm/\n", **files}
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text_of(text), encoding="utf-8")
    if commit:
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "texts"]):
            subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)
    return Store(root, read_config(root))
