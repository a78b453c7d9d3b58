"""The JSON Schemas in ``schema/``: where to find them, field kinds, validation.

The schemas are the single description of each record type's front matter.
Reading a record uses them to know which fields are numbers, dates or lists
(``model.coerce``); ``check`` validates whole records against them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from .kinds import SCHEMA_FILES, TYPES, RecordType


def schema_dir() -> Path:
    """``schema/`` of a source checkout, or the copy packaged into the wheel."""
    here = Path(__file__).resolve().parents[1]  # plaincrm/
    packaged = here / "_data" / "schema"
    if packaged.is_dir():
        return packaged
    return here.parent / "schema"


def schema_path(name: str) -> Path:
    """The file of the schema ``name``: ``schema/<name>.schema.json``, or the file a
    record kind registered (``kinds.RecordType.schema_file``)."""
    return SCHEMA_FILES.get(name) or schema_dir() / f"{name}.schema.json"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``schema/<name>.schema.json`` (``schema_path``)."""
    path = schema_path(name)
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def validator(name: str) -> Any:
    import jsonschema

    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


@cache
def valid(name: str) -> Callable[[Any], bool]:
    """A quick yes-or-no check of data against the schema ``name`` (``validity``): the
    same answer as jsonschema's, at a fraction of the cost."""
    from .validity import compile_schema

    checker = validator(name)
    return compile_schema(load_schema(name), type(checker)) or checker.is_valid


