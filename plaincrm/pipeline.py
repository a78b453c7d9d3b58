"""The sales pipeline: its settings, the deals in it as figures, and what needs attention.

Settings live in the ``pipeline:`` section of ``plaincrm.yaml`` (documented in
``config.TEMPLATE`` and docs/sales.md): ordered stages with a probability and
an optional rotting limit, lost reasons, known competitors, the default
currency and exchange rates.  ``read_pipeline`` parses them and collects
located problems (``check`` lists them); ``settings`` refuses to go on when
there are any.

Deals as figures (``Deal``) and what needs attention in ``today`` are worked
out here from the index (the board and the forecast are in ``reports``).  The
grammar of a deal's ``## Log`` is in ``deallog``; money (``Decimal``, grouped
by currency) in ``amounts``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .amounts import CURRENCY_RE, cents, json_amount, money, record_number, record_number_problem
from .config import Config, SectionReader, settled
from .dates import days_text, parse_iso_date
from .deallog import CLOSED, LOST, WON, is_mail_line, parse_event
from .errors import InvalidError, Problem, did_you_mean
from .model import Record, RecordView, path_of

if TYPE_CHECKING:  # imported lazily: agenda imports this module for its provider
    from .agenda import Attention
    from .store import Store

SECTION = "pipeline"
DEFAULT_STAGES: tuple[tuple[str, int, int | None], ...] = (
    ("lead", 10, 30),
    ("qualified", 25, 21),
    ("proposal", 50, 14),
    ("negotiation", 75, 14),
    (WON, 100, None),
    (LOST, 0, None),
)
DEFAULT_LOST_REASONS = (
    "price",
    "competitor",
    "no budget",
    "timing",
    "no decision",
    "requirements not met",
)
DEFAULT_COMPETITOR_REASONS = ("competitor",)
DEFAULT_CURRENCY = "EUR"
_STAGE_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Stage:
    name: str
    probability: int
    rotting: int | None = None  # days without activity before a deal rots

    @property
    def closed(self) -> bool:
        return self.name in CLOSED


@dataclass
class Pipeline:
    """The parsed ``pipeline:`` settings."""

    stages: list[Stage]
    lost_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_LOST_REASONS))
    competitor_reasons: list[str] = field(default_factory=lambda: list(DEFAULT_COMPETITOR_REASONS))
    other_reasons: bool = False
    competitors: list[str] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY
    rates: dict[str, Decimal] = field(default_factory=dict)  # value of 1 unit in `currency`

    @property
    def open_stages(self) -> list[Stage]:
        return [stage for stage in self.stages if not stage.closed]

    @property
    def first_stage(self) -> Stage:
        return self.open_stages[0]

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {stage.name: index for index, stage in enumerate(self.stages)}

    def stage(self, name: str | None) -> Stage | None:
        """The stage called exactly ``name``."""
        index = self._positions.get(name or "")
        return None if index is None else self.stages[index]

    def order(self, name: str | None) -> int:
        """A stage's position (unknown stages sort last)."""
        return self._positions.get(name or "", len(self.stages))

    def find_stage(self, text: str) -> Stage:
        """The stage a user means: its name in any case, or an unambiguous prefix."""
        wanted = text.strip().lower()
        exact = self.stage(wanted)
        if exact is not None:
            return exact
        matches = [stage for stage in self.stages if stage.name.startswith(wanted)]
        if len(matches) == 1 and wanted:
            return matches[0]
        names = ", ".join(stage.name for stage in self.stages)
        if len(matches) > 1:
            raise InvalidError(
                f"'{text}' matches the stages {', '.join(s.name for s in matches)}; say which"
            )
        raise InvalidError(
            f"unknown stage '{text}'{did_you_mean(wanted, [s.name for s in self.stages])}; "
            f"the stages are: {names} (pipeline.stages in plaincrm.yaml)"
        )

    def find_reason(self, text: str) -> str:
        """A lost reason as configured (any case); free text only when other_reasons allows."""
        wanted = " ".join(text.split())
        if not wanted:
            raise InvalidError("a lost deal needs a reason: --reason REASON")
        for reason in self.lost_reasons:
            if reason.lower() == wanted.lower():
                return reason
        if self.other_reasons:
            return wanted
        raise InvalidError(
            f"unknown lost reason '{text}'"
            f"{did_you_mean(wanted.lower(), self.lost_reasons)}; the reasons are: "
            f"{', '.join(self.lost_reasons)} (pipeline.lost_reasons in plaincrm.yaml; set "
            "pipeline.other_reasons: true to allow free text)"
        )

    def needs_competitor(self, reason: str) -> bool:
        return reason.lower() in (r.lower() for r in self.competitor_reasons)

    def rate(self, currency: str) -> Decimal | None:
        if currency == self.currency:
            return Decimal(1)
        return self.rates.get(currency)


