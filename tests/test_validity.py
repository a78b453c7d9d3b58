"""The compiled check of ``validity`` answers exactly as jsonschema does, for every schema.

Data is generated from each schema (its properties, enums, formats and patterns,
valid and not) and mutated (wrong types, extra keys, empty and odd values); the
compiled function and jsonschema's ``is_valid`` must agree on every example.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plaincrm.core import schemas
from plaincrm.core.validity import compile_schema

NAMES = sorted(p.name.removesuffix(".schema.json") for p in schemas.schema_dir().glob("*.json"))
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200),
    st.sampled_from([0.5, 1.0, -0.0, 1e300, float("inf"), float("nan"), 100.0, 101.5]),
    st.sampled_from(
        [
            "",
            "x",
            "EUR",
            "eur",
            "2026-11-27",
            "2026-02-30",
            "2026-11-27 09:30",
            "27/11/2026",
            "a@b",
            "nope",
            "09:00",
            "9.30",
            "30m",
            "1h30m",
            "none",
            "75%",
            "lead",
            "Lead",
            "A",
            "a b",
            "low",
            "urgent",
        ]
    ),
    st.text(max_size=6),
)


def values(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly values valid under ``schema``, now and then anything else (one in ten)."""
    anything = LEAVES if depth > 2 else st.one_of(LEAVES, st.lists(LEAVES, max_size=3))
    return st.integers(0, 9).flatmap(lambda n: anything if n == 0 else valid(schema, depth))


def valid(schema: Any, depth: int) -> st.SearchStrategy[Any]:
    """Values shaped to pass ``schema``: its enums, types, formats, patterns and bounds."""
    if not isinstance(schema, dict) or depth > 4:
        return LEAVES
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "oneOf" in schema:
        return st.one_of([valid(sub, depth + 1) for sub in schema["oneOf"]])
    kinds = schema.get("type", ["string", "integer", "object"])
    kinds = kinds if isinstance(kinds, list) else [kinds]
    return st.one_of([typed(kind, schema, depth) for kind in kinds])


def typed(kind: str, schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum", -5), schema.get("maximum", 1000)
    if kind == "string":
        if schema.get("format") == "date":
            return st.dates().map(lambda day: day.isoformat())
        if schema.get("format") == "email":
            return st.sampled_from(["a@b.example", "info@acme.example", "x@y"])
        if "pattern" in schema:
            return st.from_regex(schema["pattern"])
        return st.text(min_size=schema.get("minLength", 0), max_size=8)
    if kind == "integer":
        return st.integers(low, high)
    if kind == "number":
        return st.one_of(st.integers(low, high), st.floats(low, high))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(
            values(schema.get("items", {}), depth + 1),
            min_size=schema.get("minItems", 0),
            max_size=3,
        )
    return objects(schema, depth + 1)


def objects(schema: dict[str, Any], depth: int) -> st.SearchStrategy[dict[str, Any]]:
    props = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    names = schema.get("propertyNames", {}).get("enum", ["other", "USD", "normal"])

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key in schema.get("required", []):
            if draw(st.integers(0, 19)):  # now and then a required key is missing
                out[key] = draw(values(props.get(key, {}), depth))
        for key in draw(st.lists(st.sampled_from([*props, *names]), max_size=5, unique=True)):
            sub = props.get(key, extra if isinstance(extra, dict) else {})
            out[key] = draw(values(sub, depth))
        return out

    return build()


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_compiles(name: str) -> None:
    checker = schemas.validator(name)
    assert compile_schema(schemas.load_schema(name), type(checker)) is not None


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_compiled_check_agrees_with_jsonschema(name: str, data: st.DataObject) -> None:
    schema = schemas.load_schema(name)
    checker = schemas.validator(name)
    compiled = compile_schema(schema, type(checker))
    assert compiled is not None
    value = data.draw(valid(schema, 0))
    assert compiled(value) == checker.is_valid(value), json.dumps(value, default=str)


def test_keywords_it_does_not_know_leave_the_schema_to_jsonschema() -> None:
    cls = type(schemas.validator("client"))
    assert compile_schema({"type": "object", "if": {"required": ["a"]}}, cls) is None
    assert compile_schema({"$ref": "#/$defs/x"}, cls) is None
    assert compile_schema({"enum": [1, True]}, cls) is None  # jsonschema's equality of those
    assert compile_schema({"type": "colour"}, cls) is None
    assert compile_schema({"pattern": "("}, cls) is None
