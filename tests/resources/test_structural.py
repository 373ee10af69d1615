"""A kind's model becomes a structural schema, or says which part it cannot become."""

from typing import Any, Literal

import pytest
from pydantic import Field

from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.structural import NotStructural, structural_schema


class Part(Strict):
    name: str = Field(pattern=r"^[a-z]+$")
    size: int = Field(default=1, ge=0, le=9)


class Whole(TopLevel):
    parts: list[Part] | None = None
    labels: dict[str, str] | None = None
    anything: dict[str, Any] | None = None
    status: Open | None = None
    mode: Literal["On", "Off"] = "On"


def test_a_model_becomes_types_the_api_server_checks_and_kept_fields_preserved() -> None:
    schema = structural_schema(Whole)
    fields = schema["properties"]
    assert fields["metadata"] == {"type": "object"}
    assert "required" not in schema  # metadata is the API server's to require
    assert fields["parts"] == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z]+$"},
                "size": {"type": "integer", "minimum": 0, "maximum": 9, "default": 1},
            },
            "required": ["name"],
        },
    }
    assert fields["labels"] == {"type": "object", "additionalProperties": {"type": "string"}}
    preserved = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert fields["anything"] == fields["status"] == preserved
    assert fields["mode"] == {"type": "string", "enum": ["On", "Off"], "default": "On"}


def test_a_union_of_two_types_is_refused_by_name() -> None:
    class Either(TopLevel):
        size: int | str

    with pytest.raises(NotStructural, match="size: a union of 2 types"):
        structural_schema(Either)


def test_a_keyword_the_conversion_does_not_know_is_refused() -> None:
    class Positive(TopLevel):
        count: int = Field(gt=0)

    with pytest.raises(
        NotStructural, match=r"count: the JSON Schema keywords \['exclusiveMinimum'\]"
    ):
        structural_schema(Positive)
