"""What ``check`` found.

API: ``check_view(store) -> CheckView``: ``.problems`` (``Problem``: path, line,
message; every one in the CRM), ``.files`` (how many records were checked),
``.ok``.  ``store`` may be lenient (settings with problems are problems to list).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.check import report_json, run_checks
from ..core.errors import Problem
from ..core.store import Store


@dataclass
class CheckView:
    problems: list[Problem]
    files: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return report_json(self.problems, self.files)


def check_view(store: Store) -> CheckView:
    problems = run_checks(store)
    files = store.index.conn.execute("SELECT count(*) FROM files").fetchone()[0]
    return CheckView(problems, files)
