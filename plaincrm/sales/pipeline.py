"""The sales pipeline's settings: stages, lost reasons, competitors.

Settings live in the ``pipeline:`` section of ``plaincrm.yaml`` (documented in
``crm.setup.TEMPLATE`` and docs/sales.md): ordered stages with a probability and
an optional rotting limit, lost reasons, known competitors.  The currency and
the exchange rates are the CRM's (``core.money``: ``money:``, still read from
``pipeline.currency`` and ``pipeline.rates`` where a CRM sets them there); the
pipeline carries them (``Pipeline.money``).  ``read_pipeline`` parses them and
collects located problems (``check`` lists them); ``settings`` refuses to go on
when there are any; ``check_pipeline`` holds every deal to them.

The deals themselves as figures are in ``deals``, their operations in
``dealops``, the grammar of a deal's ``## Log`` in ``deallog``; money
(``Decimal``, grouped by currency) in ``core.money``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidError, Problem, did_you_mean
from ..core.model import Record
from ..core.money import Currencies, read_currencies, record_number_problem
from ..core.settings import Config, SectionReader, settled
from .deallog import CLOSED, LOST, WON

if TYPE_CHECKING:  # for annotations only
    from ..core.store import Store

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
    money: Currencies = field(default_factory=Currencies)  # the CRM's (``core.money``)

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


def default_pipeline() -> Pipeline:
    return Pipeline([Stage(name, p, rot) for name, p, rot in DEFAULT_STAGES])


def read_pipeline(config: Config) -> tuple[Pipeline, list[Problem]]:
    """The ``pipeline:`` settings (defaults for what is not given) and their problems."""
    reader = _Reader(config, SECTION)
    pipeline = reader.read()
    pipeline.money, problems = read_currencies(config)
    return pipeline, reader.problems + problems


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
        if text is None or not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
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


_KEYS = (
    "stages",
    "lost_reasons",
    "competitor_reasons",
    "other_reasons",
    "competitors",
    "currency",  # read by core.money, where money: does not set it
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
    """``check``: the pipeline settings (``check`` holds each deal against them with
    ``deal_problems``)."""
    return read_pipeline(store.config)[1]


def deal_problems(
    pipeline: Pipeline, record: Record
) -> tuple[list[Problem], list[tuple[str, Problem]]]:
    """``check``: a deal's problems against the pipeline settings, and each competitor it
    names with the problem that holds if that competitor is not known (``known_competitor``:
    the competitors/ cards are other records)."""
    problems: list[Problem] = []
    competitors: list[tuple[str, Problem]] = []

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
    for name in names:
        key = "competitor" if name == record.get_text("competitor") else "competitors"
        message = (
            f"competitor '{name}' is not known: add it to pipeline.competitors or "
            "create a competitors/ card"
        )
        competitors.append((name, Problem(record.path, record.line_of(key), message)))
    return problems, competitors


def known_competitor(name: str, known: dict[str, str]) -> bool:
    """Whether a deal may name this competitor, given the known ones (``competitor_names``;
    when none are known, any)."""
    return not known or name.lower() in known


# ---------------------------------------------------------------- deals as figures
