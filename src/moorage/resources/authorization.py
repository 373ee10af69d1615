"""Questions asked of the authorizer, created and answered at once, never stored.

authorization.k8s.io/v1: SelfSubjectAccessReview, SubjectAccessReview,
LocalSubjectAccessReview ("may this user do this?"); authorization.openshift.io/v1:
ResourceAccessReview, LocalResourceAccessReview ("who may do this?");
authentication.k8s.io/v1 TokenRequest is the body of serviceaccounts/token.
"""

from pydantic import Field

from moorage.resources.base import ObjectMeta, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind

K8S = "authorization.k8s.io"
OPENSHIFT = "authorization.openshift.io"


class ResourceAttributes(Strict):
    namespace: str | None = None
    verb: str | None = None
    group: str | None = None
    version: str | None = None
    resource: str | None = None
    subresource: str | None = None
    name: str | None = None


class NonResourceAttributes(Strict):
    path: str | None = None
    verb: str | None = None


class AccessReviewSpec(Strict):
    resource_attributes: ResourceAttributes | None = None
    non_resource_attributes: NonResourceAttributes | None = None
    user: str | None = None
    groups: list[str] | None = None
    uid: str | None = None
    extra: dict[str, list[str]] | None = None


class Review(TopLevel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)


class SubjectAccessReview(Review):
    spec: AccessReviewSpec
    status: dict[str, object] | None = None


class ResourceAccessReview(Review):
    namespace: str | None = None
    verb: str | None = None
    resource_api_group: str | None = Field(default=None, alias="resourceAPIGroup")
    resource_api_version: str | None = Field(default=None, alias="resourceAPIVersion")
    resource: str | None = None
    resource_name: str | None = None
    path: str | None = None
    is_non_resource_url: bool | None = Field(default=None, alias="isNonResourceURL")
    content: dict[str, object] | None = None


def _review(group: str, kind: str, namespaced: bool, model: type[Review]) -> Kind:
    plural = kind.lower() + "s"
    return Kind(
        group, "v1", kind, plural, kind.lower(), namespaced, model, verbs=("create",), named=False
    )


KINDS = [
    _review(K8S, "SelfSubjectAccessReview", False, SubjectAccessReview),
    _review(K8S, "SubjectAccessReview", False, SubjectAccessReview),
    _review(K8S, "LocalSubjectAccessReview", True, SubjectAccessReview),
    _review(OPENSHIFT, "ResourceAccessReview", False, ResourceAccessReview),
    _review(OPENSHIFT, "LocalResourceAccessReview", True, ResourceAccessReview),
]
