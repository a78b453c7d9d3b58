"""Every rule of every schema in ``schema/`` speaks the user's language.

The audit walks each schema: every property's type, pattern, enum, format,
minimum/maximum, minLength, minItems, every ``required`` key, every
``additionalProperties``, ``propertyNames`` and ``oneOf``.  For each rule it
makes one value that breaks it, validates, and checks the message: a sentence
about the field with an example of a valid value, and none of JSON Schema's
wording (regexes, "does not match", "is not of type") or Python's reprs.
Record schemas go the whole way a user's file goes (YAML text, the record
parser, ``check``'s problems); the others through ``schemas.validate``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import Crm
from plaincrm.core.check import record_problems
from plaincrm.core.model import TYPES
from plaincrm.core.records import parse_record
from plaincrm.core.schemas import load_schema, schema_dir, validate

SCHEMAS = sorted(p.name.removesuffix(".schema.json") for p in schema_dir().glob("*.schema.json"))
RECORD_SCHEMAS = {rtype.schema: rtype for rtype in TYPES.values()}
LEAKS = (
    "does not match",
    "is not of type",
    "is not valid",
    "required property",
    "dditional properties",
    "is too short",
    "is too long",
    "non-empty",
    "is less than",
    "is greater than",
    "should be",
    "under any of",
    "^",
    "$",
    "\\",
    "(?",
    "None",
    "True",
    "False",
    "{'",
    "['",
    "Decimal",
)
SAYS_EXAMPLE = ("type", "pattern", "format", "minimum", "maximum", "minLength", "required")


def _type(prop: dict[str, Any]) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next(k for k in kind if k != "null")
    return kind


def valid(prop: dict[str, Any]) -> Any:
    """A valid value of ``prop`` (an object with its required keys)."""
    if "oneOf" in prop:
        return valid(prop["oneOf"][0])
    kind = _type(prop)
    if kind == "object" or "properties" in prop:
        props = prop.get("properties", {})
        return {key: valid(props.get(key, {"type": "string"})) for key in prop.get("required", [])}
    if kind == "array":
        return [valid(prop.get("items", {"type": "string"}))] * prop.get("minItems", 1)
    examples = prop.get("examples")
    if examples:
        return copy.deepcopy(examples[0])
    if prop.get("format") == "date":
        return "2026-11-27"
    if "enum" in prop:
        return prop["enum"][0]
    return {"integer": 3, "number": 3, "boolean": True}.get(kind or "", "x")  # type: ignore[arg-type]


BREAK_TYPE = {"string": ["a", "list"], "integer": "many", "number": "lots", "boolean": "maybe"}
BREAK_TYPE |= {"array": {"a": "mapping"}, "object": "text"}


def rules(
    prop: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """``(rule, path, bad value)`` for every rule of ``prop`` at ``path`` and below;
    ``path`` ends with the key the value is set at (a required key: the key removed,
    value ``REMOVE``)."""
    kind = _type(prop)
    if kind and path:  # (the whole front matter is always 'key: value' lines)
        yield "type", path, BREAK_TYPE[kind]
        nullable = isinstance(prop["type"], list) and "null" in prop["type"]
        if kind in ("string", "integer", "number", "boolean") and not nullable:
            yield "type", path, None  # a key with no value
    if "pattern" in prop:
        yield "pattern", path, "no good!"
    if prop.get("format") == "date":
        yield "format", path, "2026-13-01"
    if prop.get("format") == "email":
        yield "format", path, "nope"
    if "enum" in prop:
        yield "enum", path, "zzz"
    if prop.get("minLength"):
        yield "minLength", path, ""
    if "minimum" in prop:
        yield "minimum", path, prop["minimum"] - 1
    if "maximum" in prop:
        yield "maximum", path, prop["maximum"] + 1
    if prop.get("minItems", 0) > 1:
        yield "minItems", path, [valid(prop["items"])] * (prop["minItems"] - 1)
    if "oneOf" in prop:
        yield "oneOf", path, 5
        for option in prop["oneOf"]:
            for rule, where, value in rules(option, path):
                if where != path:  # a rule inside one of the shapes, reached through it
                    yield rule, where, value
    for key in prop.get("required", []):
        yield "required", (*path, key), REMOVE
    if prop.get("additionalProperties") is False:
        yield "additionalProperties", (*path, "zzz_unknown"), "x"
    elif isinstance(prop.get("additionalProperties"), dict):
        yield from rules(prop["additionalProperties"], (*path, "ABC"))
    names = prop.get("propertyNames")
    if names:
        yield "propertyNames", (*path, "zzz-bad"), "x"
    for key, sub in prop.get("properties", {}).items():
        yield from rules(sub, (*path, key))
    if isinstance(prop.get("items"), dict):
        yield from rules(prop["items"], (*path, 0))


class _Remove:
    """The value that takes a key out (its repr is stable: test ids must not vary
    between processes, or pytest-xdist's workers collect different tests)."""

    def __repr__(self) -> str:
        return "REMOVE"


REMOVE = _Remove()


def broken(schema: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    """A valid instance of ``schema`` with ``value`` at ``path`` (built on the way)."""
    data = valid(schema)
    node: Any = data
    prop = schema
    for step in path[:-1]:
        if isinstance(step, int):
            sub = prop["items"]
        else:
            sub = prop.get("properties", {}).get(step) or prop.get("additionalProperties") or {}
            if step not in node:
                node[step] = valid(sub)
        if "oneOf" in sub:  # the shape the rest of the path goes through
            shapes = [option for option in sub["oneOf"] if _type(option) == "object"]
            sub = next((o for o in shapes if "properties" in o), shapes[0])
        if not isinstance(node[step], dict) and _type(sub) == "object":
            node[step] = valid(sub)
        node, prop = node[step], sub
    last = path[-1]
    if value is REMOVE:
        node.pop(last, None)
    elif isinstance(last, int):
        node[last] = value
    else:
        node[last] = value
    return data


def cases() -> Iterator[Any]:
    for name in SCHEMAS:
        schema = load_schema(name)
        for rule, path, value in rules(schema, ()):
            label = ".".join(str(p) for p in path) or "-"
            yield pytest.param(name, rule, path, value, id=f"{name}:{label}:{rule}:{value!r}")


def messages_of(name: str, data: dict[str, Any]) -> list[str]:
    """What a user is told about ``data``: ``check``'s problems of a record file with
    this front matter, or ``validate``'s messages for the other schemas."""
    if name not in RECORD_SCHEMAS:
        return [message for _, message in validate(name, data)]
    rtype = RECORD_SCHEMAS[name]
    front = yaml.safe_dump(_as_text(data), sort_keys=False, allow_unicode=True)
    text = f"---\n{front}---\n\nNotes.\n"
    record = parse_record(rtype, f"{rtype.folder}/x.md", text)
    return [problem.message for problem in record_problems(record)]


def _as_text(value: Any) -> Any:
    """Values as a person types them: every scalar is text (None stays empty)."""
    if isinstance(value, dict):
        return {key: _as_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_text(item) for item in value]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(("name", "rule", "path", "value"), list(cases()))
def test_every_schema_rule_is_told_in_words_with_an_example(
    name: str, rule: str, path: tuple[Any, ...], value: Any
) -> None:
    schema = load_schema(name)
    assert messages_of(name, valid(schema)) == []  # the base instance is valid
    found = messages_of(name, broken(schema, path, value))
    assert found, f"breaking {rule} at {path} with {value!r} is not reported"
    for message in found:
        assert not [leak for leak in LEAKS if leak in message], message
        field = ".".join(str(p) for p in path[:-1] if rule in ("required",)) or ""
        assert message.split(":")[0].strip(), message
        if rule in SAYS_EXAMPLE and message.startswith(field):
            assert " like " in message or " or " in message, message
        assert any(word in message for word in ("expected", "missing", "unknown", "write")), message


def test_every_pattern_names_what_it_wants_with_an_example_that_fits() -> None:
    """A pattern is a regex: its message needs ``x-expected`` (what it is, in words) and
    ``examples`` (a valid value), and the example must match the pattern."""
    import re

    def walk(node: Any) -> Iterator[dict[str, Any]]:
        if isinstance(node, dict):
            if "pattern" in node:
                yield node
            for value in node.values():
                yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    for name in SCHEMAS:
        for prop in walk(load_schema(name)):
            assert isinstance(prop.get("x-expected"), str), (name, prop)
            assert re.search(prop["pattern"], prop.get("examples", [""])[0]), (name, prop)


def test_opened_typed_without_a_time_is_no_problem_and_starts_the_working_day(
    crm: Crm,
) -> None:
    """A ticket's ``opened: 2026-02-11`` is read as 09:00 that day (workday.start):
    check is content, the SLA clock runs from there, and a real mistake says what
    it wants in words."""
    crm.run("client", "add", "Acme Ltd")
    crm.write(
        "tickets/acme-ltd-rattle.md",
        "---\nclient: acme-ltd\nsubject: Rattle\nstatus: new\npriority: high\n"
        "opened: 2026-11-26\n---\n",
    )
    assert crm.run("check").stdout == ""
    env = {"PLAINCRM_TIME": "11:00"}
    shown = json.loads(crm.run("ticket", "show", "acme-ltd-rattle", "--json", env=env).stdout)
    # high: 4h to respond; from Thursday 09:00 to Friday 11:00 is 8h + 2h of working time
    assert shown["sla"]["response"]["used_minutes"] == 10 * 60
    crm.write(
        "tickets/acme-ltd-rattle.md",
        crm.read("tickets/acme-ltd-rattle.md").replace("2026-11-26", "26/11/2026 9:30"),
    )
    assert crm.run("check", ok=False).stdout == (
        "tickets/acme-ltd-rattle.md:6: opened: expected a date and time like "
        "2026-02-11 09:30, not '26/11/2026 9:30'\n"
    )


def test_schema_files_are_json(tmp_path: Path) -> None:
    for name in SCHEMAS:
        json.loads((schema_dir() / f"{name}.schema.json").read_text(encoding="utf-8"))