def default_pipeline() -> Pipeline:
    return Pipeline([Stage(name, p, rot) for name, p, rot in DEFAULT_STAGES])


def read_pipeline(config: Config) -> tuple[Pipeline, list[Problem]]:
    """The ``pipeline:`` settings (defaults for what is not given) and their problems."""
    reader = _Reader(config, SECTION)
    return reader.read(), reader.problems


class _Reader(SectionReader):
    def read(self) -> Pipeline:
        raw = self.config.raw.get(SECTION)
        pipeline = default_pipeline()
        if raw is None:
            return pipeline
        if not isinstance(raw, dict):
            self.problem(
                "", "pipeline must be a section of 'key: value' settings (see docs/sales.md)"
            )
            return pipeline
        if "stages" in raw:
            pipeline.stages = self.stages(raw["stages"]) or pipeline.stages
        for key in ("lost_reasons", "competitor_reasons", "competitors"):
            if key in raw:
                setattr(pipeline, key, self.names(key, raw[key]))
        unknown = [
            r for r in pipeline.competitor_reasons if r.lower() not in _lower(pipeline.lost_reasons)
        ]
        if unknown and "competitor_reasons" in raw:
            self.problem(
                "competitor_reasons",
                f"competitor_reasons: '{unknown[0]}' is not one of pipeline.lost_reasons",
            )
        if "other_reasons" in raw:
            pipeline.other_reasons = self.boolean("other_reasons", raw["other_reasons"])
        if "currency" in raw:
            pipeline.currency = self.currency("currency", raw["currency"]) or DEFAULT_CURRENCY
        if "rates" in raw:
            pipeline.rates = self.rates(raw["rates"])
        for key in raw:
            if key not in _KEYS:
                self.problem(key, f"unknown pipeline setting '{key}' (known: {', '.join(_KEYS)})")
        return pipeline

    def stages(self, raw: Any) -> list[Stage]:
        if not isinstance(raw, list) or not raw:
            self.problem(
                "stages", "pipeline.stages must be a list of '- {name: ..., probability: ...}'"
            )
            return []
        before = len(self.problems)
        stages: list[Stage] = []
        for i, entry in enumerate(raw):
            where = f"stages.{i}"
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                self.problem(where, "each stage needs a name: - {name: lead, probability: 10}")
                continue
            name = entry["name"]
            if not _STAGE_NAME_RE.match(name):
                self.problem(
                    f"{where}.name",
                    f"stage name '{name}' must be lower case letters, digits, - or _ "
                    "(it is typed on the command line)",
                )
                continue
            if any(stage.name == name for stage in stages):
                self.problem(f"{where}.name", f"stage '{name}' is listed twice")
                continue
            probability = self.integer(f"{where}.probability", entry.get("probability"), 0, 100)
            if probability is None:
                continue
            rotting = None
            if entry.get("rotting") not in (None, ""):
                rotting = self.integer(f"{where}.rotting", entry["rotting"], 1, 10_000)
                if name in CLOSED and rotting is not None:
                    self.problem(
                        f"{where}.rotting", f"the {name} stage closes a deal: it cannot rot"
                    )
            for key in entry:  # requires: the stage gate of documents.read_requirements
                if key not in ("name", "probability", "rotting", "requires"):
                    self.problem(f"{where}.{key}", f"unknown stage setting '{key}'")
            stages.append(Stage(name, probability, rotting))
        names = [stage.name for stage in stages]
        for closing in CLOSED:
            if closing not in names:
                self.problem(
                    "stages",
                    f"pipeline.stages must include '{closing}' (deals close as won or lost)",
                )
        if not any(not stage.closed for stage in stages):
            self.problem("stages", "pipeline.stages needs at least one open stage before won/lost")
        return stages if len(self.problems) == before else []

    def integer(self, dotted: str, value: Any, low: int, high: int) -> int | None:
        text = str(value).strip() if isinstance(value, str) else None
        if text is None or not text.isdigit() or not low <= int(text) <= high:
            self.problem(dotted, f"{dotted} must be a whole number from {low} to {high}")
            return None
        return int(text)

    def names(self, key: str, raw: Any) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(v, str) and v.strip() for v in raw):
            self.problem(key, f"pipeline.{key} must be a list of names, like [a, b]")
            return []
        names = [" ".join(v.split()) for v in raw]
        lowered = _lower(names)
        for i, name in enumerate(names):
            if lowered.index(name.lower()) != i:
                self.problem(f"{key}.{i}", f"'{name}' is listed twice in pipeline.{key}")
        return names

    def boolean(self, key: str, raw: Any) -> bool:
        text = str(raw).lower()
        if text not in ("true", "false", "yes", "no"):
            self.problem(key, f"pipeline.{key} must be true or false")
        return text in ("true", "yes")

    def currency(self, dotted: str, raw: Any) -> str | None:
        if not isinstance(raw, str) or not CURRENCY_RE.match(raw):
            self.problem(dotted, f"'{raw}' is not a currency code like EUR, USD or HUF")
            return None
        return raw

    def rates(self, raw: Any) -> dict[str, Decimal]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem("rates", "pipeline.rates must be 'CODE: rate' lines, like USD: 0.92")
            return {}
        rates = {}
        for code, value in raw.items():
            if self.currency(f"rates.{code}", code) is None:
                continue
            try:
                rate = Decimal(str(value).strip())
            except InvalidOperation:
                rate = Decimal(0)
            if not rate.is_finite() or rate <= 0:
                self.problem(f"rates.{code}", f"rates.{code}: '{value}' is not a positive number")
                continue
            rates[code] = rate
        return rates


