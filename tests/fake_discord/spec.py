"""Validation against Discord's official OpenAPI document (``../shared/discord-api-spec``).

The document is loaded once per process (module-level cache) and wrapped in a ``referencing``
registry, so every ``$ref`` resolves against the whole document with Draft 2020-12 semantics.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.fake_discord.deviations import apply_request_deviations, apply_response_deviations

SPEC_URI = "urn:discord-openapi"
SPEC_PATH = Path(__file__).resolve().parents[3] / "shared" / "discord-api-spec" / "openapi.json"


class SpecMissingError(RuntimeError):
    """The shared OpenAPI document is not where the project expects it."""


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    pointer: str  # JSON pointer to the operation object


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@functools.cache
def _document() -> dict[str, Any]:
    if not SPEC_PATH.is_file():
        raise SpecMissingError(
            f"Discord's OpenAPI spec is missing: expected {SPEC_PATH} (the `shared/` folder beside "
            "the project root, see shared/README.md). The fake Discord server validates every "
            "request and response against it and cannot run without it."
        )
    with SPEC_PATH.open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    return document


@functools.cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(_document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


@functools.cache
def _operations() -> tuple[Operation, ...]:
    operations = []
    for template, item in _document()["paths"].items():
        regex = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template))
        for method in ("get", "put", "post", "patch", "delete"):
            if method in item:
                pointer = f"/paths/{_escape(template)}/{method}"
                operations.append(
                    Operation(method.upper(), template, re.compile(regex + r"\Z"), pointer)
                )
    # Literal segments beat parameters: "/users/@me" must not be taken for "/users/{user_id}".
    operations.sort(key=lambda op: (op.template.count("{"), -len(op.template)))
    return tuple(operations)


def find_operation(method: str, path: str) -> Operation | None:
    """The spec operation for ``method path`` (path relative to /api/v10), if the spec has one."""
    for operation in _operations():
        if operation.method == method and operation.pattern.match(path):
            return operation
    return None


def _resolve(pointer: str) -> Any:
    node: Any = _document()
    for token in pointer.strip("/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


@functools.cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry())


def _errors(pointer: str, instance: Any) -> list[str]:
    validator = _validator(pointer)
    messages = []
    for error in validator.iter_errors(instance):
        best = _deepest(error)
        where = "/".join(str(part) for part in best.absolute_path) or "<root>"
        messages.append(f"at {where}: {best.message[:500]}")
    return messages


def _deepest(error: Any) -> Any:
    """For anyOf/oneOf failures, explain with the branch the instance was evidently meant for.

    Discord's unions are discriminated by a ``type`` enum: a branch whose ``type`` did not match
    is not the one meant, so its errors are skipped; among the rest the deepest error wins.
    """
    while error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        meant = [
            errs for errs in branches.values() if not any(_is_type_mismatch(e, error) for e in errs)
        ] or list(branches.values())
        candidates = [e for errs in meant for e in errs]
        error = max(candidates, key=lambda e: (len(e.absolute_path), -len(e.context)))
    return error


def _is_type_mismatch(sub: Any, parent: Any) -> bool:
    relative = list(sub.absolute_path)[len(parent.absolute_path) :]
    return sub.validator in ("enum", "const") and relative == ["type"]


def validate_request(method: str, path: str, body: Any) -> list[str]:
    """Validate a JSON (or multipart ``payload_json``) request body; [] when it conforms."""
    operation = find_operation(method, path)
    if operation is None:
        return [f"no operation for {method} {path} in the OpenAPI spec"]
    op = _resolve(operation.pointer)
    request_body = op.get("requestBody")
    if request_body is None:
        if body is None:
            return []
        return ["the spec defines no request body for this operation"]
    if body is None:
        return ["request body is required"] if request_body.get("required") else []
    body = apply_request_deviations(method, path, body)
    return _errors(f"{operation.pointer}/requestBody/content/application~1json/schema", body)


def validate_response(method: str, path: str, status: int, body: Any) -> list[str]:
    """Validate the server's own answer against the documented response for ``status``."""
    operation = find_operation(method, path)
    if operation is None:
        return []
    responses = _resolve(operation.pointer)["responses"]
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    if key not in responses:
        if status >= 500:
            return []  # injected server errors are not part of the contract
        return [f"status {status} is not a documented response of {method} {operation.template}"]
    response = responses[key]
    pointer = f"{operation.pointer}/responses/{key}"
    if "$ref" in response:
        pointer = response["$ref"].lstrip("#")
        response = _resolve(pointer)
    content = response.get("content")
    if content is None:
        return [] if body is None else [f"status {status} must not have a body"]
    if body is None:
        return [f"status {status} needs a JSON body"]
    if status >= 400:
        body = apply_response_deviations(body)
    return _errors(f"{pointer}/content/application~1json/schema", body)


def validate_schema(name: str, instance: Any) -> list[str]:
    """Validate ``instance`` against ``#/components/schemas/<name>`` (used for gateway parts)."""
    return _errors(f"/components/schemas/{name}", instance)


def load() -> None:
    """Load and index the spec now (the fixture calls this so a missing spec fails early)."""
    _operations()
    _registry()