def validate(name: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """Schema violations of ``data`` as ``(dotted path, message)`` pairs, each message a
    sentence in the user's words (``describe``), never JSON Schema's."""
    if valid(name)(data):  # nearly every record: no need to look for errors
        return []
    found = []
    for error in validator(name).iter_errors(data):
        path = ".".join(str(p) for p in error.absolute_path)
        found.append((path, describe(error)))
    return sorted(found)


# ---------------------------------------------------------------- messages
#
# What a field expects, in words and with an example of a valid value, from its
# schema: ``x-expected`` (a noun phrase, for a pattern: "a date and time") and
# ``examples`` where the schema gives them, else from the type, format, range
# and enum.  ``check`` and the reading of records (``model.coerce``) say it the
# same way: ``opened: expected a date and time like 2026-02-11 09:30``.

_FORMATS = {"date": ("a date", "2026-11-27"), "email": ("an e-mail address", "anna@example.com")}
_EXAMPLES = {"integer": "14", "number": "1200.50", "string": "", "array": "", "object": ""}
SHORT = 40  # a typed value up to this long is quoted in a message


def _type(prop: dict[str, Any]) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return kind if isinstance(kind, str) else None


def _flow(value: Any, inner: bool = False) -> str:
    """A value as it is typed in front matter, on one line (an example from a schema)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item, True) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{key}: {_flow(item, True)}" for key, item in value.items())
        return "{" + pairs + "}" if inner else pairs
    return str(value)


def alternatives(values: list[Any]) -> str:
    """``a``, ``a or b``, ``a, b or c``."""
    words = [_flow(value) for value in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def example(prop: dict[str, Any]) -> str | None:
    """A valid value of the field, as typed: its schema's first example, else one made
    from its format or type (None when there is nothing sensible to show)."""
    examples = prop.get("examples")
    if isinstance(examples, list) and examples:
        return _flow(examples[0])
    if "default" in prop:
        return _flow(prop["default"])
    if prop.get("format") in _FORMATS:
        return _FORMATS[prop["format"]][1]
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return _flow(prop["enum"][0])
    kind = _type(prop)
    if kind in ("integer", "number"):
        low, high = prop.get("minimum"), prop.get("maximum")
        if high is not None:
            return _flow((low or 0) + (high - (low or 0)) // 2 if kind == "integer" else high)
        return _EXAMPLES[kind]
    if kind == "boolean":
        return "true"
    if kind == "array":
        items = prop.get("items")
        if not isinstance(items, dict):
            return None
        if _type(items) == "object":
            entry = _object_example(items)
            return f"[{{{entry}}}]" if entry else None
        item = example(items)
        return f"[{item}]" if item else None
    if kind == "object":
        return _object_example(prop)
    if isinstance(prop.get("oneOf"), list):
        return next(filter(None, (example(option) for option in prop["oneOf"])), None)
    return None


def _object_example(prop: dict[str, Any]) -> str | None:
    """``name: Gábor Tóth``: the required keys of an object (else its first key) with
    examples of their values."""
    props = prop.get("properties", {})
    keys = [key for key in prop.get("required", []) if key in props] or list(props)[:1]
    pairs = []
    for key in keys:
        value = example(props[key])
        if value is None:
            return None
        pairs.append(f"{key}: {_inner(props[key], value)}")
    return ", ".join(pairs) or None


def _inner(prop: dict[str, Any], text: str) -> str:
    """An object's example as the value of a key in another object's example."""
    return f"{{{text}}}" if _type(prop) == "object" else text


def _range(prop: dict[str, Any]) -> str:
    low, high = prop.get("minimum"), prop.get("maximum")
    if low is not None and high is not None:
        return f" from {_flow(low)} to {_flow(high)}"
    if low is not None:
        return f" of {_flow(low)} or more"
    if high is not None:
        return f" of at most {_flow(high)}"
    return ""


def noun(prop: dict[str, Any]) -> str:
    """What the field holds, in words: ``a whole number from 0 to 100``, ``a date``."""
    if isinstance(prop.get("x-expected"), str):
        return str(prop["x-expected"])
    if isinstance(prop.get("enum"), list) and prop["enum"]:
        return alternatives(prop["enum"])
    if prop.get("format") in _FORMATS:
        return _FORMATS[prop["format"]][0]
    if isinstance(prop.get("oneOf"), list):
        return ", or ".join(expectation(o) for o in prop["oneOf"] if isinstance(o, dict))
    kind = _type(prop)
    if kind == "integer":
        return "a whole number" + _range(prop)
    if kind == "number":
        return "a number" + _range(prop)
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        least = prop.get("minItems") or 0
        return f"a list of at least {least} entries" if least > 1 else "a list"
    if kind == "object":
        return "'key: value' lines"
    return "text"


def expectation(prop: dict[str, Any]) -> str:
    """``a date and time like 2026-02-11 09:30``: the noun and an example."""
    what = noun(prop)
    if isinstance(prop.get("enum"), list) or _type(prop) == "boolean" or "oneOf" in prop:
        return what  # the alternatives are the examples
    shown_example = example(prop)
    if not shown_example:
        return what
    separator = ", like " if "," in what or _range(prop) else " like "
    return f"{what}{separator}{shown_example}"


def shown(value: Any) -> str:
    """A typed value in a message: quoted text (shortened), never a Python repr."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _flow(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "'key: value' lines"
    text = " ".join(str(value).split())
    return f"'{text}'" if len(text) <= SHORT else f"'{text[: SHORT - 3]}...'"


def wrong_value(where: str, prop: dict[str, Any], value: Any) -> str:
    """The message for a field whose value is not what its schema wants."""
    head = f"{where}: " if where else ""
    if value is None:
        key = where.rsplit(".", 1)[-1]
        return f"{head}has no value; write {expectation(prop)} after '{key}:'"
    if value == "" and _type(prop) == "string":
        return f"{head}is empty; expected {expectation(prop)}"
    return f"{head}expected {expectation(prop)}, not {shown(value)}"


def describe(error: Any) -> str:
    """One jsonschema error in the user's words."""
    where = ".".join(str(p) for p in error.absolute_path)
    head = f"{where}: " if where else ""
    rule, schema, value = error.validator, error.schema, error.instance
    if rule == "required":
        missing = [key for key in error.validator_value if key not in value]
        key = missing[0] if missing else str(error.validator_value[0])
        prop = schema.get("properties", {}).get(key, {})
        dotted = f"{where}.{key}" if where else key
        sample = example(prop)
        how = f", like {key}: {_inner(prop, sample)}" if sample else f" ({noun(prop)})"
        return f"{dotted}: is missing; add it{how}"
    if rule == "additionalProperties" and error.validator_value is False:
        known = list(schema.get("properties", {}))
        extra = [key for key in value if key not in known]
        listed = f"; the keys are {', '.join(known)}" if known else ""
        return f"{head}unknown key '{extra[0] if extra else '?'}'{listed}"
    if "propertyNames" in error.relative_schema_path:  # a key, not a value, is wrong
        return f"{head}the key {shown(value)} is not right here: expected {expectation(schema)}"
    if rule == "oneOf":
        # the shape the value has (a mapping, a text ...) says which option was meant
        options = schema.get("oneOf", [])
        meant = {
            e.relative_schema_path[0]
            for e in error.context
            if e.validator == "type" and len(e.relative_schema_path) == 2
        }
        fitting = [e for e in error.context if e.relative_schema_path[0] not in meant]
        if fitting and len(meant) == len(options) - 1:
            return describe(fitting[0])
        return wrong_value(where, schema, value)
    if rule == "minItems":
        return f"{head}expected {noun(schema)}, not {len(value)}"
    if rule in ("type", "format", "pattern", "enum", "minimum", "maximum", "minLength"):
        return wrong_value(where, schema, value)
    return f"{head}{shown(value)} is not allowed here (see the schemas in schema/)"


def ref_fields(rtype: RecordType) -> dict[str, str]:
    """Front matter fields of ``rtype`` that name another record (``x-ref`` in the schema)."""
    props = load_schema(rtype.schema).get("properties", {})
    return {
        key: prop["x-ref"]
        for key, prop in props.items()
        if isinstance(prop, dict) and prop.get("x-ref") in TYPES
    }
