"""The ``import:`` section of ``plaincrm.yaml``: what another system's values mean here.

::

    import:
      country: HU                  # phone numbers written without +.. are this country's
      stages:                      # another CRM's stage or status -> a stage of the pipeline
        Proposal Made: proposal
        Presentation Scheduled: qualified
      lost_reasons:                # its lost reasons -> pipeline.lost_reasons
        Too expensive: price
        (none): no decision        # lost deals that give no reason
      owners:                      # its owners' names or e-mails -> users
        Ben Szabo: ben

The keys are compared as ``cells.value_key`` reduces them (case, accents and
punctuation aside), so ``Negotiation/Review`` is ``negotiation review``.  The
``--stage``, ``--lost-reason`` and ``--owner 'NAME=USER'`` options of
``plaincrm import`` add to these and win over them.  ``check`` reports a
setting naming a stage, reason or user the CRM does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import Problem
from ..core.settings import Config, SectionReader, settled
from .cells import value_key

SECTION = "import"
KEYS = ("country", "stages", "lost_reasons", "owners")
NONE_KEY = "(none)"  # the key of lost deals without a reason
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class ImportSettings:
    country: str | None = None
    stages: dict[str, str] = field(default_factory=dict)  # value_key -> stage
    lost_reasons: dict[str, str] = field(default_factory=dict)  # value_key -> reason
    owners: dict[str, str] = field(default_factory=dict)  # value_key -> user


def map_key(text: str) -> str:
    """The key a value is mapped by: ``(none)`` (a missing value) is ``""``."""
    return "" if text.strip().lower() == NONE_KEY else value_key(text)


def read_import(config: Config) -> tuple[ImportSettings, list[Problem]]:
    """The ``import:`` settings and the problems of their form (``check_import``
    also checks that the stages, reasons and users they name exist)."""
    reader = SectionReader(config, SECTION)
    raw = config.raw.get(SECTION)
    if raw is None:
        return ImportSettings(), reader.problems
    if not isinstance(raw, dict):
        reader.problem("", "import must be a section of settings (see docs/import-export.md)")
        return ImportSettings(), reader.problems
    for key in raw:
        if key not in KEYS:
            reader.problem(key, f"import.{key}: unknown setting (known: {', '.join(KEYS)})")
    country = None
    if raw.get("country") is not None:
        country = str(raw["country"]).strip().upper()
        if not _COUNTRY_RE.match(country) or not _known_country(country):
            reader.problem(
                "country",
                f"import.country: '{raw['country']}' is not a country code like HU, DE or GB",
            )
            country = None
    maps = {key: _pairs(raw, key, reader.problem) for key in ("stages", "lost_reasons", "owners")}
    return ImportSettings(country, **maps), reader.problems


def _known_country(code: str) -> bool:
    import phonenumbers

    return code in phonenumbers.SUPPORTED_REGIONS


def _pairs(raw: dict[str, Any], key: str, problem: Callable[[str, str], None]) -> dict[str, str]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        problem(key, f"import.{key} must be 'their value: yours' lines, like 'Proposal Made: "
                "proposal'")  # fmt: skip
        return {}
    out: dict[str, str] = {}
    for name, target in value.items():
        if not isinstance(target, str) or not target.strip():
            problem(f"{key}.{name}", f"import.{key}: '{name}' needs a value (what it is here)")
            continue
        out[map_key(str(name))] = " ".join(target.split())
    return out


def check_import(store: Any) -> list[Problem]:
    """``check``: the import settings, and that the stages, lost reasons and users they
    map to exist (``store``: a ``Store``)."""
    from ..sales.pipeline import read_pipeline

    config = store.config
    problems = read_import(config)[1]
    pipeline, pipeline_problems = read_pipeline(config)
    raw = config.section(SECTION)
    reader = SectionReader(config, SECTION)
    if not pipeline_problems:
        stages = [stage.name for stage in pipeline.stages]
        for name, target in _named(raw, "stages"):
            if target not in stages:
                reader.problem(
                    f"stages.{name}",
                    f"import.stages: '{name}' maps to '{target}', which is not a stage of "
                    f"the pipeline ({', '.join(stages)})",
                )
        reasons = {reason.lower() for reason in pipeline.lost_reasons}
        for name, target in _named(raw, "lost_reasons"):
            if target.lower() not in reasons and not pipeline.other_reasons:
                reader.problem(
                    f"lost_reasons.{name}",
                    f"import.lost_reasons: '{name}' maps to '{target}', which is not one of "
                    f"pipeline.lost_reasons ({', '.join(pipeline.lost_reasons)})",
                )
    users = config.user_names()
    for name, target in _named(raw, "owners"):
        if users and target not in users:
            reader.problem(
                f"owners.{name}",
                f"import.owners: '{name}' maps to '{target}', which is not a user in "
                f"plaincrm.yaml ({', '.join(users)})",
            )
    return problems + reader.problems


def _named(raw: dict[str, Any], key: str) -> list[tuple[str, str]]:
    value = raw.get(key)
    if not isinstance(value, dict):
        return []
    return [(str(k), " ".join(v.split())) for k, v in value.items() if isinstance(v, str)]


def import_settings(config: Config) -> ImportSettings:
    """The import settings; a ``ConfigError`` when they have problems."""
    return settled(*read_import(config), "import settings in plaincrm.yaml")
