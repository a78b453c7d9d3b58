"""Settings of commercial documents: kinds and their statuses, numbering, stage gates.

The ``documents:`` section of ``plaincrm.yaml``::

    documents:
      payment_days: 14              # an issued invoice is due this many days later
      kinds: [quote, contract, invoice, payment, shipment,
              {name: nda, statuses: [draft, sent, signed, cancelled], void: [cancelled]}]
      numbering:
        invoice: {format: "{series}-{year}-{seq:4}", series: {anna: A, ben: B}}

and ``requires:`` on the stages of ``pipeline.stages`` (``requires: [contract]``
or ``[quote:accepted]``): the documents a deal needs before it enters the
stage.  ``read_settings`` and ``read_requirements`` parse them and collect
located problems (``check`` lists them); ``doc_settings`` and
``stage_requirements`` refuse to go on when there are any.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..core.errors import InvalidError, Problem, did_you_mean
from ..core.settings import Config, SectionReader, settled
from .numbering import DEFAULT_FORMAT, Numbering, parse_format, read_numbering

if TYPE_CHECKING:  # the index imports this module (through overdue) for its facts
    from ..core.store import Store

SECTION = "documents"
INVOICE, PAYMENT = "invoice", "payment"
DRAFT, ISSUED, PAID, CANCELLED, RECEIVED = "draft", "issued", "paid", "cancelled", "received"
DEFAULT_PAYMENT_DAYS = 14
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass(frozen=True)
class DocKind:
    """A kind of document and its statuses, in order.

    A document *counts* (for stage gates and numbering) from the ``counts``
    status on, unless its status is one of ``void`` (cancelled, rejected).
    """

    name: str
    statuses: tuple[str, ...]
    counts: str
    void: tuple[str, ...] = ()

    @property
    def initial(self) -> str:
        return self.statuses[0]

    @property
    def a_name(self) -> str:
        """The kind with its article: 'a contract', 'an invoice'."""
        return ("an " if self.name[:1].lower() in "aeiou" else "a ") + self.name

    def reached(self, status: str | None, wanted: str | None = None) -> bool:
        """``status`` is ``wanted`` (default: ``counts``) or a later status that is not void."""
        target = wanted or self.counts
        if status not in self.statuses or status in self.void:
            return False
        return self.statuses.index(status) >= self.statuses.index(target)


BUILTIN_KINDS: dict[str, DocKind] = {
    kind.name: kind
    for kind in (
        DocKind("quote", ("draft", "sent", "accepted", "rejected"), "sent", ("rejected",)),
        DocKind("contract", ("draft", "sent", "signed", CANCELLED), "signed", (CANCELLED,)),
        DocKind(INVOICE, (DRAFT, ISSUED, PAID, CANCELLED), ISSUED, (CANCELLED,)),
        DocKind(PAYMENT, (RECEIVED,), RECEIVED),
        DocKind("shipment", ("planned", "shipped", "delivered"), "shipped"),
    )
}
FIXED_KINDS = (INVOICE, PAYMENT)  # plaincrm computes with their statuses


@dataclass
class DocSettings:
    """The parsed ``documents:`` settings."""

    kinds: dict[str, DocKind] = field(default_factory=lambda: dict(BUILTIN_KINDS))
    numbering: dict[str, Numbering] = field(default_factory=dict)
    payment_days: int = DEFAULT_PAYMENT_DAYS

    def kind(self, name: str) -> DocKind:
        wanted = name.strip().lower()
        if wanted in self.kinds:
            return self.kinds[wanted]
        raise InvalidError(
            f"unknown document kind '{name}'{did_you_mean(wanted, self.kinds)}; the kinds are: "
            f"{', '.join(self.kinds)} (documents.kinds in plaincrm.yaml)"
        )


@dataclass(frozen=True)
class Requirement:
    """A document a stage requires: one of ``kind`` at ``status`` or later."""

    kind: str
    status: str

    @property
    def text(self) -> str:
        words = f"{self.status} {self.kind}"
        return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


def default_numbering() -> dict[str, Numbering]:
    return {INVOICE: Numbering(INVOICE, parse_format(DEFAULT_FORMAT), shared="INV")}


class _Reader(SectionReader):
    def read(self) -> DocSettings:
        found = DocSettings()
        raw = self.config.raw.get(SECTION)
        if raw is None:
            found.numbering = default_numbering()
            return found
        if not isinstance(raw, dict):
            self.problem(SECTION, "documents must be a section of 'key: value' settings")
            return found
        for key in raw:
            if key not in ("kinds", "numbering", "payment_days"):
                self.problem(
                    f"{SECTION}.{key}",
                    f"unknown documents setting '{key}' (known: kinds, numbering, payment_days)",
                )
        if "kinds" in raw:
            found.kinds = self.kinds(raw["kinds"])
        if "numbering" in raw:
            found.numbering = self.numbering(raw["numbering"], found.kinds)
            numbering = raw["numbering"]
            if INVOICE in found.kinds and not (
                isinstance(numbering, dict) and INVOICE in numbering
            ):  # invoices are always numbered: the default when not set
                found.numbering[INVOICE] = default_numbering()[INVOICE]
        elif INVOICE in found.kinds:
            found.numbering = default_numbering()
        if "payment_days" in raw:
            text = str(raw["payment_days"]).strip()
            if not text.isdigit() or int(text) > 3650:
                self.problem(
                    f"{SECTION}.payment_days",
                    "documents.payment_days must be a whole number of days, like 14",
                )
            else:
                found.payment_days = int(text)
        return found

    def kinds(self, raw: Any) -> dict[str, DocKind]:
        where = f"{SECTION}.kinds"
        if not isinstance(raw, list) or not raw:
            self.problem(where, "documents.kinds must be a list, like [quote, contract, invoice]")
            return dict(BUILTIN_KINDS)
        kinds: dict[str, DocKind] = {}
        for i, entry in enumerate(raw):
            kind = self.kind(f"{where}.{i}", entry)
            if kind is None:
                continue
            if kind.name in kinds:
                self.problem(f"{where}.{i}", f"document kind '{kind.name}' is listed twice")
                continue
            kinds[kind.name] = kind
        return kinds

    def kind(self, where: str, entry: Any) -> DocKind | None:
        if isinstance(entry, str):
            if entry in BUILTIN_KINDS:
                return BUILTIN_KINDS[entry]
            self.problem(
                where,
                f"'{entry}' is not a built-in kind ({', '.join(BUILTIN_KINDS)}); define it as "
                f"{{name: {entry}, statuses: [draft, sent, signed], counts: signed}}",
            )
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            self.problem(where, "each kind is a name, or {name: ..., statuses: [...]}")
            return None
        name = entry["name"]
        if not _NAME_RE.match(name):
            self.problem(
                f"{where}.name", f"kind '{name}' must be lower case letters, digits, - or _"
            )
            return None
        if name in FIXED_KINDS:
            self.problem(where, f"the statuses of {name} are built in: list it by name (- {name})")
            return None
        for key in entry:
            if key not in ("name", "statuses", "counts", "void"):
                self.problem(
                    f"{where}.{key}",
                    f"unknown kind setting '{key}' (known: statuses, counts, void)",
                )
        statuses = self.names(f"{where}.statuses", entry.get("statuses"))
        if not statuses:
            self.problem(where, f"kind '{name}' needs statuses: [first, ...]")
            return None
        void = self.names(f"{where}.void", entry.get("void") or [])
        for status in void:
            if status not in statuses:
                self.problem(f"{where}.void", f"void status '{status}' is not in its statuses")
                return None
        counts = entry.get("counts")
        if counts is None:
            counts = next((s for s in reversed(statuses) if s not in void), statuses[-1])
        if counts not in statuses or counts in void:
            self.problem(
                f"{where}.counts",
                f"counts: '{counts}' must be one of the statuses of {name} that is not void",
            )
            return None
        return DocKind(name, tuple(statuses), counts, tuple(void))

    def names(self, where: str, raw: Any) -> list[str]:
        if not isinstance(raw, list) or not all(
            isinstance(v, str) and _NAME_RE.match(v) for v in raw
        ):
            self.problem(where, f"{where} must be a list of lower case names, like [draft, sent]")
            return []
        if len(set(raw)) != len(raw):
            self.problem(where, f"{where} lists a status twice")
            return []
        return list(raw)

    def numbering(self, raw: Any, kinds: Mapping[str, DocKind]) -> dict[str, Numbering]:
        where = f"{SECTION}.numbering"
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem(where, "documents.numbering must be settings per kind, like invoice: ...")
            return {}
        out: dict[str, Numbering] = {}
        for kind, settings in raw.items():
            if kind not in kinds:
                self.problem(f"{where}.{kind}", f"numbering for '{kind}', which is not a kind")
                continue
            try:
                out[kind] = read_numbering(kind, settings)
            except InvalidError as exc:
                self.problem(f"{where}.{kind}", exc.message)
        return out


def read_settings(config: Config) -> tuple[DocSettings, list[Problem]]:
    """The ``documents:`` settings (defaults for what is not given) and their problems."""
    reader = _Reader(config)
    return reader.read(), reader.problems


def read_requirements(
    config: Config, settings: DocSettings
) -> tuple[dict[str, list[Requirement]], list[Problem]]:
    """The documents each stage ``requires:`` (in ``pipeline.stages``) and their problems.

    ``requires: [contract]`` means a contract at its counting status (signed);
    ``quote:accepted`` names the status.
    """
    reader = SectionReader(config)
    stages = config.section("pipeline").get("stages")
    out: dict[str, list[Requirement]] = {}
    for i, entry in enumerate(stages if isinstance(stages, list) else []):
        if not isinstance(entry, dict) or entry.get("requires") in (None, "", []):
            continue
        where = f"pipeline.stages.{i}.requires"
        if i == 0:
            reader.problem(
                where,
                "the first stage cannot require documents: every new deal starts in it "
                "(deal add, ticket close --upsell, campaign respond --deal)",
            )
            continue
        raw = entry["requires"]
        items = [raw] if isinstance(raw, str) else raw
        if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
            reader.problem(where, "requires must be a list of document kinds, like [contract]")
            continue
        for item in items:
            kind_name, _, status = item.partition(":")
            kind = settings.kinds.get(kind_name.strip())
            if kind is None:
                reader.problem(
                    where,
                    f"requires: '{kind_name}' is not a document kind ({', '.join(settings.kinds)})",
                )
                continue
            status = status.strip() or kind.counts
            if status not in kind.statuses or status in kind.void:
                reader.problem(
                    where,
                    f"requires: '{status}' is not a status of {kind.name} "
                    f"({', '.join(s for s in kind.statuses if s not in kind.void)})",
                )
                continue
            out.setdefault(str(entry.get("name")), []).append(Requirement(kind.name, status))
    return out, reader.problems


def doc_settings(store: Store) -> DocSettings:
    """The documents settings; a ``ConfigError`` when they have problems."""
    return settled(*read_settings(store.config), "documents settings in plaincrm.yaml")


def stage_requirements(store: Store) -> dict[str, list[Requirement]]:
    found = read_requirements(store.config, doc_settings(store))
    return settled(*found, "stage requirements in plaincrm.yaml")
