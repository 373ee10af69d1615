"""Backends that answer for the caller: who am I, service account tokens, access reviews."""

from __future__ import annotations

import builtins
import time
from typing import Any

from moorage.api import principals
from moorage.api.backends import StoredBackend
from moorage.api.status import ApiError
from moorage.auth.identities import Identities, expires_at
from moorage.auth.policy import StoredPolicy
from moorage.auth.principal import Principal, service_account
from moorage.auth.rbac import Attributes
from moorage.auth.tokens import CLIENT_SERVICE_ACCOUNT
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.store.resources import Event, Page, ResourceStore

SELF = "~"
TOKEN_SECONDS = (600, 3600, 365 * 24 * 3600)  # least, default, most


class UserBackend(StoredBackend):
    """Users as stored, and `~`: whoever is asking."""

    def get(self, namespace: str, name: str) -> Object:
        if name != SELF:
            return super().get(namespace, name)
        principal = principals.current()
        if principal.anonymous:
            raise ApiError("Forbidden", 'users.user.openshift.io "~" is forbidden: not logged in')
        return {
            "apiVersion": self.kind.api_version,
            "kind": "User",
            "metadata": {"name": principal.name, "uid": principal.uid},
            "groups": list(principal.groups),
        }


class ServiceAccountBackend(StoredBackend):
    """Service accounts, and their `token` subresource (a TokenRequest)."""

    def __init__(self, kind: Kind, store: ResourceStore, identities: Identities) -> None:
        super().__init__(kind, store)
        self._identities = identities

    def create_subresource(
        self, namespace: str, name: str, subresource: str, obj: Object
    ) -> Object:
        if subresource != "token":
            raise ApiError("MethodNotAllowed", f"serviceaccounts/{subresource} cannot be created")
        account = self.get(namespace, name)
        spec = obj["spec"] if isinstance(obj.get("spec"), dict) else {}
        seconds = spec.get("expirationSeconds", TOKEN_SECONDS[1])
        least, _, most = TOKEN_SECONDS
        if not isinstance(seconds, int) or not least <= seconds <= most:
            raise ApiError(
                "BadRequest", f"spec.expirationSeconds must be between {least} and {most}"
            )
        principal = service_account(namespace, name, account["metadata"]["uid"])
        token, stored = self._identities.issue(principal, CLIENT_SERVICE_ACCOUNT, seconds)
        return {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"expirationSeconds": seconds, "audiences": spec.get("audiences") or []},
            "status": {"token": token, "expirationTimestamp": _timestamp(expires_at(stored))},
        }


def _timestamp(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


class AccessReviewBackend:
    """Reviews are answered, not stored: "may this subject do this?" and "who may do this?"."""

    def __init__(self, kind: Kind, policy: StoredPolicy) -> None:
        self.kind, self._policy = kind, policy

    def create(self, namespace: str, obj: Object) -> Object:
        review = self.kind.validate(obj)
        if self.kind.kind.endswith("ResourceAccessReview"):
            return self._who_can(namespace, review)
        spec = review["spec"]
        subject = self._subject(spec)
        attributes = _attributes(spec, subject, namespace, self.kind.namespaced)
        decision = self._policy.authorize(attributes)
        status: dict[str, Any] = {"allowed": decision.allowed}
        if decision.allowed:
            status["reason"] = decision.reason
        review["status"] = status
        return review

    def _subject(self, spec: Object) -> Principal:
        if self.kind.kind == "SelfSubjectAccessReview":
            return principals.current()
        if not spec.get("user") and not spec.get("groups"):
            raise ApiError("BadRequest", "spec.user or spec.groups is required")
        return Principal(spec.get("user") or "", tuple(spec.get("groups") or ()))

    def _who_can(self, namespace: str, review: Object) -> Object:
        resource, _, subresource = (review.get("resource") or "").partition("/")
        attributes = Attributes(
            "",
            (),
            review.get("verb") or "",
            review.get("resourceAPIGroup") or "",
            resource,
            subresource,
            namespace if self.kind.namespaced else "",
            review.get("resourceName") or "",
        )
        users, groups = self._policy.current().subjects_allowed(attributes)
        return {
            "apiVersion": self.kind.api_version,
            "kind": "ResourceAccessReviewResponse",
            "namespace": attributes.namespace,
            "users": users,
            "groups": groups,
        }

    def _not_stored(self, *_args: Any) -> Any:
        raise ApiError("MethodNotAllowed", f"{self.kind.plural} can only be created")

    get = update = delete = _not_stored

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        return self._not_stored()

    def events_after(self, version: int) -> builtins.list[Event]:
        return []


def _attributes(spec: Object, subject: Principal, namespace: str, local: bool) -> Attributes:
    who = subject.name, subject.groups
    urls = spec.get("nonResourceAttributes")
    if urls:
        return Attributes(*who, verb=urls.get("verb") or "", path=urls.get("path") or "")
    asked = spec.get("resourceAttributes") or {}
    if not asked.get("resource"):
        raise ApiError(
            "BadRequest", "spec.resourceAttributes or spec.nonResourceAttributes is required"
        )
    return Attributes(
        *who,
        verb=asked.get("verb") or "",
        api_group=asked.get("group") or "",
        resource=asked["resource"],
        subresource=asked.get("subresource") or "",
        namespace=namespace if local else asked.get("namespace") or "",
        name=asked.get("name") or "",
    )
