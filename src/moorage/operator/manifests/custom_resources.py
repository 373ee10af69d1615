"""Our own kinds on a cluster: their CustomResourceDefinitions, made from the models the API
validates with, and the cluster's Config and ImagePruner as a new registry starts with them.

Only stored kinds get a CRD: Config and ImagePruner (imageregistry.operator.openshift.io),
ImageStream and Image (image.openshift.io). ImageStreamTag, ImageStreamImage,
ImageStreamMapping, ImageStreamImport and DeletedImageStreamTag are views of a stream or
requests answered at once, which OpenShift's API server computes; a CRD would store them.
The Image definition declares the kind only: a Kubernetes API server refuses custom resources
named as Images are (`sha256:...` is no DNS subdomain), so images stay in the registry's API.
"""

from moorage.operator.claims import DEFAULT_CLAIM
from moorage.operator.first_start import image_pruner
from moorage.operator.manifests.settings import PART_OF, ClusterSettings
from moorage.resources import image, operator
from moorage.resources.catalogue import catalogue
from moorage.resources.crds import custom_resource_definition
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object

DEFINED = (
    (operator.GROUP, "configs"),
    (operator.GROUP, "imagepruners"),
    (image.GROUP, "imagestreams"),
    (image.GROUP, "images"),
)


def definitions() -> list[Object]:
    return [custom_resource_definition(_kind(*defined), PART_OF) for defined in DEFINED]


def registry_config(settings: ClusterSettings) -> Object:
    """The Config with every default filled in, as `moorage get` shows it, but no httpSecret:
    the operator makes one, so none is written down in a manifest."""
    spec = {
        "managementState": "Managed",
        "replicas": settings.replicas,
        "storage": {"pvc": {"claim": DEFAULT_CLAIM}, "managementState": "Unmanaged"},
    }
    config = {
        "apiVersion": f"{operator.GROUP}/v1",
        "kind": "Config",
        "metadata": {"name": operator.SINGLETON, "labels": PART_OF},
        "spec": spec,
    }
    return _kind(operator.GROUP, "configs").validate(config)


def cluster_image_pruner() -> Object:
    pruner = image_pruner()
    return {**pruner, "metadata": {**pruner["metadata"], "labels": PART_OF}}


def _kind(group: str, plural: str) -> Kind:
    kind = catalogue().find(group, "v1", plural)
    assert kind is not None, f"{plural}.{group} is not in the catalogue"
    return kind