_KEYS = (
    "stages",
    "lost_reasons",
    "competitor_reasons",
    "other_reasons",
    "competitors",
    "currency",
    "rates",
)


def _lower(names: Iterable[str]) -> list[str]:
    return [name.lower() for name in names]


def settings(store: Store) -> Pipeline:
    """The pipeline settings; a ``ConfigError`` when they have problems."""
    return settled(*read_pipeline(store.config), "pipeline settings in plaincrm.yaml")


def competitor_names(store: Store, pipeline: Pipeline) -> dict[str, str]:
    """Known competitors: each name and alias, lower case -> the name deals use.

    From pipeline.competitors and the ``competitors/`` cards (name and aliases).
    """
    names = {name.lower(): name for name in pipeline.competitors}
    for card in store.records("competitor"):
        canonical = names.get(card.title.lower(), card.title)
        for alias in [card.title, *card.get_list("aliases")]:
            names.setdefault(alias.lower(), canonical)
    return names


def check_pipeline(store: Store) -> list[Problem]:
    """``check``: the pipeline settings, then each deal against them."""
    pipeline, problems = read_pipeline(store.config)
    if problems:
        return problems
    known = competitor_names(store, pipeline)
    for record in store.records("deal"):
        problems.extend(deal_problems(record, pipeline, known))
    return problems


