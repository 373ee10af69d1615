"""What every kind shares: strict camelCase models, ObjectMeta, name rules, validation errors."""

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel


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
