"""Another system's values in this CRM's terms: stages, statuses, lost reasons, owners.

Each value is looked up, in this order, in the ``--stage``/``--lost-reason``/
``--owner 'THEIRS=OURS'`` options, in the ``import:`` section of
``plaincrm.yaml``, among this CRM's own names, in the defaults of the product
the file comes from (``sources``), and among the words people commonly use.
A value found nowhere is remembered with its rows; ``errors`` then says each
kind of unknown value once for the whole file, listing the values and how to
map them, instead of one error per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.errors import UsageError
from ..core.settings import Config
from ..sales.pipeline import Pipeline
from .cells import strip_accents, value_key
from .plan import ImportOptions, RowError
from .settings import NONE_KEY, ImportSettings, map_key
from .sources import REASON_WORDS, STAGE_WORDS, STATUS_WORDS, Source

WON, LOST, OPEN = "won", "lost", "open"
_SETTING = {"--stage": "stages", "--lost-reason": "lost_reasons", "--owner": "owners"}


@dataclass
class Unknown:
    """Values found nowhere, with the rows they are on, in the order met."""

    values: dict[str, tuple[str, list[int]]] = field(default_factory=dict)  # key -> text, rows

    def add(self, text: str, row: int) -> None:
        key = value_key(text)
        self.values.setdefault(key, (text, []))[1].append(row)

    def rows(self) -> tuple[int, ...]:
        return tuple(sorted({row for _, rows in self.values.values() for row in rows}))

    def listed(self) -> str:
        return ", ".join(
            f"'{text}' ({_rows(rows)})" if text else f"none given ({_rows(rows)})"
            for text, rows in self.values.values()
        )

    def first(self) -> str:
        return next(iter(self.values.values()))[0]


def _rows(rows: list[int]) -> str:
    shown = ", ".join(str(row) for row in rows[:8])
    more = ", ..." if len(rows) > 8 else ""
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}{more}"


def parse_pairs(items: tuple[str, ...], option: str, example: str) -> dict[str, str]:
    """``--stage 'Proposal Made=proposal'`` options as value_key -> target."""
    out: dict[str, str] = {}
    for item in items:
        theirs, sep, ours = item.rpartition("=")
        if not sep or not ours.strip() or not theirs.strip():
            raise UsageError(
                f"{option} '{item}': write it as THEIRS=OURS, e.g. {option} '{example}'"
            )
        out[map_key(theirs)] = " ".join(ours.split())
    return out


class Translator:
    """Looks up a file's stages, statuses, lost reasons and owners."""

    def __init__(
        self,
        config: Config,
        pipeline: Pipeline | None,
        source: Source | None,
        options: ImportOptions,
        settings: ImportSettings,
    ) -> None:
        self.config, self.pipeline, self.source = config, pipeline, source
        stages = parse_pairs(options.stages, "--stage", "Proposal Made=proposal")
        reasons = parse_pairs(options.lost_reasons, "--lost-reason", "Too expensive=price")
        owners = parse_pairs(options.owners, "--owner", "Ben Szabo=ben")
        self.stage_map: dict[str, str] = {}
        self.reason_map: dict[str, str] = {}
        self.owner_map: dict[str, str] = {}
        for option, given, setting in (
            ("--stage", stages, settings.stages),
            ("--lost-reason", reasons, settings.lost_reasons),
            ("--owner", owners, settings.owners),
        ):
            self._check_targets(f"import.{_SETTING[option]} in plaincrm.yaml", option, setting)
            self._check_targets(option, option, given)
        self.unknown_stages, self.unknown_statuses = Unknown(), Unknown()
        self.unknown_reasons, self.unknown_owners = Unknown(), Unknown()

    def _check_targets(self, where: str, option: str, pairs: dict[str, str]) -> None:
        """Take the mappings of ``option`` (from ``where``: the option or the
        settings) after checking that they name stages, reasons and users this CRM
        has."""
        for theirs, ours in pairs.items():
            shown = f"'{ours}' (for '{theirs or NONE_KEY}')"
            if option == "--owner":
                users = self.config.user_names()
                if users and ours not in users:
                    raise UsageError(
                        f"{where}: {shown} is not a user in plaincrm.yaml "
                        f"(users: {', '.join(users)})"
                    )
                self.owner_map[theirs] = ours
                continue
            if self.pipeline is None:
                continue
            if option == "--stage":
                found = self.pipeline.stage(ours.lower())
                if found is None:
                    names = ", ".join(stage.name for stage in self.pipeline.stages)
                    raise UsageError(f"{where}: {shown} is not a stage of the pipeline ({names})")
                self.stage_map[theirs] = found.name
            else:
                known = self._reason(ours)
                if known is None:
                    raise UsageError(
                        f"{where}: {shown} is not one of pipeline.lost_reasons "
                        f"({', '.join(self.pipeline.lost_reasons)})"
                    )
                self.reason_map[theirs] = known

    # ------------------------------------------------------------ stages

    def stage(self, text: str, row: int) -> str | None:
        """The pipeline stage another system's stage ``text`` is; None (remembered)
        when it is none of the known ones."""
        assert self.pipeline is not None
        key = value_key(text)
        found = self.stage_map.get(key)
        for name in (key, key.replace(" ", "-"), key.replace(" ", "_")):
            if found is None and self.pipeline.stage(name) is not None:
                found = name
        for table in (self.source.stages if self.source else {}, STAGE_WORDS):
            if found is None and table.get(key) and self.pipeline.stage(table[key]):
                found = table[key]
        if found is None and self.source is None:
            matches = [s.name for s in self.pipeline.stages if s.name.startswith(key)]
            found = matches[0] if len(matches) == 1 and len(key) >= 2 else None
        if found is None:
            self.unknown_stages.add(text, row)
        return found

    def status(self, text: str, row: int) -> str | None:
        """``open``, ``won`` or ``lost`` for a status column's ``text``; a status
        mapped to a stage (``--stage 'Won=won'``) counts as that stage."""
        key = value_key(text)
        mapped = self.stage_map.get(key)
        if mapped in (WON, LOST):
            return mapped
        found = STATUS_WORDS.get(key)
        if found is None:
            self.unknown_statuses.add(text, row)
        return found

    def source_probability(self, stage_text: str) -> int | None:
        """The probability the source gives its stage ``stage_text`` by default."""
        return self.source.probabilities.get(value_key(stage_text)) if self.source else None

    # ------------------------------------------------------------ lost reasons

    def _reason(self, text: str) -> str | None:
        assert self.pipeline is not None
        wanted = " ".join(text.split()).lower()
        for reason in self.pipeline.lost_reasons:
            if reason.lower() == wanted:
                return reason
        return " ".join(text.split()) if self.pipeline.other_reasons and wanted else None

    def reason(self, text: str | None, row: int) -> str | None:
        """The lost reason of this CRM another system's reason ``text`` (None: not
        given) is; None (remembered) when it is none of them."""
        key = map_key(text or NONE_KEY)
        found = self.reason_map.get(key)
        if found is None and key:
            found = self._reason(str(text))
            word = REASON_WORDS.get(key)
            if found is None and word is not None:
                found = self._reason(word)
        if found is None:
            self.unknown_reasons.add(text or "", row)
        return found

    # ------------------------------------------------------------ owners

    def owner(self, text: str, row: int) -> str | None:
        """The user another system's owner ``text`` (a name, a name family name
        first, an e-mail address, a user name) is; None (remembered) when none is
        or several are.  Without users in plaincrm.yaml, the text itself."""
        if not self.config.users:
            return text.strip()
        mapped = self.owner_map.get(value_key(text))
        if mapped is not None:
            return mapped
        found = match_users(self.config, text)
        if len(found) == 1:
            return found[0]
        self.unknown_owners.add(text, row)
        return None

    # ------------------------------------------------------------ errors

    def errors(self) -> list[RowError]:
        """One error for each kind of value found nowhere, listing the values."""
        out = []
        if self.unknown_stages.values:
            assert self.pipeline is not None
            stages = ", ".join(s.name for s in self.pipeline.stages)
            out.append(
                RowError(
                    0,
                    f"stages this CRM does not have: {self.unknown_stages.listed()}; map each "
                    f"to a stage of the pipeline ({stages})"
                    f" with --stage '{self.unknown_stages.first()}=STAGE', or under import.stages "
                    "in plaincrm.yaml",
                    self.unknown_stages.rows(),
                )
            )
        if self.unknown_statuses.values:
            out.append(
                RowError(
                    0,
                    f"statuses that are not open, won or lost: {self.unknown_statuses.listed()};"
                    f" map each with --stage '{self.unknown_statuses.first()}=won' (or lost), "
                    "or leave the column out with --map 'COLUMN=-'",
                    self.unknown_statuses.rows(),
                )
            )
        if self.unknown_reasons.values:
            assert self.pipeline is not None
            first = self.unknown_reasons.first() or NONE_KEY
            without = "" if first == NONE_KEY else f" ('{NONE_KEY}=REASON' for none given)"
            out.append(
                RowError(
                    0,
                    f"lost reasons this CRM does not have: {self.unknown_reasons.listed()}; "
                    f"map each to one of pipeline.lost_reasons "
                    f"({', '.join(self.pipeline.lost_reasons)}) with --lost-reason "
                    f"'{first}=REASON'{without}, or "
                    "under import.lost_reasons in plaincrm.yaml (or allow any reason with "
                    "pipeline.other_reasons: true)",
                    self.unknown_reasons.rows(),
                )
            )
        if self.unknown_owners.values:
            users = ", ".join(self.config.user_names())
            out.append(
                RowError(
                    0,
                    f"owners who are not users in plaincrm.yaml: {self.unknown_owners.listed()};"
                    f" map each to a user ({users}) with --owner "
                    f"'{self.unknown_owners.first()}=USER', or under import.owners in "
                    "plaincrm.yaml, or add them to users",
                    self.unknown_owners.rows(),
                )
            )
        return out


def _name_tokens(text: str) -> tuple[str, ...]:
    """A person's name as sorted words, accents and case aside, so that ``Szabó Ben``
    (family name first, as Hungarians write it) is ``Ben Szabo``."""
    return tuple(sorted(value_key(strip_accents(text)).split()))


def match_users(config: Config, text: str) -> list[str]:
    """The users ``text`` names: by user name, full name or e-mail (any case), else by
    full name regardless of accents and of the order of its words."""
    exact = config.find_user(text)
    if exact is not None:
        return [exact.name]
    wanted = text.strip().lower()
    if "@" in wanted:
        return [u.name for u in config.users if u.email and u.email.lower() == wanted]
    tokens = _name_tokens(text)
    if not tokens:
        return []
    return [
        user.name
        for user in config.users
        if tokens in (_name_tokens(user.name), _name_tokens(user.full_name or ""))
    ]
