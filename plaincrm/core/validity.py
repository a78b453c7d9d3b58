"""A compiled yes-or-no check of data against a JSON Schema: the fast path of ``check``.

jsonschema walks the schema afresh for every value it validates (a third of a
millisecond per record), and nearly every record is valid: for those, "valid"
is all ``check`` needs to know.  ``compile_schema`` turns a schema into nested
closures that answer exactly what jsonschema's ``is_valid`` would, for the
keywords the plaincrm schemas use (the type and format checks are jsonschema's
own); a schema with any other keyword compiles to None, and is always left to
jsonschema.  Only when the answer is no does ``schemas.validate`` ask
jsonschema for the errors, so every message still comes from one place.
``tests/test_validity.py`` compares the two on generated data for every schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Valid = Callable[[Any], bool]

# keywords that only describe: they never make data invalid
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "deprecated"}
)


class Unsupported(Exception):
    """A keyword this compiler does not handle: leave the schema to jsonschema."""


def compile_schema(schema: Any, checker: Any) -> Valid | None:
    """A function telling whether data is valid under ``schema`` (as the jsonschema
    validator class ``checker`` judges it: its type and format checkers), or None when
    the schema uses a keyword this module does not compile."""
    try:
        return _compile(schema, checker)
    except Unsupported:
        return None


def _true(value: Any) -> bool:
    return True


def _false(value: Any) -> bool:
    return False


def _compile(schema: Any, cls: Any) -> Valid:
    if schema is True:
        return _true
    if schema is False:
        return _false
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    tests: list[Valid] = []
    for key, value in schema.items():
        if key in _ANNOTATIONS or key.startswith("x-") or key == "patternProperties":
            continue  # patternProperties: part of "additionalProperties" below
        compiler = _KEYWORDS.get(key)
        if compiler is None:
            raise Unsupported(key)
        tests.append(compiler(value, schema, cls))
    if "patternProperties" in schema:
        tests.append(_pattern_properties(schema["patternProperties"], schema, cls))
    if not tests:
        return _true
    if len(tests) == 1:
        return tests[0]

    def all_of(value: Any) -> bool:
        for test in tests:  # noqa: SIM110 (a loop: no generator on the hot path)
            if not test(value):
                return False
        return True

    return all_of


def _is_type(cls: Any, name: str) -> Valid:
    if name == "string":
        return lambda value: isinstance(value, str)
    if name == "object":
        return lambda value: isinstance(value, dict)
    if name == "array":
        return lambda value: isinstance(value, list)
    checker = cls.TYPE_CHECKER
    try:
        checker.is_type(None, name)  # an unknown type raises here, not on every value
    except Exception as exc:  # jsonschema's UnknownType
        raise Unsupported(name) from exc

    def is_type(value: Any) -> bool:
        return bool(checker.is_type(value, name))

    return is_type


def _type(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    names = value if isinstance(value, list) else [value]
    if not all(isinstance(name, str) for name in names):
        raise Unsupported("type")
    tests = [_is_type(cls, name) for name in names]
    if len(tests) == 1:
        return tests[0]
    return lambda data: any(test(data) for test in tests)


def _enum(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise Unsupported("enum")  # jsonschema's equality of numbers and booleans: not copied
    allowed = frozenset(value)
    return lambda data: isinstance(data, str) and data in allowed


def _format(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    checker = cls.FORMAT_CHECKER
    return lambda data: bool(checker.conforms(data, value))


def _number(cls: Any) -> Valid:
    return _is_type(cls, "number")


def _minimum(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    number = _number(cls)
    return lambda data: not number(data) or not data < value


def _maximum(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    number = _number(cls)
    return lambda data: not number(data) or not data > value


def _min_length(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    return lambda data: not isinstance(data, str) or len(data) >= value


def _max_length(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    return lambda data: not isinstance(data, str) or len(data) <= value


def _search(pattern: Any) -> Callable[[str], Any]:
    try:
        return re.compile(pattern).search
    except (re.error, TypeError) as exc:
        raise Unsupported(f"pattern {pattern!r}") from exc


def _pattern(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    search = _search(value)
    return lambda data: not isinstance(data, str) or search(data) is not None


def _items(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    if "prefixItems" in schema:
        raise Unsupported("prefixItems")
    item = _compile(value, cls)
    return lambda data: not isinstance(data, list) or all(item(each) for each in data)


def _min_items(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    return lambda data: not isinstance(data, list) or len(data) >= value


def _max_items(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    return lambda data: not isinstance(data, list) or len(data) <= value


def _properties(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    compiled = [(key, _compile(sub, cls)) for key, sub in value.items()]

    def properties(data: Any) -> bool:
        if not isinstance(data, dict):
            return True
        for key, test in compiled:  # noqa: SIM110 (a loop: no generator on the hot path)
            if key in data and not test(data[key]):
                return False
        return True

    return properties


def _required(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    names = list(value)
    return lambda data: not isinstance(data, dict) or all(name in data for name in names)


def _additional(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    known = frozenset(schema.get("properties", {}))
    patterns = "|".join(schema.get("patternProperties", {}))
    matches = _search(patterns) if patterns else None
    test = _compile(value, cls)

    def additional(data: Any) -> bool:
        if not isinstance(data, dict):
            return True
        for key, item in data.items():
            if key in known or (matches is not None and matches(key)):
                continue
            if not test(item):
                return False
        return True

    return additional


def _pattern_properties(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    compiled = [(_search(pattern), _compile(sub, cls)) for pattern, sub in value.items()]

    def pattern_properties(data: Any) -> bool:
        if not isinstance(data, dict):
            return True
        return all(
            test(item) for search, test in compiled for key, item in data.items() if search(key)
        )

    return pattern_properties


def _property_names(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    test = _compile(value, cls)
    return lambda data: not isinstance(data, dict) or all(test(key) for key in data)


def _one_of(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    tests = [_compile(sub, cls) for sub in value]
    return lambda data: sum(1 for test in tests if test(data)) == 1


def _any_of(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    tests = [_compile(sub, cls) for sub in value]
    return lambda data: any(test(data) for test in tests)


def _all_of(value: Any, schema: dict[str, Any], cls: Any) -> Valid:
    tests = [_compile(sub, cls) for sub in value]
    return lambda data: all(test(data) for test in tests)


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any], Any], Valid]] = {
    "type": _type,
    "enum": _enum,
    "format": _format,
    "minimum": _minimum,
    "maximum": _maximum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "items": _items,
    "minItems": _min_items,
    "maxItems": _max_items,
    "properties": _properties,
    "required": _required,
    "additionalProperties": _additional,
    "propertyNames": _property_names,
    "oneOf": _one_of,
    "anyOf": _any_of,
    "allOf": _all_of,
}
