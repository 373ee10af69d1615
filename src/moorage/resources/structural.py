"""A kind's pydantic model as a Kubernetes structural schema, for a CustomResourceDefinition.

The model is the one the API validates with, so the CRD cannot drift from it. Pydantic's
JSON Schema (draft 2020-12) becomes OpenAPI v3 as apiextensions.k8s.io/v1 takes it: `$ref`s
inlined, `X | None` as X (absent fields are left out, never null), titles and descriptions
(class docstrings, written for readers of the code) dropped. Every node gets a `type`,
except where a structural schema cannot be written: fields kept as sent (`Open` models,
`dict[str, Any]`), which become `x-kubernetes-preserve-unknown-fields`. Anything else the
conversion does not know raises NotStructural, so a model change a CRD cannot carry fails
loudly.
"""

from pydantic import BaseModel

from moorage.resources.objects import Object

PRESERVE = "x-kubernetes-preserve-unknown-fields"
SCALAR_KEYWORDS = ("enum", "pattern", "minimum", "maximum", "minLength", "maxLength")
SCALAR_ACCEPTED = {*SCALAR_KEYWORDS, "type", "title", "description", "default"}


class NotStructural(ValueError):
    """A part of a model that a structural schema cannot say."""


def structural_schema(model: type[BaseModel]) -> Object:
    """The openAPIV3Schema of a top-level kind: its own fields, and metadata as Kubernetes
    requires it of a custom resource (an object the API server validates itself)."""
    json_schema = model.model_json_schema(by_alias=True)
    schema = _convert(json_schema, json_schema.get("$defs", {}), "")
    schema["properties"]["metadata"] = {"type": "object"}
    required = [name for name in schema.pop("required", []) if name != "metadata"]
    return {**schema, "required": required} if required else schema


def _convert(node: Object, defs: dict[str, Object], path: str) -> Object:
    node = _resolved(node, defs, path)
    kind = node.get("type")
    if kind == "object":
        return _object(node, defs, path)
    if kind == "array":
        return {"type": "array", "items": _convert(node["items"], defs, f"{path}[]")}
    if kind in ("string", "integer", "number", "boolean"):
        return _scalar(node, path)
    raise NotStructural(f"{path or '<root>'}: cannot say {node} structurally")


def _resolved(node: Object, defs: dict[str, Object], path: str) -> Object:
    """The node with its reference followed and `X | None` made X; its own keys kept."""
    while "$ref" in node or "anyOf" in node:
        if "$ref" in node:
            target = defs[node["$ref"].removeprefix("#/$defs/")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            continue
        choices = [choice for choice in node["anyOf"] if choice != {"type": "null"}]
        if len(choices) != 1:
            raise NotStructural(f"{path}: a union of {len(choices)} types")
        node = {**{k: v for k, v in node.items() if k != "anyOf"}, **choices[0]}
    return node


def _object(node: Object, defs: dict[str, Object], path: str) -> Object:
    extra = node.get("additionalProperties")
    if extra is True:  # Open models, dict[str, Any]: kept as sent
        return {"type": "object", PRESERVE: True}
    if isinstance(extra, dict):  # dict[str, X]
        return {"type": "object", "additionalProperties": _convert(extra, defs, f"{path}.*")}
    properties = {
        name: _convert(field, defs, f"{path}.{name}" if path else name)
        for name, field in node.get("properties", {}).items()
    }
    converted: Object = {"type": "object", "properties": properties}
    if node.get("required"):
        converted["required"] = list(node["required"])
    return converted


def _scalar(node: Object, path: str) -> Object:
    unknown = set(node) - SCALAR_ACCEPTED
    if unknown:
        raise NotStructural(f"{path}: the JSON Schema keywords {sorted(unknown)}")
    converted: Object = {"type": node["type"]}
    converted.update({k: node[k] for k in SCALAR_KEYWORDS if k in node})
    if node.get("default") is not None:
        converted["default"] = node["default"]
    return converted
