"""What every kind shares: strict camelCase models, ObjectMeta, name rules, validation errors."""

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Invalid(Exception):
    """An object that breaks its kind's schema; `causes` name each offending field."""

    def __init__(self, kind: str, name: str, causes: list[dict[str, str]]) -> None:
        details = "; ".join(f"{c['field']}: {c['message']}" for c in causes)
        super().__init__(f'{kind} "{name}" is invalid: {details}')
        self.kind, self.name, self.causes = kind, name, causes


class Strict(BaseModel):
    """Unknown fields are refused; fields are camelCase on the wire."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, alias_generator=to_camel)


class Open(BaseModel):
    """For parts of an object whose fields we do not interpret (kept as sent)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, alias_generator=to_camel)


class ObjectMeta(Strict):
    name: str | None = None
    generate_name: str | None = None
    namespace: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    generation: int | None = None
    creation_timestamp: str | None = None
    deletion_timestamp: str | None = None
    labels: dict[str, str] | None = None
    annotations: dict[str, str] | None = None
    owner_references: list[dict[str, Any]] | None = None
    finalizers: list[str] | None = None
    managed_fields: list[dict[str, Any]] | None = None
    self_link: str | None = None


def causes_of(error: ValidationError) -> list[dict[str, str]]:
    causes = []
    for problem in error.errors():
        field = ""
        for part in problem["loc"]:
            field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
        reason = "FieldValueInvalid"
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            reason, message = "FieldValueNotSupported", f'unknown field "{field}"'
        elif problem["type"] == "missing":
            reason = "FieldValueRequired"
        causes.append({"reason": reason, "message": message, "field": field})
    return causes


def check_name(name: str | None, subdomain: bool = True) -> list[dict[str, str]]:
    if not name:
        return [
            {
                "reason": "FieldValueRequired",
                "message": "name or generateName is required",
                "field": "metadata.name",
            }
        ]
    pattern, limit = (DNS1123_SUBDOMAIN, 253) if subdomain else (DNS1123_LABEL, 63)
    if len(name) > limit or not pattern.match(name):
        what = "subdomain" if subdomain else "label"
        return [
            {
                "reason": "FieldValueInvalid",
                "message": f"a lowercase RFC 1123 {what} must consist of lower case alphanumeric "
                f"characters, '-' or '.', start and end with an alphanumeric character, "
                f"at most {limit} characters (got {name[:80]!r})",
                "field": "metadata.name",
            }
        ]
    return []
