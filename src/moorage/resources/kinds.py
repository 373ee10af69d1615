"""The catalogue of kinds: where each lives in the API and how its objects are checked."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from moorage.resources.base import causes_of
from moorage.resources.names import Invalid, check_name
from moorage.resources.objects import Object

ALL_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Kind:
    group: str  # "" for the core group
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    model: type[BaseModel]
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[str, ...] = ()
    name_is_label: bool = False  # DNS-1123 label (namespaces, projects) instead of subdomain
    name_pattern: re.Pattern[str] | None = None  # names of another shape (image digests)
    normalize: Callable[[Object], Object] | None = field(default=None, compare=False)
    named: bool = True  # False for requests answered at once (access reviews), never stored
    # Applied to (stored, sent) on update, before validation: a kind's own update rules.
    on_update: Callable[[Object, Object], Object] | None = field(default=None, compare=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def validate(self, obj: Object) -> Object:
        """The object as stored: checked against the schema, defaulted, normalized."""
        name = (obj.get("metadata") or {}).get("name") or ""
        if obj.get("kind", self.kind) != self.kind:
            raise Invalid(self.kind, name, [_cause("kind", f"expected {self.kind}")])
        if obj.get("apiVersion", self.api_version) != self.api_version:
            raise Invalid(self.kind, name, [_cause("apiVersion", f"expected {self.api_version}")])
        try:
            model = self.model.model_validate(obj)
        except ValidationError as exc:
            raise Invalid(self.kind, name, causes_of(exc)) from None
        checked = model.model_dump(by_alias=True, exclude_none=True)
        checked["apiVersion"], checked["kind"] = self.api_version, self.kind
        causes = self._check_name(checked["metadata"].get("name")) if self.named else []
        if causes:
            raise Invalid(self.kind, name, causes)
        return self.normalize(checked) if self.normalize else checked

    def _check_name(self, name: str | None) -> list[dict[str, str]]:
        if self.name_pattern is None or not name:
            return check_name(name, subdomain=not self.name_is_label)
        if self.name_pattern.match(name):
            return []
        return [_cause("metadata.name", f"{name[:80]!r} is not a valid {self.kind} name")]


def _cause(field_: str, message: str) -> dict[str, str]:
    return {"reason": "FieldValueInvalid", "message": message, "field": field_}


class Catalogue:
    def __init__(self, kinds: list[Kind]) -> None:
        self.kinds = kinds
        self._by_path = {(k.group, k.version, k.plural): k for k in kinds}

    def find(self, group: str, version: str, plural: str) -> Kind | None:
        return self._by_path.get((group, version, plural))

    def groups(self) -> dict[str, list[str]]:
        """API group name -> its versions (the core group is "")."""
        out: dict[str, list[str]] = {}
        for kind in self.kinds:
            versions = out.setdefault(kind.group, [])
            if kind.version not in versions:
                versions.append(kind.version)
        return out

    def in_group(self, group: str, version: str) -> list[Kind]:
        return [k for k in self.kinds if k.group == group and k.version == version]
