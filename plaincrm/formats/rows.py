"""What an imported row means beyond its cells: a deal's status and closing, the
currency of plain amounts, notes for the body, and clients that look alike.

``DealRows`` turns another CRM's deal row into what ``deal add``, ``deal win``
and ``deal lose`` would have written: the status column (Pipedrive's open /
won / lost, Odoo's archived opportunities) closes the deal at the stage it
was in, the time it was won or lost (else its close date, where the product
sets that on closing) becomes ``closed``, its lost reason is translated, and
a probability that is only its stage's default in that product follows the
pipeline's stage instead.  Amounts that say no currency take ``--currency``,
else the currency the other rows or the product make plain, else the
pipeline's for a list of no known origin; a file of another product whose
amounts name no currency at all is refused rather than guessed.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left, bisect_right
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from ..core.errors import Problem, UsageError
from ..core.text import plural
from ..sales.deallog import CLOSED, LOST
from ..sales.pipeline import Pipeline, competitor_names, deal_problems, known_competitor
from .cells import CellError, currency_code, normalise_name, value_key
from .plan import RowError
from .settings import NONE_KEY

if TYPE_CHECKING:
    from ..core.model import Record
    from .importer import Pending, RecordImport

OPEN = "open"
SIMILAR = 0.85  # names this alike (difflib's ratio) are reported as near-duplicates
SHOWN = 50  # near-duplicates listed one by one
_DIGIT_RE = re.compile(r"\d+")
_TAG_RE = re.compile(r"<[^>]+>")
_BREAK_RE = re.compile(r"<br\s*/?>|</p>|</div>|</li>", re.IGNORECASE)


class DealRows:
    """The deal-specific reading of an import's rows."""

    def __init__(self, imp: RecordImport, pipeline: Pipeline) -> None:
        self.imp, self.pipeline = imp, pipeline
        self.raw_stages: dict[int, str] = {}  # row -> the stage as the file says it
        self.known = competitor_names(imp.store, pipeline)

    def stage(self, text: str, row: int) -> str | None:
        self.raw_stages[row] = text
        return self.imp.translate.stage(text, row)

    def finish(
        self, row: int, values: dict[str, Any], extra: dict[str, Any]
    ) -> tuple[str | None, str | None] | None:
        """Settle a row's status, closing and lost reason; returns the stage a closed
        deal was closed at and a note for its body, or None (an error recorded, or a
        value to map remembered) when the row cannot be imported."""
        status = extra.pop("status", None)
        if status is None and extra.pop("active", None) is False:
            status = LOST  # Odoo archives the opportunities it loses
        stage = values.get("stage")
        if status is None and stage in CLOSED:
            status = stage
        previous = None
        if status in CLOSED:
            if stage and stage not in CLOSED:
                previous = stage
            elif stage and stage != status:
                self.imp._error(row, f"the status says {status} but the stage says {stage}")
                return None
            values["stage"] = status
            values.pop("probability", None)  # a closed deal's is 100 or 0
            closed = values.get("closed") or extra.get(f"{status}_time")
            source = self.imp.source
            if closed is None and source is not None and source.closed_on_close_date:
                closed = values.get("close")
            if closed is not None:
                values["closed"] = closed
        elif status == OPEN and stage in CLOSED:
            self.imp._error(row, f"the status says open but the stage says {stage}")
            return None
        found, note = self._reason(row, status, values, extra.pop("lost_reason", None))
        if not found:
            return None
        self._probability(row, values)
        return previous, note

    def _reason(
        self, row: int, status: str | None, values: dict[str, Any], text: str | None
    ) -> tuple[bool, str | None]:
        """The lost reason of a lost deal (False: none found, remembered), and a note
        for the body when another product's open or won deal still carries one."""
        if status == LOST:
            reason = self.imp.translate.reason(text, row)
            if reason is None:
                return False, None
            values["lost_reason"] = reason
            if text and value_key(text) != value_key(reason):
                values.setdefault("lost_note", text)
            if self.pipeline.needs_competitor(reason) and not values.get("competitor"):
                said = f"'{text}' is '{reason}'" if text and text != reason else f"'{reason}'"
                self.imp._error(
                    row,
                    f"lost reason {said}, which needs the competitor who won and the row "
                    "names none: add a Competitor column, or map it to another reason with "
                    f"--lost-reason '{text or NONE_KEY}=REASON'",
                )
                return False, None
            return True, None
        if not text:
            return True, None
        source = self.imp.source
        if source is None:
            values["lost_reason"] = text  # check says why an open deal cannot have one
            return True, None
        self.imp.plan.notes.append(
            f"row {row}: the deal is {values.get('stage') or 'open'}, so its lost reason "
            f"'{text}' goes into its notes"
        )
        return True, f"Lost reason in {source.label}: {text}"

    def _probability(self, row: int, values: dict[str, Any]) -> None:
        """A probability that is its stage's default in the product follows our stage."""
        raw = self.raw_stages.get(row)
        given = values.get("probability")
        if given is not None and raw and self.imp.translate.source_probability(raw) == given:
            del values["probability"]

    def settle_currency(self, pending: dict[str, Pending]) -> None:
        """The currency of new deals whose amount says none (see the module's text)."""
        plain = [
            p
            for p in pending.values()
            if p.existing is None and p.values.get("amount") is not None
            and not p.values.get("currency")
        ]  # fmt: skip
        if not plain:
            return
        given = sorted(
            {str(p.values["currency"]) for p in pending.values() if p.values.get("currency")}
        )
        home = self.pipeline.money.currency
        source = self.imp.source
        option = self.imp.options.currency
        rows = tuple(sorted(row for p in plain for row in p.rows))
        if option:
            try:
                code = currency_code(option)
            except CellError as exc:
                raise UsageError(f"--currency: {exc}") from None
        elif given and given != [home]:
            self._refuse(
                plain,
                f"amounts without a currency while other rows give {', '.join(given)}: write "
                "the currency with those amounts (or in a currency column), or say which "
                "with --currency CODE",
                rows,
            )
            return
        elif given or source is None:
            code = home
            if not given:
                self.imp.plan.notes.append(
                    f"amounts without a currency are taken as {home}, the pipeline's currency "
                    "(say --currency otherwise)"
                )
        elif source.currency:
            code = source.currency
            self.imp.plan.notes.append(
                f"amounts without a currency are taken as {code}, as in a {source.label} "
                "(say --currency otherwise)"
            )
        else:
            self._refuse(
                plain,
                f"the amounts say no currency (the file has no currency column, and "
                f"{source.label} does not write one with the amount): say which with "
                f"--currency CODE (the pipeline's currency is {home})",
                rows,
            )
            return
        for p in plain:
            p.values["currency"] = code

    def _refuse(self, plain: list[Pending], message: str, rows: tuple[int, ...]) -> None:
        self.imp.plan.errors.append(RowError(0, message, rows))
        for p in plain:
            del self.imp.pending[p.path]

    def problems(self, record: Record) -> list[Problem]:
        """What ``check`` would say about a deal the import writes."""
        found, competitors = deal_problems(self.pipeline, record)
        return found + [p for name, p in competitors if not known_competitor(name, self.known)]


