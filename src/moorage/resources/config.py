"""config.openshift.io/v1: ClusterOperator, how each operator says it is doing, and Image,
the cluster's rules for images from other registries (trust, which may be used, hostnames)."""

import re

from pydantic import Field, model_validator

from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind

GROUP = "config.openshift.io"
IMAGE_CONFIG = "cluster"


class ClusterOperator(TopLevel):
    spec: Open = Field(default_factory=Open)
    status: Open | None = None


class ConfigMapName(Strict):
    name: str


class RegistrySources(Strict):
    insecure_registries: list[str] | None = None
    blocked_registries: list[str] | None = None
    allowed_registries: list[str] | None = None
    contains_sigstore_signatures: list[str] | None = None  # accepted: nothing here signs

    @model_validator(mode="after")
    def _allowed_or_blocked(self) -> "RegistrySources":
        if self.blocked_registries and self.allowed_registries:
            raise ValueError("only one of allowedRegistries or blockedRegistries may be set")
        return self


class RegistryLocation(Strict):
    domain_name: str
    insecure: bool | None = None


class ImageSpec(Strict):
    additional_trusted_ca: ConfigMapName | None = Field(default=None, alias="additionalTrustedCA")
    registry_sources: RegistrySources | None = None
    allowed_registries_for_import: list[RegistryLocation] | None = None
    external_registry_hostnames: list[str] | None = None


class ImageConfig(TopLevel):
    spec: ImageSpec = Field(default_factory=ImageSpec)
    status: Open | None = None


KINDS = [
    Kind(
        GROUP,
        "v1",
        "ClusterOperator",
        "clusteroperators",
        "clusteroperator",
        False,
        ClusterOperator,
        ("co",),
        subresources=("status",),
    ),
    Kind(
        GROUP,
        "v1",
        "Image",
        "images",
        "image",
        False,
        ImageConfig,
        subresources=("status",),
        name_pattern=re.compile(rf"^{IMAGE_CONFIG}$"),
    ),
]
