"""Access reviews: what a verb on a resource means, and the questions asked about it.

`auth can-i` asks a SelfSubjectAccessReview (may I?); `policy who-can` asks a
(Local)ResourceAccessReview (who may?). Both name the resource the way users
type it: `imagestreams`, `is`, `imagestreams.image.openshift.io`, and
`imagestreams/layers` for a subresource, with the group found by discovery.
"""

import sys
from dataclasses import dataclass
from typing import Any

from moorage.cli.errors import CliError
from moorage.cli.session import Session
from moorage.resources.objects import Object

SELF_REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
OPENSHIFT_AUTHORIZATION = "authorization.openshift.io/v1"
CLUSTER_REVIEWS = f"/apis/{OPENSHIFT_AUTHORIZATION}/resourceaccessreviews"


@dataclass(frozen=True)
class Action:
    verb: str
    resource: str
    group: str = ""
    subresource: str = ""
    name: str = ""
    namespaced: bool = True
    path: str = ""  # a non-resource URL such as /healthz, instead of a resource

    @property
    def display(self) -> str:
        """`imagestreams.image.openshift.io/layers`, as who-can shows it."""
        text = f"{self.resource}.{self.group}" if self.group else self.resource
        return f"{text}/{self.subresource}" if self.subresource else text


def resolve_action(
    session: Session, verb: str, typed: str, name: str = "", subresource: str = ""
) -> Action:
    """The action on TYPE[/SUBRESOURCE] (or on a URL path starting with /)."""
    if typed.startswith("/"):
        return Action(verb, "", path=typed)
    head, _, sub = typed.partition("/")
    if sub and subresource:
        raise CliError(f"give the subresource once: {typed} or --subresource {subresource}")
    sub = sub or subresource
    if head == "*":
        return Action(verb, head, subresource=sub, name=name)
    discovery = session.discovery
    try:
        kind = discovery.resolve(head)
    except CliError as exc:  # asked anyway, as kubectl does: the server may know better
        print(f"Warning: {exc}", file=sys.stderr)
        resource, _, group = head.lower().partition(".")
        return Action(verb, resource, group, sub, name)
    return Action(verb, kind.plural, kind.group, sub, name, kind.namespaced)


def self_review(action: Action, namespace: str | None) -> Object:
    """A SelfSubjectAccessReview; empty fields are left out, as Go's omitempty does."""
    if action.path:
        spec: Object = {"nonResourceAttributes": {"path": action.path, "verb": action.verb}}
    else:
        attributes = {
            "namespace": namespace if action.namespaced else "",
            "verb": action.verb,
            "group": action.group,
            "resource": action.resource,
            "subresource": action.subresource,
            "name": action.name,
        }
        spec = {"resourceAttributes": {k: v for k, v in attributes.items() if v}}
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": spec,
    }


def access_review(action: Action, namespace: str | None) -> tuple[str, Object]:
    """Where to send a (Local)ResourceAccessReview, and the review: none namespace = all."""
    resource = f"{action.resource}/{action.subresource}" if action.subresource else action.resource
    review: dict[str, Any] = {
        "kind": "LocalResourceAccessReview" if namespace else "ResourceAccessReview",
        "apiVersion": OPENSHIFT_AUTHORIZATION,
        "namespace": namespace or "",
        "verb": action.verb,
        "resourceAPIGroup": action.group,
        "resource": resource,
        "resourceName": action.name,
    }
    if action.path:
        review.update(path=action.path, isNonResourceURL=True)
    if not namespace:
        return CLUSTER_REVIEWS, review
    path = f"/apis/{OPENSHIFT_AUTHORIZATION}/namespaces/{namespace}/localresourceaccessreviews"
    return path, review


def who_can_report(action: Action, namespace: str | None, answer: Object) -> str:
    """A ResourceAccessReviewResponse as `oc policy who-can` prints it."""
    lines = [
        "resourceaccessreviewresponse.authorization.openshift.io/<unknown>",
        "",
        f"Namespace: {answer.get('namespace') or namespace or '<all>'}",
        f"Verb:      {action.verb}",
        f"Resource:  {action.path or action.display}",
        "",
        *_column("Users:  ", answer.get("users")),
        "",
        *_column("Groups: ", answer.get("groups")),
    ]
    if answer.get("evaluationError"):
        lines += [
            "",
            f"Error during evaluation, results may not be complete: {answer['evaluationError']}",
        ]
    return "\n".join(lines) + "\n"


def _column(label: str, names: list[str] | None) -> list[str]:
    listed = sorted(set(names or ())) or ["none"]
    return [label + listed[0], *(" " * len(label) + name for name in listed[1:])]