def notes_text(text: str) -> str:
    """Notes as plain text: HTML (Odoo's notes) loses its tags, keeping its lines."""
    if not re.search(r"</?[a-zA-Z][^>]*>", text):
        return text.strip()
    plain = _TAG_RE.sub("", _BREAK_RE.sub("\n", text))
    lines = [" ".join(line.split()) for line in html.unescape(plain).splitlines()]
    return "\n".join(line for line in lines if line).strip()


Named = tuple[str, str, int | None, str]  # path, name, row (new ones), reduced name


def near_duplicates(titles: dict[str, str], pending: dict[str, Pending]) -> list[str]:
    """Notes on the new clients whose names are nearly those of other clients, old or
    new ("Danube Hotel" and "Danube Hotels", "Acme Kft." and "Acme GmbH"): they are
    imported as separate clients, never merged silently.  ``titles``: the names of
    the clients the CRM has, by path.  Names with other numbers in them ("Hotel 1",
    "Hotel 2") are other clients; a name is compared with those that begin alike
    and are about as long, difflib's cheap bounds first; the first ``SHOWN`` are
    listed, then how many more pairs there are."""
    new = [
        (p.path, str(p.values["name"]), p.rows[0])
        for p in pending.values()
        if p.existing is None and isinstance(p.values.get("name"), str)
    ]
    if not new:
        return []
    known: dict[str, list[Named]] = {}  # numbers and first letters -> names, by length
    for path, title in titles.items():
        if path not in pending:
            _file(known, (path, title, None, normalise_name(title)))
    mine = [(path, name, row, normalise_name(name)) for path, name, row in new]
    for item in mine:
        _file(known, item)
    lengths: dict[str, list[int]] = {}
    for key, names in known.items():
        names.sort(key=lambda item: len(item[3]))
        lengths[key] = [len(item[3]) for item in names]
    notes: list[str] = []
    seen: set[frozenset[str]] = set()
    more = 0
    for path, name, row, plain in mine:
        matcher = SequenceMatcher(None, b=plain)
        key = _key(plain)
        names = known[key]
        low = bisect_left(lengths[key], len(plain) * SIMILAR / (2 - SIMILAR))
        high = bisect_right(lengths[key], len(plain) * (2 - SIMILAR) / SIMILAR)
        for other_path, other, other_row, alike in names[low:high]:
            pair = frozenset((path, other_path))
            if other_path == path or pair in seen:
                continue
            matcher.set_seq1(alike)
            if alike != plain and not (
                matcher.real_quick_ratio() >= SIMILAR
                and matcher.quick_ratio() >= SIMILAR
                and matcher.ratio() >= SIMILAR
            ):
                continue
            seen.add(pair)
            if len(notes) == SHOWN:
                more += 1
                continue
            where = f"row {other_row}, new" if other_row else other_path
            notes.append(
                f"'{name}' (row {row}, new) looks like '{other}' ({where}): imported as "
                "another client; if they are one, write the name as it is in the CRM "
                "and import again"
            )
    if more:
        notes.append(f"{plural(more, 'more pair')} of look-alike names not listed")
    return notes


def _key(plain: str) -> str:
    """Names compared: the same numbers, the same first three letters."""
    return "".join(_DIGIT_RE.findall(plain)) + "|" + _DIGIT_RE.sub("", plain).strip()[:3]


def _file(known: dict[str, list[Named]], item: Named) -> None:
    known.setdefault(_key(item[3]), []).append(item)
