"""Discord's documented size limits, which the OpenAPI document states loosely or not at all.

Each checker returns a list of ``LimitError``; the REST layer turns them into a 400 with code 50035
("Invalid Form Body") shaped like Discord's, and records them as violations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_FIELDS_MAX = 25
EMBED_TEXT = {"title": 256, "description": 4096}
EMBED_FIELD_NAME, EMBED_FIELD_VALUE = 256, 1024
EMBED_FOOTER, EMBED_AUTHOR = 2048, 256
ACTION_ROWS_MAX, ROW_BUTTONS_MAX = 5, 5
LABEL_MAX, CUSTOM_ID_MAX = 80, 100
SELECT_OPTIONS_MAX = 25
MODAL_TITLE_MAX, MODAL_INPUTS_MAX = 45, 5
MODAL_LABEL_MAX, MODAL_PLACEHOLDER_MAX, MODAL_VALUE_MAX = 45, 100, 4000
THREAD_NAME_MAX = 100
EVENT_NAME_MAX, EVENT_DESCRIPTION_MAX = 100, 1000
ACTIVE_EVENTS_MAX = 100
AUTOCOMPLETE_CHOICES_MAX = 25
SELECT_TYPES = (3, 5, 6, 7, 8)


@dataclass(frozen=True)
class LimitError:
    path: str  # dotted, e.g. "embeds.0.title"
    code: str  # Discord's error code string, e.g. BASE_TYPE_MAX_LENGTH
    message: str


def _too_long(path: str, value: Any, limit: int) -> list[LimitError]:
    if isinstance(value, str) and len(value) > limit:
        return [LimitError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def _too_many(path: str, items: Any, limit: int) -> list[LimitError]:
    if isinstance(items, list) and len(items) > limit:
        return [LimitError(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")]
    return []


def check_embed(embed: dict[str, Any], path: str) -> tuple[list[LimitError], int]:
    errors: list[LimitError] = []
    total = 0
    for key, limit in EMBED_TEXT.items():
        errors += _too_long(f"{path}.{key}", embed.get(key), limit)
        total += len(embed.get(key) or "")
    fields = embed.get("fields") or []
    errors += _too_many(f"{path}.fields", fields, EMBED_FIELDS_MAX)
    for i, item in enumerate(fields):
        errors += _too_long(f"{path}.fields.{i}.name", item.get("name"), EMBED_FIELD_NAME)
        errors += _too_long(f"{path}.fields.{i}.value", item.get("value"), EMBED_FIELD_VALUE)
        total += len(item.get("name") or "") + len(item.get("value") or "")
    footer = (embed.get("footer") or {}).get("text")
    author = (embed.get("author") or {}).get("name")
    errors += _too_long(f"{path}.footer.text", footer, EMBED_FOOTER)
    errors += _too_long(f"{path}.author.name", author, EMBED_AUTHOR)
    total += len(footer or "") + len(author or "")
    return errors, total


def _check_component(item: dict[str, Any], path: str) -> list[LimitError]:
    errors = _too_long(f"{path}.custom_id", item.get("custom_id"), CUSTOM_ID_MAX)
    if item.get("type") == 2:
        errors += _too_long(f"{path}.label", item.get("label"), LABEL_MAX)
    if item.get("type") in SELECT_TYPES:
        options = item.get("options") or []
        errors += _too_many(f"{path}.options", options, SELECT_OPTIONS_MAX)
        for i, option in enumerate(options):
            errors += _too_long(f"{path}.options.{i}.label", option.get("label"), 100)
            errors += _too_long(f"{path}.options.{i}.value", option.get("value"), 100)
    return errors


def check_components(components: Any, path: str = "components") -> list[LimitError]:
    if not isinstance(components, list):
        return []
    errors = _too_many(path, components, ACTION_ROWS_MAX)
    for r, row in enumerate(components):
        if row.get("type") != 1:
            continue  # layout components (v2) are bounded by the schema
        children = row.get("components") or []
        buttons = [c for c in children if c.get("type") == 2]
        errors += _too_many(f"{path}.{r}.components", buttons, ROW_BUTTONS_MAX)
        for c, child in enumerate(children):
            errors += _check_component(child, f"{path}.{r}.components.{c}")
    return errors


def check_message(body: Any, prefix: str = "") -> list[LimitError]:
    """Limits for a message body (create, edit, webhook, or interaction callback ``data``)."""
    if not isinstance(body, dict):
        return []
    errors = _too_long(f"{prefix}content", body.get("content"), CONTENT_MAX)
    embeds = body.get("embeds") or []
    errors += _too_many(f"{prefix}embeds", embeds, EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        found, size = check_embed(embed, f"{prefix}embeds.{i}")
        errors += found
        total += size
    if total > EMBED_TOTAL_MAX:
        errors.append(
            LimitError(
                f"{prefix}embeds",
                "MAX_EMBED_SIZE_EXCEEDED",
                f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
            )
        )
    return errors + check_components(body.get("components"), f"{prefix}components")


def _modal_inputs(components: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """(path, text input) pairs whether wrapped in action rows (type 1) or labels (type 18)."""
    found = []
    for r, row in enumerate(components):
        if row.get("type") == 1:
            for c, child in enumerate(row.get("components") or []):
                found.append((f"data.components.{r}.components.{c}", child))
        elif row.get("type") == 18 and isinstance(row.get("component"), dict):
            found.append((f"data.components.{r}.component", {**row["component"], **_label(row)}))
    return found


def _label(row: dict[str, Any]) -> dict[str, Any]:
    return {"label": row["label"]} if "label" in row else {}


def check_modal(data: Any) -> list[LimitError]:
    if not isinstance(data, dict):
        return []
    errors = _too_long("data.title", data.get("title"), MODAL_TITLE_MAX)
    errors += _too_long("data.custom_id", data.get("custom_id"), CUSTOM_ID_MAX)
    components = data.get("components") or []
    errors += _too_many("data.components", components, MODAL_INPUTS_MAX)
    for path, item in _modal_inputs(components):
        errors += _too_long(f"{path}.custom_id", item.get("custom_id"), CUSTOM_ID_MAX)
        errors += _too_long(f"{path}.label", item.get("label"), MODAL_LABEL_MAX)
        if item.get("type") == 4:
            errors += _too_long(
                f"{path}.placeholder", item.get("placeholder"), MODAL_PLACEHOLDER_MAX
            )
            errors += _too_long(f"{path}.value", item.get("value"), MODAL_VALUE_MAX)
            low, high = item.get("min_length"), item.get("max_length")
            if low is not None and not 0 <= low <= MODAL_VALUE_MAX:
                errors.append(LimitError(f"{path}.min_length", "NUMBER_TYPE_MAX", "Out of range."))
            if high is not None and not 1 <= high <= MODAL_VALUE_MAX:
                errors.append(LimitError(f"{path}.max_length", "NUMBER_TYPE_MAX", "Out of range."))
            if low is not None and high is not None and low > high:
                errors.append(
                    LimitError(f"{path}.min_length", "BASE_TYPE_BAD_LENGTH", "min > max_length.")
                )
        elif item.get("type") in SELECT_TYPES:
            errors += _too_many(f"{path}.options", item.get("options"), SELECT_OPTIONS_MAX)
    return errors


def check_autocomplete(data: Any) -> list[LimitError]:
    choices = (data or {}).get("choices") or []
    errors = _too_many("data.choices", choices, AUTOCOMPLETE_CHOICES_MAX)
    for i, choice in enumerate(choices):
        errors += _too_long(f"data.choices.{i}.name", choice.get("name"), 100)
    return errors


def check_thread(body: Any) -> list[LimitError]:
    return _too_long("name", (body or {}).get("name"), THREAD_NAME_MAX)


def check_event(body: Any) -> list[LimitError]:
    body = body or {}
    errors = _too_long("name", body.get("name"), EVENT_NAME_MAX)
    return errors + _too_long("description", body.get("description"), EVENT_DESCRIPTION_MAX)


def error_body(errors: list[LimitError]) -> dict[str, Any]:
    """Discord's 50035 'Invalid Form Body' shape with nested ``_errors`` per field."""
    tree: dict[str, Any] = {}
    for error in errors:
        node = tree
        for part in error.path.split("."):
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": error.code, "message": error.message})
    return {"code": 50035, "message": "Invalid Form Body", "errors": tree}
