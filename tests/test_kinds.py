"""A record kind is one registration (``core.kinds``): a small extra kind, registered
here with its schema, is listed, indexed, queried, checked, shown on the client card
and in ``today`` without a line of the core naming it (issue 13, item 3)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from conftest import Crm
from plaincrm.core import kinds, query
from plaincrm.core.errors import InvalidError, Problem
from plaincrm.core.kinds import Attention, KindRules, RecordType
from plaincrm.core.model import TYPES, Record, field_kinds
from plaincrm.core.setfields import Wanted, plan_edit
from plaincrm.core.settings import Config
from plaincrm.core.store import Store

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Visit",
    "type": "object",
    "required": ["title", "client"],
    "properties": {
        "title": {"type": "string", "minLength": 1},
        "client": {"type": "string", "x-ref": "client"},
        "owner": {"type": "string", "x-ref": "user"},
        "date": {"type": "string", "format": "date"},
        "rating": {"type": "integer"},
        "deal": {"type": "string"},
    },
}
VISIT = """\
---
title: Tasting at the bakery
client: acme
owner: anna
date: 2026-11-27
rating: 7
deal: acme-grinder
---

They liked the dark roast.
"""


class VisitRules(KindRules):
    """A rating is out of five; the deal a visit names must exist."""

    def __init__(self, config: Config) -> None:
        self.context = "out of five"

    def judge(
        self, record: Record, text: str
    ) -> tuple[list[Problem], list[tuple[str, str, Problem]]]:
        found = []
        rating = record.fields.get("rating")
        if isinstance(rating, int) and rating > 5:
            found.append(Problem(record.path, record.line_of("rating"), "rating: out of 5"))
        deal = record.get_text("deal")
        needs = []
        if deal:
            missing = Problem(record.path, record.line_of("deal"), f"deal '{deal}' is unknown")
            needs.append(("record", f"deal:{deal}", missing))
        return found, needs


def undated(store: Store) -> list[Problem]:
    return [
        Problem(r.path, 1, "a visit needs a date")
        for r in store.records("visit")
        if not r.get_date("date")
    ]


def visits_today(
    store: Store, day: date, owner: str | None, limit: int | None
) -> tuple[list[Attention], int]:
    rows = store.index.conn.execute(
        "SELECT path, data FROM facts WHERE type = 'visit' ORDER BY path"
    ).fetchall()
    found = [
        Attention("visit", path, json.loads(data)["title"], "visit today")
        for path, data in rows
        if json.loads(data)["date"] == day.isoformat()
    ]
    return found[:limit] if limit is not None else found, len(found)


def visit_facts(record: Record) -> dict[str, Any] | None:
    return {"title": record.title, "date": record.get_date("date")}


def card(store: Store, record: Record) -> dict[str, str]:
    return {"date": record.get_date("date") or "", "rating": str(record.fields.get("rating"))}


@pytest.fixture
def visits(tmp_path: Path) -> Iterator[RecordType]:
    schema = tmp_path / "visit.schema.json"
    schema.write_text(json.dumps(SCHEMA), encoding="utf-8")
    kind = RecordType(
        "visit",
        "visits",
        "title",
        "visit",
        rank=60,
        schema_file=schema,
        list_command="report visits",
        facts=lambda: visit_facts,
        rules=VisitRules,
        checks=(undated,),
        attention=(visits_today,),
        card=card,
        by_command={"rating": "'plaincrm visit rate'"},
    )
    with kinds.changed():
        kinds.register(kind)
        yield kind
    assert "visit" not in TYPES  # taken back


def test_a_registered_kind_is_listed_indexed_queried_checked_and_shown(
    crm: Crm, visits: RecordType
) -> None:
    crm.run("client", "add", "Acme")
    crm.write("visits/acme-tasting.md", VISIT)
    crm.write("visits/acme-call.md", VISIT.replace("date: 2026-11-27\n", "").replace("7", "3"))
    store = Store(crm.root)
    # listed and resolved
    assert [r.slug for r in store.records("visit")] == ["acme-call", "acme-tasting"]
    assert store.resolve("acme-t") == "visits/acme-tasting.md"
    # indexed: its facts, its link to the client, its schema's field kinds
    facts = store.index.conn.execute("SELECT path, data FROM facts WHERE type = 'visit'")
    assert dict(facts)["visits/acme-tasting.md"] == json.dumps(
        {"title": "Tasting at the bakery", "date": "2026-11-27"}
    )
    assert sorted(store.linked("client", "acme")) == [
        "visits/acme-call.md",
        "visits/acme-tasting.md",
    ]
    assert field_kinds("visit")["rating"].name == "integer"
    # queried
    found = query.parse(["rating>5"], kinds=field_kinds("visit"), today=date(2026, 11, 27))
    matched = found.apply(store.records("visit"), query.RecordAccessor())
    assert [r.slug for r in matched] == ["acme-tasting"]
    # checked: its rules, the record it needs, its check across records, its schema
    out = crm.run("check", ok=False).stdout
    assert "visits/acme-tasting.md:6: rating: out of 5" in out
    assert "visits/acme-tasting.md:7: deal 'acme-grinder' is unknown" in out
    assert "visits/acme-call.md:1: a visit needs a date" in out
    # shown: on the client card, and in today's attention
    shown = json.loads(crm.run("client", "show", "acme", "--json").stdout)
    assert shown["linked_details"]["visits/acme-tasting.md"] == {
        "date": "2026-11-27",
        "rating": "7",
    }
    today = json.loads(crm.run("today", "--json").stdout)
    assert {
        "kind": "visit",
        "record": "visits/acme-tasting.md",
        "title": "Tasting at the bakery",
        "reason": "visit today",
        "client": None,
    } in today["attention"]
    # set refuses the fields only its commands change
    with pytest.raises(InvalidError, match="'plaincrm visit rate'"):
        plan_edit(store, store.load("visits/acme-tasting.md"), Wanted({"rating": "4"}))
    assert TYPES["visit"].listed_by() == "plaincrm report visits"


def test_another_domain_adds_to_a_kind_it_does_not_own() -> None:
    def gate(store: Store, deal: Record, target: str) -> str | None:
        return None

    before = TYPES["deal"].hook("stage_gate")
    with kinds.changed():
        kinds.extend("deal", hooks={"stage_gate": (gate,)})
        assert TYPES["deal"].hook("stage_gate") == (*before, gate)
        with pytest.raises(ValueError, match="has its facts already"):
            kinds.extend("deal", facts=lambda: visit_facts)
        with pytest.raises(TypeError, match="RecordType has no colour"):
            kinds.extend("deal", colour="red")
    assert TYPES["deal"].hook("stage_gate") == before


def test_every_kind_of_plaincrm_is_declared_in_its_domain() -> None:
    assert list(TYPES) == ["client", "deal", "competitor", "ticket", "campaign", "document"]
    assert list(kinds.declarations()) == [
        "plaincrm.clients.kind",
        "plaincrm.documents.kind",
        "plaincrm.formats.kind",
        "plaincrm.mail.kind",
        "plaincrm.marketing.kind",
        "plaincrm.sales.kind",
        "plaincrm.service.kind",
    ]