def deal_problems(record: Record, pipeline: Pipeline, known: dict[str, str]) -> list[Problem]:
    """What ``check`` says about one deal against the pipeline settings (``known``:
    ``competitor_names``); ``import`` asks it of every deal before writing it."""
    problems: list[Problem] = []

    def problem(key: str, message: str) -> None:
        problems.append(Problem(record.path, record.line_of(key), message))

    stages = ", ".join(stage.name for stage in pipeline.stages)
    too_large = record_number_problem("amount", record.fields.get("amount"))
    if too_large:
        problem("amount", too_large)
    stage = record.get_text("stage")
    if stage and pipeline.stage(stage) is None:
        problem("stage", f"stage: '{stage}' is not a stage of the pipeline ({stages})")
    lost = record.fields.get("lost_reason"), record.fields.get("competitor")
    reason = record.get_text("lost_reason")
    if stage == LOST:
        if not reason:
            problem("stage", "a lost deal needs lost_reason: (close it with 'deal lose')")
        elif not pipeline.other_reasons and reason.lower() not in _lower(pipeline.lost_reasons):
            problem(
                "lost_reason",
                f"lost_reason: '{reason}' is not one of pipeline.lost_reasons "
                f"({', '.join(pipeline.lost_reasons)})",
            )
        elif pipeline.needs_competitor(reason) and not record.get_text("competitor"):
            problem("lost_reason", f"lost_reason '{reason}' needs competitor: (who won)")
    elif any(lost):
        problem(
            "lost_reason" if lost[0] else "competitor",
            f"lost_reason/competitor on a deal that is {stage}, not lost: remove them",
        )
    if stage in CLOSED and not record.get_date("closed"):
        problem("stage", f"a {stage} deal needs closed: YYYY-MM-DD (the day it closed)")
    names = [*record.get_list("competitors"), *filter(None, [record.get_text("competitor")])]
    for name in names if known else []:
        if name.lower() not in known:
            key = "competitor" if name == record.get_text("competitor") else "competitors"
            problem(
                key,
                f"competitor '{name}' is not known: add it to pipeline.competitors or "
                "create a competitors/ card",
            )
    return problems


# ---------------------------------------------------------------- deals as figures


@dataclass
class Deal(RecordView):
    """A deal record with its figures worked out against the pipeline settings."""

    stage: str
    status: str  # open | won | lost
    probability: int
    manual: bool  # the probability was set by hand
    amount: Decimal | None
    currency: str

    @property
    def client(self) -> str | None:
        return self.record.get_text("client")

    @property
    def close(self) -> str | None:
        return self.record.get_date("close")

    @property
    def closed(self) -> str | None:
        return self.record.get_date("closed")

    @property
    def weighted(self) -> Decimal | None:
        if self.amount is None:
            return None
        return cents(self.amount * self.probability / 100)

    def as_json(self) -> dict[str, Any]:
        fields = self.record.fields
        return {
            "ref": self.ref,
            "path": self.path,
            "title": self.title,
            "client": self.client,
            "stage": self.stage,
            "status": self.status,
            "probability": self.probability,
            "probability_manual": self.manual,
            "amount": json_amount(self.amount) if self.amount is not None else None,
            "currency": self.currency,
            "weighted": json_amount(self.weighted) if self.weighted is not None else None,
            "close": self.close,
            "owner": self.owner,
            "source": fields.get("source"),
            "created": self.record.get_date("created"),
            "closed": self.closed,
            "lost_reason": fields.get("lost_reason"),
            "competitor": fields.get("competitor"),
            "lost_note": fields.get("lost_note"),
            "competitors": self.record.get_list("competitors"),
        }


def deal_of(record: Record, pipeline: Pipeline) -> Deal:
    stage = record.get_text("stage") or ""
    status = stage if stage in CLOSED else "open"
    manual = record.fields.get("probability_manual") is True
    typed = record.fields.get("probability")
    known = pipeline.stage(stage)
    if status == WON:
        probability = 100
    elif status == LOST:
        probability = 0
    elif isinstance(typed, int) and not isinstance(typed, bool) and 0 <= typed <= 100:
        probability = typed
    else:
        probability = known.probability if known else 0
    amount = record_number(record.fields.get("amount"), text=False)  # check reports the rest
    currency = record.get_text("currency") or pipeline.currency
    return Deal(record, stage, status, probability, manual, amount, currency)


