"""image.config.openshift.io/cluster: made at first start; its status says by which names
the registry is reached (the service inside, the routes and the user's names outside)."""

from moorage.resources.config import GROUP, IMAGE_CONFIG
from moorage.resources.objects import Object
from moorage.store.resources import Ref, Transaction

IMAGE_CONFIG_REF = Ref(GROUP, "images", "", IMAGE_CONFIG)
SERVICE_HOST = "image-registry.openshift-image-registry.svc"


def blank_image_config() -> Object:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Image",
        "metadata": {"name": IMAGE_CONFIG},
        "spec": {},
    }


def report_hostnames(tx: Transaction, internal: str, route_hosts: list[str]) -> None:
    """Status as OpenShift writes it: the routes' hosts (default route first), then those
    spec.externalRegistryHostnames adds."""
    current = tx.get(IMAGE_CONFIG_REF)
    if current is None:
        return
    external = list(route_hosts)
    for host in (current.get("spec") or {}).get("externalRegistryHostnames") or []:
        if host not in external:
            external.append(host)
    status: Object = {"internalRegistryHostname": internal}
    if external:
        status["externalRegistryHostnames"] = external
    if current.get("status") != status:
        tx.update(IMAGE_CONFIG_REF, {**current, "status": status})
