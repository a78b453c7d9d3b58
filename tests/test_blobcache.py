"""The parsed-record cache by blob id (``core.blobcache``): each content parsed once."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from conftest import Crm
from plaincrm.core.blobcache import CACHE_NAME, BlobCache, Wanted
from plaincrm.core.index import INDEX_DIR, blob_id

ACME = "---\nname: Acme\nowner: anna\n---\n\n## Tasks\n\n- [ ] Call them due:2026-12-01 id:ac1\n"


def wanted(path: str, text: str) -> Wanted:
    return Wanted(path, "client", path.split("/")[1][:-3], blob_id(text.encode()))


def reader(texts: dict[str, str], asked: list[str]) -> Callable[[list[str]], dict[str, bytes]]:
    contents = {blob_id(t.encode()): t.encode() for t in texts.values()}

    def read(ids: list[str]) -> dict[str, bytes]:
        asked.extend(ids)
        return {i: contents[i] for i in ids if i in contents}

    return read


def test_each_content_is_parsed_once_and_shared_between_processes(crm: Crm) -> None:
    other = ACME.replace("Acme", "Bolt")
    texts = {"clients/acme.md": ACME, "clients/bolt.md": other}
    asked: list[str] = []
    cache = BlobCache(crm.root)
    rows = cache.rows([wanted(p, t) for p, t in texts.items()], reader(texts, asked))
    files, tasks, links, _facts, _ = rows
    assert [row[0] for row in files] == ["clients/acme.md", "clients/bolt.md"]
    assert [row[9] for row in files] == ["Acme", "Bolt"]  # the title column
    assert [(row[0], row[2]) for row in tasks] == [
        ("clients/acme.md", "ac1"),
        ("clients/bolt.md", "ac1"),
    ]
    assert len(asked) == 2 and cache.parsed == 2
    # another process (a new cache object on the same file) reads nothing again
    again: list[str] = []
    second = BlobCache(crm.root)
    assert second.rows([wanted(p, t) for p, t in texts.items()], reader(texts, again)) == rows
    assert again == [] and second.parsed == 0
    # a changed content is a new blob: only it is read and parsed
    texts["clients/bolt.md"] = other.replace("Call them", "Visit them")
    second.rows([wanted(p, t) for p, t in texts.items()], reader(texts, again))
    assert again == [blob_id(texts["clients/bolt.md"].encode())] and second.parsed == 1
    assert links == []


def test_a_parse_is_kept_by_path_too(crm: Crm) -> None:
    """The same content under another name (a renamed record) is that record's parse:
    its path, slug and problems' paths are its own."""
    asked: list[str] = []
    cache = BlobCache(crm.root)
    texts = {"clients/acme.md": ACME, "clients/acme-ltd.md": ACME}
    files = cache.rows([wanted(p, t) for p, t in texts.items()], reader(texts, asked))[0]
    assert [(row[0], row[2]) for row in files] == [
        ("clients/acme.md", "acme"),
        ("clients/acme-ltd.md", "acme-ltd"),
    ]


def test_a_missing_blob_is_left_out_and_a_broken_file_kept_as_broken(crm: Crm) -> None:
    broken = "---\nname: [unclosed\n---\n"
    texts = {"clients/broken.md": broken}
    cache = BlobCache(crm.root)
    files = cache.rows(
        [wanted("clients/broken.md", broken), wanted("clients/gone.md", "nothing")],
        reader(texts, []),
    )[0]
    assert len(files) == 1 and files[0][0] == "clients/broken.md"
    assert "clients/broken.md" in files[0][11]  # the fatal problem names the file


def test_a_new_parser_or_a_damaged_file_only_costs_a_parse(crm: Crm) -> None:
    texts = {"clients/acme.md": ACME}
    BlobCache(crm.root).rows([wanted("clients/acme.md", ACME)], reader(texts, []))
    path = crm.root / INDEX_DIR / CACHE_NAME
    conn = sqlite3.connect(path)
    conn.execute("UPDATE meta SET value='another parser' WHERE key='version'")
    conn.commit()
    conn.close()
    cache = BlobCache(crm.root)
    assert cache.conn.execute("SELECT count(*) FROM parsed").fetchone()[0] == 0
    cache.close()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.write_bytes(b"this is not a database" * 100)
    asked: list[str] = []
    files = BlobCache(crm.root).rows([wanted("clients/acme.md", ACME)], reader(texts, asked))[0]
    assert files[0][9] == "Acme" and len(asked) == 1


def test_the_cache_is_ignored_by_git(crm: Crm) -> None:
    BlobCache(crm.root).rows([wanted("clients/acme.md", ACME)], reader({"a": ACME}, []))
    assert crm.clean()
