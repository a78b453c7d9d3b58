"""The record parser's rate, per core and per file size (issue 17, item 1).

Reads every record file of a CRM into memory first (so the disk is out of the
figure), then parses them all in this one process, several times, and reports
the fastest run's CPU time (``time.process_time``: what one core spends, less
sensitive than wall time to other processes sharing the machine):

* ``parse_record``: the parser itself (front matter, fields, tasks, log, mail);
* ``index rows``: what the index does per file on top of it (``index.Parser.add``:
  the blob id, the facts, the JSON of the rows), the per-record work of a full
  index build apart from SQLite.

Then the same per file size (a quarter of the files in each band).  Compare two
versions of plaincrm with ``PYTHONPATH=/path/to/other/checkout``::

    python benchmarks/parse.py /tmp/plaincrm-bench/crm-10000
    python benchmarks/parse.py /tmp/plaincrm-bench/heavy-10000 --repeat 7
    rg -c --files ROOT/clients ROOT/deals ROOT/tickets   # rg over the same tree, for scale
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from plaincrm.core import index as index_module
from plaincrm.core.model import TYPES, RecordType
from plaincrm.core.records import decode, parse_record
from plaincrm.core.store import ref_fields

Item = tuple[str, RecordType, bytes]


def read_all(root: Path) -> list[Item]:
    items: list[Item] = []
    for rtype in TYPES.values():
        folder = root / rtype.folder
        if not folder.is_dir():
            continue
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            if entry.name.endswith(".md") and entry.is_file():
                items.append((f"{rtype.folder}/{entry.name}", rtype, Path(entry.path).read_bytes()))
    return items


def parse_only(items: list[Item]) -> None:
    for path, rtype, data in items:
        parse_record(rtype, path, decode(path, data))


def index_rows(items: list[Item]) -> None:
    parser = index_module.Parser(TYPES.values(), {t.name: ref_fields(t) for t in TYPES.values()}, 0)
    rows = index_module.empty_rows()
    for path, rtype, data in items:
        parser.add(rows, path, rtype.name, path, (1, len(data), 1, 1), data)


def fastest(work: Callable[[list[Item]], None], items: list[Item], repeat: int) -> float:
    """The least CPU seconds of ``repeat`` runs (the garbage collector paused, as the
    index's workers pause it)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.process_time()
            work(items)
            best = min(best, time.process_time() - started)
    finally:
        gc.enable()
    return best


def report(label: str, items: list[Item], repeat: int) -> None:
    size = sum(len(data) for _, _, data in items)
    parse = fastest(parse_only, items, repeat)
    rows = fastest(index_rows, items, repeat)
    print(
        f"| {label} | {len(items):,} | {size / len(items) / 1024:.1f} KB "
        f"| {len(items) / parse:,.0f} | {size / parse / 2**20:.1f} MB/s "
        f"| {len(items) / rows:,.0f} "
        f"| {parse / len(items) * 1e6:.0f} / {rows / len(items) * 1e6:.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="a CRM (benchmarks/generate.py makes them)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each; the fastest counts")
    parser.add_argument("--limit", type=int, default=0, help="at most this many files")
    args = parser.parse_args()
    items = read_all(args.root)
    if args.limit:
        items = items[:: max(1, len(items) // args.limit)]
    print(f"{args.root}: {len(items):,} record files; load average {os.getloadavg()[0]:.2f}")
    print(
        f"plaincrm from {Path(index_module.__file__).parents[2]}; Python {sys.version.split()[0]}"
    )
    print()
    print(
        "| files | count | mean size | parse_record, records/s per core | bytes/s "
        "| index rows, records/s per core | µs per record (parse / rows) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    report("all", items, args.repeat)
    by_size = sorted(items, key=lambda item: len(item[2]))
    quarter = max(1, len(by_size) // 4)
    for n, name in enumerate(
        ["smallest quarter", "second quarter", "third quarter", "largest quarter"]
    ):
        band = by_size[n * quarter : (n + 1) * quarter if n < 3 else len(by_size)]
        report(f"{name} (up to {len(band[-1][2]) / 1024:.1f} KB)", band, args.repeat)
    for rtype in TYPES.values():
        of_type = [item for item in items if item[1] is rtype]
        if of_type:
            report(f"{rtype.name}s", of_type, args.repeat)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
