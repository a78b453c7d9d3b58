"""The index takes the parses kept by git blob id (``blobcache``) instead of parsing again.

A branch switched back, an index rebuilt beside a kept cache: every content git
vouches for that was parsed before (by the index or by an ``--as-of`` snapshot)
comes from the cache; what is stored is what a fresh parse stores.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import Crm
from plaincrm.core import index as index_module
from plaincrm.core import records
from plaincrm.core.blobcache import CACHE_NAME
from plaincrm.core.index import INDEX_DIR, INDEX_NAME
from plaincrm.core.store import Store

COUNT = 12


def card(n: int, due: str = "2026-11-27", extra: str = "") -> str:
    return (
        f"---\nname: Client {n}\nowner: anna\ntags: [a, b]\n---\n\n## Tasks\n\n"
        f"- [ ] Call {n} due:{due} id:t{n:05d}\n- [x] Met done:2026-11-20 id:d{n:05d}\n"
        f"  Wants more.{extra}\n\n## Log\n\n- 2026-11-01 anna: client added\n"
    )


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths the index parses (the parser is counted, not replaced); the cache is
    asked from a dozen files on, and files count as settled at once."""
    seen: list[str] = []
    real = records.parse_record

    def counted(rtype: object, path: str, text: str) -> object:
        seen.append(path)
        return real(rtype, path, text)  # type: ignore[arg-type]

    monkeypatch.setattr(index_module, "parse_record", counted)
    monkeypatch.setattr(index_module, "CACHE_MIN", COUNT)
    monkeypatch.setattr(index_module, "RACY_SECONDS", -60)
    return seen


def tables(root: Path) -> list[list[tuple[object, ...]]]:
    """What the index holds of the records (stat signatures left out: they differ)."""
    Store(root).index  # noqa: B018 -- brought up to date
    conn = sqlite3.connect(root / INDEX_DIR / INDEX_NAME)
    try:
        return [
            conn.execute(
                "SELECT path, type, slug, blob, title, owner, fatal, data, details "
                "FROM files ORDER BY path"
            ).fetchall(),
            conn.execute("SELECT * FROM tasks ORDER BY path, pos").fetchall(),
            conn.execute("SELECT * FROM links ORDER BY path, field").fetchall(),
            conn.execute("SELECT * FROM facts ORDER BY path").fetchall(),
        ]
    finally:
        conn.close()


def test_a_branch_switched_back_parses_nothing_again(crm: Crm, parses: list[str]) -> None:
    for n in range(COUNT):
        crm.write(f"clients/c{n}.md", card(n))
    crm.write("clients/broken.md", "---\nname: [unclosed\n---\n")
    crm.git("add", "clients")
    crm.git("commit", "-qm", "clients", "--no-verify")
    before = tables(crm.root)
    assert len(parses) == COUNT + 1  # the first build parses every file (and keeps none)
    crm.git("checkout", "-qb", "other")
    for n in range(COUNT):
        crm.write(f"clients/c{n}.md", card(n, due="2026-12-01", extra=" Later."))
    crm.git("commit", "-qam", "every client changed", "--no-verify")
    parses.clear()
    other = tables(crm.root)
    assert len(parses) == COUNT  # new contents: parsed, and kept
    crm.git("checkout", "-q", "main")
    assert tables(crm.root) == before
    assert len(parses) == 2 * COUNT  # parsed by the first build only: parsed, and kept
    parses.clear()
    for _ in range(2):
        crm.git("checkout", "-q", "other")
        assert tables(crm.root) == other
        crm.git("checkout", "-q", "main")
        assert tables(crm.root) == before
    assert parses == []  # every content seen before: from the cache


def test_an_index_rebuilt_beside_its_cache_is_what_a_fresh_build_makes(
    crm: Crm, parses: list[str]
) -> None:
    for n in range(COUNT + 3):
        crm.write(f"clients/c{n}.md", card(n))
    crm.git("add", "clients")
    crm.git("commit", "-qm", "clients", "--no-verify")
    built = tables(crm.root)
    crm.git("checkout", "-qb", "other")  # a refresh's parses are kept: both contents
    for n in range(COUNT + 3):
        crm.write(f"clients/c{n}.md", card(n, due="2026-12-01"))
    crm.git("commit", "-qam", "every client changed", "--no-verify")
    tables(crm.root)
    crm.git("checkout", "-q", "main")
    assert tables(crm.root) == built
    crm.write("clients/c0.md", card(0, due="2026-12-24"))  # changed, not committed
    built = tables(crm.root)
    (crm.root / INDEX_DIR / INDEX_NAME).unlink()
    parses.clear()
    assert tables(crm.root) == built
    assert parses == ["clients/c0.md"]  # git does not vouch for its content: read again
    (crm.root / INDEX_DIR / INDEX_NAME).unlink()
    (crm.root / INDEX_DIR / CACHE_NAME).write_bytes(b"not a database")
    parses.clear()
    assert tables(crm.root) == built  # a broken cache only costs the parse
    assert len(parses) == COUNT + 3