def deals(
    store: Store,
    pipeline: Pipeline,
    owner: str | None = None,
    where: tuple[str, list[Any]] = ("", []),
) -> list[Deal]:
    """Every readable deal (of ``owner`` when given; meeting the SQL prefilter
    ``where``, see ``store.records``), in pipeline order."""
    found = [deal_of(r, pipeline) for r in store.records("deal", where=where)]
    if owner is not None:
        found = [d for d in found if d.owner == owner]
    found.sort(key=lambda d: (pipeline.order(d.stage), d.close or "9999", d.ref))
    return found


def deals_by_source(store: Store, pipeline: Pipeline, folder: str) -> dict[str, list[Deal]]:
    """Deals whose ``source`` names a record in ``folder`` (``campaigns``, ``tickets``),
    by that record's slug."""
    out: dict[str, list[Deal]] = {}
    prefix = f"{folder}/"
    for record in store.records("deal"):
        source = (record.get_text("source") or "").strip().lower()
        if source.startswith(prefix):
            slug = source[len(prefix) :].removesuffix(".md")
            out.setdefault(slug, []).append(deal_of(record, pipeline))
    return out


# ---------------------------------------------------------------- attention


@dataclass
class Flag:
    """Why an open deal needs attention: a short label and the full reason."""

    short: str
    reason: str


def deal_facts(record: Record) -> dict[str, Any] | None:
    """What the index keeps of an open deal (``index.FACTS``), so that the
    attention check of every ``today`` reads one small row per open deal
    instead of the whole record.  Closed deals have none.

    ``activity`` is the newest of: a stage change in the log, a mail recorded
    in the log (``mail import``), a completed task, the day the deal was opened.
    """
    stage = record.get_text("stage")
    if stage in CLOSED:
        return None
    moved = [e.date for e in record.log if is_mail_line(e.text) or parse_event(e.text).transition]
    done = [task.done for task in record.tasks if task.checked and task.done]
    created = record.get_date("created")
    dates = [d for d in (*moved, *done, created) if d and parse_iso_date(d)]
    return {
        "title": record.title,
        "stage": stage,
        "close": record.get_date("close"),
        "client": record.get_text("client"),
        "activity": max(dates, default=None),
        "open_tasks": sum(1 for task in record.tasks if not task.checked),
    }


@dataclass(frozen=True)
class ClientCard:
    """What a deal's next step depends on beyond the deal: its client's card."""

    open_tasks: int  # open tasks on the client's card
    open_deals: int  # the client's open deals

    @property
    def holds_the_next_step(self) -> bool:
        """A task on the card moves the client's one open deal (which else could it?)."""
        return self.open_tasks > 0 and self.open_deals == 1


def client_cards(store: Store, clients: Iterable[str | None]) -> dict[str, ClientCard]:
    """The ``ClientCard`` of each client slug (as a deal's ``client:`` names it):
    two small queries of the index, however many clients."""
    wanted = sorted({slug for slug in clients if slug})
    tasks: dict[str, int] = {}
    deals: dict[str, int] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        paths = {path_of("client", slug): slug for slug in chunk}
        for path, count in store.index.conn.execute(
            f"SELECT path, count(*) FROM tasks WHERE checked = 0 AND path IN ({marks}) "
            "GROUP BY path",
            list(paths),
        ):
            tasks[paths[path]] = count
        for target, count in store.index.conn.execute(  # open deals: those with facts
            "SELECT l.target, count(*) FROM links l JOIN facts f ON f.path = l.path "
            f"WHERE l.target IN ({marks}) AND l.field = 'client' AND f.type = 'deal' "
            "GROUP BY l.target",
            [f"client:{slug}" for slug in chunk],
        ):
            deals[target[len("client:") :]] = count
    return {slug: ClientCard(tasks.get(slug, 0), deals.get(slug, 0)) for slug in wanted}


