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


def schema_dir() -> Path:
    """``schema/`` of a source checkout, or the copy packaged into the wheel."""
    here = Path(__file__).resolve().parent
    packaged = here / "_data" / "schema"
    if packaged.is_dir():
        return packaged
    return here.parent / "schema"


@cache
def load_schema(name: str) -> dict[str, Any]:
    """The schema ``schema/<name>.schema.json``."""
    path = schema_dir() / f"{name}.schema.json"
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
    """Schema violations of ``data`` as ``(dotted path, message)`` pairs."""
    if valid(name)(data):  # nearly every record: no need to look for errors
        return []
    found = []
    for error in validator(name).iter_errors(data):
        path = ".".join(str(p) for p in error.absolute_path)
        found.append((path, _describe(error)))
    return sorted(found)


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required":
        return error.message.replace("is a required property", "is required")
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{where}: '{error.instance}' is not one of: {allowed}"
    if error.validator == "format":
        return f"{where}: '{error.instance}' is not a valid {error.validator_value}"
    if error.validator == "minLength" and error.validator_value == 1:
        return f"{where}: must not be empty"
    if error.validator == "type" and error.instance is None:
        key = error.absolute_path[-1] if error.absolute_path else None
        hint = f" (write one after '{key}:')" if isinstance(key, str) else ""
        return f"{where}: has no value{hint}"
    return f"{where}: {error.message}" if where else error.message
