"""PersistentVolumeClaims for the registry's storage, and the directories that back them.

The claim `image-registry-storage` is the data directory's `storage/` (where blobs
have always lived); any other claim is `volumes/<name>/` beside it. A directory
outlives its claim (as a volume with the Retain policy would), except one the
operator provisioned itself when the Config's storage is Managed and the registry
is Removed: that storage is torn down, as the specification says.
"""

from moorage.operator.first_start import NAMESPACE
from moorage.resources.objects import Object
from moorage.store.resources import Ref

DEFAULT_CLAIM = "image-registry-storage"
PROVISIONED = "imageregistry.openshift.io"  # the annotation on a claim the operator made


def claim_ref(name: str) -> Ref:
    return Ref("", "persistentvolumeclaims", NAMESPACE, name)


def volume_of(claim: str) -> str:
    """The claim's directory, relative to the data directory."""
    return "storage" if claim == DEFAULT_CLAIM else f"volumes/{claim}"


def default_claim(capacity: str) -> Object:
    """The claim the operator makes for a blank spec.storage.pvc.claim. ReadWriteMany:
    every replica on this host uses the one directory."""
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": DEFAULT_CLAIM,
            "namespace": NAMESPACE,
            "annotations": {PROVISIONED: "true"},
        },
        "spec": {
            "accessModes": ["ReadWriteMany"],
            "resources": {"requests": {"storage": capacity}},
        },
    }


def provisioned(claim: Object) -> bool:
    return (claim["metadata"].get("annotations") or {}).get(PROVISIONED) == "true"


def single_writer(claim: Object) -> bool:
    """Only one replica at a time may mount it."""
    modes = set(claim["spec"]["accessModes"])
    return "ReadWriteMany" not in modes