def deal_flags(
    pipeline: Pipeline, day: date, facts: dict[str, Any], card: ClientCard | None = None
) -> list[Flag]:
    """Why an open deal (its ``deal_facts``) needs attention on ``day``: past its
    close date; rotting (no activity for longer than its stage allows); no next
    step: no open task on the deal, nor on its client's ``card`` when the deal is
    the client's only open one."""
    flags = []
    close, activity = facts["close"], facts["activity"]
    if close and close < day.isoformat():
        flags.append(Flag("past close", f"close date {close} has passed"))
    stage = pipeline.stage(facts["stage"])
    if stage is not None and stage.rotting and activity:
        idle = (day - date.fromisoformat(activity)).days
        if idle > stage.rotting:
            flags.append(
                Flag(
                    f"rotting {idle}d",
                    f"rotting: {days_text(idle)} without activity in {stage.name} "
                    f"(limit {stage.rotting})",
                )
            )
    if not facts["open_tasks"] and not (card and card.holds_the_next_step):
        if card and card.open_tasks:
            why = f"no open task on the deal; its client has {card.open_deals} open deals"
        else:
            why = "no open task on the deal or its client"
        flags.append(Flag("no next step", f"no next step ({why})"))
    return flags


@dataclass
class Flagged:
    path: str
    title: str
    client: str | None  # the client's slug
    close: str | None
    flags: list[Flag]
    client_name: str | None = None  # its name, when the index holds it


def flagged_deals(store: Store, pipeline: Pipeline, day: date, owner: str | None) -> list[Flagged]:
    """Open deals (of ``owner`` and nobody's, when given) that need attention on ``day``.

    Reads the index's facts of open deals (``deal_facts``): one small row each,
    and SQL passes on only the rows that may have a flag (``deal_flags`` decides),
    with the names of their clients.
    """
    from .store import CLIENT_NAME, client_join

    rotting = [s for s in pipeline.open_stages if s.rotting]
    cutoffs: list[Any] = []
    for stage in rotting:
        cutoffs += [stage.name, (day - timedelta(days=stage.rotting or 0)).isoformat()]
    cases = " ".join("WHEN ? THEN ?" for _ in rotting)
    cutoff = f"CASE json_extract(f.data, '$.stage') {cases} ELSE '' END" if rotting else "''"
    client = client_join("json_extract(f.data, '$.client')")
    query = (
        f"SELECT f.path, f.data, {CLIENT_NAME} FROM facts f {client} WHERE f.type = 'deal' AND ("
        "json_extract(f.data, '$.open_tasks') = 0 OR json_extract(f.data, '$.close') < ? "
        f"OR json_extract(f.data, '$.activity') < {cutoff})"
    )
    params: list[Any] = [day.isoformat(), *cutoffs]
    if owner is not None:
        query += " AND (f.owner = ? OR f.owner IS NULL)"
        params.append(owner)
    rows = [
        (path, json.loads(data), name)
        for path, data, name in store.index.conn.execute(query, params)
    ]
    cards = client_cards(
        store, (facts["client"] for _, facts, _ in rows if not facts["open_tasks"])
    )
    found = []
    for path, facts, name in rows:
        flags = deal_flags(pipeline, day, facts, cards.get(facts["client"] or ""))
        if flags:
            found.append(
                Flagged(path, facts["title"], facts["client"], facts["close"], flags, name)
            )
    return found


def deal_attention(store: Store, day: date, owner: str | None) -> list[Attention]:
    """The ``agenda.ATTENTION`` provider of deals: no next step, rotting, past close."""
    from .agenda import Attention

    found = flagged_deals(store, settings(store), day, owner)
    found.sort(key=lambda item: (-len(item.flags), item.close or "9999", item.path))
    return [
        Attention(
            "deal",
            item.path,
            item.title,
            "; ".join(flag.reason for flag in item.flags),
            item.client_name,
        )
        for item in found
    ]


def deal_details(store: Store, record: Record) -> dict[str, str]:
    """What a deal shows on its client's card: stage, amount and probability."""
    deal = deal_of(record, settings(store))
    return {
        "stage": deal.stage,
        "amount": money(deal.amount, deal.currency),
        "probability": f"{deal.probability}%{' (by hand)' if deal.manual else ''}",
    }
