"""A small JSON Schema checker for the subset the report schema uses.

``fuzzrt report`` validates every report it writes and every report it
reads back for merging, so a consumer never sees a malformed file and a
broken input is refused with the JSON path of the first problems.  The
project has no ``jsonschema`` dependency; the schema sticks to the keywords
below, and anything else in a schema is an error here (so the subset cannot
silently grow past what is enforced).
"""
from __future__ import annotations

from typing import Any

_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
#: keywords understood here; annotations (title, description...) are ignored
KEYWORDS = frozenset({
    "type", "properties", "required", "additionalProperties", "items", "enum", "const", "minimum",
    "maximum", "anyOf", "$ref", "$defs", "$schema", "$id", "title", "description",
})
MAX_ERRORS = 20


class SchemaError(Exception):
    """The schema itself uses a keyword this checker does not implement."""


def _is_type(value: Any, name: str) -> bool:
    if isinstance(value, bool) and name in ("integer", "number"):
        return False
    return isinstance(value, _TYPES[name])


def _resolve(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/$defs/"):
        raise SchemaError(f"unsupported $ref {ref!r} (only #/$defs/NAME)")
    name = ref[len("#/$defs/"):]
    try:
        return root["$defs"][name]
    except KeyError:
        raise SchemaError(f"$ref to an undefined definition {name!r}") from None


def _check(value: Any, schema: dict[str, Any], root: dict[str, Any], path: str, errors: list[str]) -> None:
    if len(errors) >= MAX_ERRORS:
        return
    unknown = set(schema) - KEYWORDS
    if unknown:
        raise SchemaError(f"unsupported schema keyword(s) {sorted(unknown)} at {path}")
    if "$ref" in schema:
        _check(value, _resolve(root, schema["$ref"]), root, path, errors)
        return
    if "anyOf" in schema:
        _check_any(value, schema["anyOf"], root, path, errors)
        return
    expected = schema.get("type")
    if expected is not None:
        names = [expected] if isinstance(expected, str) else list(expected)
        if not any(_is_type(value, name) for name in names):
            errors.append(f"{path}: expected {' or '.join(names)}, got {type(value).__name__}")
            return
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: expected {schema['const']!r}, got {value!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} is not one of {schema['enum']!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value!r} is below the minimum {schema['minimum']!r}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: {value!r} is above the maximum {schema['maximum']!r}")
    if isinstance(value, dict):
        _check_object(value, schema, root, path, errors)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            _check(item, schema["items"], root, f"{path}[{i}]", errors)


def _check_any(value: Any, branches: list[dict[str, Any]], root: dict[str, Any], path: str,
               errors: list[str]) -> None:
    """Valid if one branch accepts ``value``.  Otherwise report the branch that got past the type
    check with the fewest problems (its errors say what is wrong inside), else the type mismatch."""
    mismatch = f"{path}: expected "
    deeper: list[list[str]] = []
    for branch in branches:
        found: list[str] = []
        _check(value, branch, root, path, found)
        if not found:
            return
        if not (len(found) == 1 and found[0].startswith(mismatch)):
            deeper.append(found)
    if deeper:
        errors.extend(min(deeper, key=len))
    else:
        errors.append(f"{path}: {type(value).__name__} matches no alternative of anyOf")


def _check_object(value: dict[str, Any], schema: dict[str, Any], root: dict[str, Any], path: str,
                  errors: list[str]) -> None:
    for key in schema.get("required", ()):
        if key not in value:
            errors.append(f"{path}: missing required property {key!r}")
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties", True)
    for key, item in value.items():
        if not isinstance(key, str):
            errors.append(f"{path}: property name {key!r} is not a string")
        elif key in properties:
            _check(item, properties[key], root, f"{path}.{key}", errors)
        elif extra is False:
            errors.append(f"{path}: unexpected property {key!r}")
        elif isinstance(extra, dict):
            _check(item, extra, root, f"{path}.{key}", errors)


def validate(value: Any, schema: dict[str, Any]) -> list[str]:
    """The problems of ``value`` against ``schema`` (at most ``MAX_ERRORS``); empty when it conforms."""
    errors: list[str] = []
    _check(value, schema, schema, "$", errors)
    return errors
